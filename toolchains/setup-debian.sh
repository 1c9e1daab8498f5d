#!/usr/bin/env bash
# Installs every Debian package that qrun's build, tests, cross builds and test-model scripts need.
# Idempotent and quiet when everything is already there. Usage: toolchains/setup-debian.sh
set -euo pipefail

host_packages=(
  cmake make g++ pkg-config clang-format
  flatbuffers-compiler libflatbuffers-dev
  libcpuinfo-dev libpthreadpool-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  clang-14 libclang-rt-14-dev
  python3-numpy python3-torch python3-torchvision python3-onnx python3-sklearn
  g++-aarch64-linux-gnu qemu-user
)
arm64_packages=(libgtest-dev:arm64 libc6-dev:arm64 libstdc++6:arm64)
# Not co-installable with their amd64 versions: unpacked into a private sysroot instead.
arm64_sysroot_packages=(libcpuinfo0 libcpuinfo-dev libpthreadpool0 libpthreadpool-dev)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sysroot="$here/sysroot-arm64"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

dpkg --print-foreign-architectures | grep -qx arm64 || sudo_if_needed dpkg --add-architecture arm64

mapfile -t needed < <(missing_packages "${host_packages[@]}" "${arm64_packages[@]}")
if [ "${#needed[@]}" -gt 0 ]; then
  echo "setup-debian: installing ${needed[*]}"
  # A foreign index is sometimes mid-sync on the mirror; the packages we need are still there.
  sudo_if_needed apt-get update -qq || echo "setup-debian: apt-get update reported errors, going on"
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${needed[@]}" >/dev/null
fi

if [ ! -f "$sysroot/.complete" ]; then
  echo "setup-debian: unpacking arm64 cpuinfo and pthreadpool into $sysroot"
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  download_dir=$(mktemp -d)
  (cd "$download_dir" && apt-get download -qq "${arm64_sysroot_packages[@]/%/:arm64}")
  for deb in "$download_dir"/*.deb; do dpkg -x "$deb" "$sysroot"; done
  rm -rf "$download_dir"
  libdir="$sysroot/usr/lib/aarch64-linux-gnu"
  [ -e "$libdir/libcpuinfo.so" ] || ln -s libcpuinfo.so.0 "$libdir/libcpuinfo.so"
  [ -e "$libdir/libpthreadpool.so" ] || ln -s libpthreadpool.so.0 "$libdir/libpthreadpool.so"
  touch "$sysroot/.complete"
fi
