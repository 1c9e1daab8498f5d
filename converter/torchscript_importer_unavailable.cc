// qconvert built without libtorch: TorchScript files are recognised and refused with the reason.
#include "converter/torchscript_importer.h"

namespace qrun::converter {

Status ImportTorchScriptModel(const std::string&, const ImportOptions&, Graph*) {
  return Unsupported(
      "a TorchScript file, and this qconvert was built without libtorch (install libtorch-dev and "
      "build again, or export the model to ONNX)");
}

}  // namespace qrun::converter
