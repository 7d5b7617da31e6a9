# A space's resource bound names a metric nas measures without training (params, flops),
# compared with a number (plain, or with a k, M or G): not an expression.
space small {
    input image(3, 32, 32)
    conv(16 | 32, 3) >> relu >> global_avg_pool >> linear(10)
    where params < 5 * 1000
}
