experiment e {
    data fashion_mnist
    objective maximize valid_acc
}
