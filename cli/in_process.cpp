#include "in_process.hpp"

#include <algorithm>
#include <array>
#include <exception>

#include "commands.hpp"
#include "flags.hpp"
#include "options.hpp"
#include "page_link.hpp"

namespace llmfit::cli {

std::span<const CommandSetup> page_commands() {
  static constexpr std::array<CommandSetup, 10> kCommands{{
      {"predict", setup_predict},
      {"list", setup_list},
      {"show", setup_show},
      {"compare", setup_compare},
      {"fit", setup_fit},
      {"scale", setup_scale},
      {"cluster", setup_cluster},
      {"cost", setup_cost},
      {"recommend", setup_recommend},
      {"check", setup_check},
  }};
  return kCommands;
}

const CommandSetup* find_command(std::span<const CommandSetup> commands, std::string_view name) {
  const auto it = std::find_if(commands.begin(), commands.end(), [&](const CommandSetup& c) { return c.name == name; });
  return it == commands.end() ? nullptr : &*it;
}

Failure current_failure() {
  try {
    throw;
  } catch (const CLI::ParseError& e) {
    return {2, one_line(e.what())};
  } catch (const InputError& e) {
    return {2, spelled(e.message())};
  } catch (const std::exception& e) {
    return {1, "internal error: " + one_line(e.what())};
  } catch (...) {
    return {1, "internal error"};
  }
}

namespace {

/// The options whose value names an enum's value: the choices come from the enum's NameTable.
std::vector<std::string> choices_of(std::string_view option) {
  const auto is = [option](std::string_view field) { return "--" + std::string(option) == flag_for(field); };
  if (is("kv_type")) return enum_names<KvCacheType>();
  if (is("backend")) return enum_names<Backend>();
  if (is("api")) return enum_names<DeviceApi>();
  if (option == "kind") return enum_names<HardwareKind>();
  if (option == "sort") return enum_names<FitSort>();
  return {};
}

}  // namespace

std::vector<OptionInfo> describe_options(const CommandSetup& command) {
  CLI::App app{"", "llmfit"};
  GlobalOptions global;
  command.setup(app, global);
  const CLI::App& target = command.name == "predict" ? app : *app.get_subcommand(std::string(command.name));
  std::vector<OptionInfo> options;
  for (const CLI::Option* option : target.get_options()) {
    if (option->get_lnames().empty()) continue;  // positionals
    const std::string& name = option->get_lnames().front();
    if (name == "help" ||
        std::find(kOutputOptions.begin(), kOutputOptions.end(), "--" + name) != kOutputOptions.end())
      continue;
    OptionInfo info;
    info.name = name;
    info.description = option->get_description();
    const std::string type = option->get_type_name();
    info.type = option->get_expected_min() == 0 ? "boolean"
                : type == "INT" || type == "UINT" ? "integer"
                : type == "FLOAT"                 ? "number"
                                                  : "string";
    info.required = option->get_required();
    info.choices = choices_of(name);
    options.push_back(std::move(info));
  }
  return options;
}

InProcessResult run_in_process(const CommandSetup& command, const InProcessRequest& request, const Catalog& catalog,
                               const EfficiencyProfile& profile) {
  InProcessResult result;
  InProcess run;
  run.keep_charts = request.keep_charts;
  run.standard_input = request.standard_input;
  const InProcessScope scope(run);

  CLI::App app{"llmfit: will this LLM fit on this machine, and how fast will it run?", "llmfit"};
  GlobalOptions global;
  global.preloaded_catalog = &catalog;
  global.preloaded_profile = &profile;
  command.setup(app, global);
  add_value_checks(app);
  const bool top_level = command.name == "predict";
  if (!top_level) app.require_subcommand(1, 1);
  CLI::App& target = top_level ? app : *app.get_subcommand(std::string(command.name));
  try {
    std::vector<std::string> arguments;
    if (!top_level) arguments.emplace_back(command.name);
    arguments.insert(arguments.end(), request.positionals.begin(), request.positionals.end());
    const std::vector<QueryPair> pairs = parse_query(request.query);
    for (const QueryPair& pair : pairs)
      if (pair.key == "format") throw InputError("format: the answer here is always JSON");
    const std::vector<std::string> options = query_arguments(pairs, target);
    arguments.insert(arguments.end(), options.begin(), options.end());
    arguments.emplace_back("--format=json");
    if (request.keep_charts && target.get_option_no_throw("--svg") != nullptr &&
        std::none_of(pairs.begin(), pairs.end(), [](const QueryPair& p) { return p.key == "url"; }))
      arguments.emplace_back("--svg=chart");
    std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last first
    refuse_unreadable_numbers(arguments);
    app.parse(arguments);
    result.is_json = std::none_of(pairs.begin(), pairs.end(), [](const QueryPair& p) { return p.key == "url"; });
    result.document = std::move(run.document);
    result.charts = std::move(run.charts);
  } catch (const CLI::CallForHelp&) {
    result.document = target.help();
    result.is_json = false;
  } catch (...) {
    const Failure failure = current_failure();
    result.status = failure.status;
    result.error = failure.message;
  }
  return result;
}

}  // namespace llmfit::cli
