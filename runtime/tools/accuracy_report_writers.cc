// The accuracy report's three forms: a table for the terminal, JSON for scripts, and an HTML page
// with a bar chart for people.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "accuracy_report.h"
#include "json_writer.h"

namespace qrun::tools {
namespace {

// Layers from the worst local SQNR to the best; graph order among equals.
std::vector<const LayerAccuracy*> WorstFirst(const AccuracyReport& report) {
  std::vector<const LayerAccuracy*> order;
  for (const LayerAccuracy& layer : report.layers) {
    if (layer.local.count > 0) order.push_back(&layer);
  }
  std::stable_sort(order.begin(), order.end(), [](const LayerAccuracy* a, const LayerAccuracy* b) {
    return a->local.sqnr_db() < b->local.sqnr_db();
  });
  return order;
}

std::string Fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string Sqnr(const ErrorSums& sums) {
  if (sums.count == 0) return "-";
  return std::isinf(sums.sqnr_db()) ? "exact" : Fixed(sums.sqnr_db(), 2);
}

std::string Cosine(const ErrorSums& sums) {
  return sums.count == 0 ? "-" : Fixed(sums.cosine(), 6);
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

// JSON has no infinity: an exact result's SQNR is null.
std::string JsonFigures(const ErrorSums& sums) {
  if (sums.count == 0) return "null";
  const double sqnr = sums.sqnr_db();
  return "{\"sqnr_db\": " + (std::isinf(sqnr) ? std::string("null") : Fixed(sqnr, 4)) +
         ", \"cosine\": " + Fixed(sums.cosine(), 8) +
         ", \"values\": " + std::to_string(sums.count) + "}";
}

std::string JsonLayer(const LayerAccuracy& layer) {
  return "{\"op_index\": " + std::to_string(layer.op_index) +
         ", \"op\": " + json_string(layer.op_type) + ", \"name\": " + json_string(layer.name) +
         ", \"tensor\": " + json_string(layer.tensor) + ", \"local\": " + JsonFigures(layer.local) +
         ", \"accumulated\": " + JsonFigures(layer.accumulated) + "}";
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Red below 20 dB (noise a tenth of the signal in amplitude), amber below 30, else green.
const char* SqnrColour(double sqnr) {
  return sqnr < 20.0 ? "#d9534f" : (sqnr < 30.0 ? "#f0ad4e" : "#5cb85c");
}

// One row per layer in graph order: the local SQNR bar above the accumulated one, to one scale.
std::string SvgChart(const AccuracyReport& report) {
  constexpr int kLabelWidth = 260, kBarWidth = 520, kRow = 26, kTop = 30;
  constexpr double kFullScale = 60.0;  // dB at a full bar; exact results draw full
  const int height = kTop + kRow * static_cast<int>(report.layers.size()) + 10;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(kLabelWidth + kBarWidth + 80) + "\" height=\"" +
                    std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  for (int db = 0; db <= 60; db += 10) {
    const int x = kLabelWidth + static_cast<int>(kBarWidth * db / kFullScale);
    svg += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kTop - 6) + "\" x2=\"" +
           std::to_string(x) + "\" y2=\"" + std::to_string(height - 10) +
           "\" stroke=\"#ddd\"/><text x=\"" + std::to_string(x) + "\" y=\"" +
           std::to_string(kTop - 10) + "\" text-anchor=\"middle\">" + std::to_string(db) +
           " dB</text>\n";
  }
  int y = kTop;
  for (const LayerAccuracy& layer : report.layers) {
    svg += "<text x=\"" + std::to_string(kLabelWidth - 6) + "\" y=\"" + std::to_string(y + 15) +
           "\" text-anchor=\"end\">" + HtmlEscape(layer.op_type + " " + layer.name) + "</text>\n";
    const ErrorSums* bars[2] = {&layer.local, &layer.accumulated};
    for (int b = 0; b < 2; ++b) {
      if (bars[b]->count == 0) continue;
      const double sqnr = bars[b]->sqnr_db();
      const double shown = std::isinf(sqnr) ? kFullScale : std::clamp(sqnr, 0.0, kFullScale);
      const int width = std::max(1, static_cast<int>(kBarWidth * shown / kFullScale));
      svg += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" +
             std::to_string(y + 2 + b * 11) + "\" width=\"" + std::to_string(width) +
             "\" height=\"10\" fill=\"" + (b == 0 ? SqnrColour(sqnr) : "#7f9fbf") + "\"><title>" +
             (b == 0 ? "local " : "accumulated ") + Sqnr(*bars[b]) + " dB</title></rect>\n";
      svg += "<text x=\"" + std::to_string(kLabelWidth + width + 4) + "\" y=\"" +
             std::to_string(y + 11 + b * 11) + "\" font-size=\"9\">" + Sqnr(*bars[b]) + "</text>\n";
    }
    y += kRow;
  }
  return svg + "</svg>\n";
}

}  // namespace

void WriteAccuracyTable(const AccuracyReport& report, size_t rows, std::string* text) {
  std::string& out = *text;
  out = "accuracy of " + report.int8_model + " against " + report.float_model + " over " +
        std::to_string(report.samples) + " sample" + (report.samples == 1 ? "" : "s") + "\n";
  out += Pad("output", 34) + Pad("SQNR dB", 10) + "cosine\n";
  for (const LayerAccuracy& output : report.outputs) {
    out += Pad(output.name, 34) + Pad(Sqnr(output.accumulated), 10) + Cosine(output.accumulated) +
           "\n";
  }
  out +=
      "layers, worst local SQNR first (local: the layer alone in int8 on float inputs; "
      "accumulated: the whole int8 model up to it)\n";
  out += Pad("  op", 8) + Pad("type", 20) + Pad("name", 34) + Pad("local dB", 10) +
         Pad("cosine", 10) + Pad("accum. dB", 10) + "cosine\n";
  const std::vector<const LayerAccuracy*> order = WorstFirst(report);
  for (size_t i = 0; i < order.size() && (rows == 0 || i < rows); ++i) {
    const LayerAccuracy& layer = *order[i];
    out += "  " + Pad(std::to_string(layer.op_index), 6) + Pad(layer.op_type, 20) +
           Pad(layer.name, 34) + Pad(Sqnr(layer.local), 10) + Pad(Cosine(layer.local), 10) +
           Pad(Sqnr(layer.accumulated), 10) + Cosine(layer.accumulated) + "\n";
  }
  if (rows != 0 && order.size() > rows) {
    out += "(" + std::to_string(order.size() - rows) + " more layers in the JSON or HTML report)\n";
  }
}

void WriteAccuracyJson(const AccuracyReport& report, std::string* text) {
  std::string& out = *text;
  const std::vector<const LayerAccuracy*> order = WorstFirst(report);
  out = "{\n  \"float_model\": " + json_string(report.float_model) +
        ",\n  \"int8_model\": " + json_string(report.int8_model) +
        ",\n  \"samples\": " + std::to_string(report.samples) + ",\n  \"worst_layer\": " +
        (order.empty() ? std::string("null") : json_string(order.front()->name)) +
        ",\n  \"outputs\": [";
  for (size_t i = 0; i < report.outputs.size(); ++i) {
    out += std::string(i ? "," : "") + "\n    " + JsonLayer(report.outputs[i]);
  }
  out += "\n  ],\n  \"layers\": [";
  for (size_t i = 0; i < order.size(); ++i) {
    out += std::string(i ? "," : "") + "\n    " + JsonLayer(*order[i]);
  }
  out += "\n  ]\n}\n";
}

void WriteAccuracyHtml(const AccuracyReport& report, std::string* text) {
  std::string& out = *text;
  std::string table;
  WriteAccuracyTable(report, 0, &table);
  out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>qrun accuracy report: " +
        HtmlEscape(report.int8_model) +
        "</title>\n<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;"
        "padding:1em}</style></head><body>\n<h1>Accuracy of " +
        HtmlEscape(report.int8_model) + "</h1>\n<p>Against " + HtmlEscape(report.float_model) +
        ", over " + std::to_string(report.samples) +
        " samples. SQNR is 10&nbsp;log10(&Sigma;&nbsp;ref&sup2; / "
        "&Sigma;&nbsp;(ref&nbsp;&minus;&nbsp;"
        "int8)&sup2;): higher is better, each 6 dB is one bit.</p>\n<h2>Outputs</h2>\n<ul>\n";
  for (const LayerAccuracy& output : report.outputs) {
    out += "<li>" + HtmlEscape(output.name) + ": SQNR " + Sqnr(output.accumulated) +
           " dB, cosine " + Cosine(output.accumulated) + "</li>\n";
  }
  out +=
      "</ul>\n<h2>Layers in graph order</h2>\n<p>Upper bar: <b>local</b> SQNR, the layer alone "
      "in int8 on float inputs (red below 20 dB, amber below 30); lower bar: "
      "<b>accumulated</b>, the whole int8 model up to the layer.</p>\n" +
      SvgChart(report) + "<h2>Worst first</h2>\n<pre>" + HtmlEscape(table) +
      "</pre>\n</body></html>\n";
}

}  // namespace qrun::tools
