op block(c: int) = conv(c, 3) >> batchnrom >> rleu
