# Each op applies the previous one three times: 3^15 applications are too many to follow.
op f0 = relu
op f1 = f0 >> f0 >> f0
op f2 = f1 >> f1 >> f1
op f3 = f2 >> f2 >> f2
op f4 = f3 >> f3 >> f3
op f5 = f4 >> f4 >> f4
op f6 = f5 >> f5 >> f5
op f7 = f6 >> f6 >> f6
op f8 = f7 >> f7 >> f7
op f9 = f8 >> f8 >> f8
op f10 = f9 >> f9 >> f9
op f11 = f10 >> f10 >> f10
op f12 = f11 >> f11 >> f11
op f13 = f12 >> f12 >> f12
op f14 = f13 >> f13 >> f13
op f15 = f14 >> f14 >> f14
space s {
    input image(3, 8, 8)
    f15 >> global_avg_pool >> linear(10)
}
