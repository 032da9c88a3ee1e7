#pragma once
/// scale: speed over batch sizes and the memory verdict over context lengths.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {

/// One row of the batch sweep: `batch` users in a closed loop (serve_closed_loop, predict.hpp).
struct BatchPoint {
  int batch = 1;
  double per_sequence_tok_s = 0;  // what each user sees: 1 / time per output token, others' prefills included
  double aggregate_tok_s = 0;     // output tokens per second over all users, prefills included
  double ttft_s = 0;              // time to first token under this load: own prefill + one step (+ queueing)
  double kv_cache_bytes = 0;      // the KV caches of all `batch` sequences at the scenario's context
  bool compute_bound = false;     // FLOPs, not memory traffic, set the step time
  bool fits = false;              // weights + batch x KV fit on the accelerator
  FitVerdict verdict = FitVerdict::does_not_fit;  // does_not_fit: no speed (the report shows none)
  double total_bytes = 0;         // memory needed at this batch
};

/// 1, 2, 4, … up to max_batch (and max_batch itself).
[[nodiscard]] std::vector<int> batch_ladder(int max_batch);
/// The closed loop of 1, 2, 4, … users over the batch ladder (serve_closed_loop: the batched-step model,
/// docs/model.md), each request a `scenario.prompt_tokens` prompt with prompt / ratio output tokens, stopping
/// after the first batch whose KV caches no longer fit (when batch 1 fits), or the first that does not run at
/// all. Throws InputError naming «max_batch» when it is below 1 or above the engine's limit (engines.hpp,
/// sequence_limit).
[[nodiscard]] std::vector<BatchPoint> batch_sweep(
    const Scenario& scenario, const EfficiencyConstants& constants, int max_batch,
    double prompt_tokens_per_output_token = kDefaultPromptTokensPerOutputToken);
/// Largest number of concurrent sequences whose KV cache fits with the weights (0: not even one), at most `limit`
/// and the engine's sequence_limit.
[[nodiscard]] int largest_batch_that_fits(const Scenario& scenario, const EfficiencyConstants& constants,
                                          int limit = 4096);

}  // namespace llmfit
