space two(c: int = 8) {
    input image(3, 8, 8)
    conv(c, 3)
    relu
}
