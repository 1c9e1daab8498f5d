#include "npy.h"

#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>

#include "file_io.h"

namespace qrun::tools {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct TypeCode {
  NpyType type;
  const char* descr;
  size_t size;
};

constexpr TypeCode kTypeCodes[] = {
    {NpyType::kFloat32, "<f4", 4}, {NpyType::kFloat64, "<f8", 8}, {NpyType::kInt8, "|i1", 1},
    {NpyType::kUint8, "|u1", 1},   {NpyType::kInt32, "<i4", 4},   {NpyType::kInt64, "<i8", 8},
};

const TypeCode& code_of(NpyType type) {
  for (const TypeCode& code : kTypeCodes) {
    if (code.type == type) return code;
  }
  return kTypeCodes[0];
}

// The header is a Python dict literal; we read the three keys NumPy always writes.
std::string dict_value(const std::string& header, const std::string& key) {
  const size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) return {};
  size_t start = header.find(':', at);
  if (start == std::string::npos) return {};
  ++start;
  while (start < header.size() && header[start] == ' ') ++start;
  if (start >= header.size()) return {};
  const char open = header[start];
  const char close = open == '(' ? ')' : (open == '\'' ? '\'' : ',');
  const size_t end = header.find(close, start + 1);
  if (end == std::string::npos) return {};
  return header.substr(start, end - start + 1);
}

Status parse_shape(const std::string& source, const std::string& text,
                   std::vector<int64_t>* shape) {
  shape->clear();
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    return InvalidArgument(source + ": .npy header has no shape");
  }
  std::string number;
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      number += c;
      if (number.size() > 12) return InvalidArgument(source + ": .npy dimension is too large");
    } else if (c == ',' || c == ')') {
      if (!number.empty()) shape->push_back(std::stoll(number));
      number.clear();
    } else if (c != ' ') {
      return InvalidArgument(source + ": .npy shape '" + text + "' is malformed");
    }
  }
  return Status::Ok();
}

}  // namespace

size_t NpyArray::element_size() const {
  return code_of(type).size;
}

size_t NpyArray::element_count() const {
  size_t count = 1;
  for (int64_t d : shape) count *= static_cast<size_t>(d);
  return count;
}

namespace {

// One stored element as Out. A float that an integer cannot hold (NaN, out of range) becomes the
// nearest bound, or 0 for NaN, instead of the undefined behaviour of a plain cast.
template <typename Out, typename Stored>
Out element_as(const uint8_t* p) {
  Stored value;
  std::memcpy(&value, p, sizeof value);
  if constexpr (std::is_integral_v<Out> && std::is_floating_point_v<Stored>) {
    if (value != value) return 0;
    if (value <= static_cast<Stored>(std::numeric_limits<Out>::min())) {
      return std::numeric_limits<Out>::min();
    }
    if (value >= static_cast<Stored>(std::numeric_limits<Out>::max())) {
      return std::numeric_limits<Out>::max();
    }
  }
  return static_cast<Out>(value);
}

template <typename Out>
std::vector<Out> elements_as(const NpyArray& array) {
  std::vector<Out> out(array.element_count());
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t* p = array.data.data() + i * array.element_size();
    switch (array.type) {
      case NpyType::kFloat32: out[i] = element_as<Out, float>(p); break;
      case NpyType::kFloat64: out[i] = element_as<Out, double>(p); break;
      case NpyType::kInt8: out[i] = element_as<Out, int8_t>(p); break;
      case NpyType::kUint8: out[i] = element_as<Out, uint8_t>(p); break;
      case NpyType::kInt32: out[i] = element_as<Out, int32_t>(p); break;
      case NpyType::kInt64: out[i] = element_as<Out, int64_t>(p); break;
    }
  }
  return out;
}

}  // namespace

std::vector<float> NpyArray::to_float() const {
  return elements_as<float>(*this);
}

std::vector<int64_t> NpyArray::to_int64() const {
  return elements_as<int64_t>(*this);
}

Status parse_npy(const std::string& source, const uint8_t* bytes, size_t size, NpyArray* array) {
  if (size < kMagicSize + 4 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    return InvalidArgument(source + ": not a .npy file (no NUMPY magic)");
  }
  const int major = bytes[6];
  size_t header_length = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_length = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return InvalidArgument(source + ": truncated .npy header");
    header_length = static_cast<size_t>(bytes[8]) | (static_cast<size_t>(bytes[9]) << 8) |
                    (static_cast<size_t>(bytes[10]) << 16) | (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    return InvalidArgument(source + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_length > size - header_start)
    return InvalidArgument(source + ": truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes + header_start), header_length);

  if (dict_value(header, "fortran_order").rfind("False", 0) != 0) {
    return InvalidArgument(source + ": Fortran-ordered .npy arrays are not supported");
  }
  const std::string descr = dict_value(header, "descr");
  bool known = false;
  for (const TypeCode& code : kTypeCodes) {
    if (descr == std::string("'") + code.descr + "'") {
      array->type = code.type;
      known = true;
    }
  }
  if (!known) {
    return InvalidArgument(source + ": .npy element type " + descr +
                           " is not one of float32, float64, int8, uint8, int32, int64 "
                           "(little-endian)");
  }
  QRUN_RETURN_IF_ERROR(parse_shape(source, dict_value(header, "shape"), &array->shape));

  const size_t data_start = header_start + header_length;
  // In 64 bits even where size_t has 32 (ARMv7), so that no dimension is cut before the check.
  uint64_t expected = array->element_size();
  for (int64_t d : array->shape) {
    if (d != 0 && expected > (uint64_t{1} << 40) / static_cast<uint64_t>(d)) {
      return InvalidArgument(source + ": .npy array is too large");
    }
    expected *= static_cast<uint64_t>(d);
  }
  if (size - data_start != expected) {
    return InvalidArgument(source + ": .npy data holds " + std::to_string(size - data_start) +
                           " bytes, its header says " + std::to_string(expected));
  }
  array->data.assign(bytes + data_start, bytes + size);
  return Status::Ok();
}

Status read_npy(const std::string& path, NpyArray* array) {
  std::string bytes;
  QRUN_RETURN_IF_ERROR(read_file(path, &bytes));
  return parse_npy(path, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), array);
}

Status write_npy(const std::string& path, const NpyArray& array) {
  // A Python tuple: "()", "(3,)" or "(1, 10)".
  std::string shape = "(";
  for (size_t i = 0; i < array.shape.size(); ++i) {
    shape += (i ? ", " : "") + std::to_string(array.shape[i]);
  }
  shape += array.shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + code_of(array.type).descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary, ending the header with '\n'.
  const size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';

  std::string bytes(kMagic, kMagicSize);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(array.data.data()), array.data.size());
  return write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace qrun::tools
