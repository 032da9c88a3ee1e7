#pragma once
/// A small SVG chart writer (no plotting dependency): horizontal bar charts and line charts with
/// axes, ticks, units, labels and a legend. Pure functions: a chart description in, a complete
/// standalone SVG document (UTF-8 XML) out. Every text and attribute value is XML-escaped; non-finite
/// numbers are never written.
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace llmfit::svg {

/// How values map onto an axis.
enum class AxisScale {
  linear,
  log2,   // ticks at powers of two, labels with binary prefixes (1k = 1024): context lengths
  log10,  // ticks at powers of ten: values spanning decades
};

/// One horizontal bar. `group` picks the colour and the legend entry (BarChart::group_names).
struct Bar {
  std::string label;
  double value = 0;        // drawn length; non-finite or non-positive values draw no bar
  std::string value_text;  // printed after the bar; empty = the value formatted
  int group = 0;
};

struct BarChart {
  std::string title;
  std::string subtitle;
  std::string value_label;  // value axis label with its unit, e.g. "decode speed (tok/s)"
  AxisScale scale = AxisScale::linear;  // linear or log10
  std::vector<Bar> bars;    // drawn top to bottom in this order
  std::vector<std::string> group_names;  // legend; shown when more than one group is used
  std::string footnote;
};

/// A point without a value (e.g. a length that does not run): a gap in its line, no marker.
inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct Point {
  double x = 0;
  double y = 0;  // kNoValue (or any value the axis cannot show): a gap
  bool open = false;  // drawn as a hollow marker (e.g. "does not fit"); the footnote explains it
};

struct Series {
  std::string name;  // legend text
  std::vector<Point> points;
  bool right_axis = false;  // plotted against the right-hand y axis
  bool dashed = false;
};

struct Axis {
  std::string label;  // with its unit, e.g. "context (tokens)"
  AxisScale scale = AxisScale::linear;
};

struct LineChart {
  std::string title;
  std::string subtitle;
  Axis x;
  Axis y;        // left
  Axis y_right;  // used only when a series has right_axis
  std::vector<Series> series;
  std::string footnote;
};

/// A complete SVG document.
[[nodiscard]] std::string render(const BarChart& chart);
[[nodiscard]] std::string render(const LineChart& chart);

/// Text safe inside XML content and double-quoted attributes: & < > " ' become entities, control
/// characters XML 1.0 forbids are dropped and invalid UTF-8 bytes become U+FFFD.
[[nodiscard]] std::string escape_xml(std::string_view text);

/// Tick positions covering [low, high]: "nice" steps of 1, 2 or 5 x 10^k for linear axes (Heckbert,
/// "Nice numbers for graph labels", Graphics Gems, 1990), powers of two or ten for log axes.
[[nodiscard]] std::vector<double> axis_ticks(double low, double high, AxisScale scale, int max_ticks = 7);
/// A short tick label: 0.5, 12, 1.5k, 2M; binary prefixes (1k = 1024) on log2 axes.
[[nodiscard]] std::string format_tick(double value, AxisScale scale);
/// A value as printed next to a bar or in a tooltip: three significant figures, thousands grouped.
[[nodiscard]] std::string format_value(double value);

}  // namespace llmfit::svg
