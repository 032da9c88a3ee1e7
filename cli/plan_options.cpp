#include "plan_options.hpp"

namespace llmfit::cli {

void add_scenario_options(CLI::App& app, Query& q, const ScenarioFlagSet& flags) {
  if (flags.context)
    app.add_option("--context", q.context_tokens, "KV cache length per sequence (default 8192 or the model's maximum)");
  if (flags.backend) app.add_option("--backend", q.backend, "Engine: " + enum_choices<Backend>(" | "));
  if (flags.kv_type) app.add_option("--kv-type", q.kv_type, "KV cache type: " + enum_choices<KvCacheType>(" | "))->capture_default_str();
  if (flags.prompt_tokens)
    app.add_option("--prompt-tokens", q.prompt_tokens, "Prompt length: prefill, TTFT, and the depth decode starts at")
        ->capture_default_str();
  if (flags.batch) app.add_option("--batch", q.batch, "Concurrent sequences")->capture_default_str();
  if (flags.memory) app.add_option("--memory", q.memory_gib, "Memory per device in GiB (default: the catalogue's)");
  if (flags.api) app.add_option("--api", q.api, "Device API: " + enum_choices<DeviceApi>(" | "));
  if (flags.host) app.add_option("--host", q.host, "CPU/RAM entry that runs offloaded layers (GPUs)");
}

void add_output_options(CLI::App& app, std::string& output_path, std::string* svg_path) {
  app.add_option("-o,--output", output_path, "Write the output to this file instead of stdout");
  if (svg_path != nullptr) app.add_option("--svg", *svg_path, "Also write an SVG chart to this file");
}

void write_outputs(const std::string& text, const std::string& output_path, const std::string& svg_path,
                   const std::function<std::string()>& render_svg) {
  if (!svg_path.empty()) {
    if (svg_path == "-") throw InputError("--svg: give a file name (stdout is for the main output)");
    write_output(render_svg(), svg_path);
  }
  write_output(text, output_path);
}

std::vector<std::string> split_names(const std::vector<std::string>& values, const std::string& flag) {
  std::vector<std::string> names;
  for (const std::string& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = value.find(',', start);
      std::string name = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      const auto first = name.find_first_not_of(" \t");
      const auto last = name.find_last_not_of(" \t");
      name = first == std::string::npos ? "" : name.substr(first, last - first + 1);
      if (name.empty()) throw InputError(flag + ": empty name in '" + value.substr(0, 100) + "' (stray comma?)");
      names.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return names;
}

}  // namespace llmfit::cli
