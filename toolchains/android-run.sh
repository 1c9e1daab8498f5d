#!/usr/bin/env bash
# Times a model on an Android device over adb: pushes qrun (an Android build, see README "Build for
# Android and Jetson"), the model and an input to /data/local/tmp/qrun, runs qrun there pinned to
# the chosen core with --json, and pulls the JSON document back (its layout:
# runtime/tools/QRUN_JSON.md). qrun's warnings come back on stderr.
#
# usage: toolchains/android-run.sh [options] model.qfb input.(bin|npy) [-- more qrun options]
#   --cpu N|big|little|prime  the core to pin to (qrun --pin; default big)
#   --warmup N                untimed runs first (default 10)
#   --repeat N                timed runs (default 200)
#   --qrun PATH               the Android qrun (default build-android-arm64/bin/qrun)
#   --serial SERIAL           the device, when more than one is attached (adb -s)
#   --out FILE                where the JSON goes on this machine (default qrun.json)
#   --dry-run                 print the adb commands instead of running them
set -euo pipefail

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

device_dir=/data/local/tmp/qrun
cpu=big
warmup=10
repeat=200
qrun="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build-android-arm64/bin/qrun"
serial=
out=qrun.json
dry_run=false
positional=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) cpu=${2:?--cpu needs a value}; shift 2 ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift 2 ;;
    --repeat) repeat=${2:?--repeat needs a value}; shift 2 ;;
    --qrun) qrun=${2:?--qrun needs a path}; shift 2 ;;
    --serial) serial=${2:?--serial needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a path}; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    -*) echo "android-run.sh: unknown option '$1'" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || { echo "android-run.sh: needs a model and an input" >&2; usage; }
model=${positional[0]}
input=${positional[1]}
for file in "$qrun" "$model" "$input"; do
  [ -f "$file" ] || { echo "android-run.sh: $file: no such file" >&2; exit 1; }
done
[[ $cpu =~ ^([0-9]+|big|little|prime)$ ]] || {
  echo "android-run.sh: --cpu takes a CPU number, big, little or prime, got '$cpu'" >&2; exit 1; }
[[ $warmup =~ ^[0-9]+$ && $repeat =~ ^[1-9][0-9]*$ ]] || {
  echo "android-run.sh: --warmup and --repeat take whole numbers" >&2; exit 1; }

# A word as the shell reads it back: bare if it is plain, else in single quotes.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

adb_command=(adb)
[ -z "$serial" ] || adb_command+=(-s "$serial")

# Runs adb with these arguments, or with --dry-run prints the command instead.
run_adb() {
  local words=("${adb_command[@]}" "$@") line= word
  if $dry_run; then
    for word in "${words[@]}"; do line+="${line:+ }$(quote "$word")"; done
    printf '%s\n' "$line"
  else
    "${words[@]}"
  fi
}

model_name=$(basename "$model")
input_name=$(basename "$input")
remote="cd $device_dir && chmod 755 qrun && ./qrun $(quote "$model_name") $(quote "$input_name")"
remote+=" --pin $cpu --warmup $warmup --repeat $repeat --json"
for word in "${extra[@]}"; do remote+=" $(quote "$word")"; done
remote+=" > qrun.json"

run_adb shell mkdir -p "$device_dir"
run_adb push "$qrun" "$device_dir/qrun"
run_adb push "$model" "$device_dir/$model_name"
run_adb push "$input" "$device_dir/$input_name"
run_adb shell "$remote"
run_adb pull "$device_dir/qrun.json" "$out"
