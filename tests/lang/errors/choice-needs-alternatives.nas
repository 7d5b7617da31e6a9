choice only = relu
