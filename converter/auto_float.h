// qconvert --auto-float: keeps the int8 model's worst layers in fp32, one at a time, until its
// output reaches a target SQNR or cosine against the float model. Each round quantizes the graph
// again with one more layer kept (the worst local SQNR of the accuracy report among the layers
// still in int8), measures it on the samples, and times it, so that every choice comes with its
// accuracy gain and its latency cost.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "qrun/status.h"

namespace qrun::converter {

struct AccuracyTarget {
  enum class Measure { kSqnrDb, kCosine };
  Measure measure = Measure::kSqnrDb;
  double value = 0.0;
};

// "sqnr=30" (dB) or "cosine=0.999".
Status ParseAccuracyTarget(const std::string& text, AccuracyTarget* target);

// Makes the int8 model with the named nodes kept in fp32.
using Int8ModelMaker =
    std::function<Status(const std::vector<std::string>& kept, std::vector<uint8_t>* file)>;

// Starting from `kept` (--keep-float's nodes), adds layers until the target is met and leaves the
// last model made in `file`. `log` gets one line per round. Fails, saying so, when every layer is
// in fp32 and the target is still not met.
Status KeepWorstLayersInFloat(const AccuracyTarget& target, const std::vector<uint8_t>& float_model,
                              const std::vector<std::vector<float>>& samples,
                              const Int8ModelMaker& make, std::vector<std::string>* kept,
                              std::vector<uint8_t>* file, std::string* log);

}  // namespace qrun::converter
