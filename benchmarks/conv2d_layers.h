// The convolution layer shapes of ResNet-50 and MobileNet-v2 (batch 1, 224x224 input) that the
// kernel benchmarks run, and their geometry, plus MobileNet-v3-large's depthwise shapes that
// MobileNet-v2 lacks (5x5 windows, 16 channels).
#pragma once

#include <string>

#include "conv2d/conv2d.h"

namespace qrun::benchmarks {

struct Layer {
  const char* model;
  int size, input_channels, output_channels, kernel, stride, groups;
};

// Distinct conv shapes, in network order.
inline const Layer kLayers[] = {
    {"resnet50", 224, 3, 64, 7, 2, 1},
    {"resnet50", 56, 64, 64, 1, 1, 1},
    {"resnet50", 56, 64, 64, 3, 1, 1},
    {"resnet50", 56, 64, 256, 1, 1, 1},
    {"resnet50", 56, 256, 64, 1, 1, 1},
    {"resnet50", 56, 256, 128, 1, 1, 1},
    {"resnet50", 56, 128, 128, 3, 2, 1},
    {"resnet50", 28, 128, 512, 1, 1, 1},
    {"resnet50", 28, 512, 128, 1, 1, 1},
    {"resnet50", 28, 128, 128, 3, 1, 1},
    {"resnet50", 28, 256, 256, 3, 2, 1},
    {"resnet50", 14, 256, 1024, 1, 1, 1},
    {"resnet50", 14, 1024, 256, 1, 1, 1},
    {"resnet50", 14, 256, 256, 3, 1, 1},
    {"resnet50", 14, 512, 512, 3, 2, 1},
    {"resnet50", 7, 512, 2048, 1, 1, 1},
    {"resnet50", 7, 2048, 512, 1, 1, 1},
    {"resnet50", 7, 512, 512, 3, 1, 1},
    {"mobilenet_v2", 224, 3, 32, 3, 2, 1},
    {"mobilenet_v2", 112, 32, 32, 3, 1, 32},
    {"mobilenet_v2", 112, 32, 16, 1, 1, 1},
    {"mobilenet_v2", 112, 16, 96, 1, 1, 1},
    {"mobilenet_v2", 112, 96, 96, 3, 2, 96},
    {"mobilenet_v2", 56, 96, 24, 1, 1, 1},
    {"mobilenet_v2", 56, 24, 144, 1, 1, 1},
    {"mobilenet_v2", 56, 144, 144, 3, 1, 144},
    {"mobilenet_v2", 28, 192, 192, 3, 1, 192},
    {"mobilenet_v2", 14, 384, 384, 3, 1, 384},
    {"mobilenet_v2", 14, 64, 384, 1, 1, 1},
    {"mobilenet_v2", 7, 960, 960, 3, 1, 960},
    {"mobilenet_v2", 7, 320, 1280, 1, 1, 1},
    {"mobilenet_v3_large", 112, 16, 16, 3, 1, 16},
    {"mobilenet_v3_large", 56, 72, 72, 5, 2, 72},
    {"mobilenet_v3_large", 28, 120, 120, 5, 1, 120},
    {"mobilenet_v3_large", 14, 672, 672, 5, 1, 672},
    {"mobilenet_v3_large", 7, 960, 960, 5, 1, 960},
};

inline qrun::kernels::Conv2dGeometry geometry_of(const Layer& layer) {
  qrun::kernels::Conv2dGeometry g;
  g.input_height = g.input_width = layer.size;
  g.input_channels = layer.input_channels;
  g.output_channels = layer.output_channels;
  g.kernel_height = g.kernel_width = layer.kernel;
  g.stride_height = g.stride_width = layer.stride;
  g.pad_top = g.pad_left = layer.kernel / 2;
  g.groups = layer.groups;
  g.output_height = g.output_width =
      (layer.size + 2 * (layer.kernel / 2) - layer.kernel) / layer.stride + 1;
  return g;
}

// The benchmark name of a layer: model/HxWxC/kKsSgG/output_channels.
inline std::string layer_name(const Layer& layer) {
  return std::string(layer.model) + "/" + std::to_string(layer.size) + "x" +
         std::to_string(layer.size) + "x" + std::to_string(layer.input_channels) + "/k" +
         std::to_string(layer.kernel) + "s" + std::to_string(layer.stride) + "g" +
         std::to_string(layer.groups) + "/" + std::to_string(layer.output_channels);
}

}  // namespace qrun::benchmarks
