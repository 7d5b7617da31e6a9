# A strategy script's `// Parameters:` header is read by the checker; a broken one is the
# script's mistake, shown in the script, with the experiment line that named it.
experiment e {
    space     s
    evaluate  table(file: "missing.csv")
    strategy  broken_header(size: 3)
    budget    trials: 4
    objective maximize acc
}

space s {
    input image(1, 8, 8)
    conv(4, 3 | 5) >> global_avg_pool >> linear(2)
}
