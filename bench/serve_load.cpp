// Load benchmark of `llmfit serve` (not a test): N requests over C keep-alive connections on loopback, each
// connection on its own thread sending its next request when the last is answered. Prints requests/s and the
// latency percentiles; any answer other than 200 with a body is counted and fails the run.
// Usage: llmfit_serve_load PORT [REQUESTS] [CONNECTIONS] [TARGET...]   (bench/run_serve starts the server)
// The targets are taken in turn; each connection is opened and used once before the clock starts (the library's
// listen backlog is 5, so connecting 8 at once can cost a SYN retry of a second, which is not the server's speed).
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [REQUESTS] [CONNECTIONS] [TARGET...]\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const long requests = argc > 2 ? std::atol(argv[2]) : 20000;
  const int connections = argc > 3 ? std::atoi(argv[3]) : 8;
  std::vector<std::string> targets(argv + std::min(argc, 4), argv + argc);
  if (targets.empty()) targets.emplace_back("/api/predict?hw=m2-max&model=qwen3-coder-q4");
  if (port <= 0 || requests <= 0 || connections <= 0) return 2;

  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int c = 0; c < connections; ++c) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", port));
    clients.back()->set_keep_alive(true);
    clients.back()->set_tcp_nodelay(true);
    const httplib::Result warm = clients.back()->Get(targets.front());
    if (!warm || warm->status != 200) {
      std::fprintf(stderr, "%s: no 200 answer to %s\n", argv[0], targets.front().c_str());
      return 1;
    }
  }

  const auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  };
  const double cpu_before = cpu_seconds();
  std::vector<std::vector<double>> latencies_ms(connections);
  std::atomic<long> next{0};
  std::atomic<long> failures{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      httplib::Client& client = *clients[static_cast<std::size_t>(c)];
      latencies_ms[c].reserve(static_cast<std::size_t>(requests / connections + 1));
      for (long i; (i = next.fetch_add(1)) < requests;) {
        const std::string& target = targets[static_cast<std::size_t>(i) % targets.size()];
        const auto sent = std::chrono::steady_clock::now();
        const httplib::Result result = client.Get(target);
        const auto answered = std::chrono::steady_clock::now();
        if (!result || result->status != 200 || result->body.empty()) ++failures;
        latencies_ms[c].push_back(std::chrono::duration<double, std::milli>(answered - sent).count());
      }
    });
  for (std::thread& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double client_cpu_seconds = cpu_seconds() - cpu_before;

  std::vector<double> all;
  for (const auto& one : latencies_ms) all.insert(all.end(), one.begin(), one.end());
  std::sort(all.begin(), all.end());
  const auto percentile = [&all](double p) {
    return all[std::min(all.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(all.size())))];
  };
  std::printf("requests %zu  connections %d  failures %ld  seconds %.3f\n", all.size(), connections, failures.load(),
              seconds);
  std::printf("throughput_rps %.0f\n", static_cast<double>(all.size()) / seconds);
  std::printf("latency_ms p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", percentile(50), percentile(90), percentile(99),
              all.back());
  std::printf("client_cpu_us_per_request %.1f\n", client_cpu_seconds * 1e6 / static_cast<double>(all.size()));
  return failures.load() == 0 ? 0 : 1;
}
