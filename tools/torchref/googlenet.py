#!/usr/bin/python3
"""PyTorch reference of BVLC GoogLeNet (Inception v1) with Caffe's semantics, on the real ImageNet weights.

Developer-only: needs python3-torch, python3-numpy and python3-pil (Debian packages). CI does not run it; the JSON
it writes is committed. From the repository root:

    /usr/bin/python3 tools/torchref/googlenet.py parity [-o PATH]     writes nn/googlenet/testdata/parity.json
    /usr/bin/python3 tools/torchref/googlenet.py accuracy [--limit N] top-1/top-5 over the ImageNet samples
    /usr/bin/python3 tools/torchref/googlenet.py npy --image P -o X.npy [--resize squash|shorter]
    /usr/bin/python3 tools/torchref/googlenet.py logits --npy X.npy   the logits of an NCHW input
    /usr/bin/python3 tools/torchref/googlenet.py onnx --input X.f32 [-o build/bench/googlenet.onnx] [--logits L.f32]
                                                      [--webgpu]

npy writes what `go run ./tools/classify -model M -tensor X.npy -logits` takes; logits prints the same thing as
that command: a JSON array of arrays, one per batch item. onnx exports this network (opset 13, batch 1, input
"input" [1,3,224,224], output "logits" [1,1000]) for the benchmark's onnxruntime-web reference, and writes
PyTorch's logits for the raw little-endian float32 NCHW input X.f32 (the benchmark's test image as our engine
preprocesses it) to L.f32, 1000 float32 values. With --webgpu the pools and LRNs are single ONNX ops that
onnxruntime-web's WebGPU provider runs (CeilMaxPool, CaffeLRN): the same network and logits. accuracy runs both resize variants below over
../shared/datasets/imagenet-samples (true class: the WNID of the file name) and ends with one JSON line.

--mirror DIR (before the subcommand) is the reference material, default ../shared beside the repository; the
weights are DIR/weights-source/inception_v1/caffejs-bvlc_googlenet/models/bvlc_googlenet/weights/<layer>_filter.bin
and _bias.bin: headerless little-endian float32, convolution filters [out][kh][kw][in] (transposed here to
PyTorch's OIHW), loss3/classifier filter [1000][1024], biases [out].

The network is deploy.prototxt's, without the auxiliary classifiers: every convolution has a bias and a ReLU;
conv1/7x7_s2 64 7x7 s2 pad 3; the max pools 3x3 s2 round their output size up (Caffe; ceil_mode=True, no padding:
112->56->28->14->7); the pool branch of an inception block is max 3x3 s1 pad 1 (same size) then pool_proj 1x1;
LRN is across channels, y = x / (1 + (1e-4/5) * sum of x^2 over channels c-2..c+2 clipped at the edges)^0.75
(torch.nn.LocalResponseNorm(5, 1e-4, 0.75, 1), checked here against that formula in numpy); branches are
concatenated 1x1, 3x3, 5x5, pool_proj; pool5/7x7_s1 averages the 7x7 map; loss3/classifier is 1024->1000.
Class i is line i of nn/imagenet/labels.txt (sorted WNIDs).

Preprocessing (Caffe's test-time recipe): PIL image, alpha composed over white, RGB; resized with PIL's
Image.BILINEAR (a triangle filter widened when shrinking, i.e. antialiased, unlike Caffe's OpenCV INTER_LINEAR) to
256x256 ignoring the aspect ratio ("squash"), or for comparison with the shorter side to 256 ("shorter"); the
central 224x224 (offset floor((size-224)/2)); BGR channel order; minus the mean B 104, G 117, R 123; no scaling.

parity.json schema (all numbers are JSON numbers; a float32 quantity is written as the shortest decimal that
parses back to the same float32):

{
  "format": "googlenet-parity/1",
  "torch": "1.13.0a0", "numpy": "1.24.2",           versions that produced the file
  "input": {"name": "input",                        spot checks of the input, element i = u(i) * 128 where u is
            "shape": [1, 3, 224, 224],              ARCHITECTURE.md's formula ("Deterministic weights") for the
            "indices": [...], "bits": ["..."],      tensor name "input" (NCHW flat index i); indices 0..7,
            "values": [...]},                       k*(n/8)+n/16 for k = 0..7, and n-1; bits are float32 bit
                                                    patterns (hex, 8 digits), values the same as decimals
  "layers": [                                       in forward order: conv1/7x7_s2 (after ReLU), pool1/3x3_s2,
                                                    pool1/norm1, conv2/3x3_reduce, conv2/3x3, conv2/norm2,
                                                    pool2/3x3_s2, inception_3a, inception_3b, pool3/3x3_s2,
                                                    inception_4a .. inception_4e, pool4/3x3_s2, inception_5a,
                                                    inception_5b (each inception_X: the concatenated output),
                                                    pool5/7x7_s1 ([1, 1024, 1, 1])
    {"name": "inception_3a",
     "shape": [1, 256, 28, 28],                     NCHW
     "max_abs": float32,                            max |x|
     "sum": float64, "sum_sq": float64,             sum of x and of x*x, accumulated in float64
     "stride": 784,                                 floor(numel / 256)
     "samples": [256 float32],                      x at flat NCHW index i*stride, i = 0..255
     "f32_err": float64}                            max |x - x of the same model run in float64|
  ],
  "logits": [1000 float32],                         loss3/classifier's output for the deterministic input
  "logits_f32_err": float64,                        max |logits - logits of the float64 run|
  "photos": [                                       ../shared/images, squash preprocessing (above)
    {"file": "chelsea.png", "preprocess": "squash",
     "top5": [{"class": 285, "prob": float32}, ...]} softmax (float64) of the float32 logits, best first
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
import torch.nn.functional as F
from PIL import Image

from fixture import f32, layer_summary, spot_check, synth_uniform

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEIGHTS = os.path.join("weights-source", "inception_v1", "caffejs-bvlc_googlenet", "models", "bvlc_googlenet",
                       "weights")
PHOTOS = ["chelsea.png", "coffee.png", "rocket.jpg"]
MEAN_BGR = np.array([104, 117, 123], dtype=np.float32)

# name: (1x1, 3x3_reduce, 3x3, 5x5_reduce, 5x5, pool_proj), as deploy.prototxt's num_output.
INCEPTION = {
    "inception_3a": (64, 96, 128, 16, 32, 32),
    "inception_3b": (128, 128, 192, 32, 96, 64),
    "inception_4a": (192, 96, 208, 16, 48, 64),
    "inception_4b": (160, 112, 224, 24, 64, 64),
    "inception_4c": (128, 128, 256, 24, 64, 64),
    "inception_4d": (112, 144, 288, 32, 64, 64),
    "inception_4e": (256, 160, 320, 32, 128, 128),
    "inception_5a": (256, 160, 320, 32, 128, 128),
    "inception_5b": (384, 192, 384, 48, 128, 128),
}

# Forward order: ("conv", name, in, out, k, stride, pad) | ("maxpool", name) | ("lrn", name) |
# ("inception", name, in) | ("avgpool", name).
ARCH = [
    ("conv", "conv1/7x7_s2", 3, 64, 7, 2, 3),
    ("maxpool", "pool1/3x3_s2"),
    ("lrn", "pool1/norm1"),
    ("conv", "conv2/3x3_reduce", 64, 64, 1, 1, 0),
    ("conv", "conv2/3x3", 64, 192, 3, 1, 1),
    ("lrn", "conv2/norm2"),
    ("maxpool", "pool2/3x3_s2"),
    ("inception", "inception_3a", 192),
    ("inception", "inception_3b", 256),
    ("maxpool", "pool3/3x3_s2"),
    ("inception", "inception_4a", 480),
    ("inception", "inception_4b", 512),
    ("inception", "inception_4c", 512),
    ("inception", "inception_4d", 512),
    ("inception", "inception_4e", 528),
    ("maxpool", "pool4/3x3_s2"),
    ("inception", "inception_5a", 832),
    ("inception", "inception_5b", 832),
    ("avgpool", "pool5/7x7_s1"),
]
STEPS = [a[1] for a in ARCH]


def read_f32(path, n):
    a = np.fromfile(path, dtype="<f4")
    if a.size != n:
        raise ValueError("%s: %d float32 values, want %d" % (path, a.size, n))
    return a


def load_conv(wdir, name, cin, cout, k):
    w = read_f32(os.path.join(wdir, name + "_filter.bin"), cout * k * k * cin).reshape(cout, k, k, cin)
    b = read_f32(os.path.join(wdir, name + "_bias.bin"), cout)
    conv = torch.nn.Conv2d(cin, cout, k)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.transpose(0, 3, 1, 2))))  # [out][in][kh][kw]
        conv.bias.copy_(torch.from_numpy(b))
    return conv


# WEBGPU_OPS: the ONNX export writes the ceil-mode max pools and the LRNs as ops onnxruntime-web's WebGPU provider
# runs (onnx --webgpu); the values are the same either way.
WEBGPU_OPS = False


class CeilMaxPool(torch.autograd.Function):
    """3x3 max pooling that rounds its output size up (Caffe). Exported as a floor-mode MaxPool with stride - 1
    more padding at the end, which has the same windows (a max pool ignores padding, and with end padding +
    stride <= 3 ceil mode drops no last window): onnxruntime-web's WebGPU MaxPool has no ceil mode."""

    @staticmethod
    def forward(ctx, x, stride, pad):
        return F.max_pool2d(x, 3, stride=stride, padding=pad, ceil_mode=True)

    @staticmethod
    def symbolic(g, x, stride, pad):
        assert pad + stride <= 3
        end = pad + stride - 1
        return g.op("MaxPool", x, kernel_shape_i=[3, 3], strides_i=[stride, stride], pads_i=[pad, pad, end, end])


class CaffeLRN(torch.autograd.Function):
    """Caffe's LRN exported as ONNX's LRN op, the same formula, rather than PyTorch's decomposition into a 3-D
    average pool, which onnxruntime-web's WebGPU provider cannot run."""

    @staticmethod
    def forward(ctx, x):
        return F.local_response_norm(x, 5, alpha=1e-4, beta=0.75, k=1.0)

    @staticmethod
    def symbolic(g, x):
        return g.op("LRN", x, size_i=5, alpha_f=1e-4, beta_f=0.75, bias_f=1.0)


def max_pool(x, stride, pad=0):
    if WEBGPU_OPS:
        return CeilMaxPool.apply(x, stride, pad)
    return F.max_pool2d(x, 3, stride=stride, padding=pad, ceil_mode=True)


class Inception(torch.nn.Module):
    def __init__(self, wdir, name, cin):
        super().__init__()
        c1, c3r, c3, c5r, c5, cp = INCEPTION[name]
        self.b1 = load_conv(wdir, name + "/1x1", cin, c1, 1)
        self.b3r = load_conv(wdir, name + "/3x3_reduce", cin, c3r, 1)
        self.b3 = load_conv(wdir, name + "/3x3", c3r, c3, 3)
        self.b5r = load_conv(wdir, name + "/5x5_reduce", cin, c5r, 1)
        self.b5 = load_conv(wdir, name + "/5x5", c5r, c5, 5)
        self.bp = load_conv(wdir, name + "/pool_proj", cin, cp, 1)

    def forward(self, x):
        a = F.relu(self.b1(x))
        b = F.relu(F.conv2d(F.relu(self.b3r(x)), self.b3.weight, self.b3.bias, padding=1))
        c = F.relu(F.conv2d(F.relu(self.b5r(x)), self.b5.weight, self.b5.bias, padding=2))
        d = F.relu(self.bp(max_pool(x, 1, 1)))
        return torch.cat([a, b, c, d], dim=1)


class GoogLeNet(torch.nn.Module):
    def __init__(self, wdir):
        super().__init__()
        self.layers = torch.nn.ModuleDict()
        self.spec = {}
        for a in ARCH:
            kind, name = a[0], a[1]
            key = name.replace("/", "__")
            if kind == "conv":
                _, _, cin, cout, k, stride, pad = a
                self.layers[key] = load_conv(wdir, name, cin, cout, k)
                self.spec[name] = (stride, pad)
            elif kind == "inception":
                self.layers[key] = Inception(wdir, name, a[2])
        self.lrn = torch.nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.fc = torch.nn.Linear(1024, 1000)
        with torch.no_grad():
            self.fc.weight.copy_(torch.from_numpy(
                read_f32(os.path.join(wdir, "loss3/classifier_filter.bin"), 1000 * 1024).reshape(1000, 1024)))
            self.fc.bias.copy_(torch.from_numpy(read_f32(os.path.join(wdir, "loss3/classifier_bias.bin"), 1000)))

    def forward(self, x, steps=None):
        """Logits [N,1000]; the output of every step of ARCH into the dict steps, when given."""
        for a in ARCH:
            kind, name = a[0], a[1]
            if kind == "conv":
                conv = self.layers[name.replace("/", "__")]
                stride, pad = self.spec[name]
                x = F.relu(F.conv2d(x, conv.weight, conv.bias, stride=stride, padding=pad))
            elif kind == "maxpool":
                x = max_pool(x, 2)
            elif kind == "lrn":
                x = CaffeLRN.apply(x) if WEBGPU_OPS else self.lrn(x)
            elif kind == "inception":
                x = self.layers[name](x)
            elif kind == "avgpool":
                assert x.shape[2:] == (7, 7), x.shape
                x = F.avg_pool2d(x, 7, stride=1)
            if steps is not None:
                steps[name] = x
        return self.fc(torch.flatten(x, 1))  # dropout: nothing at inference


def lrn_numpy(x):
    """Caffe's across-channel LRN, directly: x / (1 + alpha/n * sum_{c-2..c+2} x^2)^beta, float64."""
    x = np.asarray(x, dtype=np.float64)
    sq = x * x
    s = np.zeros_like(x)
    c = x.shape[1]
    for j in range(c):
        s[:, j] = sq[:, max(0, j - 2):min(c, j + 3)].sum(axis=1)
    return x / (1 + (1e-4 / 5) * s) ** 0.75


def check_lrn():
    rng = np.random.default_rng(1)
    for shape, scale in (((1, 7, 5, 4), 1.0), ((2, 64, 3, 3), 60.0), ((1, 3, 2, 2), 300.0)):
        x = (rng.standard_normal(shape) * scale).astype(np.float64)
        want = lrn_numpy(x)
        got = torch.nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)(torch.from_numpy(x)).numpy()
        err = np.abs(got - want).max() / np.abs(want).max()
        if err > 1e-12:
            raise AssertionError("LocalResponseNorm differs from Caffe's LRN by %g (relative) on %s" % (err, shape))


def maxpool_numpy(x, k=3, s=2):
    """Caffe's max pooling without padding, directly: ceil((H-k)/s)+1 outputs, windows clipped at the edge."""
    n, c, h, w = x.shape
    oh, ow = -(-(h - k) // s) + 1, -(-(w - k) // s) + 1
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s:min(i * s + k, h), j * s:min(j * s + k, w)].max(axis=(2, 3))
    return out


def synth_input():
    return (synth_uniform("input", 3 * 224 * 224) * np.float32(128)).reshape(1, 3, 224, 224)


def load_image(path, resize):
    """Caffe's test-time input of one image: NCHW [1,3,224,224] float32, BGR minus the mean pixel."""
    img = Image.open(path)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    img = img.convert("RGB")
    w, h = img.size
    if resize == "squash":
        size = (256, 256)
    elif resize == "shorter":
        size = (256, max(1, round(h * 256 / w))) if w <= h else (max(1, round(w * 256 / h)), 256)
    else:
        raise ValueError("resize %r" % resize)
    img = img.resize(size, Image.BILINEAR)
    x0, y0 = (size[0] - 224) // 2, (size[1] - 224) // 2
    a = np.asarray(img.crop((x0, y0, x0 + 224, y0 + 224)), dtype=np.float32)[:, :, ::-1] - MEAN_BGR  # BGR
    return np.ascontiguousarray(a.transpose(2, 0, 1))[None]


def top5(logits):
    p = torch.softmax(logits.double(), dim=-1).numpy()
    idx = np.argsort(-p, kind="stable")[:5]
    return [{"class": int(i), "prob": f32(p[i])} for i in idx]


def labels():
    with open(os.path.join(REPO, "nn", "imagenet", "labels.txt")) as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    assert len(lines) == 1000, len(lines)
    return [l.split(" ", 1)[0] for l in lines], [l.split(" ", 1)[1].split(",")[0] for l in lines]


def cmd_parity(model, args):
    check_lrn()
    model64 = copy.deepcopy(model).double()  # same weights, exactly widened
    x = synth_input()
    steps, steps64 = {}, {}
    with torch.no_grad():
        logits = model(torch.from_numpy(x), steps)
        logits64 = model64(torch.from_numpy(x).double(), steps64)
    # The model's LRN layers against the numpy formula, on this input.
    for name, before in (("pool1/norm1", "pool1/3x3_s2"), ("conv2/norm2", "conv2/3x3")):
        want = lrn_numpy(steps64[before].numpy())
        err = np.abs(steps64[name].numpy() - want).max() / np.abs(want).max()
        assert err < 1e-12, (name, err)
    # The ceil-mode max pools against Caffe's rule, and their sizes 112->56->28->14->7.
    for name, before, size in (("pool1/3x3_s2", "conv1/7x7_s2", 56), ("pool2/3x3_s2", "conv2/norm2", 28),
                               ("pool3/3x3_s2", "inception_3b", 14), ("pool4/3x3_s2", "inception_4e", 7)):
        assert steps[name].shape[2:] == (size, size), (name, steps[name].shape)
        assert np.array_equal(steps64[name].numpy(), maxpool_numpy(steps64[before].numpy())), name
    _, names = labels()
    photos = []
    for fn in PHOTOS:
        with torch.no_grad():
            lg = model(torch.from_numpy(load_image(os.path.join(args.mirror, "images", fn), "squash")))[0]
        photos.append({"file": fn, "preprocess": "squash", "top5": top5(lg)})
    doc = {
        "format": "googlenet-parity/1",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "input": spot_check("input", x, last=True),
        "layers": [layer_summary(n, steps[n], steps64[n]) for n in STEPS],
        "logits": [f32(v) for v in logits[0].numpy()],
        "logits_f32_err": float(np.abs(logits.double().numpy() - logits64.numpy()).max()),
        "photos": photos,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.o)), exist_ok=True)
    with open(args.o, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (args.o, os.path.getsize(args.o)))
    lg = np.array(doc["logits"])
    print("logits max|x| %.4g, argmax %d, float32 error %.3g" % (np.abs(lg).max(), lg.argmax(), doc["logits_f32_err"]))
    for l in doc["layers"]:
        print("  %-17s %-20s max|x| %8.4g  rms %.4g  float32 error %.3g" %
              (l["name"], l["shape"], l["max_abs"], math.sqrt(l["sum_sq"] / np.prod(l["shape"])), l["f32_err"]))
    for ph in photos:
        print("  %-12s %s" % (ph["file"], ", ".join("%s %.3f" % (names[t["class"]], t["prob"]) for t in ph["top5"])))


def cmd_accuracy(model, args):
    wnids, _ = labels()
    index = {w: i for i, w in enumerate(wnids)}
    d = args.dir
    files = sorted(f for f in os.listdir(d) if f.endswith(".JPEG"))
    if args.limit:
        files = files[:args.limit]
    result = {"images": len(files)}
    for resize in ("squash", "shorter"):
        top1 = top5n = 0
        for fn in files:
            want = index[fn.split("_", 1)[0]]
            with torch.no_grad():
                lg = model(torch.from_numpy(load_image(os.path.join(d, fn), resize)))[0].numpy()
            best = np.argsort(-lg, kind="stable")[:5]
            top1 += int(best[0] == want)
            top5n += int(want in best)
        result[resize] = {"top1": top1 / len(files), "top5": top5n / len(files)}
        print("%-8s %d images: top-1 %.4f (%d), top-5 %.4f (%d)" %
              (resize, len(files), top1 / len(files), top1, top5n / len(files), top5n))
    print(json.dumps(result))


def cmd_npy(_model, args):
    x = load_image(args.image, args.resize)
    np.save(args.o, x)
    print("wrote %s %s float32" % (args.o, list(x.shape)))


def cmd_logits(model, args):
    x = np.load(args.npy)
    if x.dtype != np.float32 or x.ndim != 4 or x.shape[1:] != (3, 224, 224):
        sys.exit("%s: want float32 [N,3,224,224], got %s %s" % (args.npy, x.dtype, x.shape))
    with torch.no_grad():
        lg = model(torch.from_numpy(np.ascontiguousarray(x)))
    print(json.dumps([[f32(v) for v in row] for row in lg.numpy()], separators=(",", ":")))


def cmd_onnx(model, args):
    global WEBGPU_OPS
    WEBGPU_OPS = args.webgpu
    x = np.fromfile(args.input, dtype="<f4")
    if x.size != 3 * 224 * 224:
        sys.exit("%s: %d float32 values, want %d (1x3x224x224)" % (args.input, x.size, 3 * 224 * 224))
    inp = torch.from_numpy(x.reshape(1, 3, 224, 224))
    with torch.no_grad():
        logits = model(inp)
    os.makedirs(os.path.dirname(os.path.abspath(args.o)), exist_ok=True)
    torch.onnx.export(model, inp, args.o, opset_version=13, input_names=["input"], output_names=["logits"],
                      do_constant_folding=True)
    if args.logits:
        logits.numpy().astype("<f4").tofile(args.logits)
    print("wrote %s (%d bytes); logits top-1 %d, max |logit| %.3f" %
          (args.o, os.path.getsize(args.o), int(logits.argmax()), float(logits.abs().max())))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mirror", default=os.path.join(os.path.dirname(REPO), "shared"),
                   help="reference material (default ../shared beside the repository)")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("parity", help="write the parity fixture")
    s.add_argument("-o", default=os.path.join(REPO, "nn", "googlenet", "testdata", "parity.json"))
    s = sub.add_parser("accuracy", help="top-1/top-5 over the labelled ImageNet samples")
    s.add_argument("--dir", help="images <wnid>_<name>.JPEG (default MIRROR/datasets/imagenet-samples)")
    s.add_argument("--limit", type=int, default=0, help="only the first N images")
    s = sub.add_parser("npy", help="write one photo's preprocessed NCHW float32 input")
    s.add_argument("--image", required=True)
    s.add_argument("--resize", choices=["squash", "shorter"], default="squash")
    s.add_argument("-o", required=True)
    s = sub.add_parser("logits", help="print the logits of an NCHW .npy input as JSON (one array per item)")
    s.add_argument("--npy", required=True)
    s = sub.add_parser("onnx", help="export to ONNX, with PyTorch's logits of a float32 NCHW input")
    s.add_argument("--input", required=True, help="raw little-endian float32 [1,3,224,224]")
    s.add_argument("-o", default=os.path.join(REPO, "build", "bench", "googlenet.onnx"))
    s.add_argument("--logits", help="where PyTorch's 1000 float32 logits go")
    s.add_argument("--webgpu", action="store_true", help="pools and LRNs as ops onnxruntime-web's WebGPU provider runs")
    args = p.parse_args()
    if args.cmd == "accuracy" and not args.dir:
        args.dir = os.path.join(args.mirror, "datasets", "imagenet-samples")

    torch.set_num_threads(os.cpu_count() or 1)
    model = None if args.cmd == "npy" else GoogLeNet(os.path.join(args.mirror, WEIGHTS)).eval()
    {"parity": cmd_parity, "accuracy": cmd_accuracy, "npy": cmd_npy, "logits": cmd_logits,
     "onnx": cmd_onnx}[args.cmd](model, args)


if __name__ == "__main__":
    sys.exit(main())
