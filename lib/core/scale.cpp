// scale: batch and context sweeps (scale.hpp).
#include "llmfit/scale.hpp"

#include <algorithm>
#include <vector>

#include "llmfit/engines.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/model_terms.hpp"

namespace llmfit {

std::vector<int> batch_ladder(int max_batch) {
  std::vector<int> ladder;
  if (max_batch < 1) return ladder;
  for (int b = 1; b < max_batch; b *= 2) ladder.push_back(b);
  ladder.push_back(max_batch);
  return ladder;
}

std::vector<BatchPoint> batch_sweep(const Scenario& scenario, const EfficiencyConstants& constants, int max_batch,
                                    double prompt_tokens_per_output_token) {
  std::vector<BatchPoint> points;
  if (scenario.hardware == nullptr || scenario.model == nullptr || scenario.quant == nullptr) return points;
  require_sequences(scenario.backend, max_batch, "max_batch");
  const ModelQuantTerms terms = prepare_model_quant(*scenario.model, *scenario.quant);
  const double gen_tokens = output_tokens_per_request(scenario, prompt_tokens_per_output_token);
  bool first_fits = false;
  for (int batch : batch_ladder(max_batch)) {
    Scenario at = scenario;
    at.batch = batch;
    // The users' closed loop: the one serving formula (recommend --users and cost use it too).
    const ServingLoad load = serve_closed_loop(at, constants, terms, gen_tokens);
    BatchPoint point;
    point.batch = batch;
    point.per_sequence_tok_s = load.in_range ? load.per_user_tok_s : 0.0;
    point.aggregate_tok_s = load.in_range ? load.aggregate_tok_s : 0.0;
    point.ttft_s = load.in_range ? load.ttft_s : 0.0;
    point.kv_cache_bytes = load.kv_cache_bytes;
    point.compute_bound = load.compute_bound;
    point.fits = load.fits;
    point.verdict = load.verdict;
    point.total_bytes = load.total_bytes;
    points.push_back(point);
    if (batch == 1) first_fits = point.fits;
    if (first_fits && !point.fits) break;
    if (point.verdict == FitVerdict::does_not_fit) break;  // more users need more memory still
  }
  return points;
}

int largest_batch_that_fits(const Scenario& scenario, const EfficiencyConstants& constants, int limit) {
  if (scenario.hardware == nullptr || scenario.model == nullptr || scenario.quant == nullptr || limit < 1) return 0;
  if (const int engine = sequence_limit(scenario.backend); engine > 0) limit = std::min(limit, engine);
  auto fits_at = [&](int batch) {
    Scenario at = scenario;
    at.batch = batch;
    return fit_memory(at, constants).fits;
  };
  if (!fits_at(1)) return 0;
  int low = 1;  // fits
  int high = 2;
  while (high <= limit && fits_at(high)) {
    low = high;
    high *= 2;
  }
  if (high > limit) {
    if (fits_at(limit)) return limit;
    high = limit;
  }
  while (high - low > 1) {  // KV grows with the batch: bisect
    const int mid = low + (high - low) / 2;
    (fits_at(mid) ? low : high) = mid;
  }
  return low;
}

}  // namespace llmfit
