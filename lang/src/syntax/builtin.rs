//! The names the language defines itself: built-in ops, combinators, shape constructors and
//! the metrics usable in `where` constraints. Their signatures and shape rules live in
//! [`crate::check`].

macro_rules! name_enum {
    ($(#[$meta:meta])* $vis:vis enum $ty:ident { $($(#[doc = $doc:literal])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $ty {
            $($(#[doc = $doc])* $variant,)*
        }

        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)*];

            /// The name as written in `.nas` source.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)*
                }
            }

            /// The value's doc comment (what editors show for it), without leading spaces.
            pub fn doc(self) -> &'static str {
                match self {
                    $($ty::$variant => concat!($($doc),*).trim_start(),)*
                }
            }

            /// The value written `name`, if any.
            pub fn from_name(name: &str) -> Option<$ty> {
                match name {
                    $($text => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

name_enum! {
    /// A built-in op, combinator or shape constructor.
    pub enum Builtin {
        /// `conv(c, k, stride: 1, dilation: 1, groups: 1)`: 2-d convolution, same padding.
        Conv => "conv",
        /// `sep_conv(c, k, stride: 1)`: depthwise-separable convolution.
        SepConv => "sep_conv",
        /// `dil_conv(c, k, stride: 1, dilation: 2)`: dilated depthwise-separable convolution.
        DilConv => "dil_conv",
        /// `depthwise_conv(k, stride: 1)`: depthwise convolution (channels kept).
        DepthwiseConv => "depthwise_conv",
        /// `batchnorm`: batch normalisation over channels.
        Batchnorm => "batchnorm",
        /// `layernorm`: layer normalisation over the last dimension.
        Layernorm => "layernorm",
        /// `relu`
        Relu => "relu",
        /// `gelu`
        Gelu => "gelu",
        /// `tanh`
        Tanh => "tanh",
        /// `sigmoid`
        Sigmoid => "sigmoid",
        /// `swish`
        Swish => "swish",
        /// `leaky_relu`: `max(x, 0.01·x)`, PyTorch's `nn.LeakyReLU()` (one of NAS-Bench-NLP's
        /// activations).
        LeakyRelu => "leaky_relu",
        /// `max_pool(k, stride: 1)`: max pooling, same padding.
        MaxPool => "max_pool",
        /// `avg_pool(k, stride: 1)`: average pooling, same padding.
        AvgPool => "avg_pool",
        /// `skip`: identity.
        Skip => "skip",
        /// `none`: the zero op (drops the edge).
        Zero => "none",
        /// `factorized_reduce(c)`: halves the map with two offset stride-2 1×1 convolutions.
        FactorizedReduce => "factorized_reduce",
        /// `resblock(c, stride: 1)`: a basic residual block.
        Resblock => "resblock",
        /// `mbconv(c, expand, kernel, stride: 1, groups: 1)`: an inverted-residual
        /// (MobileNetV2) block; `groups` > 1 groups its 1×1 convs and shuffles the channels
        /// (FBNet's `g2` blocks).
        Mbconv => "mbconv",
        /// `linear(n)`: a fully connected layer over the last dimension.
        Linear => "linear",
        /// `tied_linear(n)`: a linear map to the vocabulary whose weight is the network's
        /// embedding matrix, shared (weight tying: Press & Wolf, Inan et al.; AWD-LSTM), with
        /// its own bias; `n` is the embedding's vocabulary.
        TiedLinear => "tied_linear",
        /// `dropout(p)`
        Dropout => "dropout",
        /// `locked_dropout(p)`: variational dropout over a sequence, one mask per sequence
        /// and feature shared by every step (AWD-LSTM's `LockedDropout`, Gal & Ghahramani).
        LockedDropout => "locked_dropout",
        /// `global_avg_pool`: image(C, H, W) → vector(C).
        GlobalAvgPool => "global_avg_pool",
        /// `flatten`: image or sequence → vector.
        Flatten => "flatten",
        /// `embedding(vocab, dim)`: token ids → sequence of vectors.
        Embedding => "embedding",
        /// `sum(a, b, ...)`: element-wise sum of tensors, or of parallel ops' outputs.
        Sum => "sum",
        /// `concat(a, b, ...)`: channel concatenation of tensors, or of parallel ops' outputs.
        Concat => "concat",
        /// `prod(a, b, ...)`: element-wise product of tensors, or of parallel ops' outputs.
        Prod => "prod",
        /// `mean(a, b, ...)`: element-wise mean of tensors, or of parallel ops' outputs.
        Mean => "mean",
        /// `blend(a, b, gate)`: `gate * a + (1 - gate) * b`, element-wise.
        Blend => "blend",
        /// `when(k == v, a, b)`: in a cell, the tensor `a` while the cell's `let` decision `k`
        /// holds `v`, else `b` (`!=` swaps them); the decisions inside a branch exist only
        /// while it is read. One decision can so change several nodes at once: NAS-RL's cell
        /// inject, where one index says which node takes the cell state.
        When => "when",
        /// `image(c, h, w)`: the shape of an image batch.
        Image => "image",
        /// `vector(d)`: the shape of a batch of vectors.
        Vector => "vector",
        /// `sequence(t, d)`: the shape of a batch of sequences.
        Sequence => "sequence",
    }
}

name_enum! {
    /// A quantity of an architecture that `where` constraints can bound.
    pub enum Metric {
        /// Edges of a cell's DAG (input choices and node inputs that are present).
        Edges => "edges",
        /// Nodes of a cell's DAG.
        Nodes => "nodes",
        /// Whether some input of a cell reaches its output through the edges present: a
        /// predicate (`where connected`), not a number.
        Connected => "connected",
        /// Trainable parameters of a space's network.
        Params => "params",
        /// Floating-point operations of one forward pass of a space's network.
        Flops => "flops",
        /// Milliseconds of one forward pass of a space's network on the current device.
        Latency => "latency",
        /// Milliseconds of a space's network as the per-op latency table predicts them: the
        /// sum of its chosen ops' latencies, each timed alone (ProxylessNAS' and FBNet's).
        LatencyLut => "latency_lut",
    }
}

impl Metric {
    /// Whether the metric belongs in a cell's `where` (true) or a space's (false).
    pub fn is_cell_metric(self) -> bool {
        matches!(self, Metric::Edges | Metric::Nodes | Metric::Connected)
    }

    /// Whether the metric is a truth value (`where connected`) rather than a number.
    pub fn is_predicate(self) -> bool {
        self == Metric::Connected
    }
}
