// `llmfit detect [--format json]`: what this machine is and how each figure is known;
// `llmfit probe-bandwidth`: its memory bandwidth, measured, next to the datasheet figure.
#include <memory>

#include "commands.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct DetectOptions {
  OutputOptions output;
};

struct ProbeOptions {
  int threads = 0;
  double buffer_mib = 0;
  OutputOptions output;
};

constexpr int kMaxProbeThreads = 1024;
constexpr double kMaxProbeBufferMib = 2048;

}  // namespace

void setup_detect(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<DetectOptions>();
  CLI::App* sub = app.add_subcommand("detect", "What this machine is: CPU, memory, GPUs, the catalogue entries they "
                                               "match and how each figure is known");
  add_output_options(*sub, options->output, kDetectFormats, false);
  sub->callback([options, &global] {
    if (!global.calibration_path.empty())
      throw InputError("--calibration: detect predicts nothing; it has no use for an efficiency profile");
    const IdentifiedMachine& machine = identified_machine(global);
    write_output(render_detected(machine_evidence(global), machine, options->output.format), options->output.path);
  });
}

void setup_probe_bandwidth(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ProbeOptions>();
  CLI::App* sub = app.add_subcommand("probe-bandwidth", "Measure this machine's memory bandwidth (a streaming read by "
                                                        "every usable CPU, a few hundred ms)");
  sub->add_option("--threads", options->threads, "Threads (0 = every CPU this process may use)")->capture_default_str();
  sub->add_option("--buffer-mib", options->buffer_mib, "Buffer size in MiB (0 = 8 x the last-level cache, >= 256)")
      ->capture_default_str();
  add_output_options(*sub, options->output, kDetectFormats, false);
  sub->callback([options, &global] {
    if (options->threads < 0 || options->threads > kMaxProbeThreads)
      throw InputError("--threads: " + std::to_string(options->threads) + " is out of range (0 to " +
                       std::to_string(kMaxProbeThreads) + "; 0 = every usable CPU)");
    if (!(options->buffer_mib >= 0 && options->buffer_mib <= kMaxProbeBufferMib))
      throw InputError("--buffer-mib: must be between 0 and 2048 (0 = automatic)");
    if (!global.calibration_path.empty())
      throw InputError("--calibration: probe-bandwidth predicts nothing; it has no use for an efficiency profile");
    if (!global.machine_folder.empty())
      throw InputError("--machine: probe-bandwidth measures this machine; a captured one cannot be measured");
    const IdentifiedMachine& machine = identified_machine(global);
    // The figure to compare with: the unified pool, else the CPU and RAM.
    const IdentifiedDevice* reference = nullptr;
    for (const auto& d : machine.devices)
      if (d.role == DeviceRole::unified || (reference == nullptr && d.role == DeviceRole::host)) reference = &d;
    const BandwidthProbe probe = probe_bandwidth(options->threads, options->buffer_mib * 1024 * 1024);
    write_output(render_bandwidth_probe(probe, reference, options->output.format), options->output.path);
  });
}

}  // namespace llmfit::cli
