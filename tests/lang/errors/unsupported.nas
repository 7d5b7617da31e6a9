# What the checker accepts but the space IR cannot express is reported by `nas check`:
# a size constraint on a space is not enforced by sampling yet.
space small {
    input image(3, 32, 32)
    conv(16 | 32, 3) >> relu >> global_avg_pool >> linear(10)
    where params < 100k
}
