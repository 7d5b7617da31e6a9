# Used by the ambiguous-name error test.
op shared_block(c: int) = conv(c, 3)
