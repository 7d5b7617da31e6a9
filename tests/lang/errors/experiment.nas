# What only the entries together decide is checked too: Penn Treebank trains language models,
# which need a sequence space, have no accuracy, and take no image settings.
import "stdlib/spaces/nb201.nas"

experiment lm {
    space     nb201(c: 8, n: 1)
    data      ptb(limit: 2000)
    evaluate  train(epochs: 1, flip: true, precision: fp16)
    strategy  random
    budget    trials: 4
    objective maximize valid_acc
}
