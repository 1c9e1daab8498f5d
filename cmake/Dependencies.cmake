# Finds qrun's dependencies, all from Debian's packages (see shared BUILD-NOTES.md for why some are
# found by hand: Debian's cpuinfo config is broken, pthreadpool ships none).

find_program(QRUN_FLATC flatc REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_path(FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)

find_path(CPUINFO_INCLUDE_DIR cpuinfo.h REQUIRED)
find_library(CPUINFO_LIBRARY cpuinfo REQUIRED)
add_library(qrun_cpuinfo INTERFACE)
target_include_directories(qrun_cpuinfo SYSTEM INTERFACE ${CPUINFO_INCLUDE_DIR})
target_link_libraries(qrun_cpuinfo INTERFACE ${CPUINFO_LIBRARY})

find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h REQUIRED)
find_library(PTHREADPOOL_LIBRARY pthreadpool REQUIRED)
add_library(qrun_pthreadpool INTERFACE)
target_include_directories(qrun_pthreadpool SYSTEM INTERFACE ${PTHREADPOOL_INCLUDE_DIR})
target_link_libraries(qrun_pthreadpool INTERFACE ${PTHREADPOOL_LIBRARY} Threads::Threads)
