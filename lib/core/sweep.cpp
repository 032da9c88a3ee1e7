#include "llmfit/sweep.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "llmfit/engines.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"
#include "parallel.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

// Below this many points one thread finishes in a few milliseconds, less than starting more costs.
constexpr std::size_t kPointsPerExtraThread = 50'000;
constexpr std::size_t kMaxContexts = 4096;

float to_float(double value) {
  return static_cast<float>(std::clamp(value, 0.0, static_cast<double>(std::numeric_limits<float>::max())));
}

SweepPoint point_of(const Prediction& p) {
  SweepPoint point;
  point.evaluated = true;
  point.in_range = p.in_range;
  point.decode_tok_s = to_float(p.decode_tok_s);
  point.prefill_tok_s = to_float(p.prefill_tok_s);
  point.ttft_s = to_float(p.ttft_s);
  point.total_gb = to_float(units::bytes_to_gb(p.fit.total_bytes));
  point.max_context =
      static_cast<std::int32_t>(std::min<std::int64_t>(p.fit.max_context, std::numeric_limits<std::int32_t>::max()));
  point.verdict_code = static_cast<std::uint8_t>(p.fit.verdict);
  point.offload_code = static_cast<std::uint8_t>(p.fit.offload);
  return point;
}

/// Points of the (hardware, model, quant) cells [first, last) of the plan, all contexts of each cell, into
/// `out`, whose first point is that of cell `out_first_cell`.
void sweep_cells(const SweepPlan& plan, std::size_t first, std::size_t last, std::size_t out_first_cell,
                 std::span<SweepPoint> out) {
  const std::size_t quants = plan.quants.size();
  const std::size_t per_hardware = plan.models.size() * quants;
  const auto& contexts = plan.options.contexts;
  for (std::size_t cell = first; cell < last; ++cell) {
    const std::size_t h = cell / per_hardware;
    const std::size_t m = cell % per_hardware / quants;
    const std::size_t q = cell % quants;
    const ModelQuantTerms& terms = plan.terms[m * quants + q];
    const EfficiencyConstants& constants = *plan.setups[h].constants;
    Scenario s = plan.scenario(h, m, q, 0);
    SweepPoint* row = out.data() + (cell - out_first_cell) * contexts.size();
    for (std::size_t c = 0; c < contexts.size(); ++c) {
      if (!plan.evaluates(h, m, q, c)) {
        row[c] = SweepPoint{};
        continue;
      }
      s.context_tokens = contexts[c];
      s.prompt_tokens = contexts[c];
      row[c] = point_of(predict(s, constants, terms));
    }
  }
}

/// The entries of one axis: every one of `all` when `ids` is empty, else those ids in their order.
template <typename Spec>
std::vector<const Spec*> chosen(const std::vector<Spec>& all, const std::vector<std::string>& ids, const char* axis,
                                const Catalog& catalog,
                                const Spec* (Catalog::*find)(std::string_view) const noexcept) {
  std::vector<const Spec*> entries;
  if (ids.empty()) {
    for (const Spec& entry : all) entries.push_back(&entry);
    return entries;
  }
  for (const std::string& id : ids) {
    const Spec* entry = (catalog.*find)(id);
    if (entry == nullptr) throw InputError(std::string("sweep: ") + axis + " '" + excerpt(id, 100) + "': not in the catalogue");
    if (std::find(entries.begin(), entries.end(), entry) != entries.end())
      throw InputError(std::string("sweep: ") + axis + " '" + entry->id + "': named twice");
    entries.push_back(entry);
  }
  return entries;
}

}  // namespace

std::vector<std::int64_t> default_sweep_contexts() {
  return {512, 1024, 2048, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536, 98304, 131072, 196608, 262144};
}

Scenario SweepPlan::scenario(std::size_t hardware_index, std::size_t model_index, std::size_t quant_index,
                             std::size_t context_index) const noexcept {
  Scenario s;
  s.hardware = hardware[hardware_index];
  s.host = setups[hardware_index].host;
  s.api = setups[hardware_index].api;
  s.model = models[model_index];
  s.quant = quants[quant_index];
  s.backend = options.backend;
  s.kv_type = options.kv_type;
  s.batch = options.batch;
  s.context_tokens = options.contexts[context_index];
  s.prompt_tokens = options.contexts[context_index];
  return s;
}

bool SweepPlan::evaluates(std::size_t hardware_index, std::size_t model_index, std::size_t quant_index,
                          std::size_t context_index) const noexcept {
  // The engine x format x chip rule every command applies (engines.hpp): NVFP4 needs CUDA, TQ a CPU.
  return options.contexts[context_index] <= models[model_index]->max_context &&
         backend_can_run(options.backend, *quants[quant_index], *hardware[hardware_index]);
}

std::size_t SweepPlan::evaluated_size() const noexcept {
  std::size_t n = 0;
  for (std::size_t h = 0; h < hardware.size(); ++h)
    for (std::size_t m = 0; m < models.size(); ++m)
      for (std::size_t q = 0; q < quants.size(); ++q)
        for (std::size_t c = 0; c < options.contexts.size(); ++c) n += evaluates(h, m, q, c);
  return n;
}

SweepPlan plan_sweep(const Catalog& catalog, const EfficiencyProfile& profile, SweepOptions options) {
  if (options.contexts.empty()) throw InputError("sweep: contexts: the list is empty");
  if (options.contexts.size() > kMaxContexts)
    throw InputError("sweep: contexts: " + std::to_string(options.contexts.size()) + " lengths, at most " +
                     std::to_string(kMaxContexts));
  for (std::size_t i = 0; i < options.contexts.size(); ++i)
    if (options.contexts[i] < 1 || options.contexts[i] > std::numeric_limits<std::int32_t>::max())
      throw InputError("sweep: contexts[" + std::to_string(i) + "]: " + std::to_string(options.contexts[i]) +
                       " is out of range (1 to 2,147,483,647 tokens)");
  if (options.batch < 1 || options.batch > 4096)
    throw InputError("sweep: batch: " + std::to_string(options.batch) + " is out of range (1 to 4096 sequences)");
  require_sequences(options.backend, options.batch, "batch");  // llama.cpp and Ollama: 256 (LLAMA_MAX_SEQ)

  SweepPlan plan;
  plan.options = std::move(options);
  const Backend backend = plan.options.backend;
  for (const HardwareSpec* hw : chosen(catalog.hardware(), plan.options.hardware_ids, "hardware", catalog,
                                       &Catalog::find_hardware)) {
    if (!backend_runs_on(backend, *hw)) {
      if (plan.options.hardware_ids.empty()) continue;  // MLX: Apple Silicon only; vLLM: CUDA, ROCm and SYCL GPUs only
      require_runs_on(backend, *hw, nullptr);           // a chip named: the engine's reason
    }
    SweepPlan::HardwareSetup setup;
    setup.api = default_api(backend, *hw);
    setup.host = catalog.default_host(*hw);
    setup.constants = &profile.lookup(backend, setup.api, *hw).constants;
    plan.hardware.push_back(hw);
    plan.setups.push_back(setup);
  }
  plan.models = chosen(catalog.models(), plan.options.model_ids, "model", catalog, &Catalog::find_model);
  for (const QuantSpec* q : chosen(catalog.quants(), plan.options.quant_ids, "quant", catalog, &Catalog::find_quant)) {
    if (backend_supports(backend, *q)) {
      plan.quants.push_back(q);
    } else if (!plan.options.quant_ids.empty()) {
      require_loads(backend, *q);  // a quantisation named: the engine's reason
    }
  }
  plan.terms.reserve(plan.models.size() * plan.quants.size());
  for (const ModelSpec* m : plan.models)
    for (const QuantSpec* q : plan.quants) plan.terms.push_back(prepare_model_quant(*m, *q));
  return plan;
}

unsigned sweep_threads(std::size_t points, unsigned requested) noexcept {
  return automatic_threads(points, requested, kPointsPerExtraThread);
}

unsigned run_sweep(const SweepPlan& plan, std::size_t hardware_first, std::size_t hardware_last,
                   std::span<SweepPoint> out, unsigned threads) {
  if (hardware_first > hardware_last || hardware_last > plan.hardware.size())
    throw InputError("sweep: hardware block [" + std::to_string(hardware_first) + ", " +
                     std::to_string(hardware_last) + ") is not within the plan's " +
                     std::to_string(plan.hardware.size()) + " hardware entries");
  const std::size_t points = (hardware_last - hardware_first) * plan.points_per_hardware();
  if (out.size() != points)
    throw InputError("sweep: result buffer holds " + std::to_string(out.size()) + " points, the block has " +
                     std::to_string(points));
  const std::size_t cells_per_hardware = plan.models.size() * plan.quants.size();
  const std::size_t first_cell = hardware_first * cells_per_hardware;
  // Static partition by cell (parallel.hpp): every point depends only on its own inputs, so the
  // results are the same for any number of threads and any blocking.
  return parallel_for_static((hardware_last - hardware_first) * cells_per_hardware, sweep_threads(points, threads),
                             [&](std::size_t first, std::size_t last) {
                               sweep_cells(plan, first_cell + first, first_cell + last, first_cell, out);
                             });
}

unsigned run_sweep(const SweepPlan& plan, std::span<SweepPoint> out, unsigned threads) {
  if (out.size() != plan.size())
    throw InputError("sweep: result buffer holds " + std::to_string(out.size()) + " points, the plan has " +
                     std::to_string(plan.size()));
  return run_sweep(plan, 0, plan.hardware.size(), out, threads);
}

std::vector<SweepPoint> run_sweep(const SweepPlan& plan, unsigned threads) {
  std::vector<SweepPoint> points(plan.size());
  run_sweep(plan, points, threads);
  return points;
}

}  // namespace llmfit
