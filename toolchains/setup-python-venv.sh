#!/usr/bin/env bash
# Makes the Python virtual environment for what Debian does not package: ONNX Runtime and its
# quantization tools (benchmarks/requirements.txt, from PyPI), which the ONNX Runtime int8 check
# (tests/models/check_onnx_quantized.py) and benchmarks/compare use. The venv is built on
# /usr/bin/python3 with the system site packages, so Debian's torch and numpy stay the ones used
# (numpy is held at Debian's version by a constraint). Idempotent: a stamp holds the requirements
# it was made from, and a venv made from other ones is made again.
# Usage: toolchains/setup-python-venv.sh [VENV_DIR]   (default: toolchains/python-venv)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
python=/usr/bin/python3
venv=${1:-"$here/python-venv"}
requirements="$repo/benchmarks/requirements.txt"

numpy_version=$("$python" -c 'import numpy; print(numpy.__version__)')
stamp_text="$(cat "$requirements") numpy==$numpy_version"
stamp="$venv/.requirements"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_text" ]; then
  exit 0
fi
echo "setup-python-venv: making $venv (onnxruntime from PyPI)"
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
echo "numpy==$numpy_version" >"$venv/constraints.txt"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  -c "$venv/constraints.txt" -r "$requirements"
printf '%s' "$stamp_text" >"$stamp"
