#!/usr/bin/env bash
# The promise of BRIEF §4, end to end: the same .qfb and input give the same output bytes with
# every kernel family on x86 (--isa) and on every emulated ARM core. Runs `qrun -o --raw` on the
# shipped example and on torchvision resnet18 (both made by the host test suite) and compares the
# outputs' SHA-256 with the x86 reference kernels'.
#   bash tests/same_bits_everywhere.sh HOST_BUILD [CROSS_BUILD QEMU CPU [CPU...]]...
# e.g. bash tests/same_bits_everywhere.sh build build-aarch64 qemu-aarch64 max cortex-a76 cortex-a53
set -euo pipefail

host=$1
shift
models=(
  "$host/tests/models/digits_int8.qfb tests/models/digits/inputs/digit_7.bin"
  "$host/tests/models/resnet18/model_int8.qfb $host/tests/models/resnet18/input_nhwc.npy"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

digest() {  # digest NAME COMMAND...: runs a qrun command writing $work/NAME.npy, prints its hash
  local name=$1
  shift
  "$@" -o "$work/$name.npy" --raw >/dev/null
  sha256sum "$work/$name.npy" | cut -d' ' -f1
}

failures=0
for entry in "${models[@]}"; do
  read -r model input <<<"$entry"
  [ -f "$model" ] || { echo "same bits: $model is missing (run the host tests first)"; exit 1; }
  expected=$(digest ref "$host/bin/qrun" "$model" "$input" --isa ref)
  name=${model#"$host/tests/models/"}
  check() {  # check LABEL COMMAND...
    local label=$1
    shift
    local got
    got=$(digest other "$@")
    if [ "$got" = "$expected" ]; then
      echo "same bits: $name, $label: ok"
    else
      echo "same bits: $name, $label: DIFFERS ($got; the reference kernels give $expected)"
      failures=$((failures + 1))
    fi
  }
  for isa in avx2 avxvnni avx512vnni; do
    if "$host/bin/qrun" --info "$model" --isa "$isa" >/dev/null 2>&1; then
      check "x86 $isa" "$host/bin/qrun" "$model" "$input" --isa "$isa"
    fi
  done
  check "x86 best, 2 threads" "$host/bin/qrun" "$model" "$input" --threads 2
  args=("$@")
  while [ "${#args[@]}" -ge 3 ]; do
    cross=${args[0]} emulator=${args[1]}
    args=("${args[@]:2}")
    while [ "${#args[@]}" -gt 0 ] && [ ! -d "${args[0]}" ]; do
      check "$emulator -cpu ${args[0]}" env QEMU_CPU="${args[0]}" "$emulator" "$cross/bin/qrun" \
        "$model" "$input"
      args=("${args[@]:1}")
    done
  done
done
exit $((failures > 0))
