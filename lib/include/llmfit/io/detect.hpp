#pragma once
/// Reading the machine llmfit runs on: /proc, /sys (DRM devices, SMBIOS tables, DMI ids), NVML loaded at run
/// time, and the output of nvidia-smi, rocm-smi, lspci, dmidecode, sysctl and system_profiler. Everything is
/// read through DetectSources, so a test points it at a folder (tests/data/machines/) and a stand-in NVML.
/// Never needs root and never throws for what it cannot read: that goes to MachineEvidence::unknowns.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/identify.hpp"

namespace llmfit {

/// What NVML reports for one device (nvmlDeviceGetName, GetPciInfo, GetMemoryInfo, GetMemoryBusWidth,
/// GetMaxClockInfo(MEM)).
struct NvmlGpu {
  std::string name;
  std::string pci_id;         // "10de:2684"
  std::string pci_subsystem;  // "1043:16c1"
  std::string bus_id;
  double memory_total_bytes = 0;  // 0 = not supported (GB10)
  double memory_free_bytes = 0;
  int memory_bus_bits = 0;
  double max_memory_clock_mhz = 0;
};
/// NVML or a stand-in; nullopt = not available (no driver, no library).
using NvmlQuery = std::function<std::optional<std::vector<NvmlGpu>>()>;
/// Runs a program (argv[0] looked up in PATH) and returns its standard output, or nullopt when it is not
/// installed, fails or takes too long.
using ToolRunner = std::function<std::optional<std::string>(const std::vector<std::string>& argv)>;

struct DetectSources {
  std::string root = "/";     // the file tree /proc, /sys are read from
  std::string os;             // linux | macos; empty = the system this was built for
  NvmlQuery nvml;             // empty = libnvidia-ml.so.1 through dlopen
  ToolRunner run_tool;        // empty = run the program (with a time limit)
  bool use_affinity = false;  // count the CPUs of this process's affinity mask (the real machine only)
};

/// The real machine: root "/", NVML and the programs themselves, this process's affinity mask.
[[nodiscard]] DetectSources this_machine_sources();
/// A captured machine (tests/data/machines/<name>/): its files under the folder, each program's output in
/// `tools/<program>.txt` (absent = not installed), no NVML; `machine.txt` may say `os: macos`.
[[nodiscard]] DetectSources captured_machine_sources(const std::string& folder);

[[nodiscard]] MachineEvidence detect_machine(const DetectSources& sources);

/// NVML through dlopen("libnvidia-ml.so.1"); nullopt when the library or the driver is absent.
[[nodiscard]] std::optional<std::vector<NvmlGpu>> query_nvml();

// Parsers of what the readers read, exposed for tests and fuzzing. Each takes any bytes and keeps what
// it understands; none throws.
/// `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` (kNvidiaSmiQuery) or the default table.
[[nodiscard]] std::vector<GpuEvidence> parse_nvidia_smi(std::string_view text);
/// `lspci -nn` (optionally -v): display controllers (class 03xx) with their ids and subsystem.
[[nodiscard]] std::vector<GpuEvidence> parse_lspci(std::string_view text);
/// `rocm-smi --showproductname --showmeminfo vram`: names and VRAM per GPU index.
[[nodiscard]] std::vector<GpuEvidence> parse_rocm_smi(std::string_view text);
/// `system_profiler SPDisplaysDataType`: chipset names and GPU core counts.
[[nodiscard]] std::vector<GpuEvidence> parse_system_profiler_displays(std::string_view text);
/// `/proc/cpuinfo`.
void parse_cpuinfo(std::string_view text, CpuEvidence& cpu);
/// `/proc/meminfo`: MemTotal and MemAvailable.
void parse_meminfo(std::string_view text, MemoryEvidence& memory);
/// `sysctl machdep.cpu.brand_string hw.memsize hw.model hw.ncpu hw.physicalcpu` ("key: value" lines).
void parse_sysctl(std::string_view text, MachineEvidence& machine);

/// One memory module as SMBIOS type 17 describes it.
struct MemoryModule {
  double size_bytes = 0;  // 0 = empty slot
  std::string type;       // ddr4, ddr5, lpddr5 …
  double speed_mt_s = 0;  // configured speed, else the rated one
  int data_width_bits = 0;
  std::string locator;
  std::string bank_locator;
};
/// `dmidecode -t 17` text.
[[nodiscard]] std::vector<MemoryModule> parse_dmidecode_memory(std::string_view text);
/// The raw SMBIOS table (/sys/firmware/dmi/tables/DMI): its type 17 structures.
[[nodiscard]] std::vector<MemoryModule> parse_smbios_memory(std::string_view table);
/// Type, speed, channels and bus width of the populated modules into `memory` (`source` names the reader).
void summarize_memory_modules(const std::vector<MemoryModule>& modules, const std::string& source,
                              MemoryEvidence& memory);

/// `threads` 0 = every CPU of the affinity mask; `buffer_bytes` 0 = 8 x the LLC, at least 256 MiB.
[[nodiscard]] BandwidthProbe probe_bandwidth(int threads = 0, double buffer_bytes = 0);

}  // namespace llmfit
