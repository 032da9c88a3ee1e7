// `llmfit sweep`: every hardware × model × quantisation × context of the catalogue, as CSV or JSON.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "commands.hpp"
#include "llmfit/text.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct SweepCommandOptions {
  Format format = Format::csv;
  unsigned threads = 0;
  std::vector<std::int64_t> contexts = default_sweep_contexts();
  std::string backend = "llama.cpp";
  std::string kv_type = "f16";
  int batch = 1;
  std::string output;
  std::vector<std::string> hardware;  // as typed: names, comma-separated
  std::vector<std::string> models;
  std::vector<std::string> quants;
};

/// The catalogue ids of the entries the axis flags name (any name the resolver reads); empty: every entry.
void choose_entries(const SweepCommandOptions& o, const Catalog& c, SweepOptions& sweep) {
  for (const std::string& name : split_names(o.hardware, "--hw")) sweep.hardware_ids.push_back(c.hardware_or_throw(name).id);
  for (const std::string& name : split_names(o.models, "--model")) {
    const ModelChoice choice = c.resolve_model(name);
    // An Ollama tag or a repository names the model; only a quantisation in the name itself is refused.
    if (choice.quant_source == QuantSource::named)
      throw InputError("--model: '" + excerpt(name, 100) + "' names a quantisation (" + choice.quant->id +
                       "); give the model alone ('" + choice.model->id + "') and quantisations with --quant");
    sweep.model_ids.push_back(choice.model->id);
  }
  for (const std::string& name : split_names(o.quants, "--quant")) sweep.quant_ids.push_back(c.quant_or_throw(name).id);
}

/// Streams text to stdout, or whole to a file (OutputFile): output too big for one string.
class StreamedOutput {
 public:
  explicit StreamedOutput(const std::string& path) {
    if (!is_stdout(path)) file_.emplace(path);
  }
  void write(std::string_view chunk) {
    if (file_) return file_->write(chunk);
    if (std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size()) throw StandardOutputError(errno);
  }
  void commit() {
    if (file_) return file_->commit();
    write_stdout("");
  }

 private:
  std::optional<OutputFile> file_;
};

constexpr unsigned kMaxThreads = 1024;
// Points computed before they are written: 6 MB, and enough per block for several cores to repay their threads.
constexpr std::size_t kStreamedBlockPoints = 1 << 18;

void run_sweep_command(const SweepCommandOptions& options, const GlobalOptions& global) {
  if (options.threads > kMaxThreads)
    throw InputError("--threads: " + std::to_string(options.threads) + " is out of range (0 to " +
                     std::to_string(kMaxThreads) + "; 0 = automatic)");
  SweepOptions sweep;
  sweep.backend = backend_or_throw(options.backend);
  sweep.kv_type = kv_cache_type_or_throw(options.kv_type);
  sweep.batch = options.batch;
  sweep.contexts = options.contexts;
  choose_entries(options, catalog(global), sweep);
  const SweepPlan plan = plan_sweep(catalog(global), profile(global), std::move(sweep));

  // Computed and written a block of chips at a time: memory stays at one block, and a reader that stops
  // early (`| head`) ends the sweep at the next block instead of after millions of points.
  const std::size_t per_hardware = std::max<std::size_t>(1, plan.points_per_hardware());
  const std::size_t block_hardware = std::max<std::size_t>(1, kStreamedBlockPoints / per_hardware);
  std::vector<SweepPoint> block(std::min(block_hardware, plan.hardware.size()) * plan.points_per_hardware());
  StreamedOutput out(options.output);
  SweepWriter writer(plan, options.format, [&out](std::string_view chunk) { out.write(chunk); });
  unsigned threads_used = 1;
  for (std::size_t first = 0; first < plan.hardware.size(); first += block_hardware) {
    const std::size_t last = std::min(plan.hardware.size(), first + block_hardware);
    const std::span<SweepPoint> points(block.data(), (last - first) * plan.points_per_hardware());
    threads_used = std::max(threads_used, run_sweep(plan, first, last, points, options.threads));
    writer.write_hardware(first, points);
  }
  writer.finish();
  out.commit();
  std::fprintf(stderr,
               "llmfit sweep: %zu hardware x %zu models x %zu quants x %zu contexts; %zu points within the models' "
               "maximum context, on %u thread(s)\n",
               plan.hardware.size(), plan.models.size(), plan.quants.size(), plan.options.contexts.size(),
               plan.evaluated_size(), threads_used);
}

}  // namespace

void setup_sweep(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<SweepCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Predict every hardware x model x quantisation x context of the catalogue, or of the entries named (CSV or JSON)");
  add_format_option(*sub, options->format, kSweepFormats);
  sub->add_option("--threads", options->threads, "Threads (0 = every core when the sweep is large)")
      ->capture_default_str();
  accept_token_suffixes(sub->add_option("--contexts", options->contexts,
                                        "Context lengths, comma-separated, e.g. 4k,32k (each is the KV size and the "
                                        "prompt length); default: 16 from 512 to 262144")
                            ->delimiter(','));
  sub->add_option("--backend", options->backend, "Engine; the quantisations it loads are swept")->capture_default_str();
  sub->add_option("--kv-type", options->kv_type, "KV cache type: " + enum_choices<KvCacheType>(" | "))
      ->capture_default_str();
  sub->add_option("--batch", options->batch, "Concurrent sequences")->capture_default_str();
  sub->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  sub->add_option("--hw", options->hardware, "Only these chips: a,b,c (ids or as written, e.g. \"RTX 4090\"); default: every chip the engine runs on");
  sub->add_option("--model", options->models, "Only these models: a,b,c, without a quantisation; default: every model");
  sub->add_option("--quant", options->quants, "Only these quantisations: a,b,c; default: every one the engine loads");
  // The scenario flags of one prediction that a sweep over the catalogue does not take.
  const std::string each = "the sweep runs every chip with its own default";
  refuse_scenario_flags(*sub, {{ScenarioFlag::context_tokens, "the sweep takes --contexts (each the KV size and the prompt)"},
                               {ScenarioFlag::prompt_tokens, "the sweep takes --contexts (each the KV size and the prompt)"},
                               {ScenarioFlag::api, each},
                               {ScenarioFlag::memory_gib, each},
                               {ScenarioFlag::gpu_memory_fraction, each},
                               {ScenarioFlag::host, each},
                               {ScenarioFlag::host_memory_gib, each},
                               {ScenarioFlag::allow_offload, "the sweep reports the verdict of every point, offload included"},
                               {ScenarioFlag::fit_margin, "the sweep keeps the default safety margin (5% or 0.5 GB)"},
                               {ScenarioFlag::gpu_memory_utilization, "the sweep runs vLLM at its default share (0.9)"}});
  sub->callback([options, &global] { run_sweep_command(*options, global); });
}

}  // namespace llmfit::cli
