"""Writes the small PyTorch files the torch package's tests read.

Run with Debian's PyTorch from this folder: /usr/bin/python3 make_fixtures.py
The outputs are committed, so the tests do not need torch.

  sd_zip.pt        a state_dict, torch.save's zip format
  sd_legacy.pt     the same state_dict, the legacy format (_use_new_zipfile_serialization=False)
  ckpt_zip.pt      a checkpoint dict wrapping the state_dict under "state_dict", zip format
  ckpt_legacy.pt   a checkpoint dict wrapping the state_dict under "model", legacy format
  big_endian.pt    a float32 state_dict in the zip format with a "byteorder" record of "big"
                   and its storages byte-swapped, as a big-endian machine writes it
  expected.json    for each state_dict entry, in order: dtype (safetensors name), shape and the
                   contiguous little-endian bytes as hex
"""

import json
import zipfile
from collections import OrderedDict

import torch

SAFETENSORS_DTYPE = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def state_dict():
    torch.manual_seed(0)
    # A module's state_dict carries a _metadata attribute, which BUILD restores.
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 2), torch.nn.BatchNorm2d(4))
    net[1].running_mean.uniform_(-1, 1)
    net[1].num_batches_tracked.fill_(7)
    sd = net.state_dict()  # 0.weight is a 4-d conv weight [4,3,2,2]; 1.num_batches_tracked int64

    base = torch.arange(12, dtype=torch.float32) * 0.25 - 1
    sd["shared.a"] = base[2:6]                 # shares one storage, offset 2
    sd["shared.b"] = base[6:12].view(2, 3)     # same storage, offset 6
    sd["transposed"] = torch.randn(4, 3).t()   # non-contiguous: shape [3,4], stride (1,3)
    sd["strided"] = torch.randn(4, 6)[1:, ::2]  # offset and steps in both dims
    sd["half"] = torch.tensor([[1.0, -2.5, 65504.0], [6e-8, 0.1, -0.0]], dtype=torch.float16)
    sd["bf16"] = torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)
    sd["double"] = torch.tensor([1.0 / 3, -1e300], dtype=torch.float64)
    sd["int32"] = torch.tensor([-(2 ** 31), 2 ** 31 - 1], dtype=torch.int32)
    sd["int16"] = torch.tensor([[-300], [300]], dtype=torch.int16)
    sd["int8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    sd["uint8"] = torch.tensor([0, 255], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.tensor([0.5, 1.5]))  # saved via _rebuild_parameter
    return sd


def expected(sd):
    out = []
    for name, t in sd.items():
        c = t.detach().contiguous()
        c = c.reshape(-1)
        raw = c.view(torch.uint8) if c.dtype != torch.bool else c.to(torch.uint8)
        out.append({
            "name": name,
            "dtype": SAFETENSORS_DTYPE[t.dtype],
            "shape": list(t.shape),
            "hex": bytes(raw.reshape(-1).tolist()).hex(),
        })
    return out


def big_endian(path):
    sd = OrderedDict()
    sd["w"] = torch.tensor([[1.0, -2.0, 3.5], [0.25, 1e-3, -7.0]])
    sd["b"] = torch.tensor([10.0, 20.0])
    torch.save(sd, path)
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i)) for i in z.infolist()]
    prefix = entries[0][0].filename.split("/")[0]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for info, data in entries:
            if "/data/" in info.filename:
                data = b"".join(data[i:i + 4][::-1] for i in range(0, len(data), 4))
            z.writestr(info.filename, data)
        z.writestr(prefix + "/byteorder", b"big")
    return expected(sd)


def main():
    sd = state_dict()
    torch.save(sd, "sd_zip.pt")
    torch.save(sd, "sd_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save({"epoch": 3, "state_dict": sd, "note": "wrapped"}, "ckpt_zip.pt")
    torch.save({"model": sd, "epoch": 5}, "ckpt_legacy.pt", _use_new_zipfile_serialization=False)
    exp = {"state_dict": expected(sd), "big_endian": big_endian("big_endian.pt")}

    for f in ["sd_zip.pt", "sd_legacy.pt", "ckpt_zip.pt", "ckpt_legacy.pt", "big_endian.pt"]:
        back = torch.load(f)
        back = back.get("state_dict", back.get("model", back))
        want = sd if f != "big_endian.pt" else None
        if want is not None:
            assert list(back) == list(want), f
            for k in want:
                assert torch.equal(back[k], want[k]), (f, k)
    with open("expected.json", "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
