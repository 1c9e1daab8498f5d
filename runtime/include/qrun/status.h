// Errors are values: every fallible call returns a Status that carries a message. Nothing in
// qrun aborts on bad input.
#pragma once

#include <string>
#include <utility>

namespace qrun {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kInvalidModel,
  kIoError,
  kUnsupported,
  kInternal
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status InvalidModel(std::string message) {
  return {StatusCode::kInvalidModel, std::move(message)};
}
inline Status IoError(std::string message) {
  return {StatusCode::kIoError, std::move(message)};
}
inline Status Unsupported(std::string message) {
  return {StatusCode::kUnsupported, std::move(message)};
}

}  // namespace qrun

// Returns the status of `expr` from the enclosing function if it is an error.
#define QRUN_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::qrun::Status qrun_status_ = (expr);        \
    if (!qrun_status_.ok()) return qrun_status_; \
  } while (0)
