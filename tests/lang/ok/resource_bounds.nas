# Resource bounds on a space and on an experiment: sampling, mutation and enumeration give
# only architectures whose networks meet them.
space small {
    input image(3, 32, 32)
    conv(16 | 32 | 64, 3) >> relu >> conv(16 | 32, 3 | 5) >> global_avg_pool >> linear(10)
    where params < 40k
    where flops <= 30M
}
