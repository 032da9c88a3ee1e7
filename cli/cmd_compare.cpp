// `llmfit compare --model qwen3-coder-q4 --hw a,b,c | --all`: one model ranked across machines.
#include <memory>

#include "commands.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct CompareOptions {
  Query query;
  std::vector<std::string> hardware;
  bool all = false;
  std::string vendor;
  std::string kind;
  std::size_t top = 0;
  unsigned threads = 0;
  OutputOptions output;
};

constexpr unsigned kMaxCompareThreads = 1024;  // as sweep --threads

std::vector<std::string> all_hardware(const Catalog& catalog, const CompareOptions& o) {
  std::vector<std::string> vendors;
  std::optional<HardwareKind> kind;
  if (!o.kind.empty()) {
    kind = parse_hardware_kind(to_lower(o.kind));
    if (!kind)
      throw InputError("--kind: unknown kind '" + o.kind.substr(0, 40) + "'; choose one of " +
                       enum_choices<HardwareKind>());
  }
  std::vector<std::string> ids;
  for (const HardwareSpec& h : catalog.hardware()) {
    if (std::find(vendors.begin(), vendors.end(), h.vendor) == vendors.end()) vendors.push_back(h.vendor);
    if (!o.vendor.empty() && to_lower(h.vendor) != to_lower(o.vendor)) continue;
    if (kind && h.kind != *kind) continue;
    ids.push_back(h.id);
  }
  if (!o.vendor.empty() && std::find(vendors.begin(), vendors.end(), to_lower(o.vendor)) == vendors.end()) {
    const auto hint = closest_matches(to_lower(o.vendor), vendors, 1);
    throw InputError("--vendor: no hardware from '" + o.vendor.substr(0, 40) + "'" +
                     (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
  }
  if (ids.empty()) throw InputError("--all: no hardware matches --vendor/--kind");
  return ids;
}

void run_compare(const CompareOptions& o, const GlobalOptions& global) {
  const Catalog& c = catalog(global);
  if (o.all && !o.hardware.empty()) throw InputError("--hw and --all: give one of them");
  if (!o.all && o.hardware.empty()) throw InputError("--hw: name the hardware to compare (--hw a,b,c) or use --all");
  if (!o.all && (!o.vendor.empty() || !o.kind.empty())) throw InputError("--vendor/--kind filter --all; add --all");
  if (o.threads > kMaxCompareThreads)
    throw InputError("--threads: " + std::to_string(o.threads) + " is out of range (0 to " +
                     std::to_string(kMaxCompareThreads) + "; 0 = automatic)");
  const std::vector<std::string> names = o.all ? all_hardware(c, o) : split_names(o.hardware, "--hw");
  const CompareScenarios scenarios = resolve_compare_scenarios(c, o.query, names, o.all, profile(global));
  std::vector<CompareRow> rows = evaluate_compare_rows(scenarios.resolved, o.threads);
  rank_compare_rows(rows);

  const std::string text = render_compare(rows, scenarios.skipped, o.output.format, o.top);
  write_outputs(o.output, text, [&rows, &o] { return svg::render(compare_chart(rows, o.top)); });
  if (!o.all) note_name_readings(global, names, o.query.model);
}

}  // namespace

void setup_compare(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* sub = app.add_subcommand("compare", "Rank hardware for one model: fit, speed, headroom, value");
  sub->add_option("--model", options->query.model, model_help("qwen3-coder-q4"));
  sub->add_option("--hw", options->hardware, "Hardware to compare: a,b,c (each id[:count][@GiB] or as written, e.g. \"RTX 4090\")")
      ->delimiter(',');
  sub->add_flag("--all", options->all, "Compare every catalogue entry (those that cannot load the format are skipped)");
  sub->add_option("--vendor", options->vendor, "With --all: only this vendor (apple, nvidia, amd, intel, generic)");
  sub->add_option("--kind", options->kind, "With --all: only this kind (" + enum_choices<HardwareKind>() + ")");
  sub->add_option("--top", options->top, "Show only the best N rows");
  sub->add_option("--threads", options->threads, "Threads (0 = every core when there are 64 rows or more)")
      ->capture_default_str();
  add_scenario_options(*sub, options->query);
  add_output_options(*sub, options->output, kCompareFormats, true);
  sub->callback([options, &global] {
    options->query.model = model_name_or_file(options->query.model, global, "qwen3-coder-q4");
    run_compare(*options, global);
  });
}

}  // namespace llmfit::cli
