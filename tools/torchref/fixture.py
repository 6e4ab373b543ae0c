"""What the parity generators share: the deterministic values of ARCHITECTURE.md ("Deterministic weights") and
the way a fixture records float32 values, spot checks and step outputs."""

import numpy as np

SAMPLES = 256  # evenly spaced samples recorded per step output
MASK = 0xFFFFFFFF


def fnv1a32(name):
    h = 2166136261
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 16777619) & MASK
    return h


def synth_uniform(name, n):
    """u of ARCHITECTURE.md for elements 0..n-1 of the named tensor (float32)."""
    # uint64 holds every product of two 32-bit values, so masking gives exact arithmetic mod 2^32.
    i = np.arange(n, dtype=np.uint64)
    x = np.uint64(fnv1a32(name)) ^ ((i * np.uint64(0x9E3779B1)) & np.uint64(MASK))
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(MASK)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    return (x.astype(np.float64) / 2.0**31 - 1.0).astype(np.float32)


def f32(v):
    """A float32 as the Python float of its shortest round-tripping decimal, so JSON stays short."""
    v = np.float32(v)
    if not np.isfinite(v):
        raise ValueError("non-finite value %r" % v)
    return float(str(v))  # str of a NumPy float32 is its shortest unique decimal


def spot_check(name, values, last=False):
    """Bits and values at 16 spread indices of a tensor (and its last element when last is set)."""
    flat = values.reshape(-1)
    n = flat.size
    indices = list(range(8)) + [k * (n // 8) + n // 16 for k in range(8)] + ([n - 1] if last else [])
    return {
        "name": name,
        "shape": list(values.shape),
        "indices": indices,
        "bits": ["%08x" % flat[i].view(np.uint32) for i in indices],
        "values": [f32(flat[i]) for i in indices],
    }


def layer_summary(name, out, out64):
    """One step's output (a float32 tensor) as a fixture records it, with its error against the float64 run."""
    a = out.detach().numpy()
    flat = a.reshape(-1)
    stride = flat.size // SAMPLES
    d = flat.astype(np.float64)
    return {
        "name": name,
        "shape": list(a.shape),
        "max_abs": f32(np.abs(flat).max()),
        "sum": float(d.sum()),
        "sum_sq": float((d * d).sum()),
        "stride": stride,
        "samples": [f32(flat[i * stride]) for i in range(SAMPLES)],
        "f32_err": float(np.abs(d - out64.detach().numpy().reshape(-1)).max()),
    }
