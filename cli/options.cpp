#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "flags.hpp"

namespace llmfit::cli {

void add_scenario_options(CLI::App& app, Query& q, const std::vector<ScenarioFlag>& flags) {
  for (ScenarioFlag flag : flags) {
    switch (flag) {
      case ScenarioFlag::context_tokens:
        app.add_option(flag_for("context_tokens"), q.context_tokens,
                       "Context length: the KV cache per sequence (default 8192 or the model's maximum)");
        break;
      case ScenarioFlag::backend:
        app.add_option(flag_for("backend"), q.backend, "Engine: " + enum_choices<Backend>(" | "));
        break;
      case ScenarioFlag::api:
        app.add_option(flag_for("api"), q.api,
                       "Device API: " + enum_choices<DeviceApi>(" | ") + " (default: the chip's)");
        break;
      case ScenarioFlag::kv_type:
        app.add_option(flag_for("kv_type"), q.kv_type, "KV cache type: " + enum_choices<KvCacheType>(" | "))
            ->capture_default_str();
        break;
      case ScenarioFlag::prompt_tokens:
        app.add_option(flag_for("prompt_tokens"), q.prompt_tokens,
                       "Prompt length: prefill, TTFT, and the depth decode starts at")
            ->capture_default_str();
        break;
      case ScenarioFlag::batch:
        app.add_option(flag_for("batch"), q.batch, "Concurrent sequences")->capture_default_str();
        break;
      case ScenarioFlag::memory_gib:
        app.add_option(flag_for("memory_gib"), q.memory_gib,
                       "Memory per device in GiB: a capacity variant or what is free (default: the catalogue's)");
        break;
      case ScenarioFlag::gpu_memory_fraction:
        app.add_option(flag_for("gpu_memory_fraction"), q.gpu_memory_fraction,
                       "Unified memory: share the GPU may use (default: macOS rule or catalogue)");
        break;
      case ScenarioFlag::host:
        app.add_option(flag_for("host"), q.host, "CPU/RAM entry that runs offloaded layers (GPUs)");
        break;
      case ScenarioFlag::host_memory_gib:
        app.add_option(flag_for("host_memory_gib"), q.host_memory_gib, "Host RAM in GiB (default: the host entry's)");
        break;
      case ScenarioFlag::allow_offload:
        app.add_flag("!" + flag_for("allow_offload"), q.allow_offload,
                     "Do not consider CPU offload when the model does not fit");
        break;
    }
  }
}

std::string hardware_help(const std::string& example) {
  return "Hardware: id[:count][@GiB] or as written (\"RTX 4090\", \"M3 Ultra 512GB\"), e.g. " + example +
         " (see 'llmfit list hardware')";
}

std::string model_help(const std::string& example) {
  return "Model: id[-quant], an Ollama tag, a Hugging Face repo or a GGUF file name, e.g. " + example +
         " (see 'llmfit list models')";
}

std::vector<ScenarioFlag> planning_flags(std::initializer_list<ScenarioFlag> more) {
  std::vector<ScenarioFlag> flags{ScenarioFlag::context_tokens, ScenarioFlag::backend, ScenarioFlag::kv_type,
                                  ScenarioFlag::prompt_tokens};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

void add_output_options(CLI::App& app, OutputOptions& output, std::span<const Format> formats, bool chart) {
  add_format_option(app, output.format, formats);
  app.add_option("-o,--output", output.path, "Write the output to this file instead of stdout");
  if (chart) app.add_option("--svg", output.svg, "Also write an SVG chart to this file");
}

void write_outputs(const OutputOptions& output, const std::string& text,
                   const std::function<std::string()>& render_svg) {
  std::vector<std::pair<std::string, std::string>> files;
  if (!output.svg.empty()) {
    if (output.svg == "-") throw InputError("--svg: give a file name (stdout is for the main output)");
    files.emplace_back(output.svg, spelled(render_svg()));
  }
  if (!is_stdout(output.path)) files.emplace_back(output.path, spelled(text));
  write_files_atomically(files);  // all or none: a failed -o leaves no chart behind
  if (is_stdout(output.path)) write_output(text, output.path);
}

namespace {

/// An empty value is never "not given", and a whole number beyond 64 bits is quoted as typed (CLI11 would
/// saturate it to 9223372036854775807 before any range check sees it).
std::string value_problem(const std::string& value, const std::string& type_name) {
  if (value.empty()) return "empty value; give one, or leave the option out";
  if (type_name == "INT" || type_name == "UINT") {
    const char* begin = value.data() + (value.front() == '-' || value.front() == '+' ? 1 : 0);
    const char* end = value.data() + value.size();
    const bool digits = begin != end && std::all_of(begin, end, [](char c) { return c >= '0' && c <= '9'; });
    std::int64_t parsed = 0;
    const char* start = value.front() == '+' ? value.data() + 1 : value.data();
    if (digits && std::from_chars(start, end, parsed).ec == std::errc::result_out_of_range)
      return excerpt(value, 40) + " is out of range (beyond a 64-bit integer)";
  }
  return "";
}

}  // namespace

void add_value_checks(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    if (option->get_expected_min() == 0) continue;  // a flag takes no value
    const std::string type_name = option->get_type_name();
    option->check(CLI::Validator([type_name](std::string& value) { return value_problem(value, type_name); }, ""));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_value_checks(*sub);
}

void add_machine_values(CLI::App& app, GlobalOptions& global) {
  const std::string hardware_flag = flag_for("hardware");
  const std::string host_flag = flag_for("host");
  const std::string memory_flag = flag_for("memory_gib");
  for (CLI::Option* option : app.get_options()) {
    if (option->check_lname(hardware_flag.substr(2))) {
      // `auto` (or `auto:N`): the detected machine, layered into the catalogue as entry `auto`; N identical
      // GPUs become `auto:N`.
      option->transform(CLI::Validator(
          [&global](std::string& value) {
            // auto, auto:N, auto@GiB, auto:N@GiB
            const std::string lower = to_lower(value);
            if (lower != kAutoHardwareId && !lower.starts_with(std::string(kAutoHardwareId) + ":") &&
                !lower.starts_with(std::string(kAutoHardwareId) + "@"))
              return std::string();
            global.hardware_auto = true;
            (void)catalog(global);
            if (lower.starts_with(std::string(kAutoHardwareId) + ":")) return std::string();  // a count of its own
            value = auto_hardware_name(identified_machine(global)) + value.substr(kAutoHardwareId.size());
            return std::string();
          },
          ""));
    } else if (option->check_lname(host_flag.substr(2))) {
      option->transform(CLI::Validator(
          [&global](std::string& value) {
            if (!equals_ignore_case(value, kAutoHardwareId)) return std::string();
            global.hardware_auto = true;
            value = std::string(kAutoHostId);
            return std::string();
          },
          ""));
    } else if (option->check_lname(memory_flag.substr(2))) {
      // `free`: what is free now on the device --hw auto plans on (the smallest of identical GPUs).
      option->transform(CLI::Validator(
          [&global](std::string& value) {
            if (!equals_ignore_case(value, "free")) return std::string();
            const IdentifiedMachine& machine = identified_machine(global);
            if (machine.primary < 0) throw InputError(field("memory_gib") + ": free: no usable device was detected");
            const IdentifiedDevice& device = machine.devices[static_cast<std::size_t>(machine.primary)];
            if (device.memory_free_gib <= 0)
              throw InputError(field("memory_gib") + ": free: the free memory of " + device.name +
                               " is unknown here (see 'llmfit detect'); give a size in GiB");
            value = fmt::format("{:.2f}", std::floor(device.memory_free_gib * 100) / 100);
            return std::string();
          },
          ""));
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_machine_values(*sub, global);
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
