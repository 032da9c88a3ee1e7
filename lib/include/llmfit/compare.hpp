#pragma once
/// compare: one model ranked across machines (fit, speed, headroom, value).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/scenario.hpp"

namespace llmfit {

struct CompareRow {
  ResolvedQuery resolved;
  std::string label;  // hardware_label
  Prediction prediction;
  double headroom_bytes = 0;  // usable minus needed; negative when it does not fit
  double price_usd = 0;       // 0 = unknown
  double power_w = 0;         // 0 = unknown
  double tok_s_per_usd = 0;   // decode tok/s per dollar; 0 = no price, or it does not run at all
  double tok_s_per_watt = 0;  // decode tok/s per watt of tdp_w; 0 = no power figure, or it does not run
};

/// Evaluates one scenario. Pure and independent of every other row: safe to run rows concurrently.
[[nodiscard]] CompareRow evaluate_compare_row(const ResolvedQuery& resolved);
/// Below this many rows one thread finishes before a second would start (a row is one predict()).
inline constexpr std::size_t kCompareRowsPerExtraThread = 64;
/// Threads evaluate_compare_rows uses for `rows` rows: `requested` when non-zero, else (0 = automatic)
/// one per 64 rows up to every core.
[[nodiscard]] unsigned compare_threads(std::size_t rows, unsigned requested) noexcept;
/// Evaluates every scenario, on `threads` threads (0 = automatic): result i belongs to scenarios[i],
/// and the rows are identical whatever the number of threads.
[[nodiscard]] std::vector<CompareRow> evaluate_compare_rows(const std::vector<ResolvedQuery>& scenarios,
                                                            unsigned threads = 0);
/// Ranking: runs fully on the accelerator, then with CPU offload, then not at all; within each, by
/// decode tok/s (fastest first), then by label. Deterministic.
void rank_compare_rows(std::vector<CompareRow>& rows);

/// Scenarios of one model (base.model and the other base fields) on each named hardware (`id[:count]`).
struct CompareScenarios {
  std::vector<ResolvedQuery> resolved;
  std::vector<std::string> skipped;  // "<id>: <reason>" (only when skip_incompatible)
};
/// Resolves `base` once per hardware name. Unknown ids always throw InputError (with a suggestion);
/// with skip_incompatible, hardware that cannot run the model's format (MLX weights on a GPU) is
/// listed in `skipped` instead of failing the whole comparison.
[[nodiscard]] CompareScenarios resolve_compare_scenarios(const Catalog& catalog, const Query& base,
                                                         const std::vector<std::string>& hardware,
                                                         bool skip_incompatible, const EfficiencyProfile& profile);

}  // namespace llmfit
