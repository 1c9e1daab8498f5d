// Builds small .qfb models in memory for tests, with the generated FlatBuffers API, the way the
// converter lays them out: the FlatBuffer first, then each constant at a 64-byte-aligned offset.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "qfb_generated.h"

namespace qrun::testing {

struct TestTensor {
  std::string name;
  fb::TensorType type = fb::TensorType::FLOAT32;
  std::vector<int> shape;
  std::vector<float> scales;
  std::vector<int> zero_points;
  int channel_axis = -1;
  std::vector<uint8_t> data;  // empty for activations
};

struct TestOperator {
  fb::OperatorType type;
  std::vector<int> inputs;
  std::vector<int> outputs;
  // Builds the options table; returns its union type and offset.
  std::function<std::pair<fb::OperatorOptions, flatbuffers::Offset<void>>(
      flatbuffers::FlatBufferBuilder&)>
      options;
  std::vector<float> multipliers;  // empty: no requantization block
  int output_min = -128;
  int output_max = 127;
};

// A Preprocessing table (schema/qfb.fbs) for one input.
struct TestPreprocessing {
  int input = 0;
  int resize_shorter_side = 0;
  int resize_height = 0;
  int resize_width = 0;
  int crop_height = 0;
  int crop_width = 0;
  std::vector<float> mean;
  std::vector<float> std_dev;
  fb::ChannelOrder channel_order = fb::ChannelOrder::RGB;
  fb::SourceLayout source_layout = fb::SourceLayout::NCHW;
};

class TestModel {
 public:
  int add_tensor(TestTensor tensor);
  template <typename T>
  int add_constant(const std::string& name, fb::TensorType type, std::vector<int> shape,
                   const std::vector<T>& values, std::vector<float> scales = {},
                   std::vector<int> zero_points = {}, int channel_axis = -1) {
    TestTensor tensor{
        name, type, std::move(shape), std::move(scales), std::move(zero_points), channel_axis, {}};
    tensor.data.resize(values.size() * sizeof(T));
    std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
    return add_tensor(std::move(tensor));
  }
  void add_operator(TestOperator op) { operators_.push_back(std::move(op)); }
  void set_inputs(std::vector<int> inputs) { inputs_ = std::move(inputs); }
  void set_outputs(std::vector<int> outputs) { outputs_ = std::move(outputs); }
  void add_preprocessing(TestPreprocessing preprocessing) {
    preprocessing_.push_back(std::move(preprocessing));
  }

  std::vector<uint8_t> serialize() const;
  // Writes serialize() to `path`.
  void write(const std::string& path) const;

 private:
  std::vector<TestTensor> tensors_;
  std::vector<TestOperator> operators_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
  std::vector<TestPreprocessing> preprocessing_;
};

// Options builders for the common ops.
std::pair<fb::OperatorOptions, flatbuffers::Offset<void>> conv2d_options(
    flatbuffers::FlatBufferBuilder& b, int stride, int pad, int groups = 1, int dilation = 1);
std::pair<fb::OperatorOptions, flatbuffers::Offset<void>> fully_connected_options(
    flatbuffers::FlatBufferBuilder& b);

// A two-op int8 model, Conv2D 3x3 (pad 1) with ReLU then FullyConnected, on a [1,4,4,2] input;
// small, valid, and touching weights, bias, per-channel scales and requantization.
TestModel small_int8_model();

// An int8 model of the data movement ops and the transposed convolution on a [1,4,4,2] input:
// PAD (constant) to [1,6,5,2], SLICE (every other row, columns reversed) to [1,3,5,2],
// TRANSPOSE_CONV_2D 2x2 stride 2 to [1,6,10,3], GATHER of channels {2, 0} to [1,6,10,2],
// TRANSPOSE to [1,2,6,10].
TestModel data_movement_int8_model();

// An int8 model whose [1,4,4,3] input takes images: RESHAPE to [1,48], then FullyConnected to 4
// logits. It stores `preprocessing` for its input.
TestModel image_int8_model(const TestPreprocessing& preprocessing);

// An int8 model of the model families' data movement: RESIZE (bilinear, half-pixel) of a
// [1,2,2,4] input to [1,3,3,4], then CHANNEL_SHUFFLE (2 groups) split into two [1,3,3,2] outputs.
TestModel resize_shuffle_int8_model();

}  // namespace qrun::testing
