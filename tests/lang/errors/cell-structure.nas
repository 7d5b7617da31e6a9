cell nothing(c: int) {
    node x = sum(x)
}
