// cluster: one model on separate machines (report/plan.hpp).
#include <fmt/format.h>

#include "common.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/plan.hpp"

namespace llmfit {
namespace {

using namespace report;

/// Every field of a machine of the pipeline: the JSON `stages` in this order, the text table in kStageReadable's.
const Columns<ClusterStage>& stage_columns() {
  static const Columns<ClusterStage> columns = {
      {"node", [](const ClusterStage& st) { return json(st.node); }, "#",
       [](const ClusterStage& st) { return std::to_string(st.node + 1); }, true},
      {"hardware", [](const ClusterStage& st) { return json(st.hardware_id); }, "hardware",
       [](const ClusterStage& st) { return st.hardware_id; }},
      {"memory_gib", [](const ClusterStage& st) { return json(st.memory_gib); }, "memory",
       [](const ClusterStage& st) { return fmt::format("{:g} GiB", st.memory_gib); }, true},
      {"first_layer", [](const ClusterStage& st) { return st.layer_count > 0 ? json(st.first_layer) : json(nullptr); }},
      {"last_layer",
       [](const ClusterStage& st) {
         return st.layer_count > 0 ? json(st.first_layer + st.layer_count - 1) : json(nullptr);
       }},
      {"layers", [](const ClusterStage& st) { return json(st.layer_count); }, "layers",
       [](const ClusterStage& st) {
         return st.layer_count > 0
                    ? fmt::format("{}-{} ({})", st.first_layer, st.first_layer + st.layer_count - 1, st.layer_count)
                    : std::string("none");
       }},
      {"ring_position",
       [](const ClusterStage& st) { return st.ring_position >= 0 ? json(st.ring_position) : json(nullptr); }},
      {"available_gb", [](const ClusterStage& st) { return json(gb(st.available_bytes)); }, "usable",
       [](const ClusterStage& st) { return format_gb(st.available_bytes); }, true},
      {"weights_gb", [](const ClusterStage& st) { return json(gb(st.weights_bytes)); }},
      {"kv_cache_gb", [](const ClusterStage& st) { return json(gb(st.kv_cache_bytes)); }},
      {"fixed_gb", [](const ClusterStage& st) { return json(gb(st.fixed_bytes)); }},
      {"required_gb", [](const ClusterStage& st) { return json(gb(st.required_bytes)); }, "needs",
       [](const ClusterStage& st) { return st.layer_count > 0 ? format_gb(st.required_bytes) : "-"; }, true},
      {"fits", [](const ClusterStage& st) { return json(st.fits); }, "fits",
       [](const ClusterStage& st) { return st.fits ? "yes" : "NO"; }},
      {"seconds_per_token", [](const ClusterStage& st) { return number(st.seconds_per_token); }, "time/token",
       [](const ClusterStage& st) { return st.layer_count > 0 ? precise_duration(st.seconds_per_token) : "-"; }, true},
      {"backend", [](const ClusterStage& st) { return json(std::string(to_string(st.backend))); }},
  };
  return columns;
}
constexpr std::string_view kStageHeadings[] = {"#", "hardware", "memory", "layers", "needs", "usable", "fits",
                                               "time/token"};
const std::vector<std::string_view> kStageReadable(std::begin(kStageHeadings), std::end(kStageHeadings));

json cluster_json(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes) {
  const Scenario& s = nodes.front().scenario;
  const json stages = rows_json(stage_columns(), plan.stages);
  const TensorParallelEstimate& tp = plan.tensor_parallel;
  json tensor = {{"applicable", tp.applicable},
                 {"reason", tp.reason},
                 {"fits", tp.fits},
                 {"allreduces_per_layer", 2},
                 {"per_node_required_gb", tp.applicable ? number(gb(tp.per_node_required_bytes)) : json(nullptr)},
                 {"allreduce_seconds_per_token", tp.applicable ? number(tp.allreduce_seconds_per_token) : json(nullptr)},
                 {"compute_seconds_per_token", tp.applicable ? number(tp.compute_seconds_per_token) : json(nullptr)},
                 {"seconds_per_token", tp.applicable ? number(tp.seconds_per_token) : json(nullptr)},
                 {"decode_tok_s", tp.applicable ? number(tp.decode_tok_s) : json(nullptr)},
                 {"faster_than_pipeline", tp.applicable && tp.decode_tok_s > plan.decode_tok_s}};
  return {{"model", s.model->id},
          {"quant", s.quant->id},
          {"kv_type", std::string(to_string(s.kv_type))},
          {"context", s.context_tokens},
          {"prompt_tokens", s.prompt_tokens},
          {"machines", plan.stages.size()},
          {"link", {{"id", plan.link.id}, {"name", plan.link.name}, {"latency_us", plan.link.latency_us},
                    {"bandwidth_gb_s", plan.link.bandwidth_gb_s}, {"source", plan.link.source}}},
          {"fits", plan.fits},
          {"total_memory_gb", gb(plan.total_memory_bytes)},
          {"installed_memory_gb", gb(plan.installed_memory_bytes)},
          {"required_gb", gb(plan.required_bytes)},
          {"hops", plan.hops},
          {"activation_bytes", plan.activation_bytes},
          {"hop_seconds", plan.hop_seconds},
          {"seconds_per_token", number(plan.seconds_per_token)},
          {"decode_tok_s", number(plan.decode_tok_s)},
          {"stages", stages},
          {"tensor_parallel", tensor}};
}

std::string cluster_text(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes) {
  const Scenario& s = nodes.front().scenario;
  std::string out = fmt::format("{} ({}) on {} separate machines, linked by {} ({:g} µs, {:g} GB/s)\n", s.model->name,
                                s.quant->name, plan.stages.size(), plan.link.id, plan.link.latency_us,
                                plan.link.bandwidth_gb_s);
  out += fmt::format("  KV {} · context {} · decode after a {}-token prompt · batch 1\n\n", to_string(s.kv_type),
                     with_thousands(s.context_tokens), with_thousands(s.prompt_tokens));
  out += fmt::format("{}: needs {}, pooled {} usable of {} installed\n",
                     plan.fits ? "FITS" : "DOES NOT FIT", format_gb(plan.required_bytes),
                     format_gb(plan.total_memory_bytes), format_gb(plan.installed_memory_bytes));
  out += "PIPELINE (exo-style layer split, in proportion to each machine's usable memory)\n";
  out += render_aligned(readable_table(stage_columns(), plan.stages, kStageReadable));
  double stages = 0;
  for (const ClusterStage& st : plan.stages) stages += st.seconds_per_token;
  out += fmt::format("per token: stages {} + {} hops x {} (latency + {:g}-byte hidden state) = {} -> {} tok/s\n",
                     precise_duration(stages), plan.hops, precise_duration(plan.hop_seconds), plan.activation_bytes,
                     precise_duration(plan.seconds_per_token), format_rate(plan.decode_tok_s));
  const TensorParallelEstimate& tp = plan.tensor_parallel;
  out += "\nTENSOR PARALLEL (every machine holds 1/N of every layer)\n";
  if (!tp.applicable) {
    out += "  not applicable: " + tp.reason + "\n";
  } else {
    out += fmt::format("  2 all-reduces of the hidden state per layer (Megatron-LM, Shoeybi et al. 2019), ring over {} "
                       "machines: {} per token\n",
                       plan.stages.size(), precise_duration(tp.allreduce_seconds_per_token));
    out += fmt::format("  slowest machine reading its shard: {}; total {} -> {} tok/s ({} the pipeline)\n",
                       precise_duration(tp.compute_seconds_per_token), precise_duration(tp.seconds_per_token),
                       format_rate(tp.decode_tok_s), tp.decode_tok_s > plan.decode_tok_s ? "faster than" : "slower than");
    out += fmt::format("  memory per machine: {} ({})\n", format_gb(tp.per_node_required_bytes),
                       tp.fits ? "fits on every machine" : "does NOT fit on every machine");
  }
  out += "\nlink: " + plan.link.name + " — " + plan.link.source + "\n";
  return out;
}

}  // namespace

std::string render_links(const std::vector<LinkSpec>& links, Format format) {
  static const Columns<LinkSpec> columns = {
      {"id", [](const LinkSpec& l) { return json(l.id); }},
      {"name", [](const LinkSpec& l) { return json(l.name); }},
      {"latency_us", [](const LinkSpec& l) { return json(l.latency_us); }},
      {"bandwidth_gb_s", [](const LinkSpec& l) { return json(l.bandwidth_gb_s); }},
      {"source", [](const LinkSpec& l) { return json(l.source); }},
  };
  if (format == Format::json) return json_text(rows_json(columns, links));
  std::string out = "links (latency one-way per message, bandwidth 1e9 B/s):\n";
  for (const LinkSpec& l : links)
    out += fmt::format("  {:<18} {:>6g} µs  {:>7g} GB/s  {}\n      source: {}\n", l.id, l.latency_us, l.bandwidth_gb_s,
                       l.name, l.source);
  return out;
}

std::string render_cluster(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes, Format format) {
  return format == Format::json ? json_text(cluster_json(plan, nodes)) : cluster_text(plan, nodes);
}

svg::BarChart cluster_chart(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes) {
  const Scenario& s = nodes.front().scenario;
  svg::BarChart chart;
  chart.title = fmt::format("Time per token: {} on {} machines", s.model->name, plan.stages.size());
  chart.subtitle = fmt::format("pipeline split by memory over {}: {} tok/s{}", plan.link.id,
                               svg::format_value(plan.decode_tok_s), plan.fits ? "" : " (does not fit)");
  chart.value_label = "time per decoded token (ms)";
  chart.group_names = {"machine (its layers)", "links", "total per token"};
  for (const ClusterStage& st : plan.stages) {
    if (st.layer_count == 0) continue;
    svg::Bar bar;
    bar.label = fmt::format("{} {} (layers {}-{})", st.node + 1, st.hardware_id, st.first_layer,
                            st.first_layer + st.layer_count - 1);
    bar.value = st.seconds_per_token * 1e3;
    bar.value_text = svg::format_value(bar.value) + " ms" + (st.fits ? "" : " (does not fit)");
    chart.bars.push_back(bar);
  }
  if (plan.hops > 0)
    chart.bars.push_back({fmt::format("{} hops over {}", plan.hops, plan.link.id), plan.hops * plan.hop_seconds * 1e3,
                          svg::format_value(plan.hops * plan.hop_seconds * 1e3) + " ms", 1});
  chart.bars.push_back({"pipeline, per token", plan.seconds_per_token * 1e3,
                        svg::format_value(plan.seconds_per_token * 1e3) + " ms (" +
                            svg::format_value(plan.decode_tok_s) + " tok/s)",
                        2});
  if (plan.tensor_parallel.applicable)
    chart.bars.push_back({"tensor parallel, per token", plan.tensor_parallel.seconds_per_token * 1e3,
                          svg::format_value(plan.tensor_parallel.seconds_per_token * 1e3) + " ms (" +
                              svg::format_value(plan.tensor_parallel.decode_tok_s) + " tok/s)",
                          2});
  chart.footnote = fmt::format("link {}: latency {:g} us, {:g} GB/s; tensor parallel: 2 all-reduces per layer (Megatron-LM)",
                               plan.link.id, plan.link.latency_us, plan.link.bandwidth_gb_s);
  return chart;
}

}  // namespace llmfit
