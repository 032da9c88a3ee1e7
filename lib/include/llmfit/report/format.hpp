#pragma once
/// Numbers as people read them in the terminal: gigabytes, rates, durations and bars.
#include <string>

#include "llmfit/text.hpp"

namespace llmfit {

/// Bytes as decimal gigabytes with sensible precision ("17.3 GB").
[[nodiscard]] std::string format_gb(double bytes);
/// A speed with 3 significant figures ("48.1", "612", "12,300").
[[nodiscard]] std::string format_rate(double per_second);
/// Seconds as "850 ms", "1.2 s", "3.4 min".
[[nodiscard]] std::string format_duration(double seconds);
/// A unicode bar `width` cells long at full scale (eighth-block resolution).
[[nodiscard]] std::string unicode_bar(double value, double full_scale, int width);

}  // namespace llmfit
