// `llmfit cost --hw … --model … [--years 3 --utilization 0.25 --power-price 0.30 --prompt-ratio 3]`:
// local dollars per million generated tokens against the model's hosted API and a rented GPU, and the
// break-even point.
#include <memory>

#include "commands.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct CostOptions {
  Query query;
  CostInputs inputs;
  CostGiven given;
  OutputOptions output;
};

void run_cost(const CostOptions& o, const GlobalOptions& global) {
  CostReport report;
  report.resolved = resolve_query(catalog(global), o.query, profile(global));
  const Scenario& s = report.resolved.scenario;
  report.prediction = predict(s, report.resolved.efficiency->constants);
  report.serving = serve_users(s, report.resolved.efficiency->constants, o.inputs.prompt_tokens_per_output_token);
  report.setup = cost_setup(s, report.serving, o.inputs, o.given);
  const Prediction& p = report.prediction;
  // Not fitting is an answer too: no speed, so no cost per token (fields null in JSON).
  report.runs = p.in_range && p.fit.verdict != FitVerdict::does_not_fit && report.setup.inputs.output_tok_s > 0;
  if (report.runs)
    report.estimate = estimate_cost(report.setup.inputs);
  else
    check_cost_inputs(report.setup.inputs);  // no speed, no estimate: the inputs are checked all the same

  const std::string text = render_cost(report, o.output.format);
  write_outputs(o.output, text, [&report] { return svg::render(cost_chart(report)); });
  note_name_readings(global, {o.query.hardware}, o.query.model);
}

/// An option whose value, when given, replaces the catalogue's figure.
void add_given(CLI::App& app, const std::string& name, std::optional<double>& target, const std::string& help) {
  app.add_option_function<double>(name, [&target](double value) { target = value; }, help)->type_name("FLOAT");
}

}  // namespace

void setup_cost(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<CostOptions>();
  Query& q = options->query;
  CostInputs& in = options->inputs;
  CostGiven& given = options->given;
  CLI::App* sub = app.add_subcommand(
      "cost", "Dollars per million generated tokens locally, against the model's hosted API and a rented GPU");
  sub->add_option("--hw", q.hardware, hardware_help("m4-max-40c or rtx-3090:2"))->required();
  sub->add_option("--model", q.model, model_help("qwen3-coder-q4"));
  sub->add_option("--years", in.years, "Years to amortise the hardware over")->capture_default_str();
  sub->add_option("--utilization", in.utilization, "Share of the time spent generating (0-1]")->capture_default_str();
  sub->add_option("--power-price", in.power_price_usd_per_kwh, "Electricity price, USD per kWh")->capture_default_str();
  sub->add_option("--prompt-ratio", in.prompt_tokens_per_output_token,
                  "Prompt tokens per generated token, priced and processed separately (default: the 3:1 blend "
                  "Artificial Analysis prices APIs with)")
      ->capture_default_str();
  add_given(*sub, "--api-price-per-mtok", given.api_usd_per_mtok,
            "API price, USD per million tokens, prompt and generated alike (default: the model's catalogue "
            "prices; required for a model without one)");
  add_given(*sub, "--rent-usd-per-hour", given.rent_usd_per_hour,
            "Renting the same devices, USD per hour (default: the catalogue's rental price x devices)");
  add_given(*sub, "--price-usd", given.price_usd,
            "Hardware price (default: the catalogue's at the capacity asked x devices; cards only for GPUs)");
  add_given(*sub, "--watts", given.power_w, "Power while generating (default: catalogue tdp_w x devices)");
  add_given(*sub, "--idle-watts", given.idle_w,
            "Power while on and idle, 0 if switched off (default: published idle_w, else 6% of tdp_w)");
  add_scenario_options(*sub, q);
  add_output_options(*sub, options->output, kCostFormats, true);
  sub->callback([options, &global] {
    options->query.model = model_name_or_file(options->query.model, global, "qwen3-coder-q4");
    run_cost(*options, global);
  });
}

}  // namespace llmfit::cli
