// compare: one model on many machines (compare.hpp).
#include "llmfit/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "llmfit/errors.hpp"
#include "parallel.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::verdict_rank;

CompareRow evaluate_compare_row(const ResolvedQuery& resolved) {
  CompareRow row;
  row.resolved = resolved;
  const Scenario& s = resolved.scenario;
  row.label = hardware_label(s);
  row.prediction = predict(s, resolved.efficiency->constants);
  const Prediction& p = row.prediction;
  row.headroom_bytes = p.fit.available_bytes - p.fit.total_bytes;
  row.price_usd = scenario_price_usd(s);
  row.power_w = scenario_power_w(s);
  // Value figures only where the model actually runs (fully, or with offload at its real speed).
  const bool runs = p.in_range && p.fit.verdict != FitVerdict::does_not_fit && p.decode_tok_s > 0;
  row.tok_s_per_usd = runs && row.price_usd > 0 ? p.decode_tok_s / row.price_usd : 0;
  row.tok_s_per_watt = runs && row.power_w > 0 ? p.decode_tok_s / row.power_w : 0;
  return row;
}

unsigned compare_threads(std::size_t rows, unsigned requested) noexcept {
  return automatic_threads(rows, requested, kCompareRowsPerExtraThread);
}

std::vector<CompareRow> evaluate_compare_rows(const std::vector<ResolvedQuery>& scenarios, unsigned threads) {
  std::vector<CompareRow> rows(scenarios.size());
  // Static partition by index (parallel.hpp): row i is computed from scenarios[i] alone and written to
  // rows[i], so the rows are the same for any number of threads.
  parallel_for_static(scenarios.size(), compare_threads(scenarios.size(), threads),
                      [&](std::size_t first, std::size_t last) {
                        for (std::size_t i = first; i < last; ++i) rows[i] = evaluate_compare_row(scenarios[i]);
                      });
  return rows;
}

void rank_compare_rows(std::vector<CompareRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const CompareRow& a, const CompareRow& b) {
    const int ra = verdict_rank(a.prediction);
    const int rb = verdict_rank(b.prediction);
    if (ra != rb) return ra < rb;
    if (a.prediction.decode_tok_s != b.prediction.decode_tok_s)
      return a.prediction.decode_tok_s > b.prediction.decode_tok_s;
    return a.label < b.label;
  });
}

CompareScenarios resolve_compare_scenarios(const Catalog& catalog, const Query& base,
                                           const std::vector<std::string>& hardware, bool skip_incompatible,
                                           const EfficiencyProfile& profile) {
  if (hardware.empty()) throw InputError(fmt::format("{0}: no hardware named; give {0} a,b,c or {1}", field("hardware"), field("all")));
  (void)catalog.resolve_model(base.model);  // an unknown model fails once, not per machine
  CompareScenarios out;
  std::string first_error;
  // A setting that applies to none of the machines is refused, not noted as many times.
  bool host_applies = base.host.empty();
  bool host_memory_applies = !base.host_memory_gib;
  bool gpu_share_applies = !base.gpu_memory_fraction;
  for (const std::string& name : hardware) {
    const HardwareChoice choice = catalog.resolve_hardware(name);  // unknown ids always fail, with a suggestion
    // Settings of one kind of machine (a GPU's host, a unified chip's GPU share) apply where they can,
    // and each row says where they did not.
    std::vector<std::string> notes;
    Query query = applicable_to(base, *choice.hardware, notes);
    query.hardware = name;
    host_applies = host_applies || !query.host.empty();
    host_memory_applies = host_memory_applies || query.host_memory_gib.has_value();
    gpu_share_applies = gpu_share_applies || query.gpu_memory_fraction.has_value();
    auto resolved = [&] {
      ResolvedQuery r = resolve_query(catalog, query, profile);
      r.warnings.insert(r.warnings.end(), notes.begin(), notes.end());
      return r;
    };
    if (!skip_incompatible) {
      out.resolved.push_back(resolved());
      continue;
    }
    try {
      out.resolved.push_back(resolved());
    } catch (const InputError& error) {
      if (first_error.empty()) first_error = error.message();
      out.skipped.push_back(name + ": " + error.message());
    }
  }
  for (const auto& [applies, name, kind] : {std::tuple{host_applies, "host", "graphics cards"},
                                            std::tuple{host_memory_applies, "host_memory_gib", "graphics cards"},
                                            std::tuple{gpu_share_applies, "gpu_memory_fraction", "unified-memory chips"}})
    if (!applies) throw InputError(fmt::format("{} applies to {}; none of the machines compared is one", field(name), kind));
  // Skipping everything means the question itself is wrong (e.g. --context beyond the model's maximum).
  if (out.resolved.empty() && !first_error.empty()) throw InputError(first_error);
  return out;
}

}  // namespace llmfit
