// cost: dollars per million tokens (cost.hpp).
#include "llmfit/cost.hpp"

#include <fmt/format.h>

#include "llmfit/errors.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::finite_in;

void check_cost_inputs(const CostInputs& in) {
  if (!finite_in(in.price_usd, 0, 1e9)) throw InputError(fmt::format("{}: {} is out of range (0 to 1e9)", field("price_usd"), in.price_usd));
  if (!finite_in(in.power_w, 0, 1e6)) throw InputError(fmt::format("{}: {} is out of range (0 to 1e6 W)", field("power_w"), in.power_w));
  if (!finite_in(in.years, 0.01, 50)) throw InputError(fmt::format("{}: {} is out of range (0.01 to 50)", field("years"), in.years));
  if (!finite_in(in.utilization, 1e-6, 1)) throw InputError(fmt::format("{}: {} is out of range (above 0, at most 1)", field("utilization"), in.utilization));
  if (!finite_in(in.power_price_usd_per_kwh, 0, 100))
    throw InputError(fmt::format("{}: {} is out of range (0 to 100 USD/kWh)", field("power_price_usd_per_kwh"),
                                 in.power_price_usd_per_kwh));
  if (!finite_in(in.api_usd_per_mtok, 0, 1e5))
    throw InputError(
        fmt::format("{}: {} is out of range (0 to 100000 USD)", field("api_usd_per_mtok"), in.api_usd_per_mtok));
}

CostEstimate estimate_cost(const CostInputs& in) {
  check_cost_inputs(in);
  if (!finite_in(in.decode_tok_s, 1e-9, 1e12))
    throw InputError(fmt::format("decode speed {} tok/s is not usable for a cost", in.decode_tok_s));

  CostEstimate e;
  const double lifetime_mtok = in.decode_tok_s * in.utilization * in.years * kSecondsPerYear / 1e6;
  e.tokens_per_month = in.decode_tok_s * in.utilization * kSecondsPerMonth;
  e.hardware_usd_per_mtok = in.price_usd / lifetime_mtok;
  // Energy per million tokens: W x (1e6 / tok/s) seconds = J; 3.6e6 J per kWh.
  e.power_usd_per_mtok = in.power_w * (1e6 / in.decode_tok_s) / 3.6e6 * in.power_price_usd_per_kwh;
  e.usd_per_mtok = e.hardware_usd_per_mtok + e.power_usd_per_mtok;
  e.api_usd_per_mtok = in.api_usd_per_mtok;
  const double mtok_per_month = e.tokens_per_month / 1e6;
  e.api_usd_per_month = mtok_per_month * in.api_usd_per_mtok;
  e.power_usd_per_month = mtok_per_month * e.power_usd_per_mtok;
  const double saving_per_month = e.api_usd_per_month - e.power_usd_per_month;
  if (in.price_usd == 0) {
    e.breakeven_months = 0.0;
  } else if (saving_per_month > 0) {
    e.breakeven_months = in.price_usd / saving_per_month;
  }
  e.breakeven_within_life = e.breakeven_months && *e.breakeven_months <= in.years * 12;
  return e;
}

}  // namespace llmfit
