// qconvert: converts an ONNX model into a .qfb. All the work is in the qrun_converter library.
#include <iostream>
#include <string>
#include <vector>

#include "converter/command_line.h"

int main(int argc, char** argv) {
  return qrun::converter::RunQconvert(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                      std::cerr);
}
