// A tensor as the runtime sees it after loading: shape, element type, quantization, and where its
// bytes are (inside the file for constants, at an arena offset for activations).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qrun {

enum class ElementType { kFloat32, kInt8, kInt32 };

const char* element_type_name(ElementType type);
size_t element_size(ElementType type);

struct Tensor {
  std::string name;
  ElementType type = ElementType::kFloat32;
  std::vector<int> shape;
  size_t element_count = 1;
  size_t byte_size = 0;

  // Quantization: empty for float tensors, one entry per tensor, or one per channel along
  // channel_axis.
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  int channel_axis = -1;

  const void* constant = nullptr;  // bytes inside the model file, for constants
  size_t arena_offset = 0;         // for activations
  int producer = -1;               // index of the op that writes it; -1 for inputs and constants
  int last_consumer = -1;          // index of the last op that reads it
  int view_of = -1;  // the activation whose bytes this one is (a view's output), or -1
  bool is_graph_input = false;
  bool is_graph_output = false;

  bool is_constant() const { return constant != nullptr; }
  bool is_quantized() const { return !scales.empty(); }
  float scale() const { return scales.empty() ? 0.0f : scales[0]; }
  int32_t zero_point() const { return zero_points.empty() ? 0 : zero_points[0]; }
  int dim(int axis) const { return shape[axis < 0 ? axis + static_cast<int>(shape.size()) : axis]; }
  int rank() const { return static_cast<int>(shape.size()); }

  template <typename T>
  const T* data(const uint8_t* arena) const {
    return static_cast<const T*>(is_constant() ? constant : arena + arena_offset);
  }
  template <typename T>
  T* mutable_data(uint8_t* arena) const {
    return reinterpret_cast<T*>(arena + arena_offset);
  }
};

std::string shape_string(const std::vector<int>& shape);

}  // namespace qrun
