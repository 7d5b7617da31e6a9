"""Writes model.onnx: the network of model.py with the weights of weights.safetensors, in
evaluation mode, its batch size free. Written by `nas export`; needs torch and onnx (torch's
TorchScript-based exporter, which this uses, reads its output back with onnx).

    python export_onnx.py [--weights weights.safetensors] [--out model.onnx] [--opset 17]
"""

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from model import build, example_input, load_weights  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default=os.path.join(HERE, "weights.safetensors"))
    parser.add_argument("--out", default=os.path.join(HERE, "model.onnx"))
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()
    net = build()
    net.load_state_dict(load_weights(args.weights))
    net.eval()
    x = example_input(1)
    with torch.no_grad():
        torch.onnx.export(
            net,
            (x,),
            args.out,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            opset_version=args.opset,
            dynamo=False,
        )
    print(args.out)


if __name__ == "__main__":
    main()
