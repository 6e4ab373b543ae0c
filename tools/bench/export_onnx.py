#!/usr/bin/python3
"""Exports the deterministic InceptionV3 to ONNX for the benchmark's onnxruntime-web reference.

Usage: /usr/bin/python3 tools/bench/export_onnx.py STATE_DICT.pth INPUT.f32 OUT.onnx LOGITS.f32

STATE_DICT.pth is written by tools/torchref/gen_inception.py --state-dict; INPUT.f32 is the benchmark's test image
as our engine preprocesses it (the model file's own input description), float32 NCHW [1,3,299,299], written by
the benchmark. Writes OUT.onnx (opset 13, batch 1, input "input" [1,3,299,299], output "logits" [1,1000]) and
LOGITS.f32, PyTorch's logits for that input (float32, 1000 values).

Only the benchmark runs this; the product and the tests never need Python.
"""
import sys

import numpy as np
import torch
import torchvision

SIZE = 299


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    state_dict, input_path, onnx_path, logits_path = sys.argv[1:]

    model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    model.load_state_dict(torch.load(state_dict, map_location="cpu"))
    model.eval()

    x = np.fromfile(input_path, dtype="<f4")
    if x.size != 3 * SIZE * SIZE:
        sys.exit("%s: %d float32 values, want %d (1x3x299x299)" % (input_path, x.size, 3 * SIZE * SIZE))
    inp = torch.from_numpy(x.reshape(1, 3, SIZE, SIZE))
    with torch.no_grad():
        logits = model(inp)
    torch.onnx.export(model, inp, onnx_path, opset_version=13,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True)
    logits.numpy().astype("<f4").tofile(logits_path)
    print("export_onnx: top-1 %d, max |logit| %.3f" % (int(logits.argmax()), float(logits.abs().max())))


if __name__ == "__main__":
    main()
