#!/usr/bin/python3
"""qconvert's messages for TorchScript files it cannot convert, one case each.

    /usr/bin/python3 tests/converter/check_torchscript_errors.py --qconvert build/bin/qconvert \\
        --workdir DIR

Builds small .pt files with Debian's torch at test time and runs qconvert on each; every case must
exit with status 1 and print a message holding the listed parts:
  - an op qconvert does not convert (torch.tanh in a scripted module written to DIR/tanh_model.py):
    the op's name and the Python file and line it came from;
  - a file whose format version is newer than this libtorch reads (a valid file with its
    `version` record raised to 11): the version found and the versions read;
  - no --input-shape: TorchScript records none, so qconvert asks for one;
  - --input-shape naming an argument the model does not have;
  - a traced convolution with padding='same' given as a string, which qconvert refuses by name;
  - a quantized linear layer whose weights are packed as float16 (linear_prepack_fp16), a packing
    qconvert cannot read: the op and the reason.
"""

import argparse
import os
import subprocess
import sys
import zipfile

import torch

TANH_MODEL = '''import torch


class TanhModel(torch.nn.Module):
    def forward(self, x):
        y = torch.relu(x)
        return torch.tanh(y)
'''


def save_tanh_model(workdir):
    source = os.path.join(workdir, "tanh_model.py")
    with open(source, "w") as f:
        f.write(TANH_MODEL)
    sys.path.insert(0, workdir)
    import tanh_model  # noqa: E402 (written just above)
    path = os.path.join(workdir, "tanh.pt")
    torch.jit.script(tanh_model.TanhModel()).save(path)
    return path, source


def save_newer_version(workdir, valid):
    """A copy of `valid` whose version record says 11, one past what libtorch 1.13 reads."""
    path = os.path.join(workdir, "newer.pt")
    with zipfile.ZipFile(valid) as original, zipfile.ZipFile(path, "w") as copy:
        for name in original.namelist():
            data = original.read(name)
            if name.endswith("/version"):
                data = b"11\n"
            copy.writestr(name, data)
    return path


def save_same_padding(workdir):
    path = os.path.join(workdir, "same.pt")
    model = torch.nn.Conv2d(3, 4, 3, padding="same").eval()
    torch.jit.script(model).save(path)
    return path


FP16_MODEL = '''import torch


class Fp16Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.randn(4, 8)
        self.b = torch.randn(4)

    def forward(self, x):
        packed = torch.ops.quantized.linear_prepack_fp16(self.w, self.b)
        q = torch.quantize_per_tensor(x, 0.1, 128, torch.quint8)
        return torch.ops.quantized.linear(q, packed, 0.2, 120).dequantize()
'''


def save_fp16_packing(workdir):
    with open(os.path.join(workdir, "fp16_model.py"), "w") as f:
        f.write(FP16_MODEL)
    import fp16_model  # noqa: E402 (written just above; workdir is on sys.path)
    path = os.path.join(workdir, "fp16.pt")
    torch.jit.script(fp16_model.Fp16Linear().eval()).save(path)
    return path


def run(qconvert, args):
    result = subprocess.run([qconvert] + args, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qconvert", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "out.qfb")

    tanh, tanh_source = save_tanh_model(workdir)
    newer = save_newer_version(workdir, tanh)
    same = save_same_padding(workdir)
    fp16 = save_fp16_packing(workdir)
    cases = [
        ("unsupported op", [tanh, "--input-shape", "1,3,4,4", "--float", "-o", out],
         [tanh + ": aten::tanh at " + tanh_source + ":7:", "is not supported"]),
        ("newer file format", [newer, "--input-shape", "1,3,4,4", "--float", "-o", out],
         [newer + ": TorchScript file format version 11", "reads versions 1 to 10"]),
        ("no input shape", [tanh, "--float", "-o", out],
         ["TorchScript records no input shapes", "give input 'x' one with --input-shape"]),
        ("unknown input name", [tanh, "--input-shape", "y:1,3,4,4", "--float", "-o", out],
         ["--input-shape names 'y', which is not an input of the model"]),
        ("string padding", [same, "--input-shape", "1,3,8,8", "--float", "-o", out],
         [same + ": aten::conv2d at", "padding given as a string"]),
        ("unreadable weight packing", [fp16, "--input-shape", "1,8", "-o", out],
         [fp16 + ": quantized::linear_prepack_fp16 at", "fp16_model.py:11:",
          "weights packed this way cannot be read here"]),
    ]
    failures = []
    for name, command, expected in cases:
        code, err = run(args.qconvert, command)
        missing = [part for part in expected if part not in err]
        verdict = "ok" if code == 1 and not missing else "FAIL"
        print(f"{verdict} {name}: exit {code}: {err.strip()}")
        if verdict != "ok":
            failures.append(f"{name}: exit {code} (want 1), missing {missing}")
        if os.path.exists(out):
            failures.append(f"{name}: {out} was written")
    if failures:
        print("FAIL\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print(f"PASS {len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
