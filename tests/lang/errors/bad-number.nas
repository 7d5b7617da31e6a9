op a = conv(16, 3x)
op b = conv(99999999999999999999, 3)
