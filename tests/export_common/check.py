"""Checks `nas export` folders against nas's own forward pass, one Python process for all.

    python check.py EXPORT_DIR EXPECTED.safetensors [EXPORT_DIR EXPECTED.safetensors ...]

Each EXPECTED holds `input` and `output`: an input and nas's evaluation-mode output on it. The
exported model.py, loaded strictly with weights.safetensors (no warning allowed), must give
the same output within 1e-5 (float32); model.onnx, written by export_onnx.py and run in
onnxruntime, too (or, where its kernels round differently, as close to the float64 value as
nas's float32 output is); and one SGD step in PyTorch must change the weights. Prints one line per
check, named by its folder; exits non-zero on the first that fails.
"""

import contextlib
import copy
import importlib.util
import io
import os
import runpy
import sys
import warnings

import torch

TOLERANCE = 1e-5


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def main():
    pairs = sys.argv[1:]
    if not pairs or len(pairs) % 2:
        fail("give EXPORT_DIR EXPECTED.safetensors pairs")
    for i in range(0, len(pairs), 2):
        check(pairs[i], pairs[i + 1], i // 2)


def check(folder, expected_file, index):
    """Checks the export in `folder` against `expected_file` (the `index`-th pair)."""
    print(f"{folder}:")
    spec = importlib.util.spec_from_file_location(
        f"exported_model_{index}", os.path.join(folder, "model.py")
    )
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    expected = model.load_weights(expected_file)
    x, want = expected["input"], expected["output"]

    net = model.build()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = model.load_weights(os.path.join(folder, "weights.safetensors"))
        result = net.load_state_dict(state, strict=True)
    if result.missing_keys or result.unexpected_keys:
        fail(f"state dict: missing {result.missing_keys}, unexpected {result.unexpected_keys}")
    counters = [k for k in state if k.endswith("num_batches_tracked")]
    stats = [k for k in state if k.endswith("running_var")]
    if len(counters) != len(stats):
        fail(f"{len(stats)} batch norms but {len(counters)} num_batches_tracked")
    print(f"ok strict load of {len(state)} tensors ({len(stats)} batch norms)")

    net.eval()
    with torch.no_grad():
        got = net(x)
    if got.shape != want.shape:
        fail(f"output shape {tuple(got.shape)}, nas gives {tuple(want.shape)}")
    diff = (got - want).abs().max().item()
    if not diff <= TOLERANCE:
        fail(f"PyTorch output differs from nas's by {diff:.3g}")
    print(f"ok PyTorch matches nas: max |difference| {diff:.3g} over {want.numel()} values")

    onnx_file = os.path.join(folder, "model.onnx")
    # The shipped script, run as `python export_onnx.py --out FILE` would run it (in this
    # process, which has torch loaded already).
    # Its `from model import ...` must read this folder's model.py, not an earlier folder's.
    sys.modules.pop("model", None)
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [os.path.join(folder, "export_onnx.py"), "--out", onnx_file]
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(sys.argv[0], run_name="__main__")
    sys.argv, sys.path = saved_argv, saved_path
    if not os.path.isfile(onnx_file):
        fail("export_onnx.py wrote no model.onnx")
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"input": x.numpy()})
    # onnxruntime's kernels sum in another order than libtorch's, and the exporter folds each
    # batch norm into its convolution: where its output is more than 1e-5 from nas's, it must
    # be as close to the exact value (the model evaluated in float64) as nas's own float32
    # output is, within a factor of 8: two float32 implementations summing in different orders
    # land a few times apart from the exact value (2.3x seen on one machine where another gave
    # under 2x), while a wrong export (a missing op, a wrong padding or stride) is off by
    # orders of magnitude more.
    onnx_out = torch.from_numpy(onnx_out)
    onnx_diff = (onnx_out - want).abs().max().item()
    if onnx_diff <= TOLERANCE:
        print(f"ok onnxruntime matches nas: max |difference| {onnx_diff:.3g}")
    else:
        exact_net = copy.deepcopy(net).double()
        with torch.no_grad():
            exact = exact_net(x if not x.is_floating_point() else x.double())
        nas_error = (want.double() - exact).abs().max().item()
        onnx_error = (onnx_out.double() - exact).abs().max().item()
        if not onnx_error <= 8 * nas_error:
            fail(
                f"onnxruntime output differs from nas's by {onnx_diff:.3g}: {onnx_error:.3g} from "
                f"the float64 value, nas's float32 output {nas_error:.3g}"
            )
        print(
            f"ok onnxruntime matches nas to float32 rounding: max |difference| {onnx_diff:.3g}; "
            f"from the float64 value onnxruntime {onnx_error:.3g}, nas {nas_error:.3g}"
        )

    net.train()
    before = {k: v.detach().clone() for k, v in net.named_parameters()}
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    optimizer.zero_grad()
    out = net(x)
    out.float().square().mean().backward()
    optimizer.step()
    changed = [k for k, v in net.named_parameters() if not torch.equal(v, before[k])]
    if not changed:
        fail("one SGD step changed no weight")
    print(f"ok one SGD step changed {len(changed)} of {len(before)} parameter tensors")


if __name__ == "__main__":
    main()
