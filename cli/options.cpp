#include "options.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "files.hpp"
#include "flags.hpp"
#include "page_link.hpp"

namespace llmfit::cli {

namespace {

/// Registers one scenario flag bound to its field of `q`.
void add_scenario_option(CLI::App& app, Query& q, ScenarioFlag flag) {
  const std::string name = flag_for(scenario_flag_info(flag).field);
  switch (flag) {
    case ScenarioFlag::context_tokens:
      accept_token_suffixes(app.add_option_function<std::int64_t>(
          name, [&q](const std::int64_t& tokens) { q.context_tokens = tokens; },
          "Context length: the KV cache per sequence, e.g. 32768 or 32k (default 8192 or the model's maximum, "
          "widened to a longer --prompt-tokens)"));
      break;
    case ScenarioFlag::prompt_tokens:
      accept_token_suffixes(app.add_option_function<std::int64_t>(
          name, [&q](const std::int64_t& tokens) { q.prompt_tokens = tokens; },
          "Prompt length: prefill, TTFT, and the depth decode starts at (default 512, at most --context)"));
      break;
    case ScenarioFlag::backend:
      app.add_option(name, q.backend, "Engine: " + enum_choices<Backend>(" | "));
      break;
    case ScenarioFlag::api:
      app.add_option(name, q.api, "Device API: " + enum_choices<DeviceApi>(" | ") + " (default: the chip's)");
      break;
    case ScenarioFlag::kv_type:
      app.add_option(name, q.kv_type, "KV cache type: " + enum_choices<KvCacheType>(" | "))->capture_default_str();
      break;
    case ScenarioFlag::batch:
      app.add_option(name, q.batch, "Concurrent sequences")->capture_default_str();
      break;
    case ScenarioFlag::memory_gib:
      app.add_option_function<double>(
          name, [&q](const double& gib) { q.memory_gib = gib; },
          "Memory per device in GiB: a capacity variant or what is free (default: the catalogue's)");
      break;
    case ScenarioFlag::gpu_memory_fraction:
      app.add_option_function<double>(
          name, [&q](const double& share) { q.gpu_memory_fraction = share; },
          "Unified memory: share the GPU may use, 0.05-1 (default: macOS rule or catalogue)");
      break;
    case ScenarioFlag::host:
      app.add_option(name, q.host, "CPU/RAM entry that runs offloaded layers (GPUs)");
      break;
    case ScenarioFlag::host_memory_gib:
      app.add_option_function<double>(
          name, [&q](const double& gib) { q.host_memory_gib = gib; },
          "Host RAM in GiB for a GPU's offloaded layers (default: the host entry's)");
      break;
    case ScenarioFlag::allow_offload:
      app.add_flag("!" + name, q.allow_offload, "Do not consider CPU offload when the model does not fit");
      break;
    case ScenarioFlag::fit_margin:
      app.add_option(name, q.fit_margin,
                     "Memory every 'fits' keeps free: a share of usable memory (8%) or GB (1.5), 0 for none "
                     "(default: 5% or 0.5 GB, whichever is larger)")
          ->type_name("MARGIN");
      break;
    case ScenarioFlag::gpu_memory_utilization:
      app.add_option_function<double>(
          name, [&q](const double& share) { q.gpu_memory_utilization = share; },
          "vLLM: share of each GPU it allocates for weights and KV cache, 0.05-1 (default 0.9)");
      break;
  }
}

}  // namespace

void add_scenario_options(CLI::App& app, Query& q, const std::vector<RefusedFlag>& refused) {
  for (const ScenarioFlagInfo& info : kScenarioFlags) {
    const auto refusal = std::find_if(refused.begin(), refused.end(),
                                      [&info](const RefusedFlag& r) { return r.flag == info.flag; });
    if (refusal == refused.end()) add_scenario_option(app, q, info.flag);
  }
  refuse_scenario_flags(app, refused);
}

void refuse_scenario_flags(CLI::App& app, const std::vector<RefusedFlag>& refused) {
  for (const RefusedFlag& r : refused) {
    const ScenarioFlagInfo& info = scenario_flag_info(r.flag);
    refuse_option(app, flag_for(info.field), info.takes_value, r.reason);
  }
}

void refuse_option(CLI::App& app, const std::string& name, bool takes_value, const std::string& reason) {
  const std::string message = name + ": not used by '" + app.get_name() + "': " + reason;
  if (takes_value) {
    app.add_option_function<std::string>(name, [message](const std::string&) { throw InputError(message); })
        ->group("");
  } else {
    // Stored as text, not a number: CLI11 converts a flag function's value ("--no-offload=abc") with std::stoll,
    // whose exception escapes its error handling.
    auto given = std::make_shared<std::string>();
    app.add_flag(name, *given, "")
        ->each([message, given](const std::string&) { throw InputError(message); })
        ->group("");
  }
}

std::optional<std::int64_t> parse_token_suffix(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char suffix = text.back();
  double scale = 0;
  if (suffix == 'k' || suffix == 'K') scale = 1024;
  if (suffix == 'm' || suffix == 'M') scale = 1024.0 * 1024.0;
  if (scale == 0) return std::nullopt;
  const std::string number = text.substr(0, text.size() - 1);
  const std::optional<double> value = parse_decimal(number);
  const double tokens = value.value_or(-1) * scale;
  if (!value || !std::isfinite(tokens) || tokens < 0 ||
      tokens > 9e15 || tokens != std::floor(tokens))
    throw InputError("'" + excerpt(text, 40) + "' is not a whole number of tokens (e.g. 8192, 32k = 32768, 1M = " +
                     "1048576)");
  return static_cast<std::int64_t>(tokens);
}

CLI::Option* accept_token_suffixes(CLI::Option* option) {
  return option->type_name("TOKENS")->transform(CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          if (const auto tokens = parse_token_suffix(value)) value = std::to_string(*tokens);
        } catch (const InputError& e) {
          return e.message();
        }
        return "";
      },
      ""));
}

std::string hardware_help(const std::string& example) {
  return "Hardware: id[:count][@GiB] or as written (\"RTX 4090\", \"M3 Ultra 512GB\"), e.g. " + example +
         " (see 'llmfit list hardware')";
}

std::string model_help(const std::string& example) {
  return "Model: id[-quant], an Ollama tag, a Hugging Face repo or a GGUF file name, e.g. " + example +
         " (see 'llmfit list models')";
}

void add_output_options(CLI::App& app, OutputOptions& output, std::span<const Format> formats, bool chart) {
  add_format_option(app, output.format, formats);
  app.add_option("-o,--output", output.path, "Write the output to this file instead of stdout");
  if (chart) app.add_option("--svg", output.svg, "Also write an SVG chart to this file");
  app.add_flag("--url", output.url,
               "Print the link to this view on the page instead (llmfit serve's address, or $LLMFIT_PAGE_URL)");
  output.command = &app;
}

void write_outputs(const OutputOptions& output, const std::string& text,
                   const std::function<std::string()>& render_svg) {
  if (output.url) return write_output(page_link(*output.command) + "\n", output.path);
  InProcess* run = in_process();
  if (run != nullptr && !is_stdout(output.path))
    throw InputError("--output: " + std::string(kNoFilesInProcess));
  std::vector<std::pair<std::string, std::string>> files;
  if (!output.svg.empty()) {
    if (output.svg == "-") throw InputError("--svg: give a file name (stdout is for the main output)");
    if (run != nullptr && !run->keep_charts) throw InputError("--svg: " + std::string(kNoFilesInProcess));
    if (run != nullptr) {
      run->charts.emplace_back(output.svg, spelled(render_svg()));
    } else {
      files.emplace_back(output.svg, spelled(render_svg()));
    }
  }
  if (!is_stdout(output.path)) files.emplace_back(output.path, spelled(text));
  if (!files.empty()) write_files(files);  // all or none: a failed -o leaves no chart behind
  if (is_stdout(output.path)) write_output(text, output.path);
}

namespace {

/// An empty value is never "not given", and a whole number beyond 64 bits is quoted as typed (CLI11 would
/// saturate it to 9223372036854775807 before any range check sees it).
std::string value_problem(const std::string& value, const std::string& type_name) {
  if (value.empty()) return "empty value; give one, or leave the option out";
  if (type_name == "INT" || type_name == "UINT" || type_name == "TOKENS") {
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

void refuse_unreadable_numbers(const std::vector<std::string>& arguments) {
  for (const std::string& argument : arguments) {
    const std::size_t equals = argument.find('=');
    if (argument.rfind("--", 0) != 0 || equals == std::string::npos) continue;
    std::string_view value = std::string_view(argument).substr(equals + 1);
    if (!value.empty() && (value[0] == '-' || value[0] == '+')) value.remove_prefix(1);
    // CLI11 reads a switch's number with std::stoll, whose out_of_range escapes its own error handling; no
    // option of llmfit takes an integer of 19 digits or more.
    if (value.size() >= 19 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw InputError(argument.substr(0, equals) + ": " + std::string(value.substr(0, 40)) +
                       (value.size() > 40 ? "..." : "") + " is out of range");
  }
}

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

void refuse_fallthrough(CLI::App& app, const std::vector<const CLI::Option*>& shared) {
  app.parse_complete_callback([&app, shared] {
    const std::vector<CLI::App*> chosen = app.get_subcommands();
    if (chosen.empty()) return;
    const std::string command = chosen.front()->get_name();
    for (const CLI::Option* option : std::as_const(app).get_options()) {
      if (option->count() == 0 || std::find(shared.begin(), shared.end(), option) != shared.end()) continue;
      throw InputError(option->get_name() + ": not an option of '" + command + "' (see 'llmfit " + command +
                       " --help')");
    }
  });
}

std::vector<std::string> split_names(const std::vector<std::string>& values, const std::string& flag) {
  std::vector<std::string> names;
  for (const std::string& value : values)
    for (std::string_view name : split_on(value, ',')) {
      const auto first = name.find_first_not_of(" \t");
      name = first == std::string_view::npos ? "" : name.substr(first, name.find_last_not_of(" \t") - first + 1);
      if (name.empty()) throw InputError(flag + ": empty name in '" + value.substr(0, 100) + "' (stray comma?)");
      names.emplace_back(name);
    }
  return names;
}

}  // namespace llmfit::cli
