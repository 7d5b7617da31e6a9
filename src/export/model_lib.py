import json
import struct
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


class Conv(nn.Conv2d):
    """A convolution with "same" padding: dilation * (kernel - 1) zeros along each side in
    all, split evenly, the odd one (an even kernel) at the bottom or right."""

    def __init__(self, c_in, c_out, kernel, stride=1, dilation=1, groups=1, bias=False):
        kh, kw = kernel
        th, tw = dilation * (kh - 1), dilation * (kw - 1)
        super().__init__(c_in, c_out, (kh, kw), stride, (th // 2, tw // 2), dilation, groups, bias)
        self.extra = (tw % 2, th % 2)

    def forward(self, x):
        if any(self.extra):
            x = F.pad(x, (0, self.extra[0], 0, self.extra[1]))
        return super().forward(x)


class BatchNorm(nn.BatchNorm2d):
    """Batch norm over dimension 1, of images [N, C, H, W] and vectors [N, C] alike."""

    def _check_input_dim(self, x):
        if x.dim() < 2:
            raise ValueError(f"batch norm needs [N, C, ...], got {tuple(x.shape)}")


class Embedding(nn.Embedding):
    """Token ids [B, T] (or [B, T, 1]) to vectors [B, T, dim]."""

    def forward(self, ids):
        if ids.dim() == 3 and ids.shape[-1] == 1:
            ids = ids.squeeze(-1)
        return super().forward(ids)


class TiedLinear(nn.Module):
    """A linear map whose weight is the model's embedding table (weight tying), with its own
    bias (zero at first, as AWD-LSTM's); the `Sequence` that holds both hands it the
    embedding. (nas draws the shared table uniform in +-0.1 then, as AWD-LSTM does; load the
    exported weights to get the trained ones.)"""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(d_out))
        self.table = []  # the Embedding, kept out of the module tree: its weight is not ours

    def forward(self, x):
        return F.linear(x, self.table[0].weight, self.bias)


class LockedDropout(nn.Module):
    """Dropout with one mask per sequence and feature, shared by every step of [B, T, F]
    (AWD-LSTM's variational dropout); off in evaluation."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1 - self.p)
        return x * mask / (1 - self.p)


class GlobalAvgPool(nn.Module):
    """The mean over the spatial positions: [N, C, H, W] to [N, C]."""

    def forward(self, x):
        return x.mean((2, 3))


class Zero(nn.Module):
    """Zeros shaped like the input, subsampled by `stride`."""

    def __init__(self, stride=1):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return x * 0.0


class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle: channel i*n + j of g groups of n goes to j*g + i."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        b, c, h, w = x.shape
        x = x.view(b, self.groups, c // self.groups, h, w).transpose(1, 2)
        return x.contiguous().view(b, c, h, w)


def merge(combine, xs):
    """How a node (or parallel op) merges its inputs."""
    if combine == "concat":
        return torch.cat(xs, 1)
    if combine == "blend":
        a, b, gate = xs
        return gate * a + (1 - gate) * b
    total = xs[0]
    for x in xs[1:]:
        total = total * x if combine == "product" else total + x
    return total / len(xs) if combine == "mean" else total


class Seq(nn.Sequential):
    """Parts applied in order, each registered under its name: Seq(("conv", ...), ...)."""

    def __init__(self, *parts):
        super().__init__(OrderedDict(parts))


class Residual(Seq):
    """Parts applied in order, plus the input when `residual` (MobileNetV2's block)."""

    def __init__(self, residual, *parts):
        super().__init__(*parts)
        self.residual = residual

    def forward(self, x):
        y = super().forward(x)
        return y + x if self.residual else y


class Parallel(nn.Module):
    """Branches b0, b1, ... applied to the same input, merged by `combine`."""

    def __init__(self, combine, *branches):
        super().__init__()
        self.combine = combine
        for i, branch in enumerate(branches):
            self.add_module(f"b{i}", branch)

    def forward(self, x):
        return merge(self.combine, [b(x) for b in self.children()])


class FactorizedReduce(nn.Module):
    """Halves the resolution: ReLU, two 1x1 stride-2 convolutions (the second on the input
    shifted by one pixel), concatenated, then batch norm."""

    def __init__(self, c_in, c_out):
        super().__init__()
        half = c_out // 2
        self.conv_0 = Conv(c_in, half, (1, 1), stride=2)
        self.conv_1 = Conv(c_in, c_out - half, (1, 1), stride=2)
        self.bn = BatchNorm(c_out)

    def forward(self, x):
        x = F.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_0(x), self.conv_1(shifted)], 1))


class ResBlock(nn.Module):
    """NAS-Bench-201's residual block: conv_b(conv_a(x)) plus a shortcut: the input, or
    `downsample` of it (after a 2x2 average pool when `pool`)."""

    def __init__(self, conv_a, conv_b, downsample=None, pool=False):
        super().__init__()
        self.conv_a = conv_a
        self.conv_b = conv_b
        self.downsample = downsample
        self.pool = pool

    def forward(self, x):
        y = self.conv_b(self.conv_a(x))
        if self.downsample is None:
            return x + y
        if self.pool:
            x = F.avg_pool2d(x, 2, 2)
        return self.downsample(x) + y


class ChannelPool(nn.Module):
    """A pool, after a ReLU-conv1x1-BN (`adapt`) when the channel count changes."""

    def __init__(self, pool, adapt=None):
        super().__init__()
        self.adapt = adapt
        self.pool = pool

    def forward(self, x):
        return self.pool(x if self.adapt is None else self.adapt(x))


def Merge(combine, terms, post=None):
    """A vertex: `combine` of its terms, then `post` (name, module). A term is
    (source vertex, edge name, edge module), or (source vertex, None, None) for the source
    as it is."""
    return ("merge", combine, terms, post)


def Pass(vertex):
    """A vertex that is an earlier vertex's value."""
    return ("pass", vertex)


def Absent():
    """A vertex with no value."""
    return ("absent",)


class Cell(nn.Module):
    """A cell: its inputs (each through `pre{j}` first when it has one), then its vertices in
    order (vertex `len(pre) + j` is `vertices[j]`), then its output vertex. Edges live in
    `edges`, post ops in `post`, under their names."""

    def __init__(self, pre, vertices, output):
        super().__init__()
        self.inputs = len(pre)
        for j, layer in enumerate(pre):
            if layer is not None:
                self.add_module(f"pre{j}", layer)
        self.has_pre = [layer is not None for layer in pre]
        self.edges = nn.ModuleDict()
        self.post = nn.ModuleDict()
        self.plan = []
        for v in list(vertices) + [output]:
            if v[0] == "merge":
                _, combine, terms, post = v
                for _, name, edge in terms:
                    if name is not None:
                        self.edges[name] = edge
                if post is not None:
                    self.post[post[0]] = post[1]
                post_name = None if post is None else post[0]
                self.plan.append(("merge", combine, [(u, n) for u, n, _ in terms], post_name))
            else:
                self.plan.append(v)

    def vertex(self, plan, values):
        if plan[0] == "absent":
            return None
        if plan[0] == "pass":
            return values[plan[1]]
        _, combine, terms, post = plan
        xs = [values[u] if name is None else self.edges[name](values[u]) for u, name in terms]
        y = merge(combine, xs)
        return y if post is None else self.post[post](y)

    def forward(self, *inputs):
        return self.run(inputs)[0]

    def run(self, inputs, read=()):
        """The output, and the values of the vertices `read` (a recurrent cell's next
        states)."""
        values = [
            getattr(self, f"pre{j}")(x) if self.has_pre[j] else x for j, x in enumerate(inputs)
        ]
        for plan in self.plan[:-1]:
            values.append(self.vertex(plan, values))
        return self.vertex(self.plan[-1], values), [values[v] for v in read]


class Network(nn.Module):
    """An image network: its steps in order. A layer (under `layers`) reads the latest output
    and starts the list of recent outputs afresh; a cell (under `cells`) reads the most
    recent outputs, oldest first (the oldest repeated where there are fewer), and joins
    them; at most `keep` are kept."""

    def __init__(self, keep, *stages):
        super().__init__()
        self.keep = keep
        self.layers = nn.ModuleDict()
        self.cells = nn.ModuleDict()
        self.plan = []
        for kind, index, module in stages:
            (self.layers if kind == "layer" else self.cells)[str(index)] = module
            self.plan.append((kind, str(index)))

    def forward(self, x):
        recent = [x]
        for kind, key in self.plan:
            if kind == "layer":
                recent = [self.layers[key](recent[-1])]
                continue
            cell = self.cells[key]
            if kind == "single":
                recent.append(cell(recent[-1]))
            else:
                n, k = len(recent), cell.inputs
                recent.append(cell(*[recent[max(n + j - k, 0)] for j in range(k)]))
            if len(recent) > self.keep:
                recent.pop(0)
        return recent[-1]


class Nb101Vertex(nn.Module):
    """A NAS-Bench-101 vertex: the sum of the values it reads (each cut to its first
    channels) and the cell's input projected by `proj`, through `op`."""

    def __init__(self, interior, op, proj=None):
        super().__init__()
        self.interior = interior
        self.proj = proj
        self.op = op


class Nb101Cell(nn.Module):
    """A NAS-Bench-101 cell: its vertices in order, then the concatenation of the values in
    `concat`, plus the input projected by `output.proj` when the input feeds the output."""

    def __init__(self, vertices, concat, proj=None):
        super().__init__()
        self.order = []
        for name, vertex in vertices:
            self.add_module(name, vertex)
            self.order.append(name)
        self.concat = concat
        self.output = nn.ModuleDict({} if proj is None else {"proj": proj})

    def forward(self, x):
        values = [x]
        for name in self.order:
            v = getattr(self, name)
            parts = [values[src][:, :c] for src, c in v.interior]
            if v.proj is not None:
                parts.append(v.proj(x))
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            values.append(v.op(total))
        projected = self.output["proj"](x) if "proj" in self.output else None
        if not self.concat:
            return projected
        y = torch.cat([values[t] for t in self.concat], 1)
        return y if projected is None else y + projected


class Sequence(nn.Module):
    """A language model: its layers over the whole token window and its recurrent cells
    unrolled over the window's steps, in pipeline order (a stack of cells is a multi-layer
    RNN). A cell's inputs are the step's vector, then its states: with `next` (a vertex per
    named state), each state's value after the previous step; without, its own outputs of the
    previous steps, the latest first. States are zeros before the first step. The first cell
    is the attribute `cell`, the next ones `cell1`, `cell2`, ..."""

    def __init__(self, stages):
        super().__init__()
        self.layers = nn.ModuleDict()
        self.stages = []
        cells = 0
        for stage in stages:
            if stage[0] == "layer":
                _, index, layer = stage
                self.layers[str(index)] = layer
                self.stages.append(("layer", str(index)))
            else:
                _, hidden, cell, following = stage
                name = "cell" if cells == 0 else f"cell{cells}"
                setattr(self, name, cell)
                self.stages.append(("cell", name, hidden, list(following)))
                cells += 1
        embeddings = [m for m in self.layers.values() if isinstance(m, nn.Embedding)]
        for layer in self.layers.values():
            if isinstance(layer, TiedLinear):
                layer.table = embeddings[:1]

    def forward(self, tokens):
        x = tokens
        for stage in self.stages:
            if stage[0] == "layer":
                x = self.layers[stage[1]](x)
                continue
            _, name, hidden, following = stage
            cell = getattr(self, name)
            states = [x.new_zeros(x.shape[0], hidden) for _ in range(cell.inputs - 1)]
            outputs = []
            for t in range(x.shape[1]):
                y, after = cell.run([x[:, t], *states], following)
                if following:
                    states = after
                elif states:
                    states = [y] + states[:-1]
                outputs.append(y)
            x = torch.stack(outputs, 1)
        return x


_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def load_weights(path):
    """The state dict in a safetensors file, read with the standard library and torch."""
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    state = OrderedDict()
    for name, info in sorted(header.items()):
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        if end > start:
            flat = torch.frombuffer(bytearray(data[base + start : base + end]), dtype=dtype)
        else:
            flat = torch.empty(0, dtype=dtype)
        state[name] = flat.reshape(info["shape"]).clone()
    return state
