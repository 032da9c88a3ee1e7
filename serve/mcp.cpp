#include "mcp.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "in_process.hpp"
#include "page_link.hpp"

namespace llmfit::serve {
namespace {

using nlohmann::json;

struct Tool {
  std::string_view name;
  std::string_view description;
};
constexpr std::array<Tool, 4> kTools{{
    {"predict", "Will a model fit on a machine, and how fast will it run: memory breakdown, decode and prefill "
                "tokens/s with their calibrated range, time to first token, decode speed over context lengths. "
                "Example arguments: {\"hw\": \"m2-max\", \"model\": \"qwen3-coder-q4\", \"context\": 32768}."},
    {"compare", "One model on several machines, ranked: fit, decode speed, headroom, tokens/s per dollar. "
                "Example: {\"model\": \"llama-3.1-8b-q4\", \"hw\": \"rtx-4090,m4-max-40c\"} or {\"all\": true}."},
    {"fit", "Which models and quantisations fit on one machine, and how fast. Example: {\"hw\": \"rtx-4090\"}."},
    {"recommend", "What hardware to buy for a budget, a team size and a model size. Example: {\"budget\": 4000, "
                  "\"users\": 3, \"model-size\": \"30b\"}."},
}};

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;

constexpr std::array<std::string_view, 3> kProtocolVersions{"2025-06-18", "2025-03-26", "2024-11-05"};

struct TooDeep : std::runtime_error {
  TooDeep() : std::runtime_error("nested too deeply") {}
};

Response reply(const json& message) {
  return Response{200, "application/json", message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"};
}

Response rpc_error(const json& id, int code, const std::string& message) {
  return reply({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

json input_schema(const cli::CommandSetup& command) {
  json properties = json::object();
  json required = json::array();
  for (const cli::OptionInfo& option : cli::describe_options(command)) {
    properties[option.name] = {{"type", option.type}, {"description", option.description}};
    if (!option.choices.empty()) properties[option.name]["enum"] = option.choices;
    if (option.required) required.push_back(option.name);
  }
  json schema = {{"type", "object"}, {"properties", properties}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

json tools_list() {
  json tools = json::array();
  for (const Tool& tool : kTools)
    tools.push_back({{"name", tool.name},
                     {"description", tool.description},
                     {"inputSchema", input_schema(*cli::find_command(cli::page_commands(), tool.name))}});
  return {{"tools", tools}};
}

/// The arguments object as the command's query string: `key=value`, a true flag as `key`, a list as the key
/// repeated; false and null leave the option out. std::nullopt for an argument of no such shape.
std::optional<std::string> arguments_query(const json& arguments) {
  std::string query;
  const auto add = [&query](const std::string& key, const std::string* value) {
    if (!query.empty()) query += '&';
    query += cli::percent_encoded(key);
    if (value != nullptr) query += "=" + cli::percent_encoded(*value);
  };
  const auto scalar = [](const json& value) -> std::optional<std::string> {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number()) return value.dump();
    return std::nullopt;
  };
  for (const auto& [key, value] : arguments.items()) {
    if (value.is_null() || (value.is_boolean() && !value.get<bool>())) continue;
    if (value.is_boolean()) {
      add(key, nullptr);
    } else if (value.is_array()) {
      for (const json& item : value) {
        const std::optional<std::string> text = scalar(item);
        if (!text) return std::nullopt;
        add(key, &*text);
      }
    } else {
      const std::optional<std::string> text = scalar(value);
      if (!text) return std::nullopt;
      add(key, &*text);
    }
  }
  return query;
}

Response call_tool(const Site& site, const json& id, const json& params) {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
    return rpc_error(id, kInvalidParams, "tools/call: params.name must name a tool (see tools/list)");
  const std::string name = params["name"].get<std::string>();
  if (std::none_of(kTools.begin(), kTools.end(), [&](const Tool& t) { return t.name == name; }))
    return rpc_error(id, kInvalidParams, "tools/call: unknown tool '" + excerpt(name, 40) + "' (see tools/list)");
  const json arguments = params.value("arguments", json::object());
  if (!arguments.is_object()) return rpc_error(id, kInvalidParams, "tools/call: arguments must be an object");
  const std::optional<std::string> query = arguments_query(arguments);
  if (!query)
    return rpc_error(id, kInvalidParams, "tools/call: each argument is a string, a number, a boolean or a list of them");
  cli::InProcessRequest request;
  request.query = *query;
  const cli::InProcessResult result =
      cli::run_in_process(*cli::find_command(cli::page_commands(), name), request, *site.catalog, *site.profile);
  const bool failed = result.status != 0;
  const json content = json::array({{{"type", "text"}, {"text", failed ? result.error : result.document}}});
  return reply({{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"content", content}, {"isError", failed}}}});
}

}  // namespace

Response respond_mcp(const Site& site, const std::string& body) {
  json message;
  try {
    message = json::parse(body, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxMcpJsonDepth) throw TooDeep();
      return true;
    });
  } catch (const TooDeep&) {
    return rpc_error(nullptr, kParseError, "message nested deeper than " + std::to_string(kMaxMcpJsonDepth));
  } catch (const json::exception&) {
    return rpc_error(nullptr, kParseError, "not valid JSON");
  }
  if (message.is_array()) return rpc_error(nullptr, kInvalidRequest, "batches are not supported: one message per request");
  if (!message.is_object() || message.value("jsonrpc", json()) != "2.0" || !message.contains("method") ||
      !message["method"].is_string())
    return rpc_error(nullptr, kInvalidRequest, "not a JSON-RPC 2.0 request (jsonrpc \"2.0\" and a method)");
  const std::string method = message["method"].get<std::string>();
  if (!message.contains("id")) return Response{202, "application/json", ""};  // a notification: no answer
  const json id = message["id"];
  if (!id.is_string() && !id.is_number_integer())
    return rpc_error(nullptr, kInvalidRequest, "id must be a string or an integer");
  const json params = message.value("params", json::object());
  if (method == "initialize") {
    const std::string asked = params.is_object() ? params.value("protocolVersion", std::string()) : std::string();
    const bool known = std::find(kProtocolVersions.begin(), kProtocolVersions.end(), asked) != kProtocolVersions.end();
    return reply({{"jsonrpc", "2.0"},
                  {"id", id},
                  {"result",
                   {{"protocolVersion", known ? asked : std::string(kProtocolVersions.front())},
                    {"capabilities", {{"tools", {{"listChanged", false}}}}},
                    {"serverInfo", {{"name", "llmfit"}, {"version", "0.1.0"}}},
                    {"instructions", "Each tool answers with the JSON document of the llmfit command of the same name; "
                                     "arguments are its options by long name (hw, model, context …)."}}}});
  }
  if (method == "ping") return reply({{"jsonrpc", "2.0"}, {"id", id}, {"result", json::object()}});
  if (method == "tools/list") return reply({{"jsonrpc", "2.0"}, {"id", id}, {"result", tools_list()}});
  if (method == "tools/call") return call_tool(site, id, params);
  return rpc_error(id, kMethodNotFound, "method not found: " + excerpt(method, 40));
}

}  // namespace llmfit::serve
