op a = conv(16)
op b = sum
op c = conv(16, kh: 3)
