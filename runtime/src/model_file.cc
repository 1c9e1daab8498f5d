#include "model_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace qrun {

constexpr size_t kBufferAlignment = 64;

Status ModelFile::Map(const std::string& path, std::unique_ptr<ModelFile>* file) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path + ": cannot open model file (" + std::strerror(errno) + ")");
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return IoError(path + ": not a regular file");
  }
  if (info.st_size == 0) {
    close(fd);
    return InvalidModel(path + ": the model file is empty");
  }
  const size_t size = static_cast<size_t>(info.st_size);
  void* mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapping == MAP_FAILED) {
    return IoError(path + ": cannot memory-map model file (" + std::strerror(errno) + ")");
  }
  std::unique_ptr<ModelFile> result(new ModelFile());
  result->data_ = static_cast<const uint8_t*>(mapping);
  result->size_ = size;
  result->mapped_ = true;
  result->name_ = path;
  *file = std::move(result);
  return Status::Ok();
}

Status ModelFile::Copy(const void* data, size_t size, std::unique_ptr<ModelFile>* file) {
  if (data == nullptr || size == 0) return InvalidArgument("<buffer>: the model buffer is empty");
  const size_t rounded = (size + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  void* copy = std::aligned_alloc(kBufferAlignment, rounded);
  if (copy == nullptr) return IoError("<buffer>: out of memory copying the model");
  std::memcpy(copy, data, size);
  std::unique_ptr<ModelFile> result(new ModelFile());
  result->data_ = static_cast<const uint8_t*>(copy);
  result->size_ = size;
  result->name_ = "<buffer>";
  *file = std::move(result);
  return Status::Ok();
}

ModelFile::~ModelFile() {
  if (mapped_) {
    munmap(const_cast<uint8_t*>(data_), size_);
  } else {
    std::free(const_cast<uint8_t*>(data_));
  }
}

}  // namespace qrun
