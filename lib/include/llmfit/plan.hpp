#pragma once
/// Planning tools over the performance model: ranking hardware for a model, searching the catalogue
/// for what fits, context and batch sweeps, clusters of separate machines, cost per token against a
/// cloud API, a buyer's shortlist and checks of published speed claims. Pure functions over the core
/// (predict.hpp, query.hpp): no I/O; formatting lives in plan_report.hpp.
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

/// "rtx-3090" or "rtx-3090:2": how a scenario's hardware is named in tables and JSON.
[[nodiscard]] std::string hardware_label(const Scenario& scenario);
/// Catalogue price of the scenario's devices (count x price_usd); 0 when the entry has no price.
[[nodiscard]] double scenario_price_usd(const Scenario& scenario) noexcept;
/// Catalogue power of the scenario's devices (count x tdp_w); 0 when not given.
[[nodiscard]] double scenario_power_w(const Scenario& scenario) noexcept;

// ---------------------------------------------------------------------------------------------
// compare: one model on many machines.

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

// ---------------------------------------------------------------------------------------------
// fit: which models and quantisations fit on one machine.

struct QuantCandidate {
  const QuantSpec* quant = nullptr;
  Backend backend = Backend::llama_cpp;
  Prediction prediction;
  bool meets_speed = false;  // decode_tok_s >= the requested minimum
};

/// Quality losses this close (percentage points of perplexity increase) count as equal: the llama.cpp
/// scoreboard the quant table comes from gives PPL 6.77 +/- 0.04 (0.6 %), so 0.1 points is well inside
/// what it resolves (Q8_0's 0.004 % is no reason to pick F16 at half the speed).
inline constexpr double kDefaultQualityTolerancePct = 0.1;

/// Index of the best candidate among those that run fully on the accelerator and meet the speed: the
/// fastest decode among those within `quality_tolerance_pct` of the smallest quality loss
/// (QuantSpec::quality_ppl_increase_pct); ties in speed go to catalogue order. nullopt when none qualifies.
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
  std::vector<std::string> model_ids;  // only these models (a --model-file model); empty = every model
};

struct FitSearchResult {
  std::string hardware_label;
  std::int64_t requested_context = 0;  // 0 = default per model (8192 or the model's maximum)
  double quality_tolerance_pct = kDefaultQualityTolerancePct;
  std::vector<ModelFit> models;        // models with a best quantisation
  std::vector<ModelFit> rejected;      // models with none that fits fully and meets the speed
  std::vector<std::string> skipped;    // "<model>: <reason>" (context beyond the model's maximum)
};

/// Tries every catalogue model in every quantisation the hardware can run. MXFP4 (a format models are
/// trained in, recorded with no quality loss) is tried only for models that ship in it.
[[nodiscard]] FitSearchResult fit_search(const Catalog& catalog, const FitSearchOptions& options,
                                         const EfficiencyProfile& profile);

enum class FitSort { speed, quality, size, context };
[[nodiscard]] std::optional<FitSort> parse_fit_sort(std::string_view text) noexcept;
[[nodiscard]] std::string_view to_string(FitSort sort) noexcept;
/// speed: decode tok/s, fastest first; quality: smallest quality loss, then largest model; size:
/// largest model (total parameters) first; context: largest context that fits first. Ties: faster,
/// then model id.
void sort_model_fits(std::vector<ModelFit>& fits, FitSort sort);

// ---------------------------------------------------------------------------------------------
// scale: speed over batch sizes (context sweeps are context_scaling in predict.hpp).

struct BatchPoint {
  int batch = 1;
  double per_sequence_tok_s = 0;  // what each user sees
  double aggregate_tok_s = 0;     // batch x per_sequence_tok_s
  bool compute_bound = false;     // FLOPs, not memory traffic, set the step time
  bool fits = false;              // weights + batch x KV fit on the accelerator
  double total_bytes = 0;         // memory needed at this batch
};

/// 1, 2, 4, … up to max_batch (and max_batch itself).
[[nodiscard]] std::vector<int> batch_ladder(int max_batch);
/// Decode over the batch ladder, stopping after the first compute-bound batch (aggregate speed barely
/// grows beyond it) or the first batch whose KV cache no longer fits (when batch 1 fits).
[[nodiscard]] std::vector<BatchPoint> batch_sweep(const Scenario& scenario, const EfficiencyConstants& constants,
                                                  int max_batch);
/// The memory verdict at each point of a context sweep (context_scaling says only whether it fits fully;
/// its speeds are CPU-offload speeds where layers spill, and what it would reach with enough memory
/// where it does not fit at all).
[[nodiscard]] std::vector<FitVerdict> context_verdicts(const Scenario& scenario, const EfficiencyConstants& constants,
                                                       const std::vector<ContextPoint>& points);
/// Largest number of concurrent sequences whose KV cache fits with the weights (0: not even one).
[[nodiscard]] int largest_batch_that_fits(const Scenario& scenario, const EfficiencyConstants& constants,
                                          int limit = 4096);

// ---------------------------------------------------------------------------------------------
// cluster: separate machines joined by a network link.

/// A link between machines: one-way latency of one small message through the software stack, and
/// the link's bandwidth. Sources in plan.cpp beside the table.
struct LinkSpec {
  std::string id;
  std::string name;
  double latency_us = 0;
  double bandwidth_gb_s = 0;  // 1e9 B/s
  std::string source;
};
[[nodiscard]] const std::vector<LinkSpec>& builtin_links();
/// A link by id (case-insensitive); throws InputError with a suggestion when unknown.
[[nodiscard]] const LinkSpec& link_or_throw(std::string_view id);

/// One machine of a cluster.
struct ClusterNodeSpec {
  const HardwareSpec* hardware = nullptr;
  double memory_gib = 0;  // 0 = the catalogue default
};
/// "m4-max-40c,m4-pro:2" or "m4-pro:4@64": comma-separated `id[:machines][@memory_gib]`. Throws
/// InputError (unknown id with a suggestion, bad count, bad memory).
[[nodiscard]] std::vector<ClusterNodeSpec> parse_cluster_nodes(const Catalog& catalog, std::string_view text);

/// exo's ring partition (exo-explore/exo, ring_memory_weighted_partitioning_strategy.py and
/// map_partitions_to_shards): machines ordered by memory, largest first (ties: input order); machine i
/// owns the share [start, end) of the model with end = round(start + memory_i / total, 5) and layers
/// int(start·L) … int(end·L) − 1; the last machine takes the remainder. Returns, in input order, the
/// first layer and the layer count of each machine (count 0: no layers).
struct LayerRange {
  int first = 0;
  int count = 0;
};
[[nodiscard]] std::vector<LayerRange> split_layers_by_memory(int layers, const std::vector<double>& memory_bytes);

struct ClusterStage {
  int node = 0;  // position in the input list
  std::string hardware_id;
  double memory_gib = 0;
  int first_layer = 0;
  int layer_count = 0;
  int ring_position = 0;           // order the activations visit the machines (0 = first)
  double available_bytes = 0;      // usable by the model (macOS GPU share on Apple)
  double weights_bytes = 0;
  double kv_cache_bytes = 0;
  double fixed_bytes = 0;          // compute buffer and runtime overhead
  double required_bytes = 0;       // sum of the three
  bool fits = false;
  double seconds_per_token = 0;    // this machine's part of one decode token
  Backend backend = Backend::llama_cpp;
};

struct TensorParallelEstimate {
  bool applicable = false;  // attention heads divide evenly over the machines
  std::string reason;       // why not, when not applicable
  bool fits = false;        // every machine holds its 1/N shard
  double per_node_required_bytes = 0;  // the largest shard with its KV and overheads
  double allreduce_seconds_per_token = 0;
  double compute_seconds_per_token = 0;  // slowest machine reading its shard, plus per-layer costs
  double seconds_per_token = 0;
  double decode_tok_s = 0;
};

struct ClusterPlan {
  std::vector<ClusterStage> stages;  // input order
  LinkSpec link;
  bool fits = false;                 // every machine holds its layers
  double total_memory_bytes = 0;     // pooled memory usable by the model (sum of available_bytes)
  double installed_memory_bytes = 0;
  double required_bytes = 0;
  int hops = 0;                      // link crossings per token (machines with layers; 0 for one)
  double activation_bytes = 0;       // one token's hidden state crossing a link (f16)
  double hop_seconds = 0;            // latency + activation_bytes / bandwidth
  double seconds_per_token = 0;      // sum of the stages + hops x hop_seconds
  double decode_tok_s = 0;
  TensorParallelEstimate tensor_parallel;
};

/// Pipeline (layer split) and tensor-parallel estimates for one model on separate machines, one
/// resolved scenario per machine (same model, quantisation, KV type and context). Batch 1.
[[nodiscard]] ClusterPlan plan_cluster(const std::vector<ResolvedQuery>& nodes, const LinkSpec& link);

// ---------------------------------------------------------------------------------------------
// cost: dollars per million generated tokens against a cloud API.

struct CostInputs {
  double price_usd = 0;                  // hardware, paid once
  double power_w = 0;                    // drawn while generating
  double decode_tok_s = 0;               // tokens generated per second of use (aggregate over a batch)
  double years = 3;                      // amortisation period
  double utilization = 0.25;             // share of the time spent generating
  double power_price_usd_per_kwh = 0.30;
  double api_usd_per_mtok = 3;           // cloud price per million output tokens
};

struct CostEstimate {
  double tokens_per_month = 0;
  double hardware_usd_per_mtok = 0;  // price spread over the tokens of its life
  double power_usd_per_mtok = 0;
  double usd_per_mtok = 0;           // hardware + power
  double api_usd_per_mtok = 0;
  double api_usd_per_month = 0;      // what the same monthly tokens would cost from the API
  double power_usd_per_month = 0;
  std::optional<double> breakeven_months;  // months until API savings repay the hardware; none if never
  bool breakeven_within_life = false;
};

inline constexpr double kSecondsPerYear = 365.25 * 86400;  // Julian year
inline constexpr double kSecondsPerMonth = kSecondsPerYear / 12;

/// Throws InputError for out-of-range inputs (negative prices, utilisation outside (0, 1], …).
[[nodiscard]] CostEstimate estimate_cost(const CostInputs& inputs);

// ---------------------------------------------------------------------------------------------
// recommend: the buyer's four questions (budget, team size, model needs, portability).

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

// ---------------------------------------------------------------------------------------------
// check: a claimed decode speed against the physical ceiling.

enum class ClaimVerdict {
  impossible,         // above the ceiling: more bytes per second than the memory can deliver
  above_prediction,   // below the ceiling, above what the model predicts (its calibrated range if any)
  within_prediction,  // at or below the prediction
};
[[nodiscard]] std::string_view to_string(ClaimVerdict verdict) noexcept;

struct ClaimCheck {
  double claimed_tok_s = 0;
  double ceiling_tok_s = 0;           // min(bandwidth ceiling, compute ceiling)
  double bandwidth_ceiling_tok_s = 0; // devices x peak bandwidth / bytes per token
  double compute_ceiling_tok_s = 0;   // devices x peak FLOP/s / FLOPs per token
  double bytes_per_token = 0;
  double predicted_tok_s = 0;
  double predicted_high_tok_s = 0;    // top of the calibrated range; = predicted when none
  double fraction_of_ceiling = 0;
  double fraction_of_prediction = 0;
  bool possible = false;
  ClaimVerdict verdict = ClaimVerdict::impossible;
  bool fits = false;  // the model fits the machine fully (the claim presumes it runs there)
};

/// Compares a claimed per-sequence decode speed with the scenario's ceilings and its prediction.
/// Several devices in one box count with their summed bandwidth (the most generous split).
[[nodiscard]] ClaimCheck check_claim(const Scenario& scenario, const EfficiencyConstants& constants,
                                     const EfficiencyUncertainty& uncertainty, double claimed_tok_s);

}  // namespace llmfit
