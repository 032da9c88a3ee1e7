#include "llmfit/io/catalog_yaml.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "llmfit/errors.hpp"

namespace llmfit {
namespace {

// A catalogue file larger than this is not a catalogue (the shipped ones are ~50 KB each).
constexpr std::uintmax_t kMaxCatalogFileBytes = 16u * 1024u * 1024u;
// Entries per list in one file (the shipped lists hold under 100). YAML aliases can repeat one entry
// millions of times in a small file; this bounds the work.
constexpr std::size_t kMaxEntriesPerList = 10'000;

/// Strict UTF-8 (no overlong forms, no surrogates): text values end up in JSON output.
bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) { ++i; continue; }
    if (lead >= 0xC2 && lead <= 0xDF) { length = 2; code = lead & 0x1Fu; }
    else if (lead >= 0xE0 && lead <= 0xEF) { length = 3; code = lead & 0x0Fu; }
    else if (lead >= 0xF0 && lead <= 0xF4) { length = 4; code = lead & 0x07u; }
    else return false;
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0u) != 0x80u) return false;
      code = (code << 6) | (next & 0x3Fu);
    }
    if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (length == 4 && (code < 0x10000 || code > 0x10FFFF)))
      return false;
    i += length;
  }
  return true;
}

/// Reads typed fields of one entry, naming the file, line, entry and field in every error.
class EntryReader {
 public:
  EntryReader(const YAML::Node& node, std::string source, std::string kind, std::set<std::string> allowed)
      : node_(node), source_(std::move(source)), kind_(std::move(kind)), allowed_(std::move(allowed)) {
    if (!node_.IsMap()) fail_at(node_, "", "an entry must be a mapping of keys to values");
    if (const YAML::Node id = node_["id"]; id && id.IsScalar()) id_ = id.Scalar();
    std::set<std::string> seen;  // yaml-cpp keeps a repeated key and lookups return the first: refuse it
    for (const auto& item : node_) {
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
      if (!seen.insert(key).second) fail_at(item.first, key, "appears twice in this entry");
      if (allowed_.count(key) == 0) {
        std::vector<std::string> names(allowed_.begin(), allowed_.end());
        const auto hints = closest_matches(key, names, 1);
        fail_at(item.first, key, "unknown key" + (hints.empty() ? std::string() : " (did you mean '" + hints[0] + "'?)"));
      }
    }
  }

  [[noreturn]] void fail_at(const YAML::Node& at, const std::string& field, const std::string& message) const {
    std::ostringstream out;
    out << source_;
    const YAML::Mark mark = at.Mark();
    if (mark.line >= 0) out << ':' << mark.line + 1 << ':' << mark.column + 1;
    out << ": " << kind_;
    if (!id_.empty()) out << " '" << id_ << "'";
    if (!field.empty()) out << ": " << field;
    out << ": " << message;
    throw InputError(out.str());
  }
  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    const YAML::Node at = node_[field];
    fail_at(at ? at : node_, prefix_ + field, message);
  }

  [[nodiscard]] bool has(const std::string& field) const { return node_[field] && !node_[field].IsNull(); }
  [[nodiscard]] const std::string& id() const { return id_; }

  std::string text(const std::string& field, bool required) const {
    if (!has(field)) {
      if (required) fail(field, "missing");
      return {};
    }
    const YAML::Node value = node_[field];
    if (!value.IsScalar()) fail(field, "must be a text value");
    if (value.Scalar().size() > 4096) fail(field, "longer than 4096 characters");
    if (!is_valid_utf8(value.Scalar())) fail(field, "not valid UTF-8 text");
    return value.Scalar();
  }

  double number(const std::string& field, bool required, double fallback = 0) const {
    if (!has(field)) {
      if (required) fail(field, "missing");
      return fallback;
    }
    return to_number(node_[field], field);
  }

  int integer(const std::string& field, bool required, int fallback = 0) const {
    const double value = number(field, required, fallback);
    if (value != std::floor(value) || value < std::numeric_limits<int>::min() ||
        value > std::numeric_limits<int>::max())
      fail(field, "must be a whole number");
    return static_cast<int>(value);
  }

  bool boolean(const std::string& field, bool fallback) const {
    if (!has(field)) return fallback;
    const YAML::Node value = node_[field];
    if (!value.IsScalar()) fail(field, "must be true or false");
    const std::string& s = value.Scalar();
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
    fail(field, "must be true or false, not '" + s.substr(0, 40) + "'");
  }

  std::vector<std::string> text_list(const std::string& field) const {
    std::vector<std::string> out;
    if (!has(field)) return out;
    const YAML::Node value = node_[field];
    if (value.IsScalar()) return {text(field, false)};
    if (!value.IsSequence()) fail(field, "must be a list");
    if (value.size() > 1000) fail(field, "more than 1000 items");
    for (const auto& item : value) {
      if (!item.IsScalar()) fail_at(item, field, "items must be text values");
      if (item.Scalar().size() > 4096 || !is_valid_utf8(item.Scalar()))
        fail_at(item, field, "items must be UTF-8 text of at most 4096 characters");
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::vector<double> number_list(const std::string& field, bool required) const {
    std::vector<double> out;
    if (!has(field)) {
      if (required) fail(field, "missing");
      return out;
    }
    const YAML::Node value = node_[field];
    if (value.IsScalar()) return {to_number(value, field)};
    if (!value.IsSequence()) fail(field, "must be a list of numbers");
    if (value.size() > 1000) fail(field, "more than 1000 items");
    for (const auto& item : value) out.push_back(to_number(item, field));
    return out;
  }

  /// A nested mapping such as `moe:`; returns a reader over it (or null node when absent).
  [[nodiscard]] EntryReader nested(const std::string& field, std::set<std::string> allowed) const {
    const YAML::Node value = node_[field];
    if (!value.IsMap()) fail(field, "must be a mapping");
    EntryReader reader(value, source_, kind_, std::move(allowed), id_, field);
    return reader;
  }

 private:
  EntryReader(const YAML::Node& node, std::string source, std::string kind, std::set<std::string> allowed,
              std::string id, const std::string& prefix)
      : node_(node), source_(std::move(source)), kind_(std::move(kind)), allowed_(std::move(allowed)),
        id_(std::move(id)) {
    std::set<std::string> seen;
    for (const auto& item : node_) {
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
      if (!seen.insert(key).second) fail_at(item.first, prefix + "." + key, "appears twice in this entry");
      if (allowed_.count(key) == 0) {
        std::vector<std::string> names(allowed_.begin(), allowed_.end());
        const auto hints = closest_matches(key, names, 1);
        fail_at(item.first, prefix + "." + key,
                "unknown key" + (hints.empty() ? std::string() : " (did you mean '" + hints[0] + "'?)"));
      }
    }
    prefix_ = prefix + ".";
  }

  double to_number(const YAML::Node& value, const std::string& field) const {
    if (!value.IsScalar()) fail_at(value, prefix_ + field, "must be a number");
    const std::string& s = value.Scalar();
    char* end = nullptr;
    errno = 0;
    const double parsed = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
      fail_at(value, prefix_ + field, "must be a number, not '" + s.substr(0, 40) + "'");
    if (!std::isfinite(parsed)) fail_at(value, prefix_ + field, "must be a finite number");
    return parsed;
  }

  YAML::Node node_;
  std::string source_;
  std::string kind_;
  std::set<std::string> allowed_;
  std::string id_;
  std::string prefix_;
};

template <typename Enum>
Enum parse_enum(const EntryReader& r, const std::string& field, bool required, Enum fallback) {
  const std::string text = r.text(field, required);
  if (text.empty()) return fallback;
  if (auto value = parse_enum_name<Enum>(text)) return *value;
  r.fail(field, "'" + text.substr(0, 40) + "' is not one of " + enum_choices<Enum>());
}

HardwareSpec read_hardware(const YAML::Node& node, const std::string& source) {
  EntryReader r(node, source, "hardware",
                {"id", "name", "vendor", "kind", "memory_gib", "default_memory_gib", "bandwidth_gb_s", "fp16_tflops",
                 "int8_tops", "gpu_cores", "form_factor", "sustained_fraction", "throttle_onset_s", "tdp_w",
                 "price_usd", "apis", "default_host", "gpu_memory_fraction", "aliases", "source", "notes"});
  HardwareSpec h;
  h.id = r.text("id", true);
  h.name = r.text("name", true);
  h.vendor = r.text("vendor", true);
  h.kind = parse_enum(r, "kind", true, HardwareKind::gpu);
  h.memory_options_gib = r.number_list("memory_gib", true);
  h.default_memory_gib = r.has("default_memory_gib")
                             ? r.number("default_memory_gib", true)
                             : (h.memory_options_gib.empty() ? 0 : h.memory_options_gib.front());
  h.bandwidth_gb_s = r.number("bandwidth_gb_s", true);
  h.fp16_tflops = r.number("fp16_tflops", true);
  h.int8_tops = r.number("int8_tops", false);
  h.gpu_cores = r.integer("gpu_cores", false);
  h.form_factor = parse_enum(r, "form_factor", true, FormFactor::desktop);
  h.has_thermal_data = r.has("sustained_fraction") || r.has("throttle_onset_s");
  h.sustained_fraction = r.number("sustained_fraction", false, 1.0);
  h.throttle_onset_s = r.number("throttle_onset_s", false);
  h.tdp_w = r.number("tdp_w", true);
  h.price_usd = r.number("price_usd", true);
  for (const auto& api : r.text_list("apis")) {
    const auto parsed = parse_device_api(api);
    if (!parsed) r.fail("apis", "'" + api.substr(0, 40) + "' is not one of " + enum_choices<DeviceApi>());
    h.apis.push_back(*parsed);
  }
  if (h.apis.empty()) r.fail("apis", "missing");
  h.default_host = to_lower(r.text("default_host", false));
  h.gpu_memory_fraction = r.number("gpu_memory_fraction", false);
  h.aliases = r.text_list("aliases");
  for (auto& a : h.aliases) a = to_lower(a);
  h.source = r.text("source", true);
  h.notes = r.text("notes", false);
  h.origin = source;
  if (std::string problem = validate(h); !problem.empty()) {
    const auto colon = problem.find(':');
    r.fail(problem.substr(0, colon), problem.substr(colon + 2));
  }
  return h;
}

ModelSpec read_model(const YAML::Node& node, const std::string& source) {
  EntryReader r(node, source, "model",
                {"id", "name", "family", "params_b", "active_params_b", "layers", "hidden_size", "intermediate_size",
                 "attention_heads", "kv_heads", "head_dim", "vocab_size", "tied_embeddings", "max_context",
                 "default_quant", "moe", "attention", "mla", "aliases", "source", "notes"});
  ModelSpec m;
  m.id = r.text("id", true);
  m.name = r.text("name", true);
  m.family = r.text("family", true);
  m.params_b = r.number("params_b", true);
  m.active_params_b = r.number("active_params_b", false, m.params_b);
  m.layers = r.integer("layers", true);
  m.hidden_size = r.integer("hidden_size", true);
  m.intermediate_size = r.integer("intermediate_size", false);
  m.attention_heads = r.integer("attention_heads", true);
  m.kv_heads = r.integer("kv_heads", true);
  m.head_dim = r.has("head_dim") ? r.integer("head_dim", true)
                                 : (m.attention_heads > 0 ? m.hidden_size / m.attention_heads : 0);
  m.vocab_size = r.integer("vocab_size", true);
  m.tied_embeddings = r.boolean("tied_embeddings", false);
  // Range-check before the conversion: a double beyond int64 (1e300) is undefined behaviour to cast.
  const double max_context = r.number("max_context", true);
  if (max_context != std::floor(max_context) || max_context < 1 || max_context > static_cast<double>(1 << 26))
    r.fail("max_context", "must be a whole number in [1, 2^26] tokens");
  m.max_context = static_cast<std::int64_t>(max_context);
  m.default_quant = to_lower(r.text("default_quant", true));
  if (r.has("moe")) {
    const EntryReader moe = r.nested("moe", {"experts", "experts_per_token", "expert_intermediate_size",
                                             "shared_experts", "shared_expert_intermediate_size", "dense_layers"});
    m.moe.experts = moe.integer("experts", true);
    m.moe.experts_per_token = moe.integer("experts_per_token", true);
    m.moe.expert_intermediate_size = moe.integer("expert_intermediate_size", true);
    m.moe.shared_experts = moe.integer("shared_experts", false);
    m.moe.shared_expert_intermediate_size = moe.integer("shared_expert_intermediate_size", false);
    m.moe.dense_layers = moe.integer("dense_layers", false);
  }
  if (r.has("attention")) {
    const EntryReader a = r.nested("attention", {"sliding_window_layers", "sliding_window", "linear_attention_layers",
                                                 "linear_key_heads", "linear_value_heads", "linear_key_head_dim",
                                                 "linear_value_head_dim", "linear_conv_kernel"});
    m.attention.sliding_window_layers = a.integer("sliding_window_layers", false);
    m.attention.sliding_window = a.integer("sliding_window", false);
    m.attention.linear_attention_layers = a.integer("linear_attention_layers", false);
    m.attention.linear_key_heads = a.integer("linear_key_heads", false);
    m.attention.linear_value_heads = a.integer("linear_value_heads", false);
    m.attention.linear_key_head_dim = a.integer("linear_key_head_dim", false);
    m.attention.linear_value_head_dim = a.integer("linear_value_head_dim", false);
    m.attention.linear_conv_kernel = a.integer("linear_conv_kernel", false, 4);
  }
  if (r.has("mla")) {
    const EntryReader mla =
        r.nested("mla", {"kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"});
    m.mla.kv_lora_rank = mla.integer("kv_lora_rank", true);
    m.mla.q_lora_rank = mla.integer("q_lora_rank", false);
    m.mla.qk_nope_head_dim = mla.integer("qk_nope_head_dim", true);
    m.mla.qk_rope_head_dim = mla.integer("qk_rope_head_dim", true);
    m.mla.v_head_dim = mla.integer("v_head_dim", true);
  }
  m.aliases = r.text_list("aliases");
  for (auto& a : m.aliases) a = to_lower(a);
  m.source = r.text("source", true);
  m.notes = r.text("notes", false);
  m.origin = source;
  if (std::string problem = validate(m); !problem.empty()) {
    const auto colon = problem.find(':');
    r.fail(problem.substr(0, colon), problem.substr(colon + 2));
  }
  return m;
}

QuantSpec read_quant(const YAML::Node& node, const std::string& source) {
  EntryReader r(node, source, "quant",
                {"id", "name", "format", "kernel", "bits_per_weight", "expert_bits_per_weight",
                 "embedding_bits_per_weight", "output_bits_per_weight", "short_forms", "quality_ppl_increase_pct",
                 "quality_source", "source", "notes"});
  QuantSpec q;
  q.id = to_lower(r.text("id", true));
  q.name = r.text("name", true);
  q.format = parse_enum(r, "format", true, QuantFormat::gguf);
  q.kernel = parse_enum(r, "kernel", true, QuantKernel::k_quant);
  q.bits_per_weight = r.number("bits_per_weight", true);
  q.expert_bits_per_weight = r.number("expert_bits_per_weight", false);
  q.embedding_bits_per_weight = r.number("embedding_bits_per_weight", false);
  q.output_bits_per_weight = r.number("output_bits_per_weight", false);
  q.short_forms = r.text_list("short_forms");
  for (auto& f : q.short_forms) f = to_lower(f);
  q.quality_ppl_increase_pct = r.number("quality_ppl_increase_pct", false);
  q.quality_source = r.text("quality_source", false);
  q.source = r.text("source", true);
  q.notes = r.text("notes", false);
  q.origin = source;
  if (std::string problem = validate(q); !problem.empty()) {
    const auto colon = problem.find(':');
    r.fail(problem.substr(0, colon), problem.substr(colon + 2));
  }
  return q;
}

[[noreturn]] void fail_file(const std::string& source, const YAML::Node& at, const std::string& message) {
  std::ostringstream out;
  out << source;
  if (at && at.Mark().line >= 0) out << ':' << at.Mark().line + 1 << ':' << at.Mark().column + 1;
  out << ": " << message;
  throw InputError(out.str());
}

}  // namespace

CatalogData parse_catalog_yaml(std::string_view text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::ostringstream out;
    out << source_name;
    if (e.mark.line >= 0) out << ':' << e.mark.line + 1 << ':' << e.mark.column + 1;
    // yaml-cpp stops at 500 nested collections (its DepthGuard) with the bare message "bad file".
    if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr)
      out << ": nested too deeply (yaml-cpp's limit is 500 levels; a catalogue needs 3)";
    else
      out << ": not valid YAML: " << e.msg;
    throw InputError(out.str());
  }
  if (!root || root.IsNull()) throw InputError(source_name + ": empty file; expected 'schema: 1' and entries");
  if (!root.IsMap()) fail_file(source_name, root, "expected a mapping with 'schema: 1' and hardware/models/quants lists");
  CatalogData data;
  try {
    const YAML::Node schema = root["schema"];
    if (!schema) fail_file(source_name, root, "schema: missing; the file must start with 'schema: 1'");
    if (!schema.IsScalar() || schema.Scalar() != "1")
      fail_file(source_name, schema, "schema: unsupported version (this llmfit reads schema 1)");
    for (const auto& item : root) {
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
      if (key == "schema") continue;
      if (key != "hardware" && key != "models" && key != "quants") {
        const auto hints = closest_matches(key, {"hardware", "models", "quants", "schema"}, 1);
        fail_file(source_name, item.first,
                  key.substr(0, 60) + ": unknown top-level key" +
                      (hints.empty() ? std::string() : " (did you mean '" + hints[0] + "'?)"));
      }
      if (item.second.IsNull()) continue;
      if (!item.second.IsSequence()) fail_file(source_name, item.second, key + ": must be a list of entries");
      if (item.second.size() > kMaxEntriesPerList)
        fail_file(source_name, item.second, key + ": more than 10000 entries; split the file");
      for (const auto& entry : item.second) {
        if (key == "hardware") data.hardware.push_back(read_hardware(entry, source_name));
        if (key == "models") data.models.push_back(read_model(entry, source_name));
        if (key == "quants") data.quants.push_back(read_quant(entry, source_name));
      }
    }
  } catch (const YAML::Exception& e) {
    throw InputError(source_name + ": " + e.msg);
  }
  return data;
}

CatalogData load_catalog_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) throw InputError(path + ": no such file or folder");
  std::vector<std::string> files;
  if (fs::is_directory(status)) {
    for (const auto& entry : fs::directory_iterator(path, error)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path().string());
    }
    if (error) throw InputError(path + ": cannot list folder: " + error.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError(path + ": folder holds no .yaml files");
  } else {
    files.push_back(path);
  }
  CatalogData all;
  for (const auto& file : files) {
    // A FIFO or device would block or never end: only regular files are read.
    if (!fs::is_regular_file(file, error)) throw InputError(file + ": not a regular file or folder");
    const auto size = fs::file_size(file, error);
    if (error) throw InputError(file + ": cannot read: " + error.message());
    if (size > kMaxCatalogFileBytes) throw InputError(file + ": larger than 16 MiB; not a catalogue file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file + ": cannot open for reading");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CatalogData data = parse_catalog_yaml(text, file);
    for (auto& h : data.hardware) all.hardware.push_back(std::move(h));
    for (auto& m : data.models) all.models.push_back(std::move(m));
    for (auto& q : data.quants) all.quants.push_back(std::move(q));
  }
  return all;
}

Catalog load_catalog(const std::vector<std::string>& user_paths) {
  Catalog catalog = Catalog::builtin();
  for (const auto& path : user_paths) catalog.add_source(load_catalog_path(path), path);
  return catalog;
}

std::vector<std::string> db_paths_from_environment() {
  std::vector<std::string> paths;
  const char* value = std::getenv("LLMFIT_DB_PATH");
  if (value == nullptr) return paths;
  std::string all(value);
  std::size_t start = 0;
  while (start <= all.size()) {
    const std::size_t end = std::min(all.find(':', start), all.size());
    if (end > start) paths.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return paths;
}

}  // namespace llmfit
