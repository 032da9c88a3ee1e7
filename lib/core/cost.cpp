// cost: dollars per million generated tokens (cost.hpp).
#include "llmfit/cost.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "llmfit/errors.hpp"
#include "llmfit/scenario.hpp"
#include "llmfit/text.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::dollars;
using detail::finite_in;

namespace {

void check_in(double value, double low, double high, const char* name, const char* range) {
  if (!finite_in(value, low, high)) throw InputError(fmt::format("{}: {} is out of range ({})", field(name), value, range));
}

}  // namespace

void check_cost_inputs(const CostInputs& in) {
  check_in(in.price_usd, 0, 1e9, "price_usd", "0 to 1e9");
  check_in(in.power_w, 0, 1e6, "power_w", "0 to 1e6 W");
  check_in(in.idle_w, 0, 1e6, "idle_w", "0 to 1e6 W");
  check_in(in.years, 0.01, 50, "years", "0.01 to 50");
  check_in(in.utilization, 1e-6, 1, "utilization", "above 0, at most 1");
  check_in(in.power_price_usd_per_kwh, 0, 100, "power_price_usd_per_kwh", "0 to 100 USD/kWh");
  check_prompt_tokens_per_output_token(in.prompt_tokens_per_output_token);
  check_in(in.api_input_usd_per_mtok, 0, 1e5, "api_usd_per_mtok", "0 to 100000 USD");
  check_in(in.api_output_usd_per_mtok, 0, 1e5, "api_usd_per_mtok", "0 to 100000 USD");
  check_in(in.rent_usd_per_hour, 0, 1e5, "rent_usd_per_hour", "0 to 100000 USD");
}

CostEstimate estimate_cost(const CostInputs& in) {
  check_cost_inputs(in);
  if (!finite_in(in.output_tok_s, 1e-9, 1e12))
    throw InputError(fmt::format("generation speed {} tok/s is not usable for a cost", in.output_tok_s));

  CostEstimate e;
  // Each generated token comes with its prompt tokens: the closed loop's rate counts the prefill time already.
  e.output_tok_s = in.output_tok_s;
  const double lifetime_mtok = e.output_tok_s * in.utilization * in.years * kSecondsPerYear / 1e6;
  e.tokens_per_month = e.output_tok_s * in.utilization * kSecondsPerMonth;
  const double mtok_per_month = e.tokens_per_month / 1e6;
  e.hardware_usd_per_mtok = in.price_usd / lifetime_mtok;
  // Switched on all month: the active draw for the share of time generating, the idle draw for the rest.
  const double mean_w = in.power_w * in.utilization + in.idle_w * (1 - in.utilization);
  e.energy_kwh_per_month = mean_w * kSecondsPerMonth / 3.6e6;
  e.power_usd_per_month = e.energy_kwh_per_month * in.power_price_usd_per_kwh;
  e.power_usd_per_mtok = e.power_usd_per_month / mtok_per_month;
  e.usd_per_mtok = e.hardware_usd_per_mtok + e.power_usd_per_mtok;
  e.api_usd_per_mtok = in.api_output_usd_per_mtok + in.prompt_tokens_per_output_token * in.api_input_usd_per_mtok;
  e.api_usd_per_month = mtok_per_month * e.api_usd_per_mtok;
  if (in.rent_usd_per_hour > 0) {
    // Billed by the second while generating (on-demand rental): the hours of use, not the month.
    e.rent_usd_per_mtok = in.rent_usd_per_hour / (e.output_tok_s * 3600 / 1e6);
    e.rent_usd_per_month = *e.rent_usd_per_mtok * mtok_per_month;
  }
  const double saving_per_month = e.api_usd_per_month - e.power_usd_per_month;
  if (in.price_usd == 0) {
    e.breakeven_months = 0.0;
  } else if (saving_per_month > 0) {
    e.breakeven_months = in.price_usd / saving_per_month;
  }
  e.breakeven_within_life = e.breakeven_months && *e.breakeven_months <= in.years * 12;
  return e;
}

CostSetup cost_setup(const Scenario& s, const ServingLoad& serving, const CostInputs& base, const CostGiven& given) {
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& model = *s.model;
  const int count = std::max(1, s.device_count);
  const std::string devices = count > 1 ? fmt::format("{} x ", count) : std::string();
  CostSetup out;
  CostInputs& in = out.inputs;
  in = base;

  if (given.price_usd) {
    in.price_usd = *given.price_usd;
    out.price_source = fmt::format("as given ({})", field("price_usd"));
  } else {
    const double each = device_price_usd(hw, s.memory_gib);
    if (!(each > 0))
      throw InputError(fmt::format("{}: missing; hardware '{}'{} has no catalogue price, give the price paid",
                                   field("price_usd"), hw.id,
                                   s.memory_gib > 0 ? fmt::format(" with {:g} GiB", s.memory_gib) : std::string()));
    in.price_usd = count * each;
    out.price_source = fmt::format("catalogue: {}{}", devices, dollars(each));
    if (hw.kind == HardwareKind::gpu) {
      if (s.host != nullptr && s.host->price_usd > 0) {
        in.price_usd += s.host->price_usd;
        out.price_source += fmt::format(" + {} for the host computer ({})", dollars(s.host->price_usd), s.host->id);
      } else {
        out.price_source += fmt::format(", cards only: no host computer included ({} for the whole purchase)",
                                        field("price_usd"));
      }
    }
  }

  if (given.power_w) {
    in.power_w = *given.power_w;
    out.power_source = fmt::format("as given ({})", field("power_w"));
  } else {
    if (!(hw.tdp_w > 0))
      throw InputError(fmt::format("{}: missing; hardware '{}' has no catalogue power (tdp_w)", field("power_w"), hw.id));
    in.power_w = count * hw.tdp_w;
    // Decode holds a GPU near its board power (an RTX 5060 Ti drew 172.7 W of its 180 W in llama.cpp:
    // inventivehq.com/blog/gpu-power-limit-tokens-per-watt); Apple's "max" is a wall figure under load.
    out.power_source = fmt::format("catalogue tdp_w: {}{:g} W while generating", devices, hw.tdp_w);
  }
  if (given.idle_w) {
    in.idle_w = *given.idle_w;
    out.idle_source = fmt::format("as given ({})", field("idle_w"));
  } else if (hw.idle_w > 0) {
    in.idle_w = count * hw.idle_w;
    out.idle_source = fmt::format("published: {}{:g} W ({})", devices, hw.idle_w, hw.idle_w_source);
  } else {
    in.idle_w = count * kIdleShareOfTdp * hw.tdp_w;
    out.idle_source = fmt::format("rule: {:g}% of tdp_w, {}{:.0f} W (no published idle figure; {} to set it, 0 if "
                                  "switched off when idle)",
                                  kIdleShareOfTdp * 100, devices, kIdleShareOfTdp * hw.tdp_w, field("idle_w"));
  }
  if (hw.kind == HardwareKind::gpu && !given.power_w)
    out.power_source += " (the card only: the host computer's draw is not included)";

  if (given.api_usd_per_mtok) {
    in.api_input_usd_per_mtok = *given.api_usd_per_mtok;
    in.api_output_usd_per_mtok = *given.api_usd_per_mtok;
    out.api_source = fmt::format("as given ({}), prompt and generated tokens alike", field("api_usd_per_mtok"));
  } else if (model.api_input_usd_per_mtok > 0 || model.api_output_usd_per_mtok > 0) {
    in.api_input_usd_per_mtok = model.api_input_usd_per_mtok;
    in.api_output_usd_per_mtok = model.api_output_usd_per_mtok;
    out.api_source = fmt::format("catalogue: {} read {} from {}", model.id, model.api_price_date, model.api_price_source);
  } else {
    throw InputError(fmt::format("{}: missing; model '{}' has no hosted API price in the catalogue, give the price "
                                 "to compare with (USD per million tokens)",
                                 field("api_usd_per_mtok"), model.id));
  }

  if (given.rent_usd_per_hour) {
    in.rent_usd_per_hour = *given.rent_usd_per_hour;
    out.rent_source = fmt::format("as given ({})", field("rent_usd_per_hour"));
  } else if (hw.rental_usd_per_hour > 0) {
    in.rent_usd_per_hour = count * hw.rental_usd_per_hour;
    out.rent_source = fmt::format("catalogue: {}{} an hour, read {} from {}", devices, dollars(hw.rental_usd_per_hour),
                                  hw.rental_price_date, hw.rental_price_source);
  } else {
    in.rent_usd_per_hour = 0;
    out.rent_missing = fmt::format("no rental price for '{}' in the catalogue ({} to compare)", hw.id,
                                   field("rent_usd_per_hour"));
  }

  in.output_tok_s = serving.in_range ? serving.aggregate_tok_s : 0.0;
  return out;
}

}  // namespace llmfit
