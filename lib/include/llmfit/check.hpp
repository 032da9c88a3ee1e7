#pragma once
/// check: a claimed decode speed against the physical ceiling and the prediction.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {

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

/// Compares a claimed decode speed (one sequence, or the scenario's batch of sequences together) with the
/// scenario's ceilings and its prediction, all for the same sequences.
/// Several devices in one box count with their summed bandwidth (the most generous split).
[[nodiscard]] ClaimCheck check_claim(const Scenario& scenario, const EfficiencyConstants& constants,
                                     const EfficiencyUncertainty& uncertainty, double claimed_tok_s);

}  // namespace llmfit
