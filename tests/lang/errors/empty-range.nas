space s {
    input image(3, 8, 8)
    conv(8, 3) * (4..=2) >> global_avg_pool >> linear(10)
}
