// Writing a file so that readers see either nothing or all of it: the bytes go to a temporary file
// in the same directory, which is renamed over the target only once it is complete.
#pragma once

#include <cstddef>
#include <string>

#include "qrun/status.h"

namespace qrun::tools {

Status write_file_atomically(const std::string& path, const void* data, size_t size);

}  // namespace qrun::tools
