#pragma once
// The HTTP side of `llmfit serve`: the page, a JSON API with one endpoint per command (each exactly the
// command's `--format json` output, run in process by cli/in_process.hpp with the query string as its options)
// and an MCP endpoint for agents (mcp.hpp). Requests are answered by respond(), a pure function of the
// request, so every route is tested without sockets; Server only adds the socket, the limits and the threads.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "llmfit/llmfit.hpp"

namespace llmfit::serve {

/// What the server holds for every request: loaded once at start, read-only afterwards.
struct Site {
  const Catalog* catalog = nullptr;
  const EfficiencyProfile* profile = nullptr;
  std::string page;  // the page's HTML (empty: not built, / says how to build it)
};

/// The limits of one request, set explicitly on the HTTP library (its defaults: no body limit, Nagle on,
/// 5 requests per connection). Debian's libcpp-httplib 0.11 also refuses a request line or a header longer
/// than 8,192 bytes (compiled in).
struct Limits {
  static constexpr std::size_t kMaxBodyBytes = 8u << 20;     // POST /api/validate: a run file
  static constexpr int kReadTimeoutSeconds = 5;               // a client that stops sending
  static constexpr int kWriteTimeoutSeconds = 5;              // a client that stops reading
  static constexpr int kKeepAliveTimeoutSeconds = 5;          // an idle connection, which holds a thread
  static constexpr std::size_t kKeepAliveMaxRequests = 100000;  // then the connection is closed
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// The answer to one request. `path` is the decoded path, `query` the raw query string (without `?`).
[[nodiscard]] Response respond(const Site& site, std::string_view method, std::string_view path,
                               std::string_view query, const std::string& body);

/// `{"error": "<message>"}` with `status`.
[[nodiscard]] Response error_response(int status, std::string_view message);

/// Binds, listens and answers with a pool of threads until stop().
class Server {
 public:
  Server(const Site& site, unsigned threads);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();
  /// Binds `host`:`port` (0: any free port) and returns the port; InputError when it cannot.
  int bind(const std::string& host, int port);
  /// Answers until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmfit::serve
