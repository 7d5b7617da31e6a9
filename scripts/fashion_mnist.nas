# A real result: train one good, fixed NAS-Bench-201 cell on the full Fashion-MNIST on CPU.
#
#   nas run scripts/fashion_mnist.nas
#
# The cell is the one with the best CIFAR-10 test accuracy in the NAS-Bench-201 table
# (94.37 after 200 epochs). Here it is built small (8 channels, one cell per stage), trained
# for 8 epochs on 57,000 images (3,000 held out for validation) with SGD, Nesterov momentum,
# a cosine schedule and horizontal flips, then measured on the 10,000 test images. The README
# quotes the accuracy and the time this run took on a 2-core machine.

import "stdlib/spaces/nb201.nas"

experiment fashion_mnist {
    space     nb201
    data      fashion_mnist(valid: 0.05)
    evaluate  train(epochs: 8, batch: 128, optimizer: sgd(lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.0005), schedule: cosine, flip: true, channels: 8, cells: 1, threads: 2)
    strategy  fixed(arch: "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}
