# What the checker accepts but the space IR cannot express is reported by `nas check`:
# ops after an `any of` input (NAS-Bench-101's vertices take their op after the sum).
cell c {
    input x
    node a = sum(any of [x] >> conv(8, 3))
    output a
}
space s {
    input image(8, 16, 16)
    c >> global_avg_pool >> linear(10)
}
