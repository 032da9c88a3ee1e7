#pragma once
/// fit: which models and quantisations fit on one machine, and how fast.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/scenario.hpp"

namespace llmfit {

struct QuantCandidate {
  const QuantSpec* quant = nullptr;
  Backend backend = Backend::llama_cpp;
  Prediction prediction;
  int measured_runs = 0;       // runs behind the efficiency constants used (kMeasuredRunsField; 0 = literature)
  bool meets_speed = false;    // decode_tok_s >= the requested minimum
  bool meets_quality = true;   // quality loss within the floor (FitSearchOptions::max_ppl_increase_pct)

  /// Counts as fitting: fully on the accelerator with the safety margin kept, fast enough, good enough.
  [[nodiscard]] bool qualifies() const noexcept {
    return quant != nullptr && prediction.in_range && prediction.fit.fits && meets_speed && meets_quality;
  }
};

/// Quality losses this close (percentage points of perplexity increase) count as equal: the llama.cpp
/// scoreboard the quant table comes from gives PPL 6.77 +/- 0.04 (0.6 %), so 0.1 points is well inside
/// what it resolves (Q8_0's 0.004 % is no reason to pick F16 at half the speed).
inline constexpr double kDefaultQualityTolerancePct = 0.1;
/// The quality floor: quantisations that raise perplexity by more than this (percent over 16-bit weights)
/// are not offered unless asked for. 10 % keeps Q3_K_M (+10.1 %), Q2_K (+57 %) and MLX 3-bit (+28 %) out: on
/// the llama.cpp scoreboard the quant table comes from, that is where answers start to degrade visibly.
inline constexpr double kDefaultMaxPplIncreasePct = 10.0;

/// A tie in quality, broken before speed: `candidate` gives way to `other` when both record the same nonzero
/// quality figure in the same file format and kernel family and `other` keeps the layers every token reads
/// (attention, dense and shared FFNs: QuantSpec::bits_per_weight, routed experts apart) at more bits. Such a
/// tie is one figure standing for two formats (a mix borrows the plain format's figure, an upper bound for
/// it): the mix that spends its bits on those layers, with the same blocks elsewhere, has the lower loss
/// (Unsloth's published KL divergence of its dynamic UD mixes is below the plain quant of the same name,
/// unsloth.ai/docs/basics/unsloth-dynamic-2.0-ggufs; plain 1.58-bit DeepSeek-R1 loops and emits gibberish
/// where UD-IQ1_S, whose file is smaller, does not, unsloth.ai/blog/deepseekr1-dynamic). A figure of 0
/// (lossless) is a true tie: more bits cannot lower it, so F16 does not give way to F32.
[[nodiscard]] bool quality_tie_gives_way(const QuantCandidate& candidate, const QuantCandidate& other) noexcept;

/// Index of the best candidate among those that qualify (QuantCandidate::qualifies): of those within
/// `quality_tolerance_pct` of the smallest quality loss (QuantSpec::quality_ppl_increase_pct) that give way
/// to no other in a quality tie (quality_tie_gives_way), the fastest decode; ties in speed go to catalogue
/// order. nullopt when none qualifies.
[[nodiscard]] std::optional<std::size_t> choose_best_quant(const std::vector<QuantCandidate>& candidates,
                                                           double quality_tolerance_pct = kDefaultQualityTolerancePct);

struct ModelFit {
  const ModelSpec* model = nullptr;
  std::int64_t context_tokens = 0;       // KV cache allocated for the verdict
  std::vector<QuantCandidate> candidates;  // every quantisation the hardware's engines can load
  std::optional<std::size_t> best;

  [[nodiscard]] const QuantCandidate& best_candidate() const { return candidates.at(best.value()); }
};

struct FitSearchOptions {
  Query base;  // hardware (required), backend, kv_type, context_tokens, prompt_tokens, memory, host
  double min_decode_tok_s = 0;
  double quality_tolerance_pct = kDefaultQualityTolerancePct;
  double max_ppl_increase_pct = kDefaultMaxPplIncreasePct;  // the quality floor
  std::vector<std::string> model_ids;  // only these models (a --model-file model); empty = every model
};

struct FitSearchResult {
  std::string hardware_label;
  std::int64_t requested_context = 0;  // 0 = default per model (8192 or the model's maximum)
  double quality_tolerance_pct = kDefaultQualityTolerancePct;
  double max_ppl_increase_pct = kDefaultMaxPplIncreasePct;
  FitMargin margin;                    // the safety margin the verdicts kept
  std::vector<ModelFit> models;        // models with a best quantisation
  std::vector<ModelFit> rejected;      // models with no quantisation that qualifies
  std::vector<std::string> skipped;    // "<model>: <reason>" (context beyond the model's maximum, engine refusal)
};

/// Tries every catalogue model in every quantisation the hardware can run. MXFP4 (a format models are
/// trained in, recorded with no quality loss) is tried only for models that ship in it.
[[nodiscard]] FitSearchResult fit_search(const Catalog& catalog, const FitSearchOptions& options,
                                         const EfficiencyProfile& profile);

enum class FitSort { speed, quality, size, context };
template <>
struct NameTable<FitSort> {
  static constexpr std::array<std::pair<FitSort, std::string_view>, 4> entries{
      {{FitSort::speed, "speed"}, {FitSort::quality, "quality"}, {FitSort::size, "size"}, {FitSort::context, "context"}}};
};
[[nodiscard]] inline std::optional<FitSort> parse_fit_sort(std::string_view text) noexcept {
  return parse_enum_name<FitSort>(text);
}
[[nodiscard]] constexpr std::string_view to_string(FitSort sort) noexcept { return enum_name(sort); }
/// speed: decode tok/s, fastest first; quality: smallest quality loss, then largest model; size:
/// largest model (total parameters) first; context: largest context that fits first. Ties: faster,
/// then model id.
void sort_model_fits(std::vector<ModelFit>& fits, FitSort sort);

}  // namespace llmfit
