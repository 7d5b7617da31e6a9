op block(c: int) = conv(c(2), 3)
