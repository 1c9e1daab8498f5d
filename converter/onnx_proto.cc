#include "converter/onnx_proto.h"

#include <cstring>
#include <vector>

namespace qrun::converter {
namespace {

// Little-endian raw bytes or the typed repeated field, whichever the exporter used.
template <typename Stored, typename Field>
std::vector<Stored> ReadElements(const onnx::TensorProto& proto, const Field& field) {
  std::vector<Stored> values;
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    values.resize(raw.size() / sizeof(Stored));
    // An empty tensor's vector may hold no storage at all: memcpy must not see its null pointer.
    if (!values.empty()) std::memcpy(values.data(), raw.data(), values.size() * sizeof(Stored));
  } else {
    values.assign(field.begin(), field.end());
  }
  return values;
}

template <typename Source, typename Target>
std::vector<Target> Convert(const std::vector<Source>& values) {
  return std::vector<Target>(values.begin(), values.end());
}

}  // namespace

bool IsDefaultDomain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

std::string NodeName(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
}

Status ReadTensorProto(const onnx::TensorProto& proto, Tensor* tensor) {
  const std::string what = "constant '" + proto.name() + "'";
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    return Unsupported(what + " keeps its data in an external file, which is not supported");
  }
  tensor->name = proto.name();
  tensor->is_constant = true;
  tensor->shape.assign(proto.dims().begin(), proto.dims().end());
  int64_t count = 1;
  for (int64_t dim : tensor->shape) {
    if (dim < 0 || dim > (int64_t{1} << 31)) return InvalidModel(what + " has a bad dimension");
    count *= dim;
    if (count > (int64_t{1} << 31)) return InvalidModel(what + " is too large");
  }
  switch (proto.data_type()) {
    case onnx::TensorProto_DataType_FLOAT:
      tensor->type = DataType::kFloat32;
      tensor->float_data = ReadElements<float>(proto, proto.float_data());
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      tensor->type = DataType::kFloat32;
      tensor->float_data = Convert<double, float>(ReadElements<double>(proto, proto.double_data()));
      break;
    case onnx::TensorProto_DataType_INT64:
      tensor->type = DataType::kInt64;
      tensor->int64_data = ReadElements<int64_t>(proto, proto.int64_data());
      break;
    case onnx::TensorProto_DataType_INT32:
      tensor->type = DataType::kInt64;
      tensor->int64_data =
          Convert<int32_t, int64_t>(ReadElements<int32_t>(proto, proto.int32_data()));
      break;
    // Narrow integer types sit in int32_data when not raw (ONNX's rule for them).
    case onnx::TensorProto_DataType_INT8:
    case onnx::TensorProto_DataType_UINT8:
    case onnx::TensorProto_DataType_BOOL: {
      tensor->type = DataType::kInt64;
      if (proto.has_raw_data()) {
        const bool is_signed = proto.data_type() == onnx::TensorProto_DataType_INT8;
        for (char byte : proto.raw_data()) {
          tensor->int64_data.push_back(is_signed ? static_cast<int8_t>(byte)
                                                 : static_cast<uint8_t>(byte));
        }
      } else {
        tensor->int64_data.assign(proto.int32_data().begin(), proto.int32_data().end());
      }
      break;
    }
    default:
      return Unsupported(what + " has ONNX data type " + std::to_string(proto.data_type()) +
                         "; only float, double and integer constants are supported");
  }
  const size_t stored =
      tensor->type == DataType::kFloat32 ? tensor->float_data.size() : tensor->int64_data.size();
  if (static_cast<int64_t>(stored) != count) {
    return InvalidModel(what + " holds " + std::to_string(stored) + " elements, its shape " +
                        ShapeToString(tensor->shape) + " needs " + std::to_string(count));
  }
  return Status::Ok();
}

}  // namespace qrun::converter
