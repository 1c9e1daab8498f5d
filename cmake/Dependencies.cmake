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
