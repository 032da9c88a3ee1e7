#include "llmfit/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "llmfit/errors.hpp"

namespace llmfit {
namespace {

std::string backend_choices() { return "llama.cpp, mlx, ollama, vllm, transformers"; }

Backend default_backend(const QuantSpec& quant, const HardwareSpec& hw) {
  switch (quant.format) {
    case QuantFormat::mlx: return Backend::mlx;
    case QuantFormat::gguf: return Backend::llama_cpp;
    case QuantFormat::safetensors:
      return hw.vendor == "apple" && quant.kernel == QuantKernel::float_ ? Backend::mlx : Backend::vllm;
  }
  return Backend::llama_cpp;
}

std::string suggest_quant_for(Backend backend) {
  switch (backend) {
    case Backend::mlx: return "an MLX quantisation such as -mlx-4bit";
    case Backend::llama_cpp:
    case Backend::ollama: return "a GGUF quantisation such as -q4_k_m";
    case Backend::vllm: return "a safetensors quantisation such as -awq-4bit, -fp8 or -bf16";
    case Backend::transformers: return "a safetensors quantisation such as -awq-4bit";
  }
  return "another quantisation";
}

/// The catalogue's GGUF build of a non-GGUF quantisation's kernel family (MXFP4 safetensors → llama.cpp's
/// MXFP4 MoE), the nearest in bits; null when it has none.
const QuantSpec* gguf_counterpart(const Catalog& catalog, const QuantSpec& quant) {
  if (quant.format == QuantFormat::gguf) return nullptr;
  const QuantSpec* best = nullptr;
  for (const QuantSpec& candidate : catalog.quants()) {
    if (candidate.format != QuantFormat::gguf || candidate.kernel != quant.kernel) continue;
    if (best == nullptr || std::abs(candidate.bits_per_weight - quant.bits_per_weight) <
                               std::abs(best->bits_per_weight - quant.bits_per_weight))
      best = &candidate;
  }
  return best;
}

void check_range(double value, double low, double high, const char* name, const char* unit) {
  if (!std::isfinite(value) || value < low || value > high)
    throw InputError(fmt::format("{}: {} is out of range (expected {} to {} {})", field(name), value, low, high, unit));
}

}  // namespace

ResolvedQuery resolve_query(const Catalog& catalog, const Query& query, const EfficiencyProfile& profile) {
  ResolvedQuery r;
  Scenario& s = r.scenario;
  if (query.hardware.empty()) throw InputError(fmt::format("{0}: missing; name a chip, e.g. {0} m2-max (see 'llmfit list hardware')", field("hardware")));
  if (query.model.empty()) throw InputError(fmt::format("{0}: missing; name a model, e.g. {0} qwen3-coder-q4", field("model")));
  const HardwareChoice hw_choice = catalog.resolve_hardware(query.hardware);
  const ModelChoice model_choice = catalog.resolve_model(query.model);
  const HardwareSpec& hw = *hw_choice.hardware;
  const ModelSpec& model = *model_choice.model;
  std::optional<Backend> named_backend;
  if (!query.backend.empty()) {
    named_backend = parse_backend(query.backend);
    if (!named_backend) {
      std::vector<std::string> names{"llama.cpp", "mlx", "ollama", "vllm", "transformers"};
      const auto hint = closest_matches(query.backend, names, 1);
      throw InputError(field("backend") + ": unknown engine '" + query.backend.substr(0, 60) + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)") + "; choose one of " +
                       backend_choices());
    }
  }
  // A model's default weights that this engine or chip cannot load (gpt-oss's MXFP4 safetensors need
  // vLLM, which needs CUDA/ROCm) give way to the catalogue's GGUF build of the same kernel family.
  const QuantSpec* chosen_quant = model_choice.quant;
  std::string default_replaced;
  if (model_choice.quant_was_default) {
    const QuantSpec& release = *model_choice.quant;
    const Backend engine = named_backend.value_or(default_backend(release, hw));
    const bool engine_runs_here = backend_runs_on(engine, hw);
    const bool loadable = backend_supports(engine, release) && engine_runs_here;
    const QuantSpec* counterpart = loadable ? nullptr : gguf_counterpart(catalog, release);
    if (counterpart != nullptr && (!named_backend || backend_supports(*named_backend, *counterpart))) {
      chosen_quant = counterpart;
      default_replaced = fmt::format(
          "quantisation {}, the GGUF build of the model's default {} ({}): {}", counterpart->name, release.name,
          to_string(release.format),
          engine_runs_here ? fmt::format("{} cannot load that format", to_string(engine))
                           : fmt::format("that needs {}, which does not run on {}", to_string(engine), hw.id));
    }
  }
  const QuantSpec& quant = *chosen_quant;
  s.hardware = &hw;
  s.device_count = hw_choice.count;
  s.model = &model;
  s.quant = &quant;
  const FileWeights& file = model.file_weights;
  if (file.present() && file.quant_id == quant.id) {
    r.assumptions.push_back(fmt::format("weights {:.2f} GB: the tensor table of {} (exact; {} the file's quantisation)",
                                        file.total_bytes() / 1e9, model.origin, quant.name));
  } else if (file.present()) {
    r.warnings.push_back(fmt::format("quantisation {} is not the file's ({}): weights estimated from the shape",
                                     quant.name, file.quant_id));
  } else if (!default_replaced.empty()) {
    r.assumptions.push_back(default_replaced);
  } else if (model_choice.quant_was_default) {
    r.assumptions.push_back(fmt::format("quantisation {} (the model's default)", quant.name));
  }

  // Engine: from the flag, else from the weight format.
  if (named_backend) {
    s.backend = *named_backend;
  } else {
    s.backend = default_backend(quant, hw);
    r.assumptions.push_back(fmt::format("backend {} (default for {} weights)", to_string(s.backend),
                                        to_string(quant.format)));
  }
  if (!backend_supports(s.backend, quant))
    throw InputError(fmt::format("{} {} cannot load {} ({} format); use {}", field("backend"), to_string(s.backend), quant.name,
                                 to_string(quant.format), suggest_quant_for(s.backend)));
  if (s.backend == Backend::mlx && !backend_runs_on(s.backend, hw))
    throw InputError(fmt::format("{} mlx runs on Apple Silicon only; '{}' is {} hardware", field("backend"), hw.id, hw.vendor));
  if (s.backend == Backend::vllm && !backend_runs_on(s.backend, hw))
    throw InputError(fmt::format("{}vLLM runs on CUDA/ROCm GPUs only and '{}' is {}; use llama.cpp with a GGUF "
                                 "quantisation (-q4_k_m){}",
                                 query.backend.empty() ? fmt::format("{} weights default to vLLM, but ", quant.name)
                                                       : field("backend") + " vllm: ",
                                 hw.id, hw.vendor == "apple" ? "Apple Silicon (Metal)" : "a CPU entry",
                                 hw.vendor == "apple" ? " or mlx with an MLX one (-mlx-4bit)"
                                                      : " or " + field("backend") + " transformers"));

  // Device API: from the flag (must be one the chip supports), else the engine's natural one.
  if (!query.api.empty()) {
    const auto api = parse_device_api(query.api);
    if (!api) throw InputError(field("api") + ": unknown device API '" + query.api.substr(0, 40) +
                               "'; choose one of cuda, metal, vulkan, rocm, sycl, cpu");
    if (*api != DeviceApi::cpu && std::find(hw.apis.begin(), hw.apis.end(), *api) == hw.apis.end())
      throw InputError(fmt::format("{} {}: '{}' does not support it", field("api"), query.api, hw.id));
    // Only the efficiency constants would change: the GPU's bandwidth and memory would still be used.
    if (*api == DeviceApi::cpu && hw.kind == HardwareKind::gpu)
      throw InputError(fmt::format("{} cpu: '{}' is a GPU and its memory bandwidth would still be used; to predict "
                                   "CPU-only inference name a cpu entry (e.g. {} ddr5-5600-dual), or use {} for "
                                   "layers offloaded to host RAM",
                                   field("api"), hw.id, field("hardware"), field("host")));
    s.api = *api;
  } else {
    s.api = s.backend == Backend::mlx ? DeviceApi::metal : hw.apis.front();
    if (hw.apis.size() > 1)
      r.assumptions.push_back(fmt::format("device API {} ({} to choose)", to_string(s.api), field("api")));
  }

  const auto kv = parse_kv_cache_type(query.kv_type);
  if (!kv) throw InputError(field("kv_type") + ": unknown cache type '" + query.kv_type.substr(0, 40) +
                            "'; choose one of f16, bf16, q8_0, q4_0, f32");
  s.kv_type = *kv;

  if (query.context_tokens < 0) throw InputError(fmt::format("{}: {} must be positive", field("context_tokens"), query.context_tokens));
  if (query.context_tokens == 0) {
    s.context_tokens = std::min<std::int64_t>(8192, model.max_context);
  } else {
    if (query.context_tokens > model.max_context)
      throw InputError(fmt::format("{}: {} exceeds the maximum context of {} ({} tokens)", field("context_tokens"),
                                   query.context_tokens, model.id, model.max_context));
    s.context_tokens = query.context_tokens;
  }
  check_range(static_cast<double>(query.prompt_tokens), 1, static_cast<double>(model.max_context), "prompt_tokens",
              "tokens (the model's maximum context)");
  s.prompt_tokens = query.prompt_tokens;
  check_range(query.batch, 1, 4096, "batch", "sequences");
  s.batch = query.batch;
  if (query.memory_gib != 0) {
    check_range(query.memory_gib, 0.1, 1e5, "memory_gib", "GiB");
    s.memory_gib = query.memory_gib;
    const bool is_option = std::find(hw.memory_options_gib.begin(), hw.memory_options_gib.end(), query.memory_gib) !=
                           hw.memory_options_gib.end();
    r.assumptions.push_back(fmt::format("memory {:g} GiB per device ({})", query.memory_gib,
                                        is_option ? "a shipped configuration" : "as given"));
  }
  if (query.gpu_memory_fraction != 0) {
    check_range(query.gpu_memory_fraction, 0.05, 1.0, "gpu_memory_fraction", "");
    if (hw.kind != HardwareKind::unified)
      throw InputError(field("gpu_memory_fraction") + " applies to unified-memory chips only; '" + hw.id + "' is not one");
    s.gpu_memory_fraction = query.gpu_memory_fraction;
  }
  if (query.host_memory_gib != 0) {
    check_range(query.host_memory_gib, 0.1, 1e5, "host_memory_gib", "GiB");
    s.host_memory_gib = query.host_memory_gib;
  }
  s.allow_offload = query.allow_offload;

  if (hw.kind == HardwareKind::gpu) {
    if (!query.host.empty()) {
      const HardwareSpec& host = catalog.hardware_or_throw(query.host);
      if (host.kind != HardwareKind::cpu)
        throw InputError(field("host") + ": '" + host.id + "' is not a CPU/RAM entry (kind cpu)");
      s.host = &host;
    } else {
      s.host = catalog.default_host(hw);
      if (s.host != nullptr)
        r.assumptions.push_back(fmt::format("host {} ({:g} GiB, {:g} GB/s) for offloaded layers ({} to change)",
                                            s.host->id, s.host->default_memory_gib, s.host->bandwidth_gb_s,
                                            field("host")));
    }
  } else if (!query.host.empty()) {
    r.warnings.push_back(field("host") + " ignored: '" + hw.id + "' runs offloaded layers on its own CPU");
  }

  r.efficiency = &profile.lookup(s.backend, s.api, hardware_class(hw));
  for (const auto& override_note : catalog.overrides())
    r.warnings.push_back("user catalogue replaces shipped " + override_note);
  return r;
}

Answer answer_query(const Catalog& catalog, const Query& query, const EfficiencyProfile& profile) {
  Answer a;
  a.resolved = resolve_query(catalog, query, profile);
  const EfficiencyConstants& k = a.resolved.efficiency->constants;
  a.prediction = predict(a.resolved.scenario, k);
  a.context_scaling = context_scaling(a.resolved.scenario, k);
  const EfficiencyUncertainty& u = a.resolved.efficiency->uncertainty;
  if (u.known && a.prediction.in_range) {
    a.decode_low_tok_s = a.prediction.decode_tok_s / (1 + u.decode_relative_error);
    a.decode_high_tok_s = a.prediction.decode_tok_s * (1 + u.decode_relative_error);
    a.prefill_low_tok_s = a.prediction.prefill_tok_s / (1 + u.prefill_relative_error);
    a.prefill_high_tok_s = a.prediction.prefill_tok_s * (1 + u.prefill_relative_error);
  }
  return a;
}

}  // namespace llmfit
