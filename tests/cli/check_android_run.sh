#!/usr/bin/env bash
# toolchains/android-run.sh --dry-run prints exactly the adb commands it would run (no device is
# attached here), and refuses a missing file or a core it cannot pin to.
# usage: check_android_run.sh path/to/android-run.sh
set -euo pipefail
script=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir build
touch build/qrun model.qfb "my input.bin"

expected="adb shell mkdir -p /data/local/tmp/qrun
adb push build/qrun /data/local/tmp/qrun/qrun
adb push model.qfb /data/local/tmp/qrun/model.qfb
adb push 'my input.bin' '/data/local/tmp/qrun/my input.bin'
adb shell 'cd /data/local/tmp/qrun && chmod 755 qrun && ./qrun model.qfb '\\''my input.bin'\\'' --pin big --warmup 10 --repeat 200 --json > qrun.json'
adb pull /data/local/tmp/qrun/qrun.json qrun.json"
diff <(echo "$expected") <(bash "$script" --dry-run --qrun build/qrun model.qfb "my input.bin")

expected="adb -s R58M123 shell mkdir -p /data/local/tmp/qrun
adb -s R58M123 push build/qrun /data/local/tmp/qrun/qrun
adb -s R58M123 push model.qfb /data/local/tmp/qrun/model.qfb
adb -s R58M123 push 'my input.bin' '/data/local/tmp/qrun/my input.bin'
adb -s R58M123 shell 'cd /data/local/tmp/qrun && chmod 755 qrun && ./qrun model.qfb '\\''my input.bin'\\'' --pin 7 --warmup 0 --repeat 50 --json --profile > qrun.json'
adb -s R58M123 pull /data/local/tmp/qrun/qrun.json out/resnet18.json"
diff <(echo "$expected") <(bash "$script" --dry-run --serial R58M123 --cpu 7 --warmup 0 \
  --repeat 50 --qrun build/qrun --out out/resnet18.json model.qfb "my input.bin" -- --profile)

expect_refusal() {  # expect_refusal MESSAGE ARGS...
  local message=$1 output
  shift
  if output=$(bash "$script" --dry-run --qrun build/qrun "$@" 2>&1); then
    echo "android-run.sh accepted $*" >&2
    exit 1
  fi
  grep -qF -- "$message" <<<"$output" || { echo "expected '$message', got: $output" >&2; exit 1; }
}
expect_refusal "missing.bin: no such file" model.qfb missing.bin
expect_refusal "--cpu takes a CPU number, big, little or prime, got 'fast'" --cpu fast model.qfb model.qfb
expect_refusal "needs a model and an input" model.qfb
echo "android-run.sh dry runs: as expected"
