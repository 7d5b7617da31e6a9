# A million channels on 4G × 4G maps: flattening them for the linear layer overflows.
space huge {
    input image(3, 4G, 4G)
    conv(1M, 3) >> flatten >> linear(10)
}
