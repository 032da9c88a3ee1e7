#pragma once
/// What a machine is, from what was read on it: the evidence (filled by io's detect_machine(), or by a test)
/// mapped to catalogue entries with a confidence, or to estimated entries built from the evidence. Pure: no
/// file, device or program is touched here (docs/commands.md, `llmfit detect`).
#include <string>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/names.hpp"
#include "llmfit/specs.hpp"

namespace llmfit {

/// One figure read from the machine and where it was read ("nvidia-smi", "/proc/meminfo").
struct Reading {
  double value = 0;  // 0 = unknown, for every figure below
  std::string source;
  [[nodiscard]] bool known() const noexcept { return value > 0; }
};

/// A graphics device as the machine reports it (sysfs, NVML, nvidia-smi, lspci, system_profiler).
struct GpuEvidence {
  std::string vendor;         // nvidia | amd | intel | apple; empty = unknown
  std::string name;           // as the driver or tool names it ("NVIDIA GeForce RTX 4090 Laptop GPU")
  std::string pci_id;         // "10de:2684" lowercase hex; empty = unknown
  std::string pci_subsystem;  // "1043:16c1"; empty = unknown
  std::string bus_id;         // "0000:01:00.0"; empty = unknown
  Reading memory_total_bytes;  // dedicated memory (VRAM, or an APU's carve-out)
  Reading memory_free_bytes;
  Reading gtt_total_bytes;     // AMD: system memory the GPU may map
  int gpu_cores = 0;           // Apple GPU cores; 0 = unknown
  std::string memory_type;     // "gddr6", … when a tool states it
  int memory_bus_bits = 0;     // 0 = unknown
  double memory_data_rate_mt_s = 0;
  bool integrated = false;  // the reader knows it is integrated (Apple, NVML "integrated"); else the rules decide
  std::vector<std::string> sources;
};

struct CpuEvidence {
  std::string model_name;  // "AMD Ryzen 9 7950X 16-Core Processor", "Apple M3 Max"
  std::string vendor;      // GenuineIntel | AuthenticAMD | apple | arm …
  std::string arch;        // x86_64 | aarch64
  int logical_cpus = 0;    // in the machine
  int physical_cores = 0;  // 0 = unknown
  int usable_cpus = 0;     // this process's affinity mask (nproc); 0 = unknown
  int simd_bits = 0;       // widest vector: 512 avx512f, 256 avx2, 128 sse2 / NEON
  double max_clock_ghz = 0;
  std::vector<std::string> sources;
};

struct MemoryEvidence {
  Reading total_bytes;      // RAM the OS sees (MemTotal, hw.memsize)
  Reading available_bytes;  // MemAvailable
  std::string type;         // ddr4 | ddr5 | lpddr5 | lpddr5x …; empty = unknown
  Reading data_rate_mt_s;   // configured speed (SMBIOS type 17)
  int channels = 0;         // populated channels, from the DIMM locators; 0 = unknown
  int bus_bits = 0;         // total width of the populated channels (DDR: channels x 64); 0 = unknown
  int modules = 0;          // populated DIMMs; 0 = unknown
  std::vector<std::string> sources;
};

/// Everything read from one machine, and what could not be read.
struct MachineEvidence {
  std::string os;       // linux | macos
  std::string product;  // DMI product name or hw.model ("MacBookPro18,2", "DGX Spark"); empty = unknown
  CpuEvidence cpu;
  MemoryEvidence memory;
  std::vector<GpuEvidence> gpus;
  Reading measured_bandwidth_gb_s;  // the host's, from probe_bandwidth() when asked; 0 = not measured
  std::vector<std::string> unknowns;  // "memory type: SMBIOS not readable without root; dmidecode not found"
};

/// How sure a match is: the PCI id names one entry (or memory picks one of those sharing it); a name rule
/// picked it; a weaker rule; or no entry fits and the figures are estimated from the evidence.
enum class MatchConfidence { high, medium, low, estimated, unknown };
template <>
struct NameTable<MatchConfidence> {
  static constexpr std::array<std::pair<MatchConfidence, std::string_view>, 5> entries{
      {{MatchConfidence::high, "high"},
       {MatchConfidence::medium, "medium"},
       {MatchConfidence::low, "low"},
       {MatchConfidence::estimated, "estimated"},
       {MatchConfidence::unknown, "unknown"}}};
};

/// What a device is used as: a discrete GPU, one pool of memory shared by CPU and GPU, the CPU and RAM
/// (the host of offloaded layers), or an integrated GPU that shares the host's RAM and is not counted.
enum class DeviceRole { gpu, unified, host, integrated_gpu };
template <>
struct NameTable<DeviceRole> {
  static constexpr std::array<std::pair<DeviceRole, std::string_view>, 4> entries{
      {{DeviceRole::gpu, "gpu"},
       {DeviceRole::unified, "unified"},
       {DeviceRole::host, "host"},
       {DeviceRole::integrated_gpu, "integrated-gpu"}}};
};

struct IdentifiedDevice {
  DeviceRole role = DeviceRole::gpu;
  std::string name;            // as detected
  std::string pci_id;          // "10de:2684"; empty = none or unknown
  std::string catalog_id;      // the matched entry; empty = estimated or unknown
  MatchConfidence confidence = MatchConfidence::unknown;
  std::vector<std::string> evidence;  // why: "PCI 10de:2684 is rtx-4090", "24 GiB VRAM (nvidia-smi)"
  int count = 1;                      // identical devices grouped (two RTX 3090)
  double memory_total_gib = 0;        // 0 = unknown
  double memory_free_gib = -1;        // < 0 = unknown
  double bandwidth_gb_s = 0;          // 0 = unknown
  std::string bandwidth_source;       // "catalogue rtx-4090 (datasheet)", "estimated: 2 ch x 8 B x 5600 MT/s"
  /// The entry to plan with: the catalogue's, with the detected capacity; or built from the evidence
  /// (`estimated`). Empty id = no usable entry (bandwidth unknown).
  HardwareSpec spec;
};

struct IdentifiedMachine {
  std::vector<IdentifiedDevice> devices;  // discrete GPUs (grouped), then the unified pool or host, then iGPUs
  std::vector<std::string> unknowns;
  std::vector<std::string> notes;
  /// The device `--hw auto` plans on (index into devices; -1 = none usable) and the host behind it.
  int primary = -1;
  int host = -1;
};

/// `llmfit probe-bandwidth`: a streaming read of a buffer several times the last-level cache by every
/// usable CPU (the best of a few passes).
struct BandwidthProbe {
  double read_gb_s = 0;
  double buffer_bytes = 0;
  double llc_bytes = 0;  // the last-level cache the buffer was sized against (0 = not read: 32 MiB assumed)
  int threads = 0;
  int passes = 0;
  double seconds = 0;
};
/// Maps the evidence to catalogue entries. Never throws on odd evidence: what cannot be placed is unknown.
[[nodiscard]] IdentifiedMachine identify_machine(const Catalog& catalog, const MachineEvidence& evidence);

/// The catalogue entry a device name (as drivers and people write it: "NVIDIA GeForce RTX 4090 Laptop GPU",
/// "Apple M3 Max", "AMD Ryzen AI Max+ 395 w/ Radeon 8060S") stands for, among entries of `kind`; `gpu_cores`
/// (0 = unknown) breaks ties between chips of one name. Null when no entry's name words all appear.
/// The one place name matching lives (the name resolver can take its place).
[[nodiscard]] const HardwareSpec* match_hardware_name(const Catalog& catalog, std::string_view name,
                                                      HardwareKind kind, int gpu_cores = 0);

/// Peak bandwidth of a memory bus: bits / 8 x MT/s / 1000 (JEDEC), in GB/s.
[[nodiscard]] constexpr double bus_bandwidth_gb_s(int bus_bits, double data_rate_mt_s) noexcept {
  return bus_bits / 8.0 * data_rate_mt_s / 1000.0;
}

/// The ids `--hw auto` stands for and the entries behind them: "auto" (the primary device, `auto:N` for N
/// identical GPUs is written by the caller from `count`) and "auto-host" (the CPU and RAM behind a GPU).
inline constexpr std::string_view kAutoHardwareId = "auto";
inline constexpr std::string_view kAutoHostId = "auto-host";
/// Entries for the detected machine, to layer on the catalogue (Catalog::add_source). Throws InputError
/// when no device is usable (says what is unknown and what to give instead).
[[nodiscard]] CatalogData detected_catalog_data(const IdentifiedMachine& machine);
/// What `--hw auto` becomes: "auto", or "auto:N" for N identical GPUs; empty when no device is usable.
[[nodiscard]] std::string auto_hardware_name(const IdentifiedMachine& machine);

}  // namespace llmfit
