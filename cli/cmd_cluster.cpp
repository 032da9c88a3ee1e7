// `llmfit cluster --hw m4-pro:4 --model deepseek-v3-q4 [--link thunderbolt5]`: one model on separate
// machines, pipeline (exo-style layer split) and tensor parallel.

#include <cmath>
#include <memory>

#include "commands.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct ClusterOptions {
  Query query;
  std::string nodes;
  std::string link = "thunderbolt5";
  double link_latency_us = 0;
  double link_bandwidth_gb_s = 0;
  bool latency_given = false;  // else the link table's
  bool bandwidth_given = false;
  bool list_links = false;
  OutputOptions output;
};

void run_cluster(const ClusterOptions& o, const GlobalOptions& global) {
  if (o.list_links) {
    write_output(render_links(builtin_links(), o.output.format), o.output.path);
    return;
  }
  const Catalog& c = catalog(global);
  const std::vector<ClusterNodeSpec> machines = parse_cluster_nodes(c, o.nodes);
  const LinkSpec link =
      custom_link(link_or_throw(o.link), o.latency_given ? std::optional<double>(o.link_latency_us) : std::nullopt,
                  o.bandwidth_given ? std::optional<double>(o.link_bandwidth_gb_s) : std::nullopt);

  std::vector<ResolvedQuery> nodes;
  for (const ClusterNodeSpec& node : machines) {
    Query q = o.query;
    q.hardware = node.hardware->id;
    if (node.memory_gib > 0) q.memory_gib = node.memory_gib;  // id@GiB outranks --memory
    nodes.push_back(resolve_query(c, q, profile(global)));
  }
  const ClusterPlan plan = plan_cluster(nodes, link);
  const std::string text = render_cluster(plan, nodes, o.output.format);
  write_outputs(o.output, text, [&] { return svg::render(cluster_chart(plan, nodes)); });
}

}  // namespace

void setup_cluster(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ClusterOptions>();
  Query& q = options->query;
  CLI::App* sub = app.add_subcommand("cluster", "One model across separate machines: pooled memory, pipeline and "
                                                "tensor-parallel speed");
  sub->add_option("--hw", options->nodes,
                  "Machines: id[:machines][@GiB], comma-separated, e.g. m4-pro:4@64 or m4-max-40c,m4-pro:2");
  sub->add_option("--model", q.model, model_help("deepseek-v3-q4"));
  sub->add_option("--link", options->link, "Link between machines (--list-links)")->capture_default_str();
  CLI::Option* latency =
      sub->add_option("--link-latency-us", options->link_latency_us, "Override the link's one-way latency (µs)");
  CLI::Option* bandwidth =
      sub->add_option("--link-bandwidth-gb-s", options->link_bandwidth_gb_s, "Override the link's bandwidth (GB/s)");
  sub->add_flag("--list-links", options->list_links, "Print the link table with its sources");
  const std::string no_offload = "cluster splits the layers over the machines; none offloads to a host";
  add_scenario_options(*sub, q,
                       {{ScenarioFlag::batch, "cluster models one sequence (pipeline and tensor-parallel speed at batch 1)"},
                        {ScenarioFlag::host, no_offload},
                        {ScenarioFlag::host_memory_gib, no_offload},
                        {ScenarioFlag::allow_offload, no_offload}});
  add_output_options(*sub, options->output, kClusterFormats, true);
  sub->callback([options, latency, bandwidth, sub, &global] {
    if (options->list_links) {
      // The link table is all --list-links prints (in --format, to -o): anything else would be ignored.
      for (const CLI::Option* option : sub->get_options()) {
        const std::string& name = option->get_name();
        // In process (serve, the page) every command is given --svg for its chart: not the user's flag.
        const bool internal = name == "--svg" && in_process() != nullptr;
        if (option->count() > 0 && !internal && name != "--list-links" && name != "--format" && name != "--output")
          throw InputError(name + ": not used with --list-links, which prints the link table alone");
      }
    }
    if (!options->list_links) options->query.model = model_name_or_file(options->query.model, global, "deepseek-v3-q4");
    options->latency_given = latency->count() > 0;
    options->bandwidth_given = bandwidth->count() > 0;
    run_cluster(*options, global);
  });
}

}  // namespace llmfit::cli
