// `llmfit sweep`: every hardware × model × quantisation × context of the catalogue, as CSV or JSON.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"

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
};

/// Streams text to stdout, or to `path` through a temporary file renamed at the end, so a failed
/// run never leaves half a file (the same contract as write_output, for output too big for a string).
class StreamedOutput {
 public:
  explicit StreamedOutput(const std::string& path) : path_(path == "-" ? "" : path) {
    if (path_.empty()) {
      file_ = stdout;
      return;
    }
    temporary_ = path_ + ".tmp-llmfit";
    file_ = std::fopen(temporary_.c_str(), "wb");
    if (file_ == nullptr) throw InputError(path_ + ": cannot open for writing");
  }
  StreamedOutput(const StreamedOutput&) = delete;
  StreamedOutput& operator=(const StreamedOutput&) = delete;
  ~StreamedOutput() {
    if (!path_.empty() && file_ != nullptr) {  // not committed: drop the partial file
      std::fclose(file_);
      std::error_code ignored;
      std::filesystem::remove(temporary_, ignored);
    }
  }

  void write(std::string_view chunk) {
    if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size())
      throw InputError((path_.empty() ? std::string("stdout") : path_) + ": write failed");
  }

  void commit() {
    if (path_.empty()) {
      if (std::fflush(stdout) != 0) throw InputError("stdout: write failed");
      return;
    }
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    std::error_code error;
    if (closed) std::filesystem::rename(temporary_, path_, error);
    if (!closed || error) {
      std::filesystem::remove(temporary_, error);
      throw InputError(path_ + ": cannot write" + (closed ? ": " + error.message() : std::string()));
    }
  }

 private:
  std::string path_;
  std::string temporary_;
  std::FILE* file_ = nullptr;
};

constexpr unsigned kMaxThreads = 1024;

void run_sweep_command(const SweepCommandOptions& options, const GlobalOptions& global) {
  if (options.threads > kMaxThreads)
    throw InputError("--threads: " + std::to_string(options.threads) + " is out of range (0 to " +
                     std::to_string(kMaxThreads) + "; 0 = automatic)");
  SweepOptions sweep;
  sweep.backend = backend_or_throw(options.backend);
  sweep.kv_type = kv_cache_type_or_throw(options.kv_type);
  sweep.batch = options.batch;
  sweep.contexts = options.contexts;
  const SweepPlan plan = plan_sweep(catalog(global), profile(global), std::move(sweep));
  const std::vector<SweepPoint> points = run_sweep(plan, options.threads);

  StreamedOutput out(options.output);
  write_sweep(plan, points, options.format,
              [&out](std::string_view chunk) { out.write(chunk); });
  out.commit();
  std::fprintf(stderr,
               "llmfit sweep: %zu hardware x %zu models x %zu quants x %zu contexts; %zu points within the models' "
               "maximum context, on %u thread(s)\n",
               plan.hardware.size(), plan.models.size(), plan.quants.size(), plan.options.contexts.size(),
               evaluated_points(points), sweep_threads(plan.size(), options.threads));
}

}  // namespace

void setup_sweep(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<SweepCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Predict every hardware x model x quantisation x context of the catalogue (CSV or JSON)");
  add_format_option(*sub, options->format, kSweepFormats);
  sub->add_option("--threads", options->threads, "Threads (0 = every core when the sweep is large)")
      ->capture_default_str();
  sub->add_option("--contexts", options->contexts,
                  "Context lengths, comma-separated (each is the KV size and the prompt length); "
                  "default: 16 from 512 to 262144")
      ->delimiter(',');
  sub->add_option("--backend", options->backend, "Engine; the quantisations it loads are swept")->capture_default_str();
  sub->add_option("--kv-type", options->kv_type, "KV cache type: " + enum_choices<KvCacheType>(" | "))
      ->capture_default_str();
  sub->add_option("--batch", options->batch, "Concurrent sequences")->capture_default_str();
  sub->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  sub->callback([options, &global] { run_sweep_command(*options, global); });
}

}  // namespace llmfit::cli
