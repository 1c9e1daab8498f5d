// Reading and writing NumPy .npy files (format 1.0-3.0, little-endian, C order): the format the
// CLIs take calibration samples and inputs in, and write outputs in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qrun/status.h"

namespace qrun::tools {

enum class NpyType { kFloat32, kFloat64, kInt8, kUint8, kInt32, kInt64 };

struct NpyArray {
  NpyType type = NpyType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // raw little-endian elements

  size_t element_count() const;
  size_t element_size() const;
  // The elements converted to float32 / int64, whatever the stored type.
  std::vector<float> to_float() const;
  std::vector<int64_t> to_int64() const;
};

Status read_npy(const std::string& path, NpyArray* array);
Status parse_npy(const std::string& source_name, const uint8_t* bytes, size_t size,
                 NpyArray* array);
// Writes through a temporary file and a rename, so a failed write leaves nothing behind.
Status write_npy(const std::string& path, const NpyArray& array);

}  // namespace qrun::tools
