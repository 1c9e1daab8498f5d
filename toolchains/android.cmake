# What the two Android toolchain files share (android-arm64-v8a.cmake, android-armeabi-v7a.cmake,
# which set ANDROID_ABI and include this): the NDK's own toolchain file, and defaults for a device
# build. Needs the NDK (r23 or newer) in ANDROID_NDK, as an environment or a -D variable.
#   ANDROID_PLATFORM     lowest Android API level (default android-24, Android 7.0)
#   QRUN_ANDROID_PREFIX  where cpuinfo and pthreadpool for this ABI are installed (see README,
#                        "Build for Android and Jetson"); without it qrun builds without them
if(NOT ANDROID_NDK)
  set(ANDROID_NDK "$ENV{ANDROID_NDK}")
endif()
if(NOT EXISTS "${ANDROID_NDK}/build/cmake/android.toolchain.cmake")
  message(FATAL_ERROR "Set ANDROID_NDK to the Android NDK's directory (it holds "
                      "build/cmake/android.toolchain.cmake); it is '${ANDROID_NDK}'")
endif()
if(NOT ANDROID_PLATFORM)
  set(ANDROID_PLATFORM android-24)
endif()
# libqrun.so exports only the C API, so the C++ runtime can live inside it.
if(NOT ANDROID_STL)
  set(ANDROID_STL c++_static)
endif()
include("${ANDROID_NDK}/build/cmake/android.toolchain.cmake")

# A device build: the runtime and qrun only; the converter, the tests and the benchmarks need
# libraries Android does not have.
set(QRUN_BUILD_CONVERTER OFF CACHE BOOL "Build qconvert")
set(QRUN_BUILD_TESTS OFF CACHE BOOL "Build the GoogleTest suite")
if(QRUN_ANDROID_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH "${QRUN_ANDROID_PREFIX}")
else()
  set(QRUN_WITH_CPUINFO OFF CACHE BOOL "Ask cpuinfo what the CPU has")
  set(QRUN_WITH_PTHREADPOOL OFF CACHE BOOL "Run threads on pthreadpool")
endif()
