#include "qfb_test_model.h"

#include <fstream>

namespace qrun::testing {

int TestModel::add_tensor(TestTensor tensor) {
  tensors_.push_back(std::move(tensor));
  return static_cast<int>(tensors_.size()) - 1;
}

std::vector<uint8_t> TestModel::serialize() const {
  flatbuffers::FlatBufferBuilder b;
  // Constants go after the FlatBuffer; their offsets depend on its size, which depends on the
  // offsets' values only through fixed-size structs, so build once with placeholders to measure.
  auto build = [&](uint64_t data_start, std::vector<uint64_t>* offsets) {
    b.Clear();
    std::vector<fb::BufferRef> buffers;
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    uint64_t cursor = data_start;
    offsets->clear();
    for (const TestTensor& t : tensors_) {
      int buffer = -1;
      if (!t.data.empty()) {
        cursor = (cursor + 63) / 64 * 64;
        buffer = static_cast<int>(buffers.size());
        buffers.emplace_back(cursor, t.data.size());
        offsets->push_back(cursor);
        cursor += t.data.size();
      }
      flatbuffers::Offset<fb::Quantization> quantization = 0;
      if (!t.scales.empty()) {
        quantization = fb::CreateQuantizationDirect(b, &t.scales, &t.zero_points, t.channel_axis);
      }
      tensors.push_back(
          fb::CreateTensorDirect(b, t.name.c_str(), t.type, &t.shape, quantization, buffer));
    }
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    for (const TestOperator& op : operators_) {
      auto [options_type, options] = op.options(b);
      flatbuffers::Offset<fb::Requantization> requant = 0;
      if (!op.multipliers.empty()) {
        requant = fb::CreateRequantizationDirect(b, &op.multipliers, op.output_min, op.output_max);
      }
      ops.push_back(fb::CreateOperatorDirect(b, op.type, &op.inputs, &op.outputs, options_type,
                                             options, requant, "op"));
    }
    auto metadata = fb::CreateMetadataDirect(b, "qrun-tests", "0", "test", "", "none", 0);
    std::vector<flatbuffers::Offset<fb::Preprocessing>> preprocessing;
    for (const TestPreprocessing& p : preprocessing_) {
      preprocessing.push_back(fb::CreatePreprocessingDirect(
          b, p.input, p.resize_shorter_side, p.resize_height, p.resize_width, p.crop_height,
          p.crop_width, &p.mean, &p.std_dev, p.channel_order, p.source_layout));
    }
    auto model = fb::CreateModelDirect(b, 1, &tensors, &ops, &inputs_, &outputs_, &buffers,
                                       metadata, preprocessing.empty() ? nullptr : &preprocessing);
    fb::FinishModelBuffer(b, model);
    return cursor;
  };
  std::vector<uint64_t> offsets;
  build(0, &offsets);
  // Leave room: the struct values change, the FlatBuffer's size does not.
  const uint64_t data_start = (b.GetSize() + 63) / 64 * 64;
  const uint64_t end = build(data_start, &offsets);
  std::vector<uint8_t> bytes(end, 0);
  std::memcpy(bytes.data(), b.GetBufferPointer(), b.GetSize());
  size_t k = 0;
  for (const TestTensor& t : tensors_) {
    if (t.data.empty()) continue;
    std::memcpy(bytes.data() + offsets[k++], t.data.data(), t.data.size());
  }
  return bytes;
}

void TestModel::write(const std::string& path) const {
  const std::vector<uint8_t> bytes = serialize();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::pair<fb::OperatorOptions, flatbuffers::Offset<void>> conv2d_options(
    flatbuffers::FlatBufferBuilder& b, int stride, int pad, int groups, int dilation) {
  auto options =
      fb::CreateConv2DOptions(b, stride, stride, dilation, dilation, pad, pad, pad, pad, groups);
  return {fb::OperatorOptions::Conv2DOptions, options.Union()};
}

std::pair<fb::OperatorOptions, flatbuffers::Offset<void>> fully_connected_options(
    flatbuffers::FlatBufferBuilder& b) {
  return {fb::OperatorOptions::FullyConnectedOptions, fb::CreateFullyConnectedOptions(b).Union()};
}

TestModel small_int8_model() {
  TestModel m;
  const int input =
      m.add_tensor({"input", fb::TensorType::INT8, {1, 4, 4, 2}, {0.05f}, {-3}, -1, {}});
  std::vector<int8_t> conv_weights(3 * 3 * 3 * 2);
  for (size_t i = 0; i < conv_weights.size(); ++i)
    conv_weights[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  const int weights = m.add_constant<int8_t>("conv.weight", fb::TensorType::INT8, {3, 3, 3, 2},
                                             conv_weights, {0.01f, 0.02f, 0.03f}, {0, 0, 0}, 0);
  const int bias = m.add_constant<int32_t>("conv.bias", fb::TensorType::INT32, {3}, {100, -50, 7});
  const int conv_out =
      m.add_tensor({"conv", fb::TensorType::INT8, {1, 4, 4, 3}, {0.1f}, {-128}, -1, {}});
  m.add_operator({fb::OperatorType::CONV_2D,
                  {input, weights, bias},
                  {conv_out},
                  [](flatbuffers::FlatBufferBuilder& b) { return conv2d_options(b, 1, 1); },
                  {0.005f, 0.01f, 0.015f},
                  -128,
                  127});
  const int flat = m.add_tensor({"flat", fb::TensorType::INT8, {1, 48}, {0.1f}, {-128}, -1, {}});
  m.add_operator({fb::OperatorType::RESHAPE,
                  {conv_out},
                  {flat},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(fb::OperatorOptions::ReshapeOptions,
                                          fb::CreateReshapeOptions(b).Union());
                  },
                  {}});
  std::vector<int8_t> fc_weights(4 * 48);
  for (size_t i = 0; i < fc_weights.size(); ++i)
    fc_weights[i] = static_cast<int8_t>((i * 11) % 200 - 100);
  const int fc_w =
      m.add_constant<int8_t>("fc.weight", fb::TensorType::INT8, {4, 48}, fc_weights, {0.02f}, {0});
  const int fc_b = m.add_constant<int32_t>("fc.bias", fb::TensorType::INT32, {4}, {0, 10, -10, 5});
  const int logits = m.add_tensor({"logits", fb::TensorType::INT8, {1, 4}, {0.2f}, {0}, -1, {}});
  m.add_operator({fb::OperatorType::FULLY_CONNECTED,
                  {flat, fc_w, fc_b},
                  {logits},
                  fully_connected_options,
                  {0.01f},
                  -128,
                  127});
  m.set_inputs({input});
  m.set_outputs({logits});
  return m;
}

TestModel image_int8_model(const TestPreprocessing& preprocessing) {
  TestModel m;
  const int input =
      m.add_tensor({"image", fb::TensorType::INT8, {1, 4, 4, 3}, {1.0f / 64}, {0}, -1, {}});
  const int flat = m.add_tensor({"flat", fb::TensorType::INT8, {1, 48}, {1.0f / 64}, {0}, -1, {}});
  m.add_operator({fb::OperatorType::RESHAPE,
                  {input},
                  {flat},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(fb::OperatorOptions::ReshapeOptions,
                                          fb::CreateReshapeOptions(b).Union());
                  },
                  {}});
  std::vector<int8_t> fc_weights(4 * 48);
  for (size_t i = 0; i < fc_weights.size(); ++i)
    fc_weights[i] = static_cast<int8_t>((i * 29) % 255 - 127);
  const int fc_w =
      m.add_constant<int8_t>("fc.weight", fb::TensorType::INT8, {4, 48}, fc_weights, {0.02f}, {0});
  const int fc_b = m.add_constant<int32_t>("fc.bias", fb::TensorType::INT32, {4}, {0, 10, -10, 5});
  const int logits = m.add_tensor({"logits", fb::TensorType::INT8, {1, 4}, {0.05f}, {0}, -1, {}});
  m.add_operator({fb::OperatorType::FULLY_CONNECTED,
                  {flat, fc_w, fc_b},
                  {logits},
                  fully_connected_options,
                  {1.0f / 64 * 0.02f / 0.05f},
                  -128,
                  127});
  m.set_inputs({input});
  m.set_outputs({logits});
  m.add_preprocessing(preprocessing);
  return m;
}

TestModel data_movement_int8_model() {
  TestModel m;
  const std::vector<float> scale = {0.05f};
  const std::vector<int> zero_point = {-3};
  auto activation = [&](const std::string& name, std::vector<int> shape) {
    return m.add_tensor({name, fb::TensorType::INT8, std::move(shape), scale, zero_point, -1, {}});
  };
  const int input = activation("input", {1, 4, 4, 2});
  const int value =
      m.add_constant<int8_t>("pad.value", fb::TensorType::INT8, {1}, {-3}, scale, zero_point);
  const int padded = activation("padded", {1, 6, 5, 2});
  m.add_operator(
      {fb::OperatorType::PAD,
       {input, value},
       {padded},
       [](flatbuffers::FlatBufferBuilder& b) {
         const std::vector<int> before = {0, 1, 0, 0}, after = {0, 1, 1, 0};
         return std::make_pair(
             fb::OperatorOptions::PadOptions,
             fb::CreatePadOptionsDirect(b, &before, &after, fb::PadMode::CONSTANT).Union());
       },
       {}});
  const int sliced = activation("sliced", {1, 3, 5, 2});
  m.add_operator({fb::OperatorType::SLICE,
                  {padded},
                  {sliced},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    const std::vector<int> begin = {0, 0, 4, 0}, step = {1, 2, -1, 1};
                    return std::make_pair(fb::OperatorOptions::SliceOptions,
                                          fb::CreateSliceOptionsDirect(b, &begin, &step).Union());
                  },
                  {}});
  std::vector<int8_t> weights(3 * 2 * 2 * 2);
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = static_cast<int8_t>((i * 29) % 255 - 127);
  const int w = m.add_constant<int8_t>("up.weight", fb::TensorType::INT8, {3, 2, 2, 2}, weights,
                                       {0.01f, 0.02f, 0.03f}, {0, 0, 0}, 0);
  const int bias = m.add_constant<int32_t>("up.bias", fb::TensorType::INT32, {3}, {40, -20, 3});
  const int up = m.add_tensor({"up", fb::TensorType::INT8, {1, 6, 10, 3}, {0.1f}, {-128}, -1, {}});
  m.add_operator({fb::OperatorType::TRANSPOSE_CONV_2D,
                  {sliced, w, bias},
                  {up},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(fb::OperatorOptions::TransposeConv2DOptions,
                                          fb::CreateTransposeConv2DOptions(b, 2, 2).Union());
                  },
                  {0.005f, 0.01f, 0.015f},
                  -128,
                  127});
  const int indices = m.add_constant<int32_t>("indices", fb::TensorType::INT32, {2}, {2, 0});
  const int picked =
      m.add_tensor({"picked", fb::TensorType::INT8, {1, 6, 10, 2}, {0.1f}, {-128}, -1, {}});
  m.add_operator({fb::OperatorType::GATHER,
                  {up, indices},
                  {picked},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(fb::OperatorOptions::GatherOptions,
                                          fb::CreateGatherOptions(b, 3).Union());
                  },
                  {}});
  const int nchw =
      m.add_tensor({"nchw", fb::TensorType::INT8, {1, 2, 6, 10}, {0.1f}, {-128}, -1, {}});
  m.add_operator({fb::OperatorType::TRANSPOSE,
                  {picked},
                  {nchw},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    const std::vector<int> perm = {0, 3, 1, 2};
                    return std::make_pair(fb::OperatorOptions::TransposeOptions,
                                          fb::CreateTransposeOptionsDirect(b, &perm).Union());
                  },
                  {}});
  m.set_inputs({input});
  m.set_outputs({nchw});
  return m;
}

TestModel resize_shuffle_int8_model() {
  TestModel m;
  const int input =
      m.add_tensor({"input", fb::TensorType::INT8, {1, 2, 2, 4}, {0.05f}, {-3}, -1, {}});
  const int resized =
      m.add_tensor({"resized", fb::TensorType::INT8, {1, 3, 3, 4}, {0.05f}, {-3}, -1, {}});
  m.add_operator(
      {fb::OperatorType::RESIZE,
       {input},
       {resized},
       [](flatbuffers::FlatBufferBuilder& b) {
         return std::make_pair(
             fb::OperatorOptions::ResizeOptions,
             fb::CreateResizeOptions(b, fb::ResizeMode::LINEAR, fb::ResizeCoordinates::HALF_PIXEL,
                                     fb::ResizeNearestRounding::ROUND_PREFER_FLOOR, 1.5f, 1.5f)
                 .Union());
       },
       {1.0f}});
  std::vector<int> parts;
  for (const char* name : {"first", "second"}) {
    parts.push_back(
        m.add_tensor({name, fb::TensorType::INT8, {1, 3, 3, 2}, {0.05f}, {-3}, -1, {}}));
  }
  m.add_operator({fb::OperatorType::CHANNEL_SHUFFLE,
                  {resized},
                  parts,
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(fb::OperatorOptions::ChannelShuffleOptions,
                                          fb::CreateChannelShuffleOptions(b, 2).Union());
                  },
                  {}});
  m.set_inputs({input});
  m.set_outputs(parts);
  return m;
}

}  // namespace qrun::testing
