// `llmfit detect` and `llmfit probe-bandwidth` as text and JSON.
#include "llmfit/report/detect.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"
#include "table.hpp"

namespace llmfit {
namespace {

using nlohmann::json;

constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;

/// A figure, or null when unknown (0 or negative): JSON never shows an unknown as a number.
json known_or_null(double value, double scale = 1) { return value > 0 ? json(value / scale) : json(nullptr); }
json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json device_json(const IdentifiedDevice& d) {
  return {{"role", enum_name(d.role)},
          {"name", d.name},
          {"pci_id", text_or_null(d.pci_id)},
          {"catalog_id", text_or_null(d.catalog_id)},
          {"confidence", enum_name(d.confidence)},
          {"count", d.count},
          {"memory_total_gib", known_or_null(d.memory_total_gib)},
          {"memory_free_gib", d.memory_free_gib >= 0 ? json(d.memory_free_gib) : json(nullptr)},
          {"bandwidth_gb_s", known_or_null(d.bandwidth_gb_s)},
          {"bandwidth_source", text_or_null(d.bandwidth_source)},
          {"usable", !d.spec.id.empty()},
          {"evidence", d.evidence}};
}

std::string gib_text(double gib) { return gib > 0 ? fmt::format("{:.1f} GiB", gib) : "unknown"; }

std::string sources_text(const std::vector<std::string>& sources) {
  return sources.empty() ? "" : "  [" + join(sources, ", ") + "]";
}

}  // namespace

std::string render_detected(const MachineEvidence& e, const IdentifiedMachine& m, Format format) {
  const std::string hw_auto = auto_hardware_name(m);
  const bool host_usable = m.host >= 0 && m.host != m.primary && !m.devices[static_cast<std::size_t>(m.host)].spec.id.empty();
  if (format == Format::json) {
    json devices = json::array();
    for (const auto& d : m.devices) devices.push_back(device_json(d));
    const json doc = {
        {"os", e.os},
        {"product", text_or_null(e.product)},
        {"cpu",
         {{"model", text_or_null(e.cpu.model_name)},
          {"arch", text_or_null(e.cpu.arch)},
          {"logical_cpus", known_or_null(e.cpu.logical_cpus)},
          {"physical_cores", known_or_null(e.cpu.physical_cores)},
          {"usable_cpus", known_or_null(e.cpu.usable_cpus)},
          {"simd_bits", known_or_null(e.cpu.simd_bits)},
          {"max_clock_ghz", known_or_null(e.cpu.max_clock_ghz)},
          {"sources", e.cpu.sources}}},
        {"memory",
         {{"total_gib", known_or_null(e.memory.total_bytes.value, kBytesPerGib)},
          {"available_gib", known_or_null(e.memory.available_bytes.value, kBytesPerGib)},
          {"type", text_or_null(e.memory.type)},
          {"data_rate_mt_s", known_or_null(e.memory.data_rate_mt_s.value)},
          {"channels", known_or_null(e.memory.channels)},
          {"bus_bits", known_or_null(e.memory.bus_bits)},
          {"modules", known_or_null(e.memory.modules)},
          {"sources", e.memory.sources}}},
        {"devices", devices},
        {"hw_auto", text_or_null(hw_auto)},
        {"host_auto", host_usable ? json(std::string(kAutoHostId)) : json(nullptr)},
        {"unknowns", m.unknowns},
        {"notes", m.notes}};
    return report::json_text(doc);
  }
  std::string out;
  const auto& c = e.cpu;
  out += fmt::format("CPU      {}", c.model_name.empty() ? "unknown" : c.model_name);
  std::vector<std::string> cpu_facts;
  if (c.logical_cpus > 0) cpu_facts.push_back(fmt::format("{} logical CPUs", c.logical_cpus));
  if (c.physical_cores > 0) cpu_facts.push_back(fmt::format("{} cores", c.physical_cores));
  if (c.usable_cpus > 0) cpu_facts.push_back(fmt::format("{} usable by this process", c.usable_cpus));
  if (c.simd_bits > 0) cpu_facts.push_back(fmt::format("{}-bit SIMD", c.simd_bits));
  if (c.max_clock_ghz > 0) cpu_facts.push_back(fmt::format("{:.2f} GHz max", c.max_clock_ghz));
  out += (cpu_facts.empty() ? "" : ": " + join(cpu_facts, ", ")) + sources_text(c.sources) + "\n";
  const auto& mem = e.memory;
  out += fmt::format("Memory   {} total, {} available", gib_text(mem.total_bytes.value / kBytesPerGib),
                     gib_text(mem.available_bytes.value / kBytesPerGib));
  if (!mem.type.empty() || mem.data_rate_mt_s.known())
    out += fmt::format("; {} {}", mem.type.empty() ? "memory" : mem.type,
                       mem.data_rate_mt_s.known() ? fmt::format("{:g} MT/s", mem.data_rate_mt_s.value) : "");
  if (mem.channels > 0) out += fmt::format(", {} channels ({}-bit)", mem.channels, mem.bus_bits);
  out += sources_text(mem.sources) + "\n";
  if (!e.product.empty()) out += "System   " + e.product + "\n";
  out += "\nDevices\n";
  for (const auto& d : m.devices) {
    out += fmt::format("  {:<15} {}{}", enum_name(d.role), d.name, d.count > 1 ? fmt::format(" x{}", d.count) : "");
    if (!d.pci_id.empty()) out += " [" + d.pci_id + "]";
    if (!d.catalog_id.empty())
      out += fmt::format(" -> {} ({} confidence)", d.catalog_id, enum_name(d.confidence));
    else if (d.role != DeviceRole::integrated_gpu)
      out += fmt::format(" -> {}", enum_name(d.confidence));
    out += "\n";
    if (d.role != DeviceRole::integrated_gpu) {
      out += fmt::format("  {:<15} memory {}, {} free", "", gib_text(d.memory_total_gib),
                         d.memory_free_gib >= 0 ? gib_text(d.memory_free_gib) : "unknown");
      out += d.bandwidth_gb_s > 0 ? fmt::format("; bandwidth {:g} GB/s from {}", d.bandwidth_gb_s, d.bandwidth_source)
                                  : "; bandwidth unknown";
      out += "\n";
    }
    for (const auto& why : d.evidence) out += fmt::format("  {:<15}   {}\n", "", why);
  }
  out += "\n";
  if (hw_auto.empty())
    out += field("hardware") + " auto: no usable device (see the unknowns)\n";
  else
    out += fmt::format("{} auto = {}{}\n", field("hardware"), hw_auto,
                       host_usable ? fmt::format(", offloading to {}", kAutoHostId) : "");
  for (const auto& note : m.notes) out += "note: " + note + "\n";
  for (const auto& unknown : m.unknowns) out += "unknown: " + unknown + "\n";
  return out;
}

std::string render_bandwidth_probe(const BandwidthProbe& p, const IdentifiedDevice* reference, Format format) {
  const bool has_reference = reference != nullptr && reference->bandwidth_gb_s > 0;
  if (format == Format::json) {
    const json doc = {{"read_gb_s", p.read_gb_s},
                      {"threads", p.threads},
                      {"buffer_bytes", p.buffer_bytes},
                      {"llc_bytes", known_or_null(p.llc_bytes)},
                      {"passes", p.passes},
                      {"seconds", p.seconds},
                      {"datasheet_gb_s", has_reference ? json(reference->bandwidth_gb_s) : json(nullptr)},
                      {"datasheet_source", has_reference ? json(reference->bandwidth_source) : json(nullptr)},
                      {"measured_share_of_datasheet",
                       has_reference ? json(p.read_gb_s / reference->bandwidth_gb_s) : json(nullptr)}};
    return report::json_text(doc);
  }
  std::string out = fmt::format("Measured read bandwidth  {:.1f} GB/s  ({} threads, {:.0f} MiB buffer, best of {} passes, "
                                "{:.2f} s)\n",
                                p.read_gb_s, p.threads, p.buffer_bytes / 1048576.0, p.passes, p.seconds);
  if (has_reference)
    out += fmt::format("Datasheet                {:g} GB/s  ({}: {})\nMeasured / datasheet     {:.0f} %\n",
                       reference->bandwidth_gb_s, reference->name, reference->bandwidth_source,
                       100 * p.read_gb_s / reference->bandwidth_gb_s);
  else
    out += "Datasheet                unknown (no catalogue match and no SMBIOS memory configuration)\n";
  return out;
}

}  // namespace llmfit
