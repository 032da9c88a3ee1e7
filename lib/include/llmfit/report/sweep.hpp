#pragma once
/// Sweep results as CSV or JSON, produced in chunks so millions of rows never sit in one string.
#include <array>
#include <functional>
#include <span>
#include <string_view>

#include "llmfit/report/format.hpp"
#include "llmfit/sweep.hpp"

namespace llmfit {

/// A sweep is written as CSV (the default) or JSON; any other format is written as CSV.
inline constexpr std::array kSweepFormats{Format::csv, Format::json};

/// Receives the text in order, in chunks of about `kSweepChunkBytes`.
using TextSink = std::function<void(std::string_view chunk)>;
inline constexpr std::size_t kSweepChunkBytes = 1 << 20;

/// Writes the evaluated points of `points` (from run_sweep(plan)); contexts beyond a model's maximum
/// are left out. Columns: hardware, model, quant, context, verdict, offload, total_gb (10^9 B),
/// max_context, decode_tok_s, prefill_tok_s, ttft_s (speeds empty / null when out of range).
/// Numbers are the shortest text that reads back to the same float.
void write_sweep(const SweepPlan& plan, std::span<const SweepPoint> points, Format format, const TextSink& sink);

/// Evaluated points (those written).
[[nodiscard]] std::size_t evaluated_points(std::span<const SweepPoint> points) noexcept;

}  // namespace llmfit
