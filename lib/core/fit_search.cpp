// fit: what fits on one machine (fit_search.hpp).
#include "llmfit/fit_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "llmfit/errors.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::finite_in;
using detail::quant_applies;

bool quality_tie_gives_way(const QuantCandidate& candidate, const QuantCandidate& other) noexcept {
  const QuantSpec& a = *candidate.quant;
  const QuantSpec& b = *other.quant;
  return a.quality_ppl_increase_pct > 0 && a.quality_ppl_increase_pct == b.quality_ppl_increase_pct &&
         a.format == b.format && a.kernel == b.kernel && a.bits_per_weight < b.bits_per_weight;
}

std::optional<std::size_t> choose_best_quant(const std::vector<QuantCandidate>& candidates,
                                             double quality_tolerance_pct) {
  auto qualifies = [](const QuantCandidate& c) { return c.qualifies(); };
  // A tie in the quality figure is broken first (quality_tie_gives_way), then speed decides.
  auto gives_way = [&](const QuantCandidate& c) {
    return std::any_of(candidates.begin(), candidates.end(), [&](const QuantCandidate& other) {
      return qualifies(other) && quality_tie_gives_way(c, other);
    });
  };
  std::optional<double> least_loss;
  for (const QuantCandidate& c : candidates)
    if (qualifies(c) && (!least_loss || c.quant->quality_ppl_increase_pct < *least_loss))
      least_loss = c.quant->quality_ppl_increase_pct;
  if (!least_loss) return std::nullopt;
  const double tolerance = std::isfinite(quality_tolerance_pct) ? std::max(0.0, quality_tolerance_pct) : 0.0;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const QuantCandidate& c = candidates[i];
    if (!qualifies(c) || c.quant->quality_ppl_increase_pct > *least_loss + tolerance || gives_way(c)) continue;
    if (!best || c.prediction.decode_tok_s > candidates[*best].prediction.decode_tok_s) best = i;
  }
  return best;
}

FitSearchResult fit_search(const Catalog& catalog, const FitSearchOptions& options, const EfficiencyProfile& profile) {
  if (options.base.hardware.empty()) throw InputError(fmt::format("{0}: missing; name a chip, e.g. {0} rtx-4090", field("hardware")));
  if (!finite_in(options.min_decode_tok_s, 0, 1e9))
    throw InputError(fmt::format("{}: {} is out of range (expected 0 to 1e9 tok/s)", field("min_decode_tok_s"),
                                 options.min_decode_tok_s));
  if (!finite_in(options.quality_tolerance_pct, 0, 100))
    // A library setting with no flag (--quality-tolerance is the floor, max_ppl_increase_pct).
    throw InputError(fmt::format("quality_tolerance_pct: {} is out of range (0 to 100 percentage points)",
                                 options.quality_tolerance_pct));
  if (!finite_in(options.max_ppl_increase_pct, 0, 1000))
    throw InputError(fmt::format("{}: {} is out of range (0 to 1000 percent)", field("max_ppl_increase_pct"),
                                 options.max_ppl_increase_pct));
  if (options.base.context_tokens && *options.base.context_tokens < 1)
    throw InputError(fmt::format("{}: {} must be at least 1 token", field("context_tokens"),
                                 *options.base.context_tokens));
  if (options.base.prompt_tokens && *options.base.prompt_tokens < 1)
    throw InputError(fmt::format("{}: {} must be at least 1 token", field("prompt_tokens"), *options.base.prompt_tokens));
  // A model whose maximum context is below the context (or prompt) asked for is skipped, not an error.
  const std::int64_t needed = std::max(options.base.context_tokens.value_or(0), options.base.prompt_tokens.value_or(0));
  const HardwareChoice choice = catalog.resolve_hardware(options.base.hardware);
  std::optional<Backend> backend;
  if (!options.base.backend.empty()) {
    backend = backend_or_throw(options.base.backend);
    require_runs_on(*backend, *choice.hardware, nullptr);  // a named engine that cannot run here is an error
  }

  FitSearchResult result;
  const double memory_gib = choice.memory_gib > 0 ? choice.memory_gib : options.base.memory_gib.value_or(0);
  result.hardware_label = hardware_label(*choice.hardware, choice.count, memory_gib);
  result.requested_context = options.base.context_tokens.value_or(0);
  result.quality_tolerance_pct = options.quality_tolerance_pct;
  result.max_ppl_increase_pct = options.max_ppl_increase_pct;
  result.margin = parse_fit_margin(options.base.fit_margin);
  std::string first_refusal;  // the first model's refusal, the error when no model resolves at all
  int resolved_models = 0;
  for (const ModelSpec& model : catalog.models()) {
    if (!options.model_ids.empty() &&
        std::find(options.model_ids.begin(), options.model_ids.end(), model.id) == options.model_ids.end())
      continue;
    if (needed > model.max_context) {
      result.skipped.push_back(
          fmt::format("{}: maximum context {} is below the requested {}", model.id, model.max_context, needed));
      continue;
    }
    ModelFit fit;
    fit.model = &model;
    std::string refusal;
    for (const QuantSpec& quant : catalog.quants()) {
      if (!quant_applies(catalog, model, quant, *choice.hardware, backend)) continue;
      Query query = options.base;
      query.model = model.id + "-" + quant.id;
      // What this model cannot do here (vLLM's tensor parallelism over heads that do not divide; a context that
      // leaves no KV room) skips the model with the reason; the same refusal for every model is the error.
      ResolvedQuery resolved;
      try {
        resolved = resolve_query(catalog, query, profile);
      } catch (const InputError& error) {
        // Only what depends on the model: its heads over the GPUs, its KV cache at the context. A bad option is
        // bad for every model.
        if (error.field() != "hardware" && error.field() != "context_tokens") throw;
        if (first_refusal.empty()) first_refusal = error.message();
        refusal = model.id + ": " + error.message();
        continue;
      }
      QuantCandidate candidate;
      candidate.quant = resolved.scenario.quant;
      candidate.backend = resolved.scenario.backend;
      candidate.prediction = predict(resolved.scenario, resolved.efficiency->constants);
      candidate.measured_runs = resolved.efficiency->fitted_runs;
      candidate.meets_speed = candidate.prediction.in_range &&
                              candidate.prediction.decode_tok_s >= options.min_decode_tok_s;
      candidate.meets_quality = quant.quality_ppl_increase_pct <= options.max_ppl_increase_pct;
      fit.context_tokens = resolved.scenario.context_tokens;
      fit.candidates.push_back(candidate);
    }
    if (fit.candidates.empty()) {
      if (!refusal.empty()) result.skipped.push_back(refusal);
      continue;
    }
    ++resolved_models;
    fit.best = choose_best_quant(fit.candidates, options.quality_tolerance_pct);
    (fit.best ? result.models : result.rejected).push_back(std::move(fit));
  }
  if (resolved_models == 0 && !first_refusal.empty()) throw InputError(first_refusal);
  return result;
}

void sort_model_fits(std::vector<ModelFit>& fits, FitSort sort) {
  std::stable_sort(fits.begin(), fits.end(), [sort](const ModelFit& a, const ModelFit& b) {
    const QuantCandidate& ca = a.best_candidate();
    const QuantCandidate& cb = b.best_candidate();
    const double speed_a = ca.prediction.decode_tok_s;
    const double speed_b = cb.prediction.decode_tok_s;
    switch (sort) {
      case FitSort::speed:
        break;
      case FitSort::quality:
        if (ca.quant->quality_ppl_increase_pct != cb.quant->quality_ppl_increase_pct)
          return ca.quant->quality_ppl_increase_pct < cb.quant->quality_ppl_increase_pct;
        if (a.model->params_b != b.model->params_b) return a.model->params_b > b.model->params_b;
        break;
      case FitSort::size:
        if (a.model->params_b != b.model->params_b) return a.model->params_b > b.model->params_b;
        break;
      case FitSort::context:
        if (ca.prediction.fit.max_context != cb.prediction.fit.max_context)
          return ca.prediction.fit.max_context > cb.prediction.fit.max_context;
        break;
    }
    if (speed_a != speed_b) return speed_a > speed_b;
    return a.model->id < b.model->id;
  });
}

}  // namespace llmfit
