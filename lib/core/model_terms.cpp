// Precomputed (model, quantisation) terms and the closed-form largest context (see model_terms.hpp).
#include "llmfit/model_terms.hpp"

#include <algorithm>
#include <cmath>

namespace llmfit {

ModelQuantTerms prepare_model_quant(const ModelSpec& m, const QuantSpec& q) noexcept {
  ModelQuantTerms t;
  t.model = &m;
  t.quant = &q;
  t.weights = weight_bytes(m, q);
  t.kv = kv_layout(m);  // the same layout kv_cache_bytes(model, …) uses, so both give identical bits
  return t;
}

namespace detail {

std::int64_t max_context_by_bisection(const ModelSpec& m, KvCacheType type, int batch, double weights_bytes,
                                      double fixed_bytes, double available_bytes) noexcept {
  auto total_at = [&](double context) {
    return weights_bytes + batch * kv_cache_bytes(m, type, context) + fixed_bytes;
  };
  if (!(total_at(1) <= available_bytes)) return 0;
  std::int64_t lo = 1;
  std::int64_t hi = m.max_context;
  if (total_at(static_cast<double>(hi)) <= available_bytes) return hi;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (total_at(static_cast<double>(mid)) <= available_bytes ? lo : hi) = mid;
  }
  return lo;
}

std::int64_t max_context_closed_form(const ModelQuantTerms& t, KvCacheType type, int batch, double weights_bytes,
                                     double fixed_bytes, double available_bytes) noexcept {
  // The exact test the bisection makes; monotone in the context, so its last `true` is the answer.
  const double element_bytes = kv_bytes_per_element(type);
  auto fits_at = [&](std::int64_t context) {
    return weights_bytes + batch * kv_cache_bytes(t, element_bytes, static_cast<double>(context)) + fixed_bytes <=
           available_bytes;
  };
  const std::int64_t max_context = t.model->max_context;
  if (!fits_at(1)) return 0;
  if (fits_at(max_context)) return max_context;
  // Here 1 <= answer < max_context. Solve the piecewise-linear KV for the budget, then step to the
  // exact boundary of fits_at (rounding moves it by at most a token or two).
  const double full_per_token = t.kv.full_elements_per_token * element_bytes;
  const double sliding_per_token = t.kv.sliding_elements_per_token * element_bytes;
  const double kv_budget = (available_bytes - weights_bytes - fixed_bytes) / batch - t.kv.recurrent_state_bytes;
  const double window = t.kv.sliding_window_tokens;
  double solved = 0;
  if (full_per_token + sliding_per_token > 0 && kv_budget / (full_per_token + sliding_per_token) <= window) {
    solved = kv_budget / (full_per_token + sliding_per_token);  // below the window: every layer grows
  } else if (full_per_token > 0) {
    solved = (kv_budget - sliding_per_token * std::max(0.0, window)) / full_per_token;  // sliding layers flat
  } else {
    solved = static_cast<double>(max_context);
  }
  const bool usable = std::isfinite(solved) && full_per_token >= 0 && sliding_per_token >= 0;
  std::int64_t lo = 1;
  std::int64_t hi = max_context;  // invariant: fits_at(lo) and !fits_at(hi)
  if (usable) {
    // The guess, kept in [1, max_context - 1] before the conversion (no out-of-range cast).
    std::int64_t guess = max_context - 1;
    if (solved < 1)
      guess = 1;
    else if (solved < static_cast<double>(max_context - 1))
      guess = static_cast<std::int64_t>(solved);
    // Gallop from the guess to a bracket of the boundary (one extra test in practice).
    if (fits_at(guess)) {
      lo = guess;
      for (std::int64_t step = 1; lo + step < hi; step *= 2) {
        if (!fits_at(lo + step)) {
          hi = lo + step;
          break;
        }
        lo += step;
      }
    } else {
      hi = guess;
      for (std::int64_t step = 1; hi - step > lo; step *= 2) {
        if (fits_at(hi - step)) {
          lo = hi - step;
          break;
        }
        hi -= step;
      }
    }
  }
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (fits_at(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace detail

}  // namespace llmfit
