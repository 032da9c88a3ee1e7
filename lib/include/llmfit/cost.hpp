#pragma once
/// cost: dollars per million generated tokens on local hardware, against a hosted API and a rented GPU.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/predict.hpp"

namespace llmfit {

/// Idle draw as a share of tdp_w where no idle figure is published: the median of the four Mac Studio
/// configurations Apple publishes (idle / max 10/295, 13/215, 9/145, 11/115 W: 3.4-9.6 %,
/// https://support.apple.com/en-us/102027); consumer graphics cards idle at 10-25 W on 170-450 W boards.
inline constexpr double kIdleShareOfTdp = 0.06;

struct CostInputs {
  double price_usd = 0;                  // hardware, paid once
  double power_w = 0;                    // drawn while generating
  double idle_w = 0;                     // drawn while switched on and not generating (0: switched off)
  /// Generated tokens per second of use, prompt processing included: the users' closed loop (serve_users,
  /// predict.hpp) whose requests bring `prompt_tokens_per_output_token` prompt tokens per generated token.
  double output_tok_s = 0;
  double prompt_tokens_per_output_token = kDefaultPromptTokensPerOutputToken;
  double years = 3;                      // amortisation period
  double utilization = 0.25;             // share of the time spent generating
  double power_price_usd_per_kwh = 0.30;
  double api_input_usd_per_mtok = 0;     // hosted API price per 10^6 prompt tokens
  double api_output_usd_per_mtok = 0;    // and per 10^6 generated tokens
  double rent_usd_per_hour = 0;          // renting the same devices by the hour (0: no comparison)
};

struct CostEstimate {
  double output_tok_s = 0;           // generated tokens per second of use, prompt processing included
  double tokens_per_month = 0;       // generated
  double hardware_usd_per_mtok = 0;  // price spread over the generated tokens of its life
  double power_usd_per_mtok = 0;     // energy while generating and while idle, per generated token
  double usd_per_mtok = 0;           // hardware + power
  double api_usd_per_mtok = 0;       // per 10^6 generated tokens with their prompt tokens
  double energy_kwh_per_month = 0;
  double api_usd_per_month = 0;      // what the same monthly tokens would cost from the API
  double power_usd_per_month = 0;
  std::optional<double> rent_usd_per_mtok;    // renting by the hour while generating; none without a price
  std::optional<double> rent_usd_per_month;
  std::optional<double> breakeven_months;  // months until API savings repay the hardware; none if never
  bool breakeven_within_life = false;
};

inline constexpr double kSecondsPerYear = 365.25 * 86400;  // Julian year
inline constexpr double kSecondsPerMonth = kSecondsPerYear / 12;

/// Throws InputError naming the field for out-of-range inputs (negative prices, utilisation outside (0, 1],
/// …); the speeds are not checked.
void check_cost_inputs(const CostInputs& inputs);
/// Throws InputError for out-of-range inputs (check_cost_inputs, and a speed that is not usable).
[[nodiscard]] CostEstimate estimate_cost(const CostInputs& inputs);

/// Figures the user states instead of the catalogue's.
struct CostGiven {
  std::optional<double> price_usd;          // the whole purchase
  std::optional<double> power_w;            // while generating
  std::optional<double> idle_w;             // while on and idle
  std::optional<double> api_usd_per_mtok;   // one API price, prompt and generated tokens alike
  std::optional<double> rent_usd_per_hour;  // the whole box
};

/// The inputs of a scenario's cost with where each came from, for the answer to say.
struct CostSetup {
  CostInputs inputs;
  std::string price_source;  // "catalogue: 2 x $1,499 (cards only: no host computer)", "given"
  std::string power_source;
  std::string idle_source;
  std::string api_source;
  std::string rent_source;  // empty = no rental comparison, with why in rent_missing
  std::string rent_missing;
};

/// Fills `base` (years, utilisation, power price, prompt ratio as the user set them) with the scenario's
/// figures: the devices' price (at the scenario's capacity; graphics cards with their host entry's price
/// when it has one), power (tdp_w while generating), idle power (published idle_w, else kIdleShareOfTdp of
/// tdp_w), the model's API prices, the devices' rental price, and the serving speed (`serving`: the users'
/// closed loop, serve_users at the base's prompt ratio); `given` replaces any of them. Throws InputError,
/// naming what to give, for a price or an API price that neither the catalogue nor `given` has: there is no
/// silent default.
[[nodiscard]] CostSetup cost_setup(const Scenario& scenario, const ServingLoad& serving, const CostInputs& base,
                                   const CostGiven& given);

}  // namespace llmfit
