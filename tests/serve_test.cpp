// `llmfit serve` over real sockets: every endpoint against its command-line twin, errors as 400 with a
// message, fuzzed query strings, path traversal, size limits, the MCP endpoint and a clean stop on SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "server.hpp"

namespace llmfit {
namespace {

using nlohmann::json;

/// One `llmfit serve --port 0` for the whole suite: its port is read from the line it prints.
class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execl(LLMFIT_CLI, LLMFIT_CLI, "serve", "--port", "0", "--page", LLMFIT_TEST_DATA "/serve/page.html",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    const std::size_t colon = line.find("127.0.0.1:");
    ASSERT_NE(colon, std::string::npos) << line;
    port_ = std::stoi(line.substr(colon + 10));
  }
  static void TearDownTestSuite() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    stopped_cleanly_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    EXPECT_TRUE(stopped_cleanly_) << "status " << status;
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }

  /// The raw bytes a request gets back (for targets a client library would normalise).
  static std::string raw_request(const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return "";
    }
    std::size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    // Read the head and a body of Content-Length bytes (the library may keep the connection open after an error).
    std::string answer;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
      answer.append(buffer, static_cast<std::size_t>(n));
      const std::size_t head_end = answer.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      const std::size_t length_at = answer.find("Content-Length: ");
      const std::size_t length = length_at < head_end ? std::stoul(answer.substr(length_at + 16)) : 0;
      if (answer.size() >= head_end + 4 + length) break;
    }
    ::close(fd);
    return answer;
  }

  static pid_t pid_;
  static int port_;
  static bool stopped_cleanly_;
};
pid_t Serve::pid_ = -1;
int Serve::port_ = 0;
bool Serve::stopped_cleanly_ = false;

struct Twin {
  std::string target;                  // the API request
  std::vector<std::string> arguments;  // the same as a command line (without --format json)
};

TEST_F(Serve, EveryEndpointAnswersExactlyAsItsCommandLineTwin) {
  const std::vector<Twin> twins{
      {"/api/predict?hw=m2-max&model=qwen3-coder-q4&context=32768",
       {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--context", "32768"}},
      {"/api/compare?model=llama-3.1-8b-q4&hw=rtx-4090,m4-max-40c,rtx-3090:2",
       {"compare", "--model", "llama-3.1-8b-q4", "--hw", "rtx-4090,m4-max-40c,rtx-3090:2"}},
      {"/api/fit?hw=rtx-4090&top=5", {"fit", "--hw", "rtx-4090", "--top", "5"}},
      {"/api/scale?hw=m2-max&model=qwen3-coder-q4&batch-sweep",
       {"scale", "--hw", "m2-max", "--model", "qwen3-coder-q4", "--batch-sweep"}},
      {"/api/cluster?hw=m4-pro:4@64&model=llama-3.3-70b-q4", {"cluster", "--hw", "m4-pro:4@64", "--model", "llama-3.3-70b-q4"}},
      {"/api/cost?hw=m4-max-40c&model=qwen3-coder-q4&years=2", {"cost", "--hw", "m4-max-40c", "--model", "qwen3-coder-q4", "--years", "2"}},
      {"/api/recommend?budget=3000&users=2&model-size=8b", {"recommend", "--budget", "3000", "--users", "2", "--model-size", "8b"}},
      {"/api/check?hw=m1&model=qwen2-1.5b-q4&claimed-tok-s=1500", {"check", "--hw", "m1", "--model", "qwen2-1.5b-q4", "--claimed-tok-s", "1500"}},
      {"/api/list/models?family=qwen", {"list", "models", "--family", "qwen"}},
      {"/api/show/hw/rtx-4090", {"show", "hw", "rtx-4090"}},
  };
  httplib::Client c = client();
  for (const Twin& twin : twins) {
    std::vector<std::string> words = twin.arguments;
    words.insert(words.end(), {"--format", "json"});
    const test::CommandResult cli = test::run_cli_args(words);
    ASSERT_EQ(cli.exit_code, 0) << twin.target << ": " << cli.err;
    const httplib::Result answer = c.Get(twin.target);
    ASSERT_TRUE(answer) << twin.target;
    EXPECT_EQ(answer->status, 200) << twin.target << ": " << answer->body;
    EXPECT_EQ(answer->get_header_value("Content-Type"), "application/json") << twin.target;
    EXPECT_EQ(answer->body, cli.out) << twin.target;
  }
}

TEST_F(Serve, BadInputIs400WithTheCommandLinesMessage) {
  const std::vector<Twin> twins{
      {"/api/predict?hw=m2-mx&model=qwen3-coder-q4", {"--hw", "m2-mx", "--model", "qwen3-coder-q4"}},
      {"/api/predict?hw=m2-max&model=qwen3-coder-q4&context=abc",
       {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--context", "abc"}},
      {"/api/cost?hw=m2-max&model=qwen3-coder-q4&utilization=2",
       {"cost", "--hw", "m2-max", "--model", "qwen3-coder-q4", "--utilization", "2"}},
      {"/api/fit", {"fit"}},
  };
  httplib::Client c = client();
  for (const Twin& twin : twins) {
    const test::CommandResult cli = test::run_cli_args(twin.arguments);
    ASSERT_EQ(cli.exit_code, 2) << twin.target;
    const httplib::Result answer = c.Get(twin.target);
    ASSERT_TRUE(answer) << twin.target;
    EXPECT_EQ(answer->status, 400) << twin.target;
    const json error = json::parse(answer->body);
    ASSERT_TRUE(error.contains("error")) << answer->body;
    // The command line adds "(see 'llmfit --help')" to what its option parser refuses.
    std::string message = cli.err.substr(std::string("llmfit: error: ").size());
    message.pop_back();
    const std::string hint = " (see 'llmfit --help')";
    if (message.size() > hint.size() && message.compare(message.size() - hint.size(), hint.size(), hint) == 0)
      message.resize(message.size() - hint.size());
    EXPECT_EQ(error["error"].get<std::string>(), message) << twin.target;
  }
}

TEST_F(Serve, ValidateTakesTheRunFileAsTheBody) {
  const std::string path = std::string(LLMFIT_SOURCE_DIR) + "/examples/runs/llamacpp-4167-apple-silicon.json";
  const test::CommandResult cli = test::run_cli_args({"validate", path, "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  httplib::Client c = client();
  const httplib::Result answer = c.Post("/api/validate", test::read_file(path), "application/json");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  json from_server = json::parse(answer->body);
  json from_cli = json::parse(cli.out);
  // The same runs and errors; the file is named by its path on the command line, "request body" here.
  ASSERT_EQ(from_server["runs"].size(), from_cli["runs"].size());
  for (json& run : from_server["runs"]) run["file"] = path;
  EXPECT_TRUE(from_server["runs"] == from_cli["runs"]);
  EXPECT_EQ(from_server["decode_mape"], from_cli["decode_mape"]);
  EXPECT_EQ(from_server["prefill_mape"], from_cli["prefill_mape"]);
  const httplib::Result bad = c.Post("/api/validate", "not runs", "text/plain");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(json::parse(bad->body)["error"].get<std::string>().find("request body"), std::string::npos) << bad->body;
  const httplib::Result get = c.Get("/api/validate");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
}

TEST_F(Serve, FuzzedQueryStringsAre400WithAMessageNeverAFailure) {
  std::mt19937 random(6121202);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.~%&=+,:@!$'()*;/?#[] \"<>\\^`{|}";
  const std::vector<std::string> endpoints{"predict", "compare", "fit", "scale", "cluster", "cost", "recommend", "check"};
  httplib::Client c = client();
  int answered = 0;
  for (int i = 0; i < 200; ++i) {
    std::string query;
    const int length = std::uniform_int_distribution<int>(0, 120)(random);
    for (int k = 0; k < length; ++k)
      query += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
    if (i % 3 == 0) query = "hw=m2-max&model=qwen3-coder-q4&" + query;
    // Only what cannot stand in a request line is escaped: stray %, & and = reach the server as typed.
    std::string escaped;
    for (const char ch : query) {
      if (std::string_view(" #\"<>\\^`{|}").find(ch) == std::string_view::npos) {
        escaped += ch;
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        escaped.append("%").append(1, kHex[static_cast<unsigned char>(ch) >> 4]).append(1, kHex[ch & 15]);
      }
    }
    const std::string target = "/api/" + endpoints[static_cast<std::size_t>(i) % endpoints.size()] + "?" + escaped;
    const httplib::Result answer = c.Get(target);
    ASSERT_TRUE(answer) << target;
    ASSERT_TRUE(answer->status == 200 || answer->status == 400) << target << ": " << answer->status << " " << answer->body;
    if (answer->status == 400) {
      const json error = json::parse(answer->body);
      EXPECT_FALSE(error["error"].get<std::string>().empty()) << target;
    }
    ++answered;
  }
  EXPECT_EQ(answered, 200);
  EXPECT_EQ(c.Get("/api/predict?hw=m2-max&model=qwen3-coder-q4")->status, 200);  // still serving
}

TEST_F(Serve, NothingOutsideThePageIsServed) {
  const std::string secret = "root:";  // /etc/passwd's first line, which no traversal may reach
  for (const std::string target : {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
                                   "/%252e%252e/%252e%252e/etc/passwd", "/api/../../../etc/passwd", "//etc/passwd",
                                   "/etc/passwd", "/index.html/../../../etc/passwd", "/api/show/hw/..%2f..%2fetc%2fpasswd",
                                   "/.%2e/.%2e/etc/passwd", "/..\\..\\etc\\passwd", "/CMakeLists.txt", "/build-web/",
                                   "/api/list/..", "/web/page.html"}) {
    const std::string answer = raw_request("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_FALSE(answer.empty()) << target;
    EXPECT_EQ(answer.find(secret), std::string::npos) << target;
    EXPECT_TRUE(answer.rfind("HTTP/1.1 404", 0) == 0 || answer.rfind("HTTP/1.1 400", 0) == 0) << target << ": "
                                                                                               << answer.substr(0, 40);
  }
  httplib::Client c = client();
  const httplib::Result page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, test::read_file(LLMFIT_TEST_DATA "/serve/page.html"));
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(Serve, RequestsAboveTheLimitsAreRefused) {
  httplib::Client c = client();
  const httplib::Result big = c.Post("/api/validate", std::string(serve::Limits::kMaxBodyBytes + 1, 'a'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  const std::string long_target = "/api/predict?hw=" + std::string(9000, 'a');
  const std::string answer = raw_request("GET " + long_target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.rfind("HTTP/1.1 414", 0) == 0 || answer.rfind("HTTP/1.1 400", 0) == 0) << answer.substr(0, 40);
  const std::string huge_header =
      raw_request("GET /api HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'b') + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(huge_header.rfind("HTTP/1.1 200", 0), std::string::npos) << huge_header.substr(0, 40);
  // Still answering after all that.
  EXPECT_EQ(c.Get("/api")->status, 200);
}

TEST_F(Serve, MethodsAndUnknownPaths) {
  httplib::Client c = client();
  EXPECT_EQ(c.Post("/api/predict?hw=m2-max", "", "text/plain")->status, 405);
  EXPECT_EQ(c.Delete("/")->status, 405);
  EXPECT_EQ(c.Get("/api/nope")->status, 404);
  EXPECT_EQ(c.Get("/api/predict/extra")->status, 404);
  EXPECT_EQ(c.Get("/api/show/hw")->status, 404);
  EXPECT_EQ(c.Get("/api/show/hw/--help")->status, 404);
  const httplib::Result index = c.Get("/api");
  ASSERT_TRUE(index);
  const json commands = json::parse(index->body)["commands"];
  EXPECT_GE(commands.size(), 10u);
}

// The HTTP library compresses a body for a client that accepts it (Brotli at its slowest setting: seconds for
// the page); the server sends every answer as it is, whatever the client accepts.
TEST_F(Serve, AnswersAreSentUncompressedWhateverTheClientAccepts) {
  httplib::Client c = client();
  for (const std::string target : {"/", "/api", "/api/predict?hw=m2-max&model=qwen3-coder-q4", "/api/nope",
                                   "/api/predict?hw=nope"}) {
    const httplib::Result plain = c.Get(target);
    ASSERT_TRUE(plain) << target;
    for (const std::string accepted : {"gzip, deflate, br", "br", "gzip"}) {
      const httplib::Result answer = c.Get(target, {{"Accept-Encoding", accepted}});
      ASSERT_TRUE(answer) << target << " " << accepted;
      EXPECT_EQ(answer->status, plain->status) << target;
      EXPECT_FALSE(answer->has_header("Content-Encoding")) << target << " " << accepted;
      EXPECT_EQ(answer->body, plain->body) << target << " " << accepted;
      EXPECT_EQ(answer->get_header_value("Content-Length"), std::to_string(plain->body.size())) << target;
      EXPECT_EQ(answer->get_header_value("X-Content-Type-Options"), "nosniff") << target;
    }
    const httplib::Result head = c.Head(target);
    ASSERT_TRUE(head) << target;
    EXPECT_EQ(head->status, plain->status) << target;
    EXPECT_TRUE(head->body.empty()) << target;
  }
  // What the library refuses itself still gets its message.
  const httplib::Result big = c.Post("/api/validate", {{"Accept-Encoding", "br"}},
                                     std::string(serve::Limits::kMaxBodyBytes + 1, 'a'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_FALSE(big->has_header("Content-Encoding"));
  EXPECT_NE(big->body.find("request body larger than"), std::string::npos) << big->body;
}

json mcp(httplib::Client& c, const json& message, int* status = nullptr) {
  const httplib::Result answer = c.Post("/mcp", message.dump(), "application/json");
  EXPECT_TRUE(answer);
  if (status != nullptr) *status = answer->status;
  return answer->body.empty() ? json() : json::parse(answer->body);
}

TEST_F(Serve, McpToolsAnswerWithTheCommandsDocuments) {
  httplib::Client c = client();
  const json init = mcp(c, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                            {"params", {{"protocolVersion", "2025-03-26"}, {"capabilities", json::object()},
                                        {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}});
  EXPECT_EQ(init["result"]["protocolVersion"], "2025-03-26");
  EXPECT_TRUE(init["result"]["capabilities"].contains("tools"));
  int status = 0;
  mcp(c, {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, &status);
  EXPECT_EQ(status, 202);
  const json tools = mcp(c, {{"jsonrpc", "2.0"}, {"id", "t"}, {"method", "tools/list"}});
  std::set<std::string> names;
  for (const json& tool : tools["result"]["tools"]) {
    names.insert(tool["name"].get<std::string>());
    EXPECT_EQ(tool["inputSchema"]["type"], "object");
  }
  EXPECT_EQ(names, (std::set<std::string>{"predict", "compare", "fit", "recommend"}));
  const json call = mcp(c, {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/call"},
                            {"params", {{"name", "predict"},
                                        {"arguments", {{"hw", "m2-max"}, {"model", "qwen3-coder-q4"}, {"context", 32768}}}}}});
  EXPECT_EQ(call["result"]["isError"], false);
  EXPECT_EQ(call["result"]["content"][0]["text"].get<std::string>(),
            c.Get("/api/predict?hw=m2-max&model=qwen3-coder-q4&context=32768")->body);
  const json compare = mcp(c, {{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/call"},
                               {"params", {{"name", "compare"},
                                           {"arguments", {{"model", "llama-3.1-8b-q4"}, {"hw", {"rtx-4090", "m2-max"}}}}}}});
  EXPECT_EQ(compare["result"]["content"][0]["text"].get<std::string>(),
            c.Get("/api/compare?model=llama-3.1-8b-q4&hw=rtx-4090&hw=m2-max")->body);
  const json bad = mcp(c, {{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"},
                           {"params", {{"name", "fit"}, {"arguments", {{"hw", "rtx-409"}}}}}});
  EXPECT_EQ(bad["result"]["isError"], true);
  EXPECT_NE(bad["result"]["content"][0]["text"].get<std::string>().find("did you mean"), std::string::npos);
  EXPECT_EQ(mcp(c, {{"jsonrpc", "2.0"}, {"id", 6}, {"method", "nope"}})["error"]["code"], -32601);
  EXPECT_EQ(mcp(c, {{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/call"}, {"params", {{"name", "sweep"}}}})["error"]["code"],
            -32602);
  const httplib::Result garbage = c.Post("/mcp", "{not json", "application/json");
  EXPECT_EQ(json::parse(garbage->body)["error"]["code"], -32700);
  const httplib::Result deep = c.Post("/mcp", std::string(100000, '[') + std::string(100000, ']'), "application/json");
  EXPECT_EQ(json::parse(deep->body)["error"]["code"], -32700);
}

}  // namespace
}  // namespace llmfit
