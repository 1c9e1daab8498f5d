// Progress of a long step (calibration, the accuracy report) on the console: on a terminal, one
// line redrawn in place with a bar and the time left; otherwise (a log, CI) a plain line at each
// tenth of the way once it takes more than a moment, and one at the end, so that logs stay
// readable.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace qrun::converter {

class Progress {
 public:
  // `out` may be null: then nothing is shown.
  Progress(std::ostream* out, bool terminal, std::string what, int total);
  ~Progress();
  void advance();  // one more of `total` done

 private:
  void show();

  std::ostream* out_;
  bool terminal_;
  std::string what_;
  int total_;
  int done_ = 0;
  int last_tenth_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace qrun::converter
