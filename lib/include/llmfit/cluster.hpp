#pragma once
/// cluster: one model on separate machines joined by a network link, pipeline and tensor parallel.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/scenario.hpp"

namespace llmfit {

/// A link between machines: one-way latency of one small message through the software stack, and
/// the link's bandwidth. Sources in plan.cpp beside the table.
struct LinkSpec {
  std::string id;
  std::string name;
  double latency_us = 0;
  double bandwidth_gb_s = 0;  // 1e9 B/s
  std::string source;
};
[[nodiscard]] const std::vector<LinkSpec>& builtin_links();
/// A link by id (case-insensitive); throws InputError with a suggestion when unknown.
[[nodiscard]] const LinkSpec& link_or_throw(std::string_view id);
/// `base` with the latency and bandwidth given in its place (then named "custom"); InputError naming the
/// field (link_latency_us, link_bandwidth_gb_s) when one is out of range.
[[nodiscard]] LinkSpec custom_link(const LinkSpec& base, std::optional<double> latency_us,
                                   std::optional<double> bandwidth_gb_s);

/// One machine of a cluster.
struct ClusterNodeSpec {
  const HardwareSpec* hardware = nullptr;
  double memory_gib = 0;  // 0 = the catalogue default
};
/// "m4-max-40c,m4-pro:2" or "m4-pro:4@64": comma-separated `id[:machines][@memory_gib]`. Throws
/// InputError (unknown id with a suggestion, bad count, bad memory).
[[nodiscard]] std::vector<ClusterNodeSpec> parse_cluster_nodes(const Catalog& catalog, std::string_view text);

/// exo's ring partition (exo-explore/exo, ring_memory_weighted_partitioning_strategy.py and
/// map_partitions_to_shards): machines ordered by memory, largest first (ties: input order); machine i
/// owns the share [start, end) of the model with end = round(start + memory_i / total, 5) and layers
/// int(start·L) … int(end·L) − 1; the last machine takes the remainder. Returns, in input order, the
/// first layer and the layer count of each machine (count 0: no layers).
struct LayerRange {
  int first = 0;
  int count = 0;
};
[[nodiscard]] std::vector<LayerRange> split_layers_by_memory(int layers, const std::vector<double>& memory_bytes);

struct ClusterStage {
  int node = 0;  // position in the input list
  std::string hardware_id;
  double memory_gib = 0;
  int first_layer = 0;
  int layer_count = 0;
  int ring_position = 0;           // order the activations visit the machines (0 = first)
  double available_bytes = 0;      // usable by the model (macOS GPU share on Apple)
  double weights_bytes = 0;
  double kv_cache_bytes = 0;
  double fixed_bytes = 0;          // compute buffer and runtime overhead
  double required_bytes = 0;       // sum of the three
  bool fits = false;
  double seconds_per_token = 0;    // this machine's part of one decode token
  Backend backend = Backend::llama_cpp;
};

struct TensorParallelEstimate {
  bool applicable = false;  // attention heads divide evenly over the machines
  std::string reason;       // why not, when not applicable
  bool fits = false;        // every machine holds its 1/N shard
  double per_node_required_bytes = 0;  // the largest shard with its KV and overheads
  double allreduce_seconds_per_token = 0;
  double compute_seconds_per_token = 0;  // slowest machine reading its shard, plus per-layer costs
  double seconds_per_token = 0;
  double decode_tok_s = 0;
};

struct ClusterPlan {
  std::vector<ClusterStage> stages;  // input order
  LinkSpec link;
  bool fits = false;                 // every machine holds its layers
  double total_memory_bytes = 0;     // pooled memory usable by the model (sum of available_bytes)
  double installed_memory_bytes = 0;
  double required_bytes = 0;
  int hops = 0;                      // link crossings per token (machines with layers; 0 for one)
  double activation_bytes = 0;       // one token's hidden state crossing a link (f16)
  double hop_seconds = 0;            // latency + activation_bytes / bandwidth
  double seconds_per_token = 0;      // sum of the stages + hops x hop_seconds
  double decode_tok_s = 0;
  TensorParallelEstimate tensor_parallel;
};

/// Pipeline (layer split) and tensor-parallel estimates for one model on separate machines, one
/// resolved scenario per machine (same model, quantisation, KV type and context). Batch 1.
[[nodiscard]] ClusterPlan plan_cluster(const std::vector<ResolvedQuery>& nodes, const LinkSpec& link);

}  // namespace llmfit
