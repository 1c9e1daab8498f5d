#include "tensor.h"

namespace qrun {

const char* element_type_name(ElementType type) {
  switch (type) {
    case ElementType::kFloat32: return "float32";
    case ElementType::kInt8: return "int8";
    case ElementType::kInt32: return "int32";
  }
  return "?";
}

size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::kFloat32: return 4;
    case ElementType::kInt8: return 1;
    case ElementType::kInt32: return 4;
  }
  return 1;
}

std::string shape_string(const std::vector<int>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace qrun
