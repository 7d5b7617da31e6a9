op a(c: int) = conv(c, 3) >> b(c)
op b(c: int) = relu >> a(c)
