#pragma once
/// Quantities of one model in one quantisation that every scenario reuses. predict() computes them
/// once per call; sweeps compute them once per (model, quantisation) and pass them in, so the same
/// formulas run without recomputing the shape, the weight bytes or the KV layout.
#include <cstdint>

#include "llmfit/predict.hpp"

namespace llmfit {

struct ModelQuantTerms {
  const ModelSpec* model = nullptr;
  const QuantSpec* quant = nullptr;
  WeightBytes weights;  // weight_bytes(model, quant)
  KvLayout kv;          // kv_layout(model): what the KV cache holds and a decode token reads
};

/// Computes the terms of `model` in `quant` (references both; they must outlive the terms).
[[nodiscard]] ModelQuantTerms prepare_model_quant(const ModelSpec& model, const QuantSpec& quant) noexcept;

/// kv_cache_bytes() from precomputed terms, with `element_bytes` = kv_bytes_per_element(type)
/// (bit-identical results; inline because the fit and the largest-context search call it often).
[[nodiscard]] inline double kv_cache_bytes(const ModelQuantTerms& terms, double element_bytes,
                                           double context_tokens) noexcept {
  return kv_cache_bytes(terms.kv, element_bytes, context_tokens);
}
[[nodiscard]] inline double kv_cache_bytes(const ModelQuantTerms& terms, KvCacheType type,
                                           double context_tokens) noexcept {
  return kv_cache_bytes(terms.kv, kv_bytes_per_element(type), context_tokens);
}
/// kv_read_bytes() from precomputed terms.
[[nodiscard]] inline double kv_read_bytes(const ModelQuantTerms& terms, KvCacheType type, double depth_tokens) noexcept {
  return kv_read_bytes(terms.kv, kv_bytes_per_element(type), depth_tokens);
}

// The performance model with precomputed terms: same results as the overloads without `terms`.
// `terms` must be prepare_model_quant(*scenario.model, *scenario.quant); a mismatch is recomputed.
[[nodiscard]] MemoryFit fit_memory(const Scenario& scenario, const EfficiencyConstants& constants,
                                   const ModelQuantTerms& terms) noexcept;
[[nodiscard]] double decode_seconds_per_token(const Scenario& scenario, const ModelQuantTerms& terms,
                                              const MemoryFit& fit, const EfficiencyConstants& constants,
                                              double depth_tokens, Prediction* breakdown = nullptr) noexcept;
[[nodiscard]] double prefill_seconds(const Scenario& scenario, const ModelQuantTerms& terms, const MemoryFit& fit,
                                     const EfficiencyConstants& constants, double tokens, double depth_tokens) noexcept;
[[nodiscard]] Prediction predict(const Scenario& scenario, const EfficiencyConstants& constants,
                                 const ModelQuantTerms& terms) noexcept;
[[nodiscard]] ServingLoad serve_closed_loop(const Scenario& scenario, const EfficiencyConstants& constants,
                                            const ModelQuantTerms& terms, double gen_tokens) noexcept;

namespace detail {
/// Largest context in [1, max_context] whose total (weights + batch × KV + fixed) fits in
/// `available_bytes`, 0 when even one token does not fit. Closed form: KV is piecewise linear in the
/// context (full layers linear, sliding layers linear up to the window then flat, recurrent
/// state constant), so the answer is one division per piece, then checked against the exact sum.
[[nodiscard]] std::int64_t max_context_closed_form(const ModelQuantTerms& terms, KvCacheType type, int batch,
                                                   double weights_bytes, double fixed_bytes,
                                                   double available_bytes) noexcept;
/// The same by bisection over kv_cache_bytes(); the test oracle for the closed form.
[[nodiscard]] std::int64_t max_context_by_bisection(const ModelSpec& model, KvCacheType type, int batch,
                                                    double weights_bytes, double fixed_bytes,
                                                    double available_bytes) noexcept;
}  // namespace detail

}  // namespace llmfit
