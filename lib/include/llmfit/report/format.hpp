#pragma once
/// The output formats, and numbers as people read them in the terminal: gigabytes, rates, durations, bars.
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "llmfit/names.hpp"
#include "llmfit/text.hpp"

namespace llmfit {

/// What a renderer writes: text for people (aligned tables, bar charts), JSON (the schemas in docs/json.md and
/// docs/commands.md), CSV (RFC 4180) or a markdown table.
enum class Format { text, json, csv, markdown };
template <>
struct NameTable<Format> {
  static constexpr std::array<std::pair<Format, std::string_view>, 4> entries{
      {{Format::text, "text"}, {Format::json, "json"}, {Format::csv, "csv"}, {Format::markdown, "markdown"}}};
};
/// A tool with rows writes every format; a document of one result, text and JSON.
inline constexpr std::array<Format, 4> kTableFormats{Format::text, Format::json, Format::csv, Format::markdown};
inline constexpr std::array<Format, 2> kDocumentFormats{Format::text, Format::json};

/// Bytes as decimal gigabytes with sensible precision ("17.3 GB").
[[nodiscard]] std::string format_gb(double bytes);
/// A speed with 3 significant figures ("48.1", "612", "12,300").
[[nodiscard]] std::string format_rate(double per_second);
/// Seconds as "850 ms", "1.2 s", "3.4 min".
[[nodiscard]] std::string format_duration(double seconds);
/// A unicode bar `width` cells long at full scale (eighth-block resolution).
[[nodiscard]] std::string unicode_bar(double value, double full_scale, int width);

}  // namespace llmfit
