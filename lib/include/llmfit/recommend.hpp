#pragma once
/// recommend: the buyer's four questions (budget, team size, model needs, portability).
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
#include "llmfit/names.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/scenario.hpp"

namespace llmfit {

struct RecommendOptions {
  double budget_usd = 0;
  int users = 1;
  double model_size_b = 0;           // wanted size in billions of parameters (yardstick choice)
  std::string model;                 // explicit model (with its quantisation, else the model's own); overrides model_size_b
  bool portable = false;             // laptops only
  double min_tok_s_per_user = 10;    // about twice reading speed (Brysbaert 2019: ~238 words/min)
  std::int64_t context_tokens = 0;   // per user; 0 = 8192 or the model's maximum
  /// Each user's requests: the scenario's prompt with prompt / ratio generated tokens (serve_users).
  double prompt_tokens_per_output_token = kDefaultPromptTokensPerOutputToken;
  int max_devices_per_box = 4;       // GPUs: 2…N cards in one box when fewer do not hold the model
  /// The computer that holds graphics cards (CPU, board, RAM, power supply, case), added to each GPU
  /// configuration; absent: the price_usd of the GPU's host entry (default_host), if it has one.
  std::optional<double> host_price_usd;
  std::size_t top = 5;
};

/// What a configuration's price covers: a whole computer (a unified-memory machine, or graphics cards
/// with the host that holds them), or graphics cards alone (no host price known: ranked only against
/// other cards).
enum class PriceScope { system, cards_only };
template <>
struct NameTable<PriceScope> {
  static constexpr std::array<std::pair<PriceScope, std::string_view>, 2> entries{
      {{PriceScope::system, "system"}, {PriceScope::cards_only, "cards_only"}}};
};
[[nodiscard]] constexpr std::string_view to_string(PriceScope scope) noexcept { return enum_name(scope); }

struct Recommendation {
  ResolvedQuery resolved;
  std::string label;
  Prediction prediction;  // at batch = users: the memory fit (and the step's own decode rate)
  ServingLoad serving;    // the users' closed loop (serve_users): per-user and aggregate speed
  double price_usd = 0;          // what is weighed against the budget: devices, plus the host when scope is system
  double devices_price_usd = 0;  // count x the price of the device at memory_gib
  double host_price_usd = 0;     // the host computer of graphics cards (0: none counted)
  const HardwareSpec* host = nullptr;  // graphics cards: the CPU/RAM entry that holds them
  double memory_gib = 0;               // the capacity priced and predicted
  PriceScope price_scope = PriceScope::system;
  bool meets_all = false;  // fits fully, fast enough per user, within budget, portable if asked
  std::vector<std::string> reasons;   // why it is on the list, with the numbers
  std::vector<std::string> concerns;  // what falls short
};

struct RecommendResult {
  const ModelSpec* yardstick = nullptr;
  const QuantSpec* quant = nullptr;  // as named, or the model's default (an engine may run its GGUF build)
  bool quant_is_default = false;
  std::string yardstick_reason;
  std::string host_pricing;                 // how graphics cards were priced, for the report
  std::vector<Recommendation> shortlist;    // whole systems, best first, at most `top`
  std::vector<Recommendation> cards_only;   // graphics cards without a host price, best first, at most `top`
  std::vector<std::string> skipped;         // "<label>: <why an engine cannot run it>"
  int candidates_considered = 0;
  int candidates_meeting_all = 0;  // not counting the dominated ones
  int candidates_dominated = 0;    // met every requirement, but another of the same scope was faster and cheaper
};

/// "30b", "30B", "1.5b", "500m", "70" (billions when no suffix). Throws InputError.
[[nodiscard]] double parse_model_size_b(std::string_view text);
/// The dense catalogue model closest to size_b in log ratio (dense: the demanding case; an MoE of the
/// same size decodes faster). Ties go to the first in catalogue order.
[[nodiscard]] const ModelSpec* yardstick_model(const Catalog& catalog, double size_b);
/// A capacity of a product with its price.
struct PricedCapacity {
  double memory_gib = 0;
  double price_usd = 0;
};
/// The capacities of `hardware` with a known price (memory_prices_usd; price_usd for the default capacity),
/// cheapest first; empty when the entry has no price.
[[nodiscard]] std::vector<PricedCapacity> priced_capacities(const HardwareSpec& hardware);
[[nodiscard]] RecommendResult recommend(const Catalog& catalog, const RecommendOptions& options,
                                        const EfficiencyProfile& profile);

}  // namespace llmfit
