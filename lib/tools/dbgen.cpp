// Build-time step: validates the shipped YAML catalogues and compiles them into C++ tables, so the
// binary never parses YAML at start-up (yaml-cpp needs 10-14 ms for the shipped files).
// Usage: llmfit-dbgen OUTPUT.cpp FILE.yaml...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/io/catalog_yaml.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/io/profile_yaml.hpp"
#include "llmfit/profile.hpp"

namespace {

using namespace llmfit;

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

/// Lists (aliases, memory options, APIs) become named constant arrays that the rows point to, so the
/// whole catalogue is constant data: no code runs for it until fill_builtin_catalog() copies it.
class ListArrays {
 public:
  std::string add(const char* element_type, const std::vector<std::string>& literals) {
    if (literals.empty()) return "{}";
    const std::string name = "kList" + std::to_string(count_++);
    out_ << "constexpr " << element_type << " " << name << "[] = {";
    for (std::size_t i = 0; i < literals.size(); ++i) out_ << (i ? ", " : "") << literals[i];
    out_ << "};\n";
    return name;
  }
  [[nodiscard]] std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  int count_ = 0;
};

std::string strings(ListArrays& lists, const std::vector<std::string>& items) {
  std::vector<std::string> literals;
  for (const auto& item : items) literals.push_back(quoted(item));
  return lists.add("std::string_view", literals);
}

std::string numbers(ListArrays& lists, const std::vector<double>& items) {
  std::vector<std::string> literals;
  for (double item : items) literals.push_back(number(item));
  return lists.add("double", literals);
}

std::string enum_name(std::string_view name) {
  std::string out(name);
  for (auto& c : out)
    if (c == '-') c = '_';
  return out;
}

std::string builtin_origin(const std::string& origin) {
  return "builtin:" + std::filesystem::path(origin).parent_path().filename().string() + "/" +
         std::filesystem::path(origin).filename().string();
}

void write_hardware(std::ostream& out, ListArrays& lists, const HardwareSpec& h) {
  std::vector<std::string> api_names;
  for (DeviceApi api : h.apis) api_names.push_back("DeviceApi::" + enum_name(to_string(api)));
  const std::string apis = lists.add("DeviceApi", api_names);
  out << "    {.id = " << quoted(h.id) << ", .name = " << quoted(h.name)
      << ", .vendor = " << quoted(h.vendor) << ", .kind = HardwareKind::" << enum_name(to_string(h.kind))
      << ", .memory_options_gib = " << numbers(lists, h.memory_options_gib)
      << ", .default_memory_gib = " << number(h.default_memory_gib) << ", .bandwidth_gb_s = " << number(h.bandwidth_gb_s)
      << ", .fp16_tflops = " << number(h.fp16_tflops) << ", .int8_tops = " << number(h.int8_tops)
      << ", .gpu_cores = " << h.gpu_cores << ", .form_factor = FormFactor::" << enum_name(to_string(h.form_factor))
      << ", .sustained_fraction = " << number(h.sustained_fraction)
      << ", .throttle_onset_s = " << number(h.throttle_onset_s)
      << ", .has_thermal_data = " << (h.has_thermal_data ? "true" : "false") << ", .tdp_w = " << number(h.tdp_w)
      << ", .price_usd = " << number(h.price_usd) << ", .apis = " << apis
      << ", .default_host = " << quoted(h.default_host) << ", .gpu_memory_fraction = " << number(h.gpu_memory_fraction)
      << ", .aliases = " << strings(lists, h.aliases) << ", .source = " << quoted(h.source)
      << ", .notes = " << quoted(h.notes) << ", .origin = " << quoted(builtin_origin(h.origin)) << "},\n";
}

void write_model(std::ostream& out, ListArrays& lists, const ModelSpec& m) {
  out << "    {.id = " << quoted(m.id) << ", .name = " << quoted(m.name)
      << ", .family = " << quoted(m.family) << ", .params_b = " << number(m.params_b)
      << ", .active_params_b = " << number(m.active_params_b) << ", .layers = " << m.layers
      << ", .hidden_size = " << m.hidden_size << ", .intermediate_size = " << m.intermediate_size
      << ", .attention_heads = " << m.attention_heads << ", .kv_heads = " << m.kv_heads
      << ", .head_dim = " << m.head_dim << ", .vocab_size = " << m.vocab_size
      << ", .tied_embeddings = " << (m.tied_embeddings ? "true" : "false") << ", .max_context = " << m.max_context
      << ", .default_quant = " << quoted(m.default_quant) << ",\n      .moe = MoeSpec{" << m.moe.experts << ", "
      << m.moe.experts_per_token << ", " << m.moe.expert_intermediate_size << ", " << m.moe.shared_experts << ", "
      << m.moe.shared_expert_intermediate_size << ", " << m.moe.dense_layers << "}, .attention = AttentionSpec{"
      << m.attention.sliding_window_layers << ", " << m.attention.sliding_window << ", "
      << m.attention.linear_attention_layers << ", " << m.attention.linear_key_heads << ", "
      << m.attention.linear_value_heads << ", " << m.attention.linear_key_head_dim << ", "
      << m.attention.linear_value_head_dim << ", " << m.attention.linear_conv_kernel << "}, .mla = MlaSpec{"
      << m.mla.kv_lora_rank << ", " << m.mla.q_lora_rank << ", " << m.mla.qk_nope_head_dim << ", "
      << m.mla.qk_rope_head_dim << ", " << m.mla.v_head_dim << "},\n      .aliases = " << strings(lists, m.aliases)
      << ", .source = " << quoted(m.source) << ", .notes = " << quoted(m.notes)
      << ", .origin = " << quoted(builtin_origin(m.origin)) << "},\n";
}

void write_quant(std::ostream& out, ListArrays& lists, const QuantSpec& q) {
  out << "    {.id = " << quoted(q.id) << ", .name = " << quoted(q.name)
      << ", .format = QuantFormat::" << enum_name(to_string(q.format))
      << ", .kernel = QuantKernel::" << (q.kernel == QuantKernel::float_ ? "float_" : enum_name(to_string(q.kernel)))
      << ", .bits_per_weight = " << number(q.bits_per_weight)
      << ", .expert_bits_per_weight = " << number(q.expert_bits_per_weight)
      << ", .embedding_bits_per_weight = " << number(q.embedding_bits_per_weight)
      << ", .output_bits_per_weight = " << number(q.output_bits_per_weight)
      << ", .short_forms = " << strings(lists, q.short_forms)
      << ", .quality_ppl_increase_pct = " << number(q.quality_ppl_increase_pct)
      << ", .quality_source = " << quoted(q.quality_source) << ", .source = " << quoted(q.source)
      << ", .notes = " << quoted(q.notes) << ", .origin = " << quoted(builtin_origin(q.origin)) << "},\n";
}

/// `constexpr Row name[] = {rows};`, or an empty span when there are no rows (no zero-size arrays).
std::string table(const char* row_type, const char* name, const std::string& rows) {
  if (rows.empty()) return std::string("constexpr std::span<const ") + row_type + "> " + name + "{};\n";
  return std::string("constexpr ") + row_type + " " + name + "[] = {\n" + rows + "};\n";
}

void write_atomically(const std::string& output, const std::string& text) {
  // Write to a temporary file and rename, so a failed run never leaves half a table.
  const std::string temporary = output + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, output);
}

/// The shipped calibration profile as C++ statements.
std::string profile_source(const std::vector<std::string>& paths) {
  std::ostringstream out;
  out << "// Generated by llmfit-dbgen from profiles/default.yaml. Do not edit.\n"
      << "#include \"llmfit/profile.hpp\"\n\nnamespace llmfit::detail {\n\n"
      << "void fill_shipped_profile([[maybe_unused]] EfficiencyProfile& profile) {\n";
  for (const auto& path : paths) {
    const EfficiencyProfile profile = load_profile_path(path);
    out << "  profile.name = " << quoted(profile.name) << ";\n  profile.source = " << quoted(profile.source) << ";\n";
    for (const auto& e : profile.entries) {
      const auto& k = e.constants;
      out << "  {\n    ProfileEntry e;\n    e.backend = Backend::" << enum_name(to_string(e.backend) == "llama.cpp" ? "llama_cpp" : to_string(e.backend)) << ";\n";
      if (e.api) out << "    e.api = DeviceApi::" << enum_name(to_string(*e.api)) << ";\n";
      if (e.hardware_class) out << "    e.hardware_class = HardwareClass::" << enum_name(to_string(*e.hardware_class)) << ";\n";
      out << "    e.constants.weight_bandwidth_efficiency = " << number(k.weight_bandwidth_efficiency) << ";\n"
          << "    e.constants.kernel_efficiency = {";
      for (std::size_t i = 0; i < k.kernel_efficiency.size(); ++i) out << (i ? ", " : "") << number(k.kernel_efficiency[i]);
      out << "};\n"
          << "    e.constants.kv_bandwidth_efficiency = " << number(k.kv_bandwidth_efficiency) << ";\n"
          << "    e.constants.layer_overhead_us = " << number(k.layer_overhead_us) << ";\n"
          << "    e.constants.expert_overhead_us = " << number(k.expert_overhead_us) << ";\n"
          << "    e.constants.token_overhead_us = " << number(k.token_overhead_us) << ";\n"
          << "    e.constants.compute_efficiency = " << number(k.compute_efficiency) << ";\n"
          << "    e.constants.attention_compute_efficiency = " << number(k.attention_compute_efficiency) << ";\n"
          << "    e.constants.prefill_layer_overhead_us = " << number(k.prefill_layer_overhead_us) << ";\n"
          << "    e.constants.prefill_dequant_passes = " << number(k.prefill_dequant_passes) << ";\n"
          << "    e.constants.host_bandwidth_efficiency = " << number(k.host_bandwidth_efficiency) << ";\n"
          << "    e.constants.runtime_overhead_gib = " << number(k.runtime_overhead_gib) << ";\n"
          << "    e.constants.micro_batch_tokens = " << k.micro_batch_tokens << ";\n"
          << "    e.uncertainty.known = " << (e.uncertainty.known ? "true" : "false") << ";\n"
          << "    e.uncertainty.decode_relative_error = " << number(e.uncertainty.decode_relative_error) << ";\n"
          << "    e.uncertainty.prefill_relative_error = " << number(e.uncertainty.prefill_relative_error) << ";\n"
          << "    e.fitted_runs = " << e.fitted_runs << ";\n"
          << "    e.note = " << quoted(e.note) << ";\n"
          << "    e.era = " << quoted(e.era) << ";\n"
          << "    profile.entries.push_back(std::move(e));\n  }\n";
    }
  }
  out << "}\n\n}  // namespace llmfit::detail\n";
  return out.str();
}

}  // namespace

/// Runs `work`: exit status 0, or 2 with a one-line error for bad input, 1 for anything else.
template <typename Work>
int guarded(Work&& work) {
  try {
    work();
    return 0;
  } catch (const InputError& e) {
    std::cerr << "llmfit-dbgen: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "llmfit-dbgen: internal error: " << e.what() << '\n';
    return 1;
  }
}

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--profile") {
    return guarded([&] { write_atomically(argv[2], profile_source(std::vector<std::string>(argv + 3, argv + argc))); });
  }
  if (argc < 3) {
    std::cerr << "usage: llmfit-dbgen OUTPUT.cpp FILE.yaml... | llmfit-dbgen --profile OUTPUT.cpp [PROFILE.yaml]\n";
    return 2;
  }
  return guarded([&] {
    CatalogData all;
    for (int i = 2; i < argc; ++i) {
      CatalogData data = load_catalog_path(argv[i]);
      for (auto& h : data.hardware) all.hardware.push_back(std::move(h));
      for (auto& m : data.models) all.models.push_back(std::move(m));
      for (auto& q : data.quants) all.quants.push_back(std::move(q));
    }
    validate_catalog(all, "shipped catalogue", nullptr);
    ListArrays lists;
    std::ostringstream hardware, models, quants;
    for (const auto& h : all.hardware) write_hardware(hardware, lists, h);
    for (const auto& m : all.models) write_model(models, lists, m);
    for (const auto& q : all.quants) write_quant(quants, lists, q);
    std::ostringstream out;
    out << "// Generated by llmfit-dbgen from hardware-db/ and models-db/. Do not edit.\n"
        << "// Constant tables (see lib/src/builtin_rows.hpp): nothing runs at start-up.\n"
        << "#include \"builtin_rows.hpp\"\n\nnamespace llmfit::detail {\nnamespace {\n\n"
        << lists.text() << "\n"
        << table("HardwareRow", "kHardware", hardware.str()) << "\n"
        << table("ModelRow", "kModels", models.str()) << "\n"
        << table("QuantRow", "kQuants", quants.str()) << "\n"
        << "}  // namespace\n\n"
        << "void fill_builtin_catalog(CatalogData& data) {\n"
        << "  append_builtin_rows(data, kHardware, kModels, kQuants);\n}\n\n"
        << "}  // namespace llmfit::detail\n";
    write_atomically(argv[1], out.str());
    std::cout << "llmfit-dbgen: " << all.hardware.size() << " hardware, " << all.models.size() << " models, "
              << all.quants.size() << " quants\n";
  });
}
