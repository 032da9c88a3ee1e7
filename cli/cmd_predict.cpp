// The default command: `llmfit --hw m2-max --model qwen3-coder-q4`.
#include <memory>

#include "commands.hpp"

namespace llmfit::cli {
namespace {

struct PredictOptions {
  Query query;
  Format format = Format::text;
  std::string output;
};

void run_predict(const PredictOptions& options, const GlobalOptions& global) {
  Query query = options.query;
  query.model = model_name_or_file(query.model, global, "qwen3-coder-q4");
  const Answer answer = answer_query(catalog(global), query, profile(global));
  const std::string text = render_answer(answer, options.format);
  write_output(text, options.output);
}

}  // namespace

void setup_predict(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<PredictOptions>();
  Query& q = options->query;
  app.add_option("--hw", q.hardware, "Hardware id, e.g. m2-max or rtx-3090:2 (see 'llmfit list hardware')");
  app.add_option("--model", q.model, "Model id with quantisation, e.g. qwen3-coder-q4 (see 'llmfit list models')");
  app.add_option("--context", q.context_tokens, "Context length to fit (default 8192 or the model's maximum)");
  app.add_option("--backend", q.backend, "Engine: " + enum_choices<Backend>(" | "));
  app.add_option("--api", q.api, "Device API: " + enum_choices<DeviceApi>(" | ") + " (default: the chip's)");
  app.add_option("--memory", q.memory_gib, "Memory per device in GiB: a capacity variant or what is free");
  app.add_option("--gpu-memory-fraction", q.gpu_memory_fraction,
                 "Unified memory: share the GPU may use (default: macOS rule or catalogue)");
  app.add_option("--host", q.host, "CPU/RAM entry that runs offloaded layers (GPUs)");
  app.add_option("--host-memory", q.host_memory_gib, "Host RAM in GiB (default: the host entry's)");
  app.add_option("--kv-type", q.kv_type, "KV cache type: " + enum_choices<KvCacheType>(" | "))->capture_default_str();
  app.add_option("--batch", q.batch, "Concurrent sequences")->capture_default_str();
  app.add_option("--prompt-tokens", q.prompt_tokens, "Prompt length for prefill and TTFT")->capture_default_str();
  app.add_flag("!--no-offload", q.allow_offload, "Do not consider CPU offload when the model does not fit");
  add_format_option(app, options->format, kAnswerFormats);
  app.add_option("-o,--output", options->output, "Write to this file instead of stdout");
  app.callback([&app, options, &global] {
    if (app.get_subcommands().empty()) {
      if (options->query.hardware.empty() && options->query.model.empty() && global.model_file.empty() &&
          global.hf_config.empty()) {
        std::cout << app.help();
        return;
      }
      run_predict(*options, global);
    }
  });
}

}  // namespace llmfit::cli
