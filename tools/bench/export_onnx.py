#!/usr/bin/python3
"""Exports the deterministic InceptionV3 to ONNX for the benchmark's onnxruntime-web reference.

Usage: /usr/bin/python3 tools/bench/export_onnx.py STATE_DICT.pth INPUT.rgba OUTDIR

STATE_DICT.pth is written by tools/torchref/gen_inception.py --state-dict; INPUT.rgba is 299x299 RGBA bytes
(the benchmark's test image). Writes into OUTDIR:

    inception_v3_synthetic.onnx   opset 13, batch 1, input "input" [1,3,299,299], output "logits" [1,1000]
    input_nchw_f32.bin            the test image normalised as the engine does: (pixel/255 - mean) / std
    logits_torch_f32.bin          PyTorch's logits for that input (float32, 1000 values)

Only the benchmark runs this; the product and the tests never need Python.
"""
import os
import sys

import numpy as np
import torch
import torchvision

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SIZE = 299


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    state_dict, rgba_path, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)

    model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    model.load_state_dict(torch.load(state_dict, map_location="cpu"))
    model.eval()

    rgba = np.fromfile(rgba_path, dtype=np.uint8)
    if rgba.size != SIZE * SIZE * 4:
        sys.exit("%s: %d bytes, want %d (299x299 RGBA)" % (rgba_path, rgba.size, SIZE * SIZE * 4))
    rgb = rgba.reshape(SIZE, SIZE, 4)[:, :, :3].astype(np.float32)
    x = ((rgb / np.float32(255) - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)
    x = np.ascontiguousarray(x)

    inp = torch.from_numpy(x)
    with torch.no_grad():
        logits = model(inp)
    torch.onnx.export(model, inp, os.path.join(out, "inception_v3_synthetic.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True)
    x.tofile(os.path.join(out, "input_nchw_f32.bin"))
    logits.numpy().astype(np.float32).tofile(os.path.join(out, "logits_torch_f32.bin"))
    print("export_onnx: top-1 %d, max |logit| %.3f" % (int(logits.argmax()), float(logits.abs().max())))


if __name__ == "__main__":
    main()
