// cost: dollars per million generated tokens against a hosted API and a rented GPU (report/plan.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/plan.hpp"

namespace llmfit {
namespace {

using namespace report;

json optional_number(const std::optional<double>& value) { return value ? number(*value) : json(nullptr); }

/// The closed loop's decode steps alone, all its sequences together; and its prompt processing.
double decode_tok_s(const CostReport& r) { return r.serving.step_s > 0 ? r.serving.batch / r.serving.step_s : 0.0; }
double prefill_tok_s(const CostReport& r) {
  return r.serving.prefill_s > 0 ? static_cast<double>(r.resolved.scenario.prompt_tokens) / r.serving.prefill_s : 0.0;
}

json cost_json(const CostReport& r) {
  const Scenario& s = r.resolved.scenario;
  const CostInputs& in = r.setup.inputs;
  const CostEstimate& e = r.estimate;
  json doc = scenario_json(s);
  doc["fits"] = r.prediction.fit.fits;
  doc["verdict"] = std::string(to_string(r.prediction.fit.verdict));
  doc["decode_tok_s"] = number(decode_tok_s(r));
  doc["prefill_tok_s"] = number(prefill_tok_s(r));
  doc["price_usd"] = in.price_usd;
  doc["price_source"] = r.setup.price_source;
  doc["power_w"] = in.power_w;
  doc["power_source"] = r.setup.power_source;
  doc["idle_w"] = number(in.idle_w);
  doc["idle_source"] = r.setup.idle_source;
  doc["years"] = in.years;
  doc["utilization"] = in.utilization;
  doc["power_price_usd_per_kwh"] = in.power_price_usd_per_kwh;
  doc["prompt_tokens_per_output_token"] = in.prompt_tokens_per_output_token;
  doc["api_input_usd_per_mtok"] = in.api_input_usd_per_mtok;
  doc["api_output_usd_per_mtok"] = in.api_output_usd_per_mtok;
  doc["api_source"] = r.setup.api_source;
  doc["rent_usd_per_hour"] = in.rent_usd_per_hour > 0 ? json(in.rent_usd_per_hour) : json(nullptr);
  doc["rent_source"] = r.setup.rent_source.empty() ? json(nullptr) : json(r.setup.rent_source);
  const bool ok = r.runs;
  doc["output_tok_s"] = ok ? number(e.output_tok_s) : json(nullptr);
  doc["tokens_per_month"] = ok ? number(e.tokens_per_month) : json(nullptr);
  doc["hardware_usd_per_mtok"] = ok ? number(e.hardware_usd_per_mtok) : json(nullptr);
  doc["power_usd_per_mtok"] = ok ? number(e.power_usd_per_mtok) : json(nullptr);
  doc["usd_per_mtok"] = ok ? number(e.usd_per_mtok) : json(nullptr);
  // The API's price per generated token does not depend on the machine.
  doc["api_usd_per_mtok"] =
      number(in.api_output_usd_per_mtok + in.prompt_tokens_per_output_token * in.api_input_usd_per_mtok);
  doc["rent_usd_per_mtok"] = ok ? optional_number(e.rent_usd_per_mtok) : json(nullptr);
  doc["energy_kwh_per_month"] = ok ? number(e.energy_kwh_per_month) : json(nullptr);
  doc["api_usd_per_month"] = ok ? number(e.api_usd_per_month) : json(nullptr);
  doc["power_usd_per_month"] = ok ? number(e.power_usd_per_month) : json(nullptr);
  doc["rent_usd_per_month"] = ok ? optional_number(e.rent_usd_per_month) : json(nullptr);
  doc["breakeven_months"] = ok ? optional_number(e.breakeven_months) : json(nullptr);
  doc["breakeven_within_life"] = ok && e.breakeven_within_life;
  if (!ok) doc["decode_tok_s"] = nullptr;
  return doc;
}

std::string cost_text(const CostReport& r) {
  const Scenario& s = r.resolved.scenario;
  const CostInputs& in = r.setup.inputs;
  const CostEstimate& e = r.estimate;
  const double ratio = in.prompt_tokens_per_output_token;
  if (!r.runs)
    return fmt::format("{} ({}) on {}: DOES NOT FIT ({} needed, {} usable), so there is no cost per token.\n"
                       "Try a smaller quantisation, more memory ({}) or more devices ({} id:2).\n",
                       s.model->name, s.quant->name, devices_name(s), format_gb(r.prediction.fit.total_bytes),
                       format_gb(r.prediction.fit.available_bytes), field("memory_gib"), field("hardware"));
  std::string out = fmt::format("{} ({}) on {}: {} tok/s generated{}, {} tok/s prompt\n", s.model->name,
                                s.quant->name, devices_name(s), format_rate(decode_tok_s(r)),
                                s.batch > 1 ? fmt::format(" aggregate over {} sequences", s.batch) : "",
                                format_rate(prefill_tok_s(r)));
  if (r.prediction.fit.verdict == FitVerdict::partial_offload)
    out += "  (runs with CPU offload: the speed above is the offloaded speed)\n";
  out += fmt::format("  every generated token comes with {:g} prompt tokens ({}): {} generated tok/s with the prompts\n\n",
                     ratio, field("prompt_tokens_per_output_token"), format_rate(e.output_tok_s));
  out += fmt::format("  hardware  {:>9}/Mtok   {} over {:g} years at {:.0f}% utilisation\n",
                     usd(e.hardware_usd_per_mtok), usd(in.price_usd), in.years, in.utilization * 100);
  out += fmt::format("  power     {:>9}/Mtok   {:.1f} kWh a month at ${:.2f}/kWh: {:g} W generating, {:.0f} W idle\n",
                     usd(e.power_usd_per_mtok), e.energy_kwh_per_month, in.power_price_usd_per_kwh, in.power_w,
                     in.idle_w);
  out += fmt::format("  local     {:>9}/Mtok\n", usd(e.usd_per_mtok));
  out += fmt::format("  API       {:>9}/Mtok   ${:g} per M generated + {:g} x ${:g} per M prompt tokens: {}\n",
                     usd(e.api_usd_per_mtok), in.api_output_usd_per_mtok, ratio, in.api_input_usd_per_mtok,
                     e.usd_per_mtok < e.api_usd_per_mtok ? "local is cheaper per token" : "the API is cheaper per token");
  if (e.rent_usd_per_mtok)
    out += fmt::format("  rented    {:>9}/Mtok   ${:.2f} an hour while generating: {}\n", usd(*e.rent_usd_per_mtok),
                       in.rent_usd_per_hour,
                       e.usd_per_mtok < *e.rent_usd_per_mtok ? "owning is cheaper per token" : "renting is cheaper per token");
  double top = std::max({e.usd_per_mtok, e.api_usd_per_mtok, e.rent_usd_per_mtok.value_or(0), 1e-12});
  out += fmt::format("\n  local  {}\n  API    {}\n", unicode_bar(e.usd_per_mtok, top, 32),
                     unicode_bar(e.api_usd_per_mtok, top, 32));
  if (e.rent_usd_per_mtok) out += fmt::format("  rented {}\n", unicode_bar(*e.rent_usd_per_mtok, top, 32));
  out += fmt::format("\n  volume: {:.1f} M generated tokens per month ({} tok/s x {:.0f}% of {:.1f} hours)\n",
                     e.tokens_per_month / 1e6, format_rate(e.output_tok_s), in.utilization * 100,
                     kSecondsPerMonth / 3600);
  if (e.breakeven_months) {
    out += fmt::format("  break-even after {:.1f} months: the API would cost {}/month, local power {}/month{}\n",
                       *e.breakeven_months, usd(e.api_usd_per_month), usd(e.power_usd_per_month),
                       e.breakeven_within_life ? "" : fmt::format(" (beyond the {:g}-year life)", in.years));
  } else {
    out += fmt::format("  no break-even: local power alone ({}/month) costs more than the API ({}/month)\n",
                       usd(e.power_usd_per_month), usd(e.api_usd_per_month));
  }
  out += "\nsources:\n";
  out += "  price: " + r.setup.price_source + "\n";
  out += "  power: " + r.setup.power_source + "\n";
  out += "  idle:  " + r.setup.idle_source + "\n";
  out += "  API:   " + r.setup.api_source + "\n";
  out += "  rent:  " + (r.setup.rent_source.empty() ? r.setup.rent_missing : r.setup.rent_source) + "\n";
  out += "  switched on all month: the idle draw counts for the time not spent generating\n";
  return out;
}

}  // namespace

std::string render_cost(const CostReport& report, Format format) {
  return format == Format::json ? json_text(cost_json(report)) : cost_text(report);
}

svg::BarChart cost_chart(const CostReport& r) {
  const Scenario& s = r.resolved.scenario;
  const CostInputs& in = r.setup.inputs;
  const CostEstimate& e = r.estimate;
  const double api = in.api_output_usd_per_mtok + in.prompt_tokens_per_output_token * in.api_input_usd_per_mtok;
  svg::BarChart chart;
  chart.title = "Cost per million generated tokens";
  chart.value_label = "US dollars per million generated tokens";
  chart.group_names = {"local", "cloud"};
  auto dollars = [](double v) { return fmt::format("${:.3g}", v); };
  if (!r.runs) {
    chart.subtitle = fmt::format("{} does not fit on {}: no local cost", s.model->name, hardware_label(s));
    chart.bars = {{"hosted API", api, dollars(api), 1}};
    return chart;
  }
  chart.subtitle = fmt::format("{} ({}) on {} at {} tok/s, {:g} years, {:.0f}% utilisation, {:g} prompt tokens each",
                               s.model->name, s.quant->name, hardware_label(s), svg::format_value(e.output_tok_s),
                               in.years, in.utilization * 100, in.prompt_tokens_per_output_token);
  chart.bars = {{"local: hardware", e.hardware_usd_per_mtok, dollars(e.hardware_usd_per_mtok), 0},
                {"local: power", e.power_usd_per_mtok, dollars(e.power_usd_per_mtok), 0},
                {"local: total", e.usd_per_mtok, dollars(e.usd_per_mtok), 0},
                {"hosted API", e.api_usd_per_mtok, dollars(e.api_usd_per_mtok), 1}};
  if (e.rent_usd_per_mtok) chart.bars.push_back({"rented GPU", *e.rent_usd_per_mtok, dollars(*e.rent_usd_per_mtok), 1});
  chart.footnote = e.breakeven_months ? fmt::format("break-even after {:.1f} months", *e.breakeven_months)
                                      : std::string("no break-even: power alone costs more than the API");
  return chart;
}

}  // namespace llmfit
