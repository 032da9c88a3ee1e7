#pragma once
/// recommend: the buyer's four questions (budget, team size, model needs, portability).
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

struct RecommendOptions {
  double budget_usd = 0;
  int users = 1;
  double model_size_b = 0;           // wanted size in billions of parameters (yardstick choice)
  std::string model;                 // explicit yardstick model id; overrides model_size_b
  std::string quant = "q4_k_m";      // a sensible quantisation for the yardstick
  bool portable = false;             // laptops only
  double min_tok_s_per_user = 10;    // about twice reading speed (Brysbaert 2019: ~238 words/min)
  std::int64_t context_tokens = 0;   // per user; 0 = 8192 or the model's maximum
  int max_devices_per_box = 4;       // GPUs: 2…N cards in one box when fewer do not hold the model
  std::size_t top = 5;
};

struct Recommendation {
  ResolvedQuery resolved;
  std::string label;
  Prediction prediction;  // at batch = users
  double price_usd = 0;
  bool meets_all = false;  // fits fully, fast enough per user, within budget, portable if asked
  std::vector<std::string> reasons;   // why it is on the list, with the numbers
  std::vector<std::string> concerns;  // what falls short
};

struct RecommendResult {
  const ModelSpec* yardstick = nullptr;
  const QuantSpec* quant = nullptr;
  std::string yardstick_reason;
  std::vector<Recommendation> shortlist;  // best first, at most `top`
  int candidates_considered = 0;
  int candidates_meeting_all = 0;  // not counting the dominated ones
  int candidates_dominated = 0;    // met every requirement, but another was faster and cheaper
};

/// "30b", "30B", "1.5b", "500m", "70" (billions when no suffix). Throws InputError.
[[nodiscard]] double parse_model_size_b(std::string_view text);
/// The dense catalogue model closest to size_b in log ratio (dense: the demanding case; an MoE of the
/// same size decodes faster). Ties go to the first in catalogue order.
[[nodiscard]] const ModelSpec* yardstick_model(const Catalog& catalog, double size_b);
[[nodiscard]] RecommendResult recommend(const Catalog& catalog, const RecommendOptions& options,
                                        const EfficiencyProfile& profile);

}  // namespace llmfit
