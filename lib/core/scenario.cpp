#include "llmfit/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

void check_range(double value, double low, double high, const char* name, const char* unit) {
  if (!std::isfinite(value) || value < low || value > high)
    throw InputError(fmt::format("{}: {} is out of range (expected {} to {}{}{})", field(name), value, low, high,
                                 *unit != '\0' ? " " : "", unit));
}

/// The device API a query names, parsed (nullopt when none is named).
std::optional<DeviceApi> named_device_api(const Query& query) {
  if (query.api.empty()) return std::nullopt;
  const auto api = parse_device_api(query.api);
  if (!api)
    throw InputError(field("api") + ": unknown device API '" + query.api.substr(0, 40) + "'; choose one of " +
                     enum_choices<DeviceApi>());
  return api;
}

/// The weights and the engine. A named engine runs the named quantisation or the model's default, which
/// gives way to the catalogue's GGUF build of the same kernel family when that engine cannot load or run it
/// (gpt-oss's MXFP4 safetensors under Ollama, or on a Mac). Without one, default_engine (engines.hpp)
/// chooses from the weights, the machine, the sequences served and whether the model fits without offload.
/// Notes say which and why.
void choose_weights_and_engine(const Catalog& catalog, const ModelChoice& choice, const Backend* named_backend,
                               std::optional<DeviceApi> named_api, const EfficiencyProfile& profile, ResolvedQuery& r) {
  Scenario& s = r.scenario;
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& model = *s.model;
  const QuantSpec& release = *choice.quant;
  const QuantSpec* build = choice.quant_was_default ? catalog.gguf_build_of(release) : nullptr;
  std::string default_replaced;
  if (named_backend != nullptr) {
    s.backend = *named_backend;
    s.quant = &release;
    if (build != nullptr && !backend_can_run(s.backend, release, hw) && backend_supports(s.backend, *build)) {
      s.quant = build;
      default_replaced = fmt::format(
          "quantisation {}, the GGUF build of the model's default {} ({}): {}", build->name, release.name,
          to_string(release.format),
          backend_runs_on(s.backend, hw) ? fmt::format("{} cannot load that format", to_string(s.backend))
                                         : fmt::format("{} does not run on {}", to_string(s.backend), hw.id));
    }
  } else {
    const EngineSituation situation{&hw, &model, s.device_count, s.batch, named_api};
    // Whether an engine holds the model on the accelerator(s) without offload, with its own constants.
    const FitsFully fits_fully = [&](Backend engine, const QuantSpec& quant) {
      Scenario trial = s;
      trial.backend = engine;
      trial.quant = &quant;
      trial.api = named_api.value_or(default_api(engine, hw));
      trial.allow_offload = false;
      return fit_memory(trial, profile.lookup(engine, trial.api, hw).constants).fits;
    };
    const EngineChoice engine = default_engine(situation, release, build, fits_fully);
    s.backend = engine.backend;
    s.quant = engine.quant;
    r.assumptions.push_back(fmt::format("backend {} ({})", to_string(engine.backend), engine.reason));
    if (engine.quant != &release)
      default_replaced = fmt::format("quantisation {}, the GGUF build of the model's default {} ({})",
                                     engine.quant->name, release.name, to_string(release.format));
  }
  const QuantSpec& quant = *s.quant;
  const FileWeights& file = model.file_weights;
  if (file.present() && file.quant_id == quant.id) {
    r.assumptions.push_back(fmt::format("weights {:.2f} GB: the tensor table of {} (exact; {} the file's quantisation)",
                                        file.total_bytes() / 1e9, model.origin, quant.name));
  } else if (file.present()) {
    r.warnings.push_back(fmt::format("quantisation {} is not the file's ({}): weights estimated from the shape",
                                     quant.name, file.quant_id));
  } else if (!default_replaced.empty()) {
    r.assumptions.push_back(default_replaced);
  } else if (choice.quant_was_default) {
    r.assumptions.push_back(fmt::format("quantisation {} (the model's default)", quant.name));
  }
  require_loads(s.backend, quant);
  require_runs_on(s.backend, hw, named_backend != nullptr ? nullptr : &quant);
  // The engine loads the format and runs on the machine, but the format's kernels may not exist there.
  if (!backend_can_run(s.backend, quant, hw))
    throw InputError(fmt::format("{} {}: {} has no {} kernels on '{}' ({})", field("model"), quant.id, quant.name,
                                 to_string(s.backend), hw.id,
                                 quant.kernel == QuantKernel::nvfp4 ? "NVFP4 runs on NVIDIA GPUs through CUDA"
                                                                    : "TQ1_0/TQ2_0 run on llama.cpp's CPU back end"));
  require_sequences(s.backend, s.batch, "batch");
  if (const std::string problem = multi_device_problem(s.backend, model, s.device_count); !problem.empty()) {
    std::vector<std::string> counts;
    for (int n = 2; n <= 16 && counts.size() < 3; ++n)
      if (multi_device_problem(s.backend, model, n).empty()) counts.push_back(fmt::format("{}", n));
    throw InputError(fmt::format("{} {}:{}: {}; use {} GPUs, or llama.cpp with a GGUF quantisation (-q4_k_m)",
                                 field("hardware"), hw.id, s.device_count, problem,
                                 counts.empty() ? std::string("one") : join(counts, ", ")));
  }
}

/// A context given for an engine that holds everything on the accelerator (vLLM, or --no-offload) must leave room
/// for one sequence's KV cache beside the weights: vLLM refuses to start otherwise ("max_model_len ... larger than
/// the maximum number of tokens that can be stored in KV cache"). Weights that do not fit at all stay a verdict
/// (does not fit), not an error.
void require_kv_room(const ResolvedQuery& r) {
  if (r.scenario.allow_offload) return;
  Scenario one = r.scenario;
  one.batch = 1;
  const MemoryFit fit = fit_memory(one, r.efficiency->constants);
  if (fit.fits || fit.max_context <= 0 || fit.max_context >= one.context_tokens) return;
  const std::string share =
      r.scenario.backend == Backend::vllm
          ? fmt::format(" within vLLM's {} of {:g}", field("gpu_memory_utilization"),
                        r.scenario.gpu_memory_utilization > 0 ? r.scenario.gpu_memory_utilization
                                                              : default_memory_utilization(r.scenario.backend))
          : std::string();
  throw InputError(fmt::format("{}: {} tokens leave no room for one sequence's KV cache beside the weights on '{}'{} "
                               "({} holds everything on the accelerator); at most {} tokens fit, safety margin kept",
                               field("context_tokens"), with_thousands(one.context_tokens),
                               hardware_label(r.scenario), share, to_string(r.scenario.backend),
                               with_thousands(fit.max_context)));
}

/// The device API: named (and driven by the engine), else the engine's default on this chip.
void choose_api(std::optional<DeviceApi> named_api, const Query& query, ResolvedQuery& r) {
  Scenario& s = r.scenario;
  const HardwareSpec& hw = *s.hardware;
  if (!named_api) {
    s.api = default_api(s.backend, hw);
    if (hw.apis.size() > 1)
      r.assumptions.push_back(fmt::format("device API {} ({} to choose)", to_string(s.api), field("api")));
    return;
  }
  const DeviceApi api = *named_api;
  if (api != DeviceApi::cpu && std::find(hw.apis.begin(), hw.apis.end(), api) == hw.apis.end())
    throw InputError(fmt::format("{} {}: '{}' does not support it", field("api"), query.api, hw.id));
  // Only the efficiency constants would change: the GPU's bandwidth and memory would still be used.
  if (api == DeviceApi::cpu && hw.kind == HardwareKind::gpu)
    throw InputError(fmt::format("{} cpu: '{}' is a GPU and its memory bandwidth would still be used; to predict "
                                 "CPU-only inference name a cpu entry (e.g. {} ddr5-5600-dual), or use {} for "
                                 "layers offloaded to host RAM",
                                 field("api"), hw.id, field("hardware"), field("host")));
  if (!backend_drives(s.backend, api))
    throw InputError(fmt::format("{} {}: {} does not drive it; use {} llama.cpp", field("api"), query.api,
                                 to_string(s.backend), field("backend")));
  s.api = api;
}

/// The context, and the prompt within it. A prompt longer than a context that was not given widens the
/// context (and says so); one longer than a context that was given is refused: the KV cache must hold it.
void choose_context(const Query& query, ResolvedQuery& r) {
  Scenario& s = r.scenario;
  const ModelSpec& model = *s.model;
  if (query.context_tokens) {
    if (*query.context_tokens < 1)
      throw InputError(fmt::format("{}: {} must be at least 1 token", field("context_tokens"), *query.context_tokens));
    if (*query.context_tokens > model.max_context)
      throw InputError(fmt::format("{}: {} exceeds the maximum context of {} ({} tokens)", field("context_tokens"),
                                   *query.context_tokens, model.id, model.max_context));
    s.context_tokens = *query.context_tokens;
  } else {
    s.context_tokens = std::min<std::int64_t>(kDefaultContextTokens, model.max_context);
  }
  if (!query.prompt_tokens) {
    s.prompt_tokens = std::min(kDefaultPromptTokens, s.context_tokens);
    return;
  }
  const std::int64_t prompt = *query.prompt_tokens;
  if (prompt < 1 || prompt > model.max_context)
    throw InputError(fmt::format("{}: {} is out of range (expected 1 to {} tokens, the maximum context of {})",
                                 field("prompt_tokens"), prompt, model.max_context, model.id));
  if (prompt > s.context_tokens) {
    if (query.context_tokens)
      throw InputError(fmt::format("{}: a {}-token prompt does not fit in the {}-token KV cache of {}; raise {} or "
                                   "leave it out",
                                   field("prompt_tokens"), prompt, s.context_tokens, field("context_tokens"),
                                   field("context_tokens")));
    r.assumptions.push_back(fmt::format("context {} tokens: widened to hold the {}-token prompt ({} not given)",
                                        prompt, prompt, field("context_tokens")));
    s.context_tokens = prompt;
  }
  s.prompt_tokens = prompt;
}

/// KV cache type, context, prompt, batch, the memory the accelerator may use and the margin it keeps.
void choose_sizes(const Query& query, ResolvedQuery& r) {
  Scenario& s = r.scenario;
  const HardwareSpec& hw = *s.hardware;
  s.kv_type = kv_cache_type_or_throw(query.kv_type);
  choose_context(query, r);
  check_range(query.batch, 1, 4096, "batch", "sequences");
  s.batch = query.batch;
  if (query.memory_gib) {
    check_range(*query.memory_gib, 0.1, 1e5, "memory_gib", "GiB");
    s.memory_gib = *query.memory_gib;
    const bool is_option = std::find(hw.memory_options_gib.begin(), hw.memory_options_gib.end(), s.memory_gib) !=
                           hw.memory_options_gib.end();
    r.assumptions.push_back(fmt::format("memory {:g} GiB per device ({})", s.memory_gib,
                                        is_option ? "a shipped configuration" : "as given"));
  }
  if (query.gpu_memory_fraction) {
    check_range(*query.gpu_memory_fraction, 0.05, 1.0, "gpu_memory_fraction", "");
    if (hw.kind != HardwareKind::unified)
      throw InputError(field("gpu_memory_fraction") + " applies to unified-memory chips only; '" + hw.id +
                       "' is not one");
    s.gpu_memory_fraction = *query.gpu_memory_fraction;
  }
  if (query.gpu_memory_utilization) {
    check_range(*query.gpu_memory_utilization, 0.05, 1.0, "gpu_memory_utilization", "");
    s.gpu_memory_utilization = *query.gpu_memory_utilization;  // the engine is checked once chosen
  }
  if (query.host_memory_gib) {
    check_range(*query.host_memory_gib, 0.1, 1e5, "host_memory_gib", "GiB");
    if (hw.kind != HardwareKind::gpu)
      throw InputError(fmt::format("{} is the RAM of a graphics card's host; '{}' offloads within its own memory "
                                   "(set that with {})",
                                   field("host_memory_gib"), hw.id, field("memory_gib")));
    s.host_memory_gib = *query.host_memory_gib;
  }
  s.allow_offload = query.allow_offload;
  s.margin = parse_fit_margin(query.fit_margin);
}

/// The CPU/RAM entry that runs a GPU's offloaded layers: named, else the catalogue's default host.
void choose_host(const Catalog& catalog, const Query& query, ResolvedQuery& r) {
  Scenario& s = r.scenario;
  const HardwareSpec& hw = *s.hardware;
  if (hw.kind != HardwareKind::gpu) {
    if (!query.host.empty())
      throw InputError(fmt::format("{} names the CPU/RAM of a graphics card's host; '{}' runs offloaded layers on "
                                   "its own CPU",
                                   field("host"), hw.id));
    return;
  }
  if (!query.host.empty()) {
    const HardwareChoice host_choice = catalog.resolve_hardware(query.host);
    if (host_choice.count > 1 || host_choice.memory_gib > 0)
      throw InputError(fmt::format("{}: name the CPU/RAM entry alone (its RAM: {})", field("host"),
                                   field("host_memory_gib")));
    const HardwareSpec& host = *host_choice.hardware;
    if (host.kind != HardwareKind::cpu)
      throw InputError(field("host") + ": '" + host.id + "' is not a CPU/RAM entry (kind cpu)");
    s.host = &host;
    return;
  }
  s.host = catalog.default_host(hw);
  if (s.host != nullptr)
    r.assumptions.push_back(fmt::format("host {} ({:g} GiB, {:g} GB/s) for offloaded layers ({} to change)",
                                        s.host->id, s.host->default_memory_gib, s.host->bandwidth_gb_s,
                                        field("host")));
}

}  // namespace

FitMargin parse_fit_margin(std::string_view text) {
  if (text.empty()) return kDefaultFitMargin;
  std::string number(text);
  bool share = false;
  const std::string lower = to_lower(number);
  if (lower.ends_with('%')) {
    share = true;
    number.pop_back();
  } else if (lower.ends_with("gb")) {
    number.resize(number.size() - 2);
  }
  const double value = parse_decimal(number).value_or(-1);
  if (!std::isfinite(value) || value < 0 ||
      (share && value > 50) || (!share && value > 1e5))
    throw InputError(fmt::format("{}: '{}' is not a margin; give a share of usable memory (5%, at most 50%) or "
                                 "GB (1.5), or 0 for none",
                                 field("fit_margin"), excerpt(text, 40)));
  return share ? FitMargin{value / 100, 0} : FitMargin{0, value * 1e9};
}

std::string describe_fit_margin(const FitMargin& margin) {
  const bool share = margin.share_of_usable > 0;
  const bool bytes = margin.bytes > 0;
  if (share && bytes)
    return fmt::format("{:g}% of usable memory or {:g} GB, whichever is larger", margin.share_of_usable * 100,
                       margin.bytes / 1e9);
  if (share) return fmt::format("{:g}% of usable memory", margin.share_of_usable * 100);
  if (bytes) return fmt::format("{:g} GB", margin.bytes / 1e9);
  return "none";
}

Query applicable_to(const Query& query, const HardwareSpec& hardware, std::vector<std::string>& notes) {
  Query q = query;
  if (hardware.kind != HardwareKind::gpu && !q.host.empty()) {
    notes.push_back(fmt::format("{} does not apply to {}: it offloads to its own CPU", field("host"), hardware.id));
    q.host.clear();
  }
  if (hardware.kind != HardwareKind::gpu && q.host_memory_gib) {
    notes.push_back(
        fmt::format("{} does not apply to {}: it offloads within its own memory", field("host_memory_gib"), hardware.id));
    q.host_memory_gib.reset();
  }
  if (hardware.kind != HardwareKind::unified && q.gpu_memory_fraction) {
    notes.push_back(fmt::format("{} does not apply to {}: not unified memory", field("gpu_memory_fraction"),
                                hardware.id));
    q.gpu_memory_fraction.reset();
  }
  return q;
}

ResolvedQuery resolve_query(const Catalog& catalog, const Query& query, const EfficiencyProfile& profile) {
  if (query.hardware.empty())
    throw InputError(
        fmt::format("{0}: missing; name a chip, e.g. {0} m2-max (see 'llmfit list hardware')", field("hardware")));
  if (query.model.empty())
    throw InputError(fmt::format("{0}: missing; name a model, e.g. {0} qwen3-coder-q4", field("model")));
  const HardwareChoice hw_choice = catalog.resolve_hardware(query.hardware);
  const ModelChoice model_choice = catalog.resolve_model(query.model);
  // A capacity in the hardware name ("M3 Ultra 512GB", "m3-ultra@512") is the memory per device.
  Query sized = query;
  if (hw_choice.memory_gib > 0) {
    if (query.memory_gib && *query.memory_gib != hw_choice.memory_gib)
      throw InputError(fmt::format("{} {:g} and {} '{}' ({:g} GiB) disagree; give the capacity once",
                                   field("memory_gib"), *query.memory_gib, field("hardware"), query.hardware,
                                   hw_choice.memory_gib));
    sized.memory_gib = hw_choice.memory_gib;
  }
  const std::optional<Backend> named_backend =
      query.backend.empty() ? std::nullopt : std::optional<Backend>(backend_or_throw(query.backend));

  const std::optional<DeviceApi> named_api = named_device_api(query);

  ResolvedQuery r;
  r.scenario.hardware = hw_choice.hardware;
  r.scenario.device_count = hw_choice.count;
  r.scenario.model = model_choice.model;
  // Sizes and host first: the default engine depends on the sequences served and on what fits.
  choose_sizes(sized, r);
  choose_host(catalog, query, r);
  choose_weights_and_engine(catalog, model_choice, named_backend ? &*named_backend : nullptr, named_api, profile, r);
  choose_api(named_api, query, r);
  if (query.gpu_memory_utilization && r.scenario.backend != Backend::vllm)
    throw InputError(fmt::format("{} is vLLM's share of each GPU it allocates up front; {} uses what it needs "
                                 "(add {} vllm)",
                                 field("gpu_memory_utilization"), to_string(r.scenario.backend), field("backend")));
  if (r.scenario.allow_offload && !backend_offloads(r.scenario.backend)) {
    r.scenario.allow_offload = false;
    r.assumptions.push_back(fmt::format("no CPU offload: {} holds every weight on the GPUs", to_string(r.scenario.backend)));
  }
  r.hardware_reading = hw_choice.reading;
  r.model_reading = model_choice.reading;

  r.efficiency = &profile.lookup(r.scenario.backend, r.scenario.api, *hw_choice.hardware);
  if (query.context_tokens) require_kv_room(r);
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
  a.full_context = speed_at_prompt(a.resolved.scenario, k, a.resolved.scenario.context_tokens);
  a.max_context_with_offload = max_context_with_offload(a.resolved.scenario, k);
  a.uncertainty = prediction_uncertainty(profile, *a.resolved.efficiency, a.resolved.scenario.backend,
                                         a.resolved.scenario.api, hardware_class(*a.resolved.scenario.hardware));
  const PredictionUncertainty& u = a.uncertainty;
  if (u.known && a.prediction.in_range) {
    a.decode_low_tok_s = a.prediction.decode_tok_s / (1 + u.decode_relative_error);
    a.decode_high_tok_s = a.prediction.decode_tok_s * (1 + u.decode_relative_error);
    a.prefill_low_tok_s = a.prediction.prefill_tok_s / (1 + u.prefill_relative_error);
    a.prefill_high_tok_s = a.prediction.prefill_tok_s * (1 + u.prefill_relative_error);
  }
  return a;
}

std::string hardware_label(const HardwareSpec& hardware, int count, double memory_gib) {
  std::string label = hardware.id;
  if (count > 1) label += fmt::format(":{}", count);
  if (memory_gib > 0 && memory_gib != hardware.default_memory_gib) label += fmt::format("@{:g}", memory_gib);
  return label;
}

std::string hardware_label(const Scenario& s) {
  return s.hardware == nullptr ? "" : hardware_label(*s.hardware, s.device_count, s.memory_gib);
}

double device_price_usd(const HardwareSpec& hw, double memory_gib) noexcept {
  if (memory_gib <= 0) memory_gib = hw.default_memory_gib;
  if (memory_gib == hw.default_memory_gib && hw.price_usd > 0) return hw.price_usd;
  for (std::size_t i = 0; i < hw.memory_options_gib.size() && i < hw.memory_prices_usd.size(); ++i)
    if (hw.memory_options_gib[i] == memory_gib && hw.memory_prices_usd[i] > 0) return hw.memory_prices_usd[i];
  return 0;
}

double scenario_price_usd(const Scenario& s) noexcept {
  if (s.hardware == nullptr) return 0;
  return std::max(1, s.device_count) * device_price_usd(*s.hardware, s.memory_gib);
}

double scenario_power_w(const Scenario& s) noexcept {
  if (s.hardware == nullptr || !(s.hardware->tdp_w > 0)) return 0;
  return std::max(1, s.device_count) * s.hardware->tdp_w;
}

}  // namespace llmfit
