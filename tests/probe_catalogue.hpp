// A probe sub-catalogue that keeps the catalogue-wide tests bounded as the catalogues grow (issue 19): a model
// of each architecture and a chip of each hardware class and kind. Tests pair every entry with the probes of
// the other axis (work grows with hardware + models), or sweep the probes alone.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

#include "llmfit/llmfit.hpp"

namespace llmfit::test {

// Dense small (tied embeddings) and large, one that fits nowhere, MoE, MLA, sliding window, MXFP4 experts,
// hybrid linear attention (Gated DeltaNet) dense and MoE.
inline constexpr std::array<std::string_view, 9> kProbeModels{
    "llama-3.2-1b", "llama-3.1-70b", "llama-3.1-405b", "qwen3-30b-a3b",     "deepseek-v3",
    "gemma-3-27b",  "gpt-oss-120b",  "qwen3.5-9b",     "qwen3-next-80b-a3b"};
// Apple (Max and a fanless base chip), GeForce desktop and laptop, Pascal without tensor cores, data-center,
// unified NVIDIA and AMD, Radeon, Instinct, Arc, desktop and embedded CPU.
inline constexpr std::array<std::string_view, 13> kProbeHardware{
    "m2-max",    "m4",     "rtx-4090",         "rtx-4090-laptop", "gtx-1080-ti",    "h100-sxm",      "dgx-spark",
    "rx-7900-xtx", "mi300x", "ryzen-ai-max-395", "arc-b580",        "ddr5-5600-dual", "raspberry-pi-5"};

inline bool is_probe(const HardwareSpec& hardware) {
  return std::find(kProbeHardware.begin(), kProbeHardware.end(), hardware.id) != kProbeHardware.end();
}
inline bool is_probe(const ModelSpec& model) {
  return std::find(kProbeModels.begin(), kProbeModels.end(), model.id) != kProbeModels.end();
}

/// The probe chips (with the hosts they offload to) and probe models, every quantisation; built from the
/// shipped entries once per process.
inline const Catalog& probe_catalogue() {
  static const Catalog probes = [] {
    const Catalog& shipped = Catalog::builtin();
    CatalogData data;
    for (const HardwareSpec& h : shipped.hardware())
      if (is_probe(h)) data.hardware.push_back(h);
    for (const HardwareSpec& h : shipped.hardware()) {
      const bool is_host = std::any_of(data.hardware.begin(), data.hardware.end(),
                                       [&](const HardwareSpec& probe) { return probe.default_host == h.id; });
      if (is_host && !is_probe(h)) data.hardware.push_back(h);
    }
    for (const ModelSpec& m : shipped.models())
      if (is_probe(m)) data.models.push_back(m);
    data.quants = shipped.quants();
    Catalog c;
    c.add_source(std::move(data), "probe catalogue");
    return c;
  }();
  return probes;
}

}  // namespace llmfit::test
