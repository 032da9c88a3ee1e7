// The default command: `llmfit --hw m2-max --model qwen3-coder-q4`.
#include <memory>

#include "commands.hpp"
#include "options.hpp"
#include "what_if.hpp"

namespace llmfit::cli {
namespace {

struct PredictOptions {
  Query query;
  WhatIf what_if;
  OutputOptions output;
};

void run_predict(const PredictOptions& options, const GlobalOptions& global) {
  Query query = options.query;
  query.model = model_name_or_file(query.model, global, "qwen3-coder-q4");
  const WhatIfInputs what_if = apply_what_if(options.what_if, catalog(global), profile(global), query.hardware);
  Answer answer = answer_query(what_if.catalog ? *what_if.catalog : catalog(global), query,
                               what_if.profile ? *what_if.profile : profile(global));
  answer.resolved.warnings.insert(answer.resolved.warnings.end(), what_if.notes.begin(), what_if.notes.end());
  const std::string text = render_answer(answer, options.output.format);
  write_outputs(options.output, text, {});
}

}  // namespace

void setup_predict(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<PredictOptions>();
  Query& q = options->query;
  app.add_option("--hw", q.hardware, hardware_help("m2-max or rtx-3090:2"));
  app.add_option("--model", q.model, model_help("qwen3-coder-q4 or llama3.1:8b"));
  add_scenario_options(app, q);
  add_what_if_options(app, options->what_if);
  add_output_options(app, options->output, kAnswerFormats, false);
  app.callback([&app, options, &global] {
    if (app.get_subcommands().empty()) {
      if (options->query.hardware.empty() && options->query.model.empty() && global.model_file.empty() &&
          global.hf_config.empty()) {
        write_stdout(app.help());
        return;
      }
      run_predict(*options, global);
    }
  });
}

}  // namespace llmfit::cli
