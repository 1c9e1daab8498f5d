// The JSON writer's separators, indentation, escaping and the numbers JSON cannot hold.
#include "json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qrun::tools {
namespace {

TEST(JsonWriter, NestedDocument) {
  JsonWriter json;
  json.begin_object().field("name", "resnet18").field("runs", 200).field("ok", true);
  json.key("shape").begin_array(true).value(1).value(224).end_array();
  json.key("empty").begin_array().end_array();
  json.key("rows").begin_array().begin_object().field("ms", 1.25).end_object();
  json.begin_object().key("none").null().end_object().end_array();
  json.end_object();
  EXPECT_EQ(json.text(),
            "{\n"
            "  \"name\": \"resnet18\",\n"
            "  \"runs\": 200,\n"
            "  \"ok\": true,\n"
            "  \"shape\": [1, 224],\n"
            "  \"empty\": [],\n"
            "  \"rows\": [\n"
            "    {\n"
            "      \"ms\": 1.25\n"
            "    },\n"
            "    {\n"
            "      \"none\": null\n"
            "    }\n"
            "  ]\n"
            "}\n");
}

TEST(JsonWriter, EscapesStrings) {
  EXPECT_EQ(json_string("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\u000ad\\u0001\"");
  EXPECT_EQ(json_string("Cortex-A76 \xc2\xb0"), "\"Cortex-A76 \xc2\xb0\"");  // UTF-8 as is
}

TEST(JsonWriter, NonFiniteNumbersAreNull) {
  JsonWriter json;
  json.begin_array(true).value(std::nan("")).value(std::numeric_limits<double>::infinity());
  json.value(uint64_t{18446744073709551615u}).value(int64_t{-3}).value(0.1).end_array();
  EXPECT_EQ(json.text(), "[null, null, 18446744073709551615, -3, 0.1]\n");
}

}  // namespace
}  // namespace qrun::tools
