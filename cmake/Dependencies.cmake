# Finds qrun's dependencies, all from Debian's packages (see shared BUILD-NOTES.md for why some are
# found by hand: Debian's cpuinfo config is broken, pthreadpool ships none).

find_program(QRUN_FLATC flatc REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_path(FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)

# A device build (Android) may go without cpuinfo and pthreadpool: the CPU's features then come from
# the compiler's runtime and getauxval, and threads from qrun's own std::thread pool.
option(QRUN_WITH_CPUINFO "Ask cpuinfo what the CPU has (OFF: CPUID / getauxval directly)" ON)
option(QRUN_WITH_PTHREADPOOL "Run threads on pthreadpool (OFF: qrun's own std::thread pool)" ON)

add_library(qrun_cpuinfo INTERFACE)
if(QRUN_WITH_CPUINFO)
  find_path(CPUINFO_INCLUDE_DIR cpuinfo.h REQUIRED)
  find_library(CPUINFO_LIBRARY cpuinfo REQUIRED)
  target_include_directories(qrun_cpuinfo SYSTEM INTERFACE ${CPUINFO_INCLUDE_DIR})
  target_link_libraries(qrun_cpuinfo INTERFACE ${CPUINFO_LIBRARY})
  target_compile_definitions(qrun_cpuinfo INTERFACE QRUN_HAVE_CPUINFO)
endif()

add_library(qrun_pthreadpool INTERFACE)
target_link_libraries(qrun_pthreadpool INTERFACE Threads::Threads)
if(QRUN_WITH_PTHREADPOOL)
  find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h REQUIRED)
  find_library(PTHREADPOOL_LIBRARY pthreadpool REQUIRED)
  target_include_directories(qrun_pthreadpool SYSTEM INTERFACE ${PTHREADPOOL_INCLUDE_DIR})
  target_link_libraries(qrun_pthreadpool INTERFACE ${PTHREADPOOL_LIBRARY})
endif()

# stb_image (Debian's libstb-dev; its header holds the code, compiled into qrun's tools once)
# decodes PNG and JPEG inputs for qrun and qconvert. AUTO: used when found. A build without it
# (Android's NDK has none) takes .npy and .bin inputs and says so when given an image.
find_path(STB_INCLUDE_DIR stb/stb_image.h)
set(QRUN_WITH_STB AUTO CACHE STRING
    "Decode PNG and JPEG inputs with stb_image: ON, OFF, or AUTO (on when libstb-dev is found)")
if(QRUN_WITH_STB STREQUAL "AUTO")
  if(STB_INCLUDE_DIR)
    set(QRUN_WITH_STB ON)
  else()
    set(QRUN_WITH_STB OFF)
  endif()
elseif(QRUN_WITH_STB AND NOT STB_INCLUDE_DIR)
  message(FATAL_ERROR "QRUN_WITH_STB is on but stb/stb_image.h was not found (apt-get install libstb-dev)")
endif()

# XNNPACK (Debian's libxnnpack-dev, 2022), the second backend that `qrun --backend xnnpack` lowers
# a model to. It takes a pthreadpool, so it comes only with QRUN_WITH_PTHREADPOOL. AUTO: used when
# found. A build without it is complete: asking for the backend then fails with the reason.
find_path(XNNPACK_INCLUDE_DIR xnnpack.h)
find_library(XNNPACK_LIBRARY XNNPACK)
set(QRUN_WITH_XNNPACK AUTO CACHE STRING
    "Build the XNNPACK backend: ON, OFF, or AUTO (on when libxnnpack-dev and pthreadpool are found)")
if(QRUN_WITH_XNNPACK STREQUAL "AUTO")
  if(XNNPACK_INCLUDE_DIR AND XNNPACK_LIBRARY AND QRUN_WITH_PTHREADPOOL)
    set(QRUN_WITH_XNNPACK ON)
  else()
    set(QRUN_WITH_XNNPACK OFF)
  endif()
elseif(QRUN_WITH_XNNPACK)
  if(NOT XNNPACK_INCLUDE_DIR OR NOT XNNPACK_LIBRARY)
    message(FATAL_ERROR "QRUN_WITH_XNNPACK is on but XNNPACK was not found (apt-get install libxnnpack-dev)")
  endif()
  if(NOT QRUN_WITH_PTHREADPOOL)
    message(FATAL_ERROR "QRUN_WITH_XNNPACK needs QRUN_WITH_PTHREADPOOL: XNNPACK runs on pthreadpool")
  endif()
endif()
add_library(qrun_xnnpack INTERFACE)
if(QRUN_WITH_XNNPACK)
  target_include_directories(qrun_xnnpack SYSTEM INTERFACE ${XNNPACK_INCLUDE_DIR})
  target_link_libraries(qrun_xnnpack INTERFACE ${XNNPACK_LIBRARY} qrun_pthreadpool)
  target_compile_definitions(qrun_xnnpack INTERFACE QRUN_HAVE_XNNPACK)
endif()
message(STATUS "qrun: XNNPACK backend ${QRUN_WITH_XNNPACK}")
