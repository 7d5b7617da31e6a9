# Every unknown name in a choice is reported, and the import they were probably meant to
# come from is not called unused.
import "stdlib/ops.nas"

choice edge(c: int) = sep_conv3x3(c) | dil_conv3x3(c) | skip
