// The default command: `llmfit --hw m2-max --model qwen3-coder-q4`.
#include <memory>

#include "commands.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct PredictOptions {
  Query query;
  OutputOptions output;
};

void run_predict(const PredictOptions& options, const GlobalOptions& global) {
  Query query = options.query;
  query.model = model_name_or_file(query.model, global, "qwen3-coder-q4");
  const Answer answer = answer_query(catalog(global), query, profile(global));
  const std::string text = render_answer(answer, options.output.format);
  write_output(text, options.output.path);
}

}  // namespace

void setup_predict(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<PredictOptions>();
  Query& q = options->query;
  app.add_option("--hw", q.hardware, hardware_help("m2-max or rtx-3090:2"));
  app.add_option("--model", q.model, model_help("qwen3-coder-q4 or llama3.1:8b"));
  add_scenario_options(app, q);
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
