op block(c: int) = conv(c, 3)
op block(c: int) = conv(c, 5)
op relu = skip
