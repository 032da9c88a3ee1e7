// `llmfit check --hw m1 --model qwen2-1.5b-q4 --claimed-tok-s 1500000000`: is a published speed
// physically possible on that machine, and how does it compare with the prediction?
#include <memory>

#include "commands.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct CheckOptions {
  Query query;
  double claimed_tok_s = 0;
  OutputOptions output;
};

void run_check(const CheckOptions& o, const GlobalOptions& global) {
  const ResolvedQuery resolved = resolve_query(catalog(global), o.query, profile(global));
  const ClaimCheck check = check_claim(resolved.scenario, resolved.efficiency->constants,
                                       resolved.efficiency->uncertainty, o.claimed_tok_s);
  const std::string text = render_check(check, resolved, o.output.format);
  write_outputs(o.output, text, [&] { return svg::render(check_chart(check, resolved)); });
  note_name_readings(global, {o.query.hardware}, o.query.model);
}

}  // namespace

void setup_check(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<CheckOptions>();
  Query& q = options->query;
  q.prompt_tokens = 1;  // decode from an empty context, as llama-bench tg128 measures it
  CLI::App* sub = app.add_subcommand("check", "Check a claimed decode speed against the physical ceiling");
  sub->add_option("--hw", q.hardware, hardware_help("m1 or rtx-4090"))->required();
  sub->add_option("--model", q.model, model_help("qwen2-1.5b-q4"));
  sub->add_option("--claimed-tok-s", options->claimed_tok_s,
                  "The claimed decode speed, tokens/s: one sequence, or all --batch sequences together")
      ->required();
  add_scenario_options(*sub, q);
  add_output_options(*sub, options->output, kCheckFormats, true);
  sub->callback([options, &global] {
    options->query.model = model_name_or_file(options->query.model, global, "qwen2-1.5b-q4");
    run_check(*options, global);
  });
}

}  // namespace llmfit::cli
