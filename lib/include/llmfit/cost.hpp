#pragma once
/// cost: dollars per million generated tokens on local hardware against a cloud API.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace llmfit {

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

/// Throws InputError naming the field for out-of-range inputs (negative prices, utilisation outside (0, 1],
/// …); the decode speed is not checked.
void check_cost_inputs(const CostInputs& inputs);
/// Throws InputError for out-of-range inputs (check_cost_inputs, and a decode speed that is not usable).
[[nodiscard]] CostEstimate estimate_cost(const CostInputs& inputs);

}  // namespace llmfit
