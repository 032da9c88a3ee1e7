// Hugging Face config.json → ModelSpec. Each architecture's keys and defaults follow its transformers
// configuration class (configuration_<model_type>.py); the encoding follows models-db/*.yaml so the same
// formulas apply to a config as to the catalogue entry of the same model. Accepted keys: docs/model-files.md.
#include "llmfit/io/hf_config.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "llmfit/catalog.hpp"
#include "llmfit/errors.hpp"
#include "text_input.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxDim = limits::kMaxWidth;
constexpr std::int64_t kMaxHeads = limits::kMaxHeads;
constexpr std::int64_t kMaxLayers = limits::kMaxLayers;
constexpr std::int64_t kMaxVocab = limits::kMaxVocab;
constexpr std::int64_t kMaxContext = limits::kMaxContext;
constexpr std::int64_t kMaxWindow = std::numeric_limits<std::int32_t>::max();
constexpr std::size_t kMaxConfigBytes = std::size_t{64} << 20;  // real configs are a few KB
constexpr int kMaxNesting = 64;                                  // real configs nest 3 deep

enum class Arch {
  llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, qwen3_next, qwen3_5, qwen3_5_text, qwen3_5_moe, qwen3_5_moe_text,
  gemma2, gemma3, gemma3_text, gemma3n, gemma3n_text, gemma4, gemma4_text, phi3, deepseek_v3, deepseek_v32, kimi_k2,
  glm4_moe, glm4_moe_lite, llama4, llama4_text, minimax_m2, ernie4_5, ernie4_5_moe, seed_oss, gpt_oss,
  // Hybrid recurrent stacks (read_hybrid_layers) and further dense transformers.
  lfm2, lfm2_moe, nemotron_h, granitemoehybrid, mistral3, ministral3, olmo2, smollm3,
};

struct ArchInfo {
  Arch arch;
  std::string_view model_type;
  std::string_view architecture;  // architectures[0] of the published checkpoints
  bool tied_by_default;           // tie_word_embeddings default of the transformers config class
  std::string_view text_model_type{};  // multimodal wrapper: the language model is text_config, of this type
  std::string_view alt_text_model_type{};  // or of this one, when text_config says so (Mistral 3: ministral3)
};

constexpr ArchInfo kArchs[] = {
    {Arch::llama, "llama", "LlamaForCausalLM", false},
    {Arch::mistral, "mistral", "MistralForCausalLM", false},
    {Arch::mixtral, "mixtral", "MixtralForCausalLM", false},
    {Arch::qwen2, "qwen2", "Qwen2ForCausalLM", false},
    {Arch::qwen3, "qwen3", "Qwen3ForCausalLM", false},
    {Arch::qwen3_moe, "qwen3_moe", "Qwen3MoeForCausalLM", false},
    {Arch::qwen3_next, "qwen3_next", "Qwen3NextForCausalLM", false},
    {Arch::qwen3_5, "qwen3_5", "Qwen3_5ForConditionalGeneration", false, "qwen3_5_text"},
    {Arch::qwen3_5_text, "qwen3_5_text", "Qwen3_5ForCausalLM", false},
    {Arch::qwen3_5_moe, "qwen3_5_moe", "Qwen3_5MoeForConditionalGeneration", false, "qwen3_5_moe_text"},
    {Arch::qwen3_5_moe_text, "qwen3_5_moe_text", "Qwen3_5MoeForCausalLM", false},
    {Arch::gemma2, "gemma2", "Gemma2ForCausalLM", true},
    {Arch::gemma3, "gemma3", "Gemma3ForConditionalGeneration", true, "gemma3_text"},
    {Arch::gemma3_text, "gemma3_text", "Gemma3ForCausalLM", true},
    {Arch::gemma3n, "gemma3n", "Gemma3nForConditionalGeneration", true, "gemma3n_text"},
    {Arch::gemma3n_text, "gemma3n_text", "Gemma3nForCausalLM", true},
    {Arch::gemma4, "gemma4", "Gemma4ForConditionalGeneration", true, "gemma4_text"},
    {Arch::gemma4_text, "gemma4_text", "Gemma4ForCausalLM", true},
    {Arch::phi3, "phi3", "Phi3ForCausalLM", false},
    {Arch::deepseek_v3, "deepseek_v3", "DeepseekV3ForCausalLM", false},
    {Arch::deepseek_v32, "deepseek_v32", "DeepseekV32ForCausalLM", false},
    {Arch::kimi_k2, "kimi_k2", "DeepseekV3ForCausalLM", false},
    {Arch::glm4_moe, "glm4_moe", "Glm4MoeForCausalLM", false},
    {Arch::glm4_moe_lite, "glm4_moe_lite", "Glm4MoeLiteForCausalLM", false},
    {Arch::llama4, "llama4", "Llama4ForConditionalGeneration", false, "llama4_text"},
    {Arch::llama4_text, "llama4_text", "Llama4ForCausalLM", false},
    {Arch::minimax_m2, "minimax_m2", "MiniMaxM2ForCausalLM", false},
    {Arch::ernie4_5, "ernie4_5", "Ernie4_5_ForCausalLM", true},
    {Arch::ernie4_5_moe, "ernie4_5_moe", "Ernie4_5_MoeForCausalLM", true},
    {Arch::seed_oss, "seed_oss", "SeedOssForCausalLM", false},
    {Arch::gpt_oss, "gpt_oss", "GptOssForCausalLM", false},
    {Arch::lfm2, "lfm2", "Lfm2ForCausalLM", true},
    {Arch::lfm2_moe, "lfm2_moe", "Lfm2MoeForCausalLM", true},
    {Arch::nemotron_h, "nemotron_h", "NemotronHForCausalLM", false},
    {Arch::granitemoehybrid, "granitemoehybrid", "GraniteMoeHybridForCausalLM", false},
    {Arch::mistral3, "mistral3", "Mistral3ForConditionalGeneration", false, "mistral", "ministral3"},
    {Arch::ministral3, "ministral3", "Ministral3ForCausalLM", false},
    {Arch::olmo2, "olmo2", "Olmo2ForCausalLM", false},
    {Arch::smollm3, "smollm3", "SmolLM3ForCausalLM", true},
};

/// Architectures with multi-head latent attention and DeepSeek's MoE keys (n_routed_experts, first_k_dense_replace).
constexpr bool has_mla(Arch a) {
  return a == Arch::deepseek_v3 || a == Arch::deepseek_v32 || a == Arch::kimi_k2 || a == Arch::glm4_moe_lite;
}
/// Qwen's hybrid Gated DeltaNet + gated attention stack.
constexpr bool is_qwen_hybrid(Arch a) {
  return a == Arch::qwen3_next || a == Arch::qwen3_5_text || a == Arch::qwen3_5_moe_text;
}
constexpr bool is_gemma3n(Arch a) { return a == Arch::gemma3n_text; }
constexpr bool is_gemma4(Arch a) { return a == Arch::gemma4_text; }
/// Stacks whose layers are not all attention + FFN: their layer kinds and recurrent shapes come from
/// read_hybrid_layers, not from layer_types' attention kinds or the sliding-window rules.
constexpr bool is_hybrid_recurrent(Arch arch) {
  return arch == Arch::lfm2 || arch == Arch::lfm2_moe || arch == Arch::nemotron_h || arch == Arch::granitemoehybrid;
}

// Gemma3TextConfig defaults (transformers configuration_gemma3.py): the published multimodal configs
// (gemma-3-4b/12b/27b-it) leave these keys out of text_config.
constexpr std::int64_t kGemma3Vocab = 262'208;
constexpr std::int64_t kGemma3Heads = 8;
constexpr std::int64_t kGemma3KvHeads = 4;
constexpr std::int64_t kGemma3MaxContext = 131'072;
constexpr std::int64_t kGemma3Window = 4'096;
constexpr std::int64_t kGemma3Pattern = 6;  // every 6th layer global
constexpr std::int64_t kGemmaHeadDim = 256;  // Gemma2Config and Gemma3TextConfig default
constexpr std::int64_t kGemma2Window = 4'096;
constexpr std::int64_t kGptOssWindow = 128;
constexpr std::int64_t kQwenMaxWindowLayers = 28;  // Qwen2Config default
constexpr std::int64_t kQwenFullAttentionInterval = 4;  // Qwen3NextConfig: one gated-attention layer in 4
constexpr std::int64_t kLlama4ChunkTokens = 8'192;      // Llama4TextConfig attention_chunk_size
constexpr std::int64_t kLlama4NoRopeInterval = 4;       // Llama4TextConfig: every 4th layer is global (NoPE)


std::string clip(std::string_view text, std::size_t max = 40) { return excerpt(text, max); }

std::string show(const json& value) {
  return clip(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

/// Reads typed, range-checked keys of one JSON object; every failure names the file and the key.
class Fields {
 public:
  Fields(const json& object, std::string source, std::string prefix)
      : object_(object), source_(std::move(source)), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
    throw InputError(source_ + ": " + prefix_ + std::string(key) + ": " + problem);
  }

  /// The value, or null when the key is absent or JSON null (transformers treats both as unset).
  [[nodiscard]] const json* find(std::string_view key) const {
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  [[nodiscard]] std::optional<std::int64_t> optional_whole(std::string_view key, std::int64_t lo,
                                                           std::int64_t hi) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    return whole_value(key, *value, lo, hi);
  }

  [[nodiscard]] std::int64_t whole(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const auto value = optional_whole(key, lo, hi);
    if (!value) fail(key, "missing");
    return *value;
  }

  [[nodiscard]] int whole_int(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    return static_cast<int>(whole(key, lo, std::min<std::int64_t>(hi, std::numeric_limits<int>::max())));
  }

  [[nodiscard]] std::int64_t whole_value(std::string_view key, const json& value, std::int64_t lo,
                                         std::int64_t hi) const {
    const auto range = [&](const std::string& shown) -> std::string {
      return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", not " + shown;
    };
    if (!value.is_number()) fail(key, "must be a number, not " + show(value));
    if (value.is_number_unsigned()) {
      const auto x = value.get<std::uint64_t>();
      if (x > static_cast<std::uint64_t>(hi) || static_cast<std::int64_t>(x) < lo) fail(key, range(show(value)));
      return static_cast<std::int64_t>(x);
    }
    if (value.is_number_integer()) {
      const auto x = value.get<std::int64_t>();
      if (x < lo || x > hi) fail(key, range(show(value)));
      return x;
    }
    const double x = value.get<double>();
    if (!std::isfinite(x) || std::floor(x) != x) fail(key, range(show(value)));
    if (x < static_cast<double>(lo) || x > static_cast<double>(hi)) fail(key, range(show(value)));
    return static_cast<std::int64_t>(x);
  }

  /// A number that need not be whole (LFM2's block_ffn_dim_multiplier), in [lo, hi].
  [[nodiscard]] std::optional<double> optional_real(std::string_view key, double lo, double hi) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) fail(key, "must be a number, not " + show(*value));
    const double x = value->get<double>();
    if (!std::isfinite(x) || x < lo || x > hi)
      fail(key, "must be a number from " + show(json(lo)) + " to " + show(json(hi)) + ", not " + show(*value));
    return x;
  }

  [[nodiscard]] std::optional<bool> optional_flag(std::string_view key) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) fail(key, "must be true or false, not " + show(*value));
    return value->get<bool>();
  }

  [[nodiscard]] std::optional<std::string> optional_text(std::string_view key) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) fail(key, "must be a string, not " + show(*value));
    return value->get<std::string>();
  }

  [[nodiscard]] const json* optional_array(std::string_view key) const {
    const json* value = find(key);
    if (value != nullptr && !value->is_array()) fail(key, "must be a list, not " + show(*value));
    return value;
  }

  [[nodiscard]] const json* optional_object(std::string_view key) const {
    const json* value = find(key);
    if (value != nullptr && !value->is_object()) fail(key, "must be an object, not " + show(*value));
    return value;
  }

  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  const json& object_;
  std::string source_;
  std::string prefix_;
};

std::string supported_list() {
  std::vector<std::string> names;
  for (const auto& info : kArchs) names.emplace_back(info.model_type);
  return join(names, ", ");
}

const ArchInfo& resolve_arch(const Fields& root) {
  if (const auto model_type = root.optional_text("model_type")) {
    for (const auto& info : kArchs)
      if (info.model_type == *model_type) return info;
    std::vector<std::string> names;
    for (const auto& info : kArchs) names.emplace_back(info.model_type);
    const auto close = closest_matches(*model_type, names, 1);
    root.fail("model_type", "unsupported '" + clip(*model_type) + "'" +
                                (close.empty() ? std::string() : " (did you mean '" + close.front() + "'?)") +
                                "; supported: " + supported_list());
  }
  // No model_type: the class name in architectures[0] (older or hand-written configs).
  const json* architectures = root.optional_array("architectures");
  if (architectures == nullptr || architectures->empty())
    root.fail("model_type", "missing (and no architectures list to infer it from); supported: " + supported_list());
  const json& first = architectures->front();
  if (!first.is_string()) root.fail("architectures", "entry 0 must be a string, not " + show(first));
  const std::string name = first.get<std::string>();
  for (const auto& info : kArchs)
    if (info.architecture == name) return info;
  std::vector<std::string> names;
  for (const auto& info : kArchs) names.emplace_back(info.architecture);
  const auto close = closest_matches(name, names, 1);
  root.fail("model_type", "missing, and architectures[0] '" + clip(name) + "' is not supported" +
                              (close.empty() ? std::string() : " (did you mean '" + close.front() + "'?)") +
                              "; supported model_type: " + supported_list());
}

/// Layers of each kind in `layer_types` (transformers >= 4.53 writes it for hybrid models).
struct LayerKinds {
  int sliding = 0;  // sliding_attention, chunked_attention (Llama 4): KV bounded by a window
  int linear = 0;   // linear_attention (Gated DeltaNet)
};

std::optional<LayerKinds> layer_kinds(const Fields& f, int layers) {
  const json* types = f.optional_array("layer_types");
  if (types == nullptr) return std::nullopt;
  if (types->size() != static_cast<std::size_t>(layers))
    f.fail("layer_types", "has " + std::to_string(types->size()) + " entries for " + std::to_string(layers) +
                              " layers (num_hidden_layers)");
  LayerKinds kinds;
  for (std::size_t i = 0; i < types->size(); ++i) {
    const json& entry = (*types)[i];
    if (!entry.is_string()) f.fail("layer_types", "entry " + std::to_string(i) + " must be a string, not " + show(entry));
    const std::string kind = entry.get<std::string>();
    if (kind == "sliding_attention" || kind == "chunked_attention") ++kinds.sliding;
    else if (kind == "linear_attention") ++kinds.linear;
    else if (kind != "full_attention")
      f.fail("layer_types", "entry " + std::to_string(i) + ": unsupported '" + clip(kind) +
                                "' (full_attention, sliding_attention, chunked_attention or linear_attention)");
  }
  return kinds;
}

/// Catalogue quant id from quantization_config / MLX `quantization` / torch_dtype.
std::string suggest_quant(const Fields& root, const Fields& lm, std::vector<std::string>& notes) {
  std::string dtype_quant;
  std::optional<std::string> dtype = root.optional_text("torch_dtype");
  if (!dtype) dtype = root.optional_text("dtype");  // transformers >= 4.56 writes `dtype`
  if (!dtype) dtype = lm.optional_text("torch_dtype");
  if (!dtype) {
    dtype_quant = "bf16";
  } else if (*dtype == "bfloat16") {
    dtype_quant = "bf16";
  } else if (*dtype == "float16" || *dtype == "half") {
    dtype_quant = "f16";
  } else if (*dtype == "float32" || *dtype == "float") {
    dtype_quant = "f32";
  } else {
    dtype_quant = "bf16";
    notes.push_back("torch_dtype '" + clip(*dtype) + "' unknown: assuming bf16");
  }

  if (const json* qc = root.optional_object("quantization_config")) {
    const Fields q(*qc, root.source(), "quantization_config.");
    if (const auto method = q.optional_text("quant_method")) {
      const auto bits = q.optional_whole("bits", 1, 64);
      if (*method == "fp8") return "fp8";
      if (*method == "mxfp4") return "mxfp4";
      if ((*method == "awq" || *method == "gptq") && bits.value_or(4) == 4) return *method + "-4bit";
      notes.push_back("quantization_config quant_method '" + clip(*method) +
                      (bits ? " " + std::to_string(*bits) + "-bit" : std::string()) +
                      "' has no catalogue quantisation: suggesting " + dtype_quant + " from torch_dtype (choose " + field("quant") + ")");
      return dtype_quant;
    }
  }
  // mlx-lm writes {"quantization": {"group_size": 64, "bits": 4}}.
  if (const json* mlx = root.optional_object("quantization")) {
    const Fields q(*mlx, root.source(), "quantization.");
    const auto bits = q.optional_whole("bits", 1, 64);
    if (bits && (*bits == 3 || *bits == 4 || *bits == 6 || *bits == 8)) return "mlx-" + std::to_string(*bits) + "bit";
    notes.push_back("quantization (MLX) without a catalogue bit width: suggesting " + dtype_quant + " (choose " + field("quant") + ")");
    return dtype_quant;
  }
  if (!dtype) notes.push_back("torch_dtype absent: assuming bf16 weights");
  return dtype_quant;
}

/// Dense-FFN layers of an MoE stack (ModelSpec::moe.dense_layers), from `is_moe(i)` per layer.
template <typename IsMoe>
int dense_layer_count(int layers, IsMoe is_moe, std::vector<std::string>& notes, std::string_view why) {
  int dense = 0;
  bool leading = true;
  for (int i = 0; i < layers; ++i) {
    if (is_moe(i)) continue;
    if (i != dense) leading = false;
    ++dense;
  }
  if (dense > 0 && !leading)
    notes.push_back(std::to_string(dense) + " dense-FFN layers (" + std::string(why) +
                    ") are interleaved with the MoE layers: counted by number (no formula depends on where they sit)");
  return dense;
}

/// What the per-aspect readers below share: the language model's architecture and keys (`f`; the top level,
/// or text_config of a multimodal wrapper), the model being filled in and the notes on what was assumed.
struct HfRead {
  const ArchInfo& info;  // the language model's (gemma3_text inside a gemma3 wrapper)
  const Fields& root;
  const Fields& f;
  ModelSpec& m;
  std::vector<std::string>& notes;
  bool gemma3 = false;   // gemma3_text: Gemma3TextConfig defaults apply
  bool wrapped = false;  // read from text_config: the top level may carry tie_word_embeddings
};

/// Layers, widths, heads, vocabulary, context and tied embeddings.
void read_shape(HfRead& c) {
  const ArchInfo& info = c.info;
  const Fields& f = c.f;
  const Fields& root = c.root;
  ModelSpec& m = c.m;
  auto& notes = c.notes;
  const bool gemma3 = c.gemma3;
  m.hidden_size = f.whole_int("hidden_size", 1, kMaxDim);
  m.layers = f.whole_int("num_hidden_layers", 1, kMaxLayers);
  auto defaulted = [&](std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t fallback,
                       const char* why) -> int {
    if (const auto v = f.optional_whole(key, lo, hi)) return static_cast<int>(*v);
    notes.push_back(std::string(key) + " absent: " + std::to_string(fallback) + " (" + why + ")");
    return static_cast<int>(fallback);
  };
  m.attention_heads = gemma3 ? defaulted("num_attention_heads", 1, kMaxHeads, kGemma3Heads, "Gemma3TextConfig default")
                             : f.whole_int("num_attention_heads", 1, kMaxHeads);
  if (gemma3) {
    m.kv_heads = defaulted("num_key_value_heads", 1, kMaxHeads, kGemma3KvHeads, "Gemma3TextConfig default");
  } else {
    m.kv_heads = defaulted("num_key_value_heads", 1, kMaxHeads, m.attention_heads, "= num_attention_heads, no GQA");
  }
  if (m.attention_heads % m.kv_heads != 0)
    f.fail("num_key_value_heads", std::to_string(m.kv_heads) + " does not divide num_attention_heads " +
                                      std::to_string(m.attention_heads));
  m.vocab_size = gemma3 ? defaulted("vocab_size", 1, kMaxVocab, kGemma3Vocab, "Gemma3TextConfig default")
                        : f.whole_int("vocab_size", 1, kMaxVocab);
  m.max_context = gemma3 ? defaulted("max_position_embeddings", 1, kMaxContext, kGemma3MaxContext,
                                     "Gemma3TextConfig default")
                         : f.whole("max_position_embeddings", 1, kMaxContext);

  // Tied input/output embeddings: the config class default when the key is absent (Gemma ties).
  std::optional<bool> tied = f.optional_flag("tie_word_embeddings");
  if (!tied && c.wrapped) tied = root.optional_flag("tie_word_embeddings");
  if (!tied && (info.arch == Arch::lfm2 || info.arch == Arch::lfm2_moe))
    tied = f.optional_flag("tie_embedding");  // Lfm2Config's own name for it
  if (!tied) {
    tied = info.tied_by_default;
    notes.push_back(std::string("tie_word_embeddings absent: ") + (info.tied_by_default ? "true" : "false") + " (" +
                    std::string(info.model_type) + " default)");
  }
  m.tied_embeddings = *tied;

  // Intermediate size: the dense FFN width; Mixtral, gpt-oss, MiniMax-M2 and Llama 4 use it for the expert
  // width (Llama 4's dense layers: intermediate_size_mlp, read with the experts). Qwen MoE stacks without dense
  // layers have none; the hybrid stacks name their widths their own way.
  const bool ffn_width_optional = info.arch == Arch::qwen3_moe || info.arch == Arch::qwen3_next ||
                                  info.arch == Arch::qwen3_5_moe_text || info.arch == Arch::llama4_text ||
                                  is_hybrid_recurrent(info.arch);
  const json* width_list = f.find("intermediate_size");
  if (is_gemma3n(info.arch) && width_list != nullptr && width_list->is_array()) {
    // Gemma 3n lists a width per layer; the published ones are uniform.
    std::int64_t widest = 0;
    std::int64_t narrowest = 0;
    if (width_list->size() != static_cast<std::size_t>(m.layers))
      f.fail("intermediate_size", "lists " + std::to_string(width_list->size()) + " widths for " +
                                      std::to_string(m.layers) + " layers");
    for (const json& entry : *width_list) {
      const std::int64_t w = f.whole_value("intermediate_size", entry, 1, kMaxDim);
      widest = std::max(widest, w);
      narrowest = narrowest == 0 ? w : std::min(narrowest, w);
    }
    m.intermediate_size = static_cast<int>(widest);
    if (narrowest != widest)
      notes.push_back("intermediate_size varies by layer (" + std::to_string(narrowest) + "-" + std::to_string(widest) +
                      "): the widest counted on every layer, an upper bound");
  } else if (const auto width = f.optional_whole("intermediate_size", 1, kMaxDim)) {
    m.intermediate_size = static_cast<int>(*width);
  } else if (!ffn_width_optional) {
    f.fail("intermediate_size", "missing");
  }

}

/// MLA (DeepSeek-V3): the KV cache holds one latent per token; head_dim is v_head_dim as in models-db.
/// Other architectures: head_dim as given, or its config-class default.
void read_attention_heads(HfRead& c) {
  const ArchInfo& info = c.info;
  const Fields& f = c.f;
  ModelSpec& m = c.m;
  auto& notes = c.notes;
  const bool gemma3 = c.gemma3;
  if (has_mla(info.arch)) {
    m.mla.kv_lora_rank = f.whole_int("kv_lora_rank", 1, kMaxDim);
    if (const auto q_rank = f.optional_whole("q_lora_rank", 1, kMaxDim)) {
      m.mla.q_lora_rank = static_cast<int>(*q_rank);
    } else {
      notes.push_back("q_lora_rank null: full-rank query projection");
    }
    m.mla.qk_nope_head_dim = f.whole_int("qk_nope_head_dim", 1, kMaxHeads);
    m.mla.qk_rope_head_dim = f.whole_int("qk_rope_head_dim", 0, kMaxHeads);
    m.mla.v_head_dim = f.whole_int("v_head_dim", 1, kMaxHeads);
    m.head_dim = m.mla.v_head_dim;
    notes.push_back("MLA: kv_lora_rank " + std::to_string(m.mla.kv_lora_rank) + " + qk_rope_head_dim " +
                    std::to_string(m.mla.qk_rope_head_dim) + " cached per token and layer; head_dim = v_head_dim " +
                    std::to_string(m.mla.v_head_dim));
    if (const auto mtp = f.optional_whole("num_nextn_predict_layers", 0, kMaxLayers); mtp && *mtp > 0)
      notes.push_back(std::to_string(*mtp) + " MTP layer" + (*mtp == 1 ? "" : "s") +
                      " (num_nextn_predict_layers) not counted");
  } else if (const auto head_dim = f.optional_whole("head_dim", 1, kMaxHeads)) {
    m.head_dim = static_cast<int>(*head_dim);
  } else if (info.arch == Arch::gemma2 || gemma3) {
    m.head_dim = static_cast<int>(kGemmaHeadDim);
    notes.push_back("head_dim absent: 256 (" + std::string(info.model_type) + " default)");
  } else {
    // transformers: hidden_size // num_attention_heads
    m.head_dim = m.hidden_size / m.attention_heads;
    if (m.head_dim < 1) f.fail("num_attention_heads", "exceeds hidden_size " + std::to_string(m.hidden_size));
    if (m.hidden_size % m.attention_heads != 0)
      notes.push_back("head_dim absent: hidden_size / num_attention_heads rounded down to " + std::to_string(m.head_dim));
  }
  auto& a = m.attention;
  if (info.arch == Arch::deepseek_v32) {
    // DeepSeek Sparse Attention: a lightning indexer scores every cached token, attention reads the top k.
    a.indexer_heads = f.whole_int("index_n_heads", 1, kMaxHeads);
    a.indexer_head_dim = f.whole_int("index_head_dim", 1, kMaxHeads);
    a.indexer_topk = f.whole_int("index_topk", 1, kMaxContext);
    notes.push_back("sparse attention: " + std::to_string(a.indexer_topk) + " tokens attended per query; indexer keys (" +
                    std::to_string(a.indexer_head_dim) + " per token and layer) cached beside the latent");
  }
  if (is_qwen_hybrid(info.arch)) {
    // Qwen3-Next always gates; Qwen3.5 says so in attn_output_gate (Qwen3_5TextConfig default true).
    a.output_gate = info.arch == Arch::qwen3_next || f.optional_flag("attn_output_gate").value_or(true);
    if (a.output_gate) notes.push_back("gated attention: q_proj also produces the output gate");
  }
  if (is_gemma4(info.arch)) {
    // Gemma 4: full-attention layers have their own KV heads and head dim, and may use K as V.
    if (const auto heads = f.optional_whole("num_global_key_value_heads", 1, kMaxHeads); heads && *heads != m.kv_heads)
      a.global_kv_heads = static_cast<int>(*heads);
    if (const auto dim = f.optional_whole("global_head_dim", 1, kMaxHeads); dim && *dim != m.head_dim)
      a.global_head_dim = static_cast<int>(*dim);
    a.global_value_is_key = f.optional_flag("attention_k_eq_v").value_or(false);
    if (a.global_kv_heads > 0 && m.attention_heads % a.global_kv_heads != 0)
      f.fail("num_global_key_value_heads", std::to_string(a.global_kv_heads) + " does not divide num_attention_heads " +
                                               std::to_string(m.attention_heads));
    if (a.global_kv_heads > 0 || a.global_head_dim > 0 || a.global_value_is_key)
      notes.push_back("full-attention layers: " + std::to_string(a.global_kv_heads_or(m.kv_heads)) + " KV heads of " +
                      std::to_string(a.global_head_dim_or(m.head_dim)) + (a.global_value_is_key ? ", V = K" : ""));
  }

}

/// Routed experts, experts per token, their width, shared experts and the dense-FFN layers.
void read_moe(HfRead& c) {
  const ArchInfo& info = c.info;
  const Fields& f = c.f;
  ModelSpec& m = c.m;
  auto& notes = c.notes;
  const Arch arch = info.arch;
  auto& moe = m.moe;
  // Layers listed as dense (mlp_only_layers) or off the sparse step (Qwen MoE decoder layers).
  auto qwen_dense_layers = [&] {
    const int step = static_cast<int>(f.optional_whole("decoder_sparse_step", 1, m.layers).value_or(1));
    std::set<int> mlp_only;
    if (const json* list = f.optional_array("mlp_only_layers"))
      for (const json& entry : *list) mlp_only.insert(static_cast<int>(f.whole_value("mlp_only_layers", entry, 0, m.layers - 1)));
    return dense_layer_count(
        m.layers, [&](int i) { return mlp_only.count(i) == 0 && (i + 1) % step == 0; }, notes,
        "mlp_only_layers / decoder_sparse_step");
  };
  if (arch == Arch::mixtral || arch == Arch::gpt_oss || arch == Arch::minimax_m2) {
    moe.experts = f.whole_int("num_local_experts", 1, kMaxHeads);
    std::optional<std::int64_t> per_token = f.optional_whole("num_experts_per_tok", 1, moe.experts);
    if (arch == Arch::gpt_oss)
      if (const auto alias = f.optional_whole("experts_per_token", 1, moe.experts)) {
        if (per_token && *per_token != *alias)
          f.fail("experts_per_token", std::to_string(*alias) + " disagrees with num_experts_per_tok " +
                                          std::to_string(*per_token));
        per_token = alias;
      }
    if (!per_token) f.fail("num_experts_per_tok", "missing");
    moe.experts_per_token = static_cast<int>(*per_token);
    moe.expert_intermediate_size = m.intermediate_size;  // every layer is MoE; no dense FFN
    notes.push_back("every layer is MoE: intermediate_size " + std::to_string(m.intermediate_size) +
                    " is the expert width");
    if (arch == Arch::minimax_m2)
      if (const auto shared = f.optional_whole("shared_intermediate_size", 0, kMaxDim); shared && *shared > 0) {
        moe.shared_experts = 1;
        moe.shared_expert_intermediate_size = static_cast<int>(*shared);
      }
  } else if (arch == Arch::qwen3_moe || arch == Arch::qwen3_next || arch == Arch::qwen3_5_moe_text) {
    moe.experts = f.whole_int("num_experts", 1, kMaxHeads);
    moe.experts_per_token = f.whole_int("num_experts_per_tok", 1, moe.experts);
    moe.expert_intermediate_size = f.whole_int("moe_intermediate_size", 1, kMaxDim);
    // Qwen3-Next / Qwen3.5 MoE: one gated shared expert of shared_expert_intermediate_size beside the routed ones.
    if (const auto shared = f.optional_whole("shared_expert_intermediate_size", 0, kMaxDim); shared && *shared > 0) {
      moe.shared_experts = 1;
      moe.shared_expert_intermediate_size = static_cast<int>(*shared);
    }
    moe.dense_layers = qwen_dense_layers();
    if (moe.dense_layers == 0 && m.intermediate_size > 0)
      notes.push_back("every layer is MoE (intermediate_size " + std::to_string(m.intermediate_size) + " unused)");
  } else if (has_mla(arch) || arch == Arch::glm4_moe) {
    moe.experts = f.whole_int("n_routed_experts", 1, kMaxHeads);
    moe.experts_per_token = f.whole_int("num_experts_per_tok", 1, moe.experts);
    moe.expert_intermediate_size = f.whole_int("moe_intermediate_size", 1, kMaxDim);
    moe.shared_experts = f.whole_int("n_shared_experts", 0, 1024);
    // One shared MLP of width moe_intermediate_size × n_shared_experts = n_shared experts of the routed width.
    moe.shared_expert_intermediate_size = moe.expert_intermediate_size;
    const int first_dense = f.whole_int("first_k_dense_replace", 0, m.layers);
    const int freq = static_cast<int>(f.optional_whole("moe_layer_freq", 1, m.layers).value_or(1));
    moe.dense_layers = dense_layer_count(
        m.layers, [&](int i) { return i >= first_dense && i % freq == 0; }, notes, "moe_layer_freq");
    if (arch == Arch::glm4_moe || arch == Arch::glm4_moe_lite)
      if (const auto mtp = f.optional_whole("num_nextn_predict_layers", 0, kMaxLayers); mtp && *mtp > 0)
        notes.push_back(std::to_string(*mtp) + " MTP layer" + (*mtp == 1 ? "" : "s") +
                        " (num_nextn_predict_layers) not counted: GGUF files carry it, llama.cpp does not load it");
  } else if (arch == Arch::llama4_text) {
    // Llama 4: MoE every interleave_moe_layer_step-th layer (Llama4TextConfig.moe_layers), one shared expert of
    // the expert width; the other layers are dense of width intermediate_size_mlp.
    moe.experts = f.whole_int("num_local_experts", 1, kMaxHeads);
    moe.experts_per_token = f.whole_int("num_experts_per_tok", 1, moe.experts);
    moe.expert_intermediate_size = f.whole_int("intermediate_size", 1, kMaxDim);
    moe.shared_experts = 1;
    moe.shared_expert_intermediate_size = moe.expert_intermediate_size;
    std::set<int> moe_layers;
    if (const json* list = f.optional_array("moe_layers")) {
      for (const json& entry : *list) moe_layers.insert(static_cast<int>(f.whole_value("moe_layers", entry, 0, m.layers - 1)));
    } else {
      const int step = static_cast<int>(f.optional_whole("interleave_moe_layer_step", 1, m.layers).value_or(1));
      for (int i = step - 1; i < m.layers; i += step) moe_layers.insert(i);
    }
    moe.dense_layers = dense_layer_count(
        m.layers, [&](int i) { return moe_layers.count(i) > 0; }, notes, "interleave_moe_layer_step");
    if (const auto dense_width = f.optional_whole("intermediate_size_mlp", 1, kMaxDim))
      m.intermediate_size = static_cast<int>(*dense_width);
    else if (moe.dense_layers > 0)
      f.fail("intermediate_size_mlp", "missing (the width of the dense layers)");
    else
      m.intermediate_size = 0;
  } else if (arch == Arch::ernie4_5_moe) {
    // ERNIE 4.5: MoE on layers moe_layer_start_index..moe_layer_end_index every moe_layer_interval, with
    // moe_num_shared_experts shared experts of the expert width.
    moe.experts = f.whole_int("moe_num_experts", 1, kMaxHeads);
    moe.experts_per_token = f.whole_int("moe_k", 1, moe.experts);
    moe.expert_intermediate_size = f.whole_int("moe_intermediate_size", 1, kMaxDim);
    moe.shared_experts = static_cast<int>(f.optional_whole("moe_num_shared_experts", 0, 1024).value_or(0));
    if (moe.shared_experts > 0) moe.shared_expert_intermediate_size = moe.expert_intermediate_size;
    const int start = static_cast<int>(f.optional_whole("moe_layer_start_index", 0, m.layers - 1).value_or(0));
    int end = m.layers - 1;
    if (const json* value = f.find("moe_layer_end_index")) {
      const std::int64_t given = f.whole_value("moe_layer_end_index", *value, -1, m.layers - 1);
      if (given >= 0) end = static_cast<int>(given);  // -1: the last layer
    }
    const int interval = static_cast<int>(f.optional_whole("moe_layer_interval", 1, m.layers).value_or(1));
    moe.dense_layers = dense_layer_count(
        m.layers, [&](int i) { return i >= start && i <= end && (i - start) % interval == 0; }, notes,
        "moe_layer_start_index / moe_layer_end_index / moe_layer_interval");
  } else if (is_gemma4(arch)) {
    // Gemma 4 MoE (26B-A4B): every layer runs its dense MLP beside 128 routed experts: the MLP is a shared expert.
    const auto experts = f.optional_whole("num_experts", 1, kMaxHeads);
    if (!experts || !f.optional_flag("enable_moe_block").value_or(true)) return;
    moe.experts = static_cast<int>(*experts);
    moe.experts_per_token = f.whole_int("top_k_experts", 1, moe.experts);
    moe.expert_intermediate_size = f.whole_int("moe_intermediate_size", 1, kMaxDim);
    moe.shared_experts = 1;
    moe.shared_expert_intermediate_size = m.intermediate_size;
    notes.push_back("every layer is MoE; its dense MLP (intermediate_size " + std::to_string(m.intermediate_size) +
                    ") runs beside the experts: counted as a shared expert");
  } else {
    return;
  }
  if (moe.dense_layers >= m.layers) f.fail("num_hidden_layers", "no layer is MoE with these settings");
  if (moe.dense_layers > 0 && m.intermediate_size <= 0)
    f.fail("intermediate_size", "missing (needed for the " + std::to_string(moe.dense_layers) + " dense layers)");
  if (moe.dense_layers > 0)
    notes.push_back(std::to_string(moe.dense_layers) + " dense layers (intermediate_size " +
                    std::to_string(m.intermediate_size) + "), " + std::to_string(m.layers - moe.dense_layers) +
                    " MoE layers");
}

/// Which layers attend how: sliding-window or chunked layers (and the window), linear-attention layers (and
/// their state's shape), layers sharing another's KV, per-layer embeddings. From layer_types when the config
/// has it, else the architecture's pattern.
void read_attention_layout(HfRead& c) {
  const ArchInfo& info = c.info;
  const Arch arch = info.arch;
  const Fields& f = c.f;
  ModelSpec& m = c.m;
  auto& notes = c.notes;
  const bool gemma3 = c.gemma3;
  int sliding = 0;
  int linear = 0;
  std::int64_t window = 0;
  std::string pattern;
  if (is_hybrid_recurrent(info.arch)) return;  // layer_types names recurrent kinds there (read_hybrid_layers)
  const auto window_key = [&](std::int64_t fallback) -> std::int64_t {
    if (const auto w = f.optional_whole("sliding_window", 1, kMaxWindow)) return *w;
    return fallback;
  };
  // Llama 4's local layers attend within fixed chunks: at most attention_chunk_size tokens of KV, like a window.
  const auto chunk = [&] {
    const auto size = f.optional_whole("attention_chunk_size", 1, kMaxWindow);
    if (!size) notes.push_back("attention_chunk_size absent: 8192 (Llama4TextConfig default)");
    return size.value_or(kLlama4ChunkTokens);
  };
  const auto one_global_in = [&](std::int64_t period) {  // layer i global when (i + 1) % period == 0
    return m.layers - static_cast<int>(m.layers / period);
  };
  if (const auto kinds = layer_kinds(f, m.layers)) {
    sliding = kinds->sliding;
    linear = kinds->linear;
    if (sliding > 0) {
      const std::int64_t fallback = arch == Arch::gpt_oss ? kGptOssWindow
                                    : gemma3              ? kGemma3Window
                                    : arch == Arch::gemma2 ? kGemma2Window
                                                           : 0;
      window = arch == Arch::llama4_text ? chunk() : window_key(fallback);
      if (window == 0) f.fail("sliding_window", "missing (layer_types lists sliding_attention layers)");
      pattern = "from layer_types";
    }
  } else {
    switch (arch) {
      case Arch::mistral:
      case Arch::mixtral:
      case Arch::phi3:
      case Arch::mistral3:
      case Arch::ministral3:
        // One window on every layer when sliding_window is set (Mistral 7B v0.1: 4096; v0.3: null).
        if ((window = window_key(0)) > 0) {
          sliding = m.layers;
          pattern = "on every layer";
        }
        break;
      case Arch::qwen2:
      case Arch::qwen3:
      case Arch::qwen3_moe: {
        // Qwen configs carry a sliding_window that only applies when use_sliding_window is true,
        // and then to the layers from max_window_layers on (Qwen2Config.layer_types).
        const bool use = f.optional_flag("use_sliding_window").value_or(false);
        const std::int64_t w = window_key(0);
        if (use && w > 0) {
          const auto first = f.optional_whole("max_window_layers", 0, m.layers).value_or(kQwenMaxWindowLayers);
          sliding = std::max<int>(0, m.layers - static_cast<int>(std::min<std::int64_t>(first, m.layers)));
          window = w;
          pattern = "on layers " + std::to_string(first) + " and up (max_window_layers)";
        } else if (w > 0) {
          notes.push_back("use_sliding_window false: sliding_window " + std::to_string(w) + " ignored");
        }
        break;
      }
      case Arch::gemma2:
        // Alternating local/global, local first: layer i slides when i is even (Gemma2Config.layer_types).
        window = window_key(kGemma2Window);
        sliding = (m.layers + 1) / 2;
        pattern = "alternating with global layers";
        break;
      case Arch::gemma3_text: {
        // Every pattern-th layer is global: layer i slides unless (i + 1) % pattern == 0.
        auto every = f.optional_whole("sliding_window_pattern", 1, kMaxLayers);
        if (!every) every = f.optional_whole("_sliding_window_pattern", 1, kMaxLayers);
        if (!every) notes.push_back("sliding_window_pattern absent: 6 (Gemma3TextConfig default)");
        const std::int64_t period = every.value_or(kGemma3Pattern);
        window = window_key(kGemma3Window);
        if (!f.find("sliding_window")) notes.push_back("sliding_window absent: 4096 (Gemma3TextConfig default)");
        sliding = one_global_in(period);
        pattern = "1 global layer in every " + std::to_string(period);
        break;
      }
      case Arch::gemma3n_text:
      case Arch::gemma4_text: {
        // Without layer_types: the config classes' default, one global layer in every 5 (Gemma 3n) or 6 (Gemma 4).
        const std::int64_t period = arch == Arch::gemma3n_text ? 5 : 6;
        notes.push_back("layer_types absent: 1 global layer in every " + std::to_string(period) + " (" +
                        std::string(info.model_type) + " default)");
        window = window_key(0);
        if (window == 0) f.fail("sliding_window", "missing");
        sliding = one_global_in(period);
        pattern = "1 global layer in every " + std::to_string(period);
        break;
      }
      case Arch::gpt_oss:
        window = window_key(kGptOssWindow);
        sliding = (m.layers + 1) / 2;
        pattern = "alternating with full attention (GptOssConfig default)";
        break;
      case Arch::qwen3_next:
      case Arch::qwen3_5_text:
      case Arch::qwen3_5_moe_text: {
        // One gated-attention layer in every full_attention_interval, Gated DeltaNet on the others.
        const auto interval = f.optional_whole("full_attention_interval", 1, kMaxLayers);
        if (!interval) notes.push_back("full_attention_interval absent: 4 (Qwen3NextConfig default)");
        linear = one_global_in(interval.value_or(kQwenFullAttentionInterval));
        break;
      }
      case Arch::llama4_text: {
        // Chunked (RoPE) layers and global NoPE layers: no_rope_layers (1 = RoPE, chunked), else one global
        // layer in every no_rope_layer_interval (Llama4TextConfig).
        if (const json* list = f.optional_array("no_rope_layers")) {
          if (list->size() != static_cast<std::size_t>(m.layers))
            f.fail("no_rope_layers", "has " + std::to_string(list->size()) + " entries for " + std::to_string(m.layers) + " layers");
          for (const json& entry : *list) sliding += f.whole_value("no_rope_layers", entry, 0, 1) == 1 ? 1 : 0;
          pattern = "chunked where no_rope_layers is 1";
        } else {
          const auto interval = f.optional_whole("no_rope_layer_interval", 1, kMaxLayers).value_or(kLlama4NoRopeInterval);
          sliding = one_global_in(interval);
          pattern = "1 global NoPE layer in every " + std::to_string(interval);
        }
        if (sliding > 0) window = chunk();
        break;
      }
      case Arch::llama:
      case Arch::deepseek_v3:
      case Arch::deepseek_v32:
      case Arch::kimi_k2:
      case Arch::glm4_moe:
      case Arch::glm4_moe_lite:
      case Arch::minimax_m2:
      case Arch::ernie4_5:
      case Arch::ernie4_5_moe:
      case Arch::seed_oss:
      case Arch::olmo2:
      case Arch::smollm3:
      case Arch::lfm2:
      case Arch::lfm2_moe:
      case Arch::nemotron_h:
      case Arch::granitemoehybrid:
        break;
      case Arch::gemma3:  // wrappers: their text_config is read as the text architecture
      case Arch::gemma3n:
      case Arch::gemma4:
      case Arch::llama4:
      case Arch::qwen3_5:
      case Arch::qwen3_5_moe:
        break;
    }
  }
  if (sliding > 0 && window >= m.max_context) {
    notes.push_back("sliding_window " + std::to_string(window) + " >= max_position_embeddings " +
                    std::to_string(m.max_context) + ": limits nothing, counted as full attention");
    sliding = 0;
    window = 0;
  }
  auto& a = m.attention;
  if (sliding > 0) {
    a.sliding_window_layers = sliding;
    a.sliding_window = static_cast<int>(window);
    notes.push_back((arch == Arch::llama4_text ? "attention chunks of " : "sliding_window ") + std::to_string(window) +
                    " on " + std::to_string(sliding) + " of " + std::to_string(m.layers) + " layers (" + pattern + ")");
  }
  if (linear > 0) {
    // Gated DeltaNet: state value_heads × key_dim × value_dim per layer, plus the short convolution.
    a.linear_attention_layers = linear;
    a.linear_key_heads = f.whole_int("linear_num_key_heads", 1, kMaxHeads);
    a.linear_value_heads = f.whole_int("linear_num_value_heads", 1, kMaxHeads);
    a.linear_key_head_dim = f.whole_int("linear_key_head_dim", 1, kMaxHeads);
    a.linear_value_head_dim = f.whole_int("linear_value_head_dim", 1, kMaxHeads);
    a.linear_conv_kernel = static_cast<int>(f.optional_whole("linear_conv_kernel_dim", 1, 64).value_or(4));
    notes.push_back(std::to_string(linear) + " linear-attention (Gated DeltaNet) layers, " +
                    std::to_string(m.layers - linear - sliding) + " full-attention layers");
  }
  if (sliding + linear > m.layers) f.fail("layer_types", "more sliding and linear layers than layers");
  if (is_gemma3n(arch) || is_gemma4(arch)) {
    // The last num_kv_shared_layers reuse the KV of earlier layers of their kind and cache none.
    if (const auto shared = f.optional_whole("num_kv_shared_layers", 0, m.layers - 1); shared && *shared > 0) {
      a.kv_shared_layers = static_cast<int>(*shared);
      notes.push_back(std::to_string(*shared) + " layers reuse earlier layers' KV (num_kv_shared_layers): no cache of their own");
    }
    // Per-layer embeddings: a table row of hidden_size_per_layer_input per layer and token.
    if (const auto size = f.optional_whole("hidden_size_per_layer_input", 0, kMaxDim); size && *size > 0) {
      m.per_layer_embedding_size = static_cast<int>(*size);
      m.per_layer_vocab_size = static_cast<int>(
          f.optional_whole("vocab_size_per_layer_input", 1, kMaxVocab).value_or(m.vocab_size));
      notes.push_back("per-layer embeddings: " + std::to_string(m.per_layer_vocab_size) + " x " +
                      std::to_string(m.layers) + " x " + std::to_string(*size) +
                      " table, looked up (not read whole) per token; AltUp and LAuReL weights not counted (< 1 %)");
    }
  }
}

/// What each layer of a hybrid stack is: its token mixer (attention or a recurrent kind) or, in Nemotron-H,
/// an FFN-only layer.
enum class LayerKind { attention, mamba, short_conv, mlp, moe };

struct LayerMix {
  int attention = 0;
  int mamba = 0;
  int short_conv = 0;
  int mlp = 0;  // FFN-only, dense (Nemotron-H '-')
  int moe = 0;  // FFN-only, experts (Nemotron-H 'E')

  void add(LayerKind kind) {
    switch (kind) {
      case LayerKind::attention: ++attention; break;
      case LayerKind::mamba: ++mamba; break;
      case LayerKind::short_conv: ++short_conv; break;
      case LayerKind::mlp: ++mlp; break;
      case LayerKind::moe: ++moe; break;
    }
  }
};

using KindNames = std::initializer_list<std::pair<std::string_view, LayerKind>>;

/// One kind per layer from a list of names (layer_types, layers_block_type).
LayerMix layer_mix_from_names(const Fields& f, std::string_view key, const json& list, int layers, KindNames names) {
  if (list.size() != static_cast<std::size_t>(layers))
    f.fail(key, "has " + std::to_string(list.size()) + " entries for " + std::to_string(layers) +
                    " layers (num_hidden_layers)");
  std::vector<std::string> known;
  for (const auto& [name, kind] : names) known.emplace_back(name);
  LayerMix mix;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& entry = list[i];
    if (!entry.is_string()) f.fail(key, "entry " + std::to_string(i) + " must be a string, not " + show(entry));
    const std::string name = entry.get<std::string>();
    const auto it = std::find_if(names.begin(), names.end(), [&](const auto& pair) { return pair.first == name; });
    if (it == names.end())
      f.fail(key, "entry " + std::to_string(i) + ": unsupported '" + clip(name) + "' (" + join(known, ", ") + ")");
    mix.add(it->second);
  }
  return mix;
}

/// Nemotron-H's hybrid_override_pattern: one character per layer, M Mamba-2, * attention, - MLP, E MoE.
LayerMix layer_mix_from_pattern(const Fields& f, std::string_view key, const std::string& pattern, int layers) {
  if (pattern.size() != static_cast<std::size_t>(layers))
    f.fail(key, "has " + std::to_string(pattern.size()) + " characters for " + std::to_string(layers) +
                    " layers (num_hidden_layers)");
  LayerMix mix;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    switch (pattern[i]) {
      case 'M': mix.add(LayerKind::mamba); break;
      case '*': mix.add(LayerKind::attention); break;
      case '-': mix.add(LayerKind::mlp); break;
      case 'E': mix.add(LayerKind::moe); break;
      default:
        f.fail(key, "character " + std::to_string(i) + " '" + clip(pattern.substr(i, 1)) +
                        "' is not M (Mamba-2), * (attention), - (MLP) or E (MoE)");
    }
  }
  return mix;
}

/// LFM2's FFN width (transformers Lfm2MLP): block_ff_dim (alias of intermediate_size), with
/// block_auto_adjust_ff_dim 2/3 of it, times block_ffn_dim_multiplier, rounded up to block_multiple_of.
int lfm2_ffn_width(const Fields& f, std::vector<std::string>& notes) {
  std::string key = "block_ff_dim";
  auto width = f.optional_whole(key, 1, kMaxDim);
  if (!width) {
    key = "intermediate_size";
    width = f.optional_whole(key, 1, kMaxDim);
  }
  if (!width) f.fail("block_ff_dim", "missing (and no intermediate_size)");
  if (!f.optional_flag("block_auto_adjust_ff_dim").value_or(true)) return static_cast<int>(*width);
  std::int64_t adjusted = static_cast<std::int64_t>(2.0 * static_cast<double>(*width) / 3.0);
  const auto multiplier = f.find("block_ffn_dim_multiplier") == nullptr
                              ? std::optional<double>(1.0)  // Lfm2Config default
                              : f.optional_real("block_ffn_dim_multiplier", 0.01, 100);
  if (multiplier) adjusted = static_cast<std::int64_t>(*multiplier * static_cast<double>(adjusted));
  const std::int64_t multiple = f.optional_whole("block_multiple_of", 1, kMaxDim).value_or(256);
  adjusted = multiple * ((adjusted + multiple - 1) / multiple);
  if (adjusted < 1 || adjusted > kMaxDim) f.fail(key, "gives an FFN width out of range");
  notes.push_back("FFN width " + std::to_string(adjusted) + ": " + key + " " + std::to_string(*width) +
                  " x 2/3, rounded up to a multiple of " + std::to_string(multiple) + " (Lfm2MLP)");
  return static_cast<int>(adjusted);
}

/// The layer mix, recurrent shapes, FFN widths and experts of the hybrid stacks: LFM2 (gated short
/// convolutions, transformers configuration_lfm2.py / configuration_lfm2_moe.py), Nemotron-H (Mamba-2,
/// attention, MLP and MoE layers, configuration_nemotron_h.py) and Granite 4 (Mamba-2 or attention, each
/// with an FFN, configuration_granitemoehybrid.py).
void read_hybrid_layers(HfRead& c) {
  const ArchInfo& info = c.info;
  const Fields& f = c.f;
  ModelSpec& m = c.m;
  auto& notes = c.notes;
  if (!is_hybrid_recurrent(info.arch)) return;
  auto& a = m.attention;
  auto& moe = m.moe;
  LayerMix mix;
  const auto mamba_shape = [&](std::string_view heads, std::string_view head_dim, std::string_view state,
                               std::string_view groups, std::string_view kernel) {
    a.mamba_heads = f.whole_int(heads, 1, kMaxHeads);
    a.mamba_head_dim = f.whole_int(head_dim, 1, kMaxHeads);
    a.mamba_state_size = f.whole_int(state, 1, kMaxHeads);
    a.mamba_groups = f.whole_int(groups, 1, kMaxHeads);
    a.mamba_conv_kernel = f.whole_int(kernel, 1, 64);
    if (a.mamba_heads % a.mamba_groups != 0)
      f.fail(groups, std::to_string(a.mamba_groups) + " does not divide " + std::string(heads) + " " +
                         std::to_string(a.mamba_heads));
  };

  if (info.arch == Arch::lfm2 || info.arch == Arch::lfm2_moe) {
    if (const json* types = f.optional_array("layer_types")) {
      mix = layer_mix_from_names(f, "layer_types", *types, m.layers,
                                 {{"full_attention", LayerKind::attention}, {"conv", LayerKind::short_conv}});
    } else if (const json* indices = f.optional_array("full_attn_idxs")) {
      std::set<std::int64_t> attention;
      for (const json& entry : *indices) attention.insert(f.whole_value("full_attn_idxs", entry, 0, m.layers - 1));
      mix.attention = static_cast<int>(attention.size());
      mix.short_conv = m.layers - mix.attention;
    } else {
      mix.attention = m.layers;
      notes.push_back("layer_types and full_attn_idxs absent: every layer has attention (Lfm2Config default)");
    }
    a.short_conv_layers = mix.short_conv;
    if (const auto kernel = f.optional_whole("conv_L_cache", 1, 64)) {
      a.short_conv_kernel = static_cast<int>(*kernel);
    } else {
      a.short_conv_kernel = 3;
      notes.push_back("conv_L_cache absent: 3 (Lfm2Config default)");
    }
    if (info.arch == Arch::lfm2) {
      m.intermediate_size = lfm2_ffn_width(f, notes);
    } else {
      // Lfm2MoeMLP takes intermediate_size as it is (no 2/3 adjustment).
      m.intermediate_size = f.whole_int("intermediate_size", 1, kMaxDim);
      moe.experts = f.whole_int("num_experts", 1, kMaxHeads);
      moe.experts_per_token = f.whole_int("num_experts_per_tok", 1, moe.experts);
      moe.expert_intermediate_size = f.whole_int("moe_intermediate_size", 1, kMaxDim);
      if (const auto dense = f.optional_whole("num_dense_layers", 0, m.layers - 1)) {
        moe.dense_layers = static_cast<int>(*dense);
      } else {
        moe.dense_layers = 2;
        notes.push_back("num_dense_layers absent: 2 (Lfm2MoeConfig default)");
      }
    }
    notes.push_back(std::to_string(mix.attention) + " attention + " + std::to_string(mix.short_conv) +
                    " gated short-convolution layers (kernel " + std::to_string(a.short_conv_kernel) + ")");
  } else if (info.arch == Arch::nemotron_h) {
    if (const auto pattern = f.optional_text("hybrid_override_pattern")) {
      mix = layer_mix_from_pattern(f, "hybrid_override_pattern", *pattern, m.layers);
    } else if (const json* types = f.optional_array("layers_block_type")) {
      mix = layer_mix_from_names(f, "layers_block_type", *types, m.layers,
                                 {{"mamba", LayerKind::mamba},
                                  {"attention", LayerKind::attention},
                                  {"mlp", LayerKind::mlp},
                                  {"moe", LayerKind::moe}});
    } else {
      f.fail("hybrid_override_pattern", "missing (and no layers_block_type)");
    }
    if (mix.mamba > 0) mamba_shape("mamba_num_heads", "mamba_head_dim", "ssm_state_size", "n_groups", "conv_kernel");
    if (!f.find("head_dim"))
      if (const auto head_dim = f.optional_whole("attention_head_dim", 1, kMaxHeads))
        m.head_dim = static_cast<int>(*head_dim);  // older Nemotron-H configs
    // Each layer is one block: a mixer (M, *) or an FFN (-, E), never both.
    m.mixer_only_layers = mix.mamba + mix.attention;
    m.ffn_only_layers = mix.mlp + mix.moe;
    m.gated_ffn = false;  // NemotronHMLP: up and down projections, relu^2
    if (mix.mlp + mix.moe == 0) f.fail("hybrid_override_pattern", "has no MLP (-) or MoE (E) layer");
    if (mix.moe > 0) {
      moe.experts = f.whole_int("n_routed_experts", 1, kMaxHeads);
      moe.experts_per_token = f.whole_int("num_experts_per_tok", 1, moe.experts);
      moe.expert_intermediate_size = f.whole_int("moe_intermediate_size", 1, kMaxDim);
      moe.shared_experts = static_cast<int>(f.optional_whole("n_shared_experts", 0, 1024).value_or(0));
      if (moe.shared_experts > 0)
        moe.shared_expert_intermediate_size =
            static_cast<int>(f.optional_whole("moe_shared_expert_intermediate_size", 1, kMaxDim).value_or(0));
      if (const auto latent = f.optional_whole("moe_latent_size", 1, kMaxDim)) {
        moe.latent_size = static_cast<int>(*latent);
        notes.push_back("LatentMoE: routed experts work in a " + std::to_string(*latent) + "-wide latent");
      }
      moe.dense_layers = mix.mlp;
    }
    if (mix.mlp > 0 && m.intermediate_size <= 0) f.fail("intermediate_size", "missing (needed for the MLP layers)");
    if (const auto mtp = f.optional_whole("num_nextn_predict_layers", 0, kMaxLayers); mtp && *mtp > 0)
      notes.push_back(std::to_string(*mtp) + " MTP layer" + (*mtp == 1 ? "" : "s") +
                      " (num_nextn_predict_layers) not counted");
    notes.push_back(std::to_string(mix.mamba) + " Mamba-2 + " + std::to_string(mix.attention) + " attention + " +
                    std::to_string(mix.mlp) + " MLP + " + std::to_string(mix.moe) +
                    " MoE layers, one block each; FFNs up and down only (relu^2)");
  } else {  // granitemoehybrid
    std::string key = "layer_types";
    const json* types = f.optional_array(key);
    if (types == nullptr) types = f.optional_array(key = "layers_block_type");
    if (types == nullptr) f.fail("layer_types", "missing (and no layers_block_type)");
    mix = layer_mix_from_names(f, key, *types, m.layers,
                               {{"mamba", LayerKind::mamba}, {"attention", LayerKind::attention}});
    if (mix.mamba > 0) {
      if (const json* head_dim = f.find("mamba_d_head"); head_dim != nullptr && head_dim->is_string()) {
        // "auto": mamba_expand × hidden_size / mamba_n_heads (GraniteMoeHybridConfig).
        if (head_dim->get<std::string>() != "auto") f.fail("mamba_d_head", "must be a number or \"auto\"");
        const auto heads = f.whole("mamba_n_heads", 1, kMaxHeads);
        const auto expand = f.optional_whole("mamba_expand", 1, 64).value_or(2);
        if ((expand * m.hidden_size) % heads != 0)
          f.fail("mamba_d_head", "\"auto\": mamba_expand x hidden_size is not a multiple of mamba_n_heads");
        a.mamba_heads = static_cast<int>(heads);
        a.mamba_head_dim = static_cast<int>(expand * m.hidden_size / heads);
        a.mamba_state_size = f.whole_int("mamba_d_state", 1, kMaxHeads);
        a.mamba_groups = f.whole_int("mamba_n_groups", 1, kMaxHeads);
        a.mamba_conv_kernel = f.whole_int("mamba_d_conv", 1, 64);
      } else {
        mamba_shape("mamba_n_heads", "mamba_d_head", "mamba_d_state", "mamba_n_groups", "mamba_d_conv");
      }
    }
    const int experts = static_cast<int>(f.optional_whole("num_local_experts", 0, kMaxHeads).value_or(0));
    const int shared_width = static_cast<int>(f.optional_whole("shared_intermediate_size", 0, kMaxDim).value_or(0));
    if (experts == 0) {
      // Dense: the shared MLP is the FFN of every layer.
      if (shared_width <= 0) f.fail("shared_intermediate_size", "missing (the FFN width of a dense Granite 4 model)");
      m.intermediate_size = shared_width;
    } else {
      moe.experts = experts;
      moe.experts_per_token = f.whole_int("num_experts_per_tok", 1, experts);
      moe.expert_intermediate_size = f.whole_int("intermediate_size", 1, kMaxDim);
      if (shared_width > 0) {
        moe.shared_experts = 1;
        moe.shared_expert_intermediate_size = shared_width;
      }
    }
    notes.push_back(std::to_string(mix.attention) + " attention + " + std::to_string(mix.mamba) + " Mamba-2 layers" +
                    (experts > 0 ? ", MoE with a shared expert on every layer" : ""));
  }
  a.mamba_layers = mix.mamba;
  if (mix.attention == 0 && m.layers > 0) notes.push_back("no attention layer: no KV cache, only recurrent state");
}

HfConfigModel build(const json& config, const std::string& source, const std::string& id) {
  if (!config.is_object()) throw InputError(source + ": not a config.json: the top level must be a JSON object");
  const Fields root(config, source, "");
  const ArchInfo& info = resolve_arch(root);
  HfConfigModel out;
  auto& notes = out.notes;
  ModelSpec& m = out.model;

  // Multimodal wrappers (gemma3, gemma3n, gemma4, llama4, qwen3_5, qwen3_5_moe, mistral3) nest the language
  // model under text_config; it is read as its own architecture (gemma3_text, …).
  const json* lm_object = &config;
  std::string prefix;
  const ArchInfo* lm_info = &info;
  if (!info.text_model_type.empty()) {
    lm_object = root.optional_object("text_config");
    if (lm_object == nullptr)
      root.fail("text_config", "missing (a multimodal " + std::string(info.model_type) +
                                   " config nests the language model there)");
    prefix = "text_config.";
    notes.push_back("text_config of a multimodal model: vision tower and projector not counted");
    for (const auto& candidate : kArchs)
      if (candidate.model_type == info.text_model_type) lm_info = &candidate;
  }
  const Fields f(*lm_object, source, prefix);
  if (lm_info != &info) {
    // The inner model_type names the text architecture: the wrapper's own, or its alternative (Mistral 3).
    const auto inner = f.optional_text("model_type");
    if (inner && *inner != info.text_model_type && *inner != info.alt_text_model_type)
      f.fail("model_type", "expected '" + std::string(info.text_model_type) + "'" +
                               (info.alt_text_model_type.empty()
                                    ? std::string()
                                    : " or '" + std::string(info.alt_text_model_type) + "'") +
                               " inside a " + std::string(info.model_type) + " config, not '" + clip(*inner) + "'");
    if (inner && !info.alt_text_model_type.empty() && *inner == info.alt_text_model_type)
      for (const auto& candidate : kArchs)
        if (candidate.model_type == info.alt_text_model_type) lm_info = &candidate;
  }

  HfRead read{*lm_info, root, f, m, notes, lm_info->arch == Arch::gemma3_text, lm_info != &info};
  read_shape(read);
  read_attention_heads(read);
  read_moe(read);
  read_attention_layout(read);
  read_hybrid_layers(read);
  if (const auto mtp = f.optional_whole("mtp_num_hidden_layers", 0, kMaxLayers); mtp && *mtp > 0)
    notes.push_back(std::to_string(*mtp) + " MTP layer" + (*mtp == 1 ? "" : "s") + " (mtp_num_hidden_layers) not counted");

  if (lm_info->arch == Arch::qwen2 || lm_info->arch == Arch::seed_oss || lm_info->arch == Arch::glm4_moe)
    notes.push_back("q/k/v projection biases not counted (< 0.1 %)");
  if (info.arch == Arch::gpt_oss) notes.push_back("attention biases and sinks, expert biases not counted");

  // ---- identity and quantisation
  out.suggested_quant = suggest_quant(root, f, notes);
  m.id = id;
  const auto name = root.optional_text("_name_or_path");
  m.name = name && !name->empty() && valid_utf8(*name) ? clip(*name, 120) : id;
  m.family = std::string(info.model_type);
  m.default_quant = out.suggested_quant;
  m.source = source;
  m.origin = source;

  // ---- parameter counts from the shape (shape_params: the catalogue's formula)
  const ParamBreakdown params = shape_params(m);
  const double total_b = params.total() / 1e9;
  if (!(total_b <= 1e5))
    throw InputError(source + ": " + prefix + "hidden_size / num_hidden_layers / intermediate_size: the shape gives " +
                     std::to_string(static_cast<long long>(total_b)) + " billion parameters (limit 100000)");
  m.params_b = total_b;
  m.active_params_b = m.is_moe() ? params.active() / 1e9 : total_b;
  m.notes = join(notes, "; ");
  if (const std::string problem = validate(m); !problem.empty()) throw InputError(source + ": " + problem);
  return out;
}

bool is_hex_hash(std::string_view text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string sanitise_id(std::string_view text) {
  std::string out;
  for (const char raw : text) {
    const char c = (raw >= 'A' && raw <= 'Z') ? static_cast<char>(raw - 'A' + 'a') : raw;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    const char kept = ok ? c : '-';
    if (kept == '-' && (out.empty() || out.back() == '-')) continue;
    out += kept;
    if (out.size() >= 80) break;
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.empty() ? "hf-model" : out;
}

bool looks_like_model_name(std::string_view name) {
  const bool letter = std::any_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  const bool digit = std::any_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  return letter && digit;
}

}  // namespace

const std::vector<std::string>& hf_supported_model_types() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& info : kArchs) out.emplace_back(info.model_type);
    return out;
  }();
  return names;
}

namespace {

HfConfigModel model_from_hf_config(const json& config, const std::string& source_name, const std::string& id) {
  try {
    return build(config, source_name, id);
  } catch (const json::exception& e) {  // a shape the typed readers did not anticipate
    throw InputError(source_name + ": unexpected JSON content: " + clip(e.what(), 160));
  }
}

}  // namespace

HfConfigModel model_from_hf_config_text(std::string_view text, const std::string& source_name, const std::string& id) {
  if (text.size() > kMaxConfigBytes)
    throw InputError(source_name + ": not a config.json: " + std::to_string(text.size()) + " bytes");
  if (io::json_nesting_depth(text) > kMaxNesting)
    throw InputError(source_name + ": not a config.json: nested deeper than " + std::to_string(kMaxNesting) + " levels");
  const json config = io::parse_json_text(text, source_name);
  return model_from_hf_config(config, source_name, id);
}

std::string hf_config_id_from_path(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path file(path);
  const fs::path folder = file.parent_path();
  const std::string parent = folder.filename().string();
  // Hugging Face hub cache: models--<org>--<name>/snapshots/<commit>/config.json
  if (is_hex_hash(parent) && folder.parent_path().filename() == "snapshots") {
    const std::string repo = folder.parent_path().parent_path().filename().string();
    if (repo.rfind("models--", 0) == 0) {
      const auto last = repo.rfind("--");
      return sanitise_id(repo.substr(last + 2));
    }
  }
  if (looks_like_model_name(parent)) return sanitise_id(parent);
  return sanitise_id(file.stem().string());
}

HfConfigModel read_hf_config(const std::string& path) {
  std::string file = path;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) file = (std::filesystem::path(path) / "config.json").string();
  return model_from_hf_config_text(io::read_text_file(file, kMaxConfigBytes, "not a config.json"), file,
                                   hf_config_id_from_path(file));
}

}  // namespace llmfit
