# Each width alone is fine; the two disagree when they differ.
space s {
    input image(1, 28, 28)
    let w = 16 | 32
    conv(16, 3) >> sum(conv(w, 3), conv(16 | 32, 3)) >> global_avg_pool >> linear(10)
}
