// The shared static partition (parallel.hpp) and its users: `compare --all` and the sweep give the same
// results on one thread and on several.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "parallel.hpp"
#include "llmfit/plan.hpp"
#include "llmfit/report/plan.hpp"
#include "llmfit/profile.hpp"

namespace llmfit {
namespace {

TEST(ParallelForStatic, CoversEveryIndexOnceInContiguousBlocks) {
  // 10 items on 3 threads: blocks [0,3), [3,6), [6,10) (t·10/3 rounded down: 0, 3, 6, 10).
  std::vector<int> owner(10, -1);
  std::vector<std::pair<std::size_t, std::size_t>> blocks(3);
  std::atomic<int> calls = 0;
  const unsigned used = parallel_for_static(10, 3, [&](std::size_t first, std::size_t last) {
    ++calls;
    for (std::size_t i = first; i < last; ++i) owner[i] = static_cast<int>(first);
    blocks[first == 0 ? 0 : first == 3 ? 1 : 2] = {first, last};
  });
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(blocks[0], (std::pair<std::size_t, std::size_t>{0, 3}));
  EXPECT_EQ(blocks[1], (std::pair<std::size_t, std::size_t>{3, 6}));
  EXPECT_EQ(blocks[2], (std::pair<std::size_t, std::size_t>{6, 10}));
  for (std::size_t i = 0; i < owner.size(); ++i) EXPECT_EQ(owner[i], i < 3 ? 0 : i < 6 ? 3 : 6) << i;
}

TEST(ParallelForStatic, NeverMoreThreadsThanItemsAndNoCallForNone) {
  std::atomic<int> calls = 0;
  EXPECT_EQ(parallel_for_static(2, 8, [&](std::size_t first, std::size_t last) {
              EXPECT_EQ(last - first, 1u);  // 2 items on min(8, 2) = 2 threads: one each
              ++calls;
            }),
            2u);
  EXPECT_EQ(calls.load(), 2);
  calls = 0;
  EXPECT_EQ(parallel_for_static(0, 4, [&](std::size_t, std::size_t) { ++calls; }), 1u);
  EXPECT_EQ(calls.load(), 0);
  // 0 threads asked for is treated as one.
  EXPECT_EQ(parallel_for_static(5, 0, [&](std::size_t first, std::size_t last) {
              EXPECT_EQ(first, 0u);
              EXPECT_EQ(last, 5u);
            }),
            1u);
}

TEST(ParallelForStatic, RethrowsTheErrorOfTheLowestBlockAfterAllFinish) {
  // 4 items on 4 threads; blocks 1 and 3 throw. Every block still runs, and block 1's error wins.
  std::atomic<int> ran = 0;
  try {
    parallel_for_static(4, 4, [&](std::size_t first, std::size_t) {
      ++ran;
      if (first == 1 || first == 3) throw std::runtime_error("block " + std::to_string(first));
    });
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), "block 1");
  }
  EXPECT_EQ(ran.load(), 4);
}

TEST(ParallelForStatic, AutomaticThreadsGrowWithTheWork) {
  EXPECT_EQ(automatic_threads(1000, 3, 64), 3u);  // an explicit request is kept
  EXPECT_EQ(automatic_threads(63, 0, 64), 1u);    // 1 + 63/64 = 1
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(automatic_threads(64, 0, 64), std::min(cores, 2u));  // 1 + 64/64 = 2, capped by the cores
  EXPECT_EQ(automatic_threads(1'000'000, 0, 64), cores);
  EXPECT_EQ(compare_threads(63, 0), 1u);  // compare: one extra thread per 64 rows
  EXPECT_EQ(compare_threads(100, 5), 5u);
}

void expect_same_rows(const std::vector<CompareRow>& a, const std::vector<CompareRow>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].label);
    EXPECT_EQ(a[i].label, b[i].label);
    EXPECT_TRUE(a[i].prediction == b[i].prediction);  // every field of the prediction and the memory fit
    EXPECT_EQ(a[i].headroom_bytes, b[i].headroom_bytes);
    EXPECT_EQ(a[i].price_usd, b[i].price_usd);
    EXPECT_EQ(a[i].power_w, b[i].power_w);
    EXPECT_EQ(a[i].tok_s_per_usd, b[i].tok_s_per_usd);
    EXPECT_EQ(a[i].tok_s_per_watt, b[i].tok_s_per_watt);
    EXPECT_EQ(a[i].resolved.scenario.hardware, b[i].resolved.scenario.hardware);
    EXPECT_EQ(a[i].resolved.scenario.model, b[i].resolved.scenario.model);
    EXPECT_EQ(a[i].resolved.efficiency, b[i].resolved.efficiency);
    EXPECT_EQ(a[i].resolved.assumptions, b[i].resolved.assumptions);
    EXPECT_EQ(a[i].resolved.warnings, b[i].resolved.warnings);
  }
}

TEST(CompareThreads, AllHardwareGivesIdenticalRowsOnOneAndSeveralThreads) {
  const Catalog& catalog = Catalog::builtin();
  std::vector<std::string> ids;
  for (const HardwareSpec& h : catalog.hardware()) ids.push_back(h.id);
  ASSERT_GE(ids.size(), kCompareRowsPerExtraThread);  // large enough for the automatic choice to go parallel
  for (const char* model : {"qwen3-coder-q4", "llama-3.1-8b-q4", "gpt-oss-20b"}) {
    SCOPED_TRACE(model);
    Query base;
    base.model = model;
    base.batch = 4;
    const CompareScenarios scenarios =
        resolve_compare_scenarios(catalog, base, ids, true, shipped_efficiency_profile());
    ASSERT_GE(scenarios.resolved.size(), 2u);
    const std::vector<CompareRow> one = evaluate_compare_rows(scenarios.resolved, 1);
    // Input order is kept: row i is scenarios[i].
    for (std::size_t i = 0; i < one.size(); ++i)
      EXPECT_EQ(one[i].resolved.scenario.hardware, scenarios.resolved[i].scenario.hardware);
    for (unsigned threads : {2u, 3u, 0u}) {
      SCOPED_TRACE(threads);
      const std::vector<CompareRow> many = evaluate_compare_rows(scenarios.resolved, threads);
      expect_same_rows(one, many);
      EXPECT_EQ(render_compare(one, {}, Format::json), render_compare(many, {}, Format::json));
    }
  }
}

}  // namespace
}  // namespace llmfit
