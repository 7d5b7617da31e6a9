# Zoph & Le (ICLR 2017), the recurrent cell space of their Penn Treebank experiment: a tree of
# "base 8" whose 8 leaves each merge W·x_t and W·h_{t-1}, and whose 7 inner nodes merge their
# two children; every node picks its combination (add or element-wise multiply) and its
# activation (tanh, ReLU, sigmoid, identity). The cell state follows the paper's "cell
# inject" and "cell indices": one index (`inject`) says which node's output is merged with
# c_{t-1} (by a combination and activation of their own), a second (`next c`) which node's
# output before its activation is c_t. 8^15 node labels x (15 x 8) injections x 15 cell
# outputs = 8^16 x 15^2, about 6.3 x 10^16 cells (the paper: "approximately 6 x 10^16").
# TensorFlow's NASCell, the cell the paper found, is one of them (tests/compile_rnn_cells.rs).
# Deviations: each leaf's two linear maps have a bias (the paper writes W·x + W·h; NASCell has
# none), and the language model around the cell is the one-layer one of the other stdlib
# cells (`nas_rl_rnn`; stack it as `awd_lstm` stacks its cell).

choice nas_rl_act = tanh | relu | sigmoid | skip

cell nas_rl_rnn_cell(d: int) {
    input  x
    state  h, c
    let    inject = 0..=14
    node   wx0 = x >> linear(d)
    node   wh0 = h >> linear(d)
    node   p0 = sum(wx0, wh0) | prod(wx0, wh0)
    node   a0 = p0 >> nas_rl_act
    node   t0 = when(inject == 0, (sum(a0, c) | prod(a0, c)) >> nas_rl_act, a0)
    node   wx1 = x >> linear(d)
    node   wh1 = h >> linear(d)
    node   p1 = sum(wx1, wh1) | prod(wx1, wh1)
    node   a1 = p1 >> nas_rl_act
    node   t1 = when(inject == 1, (sum(a1, c) | prod(a1, c)) >> nas_rl_act, a1)
    node   wx2 = x >> linear(d)
    node   wh2 = h >> linear(d)
    node   p2 = sum(wx2, wh2) | prod(wx2, wh2)
    node   a2 = p2 >> nas_rl_act
    node   t2 = when(inject == 2, (sum(a2, c) | prod(a2, c)) >> nas_rl_act, a2)
    node   wx3 = x >> linear(d)
    node   wh3 = h >> linear(d)
    node   p3 = sum(wx3, wh3) | prod(wx3, wh3)
    node   a3 = p3 >> nas_rl_act
    node   t3 = when(inject == 3, (sum(a3, c) | prod(a3, c)) >> nas_rl_act, a3)
    node   wx4 = x >> linear(d)
    node   wh4 = h >> linear(d)
    node   p4 = sum(wx4, wh4) | prod(wx4, wh4)
    node   a4 = p4 >> nas_rl_act
    node   t4 = when(inject == 4, (sum(a4, c) | prod(a4, c)) >> nas_rl_act, a4)
    node   wx5 = x >> linear(d)
    node   wh5 = h >> linear(d)
    node   p5 = sum(wx5, wh5) | prod(wx5, wh5)
    node   a5 = p5 >> nas_rl_act
    node   t5 = when(inject == 5, (sum(a5, c) | prod(a5, c)) >> nas_rl_act, a5)
    node   wx6 = x >> linear(d)
    node   wh6 = h >> linear(d)
    node   p6 = sum(wx6, wh6) | prod(wx6, wh6)
    node   a6 = p6 >> nas_rl_act
    node   t6 = when(inject == 6, (sum(a6, c) | prod(a6, c)) >> nas_rl_act, a6)
    node   wx7 = x >> linear(d)
    node   wh7 = h >> linear(d)
    node   p7 = sum(wx7, wh7) | prod(wx7, wh7)
    node   a7 = p7 >> nas_rl_act
    node   t7 = when(inject == 7, (sum(a7, c) | prod(a7, c)) >> nas_rl_act, a7)
    node   p8 = sum(t0, t1) | prod(t0, t1)
    node   a8 = p8 >> nas_rl_act
    node   t8 = when(inject == 8, (sum(a8, c) | prod(a8, c)) >> nas_rl_act, a8)
    node   p9 = sum(t2, t3) | prod(t2, t3)
    node   a9 = p9 >> nas_rl_act
    node   t9 = when(inject == 9, (sum(a9, c) | prod(a9, c)) >> nas_rl_act, a9)
    node   p10 = sum(t4, t5) | prod(t4, t5)
    node   a10 = p10 >> nas_rl_act
    node   t10 = when(inject == 10, (sum(a10, c) | prod(a10, c)) >> nas_rl_act, a10)
    node   p11 = sum(t6, t7) | prod(t6, t7)
    node   a11 = p11 >> nas_rl_act
    node   t11 = when(inject == 11, (sum(a11, c) | prod(a11, c)) >> nas_rl_act, a11)
    node   p12 = sum(t8, t9) | prod(t8, t9)
    node   a12 = p12 >> nas_rl_act
    node   t12 = when(inject == 12, (sum(a12, c) | prod(a12, c)) >> nas_rl_act, a12)
    node   p13 = sum(t10, t11) | prod(t10, t11)
    node   a13 = p13 >> nas_rl_act
    node   t13 = when(inject == 13, (sum(a13, c) | prod(a13, c)) >> nas_rl_act, a13)
    node   p14 = sum(t12, t13) | prod(t12, t13)
    node   a14 = p14 >> nas_rl_act
    node   t14 = when(inject == 14, (sum(a14, c) | prod(a14, c)) >> nas_rl_act, a14)
    next   c = p0 | p1 | p2 | p3 | p4 | p5 | p6 | p7 | p8 | p9 | p10 | p11 | p12 | p13 | p14
    next   h = t14
    output t14
}

space nas_rl_rnn(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> nas_rl_rnn_cell(d) >> linear(vocab)
}
