// check: a claimed speed against the ceilings (check.hpp).
#include "llmfit/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "llmfit/errors.hpp"
#include "llmfit/units.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::finite_in;

std::string_view to_string(ClaimVerdict verdict) noexcept {
  switch (verdict) {
    case ClaimVerdict::impossible: return "impossible";
    case ClaimVerdict::above_prediction: return "above_prediction";
    case ClaimVerdict::within_prediction: return "within_prediction";
  }
  return "?";
}

ClaimCheck check_claim(const Scenario& scenario, const EfficiencyConstants& constants,
                       const EfficiencyUncertainty& uncertainty, double claimed_tok_s) {
  if (!finite_in(claimed_tok_s, 1e-9, 1e300))
    throw InputError(fmt::format("{}: {} must be a positive number", field("claimed_tok_s"), claimed_tok_s));
  if (scenario.hardware == nullptr || scenario.model == nullptr || scenario.quant == nullptr)
    throw InputError("check: hardware and model are required");
  ClaimCheck c;
  c.claimed_tok_s = claimed_tok_s;
  const Prediction p = predict(scenario, constants);
  const HardwareSpec& hw = *scenario.hardware;
  const double devices = std::max(1, scenario.device_count);
  c.bytes_per_token = p.bytes_per_token;
  if (!(c.bytes_per_token > 0) || !std::isfinite(c.bytes_per_token))
    throw InputError("check: bytes per token could not be computed for " + scenario.model->id);
  // Roofline ceilings, no efficiencies: peak bandwidth / bytes read per token, and peak FLOP/s /
  // 2 FLOPs per active parameter (attention FLOPs left out, which only raises the ceiling).
  c.bandwidth_ceiling_tok_s = devices * hw.bandwidth_gb_s * units::kBytesPerGB / c.bytes_per_token;
  const double flops_per_token = 2.0 * weight_bytes(*scenario.model, *scenario.quant).active_params;
  c.compute_ceiling_tok_s = hw.fp16_tflops > 0 ? devices * hw.fp16_tflops * units::kFlopsPerTflop / flops_per_token
                                                : std::numeric_limits<double>::infinity();  // no figure: no bound
  c.ceiling_tok_s = std::min(c.bandwidth_ceiling_tok_s, c.compute_ceiling_tok_s);
  c.predicted_tok_s = p.in_range ? p.aggregate_decode_tok_s : 0;
  c.predicted_high_tok_s = c.predicted_tok_s * (uncertainty.known ? 1 + uncertainty.decode_relative_error : 1.0);
  c.fraction_of_ceiling = claimed_tok_s / c.ceiling_tok_s;
  c.fraction_of_prediction = c.predicted_tok_s > 0 ? claimed_tok_s / c.predicted_tok_s : 0;
  c.possible = claimed_tok_s <= c.ceiling_tok_s;
  c.fits = p.fit.fits;
  if (!c.possible) c.verdict = ClaimVerdict::impossible;
  else if (claimed_tok_s > c.predicted_high_tok_s) c.verdict = ClaimVerdict::above_prediction;
  else c.verdict = ClaimVerdict::within_prediction;
  return c;
}

}  // namespace llmfit
