#!/usr/bin/env bash
# Installs every Debian package that qrun's build, tests, cross builds and test-model scripts need,
# then the Python venv for what Debian does not package (setup-python-venv.sh: ONNX Runtime).
# Idempotent and quiet when everything is already there. Usage: toolchains/setup-debian.sh
set -euo pipefail

host_packages=(
  cmake make g++ pkg-config clang-format
  flatbuffers-compiler libflatbuffers-dev
  libcpuinfo-dev libpthreadpool-dev libxnnpack-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libstb-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libtorch-dev
  clang-14 libclang-rt-14-dev
  python3-numpy python3-torch python3-torchvision python3-onnx python3-sklearn python3-venv
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
)
# The test dependencies of the cross builds, beside the amd64 ones. Both take libc6 (the loader
# and libraries qemu runs) rather than libc6-dev: the cross toolchains' libc6-dev-*-cross build,
# and libc6-dev:<arch> drags in linux-libc-dev and libssl3 for that architecture, whose versions
# must match the amd64 ones and lag behind them whenever a foreign security index is mid-sync.
foreign_packages=(
  libgtest-dev:arm64 libc6:arm64 libstdc++6:arm64
  libgtest-dev:armhf libc6:armhf libstdc++6:armhf
)
# Unpacked into a private sysroot per architecture: cpuinfo, pthreadpool and XNNPACK, which are not
# co-installable with their amd64 versions, and Google Benchmark for the cross-built benchmarks
# (libbenchmark1debian holds the library, libbenchmark-dev the headers and the CMake config).
sysroot_packages=(libcpuinfo0 libcpuinfo-dev libpthreadpool0 libpthreadpool-dev
  libxnnpack0 libxnnpack-dev libbenchmark1debian libbenchmark-dev)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

for arch in arm64 armhf; do
  dpkg --print-foreign-architectures | grep -qx "$arch" || sudo_if_needed dpkg --add-architecture "$arch"
done

mapfile -t needed < <(missing_packages "${host_packages[@]}" "${foreign_packages[@]}")
if [ "${#needed[@]}" -gt 0 ]; then
  echo "setup-debian: installing ${needed[*]}"
  # A foreign index is sometimes mid-sync on the mirror; the packages we need are still there.
  sudo_if_needed apt-get update -qq || echo "setup-debian: apt-get update reported errors, going on"
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${needed[@]}" >/dev/null
fi

# Unpacks the sysroot packages for one Debian architecture (arch, multiarch triplet). The marker
# holds the package list, so that a sysroot unpacked from an older list is unpacked again.
unpack_sysroot() {
  local arch=$1 triplet=$2
  local sysroot="$here/sysroot-$arch"
  [ "$(cat "$sysroot/.complete" 2>/dev/null)" = "${sysroot_packages[*]}" ] && return
  echo "setup-debian: unpacking $arch ${sysroot_packages[*]} into $sysroot"
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  local download_dir
  download_dir=$(mktemp -d)
  (cd "$download_dir" && apt-get download -qq "${sysroot_packages[@]/%/:$arch}")
  local deb
  for deb in "$download_dir"/*.deb; do dpkg -x "$deb" "$sysroot"; done
  rm -rf "$download_dir"
  local libdir="$sysroot/usr/lib/$triplet"
  [ -e "$libdir/libcpuinfo.so" ] || ln -s libcpuinfo.so.0 "$libdir/libcpuinfo.so"
  [ -e "$libdir/libpthreadpool.so" ] || ln -s libpthreadpool.so.0 "$libdir/libpthreadpool.so"
  echo "${sysroot_packages[*]}" >"$sysroot/.complete"
}
unpack_sysroot arm64 aarch64-linux-gnu
unpack_sysroot armhf arm-linux-gnueabihf

bash "$here/setup-python-venv.sh"
