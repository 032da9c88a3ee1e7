// `llmfit probe-bandwidth`: the memory bandwidth this machine sustains for a streaming read.
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "input_file.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/io/detect.hpp"

namespace llmfit {
namespace {

constexpr double kMinBufferBytes = 256.0 * 1024 * 1024;
constexpr double kMaxBufferBytes = 2.0 * 1024 * 1024 * 1024;
constexpr double kLlcMultiple = 8;           // the buffer is this many times the last-level cache
constexpr double kAssumedLlcBytes = 32.0 * 1024 * 1024;
constexpr double kTargetSeconds = 0.3;       // a few hundred ms in all
constexpr int kMinPasses = 3;
constexpr int kMaxPasses = 64;

/// The largest cache of CPU 0 (/sys/devices/system/cpu/cpu0/cache/index*/size: "32768K"); 0 when unread.
double last_level_cache_bytes() {
  namespace fs = std::filesystem;
  double largest = 0;
  std::error_code ec;
  for (fs::directory_iterator it("/sys/devices/system/cpu/cpu0/cache", ec), end; !ec && it != end; it.increment(ec)) {
    std::string text;
    try {
      io::InputFile file((it->path() / "size").string(), io::InputKind::machine);
      char buffer[64] = {};
      text.assign(buffer, file.read_some(buffer, sizeof buffer - 1));
    } catch (const InputError&) {
      continue;
    }
    char* end_ptr = nullptr;
    const double value = std::strtod(text.c_str(), &end_ptr);
    if (end_ptr == text.c_str() || !std::isfinite(value) || value <= 0) continue;
    const double unit = *end_ptr == 'K' ? 1024.0 : *end_ptr == 'M' ? 1024.0 * 1024 : *end_ptr == 'G' ? 1073741824.0 : 1;
    largest = std::max(largest, value * unit);
  }
  return largest;
}

/// Sums a slice with independent accumulators, so the loop is bound by memory, not by one add chain.
std::uint64_t read_slice(const std::uint64_t* data, std::size_t words) {
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  std::size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    a += data[i];
    b += data[i + 1];
    c += data[i + 2];
    d += data[i + 3];
  }
  for (; i < words; ++i) a += data[i];
  return a ^ b ^ c ^ d;
}

}  // namespace

BandwidthProbe probe_bandwidth(int threads, double buffer_bytes) {
  BandwidthProbe probe;
  if (threads <= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    threads = ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    if (threads <= 0) threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  }
  threads = std::clamp(threads, 1, 1024);
  probe.llc_bytes = last_level_cache_bytes();
  if (buffer_bytes <= 0)
    buffer_bytes = std::clamp(kLlcMultiple * (probe.llc_bytes > 0 ? probe.llc_bytes : kAssumedLlcBytes),
                              kMinBufferBytes, kMaxBufferBytes);
  buffer_bytes = std::clamp(buffer_bytes, 1024.0 * 1024, kMaxBufferBytes);
  const std::size_t words_per_thread =
      static_cast<std::size_t>(buffer_bytes / sizeof(std::uint64_t)) / static_cast<std::size_t>(threads);
  const std::size_t words = words_per_thread * static_cast<std::size_t>(threads);
  probe.buffer_bytes = static_cast<double>(words * sizeof(std::uint64_t));
  probe.threads = threads;
  const std::unique_ptr<std::uint64_t[]> buffer(new std::uint64_t[words]);
  std::vector<std::uint64_t> sinks(static_cast<std::size_t>(threads) * 8, 0);  // one cache line apart

  auto run_pass = [&](bool fill) {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::uint64_t* slice = buffer.get() + static_cast<std::size_t>(t) * words_per_thread;
        if (fill) {
          // Each thread touches its own slice first, so the pages sit on its memory node.
          for (std::size_t i = 0; i < words_per_thread; ++i) slice[i] = i ^ static_cast<std::uint64_t>(t);
        } else {
          sinks[static_cast<std::size_t>(t) * 8] += read_slice(slice, words_per_thread);
        }
      });
    }
    for (auto& thread : pool) thread.join();
  };
  run_pass(true);
  const auto start = std::chrono::steady_clock::now();
  double best_seconds = 0;
  int passes = 0;
  while (passes < kMaxPasses) {
    const auto pass_start = std::chrono::steady_clock::now();
    run_pass(false);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start).count();
    if (seconds > 0 && (best_seconds == 0 || seconds < best_seconds)) best_seconds = seconds;
    ++passes;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (passes >= kMinPasses && elapsed >= kTargetSeconds) break;
  }
  probe.passes = passes;
  probe.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t sink = 0;
  for (std::uint64_t s : sinks) sink ^= s;
  // The sum is kept observable so the reads are not optimised away.
  asm volatile("" : : "r"(sink) : "memory");
  if (best_seconds > 0) probe.read_gb_s = probe.buffer_bytes / best_seconds / 1e9;
  return probe;
}

}  // namespace llmfit
