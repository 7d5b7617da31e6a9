op a = conv(16, 3, strides: 2)
