// Parsers of what detection reads: tool outputs, /proc files and SMBIOS tables. Any bytes in, what is
// understood out; nothing throws (fuzz/: detect_parsers).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "llmfit/io/detect.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

constexpr double kMib = 1024.0 * 1024.0;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

/// A finite, non-negative number at the start of `s` (after spaces); nullopt otherwise.
std::optional<double> number_at(std::string_view s) {
  s = trim(s);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data() || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> hex_at(std::string_view s) {
  s = trim(s);
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  return value;
}

std::string hex4(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(4, '0');
  for (int i = 3; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[value & 0xf];
    value >>= 4;
  }
  return out;
}

/// "0x268410DE" (device << 16 | vendor, as nvidia-smi and NVML print it) → "10de:2684".
std::string pci_from_combined(std::string_view text) {
  const auto value = hex_at(text);
  if (!value || *value > 0xffffffffULL || *value == 0) return {};
  return hex4(*value & 0xffff) + ":" + hex4((*value >> 16) & 0xffff);
}

std::string vendor_of_pci(std::string_view pci_id) {
  if (pci_id.starts_with("10de")) return "nvidia";
  if (pci_id.starts_with("1002")) return "amd";
  if (pci_id.starts_with("8086")) return "intel";
  if (pci_id.starts_with("106b")) return "apple";
  return {};
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    parts.push_back(trim(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

/// "key: value" → value, when the line's key (trimmed, any case) is `key`.
std::optional<std::string_view> value_of(std::string_view line, std::string_view key) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!equals_ignore_case(trim(line.substr(0, colon)), key)) return std::nullopt;
  return trim(line.substr(colon + 1));
}

/// An nvidia-smi table row "| 0  NVIDIA GeForce RTX 4090   On  | 00000000:01:00.0 Off | …": the name.
std::vector<GpuEvidence> parse_nvidia_smi_table(const std::vector<std::string_view>& lines) {
  std::vector<GpuEvidence> gpus;
  bool expect_memory = false;
  for (std::string_view line : lines) {
    if (!line.starts_with("|")) continue;
    const auto cells = split(line.substr(1), '|');
    if (cells.size() < 3) continue;
    std::string_view first = cells[0];
    // A device row: index, name, persistence (On/Off); the bus id in the second cell.
    if (!first.empty() && std::isdigit(static_cast<unsigned char>(first.front())) != 0 &&
        cells[1].find(':') != std::string_view::npos && cells[1].find('.') != std::string_view::npos) {
      std::size_t i = 0;
      while (i < first.size() && std::isdigit(static_cast<unsigned char>(first[i])) != 0) ++i;
      std::string_view name = trim(first.substr(i));
      for (std::string_view tail : {"On", "Off"})
        if (name.ends_with(tail)) name = trim(name.substr(0, name.size() - tail.size()));
      // Older drivers cut long names with "...".
      GpuEvidence gpu;
      gpu.vendor = "nvidia";
      gpu.name = std::string(name);
      const auto bus = split(cells[1], ' ');
      if (!bus.empty()) gpu.bus_id = to_lower(bus.front());
      gpu.sources.push_back("nvidia-smi");
      gpus.push_back(std::move(gpu));
      expect_memory = true;
      continue;
    }
    if (expect_memory && !gpus.empty()) {
      // "|     2MiB /  24564MiB |": used / total in the second cell.
      const std::string_view mem = cells[1];
      const std::size_t slash = mem.find('/');
      if (slash != std::string_view::npos && mem.find("MiB") != std::string_view::npos) {
        const auto used = number_at(mem.substr(0, slash));
        const auto total = number_at(mem.substr(slash + 1));
        if (total && *total > 0) {
          gpus.back().memory_total_bytes = {*total * kMib, "nvidia-smi"};
          if (used && *used <= *total) gpus.back().memory_free_bytes = {(*total - *used) * kMib, "nvidia-smi"};
        }
      }
      expect_memory = false;
    }
  }
  return gpus;
}

/// A channel of a DIMM from its locators ("P0 CHANNEL A", "DIMM_A1", "ChannelB-DIMM0", "CPU1_DIMM_C2"):
/// socket and letter; empty when neither says.
std::string channel_of(const MemoryModule& m) {
  std::string text;
  for (char c : m.bank_locator + " " + m.locator) text += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string socket;
  for (std::string_view prefix : {"CPU", "P", "NODE", "SOCKET"}) {
    for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
      const bool word_start = at == 0 || std::isalnum(static_cast<unsigned char>(text[at - 1])) == 0;
      std::size_t d = at + prefix.size();
      while (d < text.size() && text[d] == ' ') ++d;
      if (word_start && d < text.size() && std::isdigit(static_cast<unsigned char>(text[d])) != 0) {
        socket = std::string(prefix) + text[d];
        break;
      }
    }
    if (!socket.empty()) break;
  }
  auto letter_after = [&](std::string_view word) -> char {
    for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
      std::size_t i = at + word.size();
      while (i < text.size() && (text[i] == ' ' || text[i] == '_' || text[i] == '-')) ++i;
      if (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0 &&
          (i + 1 >= text.size() || std::isalnum(static_cast<unsigned char>(text[i + 1])) == 0 ||
           std::isdigit(static_cast<unsigned char>(text[i + 1])) != 0))
        return text[i];
    }
    return 0;
  };
  char channel = letter_after("CHANNEL");
  if (channel == 0) channel = letter_after("DIMM");
  if (channel == 0) return {};
  return socket + ":" + channel;
}

std::string smbios_memory_type(unsigned code) {
  switch (code) {
    case 0x18: return "ddr3";
    case 0x1A: return "ddr4";
    case 0x1D: return "lpddr3";
    case 0x1E: return "lpddr4";
    case 0x22: return "ddr5";
    case 0x23: return "lpddr5";
    default: return {};
  }
}

}  // namespace

std::vector<GpuEvidence> parse_nvidia_smi(std::string_view text) {
  const auto lines = lines_of(text);
  std::vector<GpuEvidence> gpus;
  // The query form: index, name, pci.bus_id, pci.device_id, pci.sub_device_id, memory.total, memory.free
  // (MiB), memory bus and clock are not query fields.
  for (std::string_view line : lines) {
    const auto f = split(line, ',');
    if (f.size() < 7 || !number_at(f[0])) continue;
    GpuEvidence gpu;
    gpu.vendor = "nvidia";
    gpu.name = std::string(f[1]);
    gpu.bus_id = to_lower(f[2]);
    gpu.pci_id = pci_from_combined(f[3]);
    gpu.pci_subsystem = pci_from_combined(f[4]);
    // "[N/A]" (GB10 has no memory of its own) stays unknown.
    if (const auto total = number_at(f[5]); total && *total > 0) gpu.memory_total_bytes = {*total * kMib, "nvidia-smi"};
    if (const auto free = number_at(f[6]); free && *free > 0) gpu.memory_free_bytes = {*free * kMib, "nvidia-smi"};
    gpu.sources.push_back("nvidia-smi");
    gpus.push_back(std::move(gpu));
  }
  if (!gpus.empty()) return gpus;
  return parse_nvidia_smi_table(lines);
}

std::vector<GpuEvidence> parse_lspci(std::string_view text) {
  std::vector<GpuEvidence> gpus;
  bool in_gpu = false;
  for (std::string_view line : lines_of(text)) {
    if (line.empty()) {
      in_gpu = false;
      continue;
    }
    const bool indented = line.front() == ' ' || line.front() == '\t';
    if (indented) {
      if (!in_gpu) continue;
      if (const auto sub = value_of(line, "Subsystem")) {
        const std::size_t open = sub->rfind('[');
        if (open != std::string_view::npos && sub->size() >= open + 11 && (*sub)[open + 5] == ':')
          gpus.back().pci_subsystem = to_lower(sub->substr(open + 1, 9));
      }
      continue;
    }
    in_gpu = false;
    // "01:00.0 VGA compatible controller [0300]: NVIDIA Corporation AD102 [GeForce RTX 4090] [10de:2684] (rev a1)"
    const std::size_t klass = line.find(" [03");
    const std::size_t colon = line.find("]: ");
    if (klass == std::string_view::npos || colon == std::string_view::npos || klass > colon) continue;
    std::string_view rest = line.substr(colon + 3);
    if (const std::size_t rev = rest.rfind(" (rev"); rev != std::string_view::npos) rest = rest.substr(0, rev);
    rest = trim(rest);
    const std::size_t open = rest.rfind('[');
    if (open == std::string_view::npos || rest.size() < open + 11 || rest[open + 5] != ':') continue;
    GpuEvidence gpu;
    gpu.pci_id = to_lower(rest.substr(open + 1, 9));
    gpu.vendor = vendor_of_pci(gpu.pci_id);
    gpu.name = std::string(trim(rest.substr(0, open)));
    const std::string_view slot = line.substr(0, line.find(' '));
    gpu.bus_id = std::string(slot.size() == 7 ? "0000:" : "") + to_lower(slot);
    gpu.sources.push_back("lspci");
    gpus.push_back(std::move(gpu));
    in_gpu = true;
  }
  return gpus;
}

std::vector<GpuEvidence> parse_rocm_smi(std::string_view text) {
  std::map<int, GpuEvidence> by_index;
  for (std::string_view line : lines_of(text)) {
    // "GPU[0]		: Card Series: 		Radeon RX 7900 XTX", "GPU[0]		: VRAM Total Memory (B): 25753026560"
    if (!line.starts_with("GPU[")) continue;
    const std::size_t close = line.find(']');
    const auto index = close == std::string_view::npos ? std::nullopt : number_at(line.substr(4, close - 4));
    if (!index || *index > 4096) continue;
    const std::size_t colon = line.find(':', close);
    if (colon == std::string_view::npos) continue;
    const std::string_view rest = line.substr(colon + 1);
    GpuEvidence& gpu = by_index[static_cast<int>(*index)];
    gpu.vendor = "amd";
    if (const auto series = value_of(rest, "Card Series"); series && !series->empty()) gpu.name = std::string(*series);
    if (const auto total = value_of(rest, "VRAM Total Memory (B)"))
      if (const auto v = number_at(*total); v && *v > 0) gpu.memory_total_bytes = {*v, "rocm-smi"};
    if (const auto used = value_of(rest, "VRAM Total Used Memory (B)"))
      if (const auto v = number_at(*used); v && gpu.memory_total_bytes.known() && *v <= gpu.memory_total_bytes.value)
        gpu.memory_free_bytes = {gpu.memory_total_bytes.value - *v, "rocm-smi"};
  }
  std::vector<GpuEvidence> gpus;
  for (auto& [index, gpu] : by_index) {
    gpu.sources.push_back("rocm-smi");
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

std::vector<GpuEvidence> parse_system_profiler_displays(std::string_view text) {
  std::vector<GpuEvidence> gpus;
  for (std::string_view line : lines_of(text)) {
    if (const auto chipset = value_of(line, "Chipset Model")) {
      GpuEvidence gpu;
      gpu.name = std::string(*chipset);
      const std::string lower = to_lower(gpu.name);
      gpu.vendor = lower.starts_with("apple") ? "apple" : lower.find("amd") != std::string::npos ? "amd"
                   : lower.find("intel") != std::string::npos                                    ? "intel"
                   : lower.find("nvidia") != std::string::npos                                   ? "nvidia"
                                                                                                 : "";
      gpu.integrated = gpu.vendor == "apple" || gpu.vendor == "intel";
      gpu.sources.push_back("system_profiler");
      gpus.push_back(std::move(gpu));
    } else if (const auto cores = value_of(line, "Total Number of Cores"); cores && !gpus.empty()) {
      if (const auto n = number_at(*cores); n && *n < 100000) gpus.back().gpu_cores = static_cast<int>(*n);
    }
  }
  return gpus;
}

void parse_cpuinfo(std::string_view text, CpuEvidence& cpu) {
  int processors = 0;
  std::set<std::pair<std::string, std::string>> cores;  // (physical id, core id)
  std::string physical;
  bool avx512 = false, avx2 = false, sse2 = false, neon = false;
  for (std::string_view line : lines_of(text)) {
    if (value_of(line, "processor")) ++processors;
    if (const auto v = value_of(line, "model name"); v && cpu.model_name.empty()) cpu.model_name = std::string(*v);
    if (const auto v = value_of(line, "vendor_id"); v && cpu.vendor.empty()) cpu.vendor = std::string(*v);
    if (const auto v = value_of(line, "physical id")) physical = std::string(*v);
    if (const auto v = value_of(line, "core id")) cores.emplace(physical, std::string(*v));
    auto flags = value_of(line, "flags");
    if (!flags) flags = value_of(line, "Features");
    if (flags) {
      for (std::string_view flag : split(*flags, ' ')) {
        avx512 = avx512 || flag == "avx512f";
        avx2 = avx2 || flag == "avx2";
        sse2 = sse2 || flag == "sse2";
        neon = neon || flag == "asimd";
      }
    }
  }
  if (processors > 0) cpu.logical_cpus = processors;
  if (!cores.empty()) cpu.physical_cores = static_cast<int>(cores.size());
  cpu.simd_bits = avx512 ? 512 : avx2 ? 256 : (sse2 || neon) ? 128 : 0;
  if (neon && cpu.arch.empty()) cpu.arch = "aarch64";
  if (sse2 && cpu.arch.empty()) cpu.arch = "x86_64";
  if (processors > 0) cpu.sources.push_back("/proc/cpuinfo");
}

void parse_meminfo(std::string_view text, MemoryEvidence& memory) {
  for (std::string_view line : lines_of(text)) {
    // "MemTotal:       65536000 kB"
    if (const auto v = value_of(line, "MemTotal"))
      if (const auto kb = number_at(*v); kb && *kb > 0) memory.total_bytes = {*kb * 1024, "/proc/meminfo MemTotal"};
    if (const auto v = value_of(line, "MemAvailable"))
      if (const auto kb = number_at(*v); kb && *kb > 0)
        memory.available_bytes = {*kb * 1024, "/proc/meminfo MemAvailable"};
  }
  if (memory.total_bytes.known()) memory.sources.push_back("/proc/meminfo");
}

void parse_sysctl(std::string_view text, MachineEvidence& machine) {
  for (std::string_view line : lines_of(text)) {
    if (const auto v = value_of(line, "machdep.cpu.brand_string")) {
      machine.cpu.model_name = std::string(*v);
      if (to_lower(*v).starts_with("apple")) machine.cpu.vendor = "apple";
    }
    if (const auto v = value_of(line, "hw.memsize"))
      if (const auto bytes = number_at(*v); bytes && *bytes > 0) machine.memory.total_bytes = {*bytes, "sysctl hw.memsize"};
    if (const auto v = value_of(line, "hw.model")) machine.product = std::string(*v);
    if (const auto v = value_of(line, "hw.ncpu"))
      if (const auto n = number_at(*v); n && *n < 1e6) machine.cpu.logical_cpus = static_cast<int>(*n);
    if (const auto v = value_of(line, "hw.physicalcpu"))
      if (const auto n = number_at(*v); n && *n < 1e6) machine.cpu.physical_cores = static_cast<int>(*n);
    if (const auto v = value_of(line, "hw.optional.arm64"); v && *v == "1") machine.cpu.arch = "aarch64";
  }
  if (!machine.cpu.model_name.empty()) machine.cpu.sources.push_back("sysctl");
  if (machine.cpu.vendor == "apple") machine.cpu.simd_bits = 128;  // NEON
}

std::vector<MemoryModule> parse_dmidecode_memory(std::string_view text) {
  std::vector<MemoryModule> modules;
  bool in_device = false;
  for (std::string_view line : lines_of(text)) {
    if (line == "Memory Device") {
      modules.emplace_back();
      in_device = true;
      continue;
    }
    if (line.empty() || (line.front() != '\t' && line.front() != ' ')) {
      in_device = false;  // a blank line or the next structure's handle ends the device
      continue;
    }
    if (!in_device) continue;
    MemoryModule& m = modules.back();
    if (const auto v = value_of(line, "Size")) {
      const auto n = number_at(*v);
      const double unit = v->ends_with("TB") ? 1099511627776.0 : v->ends_with("GB") ? 1073741824.0
                          : v->ends_with("MB")                  ? 1048576.0
                                                                : 0;
      if (n && unit > 0) m.size_bytes = *n * unit;
    }
    if (const auto v = value_of(line, "Type")) {
      const std::string type = to_lower(*v);
      if (type.starts_with("ddr") || type.starts_with("lpddr")) m.type = type;
    }
    if (const auto v = value_of(line, "Speed"); v && m.speed_mt_s == 0)
      if (const auto n = number_at(*v)) m.speed_mt_s = *n;
    for (std::string_view key : {"Configured Memory Speed", "Configured Clock Speed"})
      if (const auto v = value_of(line, key))
        if (const auto n = number_at(*v); n && *n > 0) m.speed_mt_s = *n;
    if (const auto v = value_of(line, "Data Width"))
      if (const auto n = number_at(*v); n && *n <= 1024) m.data_width_bits = static_cast<int>(*n);
    if (const auto v = value_of(line, "Locator")) m.locator = std::string(*v);
    if (const auto v = value_of(line, "Bank Locator")) m.bank_locator = std::string(*v);
  }
  return modules;
}

std::vector<MemoryModule> parse_smbios_memory(std::string_view table) {
  std::vector<MemoryModule> modules;
  const auto byte = [&](std::size_t at) { return static_cast<unsigned>(static_cast<unsigned char>(table[at])); };
  const auto word = [&](std::size_t at) { return byte(at) | (byte(at + 1) << 8); };
  std::size_t at = 0;
  while (at + 4 <= table.size()) {
    const unsigned type = byte(at);
    const std::size_t length = byte(at + 1);
    if (length < 4 || at + length > table.size()) break;
    // The strings follow the formatted area, each NUL-terminated, the set ended by a second NUL.
    std::vector<std::string> strings;
    std::size_t s = at + length;
    while (s < table.size() && table[s] != '\0') {
      const std::size_t end = table.find('\0', s);
      if (end == std::string_view::npos) break;
      strings.emplace_back(table.substr(s, end - s));
      s = end + 1;
    }
    const std::size_t next = std::min(table.size(), (s < table.size() && table[s] == '\0' && strings.empty() ? s + 2 : s + 1));
    auto string_at = [&](std::size_t offset) -> std::string {
      if (offset >= length) return {};
      const unsigned index = byte(at + offset);
      return index >= 1 && index <= strings.size() ? strings[index - 1] : std::string();
    };
    if (type == 17 && length >= 0x15) {
      MemoryModule m;
      const unsigned size = word(at + 0x0C);
      if (size == 0x7FFF && length >= 0x20) {
        const unsigned long ext = word(at + 0x1C) | (static_cast<unsigned long>(word(at + 0x1E)) << 16);
        m.size_bytes = static_cast<double>(ext & 0x7FFFFFFF) * kMib;
      } else if (size != 0 && size != 0xFFFF) {
        m.size_bytes = (size & 0x8000) != 0 ? (size & 0x7FFF) * 1024.0 : size * kMib;
      }
      const unsigned width = word(at + 0x0A);
      if (width != 0xFFFF && width <= 1024) m.data_width_bits = static_cast<int>(width);
      m.locator = string_at(0x10);
      m.bank_locator = string_at(0x11);
      m.type = smbios_memory_type(byte(at + 0x12));
      if (length >= 0x17 && word(at + 0x15) != 0xFFFF) m.speed_mt_s = word(at + 0x15);
      if (length >= 0x22 && word(at + 0x20) != 0 && word(at + 0x20) != 0xFFFF) m.speed_mt_s = word(at + 0x20);
      modules.push_back(std::move(m));
    }
    if (type == 127) break;  // end of table
    at = next;
  }
  return modules;
}

void summarize_memory_modules(const std::vector<MemoryModule>& modules, const std::string& source,
                              MemoryEvidence& memory) {
  std::set<std::string> channels;
  int populated = 0;
  int width_bits = 0;
  bool every_channel_known = true;
  for (const auto& m : modules) {
    if (m.size_bytes <= 0) continue;
    ++populated;
    if (memory.type.empty() && !m.type.empty()) memory.type = m.type;
    if (m.speed_mt_s > 0 && (!memory.data_rate_mt_s.known() || m.speed_mt_s < memory.data_rate_mt_s.value))
      memory.data_rate_mt_s = {m.speed_mt_s, source};  // mixed modules run at the slowest
    width_bits += m.data_width_bits;
    const std::string channel = channel_of(m);
    if (channel.empty()) every_channel_known = false;
    channels.insert(channel);
  }
  if (populated == 0) return;
  memory.modules = populated;
  memory.sources.push_back(source);
  if (memory.type.starts_with("lpddr")) {
    // Soldered LPDDR: each listed device is its own channel of its stated width.
    memory.bus_bits = width_bits;
    memory.channels = populated;
  } else if (every_channel_known) {
    memory.channels = static_cast<int>(channels.size());
    memory.bus_bits = memory.channels * 64;
  }
}

}  // namespace llmfit
