// `llmfit serve [--host 127.0.0.1] [--port 8080] [--page build-web/llmfit.html]`: the page and the JSON API.
#include <pthread.h>
#include <signal.h>

#include <fmt/format.h>

#include <memory>
#include <thread>

#include "options.hpp"
#include "scenario_flags.hpp"
#include "serve.hpp"
#include "server.hpp"

namespace llmfit::cli {
namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string page;
  unsigned threads = 16;
};

constexpr std::uintmax_t kMaxPageBytes = 64u << 20;
constexpr unsigned kMaxThreads = 1024;

/// Where the page is when --page is not given: installed beside the binary's share folder, or built in the
/// source tree by the README's page command.
std::vector<std::string> default_pages() { return {LLMFIT_INSTALLED_PAGE, LLMFIT_SOURCE_PAGE}; }

std::pair<std::string, std::string> load_page(const std::string& named) {
  if (!named.empty()) return {named, read_text(named, kMaxPageBytes, "not a page")};
  for (const std::string& path : default_pages()) {
    try {
      return {path, read_text(path, kMaxPageBytes, "not a page")};
    } catch (const InputError&) {
      // not built there: try the next
    }
  }
  return {};
}

void run_serve(const ServeOptions& o, const GlobalOptions& global) {
  if (o.port < 0 || o.port > 65535) throw InputError("--port: " + std::to_string(o.port) + " is out of range (0 to 65535; 0 = any free port)");
  if (o.threads < 1 || o.threads > kMaxThreads)
    throw InputError("--threads: " + std::to_string(o.threads) + " is out of range (1 to " + std::to_string(kMaxThreads) + ")");
  serve::Site site;
  site.catalog = &catalog(global);  // --db, --calibration: read once, here
  site.profile = &profile(global);
  std::string page_path;
  std::tie(page_path, site.page) = load_page(o.page);

  // SIGINT and SIGTERM stop the server from a thread of their own (the pool's threads inherit the mask).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  serve::Server server(site, o.threads);
  const int port = server.bind(o.host, o.port);
  const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  write_stdout(fmt::format("llmfit serve: listening on http://{}:{}/ ({}; API at /api, MCP at /mcp)\n", host, port,
                           site.page.empty() ? "page not built: see the README" : "page " + page_path));
  std::thread stopper([&server, stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
  });
  server.run();
  pthread_kill(stopper.native_handle(), SIGTERM);  // wakes it when run() ended on its own
  stopper.join();
}

}  // namespace

void setup_serve(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand("serve", "Serve the page and a JSON API (one endpoint per command) over HTTP");
  // Issue 22 names it --host: here the address to listen on, not the CPU/RAM entry of a scenario.
  sub->add_option("--host", options->host, "Address to listen on (127.0.0.1: this machine only)")->capture_default_str();
  sub->add_option("--port", options->port, "Port (0: any free port, printed)")->capture_default_str();
  sub->add_option("--page", options->page, "The page's HTML (default: installed, or built in build-web/)")
      ->type_name("llmfit.html");
  sub->add_option("--threads", options->threads,
                  "Worker threads: each open connection holds one until it has been idle 5 s")
      ->capture_default_str();
  // Each request names its own scenario and output (its query string): a scenario flag or an output file given
  // to the server would be ignored, so it is refused.
  std::vector<RefusedFlag> refused;
  for (const ScenarioFlagInfo& info : kScenarioFlags)
    if (info.flag != ScenarioFlag::host) refused.push_back({info.flag, "each request names its scenario in its query string"});
  refuse_scenario_flags(*sub, refused);
  refuse_option(*sub, "-o,--output", true, "answers go to the HTTP client");
  sub->callback([options, &global] { run_serve(*options, global); });
}

}  // namespace llmfit::cli
