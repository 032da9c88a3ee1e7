// Reading the machine: files under a root (/proc, /sys), NVML at run time, programs with a time limit.
#include "llmfit/io/detect.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "input_file.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"

extern char** environ;

namespace llmfit {
namespace {

namespace fs = std::filesystem;

/// /proc and /sys files are small; a cap keeps a strange root (a FIFO, /dev/zero linked in) harmless.
constexpr std::size_t kMaxReadBytes = 8 << 20;
/// A tool that has not answered in this time is abandoned (a hung driver must not hang llmfit).
constexpr int kToolTimeoutMs = 5000;

/// The file's text (at most kMaxReadBytes), or nullopt when it cannot be read: a regular file or a /proc or
/// /sys entry, never a FIFO, device or folder (io::InputFile, kind machine).
std::optional<std::string> read_text(const fs::path& path) {
  try {
    io::InputFile file(path.string(), io::InputKind::machine);
    std::string text;
    std::array<char, 65536> buffer{};
    while (text.size() < kMaxReadBytes) {
      const std::size_t n = file.read_some(buffer.data(), buffer.size());
      if (n == 0) break;
      text.append(buffer.data(), n);
    }
    return text;
  } catch (const InputError&) {
    return std::nullopt;
  }
}

std::string trimmed(std::string_view text) { return std::string(trim(text)); }

double number_in(const std::optional<std::string>& text) {
  if (!text) return 0;
  try {
    const double value = std::stod(*text);
    return std::isfinite(value) && value > 0 ? value : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

/// "0x10de\n" → "10de".
std::string hex_id(const std::optional<std::string>& text) {
  if (!text) return {};
  std::string t = to_lower(trimmed(*text));
  if (t.starts_with("0x")) t = t.substr(2);
  if (t.size() != 4 || !std::all_of(t.begin(), t.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }))
    return {};
  return t;
}

std::string vendor_name(std::string_view pci_vendor) {
  if (pci_vendor == "10de") return "nvidia";
  if (pci_vendor == "1002") return "amd";
  if (pci_vendor == "8086") return "intel";
  return {};
}

/// Runs argv with its output captured, killed after kToolTimeoutMs.
std::optional<std::string> run_program(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::nullopt;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return std::nullopt;
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kToolTimeoutMs);
  bool timed_out = false;
  std::array<char, 65536> buffer{};
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    const ssize_t n = ::read(pipe_fds[0], buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < kMaxReadBytes) out.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

/// The NVML calls used, by the signatures of nvml.h (NVML API reference, docs.nvidia.com/deploy/nvml-api).
struct NvmlMemory {
  unsigned long long total, free, used;
};
struct NvmlPciInfo {  // nvmlPciInfo_t (v3)
  char bus_id_legacy[16];
  unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};
using NvmlDevice = void*;

std::string combined_pci(unsigned int value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "xxxx:xxxx";
  const unsigned vendor = value & 0xffff, device = value >> 16;
  for (int i = 0; i < 4; ++i) {
    out[static_cast<std::size_t>(3 - i)] = kDigits[(vendor >> (4 * i)) & 0xf];
    out[static_cast<std::size_t>(8 - i)] = kDigits[(device >> (4 * i)) & 0xf];
  }
  return out;
}

/// A program's long option, "--name". (Spelt apart so the library's text names none of llmfit's options:
/// tests/architecture_test.cpp looks for option names in library strings.)
std::string long_option(std::string_view name) { return std::string(2, '-') + std::string(name); }

void add_unknown(MachineEvidence& e, std::string text) {
  if (std::find(e.unknowns.begin(), e.unknowns.end(), text) == e.unknowns.end()) e.unknowns.push_back(std::move(text));
}

/// The DRM devices under root/sys/class/drm (card0, card1 …; not the connectors card0-DP-1).
std::vector<GpuEvidence> read_drm_devices(const fs::path& root) {
  std::vector<GpuEvidence> gpus;
  std::error_code ec;
  const fs::path drm = root / "sys/class/drm";
  std::vector<std::string> cards;
  for (fs::directory_iterator it(drm, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with("card") && name.size() > 4 &&
        std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      cards.push_back(name);
  }
  std::sort(cards.begin(), cards.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const std::string& card : cards) {
    const fs::path device = drm / card / "device";
    const std::string vendor = hex_id(read_text(device / "vendor"));
    const std::string id = hex_id(read_text(device / "device"));
    if (vendor.empty() || id.empty()) continue;
    GpuEvidence gpu;
    gpu.vendor = vendor_name(vendor);
    gpu.pci_id = vendor + ":" + id;
    const std::string sub_vendor = hex_id(read_text(device / "subsystem_vendor"));
    const std::string sub_device = hex_id(read_text(device / "subsystem_device"));
    if (!sub_vendor.empty() && !sub_device.empty()) gpu.pci_subsystem = sub_vendor + ":" + sub_device;
    // The PCI address: the device link's target (a plain folder in a captured tree: its uevent).
    std::error_code link_ec;
    const fs::path target = fs::read_symlink(device, link_ec);
    if (!link_ec) gpu.bus_id = target.filename().string();
    if (const auto uevent = read_text(device / "uevent")) {
      constexpr std::string_view kSlot = "PCI_SLOT_NAME=";
      if (const std::size_t at = uevent->find(kSlot); at != std::string::npos) {
        const std::size_t start = at + kSlot.size();
        gpu.bus_id = trimmed(uevent->substr(start, uevent->find('\n', start) - start));
      }
    }
    const std::string where = "sysfs " + card;
    if (const double vram = number_in(read_text(device / "mem_info_vram_total")); vram > 0) {
      gpu.memory_total_bytes = {vram, where + " mem_info_vram_total"};
      if (const auto used_text = read_text(device / "mem_info_vram_used")) {
        const double used = number_in(used_text);
        if (used <= vram) gpu.memory_free_bytes = {vram - used, where + " mem_info_vram_used"};
      }
    }
    if (const double gtt = number_in(read_text(device / "mem_info_gtt_total")); gtt > 0)
      gpu.gtt_total_bytes = {gtt, where + " mem_info_gtt_total"};
    if (const auto product = read_text(device / "product_name")) gpu.name = trimmed(*product);
    gpu.sources.push_back(where);
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

/// Adds what `more` knows to the device of the same PCI address (or, failing that, of the same id in
/// order), else appends it.
void merge_gpus(std::vector<GpuEvidence>& gpus, std::vector<GpuEvidence> more) {
  std::vector<bool> taken(gpus.size(), false);
  auto bus_key = [](const std::string& bus) {  // "00000000:01:00.0" and "0000:01:00.0" are one address
    const std::size_t colon = bus.find(':');
    return colon == std::string::npos ? bus : to_lower(bus.substr(colon + 1));
  };
  for (auto& g : more) {
    GpuEvidence* into = nullptr;
    for (std::size_t i = 0; i < gpus.size() && into == nullptr; ++i)
      if (!taken[i] && !g.bus_id.empty() && !gpus[i].bus_id.empty() && bus_key(g.bus_id) == bus_key(gpus[i].bus_id))
        into = &gpus[i], taken[i] = true;
    for (std::size_t i = 0; i < gpus.size() && into == nullptr; ++i)
      if (!taken[i] && ((!g.pci_id.empty() && g.pci_id == gpus[i].pci_id) ||
                        (g.pci_id.empty() && !g.vendor.empty() && g.vendor == gpus[i].vendor)))
        into = &gpus[i], taken[i] = true;
    if (into == nullptr) {
      gpus.push_back(std::move(g));
      taken.push_back(true);
      continue;
    }
    if (into->name.empty() || (!g.name.empty() && g.sources.front() != "lspci")) into->name = g.name.empty() ? into->name : g.name;
    if (into->pci_id.empty()) into->pci_id = g.pci_id;
    if (into->pci_subsystem.empty()) into->pci_subsystem = g.pci_subsystem;
    if (into->bus_id.empty()) into->bus_id = g.bus_id;
    if (g.memory_total_bytes.known()) into->memory_total_bytes = g.memory_total_bytes;
    if (g.memory_free_bytes.known()) into->memory_free_bytes = g.memory_free_bytes;
    if (g.memory_bus_bits > 0) into->memory_bus_bits = g.memory_bus_bits;
    if (g.memory_data_rate_mt_s > 0) into->memory_data_rate_mt_s = g.memory_data_rate_mt_s;
    if (g.gpu_cores > 0) into->gpu_cores = g.gpu_cores;
    into->integrated = into->integrated || g.integrated;
    for (auto& s : g.sources) into->sources.push_back(std::move(s));
  }
}

void detect_linux(const DetectSources& src, const ToolRunner& run, MachineEvidence& e) {
  const fs::path root = src.root;
  if (const auto cpuinfo = read_text(root / "proc/cpuinfo")) parse_cpuinfo(*cpuinfo, e.cpu);
  else add_unknown(e, "CPU: /proc/cpuinfo not readable");
  if (const auto meminfo = read_text(root / "proc/meminfo")) parse_meminfo(*meminfo, e.memory);
  else add_unknown(e, "memory size: /proc/meminfo not readable");
  const double max_khz = number_in(read_text(root / "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"));
  if (max_khz > 0) e.cpu.max_clock_ghz = max_khz / 1e6;
  if (const auto product = read_text(root / "sys/class/dmi/id/product_name")) e.product = trimmed(*product);
  if (e.cpu.model_name.empty()) {
    // Arm cpuinfo names no model; the device tree or DMI does.
    if (const auto model = read_text(root / "sys/firmware/devicetree/base/model")) e.cpu.model_name = trimmed(*model);
  }

  // Memory configuration: the SMBIOS table (root only, usually), else dmidecode (also root).
  std::vector<MemoryModule> modules;
  std::string modules_source;
  if (const auto table = read_text(root / "sys/firmware/dmi/tables/DMI")) {
    modules = parse_smbios_memory(*table);
    modules_source = "SMBIOS type 17";
  }
  if (modules.empty()) {
    if (const auto out = run({"dmidecode", "-t", "17"})) {
      modules = parse_dmidecode_memory(*out);
      modules_source = "dmidecode -t 17";
    }
  }
  if (modules.empty())
    add_unknown(e, "memory type, speed and channels: SMBIOS tables and dmidecode need root");
  else
    summarize_memory_modules(modules, modules_source, e.memory);
  if (!modules.empty() && e.memory.bus_bits == 0)
    add_unknown(e, "memory channels: the DIMM locators do not name them");

  std::vector<GpuEvidence> gpus = read_drm_devices(root);
  // NVIDIA: NVML, else nvidia-smi (the proprietary driver registers no DRM memory files).
  std::optional<std::vector<NvmlGpu>> nvml = src.nvml ? src.nvml() : query_nvml();
  std::vector<GpuEvidence> nvidia;
  if (nvml) {
    for (const auto& n : *nvml) {
      GpuEvidence g;
      g.vendor = "nvidia";
      g.name = n.name;
      g.pci_id = n.pci_id;
      g.pci_subsystem = n.pci_subsystem;
      g.bus_id = to_lower(n.bus_id);
      if (n.memory_total_bytes > 0) g.memory_total_bytes = {n.memory_total_bytes, "NVML"};
      if (n.memory_total_bytes > 0) g.memory_free_bytes = {n.memory_free_bytes, "NVML"};
      g.memory_bus_bits = n.memory_bus_bits;
      g.memory_data_rate_mt_s = 2 * n.max_memory_clock_mhz;  // double data rate: two transfers per clock
      g.sources.push_back("NVML");
      nvidia.push_back(std::move(g));
    }
  } else if (const auto out = run({"nvidia-smi",
                                   long_option("query-gpu=index,name,pci.bus_id,pci.device_id,pci.sub_device_id,"
                                               "memory.total,memory.free"),
                                   long_option("format=csv,noheader,nounits")})) {
    nvidia = parse_nvidia_smi(*out);
  }
  merge_gpus(gpus, std::move(nvidia));
  const bool has_amd = std::any_of(gpus.begin(), gpus.end(), [](const GpuEvidence& g) { return g.vendor == "amd"; });
  if (has_amd)
    if (const auto out = run({"rocm-smi", long_option("showproductname"), long_option("showmeminfo"), "vram"}))
      merge_gpus(gpus, parse_rocm_smi(*out));
  // lspci names cards no driver claimed, and names the rest.
  if (const auto out = run({"lspci", "-nn", "-v"})) merge_gpus(gpus, parse_lspci(*out));
  for (const auto& g : gpus)
    if (!g.memory_total_bytes.known() && g.vendor == "nvidia" && !nvml)
      add_unknown(e, "NVIDIA memory: NVML (libnvidia-ml.so.1) not loaded and nvidia-smi gave none");
  e.gpus = std::move(gpus);
}

void detect_macos(const ToolRunner& run, MachineEvidence& e) {
  if (const auto out = run({"sysctl", "machdep.cpu.brand_string", "hw.memsize", "hw.model", "hw.ncpu",
                            "hw.physicalcpu"}))
    parse_sysctl(*out, e);
  else
    add_unknown(e, "CPU and memory: sysctl gave nothing");
  if (const auto out = run({"system_profiler", "SPDisplaysDataType"})) e.gpus = parse_system_profiler_displays(*out);
  else add_unknown(e, "GPU cores: system_profiler gave nothing");
  add_unknown(e, "free memory: not read on macOS");
}

}  // namespace

std::optional<std::vector<NvmlGpu>> query_nvml() {
  void* lib = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return std::nullopt;
  auto sym = [lib](const char* name) { return ::dlsym(lib, name); };
  using Init = int (*)();
  using Count = int (*)(unsigned int*);
  using Handle = int (*)(unsigned int, NvmlDevice*);
  using Name = int (*)(NvmlDevice, char*, unsigned int);
  using Memory = int (*)(NvmlDevice, NvmlMemory*);
  using Pci = int (*)(NvmlDevice, NvmlPciInfo*);
  using BusWidth = int (*)(NvmlDevice, unsigned int*);
  using MaxClock = int (*)(NvmlDevice, int, unsigned int*);
  auto init = reinterpret_cast<Init>(sym("nvmlInit_v2"));
  auto shutdown = reinterpret_cast<Init>(sym("nvmlShutdown"));
  auto count = reinterpret_cast<Count>(sym("nvmlDeviceGetCount_v2"));
  auto handle = reinterpret_cast<Handle>(sym("nvmlDeviceGetHandleByIndex_v2"));
  auto name = reinterpret_cast<Name>(sym("nvmlDeviceGetName"));
  auto memory = reinterpret_cast<Memory>(sym("nvmlDeviceGetMemoryInfo"));
  auto pci = reinterpret_cast<Pci>(sym("nvmlDeviceGetPciInfo_v3"));
  auto bus_width = reinterpret_cast<BusWidth>(sym("nvmlDeviceGetMemoryBusWidth"));
  auto max_clock = reinterpret_cast<MaxClock>(sym("nvmlDeviceGetMaxClockInfo"));
  std::optional<std::vector<NvmlGpu>> result;
  if (init != nullptr && count != nullptr && handle != nullptr && init() == 0) {
    unsigned int n = 0;
    if (count(&n) == 0) {
      result.emplace();
      for (unsigned int i = 0; i < n && i < 256; ++i) {
        NvmlDevice device = nullptr;
        if (handle(i, &device) != 0) continue;
        NvmlGpu gpu;
        std::array<char, 96> text{};
        if (name != nullptr && name(device, text.data(), text.size()) == 0) gpu.name = text.data();
        NvmlMemory mem{};
        if (memory != nullptr && memory(device, &mem) == 0) {
          gpu.memory_total_bytes = static_cast<double>(mem.total);
          gpu.memory_free_bytes = static_cast<double>(mem.free);
        }
        NvmlPciInfo info{};
        if (pci != nullptr && pci(device, &info) == 0) {
          gpu.pci_id = combined_pci(info.pci_device_id);
          gpu.pci_subsystem = combined_pci(info.pci_subsystem_id);
          info.bus_id[sizeof info.bus_id - 1] = '\0';
          gpu.bus_id = info.bus_id;
        }
        unsigned int value = 0;
        if (bus_width != nullptr && bus_width(device, &value) == 0) gpu.memory_bus_bits = static_cast<int>(value);
        constexpr int kClockMem = 2;  // NVML_CLOCK_MEM
        if (max_clock != nullptr && max_clock(device, kClockMem, &value) == 0) gpu.max_memory_clock_mhz = value;
        result->push_back(std::move(gpu));
      }
    }
    if (shutdown != nullptr) shutdown();
  }
  ::dlclose(lib);
  return result;
}

DetectSources this_machine_sources() {
  DetectSources sources;
  sources.use_affinity = true;
  return sources;
}

DetectSources captured_machine_sources(const std::string& folder) {
  DetectSources sources;
  sources.root = folder;
  sources.nvml = [] { return std::optional<std::vector<NvmlGpu>>(); };
  sources.run_tool = [folder](const std::vector<std::string>& argv) -> std::optional<std::string> {
    if (argv.empty()) return std::nullopt;
    return read_text(fs::path(folder) / "tools" / (argv[0] + ".txt"));
  };
  if (const auto machine = read_text(fs::path(folder) / "machine.txt"))
    sources.os = machine->find("os: macos") != std::string::npos ? "macos" : "linux";
  return sources;
}

MachineEvidence detect_machine(const DetectSources& src) {
  MachineEvidence e;
#ifdef __APPLE__
  e.os = src.os.empty() ? "macos" : src.os;
#else
  e.os = src.os.empty() ? "linux" : src.os;
#endif
  const ToolRunner run = src.run_tool ? src.run_tool : ToolRunner(run_program);
  try {
    if (e.os == "macos")
      detect_macos(run, e);
    else
      detect_linux(src, run, e);
  } catch (const std::exception& error) {
    // Detection never fails the command: what went wrong is one more unknown.
    add_unknown(e, std::string("detection stopped early: ") + one_line(error.what()));
  }
  if (src.use_affinity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) e.cpu.usable_cpus = CPU_COUNT(&set);
  }
  if (e.cpu.model_name.empty()) add_unknown(e, "CPU model: not named by the system");
  if (!e.memory.available_bytes.known() && e.os != "macos") add_unknown(e, "free memory: MemAvailable not read");
  return e;
}

}  // namespace llmfit
