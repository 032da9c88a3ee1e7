// The optimised pieces of the performance model against straightforward oracles: precomputed
// (model, quant) terms against the functions that compute each quantity from scratch, and the
// closed-form largest context against bisection. (The full optimised predict() was checked against a
// verbatim copy of the previous implementation when it was introduced; that frozen copy is not kept,
// so formula changes live in one place.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

TEST(PredictEquivalence, TermsAgreeWithTheStraightforwardFunctions) {
  for (const ModelSpec& m : Catalog::builtin().models()) {
    for (const QuantSpec& q : Catalog::builtin().quants()) {
      const ModelQuantTerms t = prepare_model_quant(m, q);
      const WeightBytes w = weight_bytes(m, q);
      EXPECT_EQ(w.stored, t.weights.stored) << m.id << " " << q.id;
      EXPECT_EQ(w.per_token, t.weights.per_token) << m.id << " " << q.id;
      EXPECT_EQ(w.per_layer, t.weights.per_layer) << m.id << " " << q.id;
      EXPECT_EQ(w.active_params, t.weights.active_params) << m.id << " " << q.id;
    }
    const ModelQuantTerms t = prepare_model_quant(m, Catalog::builtin().quants().front());
    const double window = m.attention.sliding_window;
    for (KvCacheType type : {KvCacheType::f32, KvCacheType::f16, KvCacheType::q8_0, KvCacheType::q4_0}) {
      // Bit-identical KV at the ends, around the sliding-window breakpoint, and in between.
      for (double context : {-1.0, 0.0, 1.0, 2.0, 511.0, window - 1, window, window + 1, 4096.0, 65537.0,
                             static_cast<double>(m.max_context)}) {
        EXPECT_EQ(kv_cache_bytes(m, type, context), kv_cache_bytes(t, type, context))
            << m.id << " " << to_string(type) << " at " << context;
      }
    }
  }
}

TEST(PredictEquivalence, ClosedFormLargestContextMatchesBisectionAtEveryBoundary) {
  // Budgets exactly at, one ulp below and one ulp above the total of many contexts: the closed form
  // must land on the same token as the bisection, including across the sliding-window breakpoint.
  const Catalog& c = Catalog::builtin();
  const QuantSpec& quant = *c.find_quant("q4_k_m");
  int checked = 0;
  std::mt19937_64 random(99);
  for (const ModelSpec& m : c.models()) {
    const ModelQuantTerms t = prepare_model_quant(m, quant);
    for (KvCacheType type : {KvCacheType::f16, KvCacheType::q8_0, KvCacheType::q4_0}) {
      for (int batch : {1, 3, 64}) {
        const double weights = t.weights.stored;
        const double fixed = 1.5e9;
        std::vector<double> contexts = {1, 2, 3, static_cast<double>(m.max_context - 1),
                                        static_cast<double>(m.max_context)};
        for (double w : {static_cast<double>(m.attention.sliding_window)})
          for (double d : {-2.0, -1.0, 0.0, 1.0, 2.0})
            if (w + d >= 1 && w + d <= static_cast<double>(m.max_context)) contexts.push_back(w + d);
        for (int i = 0; i < 40; ++i)
          contexts.push_back(std::floor(std::exp(std::uniform_real_distribution<double>(
              0, std::log(static_cast<double>(m.max_context)))(random))));
        for (double context : contexts) {
          const double exact = weights + batch * kv_cache_bytes(m, type, context) + fixed;
          for (double available : {exact, std::nextafter(exact, 0.0), std::nextafter(exact, 1e300), exact * 0.999,
                                   exact + 1, weights + fixed - 1, 0.0}) {
            EXPECT_EQ(detail::max_context_by_bisection(m, type, batch, weights, fixed, available),
                      detail::max_context_closed_form(t, type, batch, weights, fixed, available))
                << m.id << " " << to_string(type) << " batch " << batch << " available " << available;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(PredictEquivalence, ClosedFormLargestContextHandWorked) {
  // 4 layers: 2 full attention, 2 sliding with a 1,000-token window; 1 KV head of 64 dims.
  // K+V per layer per token = 2 × 1 × 64 = 128 values = 256 B in f16. Full layers: 2 × 256 = 512 B per
  // token; sliding layers another 512 B per token up to 1,000 tokens, then flat at 512,000 B.
  ModelSpec m;
  m.id = "hand";
  m.layers = 4;
  m.kv_heads = 1;
  m.head_dim = 64;
  m.max_context = 8192;
  m.attention.sliding_window_layers = 2;
  m.attention.sliding_window = 1000;
  QuantSpec q;
  q.bits_per_weight = 4;
  const ModelQuantTerms t = prepare_model_quant(m, q);
  // 1,000,000 B: below the window, 1,024 B per token → floor(976.56) = 976 (976 × 1,024 = 999,424).
  EXPECT_EQ(976, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 1e6));
  // 2,000,000 B: past the window, (2,000,000 − 512,000) / 512 = 2,906.25 → 2,906.
  EXPECT_EQ(2906, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 2e6));
  // Batch 2 halves the per-sequence budget: 1,000,000 B per sequence → 976 again.
  EXPECT_EQ(976, detail::max_context_closed_form(t, KvCacheType::f16, 2, 0, 0, 2e6));
  // 5,000,000 B: (5e6 − 512,000) / 512 = 8,765.6 > 8,192 → the model's maximum.
  EXPECT_EQ(8192, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 5e6));
  // 1,000 B: one token needs 1,024 B → nothing fits.
  EXPECT_EQ(0, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 1000));
  // Exactly 1,024 × 500 B → 500 tokens, and one byte less → 499.
  EXPECT_EQ(500, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 512000));
  EXPECT_EQ(499, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 511999));
}

}  // namespace
}  // namespace llmfit
