// Turns a TorchScript file (torch.jit.trace or torch.jit.script, saved with torch.jit.save) into
// the converter's Graph, through libtorch: the module is loaded, frozen (weights become constants,
// submodules are inlined, and PyTorch folds BatchNorm into the convolutions before it) and its
// `forward` graph is mapped op by op onto the ONNX-typed nodes the passes take, NCHW as in the
// source. TorchScript records no input shapes, so every input needs one (--input-shape); with them
// the shape checks that scripting leaves around ops (aten::size, aten::len, prim::If on the
// results) are evaluated here and disappear.
//
// Built only when libtorch is found (QRUN_WITH_TORCH), and then as a module of its own,
// libqrun_torchscript.so beside qconvert, which qconvert opens on its first TorchScript file
// (torchscript_module_loader.cc): libtorch's static initializers take most of a second, which
// every ONNX conversion would otherwise pay at start-up.
#pragma once

#include <string>

#include "converter/graph.h"
#include "converter/onnx_importer.h"
#include "qrun/status.h"

namespace qrun::converter {

// A TorchScript file is a zip archive: true when `bytes` starts like one.
inline bool LooksLikeTorchScript(const std::string& bytes) {
  return bytes.compare(0, 4, std::string("PK\x03\x04", 4)) == 0;
}

Status ImportTorchScriptModel(const std::string& bytes, const ImportOptions& options, Graph* graph);

// The module's entry point, which ImportTorchScriptModel looks up by this name. It has C linkage
// (an unmangled name), so its Status comes back through a pointer: a C function returns no class.
using ImportTorchScriptFn = void (*)(const std::string& bytes, const ImportOptions& options,
                                     Graph* graph, Status* status);
constexpr const char* kTorchScriptModuleFile = "libqrun_torchscript.so";
constexpr const char* kTorchScriptModuleEntry = "qrun_import_torchscript";

}  // namespace qrun::converter
