#include "llmfit/report/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace llmfit::svg {
namespace {

// Colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008), with grey third so that a
// "does not fit" group reads as muted.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#999999", "#009E73",
                                    "#D55E00", "#CC79A7", "#56B4E9", "#000000"};
constexpr int kPaletteSize = static_cast<int>(sizeof(kPalette) / sizeof(kPalette[0]));

constexpr double kWidth = 860;
constexpr double kCharWidth = 6.8;  // average advance of a 12 px sans-serif glyph
constexpr const char* kGrid = "#dddddd";
constexpr const char* kInk = "#222222";
constexpr const char* kMuted = "#555555";

const char* colour(int index) {
  const int i = index < 0 ? 0 : index % kPaletteSize;
  return kPalette[i];
}

/// Coordinates with one decimal: enough for a screen, locale-independent (fmt).
std::string px(double value) {
  if (!std::isfinite(value)) value = 0;
  const double rounded = std::round(value * 10) / 10;
  return fmt::format("{:.1f}", rounded == 0 ? 0.0 : rounded);
}

double text_width(std::string_view text) {
  // Count code points, not bytes, so that "·" or "µ" take one glyph.
  double glyphs = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) glyphs += 1;
  return glyphs * kCharWidth;
}

bool usable(double value, AxisScale scale) {
  return std::isfinite(value) && (scale == AxisScale::linear || value > 0);
}

double transform(double value, AxisScale scale) {
  switch (scale) {
    case AxisScale::log2: return std::log2(value);
    case AxisScale::log10: return std::log10(value);
    case AxisScale::linear: break;
  }
  return value;
}

/// Maps data values onto pixels between two tick-aligned ends.
struct Mapper {
  AxisScale scale = AxisScale::linear;
  double low = 0;
  double high = 1;
  double pixel_low = 0;
  double pixel_high = 1;

  [[nodiscard]] double operator()(double value) const {
    const double t0 = transform(low, scale);
    const double t1 = transform(high, scale);
    double share = t1 > t0 ? (transform(value, scale) - t0) / (t1 - t0) : 0.0;
    share = std::clamp(share, 0.0, 1.0);
    return pixel_low + share * (pixel_high - pixel_low);
  }
};

double nice_number(double range, bool round) {
  const double exponent = std::floor(std::log10(range));
  const double fraction = range / std::pow(10.0, exponent);
  double nice = 10;
  if (round)
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * std::pow(10.0, exponent);
}

std::string group_thousands(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

void open_document(std::string& out, double width, double height, const std::string& title,
                   const std::string& subtitle) {
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\">\n",
      px(width), px(height));
  out += "<title>" + escape_xml(title) + "</title>\n";
  if (!subtitle.empty()) out += "<desc>" + escape_xml(subtitle) + "</desc>\n";
  out += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", px(width), px(height));
  out += fmt::format("<text x=\"16\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"{}\">{}</text>\n", kInk,
                     escape_xml(title));
  if (!subtitle.empty())
    out += fmt::format("<text x=\"16\" y=\"42\" fill=\"{}\">{}</text>\n", kMuted, escape_xml(subtitle));
}

void text(std::string& out, double x, double y, std::string_view anchor, const std::string& content,
          const char* fill = kInk) {
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\" fill=\"{}\">{}</text>\n", px(x), px(y), anchor, fill,
                     escape_xml(content));
}

/// Tick-aligned domain covering the usable values (at least one unit wide).
std::vector<double> domain_ticks(std::vector<double> values, AxisScale scale, bool from_zero) {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  for (double v : values) {
    if (!usable(v, scale)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (!std::isfinite(low)) {
    low = scale == AxisScale::linear ? 0 : 1;
    high = scale == AxisScale::linear ? 1 : 10;
  }
  if (scale == AxisScale::linear && from_zero) {
    low = std::min(low, 0.0);
    high = std::max(high, 0.0);
  }
  return axis_ticks(low, high, scale);
}

}  // namespace

std::string escape_xml(std::string_view input) {
  std::string out;
  out.reserve(input.size() + 16);
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  const std::size_t size = input.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char c = bytes[i];
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
          // XML 1.0 allows only tab, newline and carriage return below 0x20.
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (RFC 3629), excluding surrogates and U+FFFE/U+FFFF (not XML chars).
    std::size_t length = 0;
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) second_low = 0xA0;
      if (c == 0xED) second_high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) second_low = 0x90;
      if (c == 0xF4) second_high = 0x8F;
    }
    bool valid = length > 0 && i + length <= size;
    for (std::size_t k = 1; valid && k < length; ++k) {
      const unsigned char b = bytes[i + k];
      valid = k == 1 ? (b >= second_low && b <= second_high) : (b >= 0x80 && b <= 0xBF);
    }
    if (valid && length == 3 && c == 0xEF && bytes[i + 1] == 0xBF && (bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF))
      valid = false;
    if (valid) {
      out.append(input.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD replacement character
      ++i;
    }
  }
  return out;
}

std::vector<double> axis_ticks(double low, double high, AxisScale scale, int max_ticks) {
  max_ticks = std::max(2, max_ticks);
  std::vector<double> ticks;
  if (!std::isfinite(low) || !std::isfinite(high)) return {0, 1};
  if (low > high) std::swap(low, high);
  if (scale != AxisScale::linear) {
    if (!(high > 0)) return {1, 10};
    if (!(low > 0)) low = high / 1000;
    const double base = scale == AxisScale::log2 ? 2.0 : 10.0;
    const auto first = static_cast<int>(std::floor(transform(low, scale) + 1e-9));
    auto last = static_cast<int>(std::ceil(transform(high, scale) - 1e-9));
    if (last <= first) last = first + 1;
    // Keep the labels readable: every power up to 12 ticks, else every second or third.
    const int stride = std::max(1, (last - first + 11) / 12);
    for (int e = first; e < last + stride; e += stride) ticks.push_back(std::pow(base, e));
    return ticks;
  }
  if (high - low < 1e-12) {
    const double pad = low == 0 ? 1.0 : std::abs(low) * 0.1;
    low -= low == 0 ? 0 : pad;
    high += pad;
  }
  const double range = nice_number(high - low, false);
  const double step = nice_number(range / (max_ticks - 1), true);
  const double start = std::floor(low / step + 1e-9) * step;
  const double end = std::ceil(high / step - 1e-9) * step;
  // Round each tick to the step's decimals so that 0.1 x 6 prints and compares as 0.6.
  const double decimals = std::pow(10.0, std::max(0.0, -std::floor(std::log10(step))));
  for (int i = 0; start + i * step <= end + step * 0.5; ++i) {
    const double v = std::round((start + i * step) * decimals) / decimals;
    ticks.push_back(v == 0 ? 0.0 : v);
  }
  if (ticks.size() < 2) ticks.push_back(start + step);
  return ticks;
}

std::string format_tick(double value, AxisScale scale) {
  if (!std::isfinite(value)) return "";
  if (value == 0) return "0";
  if (scale == AxisScale::log2 && value >= 1024 && std::fmod(value, 1024) == 0) {
    if (value >= 1048576 && std::fmod(value, 1048576) == 0) return fmt::format("{:g}M", value / 1048576);
    return fmt::format("{:g}k", value / 1024);
  }
  const double magnitude = std::abs(value);
  if (magnitude >= 1e12) return fmt::format("{:.3g}T", value / 1e12);
  if (magnitude >= 1e9) return fmt::format("{:.3g}G", value / 1e9);
  if (magnitude >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (magnitude >= 1e3) return fmt::format("{:.3g}k", value / 1e3);
  return fmt::format("{:.3g}", value);
}

std::string format_value(double value) {
  if (!std::isfinite(value)) return "n/a";
  const double magnitude = std::abs(value);
  if (magnitude >= 1e15) return fmt::format("{:.3g}", value);
  if (magnitude >= 100) return group_thousands(static_cast<std::int64_t>(std::llround(value)));
  if (magnitude >= 10) return fmt::format("{:.1f}", value);
  if (magnitude >= 1) return fmt::format("{:.2f}", value);
  if (magnitude == 0) return "0";
  return fmt::format("{:.3g}", value);
}

std::string render(const BarChart& chart) {
  const AxisScale scale = chart.scale == AxisScale::log10 ? AxisScale::log10 : AxisScale::linear;
  double widest_label = 0;
  double widest_value = 0;
  std::vector<double> values;
  std::vector<bool> group_used;
  for (const Bar& bar : chart.bars) {
    widest_label = std::max(widest_label, text_width(bar.label));
    widest_value = std::max(widest_value, text_width(bar.value_text.empty() ? format_value(bar.value) : bar.value_text));
    values.push_back(bar.value);
    const auto g = static_cast<std::size_t>(std::max(0, bar.group));
    if (group_used.size() <= g) group_used.resize(g + 1, false);
    group_used[g] = true;
  }
  const long groups_shown = std::count(group_used.begin(), group_used.end(), true);
  const bool legend = groups_shown > 1 && !chart.group_names.empty();

  const double plot_left = std::clamp(widest_label + 24, 80.0, 320.0);
  const double plot_right = kWidth - std::clamp(widest_value + 24, 60.0, 200.0);
  const double plot_top = legend ? 78 : (chart.subtitle.empty() ? 40 : 56);
  constexpr double kRow = 22;
  constexpr double kBar = 15;
  const double plot_bottom = plot_top + std::max<double>(1, static_cast<double>(chart.bars.size())) * kRow + 6;
  const double height = plot_bottom + (chart.footnote.empty() ? 52 : 72);

  std::string out;
  open_document(out, kWidth, height, chart.title, chart.subtitle);

  if (legend) {
    double x = 16;
    for (std::size_t g = 0; g < group_used.size(); ++g) {
      if (!group_used[g] || g >= chart.group_names.size()) continue;
      out += fmt::format("<rect x=\"{}\" y=\"54\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", px(x),
                         colour(static_cast<int>(g)));
      text(out, x + 17, 64, "start", chart.group_names[g]);
      x += 17 + text_width(chart.group_names[g]) + 22;
    }
  }

  const std::vector<double> ticks = domain_ticks(values, scale, true);
  const Mapper map{scale, ticks.front(), ticks.back(), plot_left, plot_right};
  out += "<g class=\"grid\">\n";
  for (double tick : ticks) {
    const double x = map(tick);
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\n", px(x), px(plot_top),
                       px(plot_bottom), kGrid);
    text(out, x, plot_bottom + 16, "middle", format_tick(tick, scale), kMuted);
  }
  out += "</g>\n";
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\"/>\n", px(plot_left),
                     px(plot_bottom), px(plot_right), kInk);
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\n", px(plot_left),
                     px(plot_top), px(plot_bottom), kInk);
  text(out, (plot_left + plot_right) / 2, plot_bottom + 36, "middle", chart.value_label);

  out += "<g class=\"bars\">\n";
  for (std::size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& bar = chart.bars[i];
    const double row_top = plot_top + static_cast<double>(i) * kRow + (kRow - kBar) / 2 + 3;
    const double centre = row_top + kBar / 2;
    const std::string shown = bar.value_text.empty() ? format_value(bar.value) : bar.value_text;
    text(out, plot_left - 8, centre + 4, "end", bar.label);
    double end = plot_left;
    if (usable(bar.value, scale) && bar.value > 0) {
      end = map(bar.value);
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n",
                         px(plot_left), px(row_top), px(std::max(1.0, end - plot_left)), px(kBar),
                         colour(bar.group), escape_xml(bar.label + ": " + shown));
    }
    text(out, end + 6, centre + 4, "start", shown);
  }
  out += "</g>\n";
  if (!chart.footnote.empty()) text(out, 16, plot_bottom + 60, "start", chart.footnote, kMuted);
  out += "</svg>\n";
  return out;
}

std::string render(const LineChart& chart) {
  bool has_right = false;
  std::vector<double> xs;
  std::vector<double> ys_left;
  std::vector<double> ys_right;
  for (const Series& s : chart.series) {
    has_right = has_right || s.right_axis;
    for (const Point& p : s.points) {
      if (!usable(p.x, chart.x.scale)) continue;
      xs.push_back(p.x);
      if (usable(p.y, s.right_axis ? chart.y_right.scale : chart.y.scale))
        (s.right_axis ? ys_right : ys_left).push_back(p.y);
    }
  }
  const double plot_left = 80;
  const double plot_right = kWidth - (has_right ? 80 : 30);
  const double plot_top = chart.subtitle.empty() ? 44 : 60;
  const double plot_bottom = plot_top + 320;
  const double height = plot_bottom + (chart.footnote.empty() ? 84 : 104);

  std::string out;
  open_document(out, kWidth, height, chart.title, chart.subtitle);

  const std::vector<double> x_ticks = domain_ticks(xs, chart.x.scale, false);
  const Mapper map_x{chart.x.scale, x_ticks.front(), x_ticks.back(), plot_left, plot_right};
  const std::vector<double> y_ticks = domain_ticks(ys_left, chart.y.scale, true);
  const Mapper map_y{chart.y.scale, y_ticks.front(), y_ticks.back(), plot_bottom, plot_top};
  std::vector<double> y2_ticks;
  Mapper map_y2 = map_y;
  if (has_right) {
    y2_ticks = domain_ticks(ys_right, chart.y_right.scale, true);
    map_y2 = Mapper{chart.y_right.scale, y2_ticks.front(), y2_ticks.back(), plot_bottom, plot_top};
  }

  out += "<g class=\"grid\">\n";
  for (double tick : x_ticks) {
    const double x = map_x(tick);
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\n", px(x), px(plot_top),
                       px(plot_bottom), kGrid);
    text(out, x, plot_bottom + 16, "middle", format_tick(tick, chart.x.scale), kMuted);
  }
  for (double tick : y_ticks) {
    const double y = map_y(tick);
    out += fmt::format("<line x1=\"{1}\" y1=\"{0}\" x2=\"{2}\" y2=\"{0}\" stroke=\"{3}\"/>\n", px(y), px(plot_left),
                       px(plot_right), kGrid);
    text(out, plot_left - 6, y + 4, "end", format_tick(tick, chart.y.scale), kMuted);
  }
  for (double tick : y2_ticks) text(out, plot_right + 6, map_y2(tick) + 4, "start", format_tick(tick, chart.y_right.scale), kMuted);
  out += "</g>\n";

  // Axes and their labels.
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\"/>\n",
                     px(plot_left), px(plot_top), px(plot_right - plot_left), px(plot_bottom - plot_top), kInk);
  text(out, (plot_left + plot_right) / 2, plot_bottom + 38, "middle", chart.x.label);
  const double middle = (plot_top + plot_bottom) / 2;
  out += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" fill=\"{2}\" transform=\"rotate(-90 {0} {1})\">{3}</text>\n",
                     px(22), px(middle), kInk, escape_xml(chart.y.label));
  if (has_right)
    out += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" fill=\"{2}\" transform=\"rotate(90 {0} {1})\">{3}</text>\n",
                       px(kWidth - 18), px(middle), kInk, escape_xml(chart.y_right.label));

  // Series: a line through each run of usable points (a point without a value is a gap, never a drop
  // to 0), a marker with a tooltip on each.
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const AxisScale y_scale = s.right_axis ? chart.y_right.scale : chart.y.scale;
    const Mapper& map_s = s.right_axis ? map_y2 : map_y;
    const char* stroke = colour(static_cast<int>(i));
    std::vector<std::string> segments(1);
    std::string markers;
    for (const Point& p : s.points) {
      if (!usable(p.x, chart.x.scale) || !usable(p.y, y_scale)) {
        if (!segments.back().empty()) segments.emplace_back();
        continue;
      }
      const double x = map_x(p.x);
      const double y = map_s(p.y);
      std::string& points = segments.back();
      if (!points.empty()) points += ' ';
      points += px(x);
      points += ',';
      points += px(y);
      markers += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\">"
                             "<title>{}</title></circle>\n",
                             px(x), px(y), p.open ? "#ffffff" : stroke, stroke,
                             escape_xml(fmt::format("{}: {} at {}", s.name, format_value(p.y), format_value(p.x))));
    }
    out += fmt::format("<g class=\"series\" data-name=\"{}\">\n", escape_xml(s.name));
    for (const std::string& points : segments)
      if (!points.empty())
        out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", points,
                           stroke, s.dashed ? " stroke-dasharray=\"6 4\"" : "");
    out += markers;
    out += "</g>\n";
  }

  // Legend below the x-axis label.
  double x = plot_left;
  const double legend_y = plot_bottom + 62;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const std::string name = s.name + (s.right_axis ? " (right axis)" : "");
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", px(x),
                       px(legend_y - 4), px(x + 22), px(legend_y - 4), colour(static_cast<int>(i)),
                       s.dashed ? " stroke-dasharray=\"6 4\"" : "");
    text(out, x + 28, legend_y, "start", name);
    x += 28 + text_width(name) + 24;
  }
  if (!chart.footnote.empty()) text(out, 16, plot_bottom + 88, "start", chart.footnote, kMuted);
  out += "</svg>\n";
  return out;
}

}  // namespace llmfit::svg
