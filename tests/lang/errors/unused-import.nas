import "stdlib/ops.nas"

op a = relu
