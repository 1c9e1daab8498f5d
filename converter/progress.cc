#include "converter/progress.h"

#include <cstdio>

namespace qrun::converter {
namespace {

std::string MinutesSeconds(double seconds) {
  const int whole = static_cast<int>(seconds + 0.5);
  char text[16];
  std::snprintf(text, sizeof(text), "%d:%02d", whole / 60, whole % 60);
  return text;
}

}  // namespace

Progress::Progress(std::ostream* out, bool terminal, std::string what, int total)
    : out_(total > 0 ? out : nullptr),
      terminal_(terminal),
      what_(std::move(what)),
      total_(total),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (out_ != nullptr && terminal_ && done_ > 0) *out_ << "\n" << std::flush;
}

void Progress::advance() {
  ++done_;
  if (out_ != nullptr) show();
}

void Progress::show() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double left = elapsed / done_ * (total_ - done_);
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = done_ * kWidth / total_;
    *out_ << "\r" << what_ << " [" << std::string(filled, '#') << std::string(kWidth - filled, '.')
          << "] " << done_ << "/" << total_ << ", "
          << (done_ < total_ ? MinutesSeconds(left) + " left" : MinutesSeconds(elapsed) + " taken")
          << "   " << std::flush;
    return;
  }
  // A step that is over within seconds gets its last line only.
  const int tenth = done_ * 10 / total_;
  if (done_ < total_ && (tenth == last_tenth_ || elapsed < 2.0)) return;
  last_tenth_ = tenth;
  *out_ << what_ << ": " << done_ << "/" << total_ << " after " << MinutesSeconds(elapsed)
        << (done_ < total_ ? ", about " + MinutesSeconds(left) + " left" : std::string()) << "\n"
        << std::flush;
}

}  // namespace qrun::converter
