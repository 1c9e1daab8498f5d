// The bytes of a .qfb: a read-only memory map of the file, or an aligned copy of a caller's buffer.
// Either way weight buffers inside keep the 64-byte alignment the converter gave them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "qrun/status.h"

namespace qrun {

class ModelFile {
 public:
  static Status Map(const std::string& path, std::unique_ptr<ModelFile>* file);
  static Status Copy(const void* data, size_t size, std::unique_ptr<ModelFile>* file);
  ~ModelFile();
  ModelFile(const ModelFile&) = delete;
  ModelFile& operator=(const ModelFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // The file's path, or "<buffer>", for messages.
  const std::string& name() const { return name_; }

 private:
  ModelFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::string name_;
};

}  // namespace qrun
