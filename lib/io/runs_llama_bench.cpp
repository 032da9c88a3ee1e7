// llama-bench `-o json` / `-o jsonl` results, the current and the mid-2024 schema (see
// ../shared/design/conventions.md for the fields).
#include <algorithm>
#include <array>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "run_records.hpp"

namespace llmfit::io {
namespace {

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


}  // namespace

const QuantSpec* quant_from_ggml_file_type(const Catalog& catalog, std::string_view text, std::string& ftype) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  for (const auto& [name, id] : kGgmlFileTypes) {
    // The name ends the text, alone or after a space ("llama 8B Q4_K - Medium").
    if (text.size() >= name.size() && text.substr(text.size() - name.size()) == name &&
        (text.size() == name.size() || text[text.size() - name.size() - 1] == ' ')) {
      ftype = std::string(name);
      return catalog.find_quant(id);
    }
  }
  return nullptr;
}

namespace {

/// A device name a file gives, as a catalogue entry: `match` when it names one entry; else `problem` says
/// why not, and `chip` is the entry it names without saying which GPU size ("Apple M2 Max": m2-max or
/// m2-max-30c), null when it names none.
struct DeviceNameMatch {
  HardwareSlugMatch match;
  const HardwareSpec* chip = nullptr;
  std::string problem;
};

/// A llama-bench / CUDA device name ("NVIDIA GeForce RTX 4090", "Apple M2 Max") as a catalogue entry.
DeviceNameMatch hardware_from_device_name(const Catalog& catalog, std::string_view name) {
  std::string slug;
  std::istringstream words{to_lower(name)};
  for (std::string word; words >> word;) {
    if (word == "nvidia" || word == "geforce" || word == "amd" || word == "radeon" || word == "apple" ||
        word == "intel(r)" || word == "intel" || word == "gpu")
      continue;
    if (!slug.empty()) slug += '-';
    slug += word;
  }
  DeviceNameMatch out;
  out.match = map_hardware_slug(slug, catalog);
  if (out.match.hardware == nullptr) {
    out.problem = "gpu_info: '" + clip(name) + "' matches no catalogue entry; pass " + field("hardware");
    return out;
  }
  if (out.match.hardware->vendor != "apple") return out;
  // Apple names the chip, not its GPU bin: "Apple M2 Max" may be the 30- or the 38-core part.
  const HardwareSpec& chip = *out.match.hardware;
  for (const auto& other : catalog.hardware()) {
    if (&other == &chip || other.id.size() <= chip.id.size() + 1) continue;
    const std::string_view id = other.id;
    if (id.substr(0, chip.id.size() + 1) != chip.id + "-") continue;
    const std::string_view tail = id.substr(chip.id.size() + 1);
    if (tail.size() >= 2 && tail.back() == 'c' &&
        std::all_of(tail.begin(), tail.end() - 1, [](char c) { return c >= '0' && c <= '9'; })) {
      out.problem = "gpu_info: '" + clip(name) + "' names the chip but not its GPU size (" + chip.id + " or " +
                    other.id + "); pass " + field("hardware");
      out.chip = &chip;
      out.match = {};
      return out;
    }
  }
  return out;
}

/// True when `hardware` is `chip` or one of its GPU sizes (m2-max-30c of m2-max).
bool is_size_of(const HardwareSpec& hardware, const HardwareSpec& chip) {
  return hardware.id == chip.id || std::string_view(hardware.id).starts_with(chip.id + "-");
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

}  // namespace

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
  run.tok_s = checked_rate(number_value(*avg, "avg_ts"), run.test, "avg_ts");
  run.stddev_tok_s = optional_stddev(record, "stddev_ts");

  // Model: --model, else the file name and model_type (checked against model_n_params).
  const std::string model_type = optional_string(record, "model_type").value_or("");
  const std::string filename = optional_string(record, "model_filename").value_or("");
  std::string ftype;
  const QuantSpec* type_quant = quant_from_ggml_file_type(ctx.catalog, model_type, ftype);
  if (const auto size = optional_number(record, "model_size")) {
    if (*size <= 0 || *size > 1e14) reject("model_size: must be > 0 bytes");
    run.weight_bytes = *size;
  }
  if (const auto params = optional_number(record, "model_n_params")) {
    if (*params <= 0 || *params > 1e14) reject("model_n_params: must be > 0");
    run.params = *params;
  }
  // Model: the file's, when its name maps to a catalogue model and quantisation; else --model, which
  // applies only to runs whose file does not name them.
  std::string stem = std::filesystem::path(filename).filename().string();
  if (stem.size() > 5 && to_lower(stem.substr(stem.size() - 5)) == ".gguf") stem.resize(stem.size() - 5);
  ModelQuant mq = model_from_name(ctx.catalog, stem);
  // model_type comes from the file's general.file_type: it outranks a name ("gpt-oss-20b-mxfp4.gguf" is
  // llama.cpp's MXFP4 MoE build, not the safetensors release the bare name would read as).
  if (mq.model != nullptr && type_quant != nullptr) mq.quant = type_quant;
  const bool file_names_model = mq.model != nullptr && mq.quant != nullptr && (run.params > 0 || mq.quant == type_quant);
  if (!file_names_model && !ctx.defaults.model.empty()) {
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
    if (type_quant != nullptr && type_quant != mq.quant)
      reject("model_type: the file says " + ftype + ", " + field("model") + " says " + mq.quant->name);
  } else if (!file_names_model) {
    reject("model: cannot map '" + clip(model_type, 40) + "' (file '" + clip(stem, 60) +
           "') to a catalogue model and quantisation; pass " + field("model") + ", e.g. " + field("model") +
           " llama-3.1-8b-q4_k_m");
  }
  check_params(run.params, *mq.model);
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;

  // Hardware: the GPU names llama-bench printed, when they name a catalogue entry; else --hw, which
  // applies only to runs whose file does not name their hardware (a CPU run, an Apple chip without its GPU
  // size, a device the catalogue does not know).
  const std::string gpu_info = optional_string(record, "gpu_info").value_or("");
  HardwareSlugMatch hw;
  std::vector<std::string> names;
  if (run.api != DeviceApi::cpu) {
    std::istringstream parts(gpu_info);
    for (std::string part; std::getline(parts, part, ',');) {
      const auto first = part.find_first_not_of(' ');
      if (first != std::string::npos) names.push_back(part.substr(first, part.find_last_not_of(' ') - first + 1));
    }
    for (const auto& name : names)
      if (name != names.front()) reject("gpu_info: different devices (" + clip(gpu_info) + ") are not modelled");
  }
  const DeviceNameMatch named = names.empty() ? DeviceNameMatch{} : hardware_from_device_name(ctx.catalog, names.front());
  if (named.match.hardware != nullptr) {
    hw = named.match;
    hw.device_count = static_cast<int>(names.size());
  } else if (!ctx.defaults.hardware.empty()) {
    hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
    if (named.chip != nullptr && !is_size_of(*hw.hardware, *named.chip))
      reject("gpu_info: the file names '" + clip(names.front()) + "' (" + named.chip->id + "), not " + field("hardware") +
             " '" + hw.hardware->id + "'");
    if (hw.device_count == 1 && names.size() > 1) hw.device_count = static_cast<int>(names.size());
  } else if (run.api == DeviceApi::cpu) {
    reject("hardware: a CPU run names no catalogue entry; pass " + field("hardware") + " with the CPU/RAM entry");
  } else if (names.empty()) {
    reject("gpu_info: missing or empty; pass " + field("hardware"));
  } else {
    reject(named.problem);
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
  read_run_conditions(record, run);
  // Mesa's RADV names its devices "AMD Radeon … (RADV GFX1201)", which ggml-vulkan reports as the device
  // description llama-bench prints; AMD's own drivers name the card alone, so they stay unstated.
  if (run.api == DeviceApi::vulkan && gpu_info.find("(RADV ") != std::string::npos) run.vulkan_driver = VulkanDriver::radv;
  // Mesa's Intel driver names itself in the device string ("Intel(R) Iris(R) Xe Graphics (ADL GT2) (Intel open-source
  // Mesa driver)", ggml_vk_print_gpu_info).
  if (run.api == DeviceApi::vulkan && gpu_info.find("Intel open-source Mesa driver") != std::string::npos)
    run.vulkan_driver = VulkanDriver::anv;
  const std::string commit = optional_string(record, "build_commit").value_or("");
  std::string build = commit;
  if (const auto number = optional_count(record, "build_number"))
    build += (build.empty() ? "b" : " b") + std::to_string(*number);
  run.build = build;
  run.era = year_of(optional_string(record, "test_time").value_or(""));
  run.source = "llama-bench" + (commit.empty() ? std::string() : " " + commit) + " (" + ctx.file + ")";
  check_backend(run, ctx.catalog);
  out.push_back(std::move(run));
}

}  // namespace llmfit::io
