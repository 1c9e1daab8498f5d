#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace qrun::tools {

Status read_file(const std::string& path, std::string* bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path + ": cannot open file (" + std::strerror(errno) + ")");
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return IoError(path + ": not a regular file");
  }
  bytes->resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < bytes->size()) {
    const ssize_t got = read(fd, &(*bytes)[done], bytes->size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const std::string reason = got < 0 ? std::strerror(errno) : "it shrank while read";
      close(fd);
      return IoError(path + ": cannot read file (" + reason + ")");
    }
    done += static_cast<size_t>(got);
  }
  close(fd);
  return Status::Ok();
}

Status write_file_atomically(const std::string& path, const void* data, size_t size) {
  std::string temp_template = path + ".tmp.XXXXXX";
  std::vector<char> temp_path(temp_template.begin(), temp_template.end());
  temp_path.push_back('\0');
  const int fd = mkstemp(temp_path.data());
  if (fd < 0) return IoError(path + ": cannot create a file there (" + std::strerror(errno) + ")");

  const auto fail = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    close(fd);
    unlink(temp_path.data());
    return IoError(path + ": " + what + " (" + reason + ")");
  };
  const auto* bytes = static_cast<const char*>(data);
  size_t written = 0;
  while (written < size) {
    const ssize_t n = write(fd, bytes + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write failed");
    }
    written += static_cast<size_t>(n);
  }
  // mkstemp makes the file 0600; an output file should get the usual permissions.
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) return fail("cannot set permissions");
  if (fsync(fd) != 0) return fail("sync failed");
  if (close(fd) != 0) {
    unlink(temp_path.data());
    return IoError(path + ": close failed");
  }
  if (std::rename(temp_path.data(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    unlink(temp_path.data());
    return IoError(path + ": cannot rename the finished file into place (" + reason + ")");
  }
  return Status::Ok();
}

}  // namespace qrun::tools
