// `llmfit cost --hw … --model … [--years 3 --utilization 0.25 --power-price 0.30 --api-price-per-mtok 3]`:
// local dollars per million tokens against a cloud API, and the break-even point.
#include <memory>

#include "commands.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct CostOptions {
  Query query;
  CostInputs inputs;
  double price_usd = 0;
  double watts = 0;
  bool price_given = false;  // else the catalogue's
  bool watts_given = false;
  OutputOptions output;
};

void run_cost(const CostOptions& o, const GlobalOptions& global) {
  CostReport report;
  report.resolved = resolve_query(catalog(global), o.query, profile(global));
  const Scenario& s = report.resolved.scenario;
  report.prediction = predict(s, report.resolved.efficiency->constants);
  report.inputs = o.inputs;
  report.price_from_catalogue = !o.price_given;
  report.power_from_catalogue = !o.watts_given;
  report.inputs.price_usd = report.price_from_catalogue ? scenario_price_usd(s) : o.price_usd;
  report.inputs.power_w = report.power_from_catalogue ? scenario_power_w(s) : o.watts;
  if (report.price_from_catalogue && !(report.inputs.price_usd > 0))
    throw InputError("hardware '" + s.hardware->id + "' has no catalogue price; give --price-usd");
  if (report.power_from_catalogue && !(report.inputs.power_w > 0))
    throw InputError("hardware '" + s.hardware->id + "' has no catalogue power (tdp_w); give --watts");
  const Prediction& p = report.prediction;
  // Not fitting is an answer too: no speed, so no cost per token (fields null in JSON).
  report.runs = p.in_range && p.fit.verdict != FitVerdict::does_not_fit && p.aggregate_decode_tok_s > 0;
  if (report.runs) {
    report.inputs.decode_tok_s = p.aggregate_decode_tok_s;
    report.estimate = estimate_cost(report.inputs);
  } else {
    check_cost_inputs(report.inputs);  // no speed, no estimate: the inputs are checked all the same
  }

  const std::string text = render_cost(report, o.output.format);
  write_outputs(o.output, text, [&report] { return svg::render(cost_chart(report)); });
  note_name_readings(global, {o.query.hardware}, o.query.model);
}

}  // namespace

void setup_cost(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<CostOptions>();
  Query& q = options->query;
  CostInputs& in = options->inputs;
  CLI::App* sub = app.add_subcommand("cost", "Dollars per million tokens on local hardware against a cloud API");
  sub->add_option("--hw", q.hardware, hardware_help("m4-max-40c or rtx-3090:2"))->required();
  sub->add_option("--model", q.model, model_help("qwen3-coder-q4"));
  sub->add_option("--years", in.years, "Years to amortise the hardware over")->capture_default_str();
  sub->add_option("--utilization", in.utilization, "Share of the time spent generating (0-1]")->capture_default_str();
  sub->add_option("--power-price", in.power_price_usd_per_kwh, "Electricity price, USD per kWh")->capture_default_str();
  sub->add_option("--api-price-per-mtok", in.api_usd_per_mtok, "Cloud API price, USD per million output tokens")
      ->capture_default_str();
  CLI::Option* price = sub->add_option("--price-usd", options->price_usd,
                                       "Hardware price (default: catalogue price x devices)");
  CLI::Option* watts = sub->add_option("--watts", options->watts,
                                       "Power while generating (default: catalogue tdp_w x devices)");
  add_scenario_options(*sub, q, planning_flags({ScenarioFlag::batch, ScenarioFlag::memory_gib}));
  add_output_options(*sub, options->output, kCostFormats, true);
  sub->callback([options, price, watts, &global] {
    options->price_given = price->count() > 0;
    options->watts_given = watts->count() > 0;
    options->query.model = model_name_or_file(options->query.model, global, "qwen3-coder-q4");
    run_cost(*options, global);
  });
}

}  // namespace llmfit::cli
