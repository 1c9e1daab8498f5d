// Writes one JSON document by hand, indented two spaces a level: the separators and the escaping
// are kept here so that the writers of each report only say what goes in it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrun::tools {

// `text` as a JSON string, quoted and escaped.
std::string json_string(const std::string& text);

class JsonWriter {
 public:
  // `one_line` keeps a short array of numbers on one line.
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(bool one_line = false);
  JsonWriter& end_array();
  JsonWriter& key(const std::string& name);

  JsonWriter& value(const std::string& text);
  JsonWriter& value(const char* text);
  JsonWriter& value(double number);  // JSON has no infinity or NaN: those are written as null
  JsonWriter& value(int64_t number);
  JsonWriter& value(uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();

  template <typename T>
  JsonWriter& field(const std::string& name, const T& v) {
    return key(name).value(v);
  }

  // The document; complete once every object and array is closed.
  const std::string& text() const { return text_; }

 private:
  void element(const std::string& token);
  void open(char bracket, bool one_line);
  void close(char bracket);

  struct Level {
    bool one_line;
    int count;
  };
  std::vector<Level> levels_;
  bool after_key_ = false;
  std::string text_;
};

}  // namespace qrun::tools
