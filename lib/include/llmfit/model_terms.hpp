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

  // KV cache of one sequence (kv_cache_bytes): element_bytes × elements_per_layer_token ×
  // (full_attention_layers × context + sliding_window_layers × min(context, sliding_window_tokens))
  // + recurrent_state_bytes.
  double kv_elements_per_layer_token = 0;  // K and V (GQA), or the MLA latent plus the RoPE key
  int full_attention_layers = 0;
  int sliding_window_layers = 0;
  double sliding_window_tokens = 0;
  double recurrent_state_bytes = 0;  // f32 state of all recurrent layers (any cache type)
};

/// Computes the terms of `model` in `quant` (references both; they must outlive the terms).
[[nodiscard]] ModelQuantTerms prepare_model_quant(const ModelSpec& model, const QuantSpec& quant) noexcept;

/// kv_cache_bytes() from precomputed terms, with `element_bytes` = kv_bytes_per_element(type)
/// (bit-identical results; inline because the fit and the largest-context search call it often).
[[nodiscard]] inline double kv_cache_bytes(const ModelQuantTerms& terms, double element_bytes,
                                           double context_tokens) noexcept {
  if (!(context_tokens > 0)) return 0;
  const double per_layer_token = terms.kv_elements_per_layer_token * element_bytes;
  const double full = terms.full_attention_layers * per_layer_token * context_tokens;
  const double window =  // std::min(context, window) without <algorithm>
      terms.sliding_window_tokens < context_tokens ? terms.sliding_window_tokens : context_tokens;
  const double sliding = terms.sliding_window_layers * per_layer_token * window;
  return full + sliding + terms.recurrent_state_bytes;
}
[[nodiscard]] inline double kv_cache_bytes(const ModelQuantTerms& terms, KvCacheType type,
                                           double context_tokens) noexcept {
  return kv_cache_bytes(terms, kv_bytes_per_element(type), context_tokens);
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
