#pragma once
/// A deterministic parallel map over an index range, shared by the sweep and `compare --all`: the
/// range is split statically by index, so each item is computed by the same code from the same inputs
/// whatever the number of threads, and the results do not depend on it.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace llmfit {

/// Threads to use for `items` independent items when `requested` threads are asked for: `requested`
/// when non-zero, else (0 = automatic) one more thread per `items_per_extra_thread` items, capped at
/// the number of cores. Never fewer than one.
[[nodiscard]] inline unsigned automatic_threads(std::size_t items, unsigned requested,
                                                std::size_t items_per_extra_thread) noexcept {
  if (requested != 0) return requested;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t per_thread = std::max<std::size_t>(1, items_per_extra_thread);
  return static_cast<unsigned>(std::min<std::size_t>(cores, 1 + items / per_thread));
}

/// Calls fn(first, last) over [0, count) on min(threads, count) threads: thread t takes the block
/// [t·N/T, (t+1)·N/T), the calling thread the first one. An exception from any block is rethrown after
/// every thread has finished (the one of the lowest block, so the error does not depend on timing).
/// Returns the number of threads used.
template <class Fn>
unsigned parallel_for_static(std::size_t count, unsigned threads, Fn&& fn) {
  if (count == 0) return 1;
  threads = static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, count));
  if (threads == 1) {
    fn(std::size_t{0}, count);
    return 1;
  }
  auto bounds = [&](unsigned t) { return count * t / threads; };
  std::vector<std::exception_ptr> errors(threads);
  auto block = [&](unsigned t) {
    try {
      fn(bounds(t), bounds(t + 1));
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  try {
    for (unsigned t = 1; t < threads; ++t) workers.emplace_back(block, t);
  } catch (...) {  // a thread could not start: finish the ones that did before reporting it
    for (auto& worker : workers) worker.join();
    throw;
  }
  block(0);
  for (auto& worker : workers) worker.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
  return threads;
}

}  // namespace llmfit
