op a(c: int) = conv(c, 0.5)
op b = relu >> 3
op c = relu | 3
