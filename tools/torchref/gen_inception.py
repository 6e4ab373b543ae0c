#!/usr/bin/python3
"""Writes nn/inceptionv3/testdata/parity.json: torchvision's InceptionV3 on deterministic weights.

Developer-only: needs python3-torch, python3-torchvision and python3-numpy (Debian packages). CI does not run it;
the JSON it writes is committed. Regenerate from the repository root with

    /usr/bin/python3 tools/torchref/gen_inception.py

Options:
    -o PATH              output file (default nn/inceptionv3/testdata/parity.json)
    --state-dict PATH    also write the synthetic state_dict with torch.save (zip format)
    --legacy             write that state_dict in PyTorch's legacy (pre-1.6, non-zip) format

Every parameter, buffer and the input are computed from the integer formula of ARCHITECTURE.md ("Deterministic
weights"), the same one nn/inceptionv3/synthetic.go implements, so the Go engine can hold bit-identical weights
without any file. The model is torchvision.models.inception_v3 without the aux head, in eval mode (BN eps 0.001,
avg_pool count_include_pad=True). It is run twice on the same input: with transform_input=False and True.

parity.json schema (all numbers are JSON numbers; a float32 quantity is written as the shortest decimal that
parses back to the same float32, e.g. with strconv.ParseFloat(s, 32) or encoding/json into a float32):

{
  "format": "inceptionv3-parity/1",
  "torch": "1.13.0a0", "torchvision": "0.14.1a0",      versions that produced the file
  "params": [                                          spot checks of the formula, "input" among them
    {"name": "Conv2d_1a_3x3.conv.weight",
     "shape": [32, 3, 3, 3],                           PyTorch's shape (OIHW for conv weights)
     "indices": [0, 1, ...],                           flat indices into the PyTorch-layout tensor
     "bits": ["3e1f2a4c", ...],                        float32 bit patterns (hex, 8 digits) at those indices
     "values": [0.155, ...]}                           the same float32 values as decimals
  ],
  "runs": [
    {"transform_input": false,                         value of model.transform_input for this run
     "logits": [1000 float32],                         output of model(input) for the one batch item
     "logits_f32_err": float64,                        max |logits - the same model run in float64|: PyTorch's
                                                       own float32 error, a floor for tolerances
     "layers": [                                       in forward order: Conv2d_1a_3x3, Conv2d_4a_3x3,
                                                       maxpool2, Mixed_5b 5c 5d 6a 6b 6c 6d 6e 7a 7b 7c
       {"name": "Mixed_5b",                            torchvision's module name (its output, via a forward hook)
        "shape": [1, 256, 35, 35],                     NCHW
        "max_abs": float32,                            max |x|
        "sum": float64, "sum_sq": float64,             sum of x and of x*x, accumulated in float64
        "stride": 1225,                                floor(numel / 256)
        "samples": [256 float32],                      x at flat NCHW index i*stride, i = 0..255
        "f32_err": float64}                            max |x - x of the float64 run|
     ]},
    {"transform_input": true, ...}
  ]
}
"""

import argparse
import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision

from fixture import f32, layer_summary, spot_check, synth_uniform

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HOOKED = ["Conv2d_1a_3x3", "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a",
          "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"]

# One tensor of each kind of the formula, plus a 1x7 and a 7x1 convolution (fan_in from non-square kernels).
CHECKED_PARAMS = ["Conv2d_1a_3x3.conv.weight", "Mixed_6b.branch7x7_2.conv.weight",
                  "Mixed_7b.branch3x3_2b.conv.weight", "Conv2d_1a_3x3.bn.weight", "Mixed_5b.branch1x1.bn.bias",
                  "Mixed_6e.branch7x7dbl_3.bn.running_mean", "Mixed_7c.branch_pool.bn.running_var",
                  "fc.weight", "fc.bias"]


def synth_param(name, shape):
    """The deterministic float32 value of every element of the named tensor, in PyTorch's layout."""
    u = synth_uniform(name, int(np.prod(shape, dtype=np.int64)))
    f32 = np.float32
    if name.endswith(".conv.weight"):
        if len(shape) != 4:
            raise ValueError("%s: conv weight shape %s is not OIHW" % (name, shape))
        fan_in = shape[1] * shape[2] * shape[3]
        v = u * f32(math.sqrt(6.0 / fan_in))
    elif name.endswith(".bn.weight"):
        v = f32(1) + f32(0.1) * u
    elif name.endswith(".bn.bias") or name.endswith(".bn.running_mean"):
        v = f32(0.1) * u
    elif name.endswith(".bn.running_var"):
        v = f32(1) + f32(0.5) * (u + f32(1))
    elif name == "fc.weight" or name.endswith(".fc.weight"):
        v = u * f32(math.sqrt(3.0 / 2048))
    elif name == "fc.bias" or name.endswith(".fc.bias"):
        v = f32(0.01) * u
    else:
        raise ValueError("no synthetic formula for parameter %s" % name)
    assert v.dtype == np.float32, name
    return v.reshape(shape)


def synth_input():
    return synth_uniform("input", 3 * 299 * 299).reshape(1, 3, 299, 299)


def build_model():
    try:
        model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    except TypeError:  # torchvision before 0.13
        model = torchvision.models.inception_v3(pretrained=False, aux_logits=False, init_weights=False)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            t.copy_(torch.from_numpy(synth_param(name, list(t.shape))))
    return model.eval()


def forward(model, x, transform_input):
    """model(x) and the outputs of the HOOKED modules."""
    model.transform_input = transform_input
    outputs = {}
    handles = []
    for name in HOOKED:
        def hook(_module, _inp, out, name=name):
            outputs[name] = out
        handles.append(getattr(model, name).register_forward_hook(hook))
    with torch.no_grad():
        logits = model(x)
    for h in handles:
        h.remove()
    return logits, outputs


def run(model, model64, x, transform_input):
    logits, outputs = forward(model, torch.from_numpy(x), transform_input)
    logits64, outputs64 = forward(model64, torch.from_numpy(x).double(), transform_input)
    assert logits.shape == (1, 1000), logits.shape
    return {
        "transform_input": transform_input,
        "logits": [f32(v) for v in logits[0].numpy()],
        "logits_f32_err": float(np.abs(logits.double().numpy() - logits64.numpy()).max()),
        "layers": [layer_summary(name, outputs[name], outputs64[name]) for name in HOOKED],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-o", default=os.path.join(REPO, "nn", "inceptionv3", "testdata", "parity.json"),
                   help="output JSON file")
    p.add_argument("--state-dict", help="also write the synthetic state_dict to this file with torch.save")
    p.add_argument("--legacy", action="store_true", help="write the state_dict in the legacy (non-zip) format")
    args = p.parse_args()
    if args.legacy and not args.state_dict:
        p.error("--legacy needs --state-dict")

    torch.set_num_threads(os.cpu_count() or 1)
    model = build_model()
    x = synth_input()

    model64 = copy.deepcopy(model).double()  # same weights, exactly widened
    sd = model.state_dict()
    checks = [spot_check(name, sd[name].numpy()) for name in CHECKED_PARAMS]
    checks.append(spot_check("input", x))

    doc = {
        "format": "inceptionv3-parity/1",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "params": checks,
        "runs": [run(model, model64, x, False), run(model, model64, x, True)],
    }
    with open(args.o, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (args.o, os.path.getsize(args.o)))
    for r in doc["runs"]:
        lg = np.array(r["logits"])
        print("transform_input=%s: logits max|x| %.4g, argmax %d, float32 error %.3g" %
              (r["transform_input"], np.abs(lg).max(), lg.argmax(), r["logits_f32_err"]))
        for l in r["layers"]:
            print("  %-14s %-20s max|x| %8.4g  rms %.4g  float32 error %.3g" %
                  (l["name"], l["shape"], l["max_abs"], math.sqrt(l["sum_sq"] / np.prod(l["shape"])), l["f32_err"]))

    if args.state_dict:
        torch.save(sd, args.state_dict, _use_new_zipfile_serialization=not args.legacy)
        print("wrote %s (%s format)" % (args.state_dict, "legacy" if args.legacy else "zip"))


if __name__ == "__main__":
    sys.exit(main())
