#include "json_writer.h"

#include <cmath>
#include <cstdio>

namespace qrun::tools {

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Places a value or an opening bracket: after a key, on the key's line; in a container, after a
// comma and, unless the container is on one line, on a line of its own.
void JsonWriter::element(const std::string& token) {
  if (!after_key_ && !levels_.empty()) {
    Level& level = levels_.back();
    if (level.count++ > 0) text_ += level.one_line ? ", " : ",";
    if (!level.one_line) text_ += "\n" + std::string(2 * levels_.size(), ' ');
  }
  after_key_ = false;
  text_ += token;
}

void JsonWriter::open(char bracket, bool one_line) {
  element(std::string(1, bracket));
  levels_.push_back({one_line, 0});
}

void JsonWriter::close(char bracket) {
  const Level level = levels_.back();
  levels_.pop_back();
  if (!level.one_line && level.count > 0) text_ += "\n" + std::string(2 * levels_.size(), ' ');
  text_ += bracket;
  if (levels_.empty()) text_ += "\n";
}

JsonWriter& JsonWriter::begin_object() {
  open('{', false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  close('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array(bool one_line) {
  open('[', one_line);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  close(']');
  return *this;
}

JsonWriter& JsonWriter::key(const std::string& name) {
  element(json_string(name) + ": ");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const std::string& text) {
  element(json_string(text));
  return *this;
}

JsonWriter& JsonWriter::value(const char* text) {
  return value(std::string(text));
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", number);
  element(text);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
  element(std::to_string(number));
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t number) {
  element(std::to_string(number));
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  element(flag ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  element("null");
  return *this;
}

}  // namespace qrun::tools
