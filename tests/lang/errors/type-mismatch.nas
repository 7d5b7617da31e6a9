op a(c: int) = conv(c, 0.5)
op b = relu >> 3
op c = relu | 3
cell counted(c: int) {
    input x
    node y = sum(any of [x]) >> conv(c, 3)
    output y
    where connected <= 1
}
