#!/usr/bin/python3
"""Checks tools/classify against PyTorch on a randomly initialised torchvision InceptionV3.

Developer-only: needs python3-torch, python3-torchvision and python3-numpy (Debian packages) and Go. CI does not
run it. From the repository root:

    /usr/bin/python3 tools/torchref/check_classify.py --seed 1
    /usr/bin/python3 tools/torchref/check_classify.py --seed 2 --aux --legacy --batch 2

It builds torchvision.models.inception_v3 with ordinary random initialisation (seeded), calibrates its batch norm
statistics on a few random batches in train mode so activations stay O(1), switches to eval mode, and saves the
state_dict with torch.save (zip format, or the legacy format with --legacy). It writes a random NCHW float32 input
[N,3,299,299] as .npy, runs PyTorch on it in float32 and, with the same weights widened exactly, in float64, then
runs

    go run ./tools/classify -model W.pth -tensor X.npy -logits

which prints the raw logits as a JSON array of arrays, one per batch item. Each item passes when
max |Go - PyTorch| <= 1e-4 * max |PyTorch|, PyTorch being the float64 run: on these randomly initialised
networks PyTorch's own float32 logits are about 3e-5 * max |logits| away from it, so comparing float32 with
float32 would spend most of the tolerance on PyTorch's rounding. The float32 run's error is printed alongside.
The exit status is 1 when any item fails.
"""

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REL_TOL = 1e-4


def build_model(aux_logits):
    # transform_input stays False: it is not part of a state_dict, and -tensor feeds the first convolution as is.
    try:
        return torchvision.models.inception_v3(weights=None, aux_logits=aux_logits, init_weights=True)
    except TypeError:  # torchvision before 0.13
        return torchvision.models.inception_v3(pretrained=False, aux_logits=aux_logits, init_weights=True)


def calibrate(model, batches, batch_size):
    """Sets every BN layer's running statistics to the average of its batch statistics over random batches."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average instead of an exponential one
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            # Batches of at least 2: the aux head's last BN sees a 1x1 map.
            model(torch.randn(max(batch_size, 2), 3, 299, 299))
    model.eval()


def run_go(go, model_path, input_path):
    cmd = [go, "run", "./tools/classify", "-model", model_path, "-tensor", input_path, "-logits"]
    print("running:", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("tools/classify exited with status %d" % p.returncode)
    try:
        return np.array(json.loads(p.stdout), dtype=np.float64)
    except ValueError as e:
        sys.stderr.write(p.stdout[:2000])
        raise SystemExit("tools/classify: stdout is not a JSON array of arrays: %s" % e)


def compare(got, want, torch32):
    """Prints one line per batch item; returns True when every item of got is within tolerance of want."""
    if got.shape != want.shape:
        print("FAIL: Go logits have shape %s, PyTorch's %s" % (got.shape, want.shape))
        return False
    ok = True
    for n in range(want.shape[0]):
        diff = np.abs(got[n] - want[n]).max()
        scale = np.abs(want[n]).max()
        passed = diff <= REL_TOL * scale
        ok = ok and passed
        print("item %d: max|Go-torch| %.3g, max|torch| %.4g, ratio %.3g (limit %g); torch float32 vs float64 "
              "%.3g, Go vs torch float32 %.3g; argmax Go %d torch %d: %s" %
              (n, diff, scale, diff / scale, REL_TOL, np.abs(torch32[n] - want[n]).max() / scale,
               np.abs(got[n] - torch32[n]).max() / scale, got[n].argmax(), want[n].argmax(),
               "ok" if passed else "FAIL"))
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, required=True, help="random seed for weights, calibration and input")
    p.add_argument("--batch", type=int, default=1, help="batch size N of the input")
    p.add_argument("--aux", action="store_true", help="build with aux_logits=True (AuxLogits.* in the state_dict)")
    p.add_argument("--legacy", action="store_true", help="save the state_dict in the legacy (non-zip) format")
    p.add_argument("--calib-batches", type=int, default=3, help="random batches for BN calibration")
    p.add_argument("--calib-size", type=int, default=4, help="batch size for BN calibration")
    p.add_argument("--workdir", help="keep the files here instead of a temporary directory")
    p.add_argument("--torch-only", action="store_true", help="write the files and run PyTorch, skip Go")
    p.add_argument("--go", default="go", help="go command")
    args = p.parse_args()
    if args.batch < 1:
        p.error("--batch must be at least 1")

    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    model = build_model(args.aux)
    calibrate(model, args.calib_batches, args.calib_size)

    workdir = args.workdir or tempfile.mkdtemp(prefix="check_classify.")
    os.makedirs(workdir, exist_ok=True)
    try:
        model_path = os.path.join(workdir, "inception_v3_seed%d.pth" % args.seed)
        input_path = os.path.join(workdir, "input_seed%d.npy" % args.seed)
        torch.save(model.state_dict(), model_path, _use_new_zipfile_serialization=not args.legacy)
        x = torch.randn(args.batch, 3, 299, 299, dtype=torch.float32)
        np.save(input_path, np.ascontiguousarray(x.numpy()))
        with torch.no_grad():
            torch32 = model(x).numpy().astype(np.float64)
            want = copy.deepcopy(model).double()(x.double()).numpy()
        np.save(os.path.join(workdir, "logits_torch_seed%d.npy" % args.seed), want)
        print("torch %s, torchvision %s; seed %d, aux_logits=%s, %s state_dict %s" %
              (torch.__version__, torchvision.__version__, args.seed, args.aux,
               "legacy" if args.legacy else "zip", model_path))
        for n in range(want.shape[0]):
            print("item %d: PyTorch logits max|x| %.4g, std %.4g, argmax %d; float32 run off by %.3g" %
                  (n, np.abs(want[n]).max(), want[n].std(), want[n].argmax(), np.abs(torch32[n] - want[n]).max()))
        if args.torch_only:
            return 0
        got = run_go(args.go, model_path, input_path)
        if not compare(got, want, torch32):
            print("FAIL")
            return 1
        print("PASS")
        return 0
    finally:
        if not args.workdir:
            shutil.rmtree(workdir)


if __name__ == "__main__":
    sys.exit(main())
