// `llmfit scale --hw … --model … [--batch-sweep]`: decode speed and time to first token over
// context lengths, and aggregate speed over concurrent users.
#include <memory>

#include "commands.hpp"
#include "flags.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct ScaleOptions {
  Query query;
  bool batch_sweep = false;
  int max_batch = 256;
  bool max_batch_given = false;
  bool batch_given = false;
  double prompt_ratio = kDefaultPromptTokensPerOutputToken;
  bool prompt_ratio_given = false;
  OutputOptions output;
};

void run_scale(const ScaleOptions& o, const GlobalOptions& global) {
  if (o.max_batch_given && !o.batch_sweep)
    throw InputError("--max-batch: not used without --batch-sweep (the largest batch of the sweep)");
  if (o.prompt_ratio_given && !o.batch_sweep)
    throw InputError("--prompt-ratio: not used without --batch-sweep (the users' requests: --prompt-tokens with "
                     "prompt / ratio generated tokens)");
  check_prompt_tokens_per_output_token(o.prompt_ratio);
  if (o.batch_given && o.batch_sweep)
    throw InputError("--batch: --batch-sweep varies the batch (1, 2, 4, ... up to --max-batch); give one of them");
  if (o.max_batch < 1 || o.max_batch > 4096)
    throw InputError("--max-batch: " + std::to_string(o.max_batch) + " is out of range (1 to 4096)");
  ScaleReport report;
  report.resolved = resolve_query(catalog(global), o.query, profile(global));
  const EfficiencyConstants& k = report.resolved.efficiency->constants;
  report.context = context_scaling(report.resolved.scenario, k);
  report.max_context = fit_memory(report.resolved.scenario, k).max_context;
  report.max_context_with_offload = max_context_with_offload(report.resolved.scenario, k);
  report.batch_sweep = o.batch_sweep;
  if (o.batch_sweep) {
    report.batch = batch_sweep(report.resolved.scenario, k, o.max_batch, o.prompt_ratio);
    report.prompt_tokens_per_output_token = o.prompt_ratio;
    report.largest_batch_that_fits = largest_batch_that_fits(report.resolved.scenario, k);
  }
  const std::string text = render_scale(report, o.output.format);
  write_outputs(o.output, text, [&report] { return svg::render(scale_chart(report)); });
  note_name_readings(global, {o.query.hardware}, o.query.model);
}

}  // namespace

void setup_scale(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ScaleOptions>();
  Query& q = options->query;
  CLI::App* sub = app.add_subcommand("scale", "Speed over context lengths, and over concurrent users (--batch-sweep)");
  sub->add_option("--hw", q.hardware, hardware_help("m2-max or rtx-3090:2"))->required();
  sub->add_option("--model", q.model, model_help("qwen3-coder-q4"));
  sub->add_flag("--batch-sweep", options->batch_sweep, "Also sweep 1, 2, 4, … concurrent users up to --max-batch or until their KV caches no longer fit");
  CLI::Option* max_batch =
      sub->add_option("--max-batch", options->max_batch, "Largest batch of the sweep")->capture_default_str();
  CLI::Option* prompt_ratio =
      sub->add_option("--prompt-ratio", options->prompt_ratio,
                      "With --batch-sweep: prompt tokens per generated token of each user's requests (default: the "
                      "3:1 blend Artificial Analysis prices APIs with, as cost)")
          ->capture_default_str();
  add_scenario_options(*sub, q);
  add_output_options(*sub, options->output, kScaleFormats, true);
  sub->callback([options, max_batch, prompt_ratio, sub, &global] {
    options->max_batch_given = max_batch->count() > 0;
    options->prompt_ratio_given = prompt_ratio->count() > 0;
    options->batch_given = sub->get_option(flag_for("batch"))->count() > 0;
    options->query.model = model_name_or_file(options->query.model, global, "qwen3-coder-q4");
    run_scale(*options, global);
  });
}

}  // namespace llmfit::cli
