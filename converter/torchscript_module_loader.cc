// qconvert built with libtorch: the TorchScript importer lives in its own module beside the
// executable (torchscript_importer.h says why), opened here on the first TorchScript file. The
// module resolves the converter's symbols against qconvert itself, which exports them.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>

#include "converter/torchscript_importer.h"

namespace qrun::converter {
namespace {

// The directory of the running executable, with a trailing slash.
std::string ExecutableDirectory() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) return "";
  const std::string executable(path, static_cast<size_t>(length));
  return executable.substr(0, executable.rfind('/') + 1);
}

}  // namespace

Status ImportTorchScriptModel(const std::string& bytes, const ImportOptions& options,
                              Graph* graph) {
  static const std::string module = ExecutableDirectory() + kTorchScriptModuleFile;
  static void* const handle = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Unsupported("a TorchScript file, and this qconvert cannot open its TorchScript module " +
                       module + " (" + (why ? why : "unknown reason") +
                       "); export the model to ONNX, or build qconvert again with libtorch-dev");
  }
  const auto import = reinterpret_cast<ImportTorchScriptFn>(dlsym(handle, kTorchScriptModuleEntry));
  if (import == nullptr) {
    return Unsupported(module + " has no entry point " + kTorchScriptModuleEntry);
  }
  Status status = Status::Ok();
  import(bytes, options, graph, &status);
  return status;
}

}  // namespace qrun::converter
