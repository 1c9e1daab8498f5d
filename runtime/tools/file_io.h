// Whole-file reads and writes for the command-line tools, with messages that name the path and
// the system's reason.
#pragma once

#include <cstddef>
#include <string>

#include "qrun/status.h"

namespace qrun::tools {

// The whole content of a regular file.
Status read_file(const std::string& path, std::string* bytes);

// Writes a whole file or nothing: the bytes go to a temporary file in the same directory, which is
// renamed over the target only once it is complete; any failure removes the temporary file.
Status write_file_atomically(const std::string& path, const void* data, size_t size);

}  // namespace qrun::tools
