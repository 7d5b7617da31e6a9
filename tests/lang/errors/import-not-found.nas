import "no/such/file.nas"

op a = relu
