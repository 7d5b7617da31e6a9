space s {
    input image(3, 8, 8)
    conv(8, 3) >> relu
}
op uses_space = s >> relu
op picks = 2 of [relu, skip]
space connected_net {
    input image(3, 8, 8)
    conv(8, 3)
    where connected
}
