#include "llmfit/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

#include "llmfit/errors.hpp"
#include "parallel.hpp"
#include "llmfit/text.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

constexpr double kMicro = units::kSecondsPerMicrosecond;

constexpr int verdict_rank_does_not_fit = 2;

int verdict_rank(const Prediction& p) {
  if (!p.in_range) return 3;
  switch (p.fit.verdict) {
    case FitVerdict::fits: return 0;
    case FitVerdict::partial_offload: return 1;
    case FitVerdict::does_not_fit: return verdict_rank_does_not_fit;
  }
  return 3;
}

bool finite_in(double value, double low, double high) {
  return std::isfinite(value) && value >= low && value <= high;
}

/// Is the quantisation one to try for this model on this hardware? The engine that would run it
/// (named, else the default for its format: engines.hpp) must load it and run there; MXFP4 (safetensors or
/// its GGUF build) records no quality loss only for models trained in it (gpt-oss), and elsewhere it is
/// not a published format.
bool quant_applies(const Catalog& catalog, const ModelSpec& model, const QuantSpec& quant, const HardwareSpec& hw,
                   std::optional<Backend> backend) {
  if (quant.kernel == QuantKernel::mxfp4) {
    const QuantSpec* released = catalog.find_quant(model.default_quant);
    if (released == nullptr || released->kernel != QuantKernel::mxfp4) return false;
  }
  return backend_can_run(chosen_backend(backend, quant, hw), quant, hw);
}

std::string dollars(double usd) { return "$" + with_thousands(static_cast<std::int64_t>(std::llround(usd))); }

double touched_moe_layers(const ModelSpec& m, int first, int count) {
  if (!m.is_moe()) return 0;
  const int begin = std::max(first, m.moe.dense_layers);
  const int end = first + count;
  return std::max(0, end - begin);
}

}  // namespace

std::string hardware_label(const Scenario& s) {
  if (s.hardware == nullptr) return "";
  return s.device_count > 1 ? fmt::format("{}:{}", s.hardware->id, s.device_count) : s.hardware->id;
}

double scenario_price_usd(const Scenario& s) noexcept {
  if (s.hardware == nullptr || !(s.hardware->price_usd > 0)) return 0;
  return std::max(1, s.device_count) * s.hardware->price_usd;
}

double scenario_power_w(const Scenario& s) noexcept {
  if (s.hardware == nullptr || !(s.hardware->tdp_w > 0)) return 0;
  return std::max(1, s.device_count) * s.hardware->tdp_w;
}

// ----------------------------------------------------------------------------------------- compare

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
  for (const std::string& name : hardware) {
    (void)catalog.resolve_hardware(name);  // unknown ids always fail, with a suggestion
    Query query = base;
    query.hardware = name;
    if (!skip_incompatible) {
      out.resolved.push_back(resolve_query(catalog, query, profile));
      continue;
    }
    try {
      out.resolved.push_back(resolve_query(catalog, query, profile));
    } catch (const InputError& error) {
      if (first_error.empty()) first_error = error.message();
      out.skipped.push_back(name + ": " + error.message());
    }
  }
  // Skipping everything means the question itself is wrong (e.g. --context beyond the model's maximum).
  if (out.resolved.empty() && !first_error.empty()) throw InputError(first_error);
  return out;
}

// --------------------------------------------------------------------------------------------- fit

std::optional<std::size_t> choose_best_quant(const std::vector<QuantCandidate>& candidates,
                                             double quality_tolerance_pct) {
  auto qualifies = [](const QuantCandidate& c) {
    return c.quant != nullptr && c.prediction.in_range && c.prediction.fit.fits && c.meets_speed;
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
    if (!qualifies(c) || c.quant->quality_ppl_increase_pct > *least_loss + tolerance) continue;
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
    throw InputError(fmt::format("{}: {} is out of range (0 to 100 percentage points)", field("quality_tolerance_pct"),
                                 options.quality_tolerance_pct));
  if (options.base.context_tokens < 0)
    throw InputError(fmt::format("{}: {} must be positive", field("context_tokens"), options.base.context_tokens));
  const HardwareChoice choice = catalog.resolve_hardware(options.base.hardware);
  std::optional<Backend> backend;
  if (!options.base.backend.empty()) {
    backend = backend_or_throw(options.base.backend);
    require_runs_on(*backend, *choice.hardware, nullptr);  // a named engine that cannot run here is an error
  }

  FitSearchResult result;
  result.hardware_label = choice.count > 1 ? fmt::format("{}:{}", choice.hardware->id, choice.count)
                                           : choice.hardware->id;
  result.requested_context = options.base.context_tokens;
  result.quality_tolerance_pct = options.quality_tolerance_pct;
  for (const ModelSpec& model : catalog.models()) {
    if (!options.model_ids.empty() &&
        std::find(options.model_ids.begin(), options.model_ids.end(), model.id) == options.model_ids.end())
      continue;
    if (options.base.context_tokens > model.max_context) {
      result.skipped.push_back(fmt::format("{}: maximum context {} is below the requested {}", model.id,
                                           model.max_context, options.base.context_tokens));
      continue;
    }
    ModelFit fit;
    fit.model = &model;
    for (const QuantSpec& quant : catalog.quants()) {
      if (!quant_applies(catalog, model, quant, *choice.hardware, backend)) continue;
      Query query = options.base;
      query.model = model.id + "-" + quant.id;
      const ResolvedQuery resolved = resolve_query(catalog, query, profile);
      QuantCandidate candidate;
      candidate.quant = resolved.scenario.quant;
      candidate.backend = resolved.scenario.backend;
      candidate.prediction = predict(resolved.scenario, resolved.efficiency->constants);
      candidate.meets_speed = candidate.prediction.in_range &&
                              candidate.prediction.decode_tok_s >= options.min_decode_tok_s;
      fit.context_tokens = resolved.scenario.context_tokens;
      fit.candidates.push_back(candidate);
    }
    if (fit.candidates.empty()) continue;
    fit.best = choose_best_quant(fit.candidates, options.quality_tolerance_pct);
    (fit.best ? result.models : result.rejected).push_back(std::move(fit));
  }
  return result;
}

std::optional<FitSort> parse_fit_sort(std::string_view text) noexcept {
  for (FitSort sort : {FitSort::speed, FitSort::quality, FitSort::size, FitSort::context})
    if (to_string(sort) == text) return sort;
  return std::nullopt;
}

std::string_view to_string(FitSort sort) noexcept {
  switch (sort) {
    case FitSort::speed: return "speed";
    case FitSort::quality: return "quality";
    case FitSort::size: return "size";
    case FitSort::context: return "context";
  }
  return "?";
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

// ------------------------------------------------------------------------------------------- scale

std::vector<int> batch_ladder(int max_batch) {
  std::vector<int> ladder;
  if (max_batch < 1) return ladder;
  for (int b = 1; b < max_batch; b *= 2) ladder.push_back(b);
  ladder.push_back(max_batch);
  return ladder;
}

std::vector<BatchPoint> batch_sweep(const Scenario& scenario, const EfficiencyConstants& constants, int max_batch) {
  std::vector<BatchPoint> points;
  if (scenario.hardware == nullptr || scenario.model == nullptr || scenario.quant == nullptr) return points;
  bool first_fits = false;
  for (int batch : batch_ladder(max_batch)) {
    Scenario at = scenario;
    at.batch = batch;
    const Prediction p = predict(at, constants);
    BatchPoint point;
    point.batch = batch;
    point.per_sequence_tok_s = p.decode_tok_s;
    point.aggregate_tok_s = p.aggregate_decode_tok_s;
    point.compute_bound = p.compute_bound_decode;
    point.fits = p.fit.fits;
    point.total_bytes = p.fit.total_bytes;
    points.push_back(point);
    if (batch == 1) first_fits = point.fits;
    if (point.compute_bound) break;
    if (first_fits && !point.fits) break;
  }
  return points;
}

int largest_batch_that_fits(const Scenario& scenario, const EfficiencyConstants& constants, int limit) {
  if (scenario.hardware == nullptr || scenario.model == nullptr || scenario.quant == nullptr || limit < 1) return 0;
  auto fits_at = [&](int batch) {
    Scenario at = scenario;
    at.batch = batch;
    return fit_memory(at, constants).fits;
  };
  if (!fits_at(1)) return 0;
  int low = 1;  // fits
  int high = 2;
  while (high <= limit && fits_at(high)) {
    low = high;
    high *= 2;
  }
  if (high > limit) {
    if (fits_at(limit)) return limit;
    high = limit;
  }
  while (high - low > 1) {  // KV grows with the batch: bisect
    const int mid = low + (high - low) / 2;
    (fits_at(mid) ? low : high) = mid;
  }
  return low;
}

std::vector<FitVerdict> context_verdicts(const Scenario& scenario, const EfficiencyConstants& constants,
                                         const std::vector<ContextPoint>& points) {
  std::vector<FitVerdict> verdicts;
  verdicts.reserve(points.size());
  for (const ContextPoint& point : points) {
    Scenario at = scenario;
    at.context_tokens = point.context;
    at.prompt_tokens = point.context;
    verdicts.push_back(fit_memory(at, constants).verdict);
  }
  return verdicts;
}

// ----------------------------------------------------------------------------------------- cluster

const std::vector<LinkSpec>& builtin_links() {
  // latency_us: one-way time of one small message through the stack inference engines use; the
  // bandwidth is the link's nominal rate (decode sends a few kB per hop, so latency dominates).
  static const std::vector<LinkSpec> links = {
      {"thunderbolt5-rdma", "Thunderbolt 5 with RDMA (macOS 26.2+, MLX/exo)", 9, 10,
       "5-9 us reported for RDMA over Thunderbolt 5 (stabilise.io, Dec 2025; NetworkChuck measured ~3 us; exo "
       "quotes <50 us); 80 Gb/s link (Apple TN3205)"},
      {"thunderbolt5", "Thunderbolt 5, IP over Thunderbolt (TCP)", 300, 10,
       "~300 us per exchange over TCP, the figure exo and Jeff Geerling report before RDMA (hardware-corner.net, Dec "
       "2025; exo-explore/exo); 80 Gb/s link"},
      {"thunderbolt4", "Thunderbolt 4 / USB4, IP over Thunderbolt (TCP)", 300, 5,
       "same TCP stack latency as thunderbolt5; 40 Gb/s link (16.4 Gb/s TCP measured, jiribrejcha.net 2024)"},
      {"25gbe", "25 Gigabit Ethernet (TCP)", 300, 3.125,
       "TCP stack latency as for Thunderbolt networking (the wire adds ~20 us: Hurwitz & Feng, 10GbE end-to-end "
       "evaluation, HOTI 2003); 25 Gb/s"},
      {"10gbe", "10 Gigabit Ethernet (TCP)", 300, 1.25,
       "TCP stack latency as for Thunderbolt networking (the wire adds ~20 us: Hurwitz & Feng, HOTI 2003); 10 Gb/s"},
      {"1gbe", "Gigabit Ethernet (TCP)", 300, 0.125, "TCP stack latency as for Thunderbolt networking; 1 Gb/s"},
  };
  return links;
}

const LinkSpec& link_or_throw(std::string_view id) {
  const std::string wanted = to_lower(id);
  std::vector<std::string> names;
  for (const LinkSpec& link : builtin_links()) {
    if (link.id == wanted) return link;
    names.push_back(link.id);
  }
  const auto hint = closest_matches(wanted, names, 1);
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  throw InputError(field("link") + ": unknown link '" + std::string(id.substr(0, 60)) + "'" +
                   (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)") + "; choose one of " + all +
                   ", or give " + field("link_latency_us") + " and " + field("link_bandwidth_gb_s"));
}

std::vector<ClusterNodeSpec> parse_cluster_nodes(const Catalog& catalog, std::string_view text) {
  std::vector<ClusterNodeSpec> nodes;
  if (text.empty())
    throw InputError(
        fmt::format("{0}: missing; name the machines, e.g. {0} m4-pro:4 or m4-max-40c,m4-pro:2", field("hardware")));
  std::size_t start = 0;
  int item = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string_view entry = text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                      : comma - start);
    ++item;
    if (entry.empty()) throw InputError(fmt::format("{}: machine {} is empty (stray comma?)", field("hardware"), item));
    std::string_view id = entry;
    int machines = 1;
    double memory_gib = 0;
    if (const auto at = id.find('@'); at != std::string_view::npos) {
      const std::string_view memory_text = id.substr(at + 1);
      id = id.substr(0, at);
      const auto [end, error] =
          std::from_chars(memory_text.data(), memory_text.data() + memory_text.size(), memory_gib);
      if (error != std::errc() || end != memory_text.data() + memory_text.size() || !finite_in(memory_gib, 0.1, 1e5))
        throw InputError(field("hardware") + " '" + std::string(entry.substr(0, 80)) +
                         "': the memory after '@' must be a number of GiB from 0.1 to 100000");
    }
    if (const auto colon = id.find(':'); colon != std::string_view::npos) {
      const std::string_view count_text = id.substr(colon + 1);
      id = id.substr(0, colon);
      const auto [end, error] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), machines);
      if (error != std::errc() || end != count_text.data() + count_text.size() || machines < 1 || machines > 64)
        throw InputError(field("hardware") + " '" + std::string(entry.substr(0, 80)) +
                         "': the machine count after ':' must be a whole number from 1 to 64");
    }
    const HardwareSpec& hw = catalog.hardware_or_throw(id);
    for (int i = 0; i < machines; ++i) nodes.push_back({&hw, memory_gib});
    if (nodes.size() > 64) throw InputError(field("hardware") + ": at most 64 machines in a cluster");
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return nodes;
}

std::vector<LayerRange> split_layers_by_memory(int layers, const std::vector<double>& memory_bytes) {
  std::vector<LayerRange> ranges(memory_bytes.size());
  if (memory_bytes.empty() || layers <= 0) return ranges;
  std::vector<std::size_t> order(memory_bytes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return memory_bytes[a] > memory_bytes[b]; });
  double total = 0;
  for (double m : memory_bytes) total += std::max(0.0, m);
  double start = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    const double share = total > 0 ? std::max(0.0, memory_bytes[i]) / total : 1.0 / static_cast<double>(order.size());
    const double end = std::round((start + share) * 1e5) / 1e5;  // exo rounds the share boundaries to 5 places
    const int first_layer = static_cast<int>(start * layers);
    int last_layer = static_cast<int>(end * layers) - 1;
    if (k + 1 == order.size()) last_layer = layers - 1;
    if (first_layer <= last_layer) ranges[i] = {first_layer, last_layer - first_layer + 1};
    else ranges[i] = {first_layer, 0};
    start = end;
  }
  return ranges;
}

ClusterPlan plan_cluster(const std::vector<ResolvedQuery>& nodes, const LinkSpec& link) {
  if (nodes.empty()) throw InputError("cluster: no machines");
  if (!finite_in(link.latency_us, 0, 1e7) || !finite_in(link.bandwidth_gb_s, 1e-6, 1e6))
    throw InputError(fmt::format("link '{}': latency {} us or bandwidth {} GB/s out of range", link.id,
                                 link.latency_us, link.bandwidth_gb_s));
  const ModelSpec& m = *nodes.front().scenario.model;
  const QuantSpec& q = *nodes.front().scenario.quant;
  const KvCacheType kv_type = nodes.front().scenario.kv_type;
  const double context = static_cast<double>(nodes.front().scenario.context_tokens);
  const double depth = static_cast<double>(nodes.front().scenario.prompt_tokens);
  const int layers = std::max(1, m.layers);

  const WeightBytes w = weight_bytes(m, q);
  const double vocab_hidden = static_cast<double>(m.vocab_size) * m.hidden_size;
  // Tied embeddings: llama.cpp stores the shared matrix at the output type; a split model needs it on
  // both the first machine (lookup) and the last (output head).
  const double embedding_bytes = w.embedding;
  const double output_bytes = w.output_head;
  const double layer_read_bytes = (w.per_token - output_bytes) / layers;  // active weights of one layer
  const double layer_params = (w.active_params - vocab_hidden) / layers;
  const double kv_total = kv_cache_bytes(m, kv_type, context);
  const double kv_read_total = kv_cache_bytes(m, kv_type, depth);

  ClusterPlan plan;
  plan.link = link;
  std::vector<double> available(nodes.size());
  std::vector<MemoryFit> node_fits(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    node_fits[i] = fit_memory(nodes[i].scenario, nodes[i].efficiency->constants);
    available[i] = node_fits[i].available_bytes;
    plan.total_memory_bytes += node_fits[i].available_bytes;
    plan.installed_memory_bytes += node_fits[i].device_memory_bytes;
  }
  const std::vector<LayerRange> ranges = split_layers_by_memory(layers, available);

  // Ring order: by first layer among machines that hold layers.
  std::vector<std::size_t> ring;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (ranges[i].count > 0) ring.push_back(i);
  std::sort(ring.begin(), ring.end(), [&](std::size_t a, std::size_t b) { return ranges[a].first < ranges[b].first; });
  if (ring.empty()) throw InputError("cluster: no machine holds a layer of " + m.id);
  const std::size_t first_node = ring.front();
  const std::size_t last_node = ring.back();

  plan.fits = true;
  double stage_seconds = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Scenario& s = nodes[i].scenario;
    const EfficiencyConstants& k = nodes[i].efficiency->constants;
    const HardwareSpec& hw = *s.hardware;
    ClusterStage stage;
    stage.node = static_cast<int>(i);
    stage.hardware_id = hw.id;
    stage.memory_gib = s.memory_gib > 0 ? s.memory_gib : hw.default_memory_gib;
    stage.first_layer = ranges[i].first;
    stage.layer_count = ranges[i].count;
    stage.backend = s.backend;
    stage.available_bytes = node_fits[i].available_bytes;
    const auto position = std::find(ring.begin(), ring.end(), i);
    stage.ring_position = position == ring.end() ? -1 : static_cast<int>(position - ring.begin());
    if (stage.layer_count > 0) {
      const double share = static_cast<double>(stage.layer_count) / layers;
      const bool is_first = i == first_node;
      const bool is_last = i == last_node;
      stage.weights_bytes = stage.layer_count * w.per_layer + (is_first ? embedding_bytes : 0.0) +
                            (is_last && !(is_first && m.tied_embeddings) ? output_bytes : 0.0);
      stage.kv_cache_bytes = kv_total * share;
      stage.fixed_bytes = node_fits[i].compute_buffer_bytes + node_fits[i].runtime_overhead_bytes;
      stage.required_bytes = stage.weights_bytes + stage.kv_cache_bytes + stage.fixed_bytes;
      stage.fits = stage.required_bytes <= stage.available_bytes;

      // Each machine streams its layers' active weights and KV at its own bandwidth with its engine's
      // efficiency (the decode model of predict.hpp applied to a slice of the layers).
      const double bw = hw.bandwidth_gb_s * units::kBytesPerGB;
      const double weights_read = stage.layer_count * layer_read_bytes + (is_last ? output_bytes : 0.0);
      const double t_weights = weights_read / (bw * k.weight_bandwidth_efficiency * k.kernel(q.kernel));
      const double t_kv = kv_read_total * share / (bw * k.kv_bandwidth_efficiency);
      const double flops = 2.0 * (stage.layer_count * layer_params + (is_last ? vocab_hidden : 0.0));
      const double t_compute = flops / (hw.fp16_tflops * units::kFlopsPerTflop * k.compute_efficiency);
      const double moe_layers = touched_moe_layers(m, stage.first_layer, stage.layer_count);
      const double t_fixed = (stage.layer_count * k.layer_overhead_us +
                              moe_layers * m.moe.experts_per_token * k.expert_overhead_us +
                              (is_last ? k.token_overhead_us : 0.0)) * kMicro;
      stage.seconds_per_token = std::max(t_weights + t_kv, t_compute) + t_fixed;
      stage_seconds += stage.seconds_per_token;
      plan.required_bytes += stage.required_bytes;
    } else {
      stage.fits = true;  // holds nothing
    }
    plan.fits = plan.fits && stage.fits;
    plan.stages.push_back(stage);
  }

  // The hidden state crosses a link between consecutive machines, and the sampled token returns to the
  // first machine for the next step (a ring): one hop per machine holding layers.
  plan.activation_bytes = 2.0 * m.hidden_size;  // f16
  plan.hops = ring.size() > 1 ? static_cast<int>(ring.size()) : 0;
  plan.hop_seconds = link.latency_us * kMicro + plan.activation_bytes / (link.bandwidth_gb_s * units::kBytesPerGB);
  plan.seconds_per_token = stage_seconds + plan.hops * plan.hop_seconds;
  plan.decode_tok_s = plan.seconds_per_token > 0 ? 1.0 / plan.seconds_per_token : 0;

  // Tensor parallel: every machine holds 1/N of every layer; Megatron-LM (Shoeybi et al. 2019, sec. 3)
  // needs two all-reduces of the hidden state per layer in the forward pass (after attention, after the
  // MLP). A ring all-reduce of S bytes over N machines takes 2(N-1) steps of S/N bytes each
  // (Patarasuk & Yuan 2009).
  TensorParallelEstimate& tp = plan.tensor_parallel;
  const int n = static_cast<int>(nodes.size());
  if (n < 2) {
    tp.reason = "one machine: nothing to split";
  } else if (m.attention_heads % n != 0) {
    tp.reason = fmt::format("{} attention heads do not divide over {} machines", m.attention_heads, n);
  } else {
    tp.applicable = true;
    // KV heads: split while there are enough (GQA replicates them beyond kv_heads); an MLA latent cache is
    // shared by all heads and is replicated on every machine (as vLLM does).
    const double kv_split = m.mla.kv_lora_rank > 0 ? 1.0 : static_cast<double>(std::clamp(m.kv_heads, 1, n));
    const double moe_layers = touched_moe_layers(m, 0, layers);
    tp.fits = true;
    double slowest = 0;
    double token_overhead = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const HardwareSpec& hw = *nodes[i].scenario.hardware;
      const EfficiencyConstants& k = nodes[i].efficiency->constants;
      const double required = w.stored / n + kv_total / kv_split + node_fits[i].compute_buffer_bytes +
                              node_fits[i].runtime_overhead_bytes;
      tp.per_node_required_bytes = std::max(tp.per_node_required_bytes, required);
      tp.fits = tp.fits && required <= node_fits[i].available_bytes;
      const double bw = hw.bandwidth_gb_s * units::kBytesPerGB;
      const double t_weights = (w.per_token / n) / (bw * k.weight_bandwidth_efficiency * k.kernel(q.kernel));
      const double t_kv = (kv_read_total / kv_split) / (bw * k.kv_bandwidth_efficiency);
      const double t_compute = 2.0 * w.active_params / n / (hw.fp16_tflops * units::kFlopsPerTflop * k.compute_efficiency);
      const double t_fixed = (layers * k.layer_overhead_us + moe_layers * m.moe.experts_per_token * k.expert_overhead_us) *
                             kMicro;
      slowest = std::max(slowest, std::max(t_weights + t_kv, t_compute) + t_fixed);
      token_overhead = std::max(token_overhead, k.token_overhead_us * kMicro);
    }
    const double message_bytes = plan.activation_bytes;
    const double allreduce = 2.0 * (n - 1) *
                             (link.latency_us * kMicro + message_bytes / n / (link.bandwidth_gb_s * units::kBytesPerGB));
    tp.allreduce_seconds_per_token = 2.0 * layers * allreduce;
    tp.compute_seconds_per_token = slowest + token_overhead;
    tp.seconds_per_token = tp.compute_seconds_per_token + tp.allreduce_seconds_per_token;
    tp.decode_tok_s = 1.0 / tp.seconds_per_token;
  }
  return plan;
}

// -------------------------------------------------------------------------------------------- cost

CostEstimate estimate_cost(const CostInputs& in) {
  if (!finite_in(in.price_usd, 0, 1e9)) throw InputError(fmt::format("{}: {} is out of range (0 to 1e9)", field("price_usd"), in.price_usd));
  if (!finite_in(in.power_w, 0, 1e6)) throw InputError(fmt::format("{}: {} is out of range (0 to 1e6 W)", field("power_w"), in.power_w));
  if (!finite_in(in.decode_tok_s, 1e-9, 1e12)) throw InputError(fmt::format("decode speed {} tok/s is not usable for a cost", in.decode_tok_s));
  if (!finite_in(in.years, 0.01, 50)) throw InputError(fmt::format("{}: {} is out of range (0.01 to 50)", field("years"), in.years));
  if (!finite_in(in.utilization, 1e-6, 1)) throw InputError(fmt::format("{}: {} is out of range (above 0, at most 1)", field("utilization"), in.utilization));
  if (!finite_in(in.power_price_usd_per_kwh, 0, 100))
    throw InputError(fmt::format("{}: {} is out of range (0 to 100 USD/kWh)", field("power_price_usd_per_kwh"),
                                 in.power_price_usd_per_kwh));
  if (!finite_in(in.api_usd_per_mtok, 0, 1e5))
    throw InputError(
        fmt::format("{}: {} is out of range (0 to 100000 USD)", field("api_usd_per_mtok"), in.api_usd_per_mtok));

  CostEstimate e;
  const double lifetime_mtok = in.decode_tok_s * in.utilization * in.years * kSecondsPerYear / 1e6;
  e.tokens_per_month = in.decode_tok_s * in.utilization * kSecondsPerMonth;
  e.hardware_usd_per_mtok = in.price_usd / lifetime_mtok;
  // Energy per million tokens: W x (1e6 / tok/s) seconds = J; 3.6e6 J per kWh.
  e.power_usd_per_mtok = in.power_w * (1e6 / in.decode_tok_s) / 3.6e6 * in.power_price_usd_per_kwh;
  e.usd_per_mtok = e.hardware_usd_per_mtok + e.power_usd_per_mtok;
  e.api_usd_per_mtok = in.api_usd_per_mtok;
  const double mtok_per_month = e.tokens_per_month / 1e6;
  e.api_usd_per_month = mtok_per_month * in.api_usd_per_mtok;
  e.power_usd_per_month = mtok_per_month * e.power_usd_per_mtok;
  const double saving_per_month = e.api_usd_per_month - e.power_usd_per_month;
  if (in.price_usd == 0) {
    e.breakeven_months = 0.0;
  } else if (saving_per_month > 0) {
    e.breakeven_months = in.price_usd / saving_per_month;
  }
  e.breakeven_within_life = e.breakeven_months && *e.breakeven_months <= in.years * 12;
  return e;
}

// --------------------------------------------------------------------------------------- recommend

double parse_model_size_b(std::string_view text) {
  std::string lower = to_lower(text);
  double scale = 1;  // billions
  if (!lower.empty() && lower.back() == 'b') {
    lower.pop_back();
  } else if (!lower.empty() && lower.back() == 'm') {
    lower.pop_back();
    scale = 1e-3;
  } else if (!lower.empty() && lower.back() == 't') {
    lower.pop_back();
    scale = 1e3;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(lower.data(), lower.data() + lower.size(), value);
  if (lower.empty() || error != std::errc() || end != lower.data() + lower.size() || !finite_in(value * scale, 0.01, 5000))
    throw InputError(field("model_size_b") + ": '" + std::string(text.substr(0, 40)) +
                     "' is not a model size; write it like 8b, 30b, 1.5b or 500m (0.01 to 5000 billion)");
  return value * scale;
}

const ModelSpec* yardstick_model(const Catalog& catalog, double size_b) {
  const ModelSpec* best = nullptr;
  double best_distance = 0;
  for (const ModelSpec& m : catalog.models()) {
    if (m.is_moe() || !(m.params_b > 0)) continue;
    const double distance = std::abs(std::log(m.params_b / size_b));
    if (best == nullptr || distance < best_distance) {
      best = &m;
      best_distance = distance;
    }
  }
  return best;
}

RecommendResult recommend(const Catalog& catalog, const RecommendOptions& o, const EfficiencyProfile& profile) {
  if (!finite_in(o.budget_usd, 1, 1e8)) throw InputError(fmt::format("{}: {} is out of range (1 to 1e8 USD)", field("budget_usd"), o.budget_usd));
  if (o.users < 1 || o.users > 4096) throw InputError(fmt::format("{}: {} is out of range (1 to 4096)", field("users"), o.users));
  if (!finite_in(o.min_tok_s_per_user, 0, 1e6))
    throw InputError(fmt::format("{}: {} is out of range (0 to 1e6 tok/s)", field("min_tok_s_per_user"), o.min_tok_s_per_user));
  if (o.max_devices_per_box < 1 || o.max_devices_per_box > 16)
    throw InputError(fmt::format("{}: {} is out of range (1 to 16)", field("max_devices_per_box"), o.max_devices_per_box));
  if (o.top < 1 || o.top > 1000) throw InputError(fmt::format("{}: {} is out of range (1 to 1000)", field("top"), o.top));

  RecommendResult result;
  if (!o.model.empty()) {
    const ModelChoice choice = catalog.resolve_model(o.model);
    result.yardstick = choice.model;
    result.quant = choice.quant_was_default ? &catalog.quant_or_throw(o.quant) : choice.quant;
    result.yardstick_reason = fmt::format("{} as named", choice.model->id);
  } else if (o.model_size_b > 0) {
    result.yardstick = yardstick_model(catalog, o.model_size_b);
    if (result.yardstick == nullptr) throw InputError(field("model_size_b") + ": the catalogue has no dense model to measure by");
    result.quant = &catalog.quant_or_throw(o.quant);
    result.yardstick_reason = fmt::format(
        "{} ({:g}B, dense) is the catalogue's dense model closest to {:g}B; an MoE model of that size runs faster",
        result.yardstick->id, result.yardstick->params_b, o.model_size_b);
  } else {
    throw InputError(fmt::format("{0}: missing; say what size of model you want to run, e.g. {0} 30b (or {1} ID)",
                                 field("model_size_b"), field("model")));
  }
  const ModelSpec& model = *result.yardstick;
  const QuantSpec& quant = *result.quant;
  if (o.context_tokens > model.max_context)
    throw InputError(fmt::format("{}: {} exceeds the maximum context of {} ({} tokens)", field("context_tokens"), o.context_tokens,
                                 model.id, model.max_context));

  struct Ranked {
    Recommendation rec;
    int verdict = 3;
  };
  std::vector<Ranked> ranked;
  for (const HardwareSpec& hw : catalog.hardware()) {
    if (!(hw.price_usd > 0)) continue;  // cannot be bought alone: no price to weigh
    if (o.portable && hw.form_factor != FormFactor::laptop) continue;
    if (!quant_applies(catalog, model, quant, hw, std::nullopt)) continue;
    const int max_count = hw.kind == HardwareKind::gpu ? o.max_devices_per_box : 1;
    // Another card is worth its price only when fewer cards do not hold the model (a layer split adds
    // memory, not speed): keep the fewest cards that fit, else the most the budget allows.
    std::optional<Ranked> chosen;
    for (int count = 1; count <= max_count; ++count) {
      const double price = count * hw.price_usd;
      if (price > o.budget_usd) break;
      Query query;
      query.hardware = count > 1 ? fmt::format("{}:{}", hw.id, count) : hw.id;
      query.model = model.id + "-" + quant.id;
      query.batch = o.users;
      query.context_tokens = o.context_tokens;
      Ranked r;
      Recommendation& rec = r.rec;
      rec.resolved = resolve_query(catalog, query, profile);
      rec.label = hardware_label(rec.resolved.scenario);
      rec.prediction = predict(rec.resolved.scenario, rec.resolved.efficiency->constants);
      rec.price_usd = price;
      const Prediction& p = rec.prediction;
      const MemoryFit& fit = p.fit;
      const Scenario& s = rec.resolved.scenario;
      r.verdict = verdict_rank(p);
      ++result.candidates_considered;

      const std::string who = o.users > 1 ? fmt::format("{} users", o.users) : "1 user";
      if (fit.fits) {
        rec.reasons.push_back(fmt::format("fits {} {} with {} x {}-token context: {:.1f} of {:.1f} GB usable", model.id,
                                          quant.name, o.users, with_thousands(s.context_tokens),
                                          fit.total_bytes / units::kBytesPerGB,
                                          fit.available_bytes / units::kBytesPerGB));
      } else if (fit.verdict == FitVerdict::partial_offload) {
        rec.concerns.push_back(fmt::format("needs CPU offload for {} {} ({:.1f} GB needed, {:.1f} GB usable): slow",
                                           model.id, quant.name, fit.total_bytes / units::kBytesPerGB,
                                           fit.available_bytes / units::kBytesPerGB));
      } else {
        rec.concerns.push_back(fmt::format("does not fit {} {}: needs {:.1f} GB, {:.1f} GB usable", model.id, quant.name,
                                           fit.total_bytes / units::kBytesPerGB,
                                           fit.available_bytes / units::kBytesPerGB));
      }
      const bool runs = p.in_range && fit.verdict != FitVerdict::does_not_fit;
      const bool fast_enough = runs && p.decode_tok_s >= o.min_tok_s_per_user;
      if (runs) {
        const std::string speed = fmt::format("{}: {:.1f} tok/s each, {:.1f} tok/s aggregate", who, p.decode_tok_s,
                                              p.aggregate_decode_tok_s);
        if (fast_enough)
          rec.reasons.push_back(speed + fmt::format(" (at least {:g} tok/s per user)", o.min_tok_s_per_user));
        else
          rec.concerns.push_back(speed + fmt::format(" (below {:g} tok/s per user)", o.min_tok_s_per_user));
        if (p.thermal_data && p.sustained_decode_tok_s < p.decode_tok_s)
          (p.sustained_decode_tok_s >= o.min_tok_s_per_user ? rec.reasons : rec.concerns)
              .push_back(fmt::format("sustained {:.1f} tok/s per user once throttled ({})", p.sustained_decode_tok_s,
                                     to_string(hw.form_factor)));
      }
      rec.reasons.push_back(fmt::format("{} within the {} budget{}", dollars(price), dollars(o.budget_usd),
                                        hw.kind == HardwareKind::gpu ? " (graphics cards only: add a host PC)" : ""));
      if (count > 1 && fit.fits)
        rec.reasons.push_back(fmt::format("{} cards: fewer do not hold the model and {} KV caches", count, o.users));
      else if (count > 1)
        rec.reasons.push_back(fmt::format("{} cards: the most within the budget and {}", count, field("max_devices_per_box")));
      if (o.portable) rec.reasons.push_back("laptop (portable)");
      rec.meets_all = fit.fits && fast_enough;
      const bool fits_fully = fit.fits;
      chosen = std::move(r);
      if (fits_fully) break;
    }
    if (chosen) ranked.push_back(std::move(*chosen));
  }
  // A configuration that is both slower and dearer than another that meets every requirement is no
  // choice at all: drop it.
  std::vector<bool> dominated(ranked.size(), false);
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const Recommendation& a = ranked[i].rec;
    if (!a.meets_all) continue;
    for (std::size_t j = 0; j < ranked.size() && !dominated[i]; ++j) {
      const Recommendation& b = ranked[j].rec;
      if (i == j || !b.meets_all) continue;
      const double speed_a = a.prediction.decode_tok_s;
      const double speed_b = b.prediction.decode_tok_s;
      dominated[i] = speed_b >= speed_a && b.price_usd <= a.price_usd && (speed_b > speed_a || b.price_usd < a.price_usd);
    }
  }
  std::vector<Ranked> kept;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    if (dominated[i]) {
      ++result.candidates_dominated;
      continue;
    }
    if (ranked[i].rec.meets_all) ++result.candidates_meeting_all;
    kept.push_back(std::move(ranked[i]));
  }
  ranked = std::move(kept);
  // Meeting every requirement first; then by how it runs (fits, offload, not at all); then the
  // fastest per user (for what does not fit: the most usable memory); then the cheaper; then the label.
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.rec.meets_all != b.rec.meets_all) return a.rec.meets_all;
    if (a.verdict != b.verdict) return a.verdict < b.verdict;
    // Nothing to run: the closest to holding the model first.
    if (a.verdict == verdict_rank_does_not_fit &&
        a.rec.prediction.fit.available_bytes != b.rec.prediction.fit.available_bytes)
      return a.rec.prediction.fit.available_bytes > b.rec.prediction.fit.available_bytes;
    if (a.rec.prediction.decode_tok_s != b.rec.prediction.decode_tok_s)
      return a.rec.prediction.decode_tok_s > b.rec.prediction.decode_tok_s;
    if (a.rec.price_usd != b.rec.price_usd) return a.rec.price_usd < b.rec.price_usd;
    return a.rec.label < b.rec.label;
  });
  for (std::size_t i = 0; i < ranked.size() && i < o.top; ++i) result.shortlist.push_back(std::move(ranked[i].rec));
  return result;
}

// ------------------------------------------------------------------------------------------- check

std::string_view to_string(ClaimVerdict verdict) noexcept {
  switch (verdict) {
    case ClaimVerdict::impossible: return "impossible";
    case ClaimVerdict::above_prediction: return "above_prediction";
    case ClaimVerdict::within_prediction: return "within_prediction";
  }
  return "?";
}

ClaimCheck check_claim(const Scenario& scenario, const EfficiencyConstants& constants,
                       const EfficiencyUncertainty& uncertainty, double claimed_tok_s) {
  if (!finite_in(claimed_tok_s, 1e-9, 1e300))
    throw InputError(fmt::format("{}: {} must be a positive number", field("claimed_tok_s"), claimed_tok_s));
  if (scenario.hardware == nullptr || scenario.model == nullptr || scenario.quant == nullptr)
    throw InputError("check: hardware and model are required");
  ClaimCheck c;
  c.claimed_tok_s = claimed_tok_s;
  const Prediction p = predict(scenario, constants);
  const HardwareSpec& hw = *scenario.hardware;
  const double devices = std::max(1, scenario.device_count);
  c.bytes_per_token = p.bytes_per_token;
  if (!(c.bytes_per_token > 0) || !std::isfinite(c.bytes_per_token))
    throw InputError("check: bytes per token could not be computed for " + scenario.model->id);
  // Roofline ceilings, no efficiencies: peak bandwidth / bytes read per token, and peak FLOP/s /
  // 2 FLOPs per active parameter (attention FLOPs left out, which only raises the ceiling).
  c.bandwidth_ceiling_tok_s = devices * hw.bandwidth_gb_s * units::kBytesPerGB / c.bytes_per_token;
  const double flops_per_token = 2.0 * weight_bytes(*scenario.model, *scenario.quant).active_params;
  c.compute_ceiling_tok_s = hw.fp16_tflops > 0 ? devices * hw.fp16_tflops * units::kFlopsPerTflop / flops_per_token
                                                : std::numeric_limits<double>::infinity();  // no figure: no bound
  c.ceiling_tok_s = std::min(c.bandwidth_ceiling_tok_s, c.compute_ceiling_tok_s);
  c.predicted_tok_s = p.in_range ? p.aggregate_decode_tok_s : 0;
  c.predicted_high_tok_s = c.predicted_tok_s * (uncertainty.known ? 1 + uncertainty.decode_relative_error : 1.0);
  c.fraction_of_ceiling = claimed_tok_s / c.ceiling_tok_s;
  c.fraction_of_prediction = c.predicted_tok_s > 0 ? claimed_tok_s / c.predicted_tok_s : 0;
  c.possible = claimed_tok_s <= c.ceiling_tok_s;
  c.fits = p.fit.fits;
  if (!c.possible) c.verdict = ClaimVerdict::impossible;
  else if (claimed_tok_s > c.predicted_high_tok_s) c.verdict = ClaimVerdict::above_prediction;
  else c.verdict = ClaimVerdict::within_prediction;
  return c;
}

}  // namespace llmfit
