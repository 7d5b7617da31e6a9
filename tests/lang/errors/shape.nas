# Three stride-2 convolutions shrink the 8×8 input to 1×1; a fourth downsampling stage
# would shrink it to 0×0.
space shrink(c: int = 16) {
    input image(3, 8, 8)
    conv(c, 3, stride: 2) * 3 >> resblock(2 * c, stride: 2) >> global_avg_pool >> linear(10)
}

op head = flatten >> conv(10, 1)
