// The page's one entry into the library: a command run in process exactly as `llmfit serve` runs it
// (cli/in_process.hpp), so every number the page shows is the command line's JSON for the same options.
#include <emscripten/emscripten.h>

#include <nlohmann/json.hpp>

#include <string>

#include "in_process.hpp"
#include "llmfit/text.hpp"

/// The options of `command` ("compare") as the API index describes them: [{"name", "description", "type",
/// "required", "choices"}]. The text stays valid until the next call.
extern "C" EMSCRIPTEN_KEEPALIVE const char* llmfit_options(const char* command) {
  static std::string answer;
  nlohmann::json out = nlohmann::json::array();
  if (const auto* setup = llmfit::cli::find_command(llmfit::cli::page_commands(), command != nullptr ? command : ""))
    for (const llmfit::cli::OptionInfo& option : llmfit::cli::describe_options(*setup))
      out.push_back({{"name", option.name}, {"description", option.description}, {"type", option.type},
                     {"required", option.required}, {"choices", option.choices}});
  answer = out.dump();
  return answer.c_str();
}

/// Runs `command` ("predict", "compare", "list/hardware" …) with `query` (`hw=m2-max&context=32768`) and returns
/// {"status": 0|1|2, "document": "<the --format json output>", "error": "…", "charts": {"chart": "<svg…"},
/// "json": true|false}. The text stays valid until the next call.
extern "C" EMSCRIPTEN_KEEPALIVE const char* llmfit_run(const char* command, const char* query) {
  static std::string answer;
  nlohmann::json out;
  try {
    // The path-like `command` ("compare", "list/hardware", "show/hw/m2-max"): the command, then its words.
    const std::vector<std::string_view> words = llmfit::split_on(command != nullptr ? command : "", '/');
    const llmfit::cli::CommandSetup* setup = llmfit::cli::find_command(llmfit::cli::page_commands(), words.front());
    if (setup == nullptr) {
      out = {{"status", 2}, {"error", "no command '" + llmfit::excerpt(words.front(), 40) + "'"}};
    } else {
      llmfit::cli::InProcessRequest request;
      request.positionals.assign(words.begin() + 1, words.end());
      request.query = query != nullptr ? query : "";
      request.keep_charts = true;
      const llmfit::cli::InProcessResult result = llmfit::cli::run_in_process(
          *setup, request, llmfit::Catalog::builtin(), llmfit::shipped_efficiency_profile());
      nlohmann::json charts = nlohmann::json::object();
      for (const auto& [name, svg] : result.charts) charts[name] = svg;
      out = {{"status", result.status}, {"document", result.document}, {"error", result.error},
             {"charts", charts}, {"json", result.is_json}};
    }
  } catch (const std::exception& e) {
    out = {{"status", 1}, {"error", std::string("internal error: ") + e.what()}};
  }
  answer = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return answer.c_str();
}
