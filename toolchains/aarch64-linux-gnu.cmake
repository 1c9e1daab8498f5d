# Cross-compiles qrun for 64-bit ARM Linux with Debian's aarch64 toolchain. Libraries come from
# Debian multiarch (/usr/lib/aarch64-linux-gnu) and, for cpuinfo and pthreadpool (not co-installable
# with their amd64 versions) and Google Benchmark, from the sysroot that setup-debian.sh unpacks,
# where CMAKE_FIND_ROOT_PATH finds their files and CMake configs.
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
#         -DQRUN_BUILD_CONVERTER=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(QRUN_ARM64_SYSROOT ${CMAKE_CURRENT_LIST_DIR}/sysroot-arm64)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu ${QRUN_ARM64_SYSROOT} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
# Headers such as FlatBuffers' and GoogleTest's are the same for every architecture.
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests run under qemu-user; QEMU_CPU picks the core (max: dot product and I8MM; cortex-a53:
# neither). No -L: with libc6:arm64 installed, mixing two glibcs hangs pthread_create.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
