#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, checks the C++ formatting, then
# builds and runs every test:
#   1. the host build with -Werror, whole suite (kernels, runtime, CLI, converter, real models),
#      then its kernel and runtime tests again on an emulated AVX2-only x86 (qemu -cpu Haswell);
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, built by clang;
#   3. the aarch64 cross build under qemu-user, on a core with dot product and I8MM (max), one with
#      the dot product only (cortex-a76) and one with neither (cortex-a53), each checked to pick
#      its widest conv kernel; its benchmarks are built and started once; the XNNPACK backend
#      against qrun's kernels on resnet18, resnet50 and mobilenet_v2 on each of the three cores;
#   4. the 32-bit ARMv7 (armhf) cross build under qemu-arm on a Cortex-A15 (NEON), checked the same,
#      built without cpuinfo and pthreadpool (as Android builds are by default), hence without
#      XNNPACK, benchmarks too;
#   5. the example model and resnet18 through every x86 kernel family and every emulated ARM core:
#      the same output bytes everywhere (tests/same_bits_everywhere.sh);
#   6. qconvert built without libtorch (QRUN_WITH_TORCH=OFF): it still converts ONNX, and refuses a
#      TorchScript file saying why;
#   7. the model loader's libFuzzer target for a bounded time, seeded with valid models, and the
#      image decoder's, seeded with the test images.
# Usage: bash tests/run_all.sh        (QRUN_FUZZ_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=2
fuzz_seconds=${QRUN_FUZZ_SECONDS:-60}
step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

bash toolchains/setup-debian.sh

step "formatting (clang-format, .clang-format)"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

step "host build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DQRUN_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure --timeout 900 -j"$jobs"

step "x86 dispatch on an AVX2-only CPU: host kernel and runtime tests under qemu-x86_64 -cpu Haswell"
# Haswell has AVX2 but neither AVX-512 nor VNNI, so the AVX2 kernels must win and match the
# reference there. qemu warns about CPUID bits its TCG lacks (TSX, x2apic...): that noise is cut.
if [ "$(uname -m)" = x86_64 ]; then
  for tests in kernel_tests runtime_tests; do
    QRUN_EXPECT_CONV_KERNEL=conv2d_qs8_igemm_6x16c2_avx2 timeout 300 \
      qemu-x86_64 -cpu Haswell "build/bin/$tests" --gtest_brief=1 2>&1 | grep -v "TCG doesn't support"
  done
fi

step "AddressSanitizer + UndefinedBehaviorSanitizer build (clang) and tests"
# Built by clang, which also checks the code against a second compiler's warnings. GCC 12 inserts
# its address checks before vectorizing, so under GCC's ASan no loop vectorizes: the float
# calibration in qconvert ran 22x slower than in the release build, and this step took 22 minutes
# (clang: about 14).
CC=clang-14 CXX=clang++-14 cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DQRUN_WERROR=ON -DQRUN_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure --timeout 1800 -j"$jobs"

# A cross-built benchmark's figures mean nothing under qemu; CI only proves that it builds and starts
# (one small layer, one model, one iteration each): on a device the same binaries give real ones.
smoke_benchmarks() {  # smoke_benchmarks BUILD QEMU CPU
  QEMU_CPU=$3 "$2" "$1/bin/conv2d_benchmark" --benchmark_min_time=0.001 \
    --benchmark_filter='mobilenet_v2/112x112x32/k1s1g1/16/'
  QEMU_CPU=$3 "$2" "$1/bin/model_benchmark" build/tests/models/digits_int8.qfb \
    --benchmark_min_time=0.001
  QEMU_CPU=$3 "$2" "$1/bin/peak_benchmark" --benchmark_min_time=0.001
  if [ -x "$1/bin/xnnpack_conv2d_benchmark" ]; then
    QEMU_CPU=$3 "$2" "$1/bin/xnnpack_conv2d_benchmark" --benchmark_min_time=0.001 \
      --benchmark_filter='mobilenet_v2/112x112x32/k1s1g1/16/'
  fi
}

step "aarch64 cross build, tests under qemu"
cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Release -DQRUN_WERROR=ON -DQRUN_BUILD_CONVERTER=OFF \
  -DQRUN_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build-aarch64 -j"$jobs"
# Each core must get its widest family: I8MM on max, the dot product on cortex-a76, plain NEON
# on cortex-a53 (where a dot-product instruction would raise SIGILL).
for cpu in max:conv2d_qs8_igemm_4x16c8_i8mm cortex-a76:conv2d_qs8_igemm_4x16c4_neondot \
           cortex-a53:conv2d_qs8_igemm_4x16c8_neon; do
  echo "--- qemu-aarch64 -cpu ${cpu%%:*}"
  QEMU_CPU=${cpu%%:*} QRUN_EXPECT_CONV_KERNEL=${cpu#*:} \
    ctest --test-dir build-aarch64 --output-on-failure --timeout 900 -j"$jobs"
done
smoke_benchmarks build-aarch64 qemu-aarch64 max
# The XNNPACK backend on the whole models the host's xnnpack_backend test converted, op by op and
# end to end against qrun's kernels, on each emulated core (XNNPACK picks its kernels per core too).
for cpu in max cortex-a76 cortex-a53; do
  for model in resnet18 resnet50 mobilenet_v2; do
    dir=build/tests/models/xnnpack_backend/$model
    QEMU_CPU=$cpu timeout 600 qemu-aarch64 build-aarch64/bin/xnnpack_agreement \
      "$dir/model_int8.qfb" "$dir/input_nhwc.npy" | sed "s|^|qemu-aarch64 -cpu $cpu: |"
  done
done

step "ARMv7 (armhf) cross build without cpuinfo and pthreadpool, tests under qemu-arm -cpu cortex-a15"
# Built as the Android toolchain files build by default: CPU features from getauxval, threads from
# qrun's own pool.
cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake \
  -DCMAKE_BUILD_TYPE=Release -DQRUN_WERROR=ON -DQRUN_BUILD_CONVERTER=OFF \
  -DQRUN_WITH_CPUINFO=OFF -DQRUN_WITH_PTHREADPOOL=OFF -DQRUN_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build-armhf -j"$jobs"
# Cortex-A15 is ARMv7-A with NEON: it must get the ARMv7 NEON GEMM.
QEMU_CPU=cortex-a15 QRUN_EXPECT_CONV_KERNEL=conv2d_qs8_igemm_2x16c8_armv7neon \
  ctest --test-dir build-armhf --output-on-failure --timeout 300 -j"$jobs"
smoke_benchmarks build-armhf qemu-arm cortex-a15

step "the same output bytes with every kernel family, on x86 and on emulated ARM cores"
bash tests/same_bits_everywhere.sh build build-aarch64 qemu-aarch64 max cortex-a76 cortex-a53 \
  build-armhf qemu-arm cortex-a15

step "qconvert without libtorch: ONNX still converts, TorchScript is refused with the reason"
cmake -S . -B build-notorch -DCMAKE_BUILD_TYPE=Release -DQRUN_WERROR=ON -DQRUN_WITH_TORCH=OFF \
  -DQRUN_BUILD_TESTS=OFF -DQRUN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-notorch -j"$jobs" --target qconvert
build-notorch/bin/qconvert tests/models/digits/digits.onnx --calib tests/models/digits/calibration \
  -o build-notorch/digits.qfb
cmp build-notorch/digits.qfb build/tests/models/digits_int8.qfb
pt=$(find build/tests -name '*.pt' | head -n 1)
if refusal=$(build-notorch/bin/qconvert "$pt" --input-shape 1,3,224,224 --float \
    -o build-notorch/refused.qfb 2>&1); then
  echo "qconvert without libtorch converted $pt" >&2
  exit 1
fi
echo "$refusal"
grep -q "built without libtorch" <<<"$refusal"

step "libFuzzer on the model loader and on the image decoder, ${fuzz_seconds}s each"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQRUN_FUZZ=ON \
  -DQRUN_BUILD_CONVERTER=OFF -DQRUN_BUILD_TESTS=OFF -DQRUN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs"
corpus=build-fuzz/corpus
rm -rf "$corpus" && mkdir -p "$corpus"
build-fuzz/bin/make_fuzz_corpus "$corpus"
find build/tests -name '*.qfb' -size -200k -exec cp {} "$corpus"/ \; 2>/dev/null || true
# An arena is mapped lazily, so a hostile file's huge (valid) plan costs no memory; cap RSS only.
(cd build-fuzz && bin/model_loader_fuzzer -max_total_time="$fuzz_seconds" -rss_limit_mb=4096 \
  -malloc_limit_mb=65536 -print_final_stats=1 corpus 2>&1 | tail -n 12)
image_corpus=build-fuzz/image_corpus
rm -rf "$image_corpus" && mkdir -p "$image_corpus"
cp tests/runtime/images/* "$image_corpus"/
(cd build-fuzz && bin/image_decoder_fuzzer -max_total_time="$fuzz_seconds" -rss_limit_mb=4096 \
  -print_final_stats=1 image_corpus 2>&1 | tail -n 12)

step "all tests passed"
