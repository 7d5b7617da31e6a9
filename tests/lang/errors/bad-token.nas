op a = relu $ skip
op b = "never closed
