op a = conv(16)
op b = sum
