#!/usr/bin/env bash
# Makes a Python virtual environment from PyPI for what Debian does not package.
#
# By default: toolchains/python-venv with benchmarks/requirements.txt (ONNX Runtime and its
# quantization tools), which the ONNX Runtime int8 check (tests/models/check_onnx_quantized.py)
# and benchmarks/compare use. That venv is built on /usr/bin/python3 with the system site
# packages, so Debian's torch and numpy stay the ones used (numpy is held at Debian's version by
# a constraint).
# --isolated makes a venv without the system site packages and without that constraint, for
# peers whose packages cannot live beside Debian's torch and numpy (benchmarks/compare's OpenVINO
# and LiteRT environments: their requirements files pin their own numpy).
# Idempotent: a stamp holds what the venv was made from, and a venv made from anything else is
# made again. On failure the venv is removed, so that no half-made one is taken for a good one.
#
# Usage: toolchains/setup-python-venv.sh [VENV_DIR] [--requirements FILE] [--isolated]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
python=/usr/bin/python3
venv="$here/python-venv"
requirements="$repo/benchmarks/requirements.txt"
isolated=0
while [ $# -gt 0 ]; do
  case "$1" in
    --requirements) requirements=$2; shift 2 ;;
    --isolated) isolated=1; shift ;;
    -*) echo "setup-python-venv: unknown option $1" >&2; exit 2 ;;
    *) venv=$1; shift ;;
  esac
done

if [ "$isolated" -eq 1 ]; then
  stamp_text="$(cat "$requirements") isolated"
else
  numpy_version=$("$python" -c 'import numpy; print(numpy.__version__)')
  stamp_text="$(cat "$requirements") numpy==$numpy_version"
fi
stamp="$venv/.requirements"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_text" ]; then
  exit 0
fi
echo "setup-python-venv: making $venv from $(basename "$requirements") (PyPI)"
rm -rf "$venv"
trap 'rm -rf "$venv"' ERR
if [ "$isolated" -eq 1 ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
else
  "$python" -m venv --system-site-packages "$venv"
  echo "numpy==$numpy_version" >"$venv/constraints.txt"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -c "$venv/constraints.txt" -r "$requirements"
fi
printf '%s' "$stamp_text" >"$stamp"
