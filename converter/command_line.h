// qconvert's command line, kept out of main() so that tests can run it:
//   qconvert model.onnx -o model.qfb --calib <samples or folders> [--float] [--calib-shape ...]
//            [--input-shape name:d0,d1,...] [--resize ...] [--crop ...] [--mean ...] [--std ...]
//            [--bgr] [--layout nchw|nhwc]
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "converter/converter.h"
#include "qrun/status.h"

namespace qrun::converter {

// `args` excludes the program name.
Status ParseCommandLine(const std::vector<std::string>& args, ConvertOptions* options);

// Runs qconvert and returns its exit status: 0 on success, 1 when the conversion fails (the
// message, prefixed with the model's file name, goes to `err`), 2 for a bad command line.
int RunQconvert(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace qrun::converter
