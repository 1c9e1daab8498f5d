# Android, 64-bit ARM (arm64-v8a), through the NDK's toolchain file; see android.cmake.
#   ANDROID_NDK=/path/to/ndk cmake -S . -B build-android-arm64 \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/android-arm64-v8a.cmake
set(ANDROID_ABI arm64-v8a)
include("${CMAKE_CURRENT_LIST_DIR}/android.cmake")
