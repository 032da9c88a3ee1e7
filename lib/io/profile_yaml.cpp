#include "llmfit/io/profile_yaml.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "llmfit/catalog.hpp"
#include "llmfit/errors.hpp"
#include "text_input.hpp"

namespace llmfit {
namespace {

constexpr std::uintmax_t kMaxProfileBytes = 16u * 1024u * 1024u;

[[noreturn]] void fail(const std::string& source, const YAML::Node& at, const std::string& where,
                       const std::string& message) {
  std::ostringstream out;
  out << source;
  if (at && at.Mark().line >= 0) out << ':' << at.Mark().line + 1 << ':' << at.Mark().column + 1;
  out << ": " << where << ": " << message;
  throw InputError(out.str());
}

void check_keys(const std::string& source, const YAML::Node& node, const std::string& where,
                const std::set<std::string>& allowed) {
  if (!node.IsMap()) fail(source, node, where, "must be a mapping");
  for (const auto& item : node) {  // a repeated key was refused by io::load_yaml
    const std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
    if (allowed.count(key) == 0) {
      if (!io::is_plain_name(key))  // another file's line (a password file's) is never echoed
        fail(source, item.first, where, io::quoted_name(key) + ": not a profile key");
      const auto hint = closest_matches(key, std::vector<std::string>(allowed.begin(), allowed.end()), 1);
      fail(source, item.first, where + "." + key,
           "unknown key" + (hint.empty() ? std::string() : " (did you mean '" + hint[0] + "'?)"));
    }
  }
}

double read_number(const std::string& source, const YAML::Node& node, const std::string& where, double low,
                   double high) {
  if (!node.IsScalar()) fail(source, node, where, "must be a number");
  const std::string& text = node.Scalar();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
    fail(source, node, where, "must be a finite number, not '" + text.substr(0, 40) + "'");
  if (value < low || value > high)
    fail(source, node, where, fmt::format("{:g} is out of range [{:g}, {:g}]", value, low, high));
  return value;
}

int read_whole_number(const std::string& source, const YAML::Node& node, const std::string& where, int low,
                      int high) {
  const double value = read_number(source, node, where, low, high);
  if (value != std::floor(value)) fail(source, node, where, "must be a whole number");
  return static_cast<int>(value);
}

std::string format_number(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

}  // namespace

EfficiencyProfile parse_profile_yaml(std::string_view text, const std::string& source) {
  const YAML::Node root = io::load_yaml(text, source, "a profile needs 5");
  if (!root || !root.IsMap()) throw InputError(source + ": expected a mapping with 'schema: 1' and 'profile:'");
  EfficiencyProfile profile;
  try {
    check_keys(source, root, "profile file", {"schema", "profile", "report"});
    if (!root["schema"] || !root["schema"].IsScalar() || root["schema"].Scalar() != "1")
      fail(source, root, "schema", "missing or unsupported (this llmfit reads schema 1)");
    const YAML::Node body = root["profile"];
    if (!body) fail(source, root, "profile", "missing");
    check_keys(source, body, "profile", {"name", "source", "unmeasured", "entries"});
    if (body["name"] && body["name"].IsScalar()) profile.name = body["name"].Scalar();
    if (body["source"] && body["source"].IsScalar()) profile.source = body["source"].Scalar();
    if (const YAML::Node none = body["unmeasured"]) {
      // Groups without runs: how far the fit misses a class it never saw (leave-one-class-out).
      if (!none.IsMap()) fail(source, none, "profile.unmeasured", "must be a mapping");
      check_keys(source, none, "profile.unmeasured", {"decode_relative_error", "prefill_relative_error", "basis"});
      for (const char* name : {"decode_relative_error", "prefill_relative_error"})
        if (!none[name]) fail(source, none, std::string("profile.unmeasured.") + name, "missing");
      profile.unmeasured.known = true;
      profile.unmeasured.decode_relative_error =
          read_number(source, none["decode_relative_error"], "profile.unmeasured.decode_relative_error", 0, 100);
      profile.unmeasured.prefill_relative_error =
          read_number(source, none["prefill_relative_error"], "profile.unmeasured.prefill_relative_error", 0, 100);
      if (none["basis"] && none["basis"].IsScalar()) profile.unmeasured.basis = none["basis"].Scalar();
    }
    const YAML::Node entries = body["entries"];
    if (!entries || !entries.IsSequence() || entries.size() == 0)
      fail(source, body, "profile.entries", "must be a non-empty list");
    if (entries.size() > 10'000) fail(source, entries, "profile.entries", "more than 10000 entries");
    std::size_t index = 0;
    for (const auto& node : entries) {
      const std::string where = "profile.entries[" + std::to_string(index++) + "]";
      check_keys(source, node, where,
                 {"backend", "api", "hardware_class", "era", "gpu_family", "fitted_runs", "decode_relative_error",
                  "prefill_relative_error", "uncertainty_basis", "constants", "note"});
      ProfileEntry entry;
      if (!node["backend"] || !node["backend"].IsScalar()) fail(source, node, where + ".backend", "missing");
      const auto backend = parse_backend(node["backend"].Scalar());
      if (!backend)
        fail(source, node["backend"], where + ".backend",
             "unknown engine '" + node["backend"].Scalar().substr(0, 40) + "'");
      entry.backend = *backend;
      if (node["api"]) {
        const auto api = node["api"].IsScalar() ? parse_device_api(node["api"].Scalar()) : std::nullopt;
        if (!api) fail(source, node["api"], where + ".api", "not one of " + enum_choices<DeviceApi>());
        entry.api = api;
      }
      if (node["hardware_class"]) {
        const auto hw_class =
            node["hardware_class"].IsScalar() ? parse_hardware_class(node["hardware_class"].Scalar()) : std::nullopt;
        if (!hw_class)
          fail(source, node["hardware_class"], where + ".hardware_class",
               "not one of " + enum_choices<HardwareClass>());
        entry.hardware_class = hw_class;
      }
      // Start from the literature default of this backend (and class), then apply what is given.
      entry.constants = default_efficiency_profile()
                            .lookup(entry.backend, entry.api.value_or(DeviceApi::cuda),
                                    entry.hardware_class.value_or(HardwareClass::nvidia_consumer))
                            .constants;
      if (node["fitted_runs"])
        entry.fitted_runs = read_whole_number(source, node["fitted_runs"], where + ".fitted_runs", 0, 1'000'000'000);
      if (node["decode_relative_error"]) {
        entry.uncertainty.known = true;
        entry.uncertainty.decode_relative_error =
            read_number(source, node["decode_relative_error"], where + ".decode_relative_error", 0, 100);
      }
      if (node["prefill_relative_error"]) {
        entry.uncertainty.known = true;
        entry.uncertainty.prefill_relative_error =
            read_number(source, node["prefill_relative_error"], where + ".prefill_relative_error", 0, 100);
      }
      if (node["uncertainty_basis"] && node["uncertainty_basis"].IsScalar())
        entry.uncertainty.basis = node["uncertainty_basis"].Scalar();
      if (node["note"] && node["note"].IsScalar()) entry.note = node["note"].Scalar();
      if (node["era"]) {
        if (!node["era"].IsScalar() || node["era"].Scalar().empty())
          fail(source, node["era"], where + ".era", "must be a non-empty name such as 2024");
        entry.era = node["era"].Scalar();
      }
      if (node["gpu_family"]) {
        if (!node["gpu_family"].IsScalar() || node["gpu_family"].Scalar().empty() || !entry.hardware_class)
          fail(source, node["gpu_family"], where + ".gpu_family",
               "must be a non-empty GPU family such as apple8, in an entry with a hardware_class");
        entry.gpu_family = node["gpu_family"].Scalar();
      }
      if (const YAML::Node constants = node["constants"]) {
        std::set<std::string> allowed{"kernel_efficiency", "cpu_kernel_cycles", "cpu_prefill_cycles",
                                      "micro_batch_tokens"};
        for (const auto& field : kConstantFields) allowed.emplace(field.name);
        check_keys(source, constants, where + ".constants", allowed);
        for (const auto& field : kConstantFields)
          if (const std::string name(field.name); constants[name])
            entry.constants.*(field.member) =
                read_number(source, constants[name], where + ".constants." + name, field.low, field.high);
        // Profiles written before batched decode had a constant for the matrix-matrix kernels: every batch ran at
        // batch_compute_efficiency.
        if (constants["batch_compute_efficiency"] && !constants["batch_gemm_compute_efficiency"])
          entry.constants.batch_gemm_compute_efficiency = entry.constants.batch_compute_efficiency;
        // ... and before the expert tiles had a stream share: the routed experts streamed like the other weights.
        if (constants["weight_bandwidth_efficiency"] && !constants["expert_gemm_bandwidth_efficiency"])
          entry.constants.expert_gemm_bandwidth_efficiency = entry.constants.weight_bandwidth_efficiency;
        if (constants["weight_bandwidth_efficiency"] && !constants["batch_gemm_bandwidth_efficiency"])
          entry.constants.batch_gemm_bandwidth_efficiency = entry.constants.weight_bandwidth_efficiency;
        // Profiles written before attention had its own constant: attention ran at compute_efficiency.
        if (constants["compute_efficiency"] && !constants["attention_compute_efficiency"])
          entry.constants.attention_compute_efficiency = entry.constants.compute_efficiency;
        // ... and before flash attention had one: fused attention ran at the GEMMs' rate.
        if (constants["compute_efficiency"] && !constants["flash_attention_compute_efficiency"])
          entry.constants.flash_attention_compute_efficiency = entry.constants.compute_efficiency;
        // ... and before CPU prefill attention had cycles of its own: it ran at the attention shares of the cores'
        // FP32 FMA peak (16 FLOP per clock and SIMD unit, 2 a multiply-add): 1 / (8 × share) cycles a multiply-add.
        if (!constants["cpu_prefill_attention_cycles_per_mac"] && entry.constants.attention_compute_efficiency > 0)
          entry.constants.cpu_prefill_attention_cycles_per_mac = 1.0 / (8.0 * entry.constants.attention_compute_efficiency);
        if (!constants["cpu_prefill_flash_attention_cycles_per_mac"] &&
            entry.constants.flash_attention_compute_efficiency > 0)
          entry.constants.cpu_prefill_flash_attention_cycles_per_mac =
              1.0 / (8.0 * entry.constants.flash_attention_compute_efficiency);
        // ... and before flash attention on the vector ALUs had one: the same share as on the matrix units.
        if (!constants["vector_flash_attention_compute_efficiency"])
          entry.constants.vector_flash_attention_compute_efficiency = entry.constants.flash_attention_compute_efficiency;
        // ... and before float-weight GEMMs had one: they ran at the quantised GEMMs' rate.
        if (constants["compute_efficiency"] && !constants["float_compute_efficiency"])
          entry.constants.float_compute_efficiency = entry.constants.compute_efficiency;
        // ... and before float routed experts had one: they ran at the dense float GEMMs' rate.
        if (!constants["float_expert_compute_efficiency"])
          entry.constants.float_expert_compute_efficiency = entry.constants.float_compute_efficiency;
        // ... and before GEMMs on the vector ALUs had one: they ran at the quantised GEMMs' rate.
        if (!constants["vector_compute_efficiency"])
          entry.constants.vector_compute_efficiency = entry.constants.compute_efficiency;
        // ... and before Vulkan's quantised GEMMs on AMD had one: the quantised GEMMs' rate.
        if (!constants["vector_quantised_compute_efficiency"])
          entry.constants.vector_quantised_compute_efficiency = entry.constants.compute_efficiency;
        if (constants["micro_batch_tokens"])
          entry.constants.micro_batch_tokens = read_whole_number(
              source, constants["micro_batch_tokens"], where + ".constants.micro_batch_tokens",
              kMicroBatchTokensRange.first, kMicroBatchTokensRange.second);
        // One value per kernel family, by its name: kernel_efficiency and cpu_kernel_cycles.
        auto read_kernels = [&](const char* key, auto& values, std::pair<double, double> range) {
          const YAML::Node kernels = constants[key];
          if (!kernels) return;
          std::set<std::string> names;
          for (QuantKernel k : kAllQuantKernels) names.insert(std::string(to_string(k)));
          check_keys(source, kernels, where + ".constants." + key, names);
          for (QuantKernel k : kAllQuantKernels) {
            const std::string name(to_string(k));
            if (kernels[name])
              values[static_cast<std::size_t>(k)] = read_number(
                  source, kernels[name], where + ".constants." + key + "." + name, range.first, range.second);
          }
        };
        read_kernels("kernel_efficiency", entry.constants.kernel_efficiency, kKernelEfficiencyRange);
        read_kernels("cpu_kernel_cycles", entry.constants.cpu_kernel_cycles, kCpuKernelCyclesRange);
        read_kernels("cpu_prefill_cycles", entry.constants.cpu_prefill_cycles, kCpuKernelCyclesRange);
        // Profiles written before BF16 experts at decode on Vulkan had a constant: they streamed as the other float
        // weights.
        if (!constants["matmul_id_decode_bandwidth_efficiency"])
          entry.constants.matmul_id_decode_bandwidth_efficiency =
              entry.constants.weight_bandwidth_efficiency * entry.constants.kernel(QuantKernel::float_);
      }
      profile.entries.push_back(std::move(entry));
    }
  } catch (const YAML::Exception& e) {
    throw InputError(source + ": " + e.msg);
  }
  return profile;
}

std::string calibrated_profile_document(const CalibrationReport& report, const std::vector<RunCase>& cases) {
  const std::string document =
      "# Written by 'llmfit calibrate'; read with " + field("calibration_profile") + ". Efficiencies are shares of\n"
      "# peak bandwidth or tensor FLOPs, costs are microseconds; see docs/calibration.md.\n" +
      profile_to_yaml(report.profile) + calibration_report_yaml(report);
  try {
    (void)parse_profile_yaml(document, "the fitted profile");
  } catch (const InputError& e) {
    std::string worst;
    if (!report.worst.empty() && report.worst.front().case_index < cases.size()) {
      const RunError& w = report.worst.front();
      const MeasuredRun& run = *cases[w.case_index].run;
      worst = fmt::format("; the worst-fitting run is {} record {} (measured {:.3g} tokens/s, fitted {:.3g}): check "
                          "its units or leave it out",
                          run.file, run.index, w.measured_tok_s, w.predicted_tok_s);
    }
    throw InputError("calibrate: no profile written, it would not be readable: " + e.message() + worst);
  }
  return document;
}

namespace {

/// A YAML node as JSON: scalars that read whole as numbers (or true/false) become numbers (booleans), the
/// rest strings. For documents llmfit wrote itself, whose scalars are plain.
nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) object[item.first.Scalar()] = yaml_to_json(item.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(yaml_to_json(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() != "!" && (text == "true" || text == "false")) return text == "true";
      double value = 0;
      const char* end = text.data() + text.size();
      const auto [stop, error] = std::from_chars(text.data(), end, value);
      if (node.Tag() != "!" && !text.empty() && error == std::errc() && stop == end && std::isfinite(value)) {
        std::int64_t whole = 0;
        const auto [whole_stop, whole_error] = std::from_chars(text.data(), end, whole);
        if (whole_error == std::errc() && whole_stop == end) return whole;
        return value;
      }
      return text;
    }
    default: return nullptr;
  }
}

}  // namespace

std::string calibrated_profile_json(const CalibrationReport& report, const std::vector<RunCase>& cases) {
  const nlohmann::json doc = yaml_to_json(YAML::Load(calibrated_profile_document(report, cases)));
  std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  (void)parse_profile_yaml(text, "the fitted profile (JSON)");  // what --calibration will read
  return text;
}

EfficiencyProfile load_profile_path(const std::string& path) {
  return parse_profile_yaml(io::read_text_file(path, kMaxProfileBytes, "not a profile"), path);
}

std::string profile_to_yaml(const EfficiencyProfile& profile) {
  std::ostringstream out;
  out << "schema: 1\nprofile:\n";
  out << "  name: " << YAML::Dump(YAML::Node(profile.name)) << "\n";
  out << "  source: " << YAML::Dump(YAML::Node(profile.source)) << "\n";
  if (profile.unmeasured.known) {
    out << "  unmeasured:\n";
    out << "    decode_relative_error: " << format_number(profile.unmeasured.decode_relative_error) << "\n";
    out << "    prefill_relative_error: " << format_number(profile.unmeasured.prefill_relative_error) << "\n";
    if (!profile.unmeasured.basis.empty()) out << "    basis: " << YAML::Dump(YAML::Node(profile.unmeasured.basis)) << "\n";
  }
  out << "  entries:\n";
  for (const auto& entry : profile.entries) {
    out << "    - backend: " << to_string(entry.backend) << "\n";
    if (entry.api) out << "      api: " << to_string(*entry.api) << "\n";
    if (entry.hardware_class) out << "      hardware_class: " << to_string(*entry.hardware_class) << "\n";
    if (!entry.era.empty()) out << "      era: " << YAML::Dump(YAML::Node(entry.era)) << "\n";
    if (!entry.gpu_family.empty()) out << "      gpu_family: " << YAML::Dump(YAML::Node(entry.gpu_family)) << "\n";
    out << "      fitted_runs: " << entry.fitted_runs << "\n";
    if (entry.uncertainty.known) {
      out << "      decode_relative_error: " << format_number(entry.uncertainty.decode_relative_error) << "\n";
      out << "      prefill_relative_error: " << format_number(entry.uncertainty.prefill_relative_error) << "\n";
      if (!entry.uncertainty.basis.empty())
        out << "      uncertainty_basis: " << YAML::Dump(YAML::Node(entry.uncertainty.basis)) << "\n";
    }
    if (!entry.note.empty()) out << "      note: " << YAML::Dump(YAML::Node(entry.note)) << "\n";
    out << "      constants:\n";
    for (const auto& field : kConstantFields)
      out << "        " << field.name << ": " << format_number(entry.constants.*(field.member)) << "\n";
    out << "        micro_batch_tokens: " << entry.constants.micro_batch_tokens << "\n";
    auto write_kernels = [&](const char* key, const auto& values) {
      out << "        " << key << ": {";
      bool first = true;
      for (QuantKernel k : kAllQuantKernels) {
        out << (first ? "" : ", ") << to_string(k) << ": " << format_number(values[static_cast<std::size_t>(k)]);
        first = false;
      }
      out << "}\n";
    };
    write_kernels("kernel_efficiency", entry.constants.kernel_efficiency);
    write_kernels("cpu_kernel_cycles", entry.constants.cpu_kernel_cycles);
    write_kernels("cpu_prefill_cycles", entry.constants.cpu_prefill_cycles);
  }
  return out.str();
}

std::string calibration_report_yaml(const CalibrationReport& report) {
  auto number = [](double x) { return fmt::format("{:.4g}", x); };
  auto summary = [&](const ErrorSummary& s) {
    return fmt::format("{{n: {}, mape_pct: {}, median_ape_pct: {}}}", s.n, number(s.mape_pct), number(s.median_ape_pct));
  };
  std::string out = "report:\n";
  out += fmt::format("  runs: {{decode: {}, prefill: {}, chips: {}, offloaded_not_fitted: {}}}\n", report.decode_runs,
                     report.prefill_runs, report.hardware_count, report.offloaded_runs);
  const std::string cv_key = "leave_one_" + report.cross_validation_unit + "_out";
  out += "  decode: {before: " + summary(report.decode_before) + ", after: " + summary(report.decode_after) + ", " +
         cv_key + ": " + summary(report.decode_cv) + "}\n";
  out += "  prefill: {before: " + summary(report.prefill_before) + ", after: " + summary(report.prefill_after) + ", " +
         cv_key + ": " + summary(report.prefill_cv) + "}\n";
  if (!report.cv_groups.empty()) {
    out += "  " + cv_key + "_by_group:\n";
    for (const GroupError& g : report.cv_groups)
      out += fmt::format("    - {{group: {}, test: {}, n: {}, chips: {}, folds: {}, mape_pct: {}, median_ape_pct: {}, "
                         "signed_pct: {}}}\n",
                         YAML::Dump(YAML::Node(g.label)), test_name(g), g.n, g.chips, g.folds, number(g.mape_pct),
                         number(g.median_ape_pct), number(g.signed_pct));
  }
  out += "  groups:\n";
  for (const GroupFit& g : report.groups) {
    out += "    - group: " + YAML::Dump(YAML::Node(g.label)) + "\n";
    out += fmt::format("      runs: {{decode: {}, prefill: {}, chips: {}}}\n", g.decode_runs, g.prefill_runs,
                       g.hardware_count);
    for (const auto* list : {&g.decode, &g.prefill}) {
      out += list == &g.decode ? "      decode:\n" : "      prefill:\n";
      for (const auto& e : *list)
        out += fmt::format("        {}: {{value: {}, standard_error: {}, status: {}}}\n", e.name, number(e.value),
                           number(e.standard_error), YAML::Dump(YAML::Node(e.status)));
    }
  }
  if (!report.notes.empty()) {
    out += "  notes:\n";
    for (const auto& note : report.notes) out += "    - " + YAML::Dump(YAML::Node(note)) + "\n";
  }
  return out;
}

}  // namespace llmfit
