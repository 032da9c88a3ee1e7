#include "server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "llmfit/text.hpp"
#include "in_process.hpp"
#include "mcp.hpp"

namespace llmfit::serve {
namespace {

using cli::CommandSetup;

constexpr std::string_view kJson = "application/json";

/// The commands with an endpoint of their own (/api/<name>); list and show take their words from the path.
bool has_plain_endpoint(std::string_view name) { return name != "list" && name != "show"; }

/// A word of the path given to a command (`hardware`, `m2-max`): a short name that cannot be read as an option.
bool is_path_word(std::string_view word) {
  return !word.empty() && word.size() <= 100 && word.front() != '-' &&
         std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) > 0x20; });
}

Response from_result(const cli::InProcessResult& result) {
  if (result.status != 0) return error_response(result.status == 2 ? 400 : 500, result.error);
  Response response;
  response.body = result.document;
  if (!result.is_json) response.content_type = "text/plain; charset=utf-8";
  return response;
}

Response run(const Site& site, std::string_view name, std::vector<std::string> positionals, std::string_view query,
             const std::string* body) {
  static constexpr CommandSetup kValidate{"validate", cli::setup_validate};
  const CommandSetup* command = name == "validate" ? &kValidate : cli::find_command(cli::page_commands(), name);
  cli::InProcessRequest request;
  request.positionals = std::move(positionals);
  request.query = query;
  request.standard_input = body;
  return from_result(cli::run_in_process(*command, request, *site.catalog, *site.profile));
}

std::string index_document() {
  nlohmann::json commands = nlohmann::json::array();
  for (const CommandSetup& command : cli::page_commands()) {
    std::string endpoint = "/api/" + std::string(command.name);
    if (command.name == "list") endpoint += "/{hardware|models|quants}";
    if (command.name == "show") endpoint += "/{hw|model|quant}/{id}";
    nlohmann::json options = nlohmann::json::array();
    for (const cli::OptionInfo& option : cli::describe_options(command))
      options.push_back({{"name", option.name}, {"type", option.type}, {"required", option.required},
                         {"description", option.description}, {"choices", option.choices}});
    commands.push_back({{"command", command.name}, {"method", "GET"}, {"endpoint", endpoint}, {"options", options}});
  }
  commands.push_back({{"command", "validate"},
                      {"method", "POST"},
                      {"endpoint", "/api/validate"},
                      {"body", "a run file (llmfit JSON, llama-bench -o json/jsonl, Ollama, CSV)"}});
  nlohmann::json index = {
      {"about", "llmfit: each endpoint answers with exactly the command's --format json output; the query string "
                "holds its options by their long names (hw=m2-max&context=32768), a flag by its name alone"},
      {"commands", commands},
      {"errors", "400 with {\"error\": \"…\"} for bad input, as the command line's exit status 2"},
      {"mcp", "POST /mcp (Model Context Protocol, JSON-RPC 2.0; tools: predict, compare, fit, recommend)"}};
  return index.dump(2) + "\n";
}

constexpr std::string_view kNoPage =
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>llmfit</title><body><h1>llmfit</h1>"
    "<p>The page is not built. Build it with the command in the README (section The page), then start "
    "<code>llmfit serve --page build-web/llmfit.html</code>. The JSON API is at <a href=\"/api\">/api</a>.</p>"
    "</body></html>\n";

/// Why the HTTP library refused a request before it reached respond().
std::string library_refusal(int status) {
  switch (status) {
    case 413: return "request body larger than " + std::to_string(Limits::kMaxBodyBytes >> 20) +
                     " MiB (a form-encoded body: 8 KiB; send run files as application/json or text/csv)";
    case 414: return "request target longer than 8,192 bytes";
    case 431: return "request header longer than 8,192 bytes";
    default: return "malformed request (" + std::to_string(status) + ")";
  }
}

/// `answer` as the library's response, sent as it is. Not with set_content: the library then compresses every
/// body for a client that accepts it, Brotli at quality 11 first (26 s for the 2.8 MB page, 80 ms for a 4 KB
/// prediction on the loaded development machine); a body given by a content provider of known length is sent
/// unchanged.
void send(httplib::Response& response, Response answer) {
  response.status = answer.status;
  response.set_header("X-Content-Type-Options", "nosniff");
  if (answer.body.empty()) {
    response.set_content(answer.body, answer.content_type.c_str());
    return;
  }
  const auto body = std::make_shared<const std::string>(std::move(answer.body));
  response.set_content_provider(body->size(), answer.content_type,
                                [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                  return sink.write(body->data() + offset, length);
                                });
}

}  // namespace

Response error_response(int status, std::string_view message) {
  Response response;
  response.status = status;
  response.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return response;
}

Response respond(const Site& site, std::string_view method, std::string_view path, std::string_view query,
                 const std::string& body) {
  const bool get = method == "GET" || method == "HEAD";
  if (path == "/" || path == "/index.html" || path == "/llmfit.html") {
    if (!get) return error_response(405, "method not allowed: the page is read with GET");
    Response response;
    response.content_type = "text/html; charset=utf-8";
    response.body = site.page.empty() ? std::string(kNoPage) : site.page;
    return response;
  }
  if (path == "/mcp") {
    if (method != "POST") return error_response(405, "method not allowed: MCP messages are POSTed");
    return respond_mcp(site, body);
  }
  if (path == "/api" || path == "/api/") {
    if (!get) return error_response(405, "method not allowed: GET the index");
    return Response{200, std::string(kJson), index_document()};
  }
  const std::vector<std::string_view> parts = split_on(path, '/');  // "", "api", command, words…
  if (parts.size() < 3 || !parts[0].empty() || parts[1] != "api") return error_response(404, "not found");
  const std::string_view name = parts[2];
  std::vector<std::string> words;
  for (std::size_t i = 3; i < parts.size(); ++i) {
    if (!is_path_word(parts[i])) return error_response(404, "not found");
    words.emplace_back(parts[i]);
  }
  if (name == "validate") {
    if (method != "POST") return error_response(405, "method not allowed: POST the runs to /api/validate");
    if (!words.empty()) return error_response(404, "not found");
    return run(site, name, {"-"}, query, &body);
  }
  const CommandSetup* command = cli::find_command(cli::page_commands(), name);
  if (command == nullptr) return error_response(404, "not found: no command '" + excerpt(name, 40) + "' (see /api)");
  if (!get) return error_response(405, "method not allowed: GET /api/" + std::string(name));
  const std::size_t expected_words = name == "list" ? 1 : name == "show" ? 2 : 0;
  if (words.size() != expected_words || (has_plain_endpoint(name) && !words.empty()))
    return error_response(404, "not found (see /api for the endpoints)");
  return run(site, name, std::move(words), query, nullptr);
}

struct Server::Impl {
  Site site;
  httplib::Server http;
};

Server::Server(const Site& site, unsigned threads) : impl_(std::make_unique<Impl>()) {
  impl_->site = site;
  httplib::Server& http = impl_->http;
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(Limits::kKeepAliveMaxRequests);
  http.set_keep_alive_timeout(Limits::kKeepAliveTimeoutSeconds);
  http.set_read_timeout(Limits::kReadTimeoutSeconds, 0);
  http.set_write_timeout(Limits::kWriteTimeoutSeconds, 0);
  http.set_payload_max_length(Limits::kMaxBodyBytes);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Every request, whatever its method and path, goes to respond(): nothing is served from the file system.
  const auto handler = [impl = impl_.get()](const httplib::Request& request, httplib::Response& response) {
    const std::size_t mark = request.target.find('?');
    const std::string_view query =
        mark == std::string::npos ? std::string_view() : std::string_view(request.target).substr(mark + 1);
    send(response, respond(impl->site, request.method, request.path, query, request.body));
  };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Delete(".*", handler);
  http.Patch(".*", handler);
  http.Options(".*", handler);
  // What the HTTP library refuses itself (a malformed request line, a body or URI above the limits) gets a
  // message too.
  http.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.has_header("X-Content-Type-Options")) return;  // an answer of respond(), set by send()
    send(response, error_response(response.status, library_refusal(response.status)));
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
    send(response, error_response(500, "internal error"));
  });
}

Server::~Server() = default;

int Server::bind(const std::string& host, int port) {
  const int bound = port == 0 ? impl_->http.bind_to_any_port(host) : (impl_->http.bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    throw InputError("serve: cannot listen on " + excerpt(host, 60) + ":" + std::to_string(port) +
                     " (address in use, or not an address of this machine)");
  return bound;
}

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() { impl_->http.stop(); }

}  // namespace llmfit::serve
