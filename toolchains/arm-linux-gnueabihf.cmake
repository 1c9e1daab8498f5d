# Cross-compiles qrun for 32-bit ARMv7 Linux (hard float, NEON) with Debian's armhf toolchain.
# Libraries come from Debian multiarch (/usr/lib/arm-linux-gnueabihf) and, for cpuinfo and
# pthreadpool (not co-installable with their amd64 versions) and Google Benchmark, from the sysroot
# that setup-debian.sh unpacks, where CMAKE_FIND_ROOT_PATH finds their files and CMake configs.
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake \
#         -DQRUN_BUILD_CONVERTER=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# -Wno-psabi: GCC notes that passing some types changed ABI in GCC 7.1, which concerns no one now.
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard -Wno-psabi")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard -Wno-psabi")

set(QRUN_ARMHF_SYSROOT ${CMAKE_CURRENT_LIST_DIR}/sysroot-armhf)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf ${QRUN_ARMHF_SYSROOT} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
# Headers such as FlatBuffers' and GoogleTest's are the same for every architecture.
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests run under qemu-user; QEMU_CPU picks the core (cortex-a15: ARMv7-A with NEON). No -L: with
# libc6:armhf installed, mixing two glibcs hangs pthread_create.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
