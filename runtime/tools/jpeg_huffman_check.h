// A check of a JPEG file's Huffman tables, made before stb_image sees the file. The stb_image of
// Debian 12 (2.27) writes past a table's 256 entries when a DHT segment declares more codes than
// that, and decodes with whatever its unset memory holds when a scan names a table no DHT
// defined, reading far outside the table (upstream issue 1289, fixed in 2.28). Such files are
// refused here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "qrun/status.h"

namespace qrun::tools {

// Walks the markers as stb_image reads them: every Huffman table it would build must hold at most
// 256 codes, and every table a scan decodes with must be defined before it. Bytes that are not a
// JPEG pass (stb_image will say what they are). Messages start with `name`.
Status check_jpeg_huffman_tables(const std::string& name, const uint8_t* data, size_t size);

}  // namespace qrun::tools
