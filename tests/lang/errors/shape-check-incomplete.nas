# `thrice` applies its op argument three times, and nesting it 15 deep asks for 3^15
# applications: more than the shape checker follows for one definition.
op thrice(body: op) = body >> body >> body
op huge = thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(thrice(relu)))))))))))))))

space s {
    input image(3, 8, 8)
    conv(8, 3) >> global_avg_pool >> linear(10)
}
