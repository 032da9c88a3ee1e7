#pragma once
/// Sweep results as CSV or JSON, produced in chunks so millions of rows never sit in one string.
#include <array>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/report/format.hpp"
#include "llmfit/sweep.hpp"

namespace llmfit {

/// A sweep is written as CSV (the default) or JSON; any other format is written as CSV.
inline constexpr std::array kSweepFormats{Format::csv, Format::json};

/// Receives the text in order, in chunks of about `kSweepChunkBytes`.
using TextSink = std::function<void(std::string_view chunk)>;
inline constexpr std::size_t kSweepChunkBytes = 1 << 20;

/// Writes a sweep as it is computed, a block of hardware entries at a time (run_sweep of a block):
/// the header at construction, then each block's evaluated points, then finish(). Contexts beyond a
/// model's maximum are left out. Columns: hardware, model, quant, context, verdict, offload, total_gb
/// (10^9 B), max_context, decode_tok_s, prefill_tok_s, ttft_s (speeds empty / null when out of range).
/// Numbers are the shortest text that reads back to the same float.
class SweepWriter {
 public:
  SweepWriter(const SweepPlan& plan, Format format, TextSink sink);
  /// The points of hardware entries from `hardware_first` on, `points.size()` / points_per_hardware() of them.
  void write_hardware(std::size_t hardware_first, std::span<const SweepPoint> points);
  /// Closes the document and hands over what is left.
  void finish();

 private:
  void flush(bool always);

  const SweepPlan& plan_;
  Format format_;
  TextSink sink_;
  std::vector<std::string> hardware_, models_, quants_;  // quoted for the format
  std::string out_;  // text not yet handed to the sink
  bool first_point_ = true;
};

/// The whole sweep at once: `points` from run_sweep(plan).
void write_sweep(const SweepPlan& plan, std::span<const SweepPoint> points, Format format, const TextSink& sink);

/// Evaluated points (those written).
[[nodiscard]] std::size_t evaluated_points(std::span<const SweepPoint> points) noexcept;

}  // namespace llmfit
