// Evidence read from a machine → catalogue entries (PCI ids first, then names), or estimated entries.
#include "llmfit/identify.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <set>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;
/// A card reports a little less than its nominal capacity (24 GiB shows as 23.99 GiB or less after the
/// driver's reservation): a catalogue capacity matches within this share.
constexpr double kCapacityTolerance = 0.08;
/// An AMD device whose own memory is at most this, with more GTT than memory, is an APU's carve-out.
constexpr double kIntegratedCarveOutGib = 2.0;

/// Words that say nothing about which chip it is (vendor and brand words, "graphics", trademark marks).
bool noise_word(std::string_view word) {
  static const std::set<std::string, std::less<>> kNoise{
      "nvidia", "geforce", "amd", "apple", "intel", "corporation", "r", "tm", "graphics", "gpu",
      "with", "w", "processor", "core", "cpu", "ati", "inc", "the", "and", "chip"};
  return kNoise.count(word) > 0;
}

/// Lowercase alphanumeric words: "AMD Ryzen AI Max+ 395 w/ Radeon 8060S" → ryzen ai max 395 radeon 8060s.
std::vector<std::string> name_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && !noise_word(word)) words.push_back(word);
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0)
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  return words;
}

bool has_digit(const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(), [](const std::string& w) {
    return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
  });
}

/// An entry's names as word lists: its name before any parenthesis, its id and its aliases.
std::vector<std::vector<std::string>> entry_names(const HardwareSpec& h) {
  std::vector<std::vector<std::string>> names;
  names.push_back(name_words(h.name.substr(0, h.name.find('('))));
  names.push_back(name_words(h.id));
  for (const auto& alias : h.aliases) names.push_back(name_words(alias));
  return names;
}

double gib(const Reading& bytes) { return bytes.known() ? bytes.value / kBytesPerGib : 0; }

bool laptop_name(std::string_view name) {
  const std::string lower = to_lower(name);
  return lower.find("laptop") != std::string::npos || lower.find("mobile") != std::string::npos ||
         lower.find("max-q") != std::string::npos;
}

/// The capacity option of `h` the detected size stands for, or 0 when none is within the tolerance.
double matching_capacity_gib(const HardwareSpec& h, double detected_gib) {
  double best = 0;
  for (double option : h.memory_options_gib)
    if (detected_gib > 0 && std::abs(detected_gib / option - 1.0) <= kCapacityTolerance) best = option;
  return best;
}

std::string format_gib(double value) { return fmt::format("{:.3g} GiB", value); }

/// The entry of `kind` and `vendor` (any vendor when empty) whose bandwidth is closest: the donor of the
/// figures an estimated entry cannot know (compute, power), named in its evidence.
const HardwareSpec* nearest_by_bandwidth(const Catalog& catalog, HardwareKind kind, std::string_view vendor,
                                         double bandwidth_gb_s) {
  const HardwareSpec* best = nullptr;
  for (const auto& h : catalog.hardware()) {
    if (h.kind != kind || (!vendor.empty() && h.vendor != vendor)) continue;
    if (best == nullptr || std::abs(std::log(h.bandwidth_gb_s / bandwidth_gb_s)) <
                               std::abs(std::log(best->bandwidth_gb_s / bandwidth_gb_s)))
      best = &h;
  }
  return best;
}

/// A catalogue entry given the detected capacity: what plans run on.
HardwareSpec with_capacity(const HardwareSpec& entry, double memory_gib) {
  HardwareSpec spec = entry;
  if (memory_gib > 0) {
    const double capacity = matching_capacity_gib(entry, memory_gib);
    const double use = capacity > 0 ? capacity : std::round(memory_gib * 100) / 100;
    spec.memory_options_gib = {use};
    spec.default_memory_gib = use;
    spec.memory_prices_usd.clear();
    spec.memory_prices_source.clear();
    if (capacity <= 0 || capacity != entry.default_memory_gib) spec.price_usd = 0;
  }
  return spec;
}

IdentifiedDevice identify_gpu(const Catalog& catalog, const GpuEvidence& gpu) {
  IdentifiedDevice device;
  device.role = DeviceRole::gpu;
  device.name = gpu.name.empty() ? (gpu.pci_id.empty() ? "unknown GPU" : "GPU " + gpu.pci_id) : gpu.name;
  device.pci_id = gpu.pci_id;
  device.memory_total_gib = gib(gpu.memory_total_bytes);
  device.memory_free_gib = gpu.memory_free_bytes.known() ? gib(gpu.memory_free_bytes) : -1;
  if (gpu.memory_total_bytes.known())
    device.evidence.push_back(format_gib(device.memory_total_gib) + " of memory (" + gpu.memory_total_bytes.source + ")");
  const bool laptop = laptop_name(gpu.name);

  const HardwareSpec* match = nullptr;
  if (!gpu.pci_id.empty()) {
    std::vector<const HardwareSpec*> by_id;
    for (const auto& h : catalog.hardware())
      if (h.kind == HardwareKind::gpu && std::find(h.pci_ids.begin(), h.pci_ids.end(), gpu.pci_id) != h.pci_ids.end())
        by_id.push_back(&h);
    if (by_id.size() == 1) {
      match = by_id.front();
      device.confidence = MatchConfidence::high;
      device.evidence.push_back("PCI " + gpu.pci_id +
                                (gpu.pci_subsystem.empty() ? "" : " (subsystem " + gpu.pci_subsystem + ")") + " is " +
                                match->id + " in the catalogue");
    } else if (by_id.size() > 1) {
      std::vector<std::string> ids;
      for (const auto* h : by_id) ids.push_back(h->id);
      std::vector<const HardwareSpec*> sized;
      for (const auto* h : by_id)
        if (matching_capacity_gib(*h, device.memory_total_gib) > 0) sized.push_back(h);
      // One die in several cards (744c: RX 7900 XTX, XT, GRE): the capacity tells them apart; then the name.
      const HardwareSpec* named = match_hardware_name(catalog, gpu.name, HardwareKind::gpu);
      if (sized.size() == 1) {
        match = sized.front();
        device.confidence = MatchConfidence::high;
        device.evidence.push_back("PCI " + gpu.pci_id + " is shared by " + join(ids, ", ") + "; " +
                                  format_gib(device.memory_total_gib) + " picks " + match->id);
      } else if (named != nullptr && std::find(by_id.begin(), by_id.end(), named) != by_id.end()) {
        match = named;
        device.confidence = MatchConfidence::high;
        device.evidence.push_back("PCI " + gpu.pci_id + " is shared by " + join(ids, ", ") + "; the name '" +
                                  excerpt(gpu.name, 60) + "' picks " + match->id);
      } else {
        match = sized.empty() ? by_id.front() : sized.front();
        device.confidence = MatchConfidence::medium;
        device.evidence.push_back("PCI " + gpu.pci_id + " is shared by " + join(ids, ", ") +
                                  "; neither the memory nor the name tells them apart: took " + match->id);
      }
    }
  }
  if (match == nullptr && !gpu.name.empty()) {
    match = match_hardware_name(catalog, gpu.name, HardwareKind::gpu);
    if (match != nullptr) {
      // A laptop part named without "Laptop" (or the reverse) would get the other part's figures.
      const bool form_agrees = (match->form_factor == FormFactor::laptop) == laptop;
      device.confidence = form_agrees ? MatchConfidence::medium : MatchConfidence::low;
      device.evidence.push_back("the name '" + excerpt(gpu.name, 60) + "' is " + match->id + " in the catalogue" +
                                (gpu.pci_id.empty() ? "" : " (PCI " + gpu.pci_id + " is not)"));
    }
  }
  if (match != nullptr) {
    if (device.memory_total_gib > 0 && matching_capacity_gib(*match, device.memory_total_gib) == 0) {
      device.evidence.push_back(match->id + " is sold with " + fmt::format("{}", fmt::join(match->memory_options_gib, ", ")) +
                                " GiB, not " + format_gib(device.memory_total_gib) + ": planned with what was read");
      if (device.confidence == MatchConfidence::high) device.confidence = MatchConfidence::medium;
    }
    device.catalog_id = match->id;
    if (gpu.name.empty()) device.name = match->name;  // sysfs gives ids, not names
    device.spec = with_capacity(*match, device.memory_total_gib);
    device.bandwidth_gb_s = match->bandwidth_gb_s;
    device.bandwidth_source = "catalogue " + match->id + " (" + match->source + ")";
    if (device.memory_total_gib <= 0) {
      device.memory_total_gib = match->default_memory_gib;
      device.evidence.push_back("memory not read: the catalogue's default " + format_gib(match->default_memory_gib));
    }
    return device;
  }
  // No entry: estimated from the bus, when the reader knows it.
  if (gpu.memory_bus_bits > 0 && gpu.memory_data_rate_mt_s > 0 && device.memory_total_gib > 0) {
    device.confidence = MatchConfidence::estimated;
    device.bandwidth_gb_s = bus_bandwidth_gb_s(gpu.memory_bus_bits, gpu.memory_data_rate_mt_s);
    device.bandwidth_source = fmt::format("estimated: {}-bit bus x {:g} MT/s / 8", gpu.memory_bus_bits,
                                          gpu.memory_data_rate_mt_s);
    const HardwareSpec* donor = nearest_by_bandwidth(catalog, HardwareKind::gpu, gpu.vendor, device.bandwidth_gb_s);
    if (donor == nullptr) donor = nearest_by_bandwidth(catalog, HardwareKind::gpu, "", device.bandwidth_gb_s);
    if (donor != nullptr) {
      HardwareSpec spec = *donor;
      spec.name = device.name + " (estimated)";
      spec.vendor = gpu.vendor.empty() ? donor->vendor : gpu.vendor;
      spec.bandwidth_gb_s = device.bandwidth_gb_s;
      spec.memory_bus_bits = gpu.memory_bus_bits;
      spec.memory_data_rate_mt_s = gpu.memory_data_rate_mt_s;
      spec.memory_type = gpu.memory_type;
      spec.form_factor = laptop ? FormFactor::laptop : FormFactor::desktop;
      spec.price_usd = 0;
      spec.pci_ids.clear();
      spec.aliases.clear();
      spec.rental_usd_per_hour = 0;
      spec.rental_price_source.clear();
      spec.rental_price_date.clear();
      spec.idle_w = 0;
      spec.idle_w_source.clear();
      spec.gpu_cores = 0;
      spec.source = "detected on this machine; compute and power from " + donor->id + " (" + donor->source + ")";
      spec = with_capacity(spec, device.memory_total_gib);
      device.spec = std::move(spec);
      device.evidence.push_back("no catalogue entry: fp16_tflops and tdp_w borrowed from " + donor->id +
                                " (nearest bandwidth)");
    }
    return device;
  }
  device.confidence = MatchConfidence::unknown;
  device.evidence.push_back("no catalogue entry and no memory bus figures: bandwidth unknown (a catalogue entry of your own can state it)");
  return device;
}

/// A device whose PCI id a discrete card of the catalogue lists.
bool listed_discrete(const Catalog& catalog, const GpuEvidence& gpu) {
  return !gpu.pci_id.empty() &&
         std::any_of(catalog.hardware().begin(), catalog.hardware().end(), [&](const HardwareSpec& h) {
           return h.kind == HardwareKind::gpu && std::find(h.pci_ids.begin(), h.pci_ids.end(), gpu.pci_id) != h.pci_ids.end();
         });
}

/// A display controller that computes nothing llmfit plans on (a server's BMC graphics).
bool display_only(const GpuEvidence& gpu) { return gpu.vendor.empty() && !gpu.pci_id.empty(); }

/// Integrated GPUs share the host's RAM and are not planned on as cards.
bool integrated_gpu(const Catalog& catalog, const GpuEvidence& gpu) {
  if (gpu.integrated || display_only(gpu)) return true;
  if (listed_discrete(catalog, gpu)) return false;
  // Intel's integrated graphics always sit at bus 0, device 2 (PCI 00:02.0); Arc cards on a bridge.
  if (gpu.vendor == "intel" && gpu.bus_id.ends_with("00:02.0")) return true;
  if (gpu.vendor == "amd") {
    const double own = gib(gpu.memory_total_bytes);
    const double gtt = gib(gpu.gtt_total_bytes);
    if (own > 0 && own <= kIntegratedCarveOutGib && gtt > own) return true;
  }
  return false;
}

/// Flops per clock and core of an FP32 FMA unit set: two pipes of `simd_bits` (the catalogue's convention
/// for cpu entries, hardware-db/cpu.yaml).
double cpu_flops_per_clock(int simd_bits) { return 2.0 * 2.0 * (simd_bits > 0 ? simd_bits : 128) / 32.0; }

/// The CPU and RAM: from the memory configuration when SMBIOS gave it, else the catalogue entry the CPU's
/// name matches, else unknown bandwidth.
IdentifiedDevice identify_host(const Catalog& catalog, const MachineEvidence& e) {
  IdentifiedDevice host;
  host.role = DeviceRole::host;
  host.name = e.cpu.model_name.empty() ? "unknown CPU" : e.cpu.model_name;
  host.memory_total_gib = gib(e.memory.total_bytes);
  host.memory_free_gib = e.memory.available_bytes.known() ? gib(e.memory.available_bytes) : -1;
  if (e.memory.total_bytes.known())
    host.evidence.push_back(format_gib(host.memory_total_gib) + " of RAM (" + e.memory.total_bytes.source + ")");
  const int cores = e.cpu.usable_cpus > 0 ? e.cpu.usable_cpus : e.cpu.logical_cpus;
  const HardwareSpec* named = match_hardware_name(catalog, e.cpu.model_name, HardwareKind::cpu);
  const bool bus_known = e.memory.bus_bits > 0 && e.memory.data_rate_mt_s.known();
  if (bus_known) {
    host.confidence = MatchConfidence::estimated;
    host.bandwidth_gb_s = bus_bandwidth_gb_s(e.memory.bus_bits, e.memory.data_rate_mt_s.value);
    host.bandwidth_source = fmt::format("estimated: {}-bit bus ({} channels) x {} {:g} MT/s / 8 ({})",
                                        e.memory.bus_bits, e.memory.channels,
                                        e.memory.type.empty() ? "memory" : e.memory.type,
                                        e.memory.data_rate_mt_s.value, e.memory.data_rate_mt_s.source);
  } else if (named != nullptr) {
    host.confidence = MatchConfidence::medium;
    host.catalog_id = named->id;
    host.bandwidth_gb_s = named->bandwidth_gb_s;
    host.bandwidth_source = "catalogue " + named->id + " (" + named->source + ")";
    host.evidence.push_back("the CPU name '" + excerpt(e.cpu.model_name, 60) + "' is " + named->id);
  }
  if (host.bandwidth_gb_s <= 0 && e.measured_bandwidth_gb_s.known()) {
    host.confidence = MatchConfidence::estimated;
    host.bandwidth_gb_s = e.measured_bandwidth_gb_s.value;
    host.bandwidth_source = "measured: " + e.measured_bandwidth_gb_s.source;
  }
  if (host.bandwidth_gb_s <= 0) {
    host.confidence = MatchConfidence::unknown;
    host.evidence.push_back("memory bandwidth unknown (no SMBIOS memory configuration, no catalogue CPU): "
                            "measure it with 'llmfit probe-bandwidth'");
    return host;
  }
  if (named != nullptr && bus_known)
    host.evidence.push_back("the CPU name '" + excerpt(e.cpu.model_name, 60) + "' is " + named->id +
                            ": cores, clock and power from it where not read");
  if (named != nullptr && !bus_known) {
    host.spec = with_capacity(*named, host.memory_total_gib);
  } else {
    const HardwareSpec* donor =
        named != nullptr ? named : nearest_by_bandwidth(catalog, HardwareKind::cpu, "", host.bandwidth_gb_s);
    if (donor == nullptr) return host;
    HardwareSpec spec = *donor;
    spec.id = "detected-host";
    spec.name = host.name + " (estimated)";
    spec.vendor = "generic";
    spec.bandwidth_gb_s = host.bandwidth_gb_s;
    spec.memory_type = e.memory.type;
    spec.memory_bus_bits = bus_known ? e.memory.bus_bits : 0;  // a measured figure states no bus
    spec.memory_data_rate_mt_s = bus_known ? e.memory.data_rate_mt_s.value : 0;
    if (cores > 0) spec.cpu_cores = e.cpu.physical_cores > 0 ? std::min(cores, e.cpu.physical_cores) : cores;
    if (e.cpu.simd_bits > 0) spec.cpu_simd_bits = e.cpu.simd_bits;
    if (e.cpu.max_clock_ghz > 0) spec.cpu_clock_ghz = e.cpu.max_clock_ghz;
    std::string compute_from = donor->id;
    if (cores > 0 && e.cpu.max_clock_ghz > 0) {
      spec.fp16_tflops = spec.cpu_cores * cpu_flops_per_clock(spec.cpu_simd_bits) * e.cpu.max_clock_ghz / 1000.0;
      compute_from = fmt::format("{} cores x {:g} FP32 FLOP/clock x {:.2f} GHz", spec.cpu_cores,
                                 cpu_flops_per_clock(spec.cpu_simd_bits), e.cpu.max_clock_ghz);
    }
    spec.price_usd = 0;
    spec.memory_prices_usd.clear();
    spec.memory_prices_source.clear();
    spec.aliases.clear();
    spec.pci_ids.clear();
    spec.idle_w = 0;
    spec.idle_w_source.clear();
    spec.rental_usd_per_hour = 0;
    spec.rental_price_source.clear();
    spec.rental_price_date.clear();
    spec.source = "detected on this machine; compute: " + compute_from + "; power from " + donor->id + " (" +
                  donor->source + ")";
    host.spec = with_capacity(spec, host.memory_total_gib);
    if (named == nullptr) host.evidence.push_back("no catalogue CPU of this name: power from " + donor->id);
  }
  return host;
}

/// One pool of memory for CPU and GPU: Apple Silicon, Strix Halo, DGX Spark. Matched by the chip's name
/// (the CPU brand string, or a GPU's name such as "NVIDIA GB10").
std::optional<IdentifiedDevice> identify_unified(const Catalog& catalog, const MachineEvidence& e,
                                                 std::vector<bool>& gpu_used) {
  // A discrete card is what a machine that has one plans on: its APU's graphics ("Ryzen 9 7940HS w/ Radeon 780M")
  // are then an integrated GPU beside it, not the machine's memory pool.
  if (std::any_of(e.gpus.begin(), e.gpus.end(), [&](const GpuEvidence& gpu) { return listed_discrete(catalog, gpu); }))
    return std::nullopt;
  int cores = 0;
  for (const auto& gpu : e.gpus) cores = std::max(cores, gpu.gpu_cores);
  const HardwareSpec* match = match_hardware_name(catalog, e.cpu.model_name, HardwareKind::unified, cores);
  std::string by = "the CPU name '" + excerpt(e.cpu.model_name, 60) + "'";
  std::size_t gpu_index = e.gpus.size();
  for (std::size_t i = 0; i < e.gpus.size() && match == nullptr; ++i) {
    match = match_hardware_name(catalog, e.gpus[i].name, HardwareKind::unified, e.gpus[i].gpu_cores);
    if (match != nullptr) {
      gpu_index = i;
      by = "the GPU name '" + excerpt(e.gpus[i].name, 60) + "'";
    }
  }
  if (match == nullptr) return std::nullopt;
  IdentifiedDevice device;
  device.role = DeviceRole::unified;
  device.name = e.cpu.model_name.empty() ? match->name : e.cpu.model_name;
  device.catalog_id = match->id;
  device.confidence = MatchConfidence::medium;
  device.evidence.push_back(by + " is " + match->id + (cores > 0 ? fmt::format(" ({} GPU cores)", cores) : ""));
  // The pool is the RAM the OS sees plus what firmware carved out for the GPU (an AMD APU's "VRAM" is
  // taken from the same chips and missing from MemTotal); a GPU that reports no memory of its own (GB10)
  // adds nothing. Each byte is counted once.
  double carve_out_gib = 0;
  double gpu_free_gib = 0;
  for (std::size_t i = 0; i < e.gpus.size(); ++i) {
    // The chip's own GPU: the one named, or one of its vendor that is not a listed discrete card (an eGPU
    // beside an APU stays a card).
    const bool part = i == gpu_index || e.gpus[i].integrated ||
                      (e.gpus[i].vendor == match->vendor && !listed_discrete(catalog, e.gpus[i]));
    if (!part) continue;
    gpu_used[i] = true;
    if (match->vendor == "amd") {
      carve_out_gib += gib(e.gpus[i].memory_total_bytes);
      if (e.gpus[i].memory_free_bytes.known()) gpu_free_gib += gib(e.gpus[i].memory_free_bytes);
    }
  }
  device.memory_total_gib = gib(e.memory.total_bytes) + carve_out_gib;
  if (e.memory.total_bytes.known())
    device.evidence.push_back(format_gib(gib(e.memory.total_bytes)) + " of RAM (" + e.memory.total_bytes.source + ")" +
                              (carve_out_gib > 0 ? " + " + format_gib(carve_out_gib) + " carved out for the GPU" : "") +
                              ": one pool");
  if (e.memory.available_bytes.known()) device.memory_free_gib = gib(e.memory.available_bytes) + gpu_free_gib;
  if (device.memory_total_gib <= 0) {
    device.memory_total_gib = match->default_memory_gib;
    device.evidence.push_back("memory not read: the catalogue's default " + format_gib(match->default_memory_gib));
  }
  device.spec = with_capacity(*match, device.memory_total_gib);
  device.bandwidth_gb_s = match->bandwidth_gb_s;
  device.bandwidth_source = "catalogue " + match->id + " (" + match->source + ")";
  return device;
}

/// A device is offered to plan on only if its entry passes the catalogue's own field rules (specs.hpp
/// validate): a garbled reading (6 bytes of RAM, a 10^20-byte card) leaves it unusable, named in its
/// evidence, rather than making an entry the catalogue would refuse.
IdentifiedDevice usable_or_explained(IdentifiedDevice device) {
  if (device.spec.id.empty()) return device;
  if (const std::string problem = validate(device.spec); !problem.empty()) {
    device.evidence.push_back("the detected figures do not make a valid entry (" + problem +
                              "): not used to plan");
    device.spec = HardwareSpec{};
  }
  return device;
}

}  // namespace

const HardwareSpec* match_hardware_name(const Catalog& catalog, std::string_view name, HardwareKind kind,
                                        int gpu_cores) {
  const std::vector<std::string> detected = name_words(name);
  if (detected.empty()) return nullptr;
  // The resolver of names as people type them first (resolve_names.hpp): it settles "RTX 4090" and
  // "RTX 4090 Laptop GPU". Detected names carry words entries do not ("w/ Radeon 8060S", "16-Core
  // Processor"), and one name may be several chips told apart by GPU cores: those fall through to the rule
  // below, where every word of an entry's name must appear in the detected name.
  if (const HardwareLookup lookup = catalog.look_up_hardware(name);
      lookup.status == NameStatus::found && lookup.choice.hardware != nullptr &&
      lookup.choice.hardware->kind == kind && lookup.choice.count == 1 && lookup.choice.memory_gib == 0 &&
      (gpu_cores == 0 || lookup.choice.hardware->gpu_cores == gpu_cores))
    return lookup.choice.hardware;
  const bool laptop = laptop_name(name);
  const HardwareSpec* best = nullptr;
  std::size_t best_words = 0;
  int best_rank = -1;
  for (const auto& h : catalog.hardware()) {
    if (h.kind != kind) continue;
    std::size_t words = 0;
    for (const auto& candidate : entry_names(h)) {
      if (candidate.empty() || !has_digit(candidate)) continue;
      const bool all = std::all_of(candidate.begin(), candidate.end(), [&](const std::string& w) {
        return std::find(detected.begin(), detected.end(), w) != detected.end();
      });
      if (all) words = std::max(words, candidate.size());
    }
    if (words == 0) continue;
    // Ties: the GPU core count, then the form factor the name states, then the chip over its products.
    const int rank = (gpu_cores > 0 && h.gpu_cores == gpu_cores ? 4 : 0) +
                     ((h.form_factor == FormFactor::laptop) == laptop ? 2 : 0) + (h.variant_of.empty() ? 1 : 0);
    if (words > best_words || (words == best_words && rank > best_rank)) {
      best = &h;
      best_words = words;
      best_rank = rank;
    }
  }
  return best;
}

IdentifiedMachine identify_machine(const Catalog& catalog, const MachineEvidence& e) {
  IdentifiedMachine machine;
  machine.unknowns = e.unknowns;
  std::vector<bool> gpu_used(e.gpus.size(), false);
  std::optional<IdentifiedDevice> unified = identify_unified(catalog, e, gpu_used);
  if (unified) unified = usable_or_explained(std::move(*unified));

  std::vector<IdentifiedDevice> integrated;
  for (std::size_t i = 0; i < e.gpus.size(); ++i) {
    if (gpu_used[i]) continue;
    const GpuEvidence& gpu = e.gpus[i];
    if (integrated_gpu(catalog, gpu)) {
      IdentifiedDevice device;
      device.role = DeviceRole::integrated_gpu;
      device.pci_id = gpu.pci_id;
      device.name = gpu.name.empty() ? "integrated GPU " + gpu.pci_id : gpu.name;
      device.memory_total_gib = gib(gpu.memory_total_bytes);
      device.evidence.push_back(display_only(gpu) ? "a display controller (PCI " + gpu.pci_id + "), not a compute GPU"
                                : "integrated: shares the host's RAM" +
                                      (gpu.pci_id.empty() ? std::string() : " (PCI " + gpu.pci_id + ", not a listed card)"));
      integrated.push_back(std::move(device));
      continue;
    }
    IdentifiedDevice device = usable_or_explained(identify_gpu(catalog, gpu));
    // Identical cards (same entry, same memory) are one device with a count.
    auto same = std::find_if(machine.devices.begin(), machine.devices.end(), [&](const IdentifiedDevice& d) {
      return !d.catalog_id.empty() && d.catalog_id == device.catalog_id &&
             std::abs(d.memory_total_gib - device.memory_total_gib) < 0.5;
    });
    if (same != machine.devices.end()) {
      ++same->count;
      if (same->memory_free_gib >= 0 && device.memory_free_gib >= 0)
        same->memory_free_gib = std::min(same->memory_free_gib, device.memory_free_gib);
      continue;
    }
    machine.devices.push_back(std::move(device));
  }
  // The primary device: the discrete GPU group with the most memory that has a usable entry.
  for (std::size_t i = 0; i < machine.devices.size(); ++i) {
    const auto& d = machine.devices[i];
    if (d.spec.id.empty()) continue;
    if (machine.primary < 0 || d.memory_total_gib * d.count >
                                   machine.devices[static_cast<std::size_t>(machine.primary)].memory_total_gib *
                                       machine.devices[static_cast<std::size_t>(machine.primary)].count)
      machine.primary = static_cast<int>(i);
  }
  if (unified) {
    if (machine.primary >= 0)
      machine.notes.push_back("a discrete GPU next to unified memory: " + field("hardware") +
                              " auto plans on the discrete GPU");
    machine.devices.push_back(std::move(*unified));
    if (machine.primary < 0 && !machine.devices.back().spec.id.empty())
      machine.primary = static_cast<int>(machine.devices.size() - 1);
  } else {
    machine.devices.push_back(usable_or_explained(identify_host(catalog, e)));
    machine.host = static_cast<int>(machine.devices.size() - 1);
    if (machine.primary < 0 && !machine.devices.back().spec.id.empty()) machine.primary = machine.host;
    if (machine.primary < 0 && machine.devices.back().spec.id.empty())
      machine.notes.push_back("no device with a known bandwidth: on this machine " + field("hardware") +
                              " auto measures the CPU and RAM first (probe-bandwidth)");
  }
  int groups = 0;
  for (const auto& d : machine.devices) groups += d.role == DeviceRole::gpu ? 1 : 0;
  if (groups > 1)
    machine.notes.push_back("GPUs of different kinds: " + field("hardware") +
                            " auto plans on the one with the most memory; name the others");
  for (auto& d : integrated) machine.devices.push_back(std::move(d));
  return machine;
}

CatalogData detected_catalog_data(const IdentifiedMachine& machine) {
  if (machine.primary < 0) {
    std::string why = "no device with a known memory bandwidth was detected";
    if (!machine.unknowns.empty()) why += " (" + machine.unknowns.front() + ")";
    throw InputError(field("hardware") + ": auto: " + why +
                     "; see 'llmfit detect', then name the hardware, or measure it with 'llmfit probe-bandwidth' "
                     "and give it a catalogue entry of your own");
  }
  CatalogData data;
  const IdentifiedDevice& primary = machine.devices[static_cast<std::size_t>(machine.primary)];
  HardwareSpec main = primary.spec;
  main.id = std::string(kAutoHardwareId);
  main.name = primary.name + " (this machine" + (primary.catalog_id.empty() ? ", estimated)" : ", " + primary.catalog_id + ")");
  main.aliases.clear();
  main.pci_ids.clear();
  main.variant_of.clear();
  main.variant_stated_fields.clear();
  main.origin = "detected";
  main.notes = join(primary.evidence, "; ");
  const bool host_usable = machine.host >= 0 && machine.host != machine.primary &&
                           !machine.devices[static_cast<std::size_t>(machine.host)].spec.id.empty();
  if (main.kind == HardwareKind::gpu && host_usable) main.default_host = std::string(kAutoHostId);
  data.hardware.push_back(std::move(main));
  if (host_usable) {
    const IdentifiedDevice& host_device = machine.devices[static_cast<std::size_t>(machine.host)];
    HardwareSpec host = host_device.spec;
    host.id = std::string(kAutoHostId);
    host.name = host_device.name + " (this machine's CPU and RAM)";
    host.aliases.clear();
    host.variant_of.clear();
    host.variant_stated_fields.clear();
    host.origin = "detected";
    host.notes = join(host_device.evidence, "; ");
    data.hardware.push_back(std::move(host));
  }
  return data;
}

std::string auto_hardware_name(const IdentifiedMachine& machine) {
  if (machine.primary < 0) return {};
  const int count = machine.devices[static_cast<std::size_t>(machine.primary)].count;
  return std::string(kAutoHardwareId) + (count > 1 ? ":" + std::to_string(count) : "");
}

}  // namespace llmfit
