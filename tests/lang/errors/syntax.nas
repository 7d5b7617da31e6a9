# Several syntax errors in one file: each is reported, and the good items still parse.
op a(c: int) = conv(c, 3, stride = 2)
op b = relu >>
cell x(c: int) {
    input x0
    node = x0 >> relu
    output x0
}
op fine = skip
