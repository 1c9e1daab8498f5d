// Serializes a lowered Graph into the bytes of a .qfb file (schema/qfb.fbs): the FlatBuffer first,
// then every constant's bytes at a 64-byte-aligned file offset. Float32 tensors are written as
// FLOAT32 (the --float model, and the model calibration runs), int8 and int32 ones with their
// quantization.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "converter/graph.h"
#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::converter {

constexpr uint32_t kQfbFormatVersion = 1;
constexpr size_t kQfbBufferAlignment = 64;

struct QfbMetadata {
  std::string source_file;  // base name of the source model
  std::string source_sha256;
  std::string calibration_method;  // "" for a float model
  int calibration_samples = 0;
  // How an image becomes the model's one input (the file's Preprocessing table), if it takes one.
  std::optional<qrun_image_preprocessing> image_preprocessing;
};

Status SerializeQfb(const Graph& graph, const QfbMetadata& metadata, std::vector<uint8_t>* file);

}  // namespace qrun::converter
