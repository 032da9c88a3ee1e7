// cluster: separate machines joined by a link (cluster.hpp).
#include "llmfit/cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::finite_in;
using detail::kMicro;
namespace {

double touched_moe_layers(const ModelSpec& m, int first, int count) {
  if (!m.is_moe()) return 0;
  // Layers with and without an FFN alternate (Nemotron-H): the MoE layers are spread over the stack.
  if (m.ffn_layers() < m.layers) return m.moe_layers() * static_cast<double>(count) / std::max(1, m.layers);
  const int begin = std::max(first, m.moe.dense_layers);
  const int end = first + count;
  return std::max(0, end - begin);
}

}  // namespace

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

LinkSpec custom_link(const LinkSpec& base, std::optional<double> latency_us, std::optional<double> bandwidth_gb_s) {
  if (latency_us && !finite_in(*latency_us, 0, 1e7))
    throw InputError(fmt::format("{}: {} is out of range (0 to 1e7 µs)", field("link_latency_us"), *latency_us));
  if (bandwidth_gb_s && !finite_in(*bandwidth_gb_s, 1e-6, 1e6))
    throw InputError(
        fmt::format("{}: {} is out of range (1e-6 to 1e6 GB/s)", field("link_bandwidth_gb_s"), *bandwidth_gb_s));
  if (!latency_us && !bandwidth_gb_s) return base;
  LinkSpec link = base;
  link.id = "custom";
  link.name = "custom link (" + base.id + " with the figures given)";
  link.source = field("link_latency_us") + " / " + field("link_bandwidth_gb_s");
  if (latency_us) link.latency_us = *latency_us;
  if (bandwidth_gb_s) link.bandwidth_gb_s = *bandwidth_gb_s;
  return link;
}

std::vector<ClusterNodeSpec> parse_cluster_nodes(const Catalog& catalog, std::string_view text) {
  std::vector<ClusterNodeSpec> nodes;
  if (text.empty())
    throw InputError(
        fmt::format("{0}: missing; name the machines, e.g. {0} m4-pro:4 or m4-max-40c,m4-pro:2", field("hardware")));
  int item = 0;
  for (const std::string_view entry : split_on(text, ',')) {
    ++item;
    if (entry.empty()) throw InputError(fmt::format("{}: machine {} is empty (stray comma?)", field("hardware"), item));
    std::string_view id = entry;
    int machines = 1;
    double memory_gib = 0;
    if (const auto at = id.find('@'); at != std::string_view::npos) {
      const std::string_view memory_text = id.substr(at + 1);
      id = id.substr(0, at);
      memory_gib = parse_decimal(memory_text).value_or(0);
      if (!finite_in(memory_gib, 0.1, 1e5))
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
    // The machine's name is read by the resolver ("M4 Pro 64GB": a capacity in it counts like '@').
    const HardwareChoice choice = catalog.resolve_hardware(id);
    if (choice.count > 1)
      throw InputError(field("hardware") + " '" + std::string(entry.substr(0, 80)) +
                       "': a cluster machine is one device; ':N' counts machines");
    if (memory_gib > 0 && choice.memory_gib > 0 && memory_gib != choice.memory_gib)
      throw InputError(field("hardware") + " '" + std::string(entry.substr(0, 80)) +
                       "': the capacity in the name and after '@' disagree");
    if (memory_gib == 0) memory_gib = choice.memory_gib;
    for (int i = 0; i < machines; ++i) nodes.push_back({choice.hardware, memory_gib});
    if (nodes.size() > 64) throw InputError(field("hardware") + ": at most 64 machines in a cluster");
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
  const double kv_read_total = kv_read_bytes(m, kv_type, depth);

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
      stage.fits = stage.required_bytes + node_fits[i].margin_bytes <= stage.available_bytes;  // margin kept

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
      tp.fits = tp.fits && required + node_fits[i].margin_bytes <= node_fits[i].available_bytes;
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

}  // namespace llmfit
