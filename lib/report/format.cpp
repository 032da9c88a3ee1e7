// Numbers as people read them (format.hpp).
#include "llmfit/report/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "llmfit/units.hpp"

namespace llmfit {

std::string format_gb(double bytes) {
  const double value = units::bytes_to_gb(bytes);
  if (!std::isfinite(value)) return "out of range";
  if (std::abs(value) >= 100) return fmt::format("{:.0f} GB", value);
  if (std::abs(value) >= 0.095) return fmt::format("{:.1f} GB", value);
  return fmt::format("{:.0f} MB", value * 1000);
}

std::string format_rate(double per_second) {
  if (!std::isfinite(per_second) || per_second < 0) return "out of range";
  if (per_second >= 1e15) return fmt::format("{:.3g}", per_second);  // beyond llround's exact range
  if (per_second >= 1000) return with_thousands(static_cast<std::int64_t>(std::llround(per_second / 10) * 10));
  if (per_second >= 100) return fmt::format("{:.0f}", per_second);
  if (per_second >= 10) return fmt::format("{:.1f}", per_second);
  return fmt::format("{:.2f}", per_second);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "out of range";
  if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1000);
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  if (seconds < 3600) return fmt::format("{:.1f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

std::string unicode_bar(double value, double full_scale, int width) {
  static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  if (!(full_scale > 0) || !(value > 0) || width <= 0) return "";
  const double cells = std::min(1.0, value / full_scale) * width;
  const int full = static_cast<int>(cells);
  const int eighths = static_cast<int>((cells - full) * 8);
  std::string bar;
  for (int i = 0; i < full; ++i) bar += "█";
  if (full < width && eighths > 0) bar += kEighths[eighths];
  if (bar.empty()) bar = "▏";
  return bar;
}

}  // namespace llmfit
