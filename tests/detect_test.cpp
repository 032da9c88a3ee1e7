// Detection: the captured machines of tests/data/machines/ (devices, catalogue ids, memory), the parsers,
// NVML through a stand-in, SMBIOS tables, this machine itself, and the commands (detect, --hw auto,
// --memory free, probe-bandwidth).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sched.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "llmfit/io/detect.hpp"
#include "llmfit/llmfit.hpp"

namespace llmfit {
namespace {

const std::string kMachines = std::string(LLMFIT_TEST_DATA) + "/machines/";

struct Found {
  MachineEvidence evidence;
  IdentifiedMachine machine;
};

Found detect_captured(const std::string& name) {
  Found f;
  f.evidence = detect_machine(captured_machine_sources(kMachines + name));
  f.machine = identify_machine(Catalog::builtin(), f.evidence);
  return f;
}

std::vector<const IdentifiedDevice*> with_role(const IdentifiedMachine& m, DeviceRole role) {
  std::vector<const IdentifiedDevice*> out;
  for (const auto& d : m.devices)
    if (d.role == role) out.push_back(&d);
  return out;
}

const IdentifiedDevice& primary(const Found& f) {
  EXPECT_GE(f.machine.primary, 0);
  return f.machine.devices.at(static_cast<std::size_t>(f.machine.primary));
}

/// One expected machine: the primary device's id, count, role and memory; the other devices by role.
struct Expected {
  std::string folder;
  DeviceRole role;
  std::string catalog_id;  // empty: estimated
  int count;
  double memory_gib;  // of one device as planned (the capacity the catalogue sells, or what was read)
  int integrated_gpus;
  MatchConfidence confidence;
};

class CapturedMachine : public ::testing::TestWithParam<Expected> {};

TEST_P(CapturedMachine, DevicesIdsAndMemory) {
  const Expected& e = GetParam();
  const Found f = detect_captured(e.folder);
  const IdentifiedDevice& p = primary(f);
  EXPECT_EQ(p.role, e.role) << e.folder;
  EXPECT_EQ(p.catalog_id, e.catalog_id) << e.folder;
  EXPECT_EQ(p.count, e.count) << e.folder;
  EXPECT_NEAR(p.spec.default_memory_gib, e.memory_gib, 0.01) << e.folder;
  EXPECT_EQ(p.confidence, e.confidence) << e.folder;
  EXPECT_EQ(static_cast<int>(with_role(f.machine, DeviceRole::integrated_gpu).size()), e.integrated_gpus) << e.folder;
  EXPECT_FALSE(p.evidence.empty()) << e.folder;
  EXPECT_GT(p.bandwidth_gb_s, 0) << e.folder;
  EXPECT_FALSE(p.bandwidth_source.empty()) << e.folder;
  // A discrete GPU never shares the list with a unified pool of the same memory, and vice versa.
  if (e.role == DeviceRole::unified) {
    EXPECT_TRUE(with_role(f.machine, DeviceRole::gpu).empty()) << e.folder;
    EXPECT_TRUE(with_role(f.machine, DeviceRole::host).empty()) << e.folder;
  } else {
    EXPECT_TRUE(with_role(f.machine, DeviceRole::unified).empty()) << e.folder;
  }
  // The entries --hw auto layers on the catalogue are valid entries.
  Catalog layered = Catalog::builtin();
  EXPECT_NO_THROW(layered.add_source(detected_catalog_data(f.machine), "detected")) << e.folder;
  const HardwareSpec* auto_entry = layered.find_hardware("auto");
  ASSERT_NE(auto_entry, nullptr);
  EXPECT_EQ(auto_entry->kind, p.spec.kind);
  EXPECT_EQ(auto_hardware_name(f.machine), e.count > 1 ? "auto:" + std::to_string(e.count) : "auto");
}

using enum DeviceRole;
using enum MatchConfidence;
INSTANTIATE_TEST_SUITE_P(
    Machines, CapturedMachine,
    ::testing::Values(Expected{"nvidia-rtx-4090", gpu, "rtx-4090", 1, 24, 0, high},
                      Expected{"nvidia-2x-rtx-3090", gpu, "rtx-3090", 2, 24, 0, medium},
                      Expected{"nvidia-2x-rtx-5090", gpu, "rtx-5090", 2, 32, 0, medium},
                      Expected{"laptop-rtx-4070", gpu, "rtx-4070-laptop", 1, 8, 1, high},
                      Expected{"rx-7900-xtx-ryzen-igpu", gpu, "rx-7900-xtx", 1, 24, 1, high},
                      Expected{"strix-halo", unified, "ryzen-ai-max-395", 1, 128, 0, medium},
                      Expected{"strix-halo-96g-carveout", unified, "ryzen-ai-max-395", 1, 128, 0, medium},
                      Expected{"dgx-spark", unified, "dgx-spark", 1, 128, 0, medium},
                      Expected{"intel-arc-a770", gpu, "arc-a770", 1, 16, 1, high},
                      Expected{"apple-m3-max", unified, "m3-max-40c", 1, 64, 0, medium},
                      Expected{"apple-m1-max-24c", unified, "m1-max-24c", 1, 32, 0, medium},
                      Expected{"epyc-12ch-cpu-only", host, "", 1, 768, 1, estimated},
                      Expected{"nvidia-rtx-a4000", gpu, "rtx-a4000", 1, 16, 0, high},
                      Expected{"radeon-ai-pro-r9700", gpu, "radeon-ai-pro-r9700", 1, 32, 0, high}),
    [](const ::testing::TestParamInfo<Expected>& info) {
      std::string name = info.param.folder;
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

TEST(Detect, EveryCapturedMachineIsTested) {
  int folders = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kMachines)) folders += entry.is_directory() ? 1 : 0;
  EXPECT_GE(folders, 12);
}

TEST(Detect, FreeMemoryNextToTotal) {
  const Found two = detect_captured("nvidia-2x-rtx-3090");
  // The table says 21943 and 22833 MiB used of 24576: the group's free memory is the smaller.
  EXPECT_NEAR(primary(two).memory_free_gib, (24576.0 - 22833.0) / 1024, 1e-6);
  EXPECT_NEAR(primary(two).memory_total_gib, 24.0, 1e-6);
  const Found spark = detect_captured("dgx-spark");
  EXPECT_NEAR(primary(spark).memory_total_gib, 127600748.0 / 1024 / 1024, 1e-6);  // MemTotal: counted once
  EXPECT_NEAR(primary(spark).memory_free_gib, 118566368.0 / 1024 / 1024, 1e-6);   // MemAvailable
  const Found mac = detect_captured("apple-m3-max");
  EXPECT_LT(primary(mac).memory_free_gib, 0);  // not read on macOS: unknown, not zero
}

TEST(Detect, UnifiedMemoryCountedOnce) {
  // 96 GiB carved out for the GPU are missing from MemTotal: the pool is both, once.
  const Found carved = detect_captured("strix-halo-96g-carveout");
  EXPECT_NEAR(primary(carved).memory_total_gib, 31500000.0 / 1024 / 1024 + 96, 1e-6);
  const Found small = detect_captured("strix-halo");
  EXPECT_NEAR(primary(small).memory_total_gib, 130000000.0 / 1024 / 1024 + 2, 1e-6);
}

TEST(Detect, MemoryConfigurationFromDmidecode) {
  const Found epyc = detect_captured("epyc-12ch-cpu-only");
  EXPECT_EQ(epyc.evidence.memory.channels, 12);
  EXPECT_EQ(epyc.evidence.memory.modules, 12);
  EXPECT_EQ(epyc.evidence.memory.type, "ddr5");
  EXPECT_DOUBLE_EQ(epyc.evidence.memory.data_rate_mt_s.value, 4800);
  EXPECT_NEAR(primary(epyc).bandwidth_gb_s, 12 * 8 * 4.8, 1e-9);  // 460.8 GB/s
  EXPECT_NE(primary(epyc).bandwidth_source.find("estimated"), std::string::npos);
  EXPECT_EQ(epyc.evidence.cpu.physical_cores, 96);
  EXPECT_EQ(epyc.evidence.cpu.simd_bits, 512);
  // The ASPEED BMC display is not a compute GPU.
  EXPECT_TRUE(with_role(epyc.machine, DeviceRole::gpu).empty());

  const Found desktop = detect_captured("rx-7900-xtx-ryzen-igpu");
  EXPECT_EQ(desktop.evidence.memory.channels, 2);
  EXPECT_DOUBLE_EQ(desktop.evidence.memory.data_rate_mt_s.value, 6000);  // configured, not rated
  const IdentifiedDevice& host = desktop.machine.devices.at(static_cast<std::size_t>(desktop.machine.host));
  EXPECT_NEAR(host.bandwidth_gb_s, 2 * 8 * 6.0, 1e-9);

  const Found halo = detect_captured("strix-halo");
  EXPECT_EQ(halo.evidence.memory.type, "lpddr5");
  EXPECT_EQ(halo.evidence.memory.bus_bits, 256);
  EXPECT_DOUBLE_EQ(halo.evidence.memory.data_rate_mt_s.value, 8000);
}

TEST(Detect, SharedPciIdToldApartByMemory) {
  MachineEvidence e;
  GpuEvidence xt;
  xt.vendor = "amd";
  xt.pci_id = "1002:744c";
  xt.memory_total_bytes = {20464.0 * 1024 * 1024, "test"};
  e.gpus.push_back(xt);
  const IdentifiedMachine m = identify_machine(Catalog::builtin(), e);
  ASSERT_GE(m.primary, 0);
  EXPECT_EQ(m.devices[static_cast<std::size_t>(m.primary)].catalog_id, "rx-7900-xt");
  EXPECT_EQ(m.devices[static_cast<std::size_t>(m.primary)].confidence, MatchConfidence::high);
}

TEST(Detect, LaptopAndDesktopToldApartByName) {
  const Catalog& c = Catalog::builtin();
  const HardwareSpec* laptop = match_hardware_name(c, "NVIDIA GeForce RTX 4090 Laptop GPU", HardwareKind::gpu);
  const HardwareSpec* desktop = match_hardware_name(c, "NVIDIA GeForce RTX 4090", HardwareKind::gpu);
  ASSERT_NE(laptop, nullptr);
  ASSERT_NE(desktop, nullptr);
  EXPECT_EQ(laptop->id, "rtx-4090-laptop");
  EXPECT_EQ(desktop->id, "rtx-4090");
  EXPECT_EQ(match_hardware_name(c, "Radeon Pro Vega 64", HardwareKind::gpu), nullptr);
  EXPECT_EQ(match_hardware_name(c, "", HardwareKind::gpu), nullptr);
}

TEST(Detect, UnknownGpuIsEstimatedFromItsBusOrReportedUnknown) {
  MachineEvidence e;
  GpuEvidence gpu;
  gpu.vendor = "nvidia";
  gpu.name = "NVIDIA Imaginary 9999";
  gpu.pci_id = "10de:ffff";
  gpu.memory_total_bytes = {48.0 * 1024 * 1024 * 1024, "test"};
  e.gpus.push_back(gpu);
  IdentifiedMachine m = identify_machine(Catalog::builtin(), e);
  const auto unknown = with_role(m, DeviceRole::gpu);
  ASSERT_EQ(unknown.size(), 1U);
  EXPECT_EQ(unknown[0]->confidence, MatchConfidence::unknown);
  EXPECT_TRUE(unknown[0]->spec.id.empty());
  EXPECT_LT(m.primary, 0);
  EXPECT_THROW((void)detected_catalog_data(m), InputError);

  e.gpus[0].memory_bus_bits = 384;
  e.gpus[0].memory_data_rate_mt_s = 20000;
  m = identify_machine(Catalog::builtin(), e);
  const auto estimated = with_role(m, DeviceRole::gpu);
  ASSERT_EQ(estimated.size(), 1U);
  EXPECT_EQ(estimated[0]->confidence, MatchConfidence::estimated);
  EXPECT_NEAR(estimated[0]->bandwidth_gb_s, 384 / 8.0 * 20000 / 1000, 1e-9);
  EXPECT_NE(estimated[0]->spec.name.find("estimated"), std::string::npos);
  Catalog layered = Catalog::builtin();
  EXPECT_NO_THROW(layered.add_source(detected_catalog_data(m), "detected"));
}

// Garbled readings (a few bytes, 10^30 bytes) for every kind of device: whatever is offered to plan on is a
// valid catalogue entry, and what is not is explained in its evidence rather than thrown later.
TEST(Detect, ImplausibleReadingsNeverMakeAnInvalidEntry) {
  for (const double bytes : {6.0, 1e6, 1e30}) {
    MachineEvidence apple;  // unified memory: an M3 Max named by sysctl
    apple.cpu.model_name = "Apple M3 Max";
    apple.cpu.vendor = "apple";
    apple.memory.total_bytes = {bytes, "test"};
    MachineEvidence card;  // a listed discrete card
    GpuEvidence gpu;
    gpu.vendor = "nvidia";
    gpu.name = "NVIDIA GeForce RTX 4090";
    gpu.pci_id = "10de:2684";
    gpu.memory_total_bytes = {bytes, "test"};
    card.gpus.push_back(gpu);
    MachineEvidence host;  // a CPU whose bandwidth comes from its memory bus
    host.cpu.model_name = "AMD Ryzen 9 7950X 16-Core Processor";
    host.memory.total_bytes = {bytes, "test"};
    host.memory.bus_bits = 128;
    host.memory.data_rate_mt_s = {bytes, "test"};
    for (const MachineEvidence& e : {apple, card, host}) {
      const IdentifiedMachine m = identify_machine(Catalog::builtin(), e);
      bool explained = false;
      for (const auto& d : m.devices) {
        if (!d.spec.id.empty()) {
          EXPECT_EQ(validate(d.spec), "") << d.name << " at " << bytes << " bytes";
        }
        for (const auto& line : d.evidence) explained |= line.find("not used to plan") != std::string::npos;
      }
      if (m.primary < 0) {
        EXPECT_THROW((void)detected_catalog_data(m), InputError);
      } else {
        Catalog layered = Catalog::builtin();
        EXPECT_NO_THROW(layered.add_source(detected_catalog_data(m), "detected")) << bytes << " bytes";
      }
      if (bytes == 6.0) {
        EXPECT_TRUE(explained) << "6 bytes of memory is not a machine";
      }
    }
  }
}

TEST(Detect, BareMachineReportsUnknownsAndNeverThrows) {
  const Found f = detect_captured("bare-container");
  EXPECT_LT(f.machine.primary, 0);
  EXPECT_FALSE(f.machine.unknowns.empty());
  EXPECT_EQ(f.evidence.cpu.logical_cpus, 2);
  EXPECT_THROW((void)detected_catalog_data(f.machine), InputError);
  // A folder that does not exist is a machine with nothing readable, not a crash.
  const MachineEvidence none = detect_machine(captured_machine_sources(kMachines + "no-such-machine"));
  EXPECT_FALSE(none.unknowns.empty());
}

TEST(Detect, NvmlStandInIsPreferredToNvidiaSmi) {
  DetectSources sources = captured_machine_sources(kMachines + "nvidia-rtx-4090");
  sources.nvml = [] {
    NvmlGpu gpu;
    gpu.name = "NVIDIA GeForce RTX 4090";
    gpu.pci_id = "10de:2684";
    gpu.bus_id = "00000000:01:00.0";
    gpu.memory_total_bytes = 24564.0 * 1024 * 1024;
    gpu.memory_free_bytes = 20000.0 * 1024 * 1024;
    gpu.memory_bus_bits = 384;
    gpu.max_memory_clock_mhz = 10501;
    return std::optional<std::vector<NvmlGpu>>(std::vector<NvmlGpu>{gpu, gpu});
  };
  const MachineEvidence e = detect_machine(sources);
  ASSERT_EQ(e.gpus.size(), 2U);  // both from NVML; lspci names the one at 01:00.0
  EXPECT_EQ(e.gpus[0].memory_free_bytes.source, "NVML");
  const IdentifiedMachine m = identify_machine(Catalog::builtin(), e);
  ASSERT_GE(m.primary, 0);
  EXPECT_EQ(m.devices[static_cast<std::size_t>(m.primary)].count, 2);
  EXPECT_NEAR(m.devices[static_cast<std::size_t>(m.primary)].memory_free_gib, 20000.0 / 1024, 1e-9);
}

TEST(DetectParse, NvidiaSmiQueryAndTable) {
  const auto csv = parse_nvidia_smi("0, NVIDIA GB10, 0000000F:01:00.0, 0x2E1210DE, 0x00000000, [N/A], [N/A]\n");
  ASSERT_EQ(csv.size(), 1U);
  EXPECT_EQ(csv[0].pci_id, "10de:2e12");
  EXPECT_FALSE(csv[0].memory_total_bytes.known());
  EXPECT_TRUE(parse_nvidia_smi("").empty());
  EXPECT_TRUE(parse_nvidia_smi("| garbage | with | bars |\n|||\n").empty());
}

TEST(DetectParse, LspciAndRocmSmi) {
  const auto gpus = parse_lspci(
      "0a:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3090] [10de:2204] (rev a1)\n"
      "\tSubsystem: Gigabyte Technology Co., Ltd GA102 [GeForce RTX 3090] [1458:4043]\n"
      "0a:00.1 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio Controller [10de:1aef] (rev a1)\n");
  ASSERT_EQ(gpus.size(), 1U);
  EXPECT_EQ(gpus[0].pci_id, "10de:2204");
  EXPECT_EQ(gpus[0].pci_subsystem, "1458:4043");
  EXPECT_EQ(gpus[0].bus_id, "0000:0a:00.0");
  const auto amd = parse_rocm_smi(
      "GPU[0]\t\t: Card Series: \t\tRadeon RX 7900 XTX\nGPU[0]\t\t: VRAM Total Memory (B): 25753026560\n"
      "GPU[0]\t\t: VRAM Total Used Memory (B): 1073741824\n");
  ASSERT_EQ(amd.size(), 1U);
  EXPECT_EQ(amd[0].name, "Radeon RX 7900 XTX");
  EXPECT_DOUBLE_EQ(amd[0].memory_free_bytes.value, 25753026560.0 - 1073741824.0);
}

/// A type 17 structure as SMBIOS 3.x lays it out (DSP0134 7.18): fixed part, then the strings.
std::string smbios_memory_device(unsigned size_mib, unsigned type_code, unsigned speed, const std::string& locator,
                                 const std::string& bank) {
  std::string s(0x22, '\0');
  s[0] = 17;
  s[1] = 0x22;
  auto put16 = [&](std::size_t at, unsigned v) {
    s[at] = static_cast<char>(v & 0xff);
    s[at + 1] = static_cast<char>((v >> 8) & 0xff);
  };
  put16(0x08, 72);
  put16(0x0A, 64);
  put16(0x0C, size_mib);
  s[0x10] = 1;
  s[0x11] = 2;
  s[0x12] = static_cast<char>(type_code);
  put16(0x15, speed);
  put16(0x20, speed);
  s += locator + '\0' + bank + '\0' + '\0';
  return s;
}

TEST(DetectParse, SmbiosTable) {
  std::string table;
  for (char channel : std::string("ABCDEFGH"))
    table += smbios_memory_device(16384, 0x22, 5600, std::string("DIMM_") + channel + "1",
                                  std::string("P0 CHANNEL ") + channel);
  table += smbios_memory_device(0, 0x02, 0, "DIMM_A2", "P0 CHANNEL A");  // empty slot
  table += std::string("\x7f\x04\x00\x00\x00\x00", 6);                  // end of table
  const auto modules = parse_smbios_memory(table);
  ASSERT_EQ(modules.size(), 9U);
  MemoryEvidence memory;
  summarize_memory_modules(modules, "SMBIOS type 17", memory);
  EXPECT_EQ(memory.channels, 8);
  EXPECT_EQ(memory.bus_bits, 512);
  EXPECT_EQ(memory.type, "ddr5");
  EXPECT_DOUBLE_EQ(memory.data_rate_mt_s.value, 5600);
  // Truncated or garbage tables give what they hold, never a crash.
  for (std::size_t cut = 0; cut < table.size(); cut += 7) (void)parse_smbios_memory(table.substr(0, cut));
  EXPECT_TRUE(parse_smbios_memory(std::string(64, '\xff')).empty());
}

// The machine the tests run on: the CPUs this process may use are the affinity mask's (nproc), the
// memory is /proc/meminfo's.
TEST(DetectThisMachine, CpusAndMemoryMatchTheSystem) {
  const MachineEvidence e = detect_machine(this_machine_sources());
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(e.cpu.usable_cpus, CPU_COUNT(&set));
  EXPECT_GE(e.cpu.logical_cpus, e.cpu.usable_cpus);
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  double total_kb = 0;
  while (meminfo >> key >> kb >> unit)
    if (key == "MemTotal:") total_kb = kb;
  ASSERT_GT(total_kb, 0);
  EXPECT_DOUBLE_EQ(e.memory.total_bytes.value, total_kb * 1024);
  EXPECT_TRUE(e.memory.available_bytes.known());
  // Whatever it is, it is identified without throwing, and every device says how it is known.
  const IdentifiedMachine m = identify_machine(Catalog::builtin(), e);
  for (const auto& d : m.devices) EXPECT_FALSE(d.evidence.empty() && d.bandwidth_source.empty()) << d.name;
}

using test::run_cli_args;

TEST(DetectCli, JsonShape) {
  const auto r = run_cli_args({"--machine", kMachines + "rx-7900-xtx-ryzen-igpu", "detect", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["hw_auto"], "auto");
  EXPECT_EQ(doc["host_auto"], "auto-host");
  ASSERT_TRUE(doc["devices"].is_array());
  EXPECT_EQ(doc["devices"][0]["catalog_id"], "rx-7900-xtx");
  EXPECT_EQ(doc["devices"][0]["pci_id"], "1002:744c");
  EXPECT_EQ(doc["devices"].back()["role"], "integrated-gpu");
  EXPECT_EQ(doc["memory"]["channels"], 2);
  const auto bare = run_cli_args({"--machine", kMachines + "bare-container", "detect", "--format", "json"});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_TRUE(nlohmann::json::parse(bare.out)["hw_auto"].is_null());
  EXPECT_EQ(run_cli_args({"--machine", kMachines + "bare-container", "detect"}).exit_code, 0);
}

TEST(DetectCli, HwAutoOnEveryCommand) {
  const std::string machine = kMachines + "nvidia-2x-rtx-3090";
  const auto predict = run_cli_args({"--machine", machine, "--hw", "auto", "--model", "qwen3-8b", "--format", "json"});
  ASSERT_EQ(predict.exit_code, 0) << predict.err;
  const auto answer = nlohmann::json::parse(predict.out);
  EXPECT_EQ(answer["hardware"]["id"], "auto");
  EXPECT_EQ(answer["hardware"]["count"], 2);
  EXPECT_NE(answer["hardware"]["name"].get<std::string>().find("rtx-3090"), std::string::npos);
  EXPECT_EQ(answer["host"], "auto-host");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"compare", "--model", "qwen3-8b", "--hw", "auto,rtx-4090"},
        std::vector<std::string>{"fit", "--hw", "auto"},
        std::vector<std::string>{"check", "--model", "qwen3-8b", "--hw", "auto", "--claimed-tok-s", "50"},
        std::vector<std::string>{"cost", "--model", "qwen3-8b", "--hw", "auto"},
        std::vector<std::string>{"scale", "--model", "qwen3-8b", "--hw", "auto"}}) {
    std::vector<std::string> args{"--machine", machine};
    args.insert(args.end(), command.begin(), command.end());
    const auto r = run_cli_args(args);
    EXPECT_EQ(r.exit_code, 0) << command[0] << ": " << r.err;
  }
  // --memory free: what nvidia-smi says is free on the fuller card (1743 MiB).
  const auto free = run_cli_args(
      {"--machine", machine, "--hw", "auto", "--memory", "free", "--model", "qwen3-8b", "--format", "json"});
  ASSERT_EQ(free.exit_code, 0) << free.err;
  const double free_gib = std::floor((24576.0 - 22833.0) / 1024 * 100) / 100;  // 1.70 GiB on each card
  EXPECT_NEAR(nlohmann::json::parse(free.out)["hardware"]["memory_gb"].get<double>(), 2 * free_gib * 1.073741824, 1e-6);
}

TEST(DetectCli, HwAutoFailsClearlyWhenNothingIsUsable) {
  const auto r = run_cli_args({"--machine", kMachines + "bare-container", "--hw", "auto", "--model", "qwen3-8b"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--hw: auto"), std::string::npos) << r.err;
  const auto mac = run_cli_args(
      {"--machine", kMachines + "apple-m3-max", "--hw", "auto", "--memory", "free", "--model", "qwen3-8b"});
  EXPECT_EQ(mac.exit_code, 2);
  EXPECT_NE(mac.err.find("--memory: free"), std::string::npos) << mac.err;
  EXPECT_EQ(run_cli_args({"--machine", kMachines + "no-such", "detect"}).exit_code, 2);
}

TEST(DetectCli, ProbeBandwidthShape) {
  const auto r = run_cli_args({"probe-bandwidth", "--buffer-mib", "64", "--threads", "2", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_TRUE(doc["read_gb_s"].is_number());
  EXPECT_GT(doc["read_gb_s"].get<double>(), 0);
  EXPECT_TRUE(std::isfinite(doc["read_gb_s"].get<double>()));
  EXPECT_EQ(doc["threads"], 2);
  EXPECT_GE(doc["passes"].get<int>(), 3);
  EXPECT_TRUE(doc.contains("datasheet_gb_s"));
  EXPECT_EQ(run_cli_args({"probe-bandwidth", "--threads", "-1"}).exit_code, 2);
}

}  // namespace
}  // namespace llmfit
