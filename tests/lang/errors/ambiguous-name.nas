import "../ok/parts_a.nas"
import "../ok/parts_b.nas"

op uses = shared_block(8)
