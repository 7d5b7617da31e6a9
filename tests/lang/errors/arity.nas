op a = conv(16, 3, 1, 1, 1, 3, 3, 7)
op b = conv(c: 16, 3)
op c = blend(relu, skip)
