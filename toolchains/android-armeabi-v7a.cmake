# Android, 32-bit ARMv7 with NEON (armeabi-v7a, softfp), through the NDK's toolchain file; see
# android.cmake.
#   ANDROID_NDK=/path/to/ndk cmake -S . -B build-android-armv7 \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/android-armeabi-v7a.cmake
set(ANDROID_ABI armeabi-v7a)
set(ANDROID_ARM_NEON ON)
include("${CMAKE_CURRENT_LIST_DIR}/android.cmake")
