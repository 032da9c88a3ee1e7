// Readers for measured runs: llmfit's schema (docs/runs-schema.md), llama-bench JSON / JSON lines (both the
// current and the mid-2024 schema), Ollama API responses and the public CSV tables. Each record is mapped
// to catalogue ids or reported with the reason it could not be.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "llmfit/errors.hpp"
#include "llmfit/io/runs.hpp"

namespace llmfit {
namespace {

using nlohmann::json;

/// A record that cannot be used; the message names the field.
struct RecordError {
  std::string message;
};

[[noreturn]] void reject(std::string message) { throw RecordError{std::move(message)}; }

std::string clip(std::string_view text, std::size_t max = 60) {
  std::string out(text.substr(0, max));
  // An error message is one printable line: every control character (not only line breaks) becomes a space.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text.size() > max ? out + "..." : out;
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

// ------------------------------------------------------------------------------------------------
// JSON helpers

/// Deepest nesting of arrays and objects, outside strings. Refusing deep documents before parsing keeps
/// the recursive parser's stack bounded.
int json_nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  return deepest;
}

const json* member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

double number_value(const json& value, const char* key) {
  if (!value.is_number()) reject(std::string(key) + ": must be a number, not " + clip(value.dump(), 40));
  const double x = value.get<double>();
  if (!std::isfinite(x)) reject(std::string(key) + ": must be finite");
  return x;
}

std::optional<double> optional_number(const json& object, const char* key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  return number_value(*value, key);
}

/// A token count: a whole number from 0 to 10^9.
std::optional<std::int64_t> optional_count(const json& object, const char* key) {
  const auto x = optional_number(object, key);
  if (!x) return std::nullopt;
  if (*x < 0 || *x > 1e9 || std::floor(*x) != *x)
    reject(std::string(key) + ": must be a whole number of tokens from 0 to 10^9, not " + format_double(*x));
  return static_cast<std::int64_t>(*x);
}

std::int64_t required_count(const json& object, const char* key) {
  const auto x = optional_count(object, key);
  if (!x) reject(std::string(key) + ": missing");
  return *x;
}

std::optional<std::string> optional_string(const json& object, const char* key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) reject(std::string(key) + ": must be a string");
  return value->get<std::string>();
}

/// A throughput: finite and > 0 tokens per second.
double checked_rate(double tok_s, const char* key) {
  if (!std::isfinite(tok_s) || tok_s <= 0) reject(std::string(key) + ": must be > 0 tokens/s, not " + format_double(tok_s));
  if (tok_s > 1e8) reject(std::string(key) + ": " + format_double(tok_s) + " tokens/s is not a plausible measurement");
  return tok_s;
}

/// "2024-05-10T12:00:00Z" → "2024".
std::string year_of(std::string_view timestamp) {
  if (timestamp.size() >= 4 && std::all_of(timestamp.begin(), timestamp.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }))
    return std::string(timestamp.substr(0, 4));
  return "";
}

// ------------------------------------------------------------------------------------------------
// Mapping names to the catalogue

struct ModelQuant {
  const ModelSpec* model = nullptr;
  const QuantSpec* quant = nullptr;
};

/// `--model`: must name a quantisation, since runs are measured with one.
ModelQuant model_from_flag(const Catalog& catalog, const std::string& text) {
  const ModelChoice choice = catalog.resolve_model(text);
  if (choice.quant_was_default)
    throw InputError(field("model") + " '" + clip(text) + "': name the quantisation the runs used, e.g. " + choice.model->id +
                     "-q4_k_m");
  return {choice.model, choice.quant};
}

HardwareSlugMatch hardware_from_flag(const Catalog& catalog, const std::string& text) {
  const HardwareChoice choice = catalog.resolve_hardware(text);
  return {choice.hardware, choice.count};
}

/// ggml file-type names as llama.cpp prints them at the end of `model_type` ("llama 8B Q4_K - Medium").
constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kGgmlFileTypes{{
    {"IQ4_XS - 4.25 bpw", "iq4_xs"},
    {"Q4_K - Medium", "q4_k_m"},
    {"Q4_K - Small", "q4_k_s"},
    {"Q5_K - Medium", "q5_k_m"},
    {"Q5_K - Small", "q5_k_s"},
    {"Q3_K - Medium", "q3_k_m"},
    {"Q3_K - Small", "q3_k_s"},
    {"Q3_K - Large", "q3_k_l"},
    {"Q2_K - Medium", "q2_k"},
    {"Q2_K - Small", "q2_k_s"},
    {"MXFP4 MoE", "mxfp4_moe"},
    {"all F32", "f32"},
    {"Q6_K", "q6_k"},
    {"Q8_0", "q8_0"},
    {"Q4_0", "q4_0"},
    {"Q4_1", "q4_1"},
    {"Q5_0", "q5_0"},
    {"Q5_1", "q5_1"},
    {"BF16", "bf16"},
    {"F16", "f16"},
}};

/// The quantisation named at the end of llama-bench's `model_type`; null when not recognised or not in
/// the catalogue.
const QuantSpec* quant_from_model_type(const Catalog& catalog, std::string_view model_type, std::string& ftype) {
  for (const auto& [name, id] : kGgmlFileTypes) {
    if (model_type.size() > name.size() && model_type.substr(model_type.size() - name.size()) == name &&
        model_type[model_type.size() - name.size() - 1] == ' ') {
      ftype = std::string(name);
      return catalog.find_quant(id);
    }
  }
  return nullptr;
}

/// A model named by a file stem or an Ollama tag ("meta-llama-3.1-8b-instruct-q4_k_m"): the longest
/// prefix (cut at '-', '.', '_' or ':') that is a catalogue model, and a quantisation in what follows.
ModelQuant model_from_name(const Catalog& catalog, std::string_view name) {
  std::string text = to_lower(name);
  std::replace(text.begin(), text.end(), ':', '-');
  ModelQuant found;
  std::size_t model_end = 0;
  for (std::size_t pos = 1; pos <= text.size(); ++pos) {
    if (pos < text.size() && text[pos] != '-' && text[pos] != '.' && text[pos] != '_') continue;
    if (const ModelSpec* m = map_model_slug(std::string_view(text).substr(0, pos), catalog)) {
      found.model = m;
      model_end = pos;
    }
  }
  if (found.model == nullptr) return found;
  // The quantisation: a separator-delimited suffix of what follows ("-instruct-q4_k_m" → q4_k_m).
  const std::string rest = text.substr(model_end);
  for (std::size_t pos = 0; pos < rest.size(); ++pos) {
    if (rest[pos] != '-' && rest[pos] != '.' && rest[pos] != '_') continue;
    if (const QuantSpec* q = catalog.find_quant(std::string_view(rest).substr(pos + 1))) {
      found.quant = q;
      break;
    }
  }
  return found;
}

/// Model parameters stated by the file must agree with the catalogue entry (guards a wrong --model).
void check_params(double stated, const ModelSpec& model) {
  if (stated <= 0) return;
  const double catalogue = model.params_b * 1e9;
  if (std::abs(stated - catalogue) > 0.1 * catalogue)
    reject("model_n_params: " + format_double(stated / 1e9) + " B parameters, but catalogue model '" + model.id +
           "' has " + format_double(model.params_b) + " B; pass the right " + field("model"));
}

/// A llama-bench / CUDA device name ("NVIDIA GeForce RTX 4090", "Apple M2 Max") as a catalogue entry.
/// Rejects a name that fits no entry or, for Apple chips sold with several GPU sizes, more than one.
HardwareSlugMatch hardware_from_device_name(const Catalog& catalog, std::string_view name) {
  std::string slug;
  std::istringstream words{to_lower(name)};
  for (std::string word; words >> word;) {
    if (word == "nvidia" || word == "geforce" || word == "amd" || word == "radeon" || word == "apple" ||
        word == "intel(r)" || word == "intel" || word == "gpu")
      continue;
    if (!slug.empty()) slug += '-';
    slug += word;
  }
  HardwareSlugMatch match = map_hardware_slug(slug, catalog);
  if (match.hardware == nullptr) reject("gpu_info: '" + clip(name) + "' matches no catalogue entry; pass " + field("hardware"));
  if (match.hardware->vendor != "apple") return match;
  // Apple names the chip, not its GPU bin: "Apple M2 Max" may be the 30- or the 38-core part.
  for (const auto& other : catalog.hardware()) {
    if (&other == match.hardware || other.id.size() <= match.hardware->id.size() + 1) continue;
    const std::string_view id = other.id;
    if (id.substr(0, match.hardware->id.size() + 1) != match.hardware->id + "-") continue;
    const std::string_view tail = id.substr(match.hardware->id.size() + 1);
    if (tail.size() >= 2 && tail.back() == 'c' &&
        std::all_of(tail.begin(), tail.end() - 1, [](char c) { return c >= '0' && c <= '9'; }))
      reject("gpu_info: '" + clip(name) + "' names the chip but not its GPU size (" + match.hardware->id + " or " +
             other.id + "); pass " + field("hardware"));
  }
  return match;
}

void check_backend(const MeasuredRun& run, const Catalog& catalog) {
  const QuantSpec* quant = catalog.find_quant(run.quant_id);
  if (quant != nullptr && !backend_supports(run.backend, *quant))
    reject("backend: " + std::string(to_string(run.backend)) + " cannot load " + quant->name + " weights");
}

// ------------------------------------------------------------------------------------------------
// Record readers. Each appends 0, 1 or 2 runs (a record may hold a prefill and a decode measurement).

struct Context {
  const Catalog& catalog;
  const RunDefaults& defaults;
  const std::string& file;
};

void set_hardware(MeasuredRun& run, const HardwareSlugMatch& match) {
  run.hardware_id = match.hardware->id;
  run.device_count = match.device_count;
}

/// llmfit's own schema (docs/runs-schema.md).
void read_llmfit_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  static const std::vector<std::string> kKeys{
      "hardware", "devices", "model", "quant", "backend", "api", "n_prompt", "n_gen", "n_depth", "decode_tok_s",
      "prefill_tok_s", "decode_stddev_tok_s", "prefill_stddev_tok_s", "weight_bytes", "params", "kv_type",
      "flash_attn", "build", "era", "source", "note"};
  for (const auto& item : record.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), item.key()) == kKeys.end()) {
      const auto hint = closest_matches(item.key(), kKeys, 1);
      reject(clip(item.key(), 40) + ": unknown field" + (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
    }
  }
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;

  // Hardware: the record's, else --hw.
  HardwareSlugMatch hw;
  if (const auto name = optional_string(record, "hardware")) {
    hw = map_hardware_slug(*name, ctx.catalog);
    if (hw.hardware == nullptr) {
      const auto hint = ctx.catalog.suggest_hardware(*name, 1);
      reject("hardware: '" + clip(*name) + "' is not in the catalogue" +
             (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
    }
  } else if (!ctx.defaults.hardware.empty()) {
    hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  } else {
    reject("hardware: missing (or pass " + field("hardware") + ")");
  }
  if (const auto devices = optional_count(record, "devices")) {
    if (*devices < 1 || *devices > 64) reject("devices: must be 1 to 64");
    if (hw.device_count > 1 && hw.device_count != *devices)
      reject("devices: " + std::to_string(*devices) + " disagrees with the hardware name's " +
             std::to_string(hw.device_count));
    hw.device_count = static_cast<int>(*devices);
  }
  set_hardware(run, hw);

  // Model and quantisation: "model" + "quant", or a "model-quant" name, else RunDefaults::model.
  ModelQuant mq;
  if (const auto name = optional_string(record, "model")) {
    if (const auto quant_name = optional_string(record, "quant")) {
      mq.model = map_model_slug(*name, ctx.catalog);
      if (mq.model == nullptr) {
        const auto hint = ctx.catalog.suggest_models(*name, 1);
        reject("model: '" + clip(*name) + "' is not in the catalogue" +
               (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
      }
      mq.quant = ctx.catalog.find_quant(*quant_name);
      if (mq.quant == nullptr) {
        const auto hint = ctx.catalog.suggest_quants(*quant_name, 1);
        reject("quant: '" + clip(*quant_name) + "' is not in the catalogue" +
               (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
      }
    } else {
      try {
        const ModelChoice choice = ctx.catalog.resolve_model(*name);
        if (choice.quant_was_default) reject("quant: missing; the run was measured with some quantisation, name it");
        mq = {choice.model, choice.quant};
      } catch (const InputError& e) {
        reject(std::string("model: ") + e.message());
      }
    }
  } else if (!ctx.defaults.model.empty()) {
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
  } else {
    reject("model: missing (or pass " + field("model") + ")");
  }
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;

  const auto backend_name = optional_string(record, "backend");
  if (!backend_name) reject("backend: missing (" + enum_choices<Backend>(", ", " or ") + ")");
  const auto backend = parse_backend(*backend_name);
  if (!backend) reject("backend: unknown engine '" + clip(*backend_name) + "'");
  run.backend = *backend;
  if (const auto api_name = optional_string(record, "api")) {
    const auto api = parse_device_api(*api_name);
    if (!api) reject("api: '" + clip(*api_name) + "' is not one of " + enum_choices<DeviceApi>());
    run.api = *api;
  } else {
    run.api = default_api(run.backend, *hw.hardware);
  }
  check_backend(run, ctx.catalog);

  if (const auto kv = optional_string(record, "kv_type")) {
    const auto type = parse_kv_cache_type(*kv);
    if (!type) reject("kv_type: '" + clip(*kv) + "' is not one of " + enum_choices<KvCacheType>());
    run.kv_type = *type;
  }
  if (const json* fa = member(record, "flash_attn")) {
    if (!fa->is_boolean()) reject("flash_attn: must be true or false");
    run.flash_attn = fa->get<bool>();
  }
  if (const auto bytes = optional_number(record, "weight_bytes")) {
    if (*bytes <= 0 || *bytes > 1e14) reject("weight_bytes: must be > 0 and below 100 TB");
    run.weight_bytes = *bytes;
  }
  if (const auto params = optional_number(record, "params")) {
    if (*params <= 0 || *params > 1e14) reject("params: must be > 0");
    run.params = *params;
    check_params(run.params, *mq.model);
  }
  run.build = optional_string(record, "build").value_or("");
  run.era = optional_string(record, "era").value_or("");
  run.source = optional_string(record, "source").value_or("");
  run.note = optional_string(record, "note").value_or("");

  const std::int64_t n_prompt = optional_count(record, "n_prompt").value_or(0);
  const std::int64_t n_gen = optional_count(record, "n_gen").value_or(0);
  const std::int64_t n_depth = optional_count(record, "n_depth").value_or(0);
  const auto prefill = optional_number(record, "prefill_tok_s");
  const auto decode = optional_number(record, "decode_tok_s");
  if (!prefill && !decode) reject("decode_tok_s / prefill_tok_s: the record measures neither");
  if (prefill) {
    if (n_prompt <= 0) reject("n_prompt: a prefill measurement needs n_prompt > 0");
    MeasuredRun p = run;
    p.test = RunTest::prefill;
    p.n_prompt = n_prompt;
    p.n_gen = 0;
    p.n_depth = n_depth;
    p.tok_s = checked_rate(*prefill, "prefill_tok_s");
    p.stddev_tok_s = std::max(0.0, optional_number(record, "prefill_stddev_tok_s").value_or(0));
    out.push_back(std::move(p));
  }
  if (decode) {
    if (n_gen <= 0) reject("n_gen: a decode measurement needs n_gen > 0");
    MeasuredRun d = run;
    d.test = RunTest::decode;
    d.n_prompt = 0;
    d.n_gen = n_gen;
    d.n_depth = n_depth + n_prompt;  // generation starts once the prompt is in the cache
    d.tok_s = checked_rate(*decode, "decode_tok_s");
    d.stddev_tok_s = std::max(0.0, optional_number(record, "decode_stddev_tok_s").value_or(0));
    out.push_back(std::move(d));
  }
}

/// The device API from llama-bench's `backends` ("CUDA", "Metal,BLAS") or the old per-backend booleans.
DeviceApi llama_bench_api(const json& record) {
  if (const auto backends = optional_string(record, "backends")) {
    std::optional<DeviceApi> api;
    std::istringstream parts(*backends);
    for (std::string part; std::getline(parts, part, ',');) {
      part.erase(std::remove(part.begin(), part.end(), ' '), part.end());
      const std::string lower = to_lower(part);
      if (lower == "blas" || lower == "rpc" || lower.empty()) continue;
      const auto parsed = lower == "hip" ? std::optional<DeviceApi>(DeviceApi::rocm) : parse_device_api(lower);
      if (!parsed) reject("backends: unknown backend '" + clip(part) + "'");
      if (!api || *api == DeviceApi::cpu) api = parsed;
    }
    return api.value_or(DeviceApi::cpu);
  }
  // Mid-2024 schema: one boolean per backend.
  constexpr std::array<std::pair<const char*, DeviceApi>, 5> kFlags{{{"cuda", DeviceApi::cuda},
                                                                     {"metal", DeviceApi::metal},
                                                                     {"vulkan", DeviceApi::vulkan},
                                                                     {"kompute", DeviceApi::vulkan},
                                                                     {"sycl", DeviceApi::sycl}}};
  for (const auto& [key, api] : kFlags) {
    const json* flag = member(record, key);
    if (flag != nullptr && flag->is_boolean() && flag->get<bool>()) return api;
  }
  return DeviceApi::cpu;
}

/// One llama-bench result (`-o json` element or `-o jsonl` line).
void read_llama_bench_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;
  run.backend = Backend::llama_cpp;
  run.api = llama_bench_api(record);

  const std::int64_t n_prompt = required_count(record, "n_prompt");
  const std::int64_t n_gen = required_count(record, "n_gen");
  run.n_depth = optional_count(record, "n_depth").value_or(0);  // the mid-2024 schema has none: depth 0
  if (n_prompt > 0 && n_gen == 0) {
    run.test = RunTest::prefill;
    run.n_prompt = n_prompt;
  } else if (n_gen > 0 && n_prompt == 0) {
    run.test = RunTest::decode;
    run.n_gen = n_gen;
  } else {
    reject("n_prompt/n_gen: a combined pp+tg test (" + std::to_string(n_prompt) + "+" + std::to_string(n_gen) +
           ") mixes prefill and decode in one rate; run llama-bench with separate -p and -n tests");
  }
  const json* avg = member(record, "avg_ts");
  if (avg == nullptr) reject("avg_ts: missing");
  run.tok_s = checked_rate(number_value(*avg, "avg_ts"), "avg_ts");
  run.stddev_tok_s = std::max(0.0, optional_number(record, "stddev_ts").value_or(0));

  // Model: --model, else the file name and model_type (checked against model_n_params).
  const std::string model_type = optional_string(record, "model_type").value_or("");
  const std::string filename = optional_string(record, "model_filename").value_or("");
  std::string ftype;
  const QuantSpec* type_quant = quant_from_model_type(ctx.catalog, model_type, ftype);
  if (const auto size = optional_number(record, "model_size")) {
    if (*size <= 0 || *size > 1e14) reject("model_size: must be > 0 bytes");
    run.weight_bytes = *size;
  }
  if (const auto params = optional_number(record, "model_n_params")) {
    if (*params <= 0 || *params > 1e14) reject("model_n_params: must be > 0");
    run.params = *params;
  }
  ModelQuant mq;
  if (!ctx.defaults.model.empty()) {
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
    if (type_quant != nullptr && type_quant != mq.quant)
      reject("model_type: the file says " + ftype + ", " + field("model") + " says " + mq.quant->name);
  } else {
    std::string stem = std::filesystem::path(filename).filename().string();
    if (stem.size() > 5 && to_lower(stem.substr(stem.size() - 5)) == ".gguf") stem.resize(stem.size() - 5);
    mq = model_from_name(ctx.catalog, stem);
    // model_type comes from the file's general.file_type: it outranks a name ("gpt-oss-20b-mxfp4.gguf" is
    // llama.cpp's MXFP4 MoE build, not the safetensors release the bare name would read as).
    if (mq.model != nullptr && type_quant != nullptr) mq.quant = type_quant;
    if (mq.model == nullptr || mq.quant == nullptr || (run.params <= 0 && mq.quant != type_quant))
      reject("model: cannot map '" + clip(model_type, 40) + "' (file '" + clip(stem, 60) +
             "') to a catalogue model and quantisation; pass " + field("model") + ", e.g. " + field("model") +
             " llama-3.1-8b-q4_k_m");
  }
  check_params(run.params, *mq.model);
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;

  // Hardware: --hw, else the GPU names llama-bench printed.
  const std::string gpu_info = optional_string(record, "gpu_info").value_or("");
  HardwareSlugMatch hw;
  if (!ctx.defaults.hardware.empty()) {
    hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  } else if (run.api == DeviceApi::cpu) {
    reject("hardware: a CPU run names no catalogue entry; pass " + field("hardware") + " with the CPU/RAM entry");
  } else {
    std::vector<std::string> names;
    std::istringstream parts(gpu_info);
    for (std::string part; std::getline(parts, part, ',');) {
      const auto first = part.find_first_not_of(' ');
      if (first != std::string::npos) names.push_back(part.substr(first, part.find_last_not_of(' ') - first + 1));
    }
    if (names.empty()) reject("gpu_info: missing or empty; pass " + field("hardware"));
    for (const auto& name : names)
      if (name != names.front()) reject("gpu_info: different devices (" + clip(gpu_info) + ") are not modelled");
    hw = hardware_from_device_name(ctx.catalog, names.front());
    hw.device_count = static_cast<int>(names.size());
  }
  if (const auto split = optional_string(record, "split_mode")) {
    if (*split == "none") hw.device_count = 1;
    else if (*split == "row" && hw.device_count > 1)
      reject("split_mode: row split across devices is not modelled (llmfit models layer split)");
  }
  set_hardware(run, hw);
  if (const auto ngl = optional_count(record, "n_gpu_layers"); ngl && run.api != DeviceApi::cpu) {
    if (*ngl < mq.model->layers)
      reject("n_gpu_layers: " + std::to_string(*ngl) + " of " + std::to_string(mq.model->layers) +
             " layers on the GPU; partial offload is not used for calibration");
  }
  if (const json* nkvo = member(record, "no_kv_offload"); nkvo != nullptr && nkvo->is_boolean() && nkvo->get<bool>())
    reject("no_kv_offload: a KV cache held on the host is not modelled");
  if (const auto cpu_moe = optional_count(record, "n_cpu_moe"); cpu_moe && *cpu_moe > 0)
    reject("n_cpu_moe: experts offloaded to the CPU are not used for calibration");

  if (const auto kv = optional_string(record, "type_k")) {
    const auto type = parse_kv_cache_type(*kv);
    if (!type) reject("type_k: KV cache type '" + clip(*kv) + "' is not modelled");
    run.kv_type = *type;
  }
  if (const json* fa = member(record, "flash_attn")) {
    if (fa->is_boolean()) run.flash_attn = fa->get<bool>();
    else if (fa->is_number_integer() && fa->get<int>() >= 0) run.flash_attn = fa->get<int>() != 0;  // -1 = auto
  }
  const std::string commit = optional_string(record, "build_commit").value_or("");
  run.build = commit;
  if (const auto number = optional_count(record, "build_number"))
    run.build += (run.build.empty() ? "b" : " b") + std::to_string(*number);
  run.era = year_of(optional_string(record, "test_time").value_or(""));
  run.source = "llama-bench" + (commit.empty() ? std::string() : " " + commit) + " (" + ctx.file + ")";
  check_backend(run, ctx.catalog);
  out.push_back(std::move(run));
}

/// An Ollama /api/generate or /api/chat response (the final object of a stream).
void read_ollama_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  if (const json* done = member(record, "done"); done != nullptr && done->is_boolean() && !done->get<bool>()) return;
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;
  run.backend = Backend::ollama;
  if (ctx.defaults.hardware.empty()) reject("hardware: Ollama responses do not name the machine; pass " + field("hardware"));
  const HardwareSlugMatch hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  set_hardware(run, hw);
  run.api = default_api(run.backend, *hw.hardware);
  ModelQuant mq;
  const std::string tag = optional_string(record, "model").value_or("");
  if (!ctx.defaults.model.empty()) {
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
  } else {
    mq = model_from_name(ctx.catalog, tag);
    if (mq.model == nullptr || mq.quant == nullptr)
      reject("model: Ollama tag '" + clip(tag) +
             "' does not name a catalogue model and quantisation; pass " + field("model") + ", e.g. " +
             field("model") + " llama-3.1-8b-q4_k_m");
  }
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;
  run.era = year_of(optional_string(record, "created_at").value_or(""));
  run.source = "ollama response (" + ctx.file + ")";
  check_backend(run, ctx.catalog);

  // Durations are nanoseconds.
  const std::int64_t prompt_tokens = optional_count(record, "prompt_eval_count").value_or(0);
  const std::int64_t gen_tokens = optional_count(record, "eval_count").value_or(0);
  const double prompt_ns = optional_number(record, "prompt_eval_duration").value_or(0);
  const double gen_ns = optional_number(record, "eval_duration").value_or(0);
  if (prompt_ns < 0 || gen_ns < 0) reject("eval_duration: durations must be >= 0 ns");
  if (gen_tokens <= 0 || gen_ns <= 0) reject("eval_count/eval_duration: the response holds no generation timing");
  if (prompt_tokens > 0 && prompt_ns > 0) {
    MeasuredRun p = run;
    p.test = RunTest::prefill;
    p.n_prompt = prompt_tokens;
    p.tok_s = checked_rate(prompt_tokens / (prompt_ns * 1e-9), "prompt_eval_duration");
    out.push_back(std::move(p));
  }
  run.test = RunTest::decode;
  run.n_gen = gen_tokens;
  run.n_depth = prompt_tokens;
  run.tok_s = checked_rate(gen_tokens / (gen_ns * 1e-9), "eval_duration");
  out.push_back(std::move(run));
}

RunFormat classify_record(const json& record) {
  if (record.contains("avg_ts") || record.contains("samples_ts")) return RunFormat::llama_bench;
  if (record.contains("eval_count") || record.contains("eval_duration") || record.contains("prompt_eval_count") ||
      (record.contains("done") && record.contains("created_at")))
    return RunFormat::ollama;
  return RunFormat::llmfit;
}

// ------------------------------------------------------------------------------------------------
// CSV: hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) reject("unterminated quoted field");
  return fields;
}

std::optional<std::int64_t> csv_count(const std::string& text, const char* column) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(x) || x < 0 || x > 1e9 || std::floor(x) != x)
    reject(std::string(column) + ": '" + clip(text, 20) + "' is not a whole number of tokens");
  return static_cast<std::int64_t>(x);
}

void read_csv(std::string_view text, const Context& ctx, RunSet& set) {
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    const std::size_t end = text.find('\n', pos);
    line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    return true;
  };
  std::string_view line;
  next_line(line);
  std::vector<std::string> header;
  try {
    header = split_csv_line(line);
  } catch (const RecordError& e) {
    throw InputError(ctx.file + ": header: " + e.message);
  }
  auto column = [&](const char* name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw InputError(ctx.file + ": header: column '" + std::string(name) + "' missing");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_hw = column("hardware"), c_backend = column("backend"), c_model = column("model"),
                    c_quant = column("quant"), c_test = column("test"), c_prompt = column("n_prompt"),
                    c_gen = column("n_gen"), c_tok = column("tok_s"), c_source = column("source");
  std::size_t index = 0;
  while (next_line(line)) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    const std::size_t this_index = index++;
    try {
      const std::vector<std::string> f = split_csv_line(line);
      if (f.size() != header.size())
        reject(std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
      MeasuredRun run;
      run.file = ctx.file;
      run.index = this_index;
      const HardwareSlugMatch hw = map_hardware_slug(f[c_hw], ctx.catalog);
      if (hw.hardware == nullptr) reject("hardware: '" + clip(f[c_hw]) + "' maps to no catalogue entry");
      set_hardware(run, hw);
      const ModelSpec* model = map_model_slug(f[c_model], ctx.catalog);
      if (model == nullptr) reject("model: '" + clip(f[c_model]) + "' maps to no catalogue model");
      const QuantSpec* quant = ctx.catalog.find_quant(f[c_quant]);
      if (quant == nullptr) reject("quant: '" + clip(f[c_quant]) + "' is not in the catalogue");
      run.model_id = model->id;
      run.quant_id = quant->id;
      // The tables are llama.cpp runs; their `backend` column is llama.cpp's device backend.
      run.backend = Backend::llama_cpp;
      const auto api = parse_device_api(f[c_backend]);
      if (!api) reject("backend: '" + clip(f[c_backend]) + "' is not one of " + enum_choices<DeviceApi>());
      run.api = *api;
      if (run.api == DeviceApi::cpu && hw.hardware->kind == HardwareKind::gpu)
        reject("backend: a CPU run on '" + hw.hardware->id + "' (a GPU) is not modelled");
      const auto n_prompt = csv_count(f[c_prompt], "n_prompt");
      const auto n_gen = csv_count(f[c_gen], "n_gen");
      char* end = nullptr;
      const double tok_s = std::strtod(f[c_tok].c_str(), &end);
      if (f[c_tok].empty() || end != f[c_tok].c_str() + f[c_tok].size()) reject("tok_s: '" + clip(f[c_tok], 20) + "' is not a number");
      run.tok_s = checked_rate(tok_s, "tok_s");
      if (f[c_test] == "pp") {
        if (!n_prompt) reject("n_prompt: blank; the prompt length of this prefill run is not stated");
        if (n_gen.value_or(0) != 0) reject("n_gen: a pp row must have n_gen 0");
        if (*n_prompt == 0) reject("n_prompt: a prefill run needs n_prompt > 0");
        run.test = RunTest::prefill;
        run.n_prompt = *n_prompt;
      } else if (f[c_test] == "tg") {
        // tg rows keep the depth already in the KV cache in n_prompt.
        if (!n_prompt) reject("n_prompt: blank; the context depth of this decode run is not stated");
        if (!n_gen || *n_gen == 0) reject("n_gen: a decode run needs n_gen > 0");
        run.test = RunTest::decode;
        run.n_gen = *n_gen;
        run.n_depth = *n_prompt;
      } else {
        reject("test: '" + clip(f[c_test], 20) + "' is not pp or tg");
      }
      run.source = f[c_source];
      if (const auto b = run.source.find("(build "); b != std::string::npos) {
        const auto e = run.source.find_first_of(";)", b);
        run.build = run.source.substr(b + 7, e == std::string::npos ? std::string::npos : e - b - 7);
      }
      set.runs.push_back(std::move(run));
    } catch (const RecordError& e) {
      if (ctx.defaults.strict) throw InputError(ctx.file + ": row " + std::to_string(this_index + 1) + ": " + e.message);
      set.skipped.push_back({ctx.file, this_index, e.message});
    }
  }
}

// ------------------------------------------------------------------------------------------------

void read_json_record(const json& record, std::size_t index, const Context& ctx, RunSet& set,
                      std::vector<RunFormat>& seen) {
  try {
    if (!record.is_object()) reject("a run record must be a JSON object");
    const RunFormat format = classify_record(record);
    if (std::find(seen.begin(), seen.end(), format) == seen.end()) seen.push_back(format);
    switch (format) {
      case RunFormat::llama_bench: read_llama_bench_record(record, index, ctx, set.runs); break;
      case RunFormat::ollama: read_ollama_record(record, index, ctx, set.runs); break;
      default: read_llmfit_record(record, index, ctx, set.runs); break;
    }
  } catch (const RecordError& e) {
    if (ctx.defaults.strict) throw InputError(ctx.file + ": record " + std::to_string(index) + ": " + e.message);
    set.skipped.push_back({ctx.file, index, e.message});
  } catch (const json::exception& e) {
    const std::string message = std::string("unexpected JSON content: ") + e.what();
    if (ctx.defaults.strict) throw InputError(ctx.file + ": record " + std::to_string(index) + ": " + message);
    set.skipped.push_back({ctx.file, index, message});
  }
}

json parse_json_or_throw(std::string_view text, const std::string& where) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::string message = e.what();
    if (const auto colon = message.find("parse error"); colon != std::string::npos) message = message.substr(colon);
    throw InputError(where + ": not valid JSON: " + clip(message, 160));
  } catch (const json::exception& e) {  // e.g. out_of_range 406: a number beyond a double (1e400)
    throw InputError(where + ": unusable JSON: " + clip(e.what(), 160));
  }
}

std::string_view skip_bom_and_space(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const auto first = text.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

}  // namespace

std::string_view to_string(RunFormat format) noexcept {
  switch (format) {
    case RunFormat::llmfit: return "llmfit runs";
    case RunFormat::llama_bench: return "llama-bench";
    case RunFormat::ollama: return "ollama";
    case RunFormat::public_csv: return "public-table CSV";
  }
  return "?";
}

RunFormat detect_run_format(std::string_view text, const std::string& file_name) {
  const std::string_view body = skip_bom_and_space(text);
  if (body.empty()) throw InputError(file_name + ": empty file; expected runs as JSON, JSON lines or CSV");
  if (body.front() == '[' || body.front() == '{') return RunFormat::llmfit;  // refined per record
  const std::string_view first_line = body.substr(0, body.find('\n'));
  if (first_line.substr(0, 9) == "hardware," && first_line.find("tok_s") != std::string_view::npos)
    return RunFormat::public_csv;
  throw InputError(file_name + ": not a run file: expected a JSON array, JSON lines, or a CSV with the header "
                               "hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source");
}

RunSet parse_runs(std::string_view text, const std::string& file_name, const Catalog& catalog,
                  const RunDefaults& defaults) {
  RunSet set;
  const Context ctx{catalog, defaults, file_name};
  const RunFormat format = detect_run_format(text, file_name);
  if (format == RunFormat::public_csv) {
    read_csv(skip_bom_and_space(text), ctx, set);
    set.formats.push_back(file_name + ": " + std::string(to_string(format)));
    return set;
  }
  if (const int depth = json_nesting_depth(text); depth > kMaxRunJsonDepth)
    throw InputError(file_name + ": JSON nested " + std::to_string(depth) + " levels deep; run files nest at most " +
                     std::to_string(kMaxRunJsonDepth));
  std::vector<RunFormat> seen;
  const std::string_view body = skip_bom_and_space(text);
  std::string layout;
  if (body.front() == '[') {
    const json doc = parse_json_or_throw(body, file_name);
    if (doc.empty()) throw InputError(file_name + ": the JSON array holds no runs");
    for (std::size_t i = 0; i < doc.size(); ++i) read_json_record(doc[i], i, ctx, set, seen);
    layout = "JSON array";
  } else {
    // One object (a pretty-printed response), or JSON lines (one object per line).
    const json whole = json::parse(body.begin(), body.end(), nullptr, false);
    if (!whole.is_discarded()) {
      read_json_record(whole, 0, ctx, set, seen);
      layout = "JSON object";
    } else {
      std::size_t line_number = 0;
      std::size_t pos = 0;
      while (pos < body.size()) {
        const std::size_t end = body.find('\n', pos);
        const std::string_view line = body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? body.size() : end + 1;
        const std::size_t index = line_number++;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        const json record = json::parse(line.begin(), line.end(), nullptr, false);
        if (record.is_discarded()) {
          const std::string message = "line " + std::to_string(index + 1) + " is not a JSON object";
          if (defaults.strict) throw InputError(file_name + ": " + message);
          set.skipped.push_back({file_name, index, message});
          continue;
        }
        read_json_record(record, index, ctx, set, seen);
      }
      layout = "JSON lines";
    }
  }
  std::string names;
  for (RunFormat f : seen) names += (names.empty() ? "" : " + ") + std::string(to_string(f));
  set.formats.push_back(file_name + ": " + (names.empty() ? "no records" : names) + " (" + layout + ")");
  return set;
}

RunSet load_runs_path(const std::string& path, const Catalog& catalog, const RunDefaults& defaults) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw InputError(path + ": no such file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw InputError(path + ": cannot read: " + error.message());
  if (size > kMaxRunFileBytes) throw InputError(path + ": larger than 256 MiB; split the runs into smaller files");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open for reading");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_runs(text, path, catalog, defaults);
}

RunSet load_runs_paths(const std::vector<std::string>& paths, const Catalog& catalog, const RunDefaults& defaults) {
  RunSet all;
  for (const auto& path : paths) {
    RunSet one = load_runs_path(path, catalog, defaults);
    all.runs.insert(all.runs.end(), std::make_move_iterator(one.runs.begin()), std::make_move_iterator(one.runs.end()));
    all.skipped.insert(all.skipped.end(), one.skipped.begin(), one.skipped.end());
    all.formats.insert(all.formats.end(), one.formats.begin(), one.formats.end());
  }
  return all;
}

std::string runs_to_json_text(const std::vector<MeasuredRun>& runs) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const MeasuredRun& r = runs[i];
    json record = json::object();
    record["hardware"] = r.hardware_id;
    if (r.device_count > 1) record["devices"] = r.device_count;
    record["model"] = r.model_id;
    record["quant"] = r.quant_id;
    record["backend"] = std::string(to_string(r.backend));
    record["api"] = std::string(to_string(r.api));
    record["n_prompt"] = r.n_prompt;
    record["n_gen"] = r.n_gen;
    record["n_depth"] = r.n_depth;
    if (r.test == RunTest::decode) {
      record["decode_tok_s"] = r.tok_s;
      if (r.stddev_tok_s > 0) record["decode_stddev_tok_s"] = r.stddev_tok_s;
    } else {
      record["prefill_tok_s"] = r.tok_s;
      if (r.stddev_tok_s > 0) record["prefill_stddev_tok_s"] = r.stddev_tok_s;
    }
    if (r.kv_type != KvCacheType::f16) record["kv_type"] = std::string(to_string(r.kv_type));
    if (r.flash_attn) record["flash_attn"] = *r.flash_attn;
    if (r.weight_bytes > 0) record["weight_bytes"] = r.weight_bytes;
    if (r.params > 0) record["params"] = r.params;
    if (!r.build.empty()) record["build"] = r.build;
    if (!r.era.empty()) record["era"] = r.era;
    if (!r.source.empty()) record["source"] = r.source;
    if (!r.note.empty()) record["note"] = r.note;
    // CSV text (source, note) is not checked for UTF-8: replace invalid bytes with U+FFFD rather than throw.
    out += "  " + record.dump(-1, ' ', false, json::error_handler_t::replace) + (i + 1 < runs.size() ? ",\n" : "\n");
  }
  return out + "]\n";
}

}  // namespace llmfit
