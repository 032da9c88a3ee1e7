// A GGUF model's headers as catalogue records (see model_file.hpp). The shape comes from the
// `<arch>.*` metadata (llama.cpp's gguf-py constants, Keys.LLM / Keys.Attention), the bytes from
// the tensor table: every tensor's elements / block size × block bytes, summed.
#include "llmfit/io/model_files.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <initializer_list>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "llmfit/errors.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {
namespace {

constexpr std::uint64_t kMaxDimension = limits::kMaxWidth;

/// llama.cpp's default sliding-window layout when the file has no per-layer pattern: one full
/// attention layer in every `period` (llama-model.cpp: gemma2 2, gemma3 6, cohere2 4, gpt-oss 2).
int default_sliding_period(const std::string& arch) {
  if (arch == "gemma2" || arch == "gpt-oss") return 2;
  if (arch == "gemma3") return 6;
  if (arch == "gemma3n") return 5;
  if (arch == "cohere2" || arch == "llama4") return 4;
  return 0;
}

/// llama.cpp's window when the file gives none: Llama 4 attends within 8192-token chunks (llama-model.cpp,
/// LLM_ARCH_LLAMA4: n_swa = 8192, chunked, 3 chunked layers and 1 global in every 4).
std::uint64_t default_sliding_window(const std::string& arch) { return arch == "llama4" ? 8192 : 0; }

class GgufModelReader {
 public:
  GgufModelReader(const std::vector<GgufFile>& parts, const Catalog& catalog) : parts_(parts), catalog_(catalog) {
    if (parts_.empty()) throw InputError("GGUF: no file given");
    path_ = parts_.front().path;
  }

  ModelFileInfo read(const std::string& id) {
    ModelFileInfo info;
    info.format = "gguf";
    info.gguf_version = parts_.front().version;
    for (const auto& part : parts_) {
      info.paths.push_back(part.path);
      info.file_bytes += static_cast<double>(part.file_bytes);
      info.tensor_count += part.tensors.size();
    }
    const GgufFile& head = parts_.front();
    const auto arch = head.string_value("general.architecture");
    if (!arch || arch->empty()) fail("general.architecture", "missing; not a llama.cpp model file?");
    if (!valid_utf8(*arch) || arch->size() > 60) fail("general.architecture", "not a short UTF-8 name");
    arch_ = *arch;
    info.architecture = arch_;
    read_shape(info);
    tally_tensors(info);
    choose_quant(info);
    ModelSpec& m = info.model;
    m.id = id;
    const auto name = head.string_value("general.name");
    m.name = name && !name->empty() && valid_utf8(*name) && name->size() <= 120 ? one_line(*name) : id;
    m.family = one_line(arch_);
    m.source = path_ + " (GGUF v" + std::to_string(info.gguf_version) + " header)";
    m.origin = path_;
    m.default_quant = info.quant_id;
    m.file_weights.quant_id = info.quant_id;
    const FileWeights& f = m.file_weights;
    const double active_share = m.is_moe() ? static_cast<double>(m.moe.experts_per_token) / m.moe.experts : 0.0;
    m.params_b = f.total_params() / 1e9;
    m.active_params_b = (f.total_params() - f.routed_expert_params * (1.0 - active_share)) / 1e9;
    if (!m.is_moe()) m.active_params_b = m.params_b;
    if (const std::string problem = validate(m); !problem.empty()) throw InputError(path_ + ": " + problem);
    if (info.quant) {
      if (const std::string problem = validate(*info.quant); !problem.empty())
        throw InputError(path_ + ": quantisation " + info.quant->id + ": " + problem);
    }
    return info;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw InputError(fmt::format("{}: {}: {}", path_, field, problem));
  }
  [[nodiscard]] std::string key(std::string_view suffix) const { return arch_ + "." + std::string(suffix); }

  /// A positive integer no larger than `max`, or nullopt when absent.
  std::optional<std::uint64_t> dimension(std::string_view suffix, std::uint64_t max = kMaxDimension) const {
    const std::string k = key(suffix);
    const auto value = parts_.front().unsigned_value(k);
    if (!value) return std::nullopt;
    if (*value > max) fail(k, fmt::format("{} is larger than {}", *value, max));
    return value;
  }
  std::uint64_t required(std::string_view suffix, std::uint64_t max = kMaxDimension) const {
    const auto value = dimension(suffix, max);
    if (!value) fail(key(suffix), "missing");
    if (*value == 0) fail(key(suffix), "must be > 0");
    return *value;
  }
  /// A scalar or a per-layer array (head counts, FFN widths): the largest value, and the smallest
  /// non-zero one in `smallest` to report variation.
  std::optional<std::uint64_t> per_layer_max(std::string_view suffix, std::uint64_t* smallest = nullptr) const {
    const std::string k = key(suffix);
    if (const GgufArray* array = parts_.front().array_value(k)) {
      if (array->numbers.empty()) fail(k, "empty or non-numeric array");
      double largest = 0;
      double least = 0;
      for (double v : array->numbers) {
        if (!(v >= 0) || v > static_cast<double>(kMaxDimension) || v != std::floor(v))
          fail(k, fmt::format("per-layer value {} is not an integer in [0, {}]", v, kMaxDimension));
        largest = std::max(largest, v);
        if (v > 0) least = least > 0 ? std::min(least, v) : v;
      }
      if (smallest != nullptr) *smallest = static_cast<std::uint64_t>(least);
      return static_cast<std::uint64_t>(largest);
    }
    const auto value = dimension(suffix);
    if (value && smallest != nullptr) *smallest = *value;
    return value;
  }
  const GgufTensorInfo* tensor(std::string_view name) const {
    for (const auto& part : parts_)
      for (const auto& t : part.tensors)
        if (t.name == name) return &t;
    return nullptr;
  }

  void read_shape(ModelFileInfo& info) {
    ModelSpec& m = info.model;
    const GgufFile& head = parts_.front();
    m.layers = static_cast<int>(required("block_count", limits::kMaxLayers));
    // GLM-4.5 / 4.6 / 4.7-Flash files count their multi-token-prediction block in block_count; llama.cpp skips
    // its tensors when loading (TENSOR_SKIP), so it is no layer of the model that runs.
    if (const auto nextn = dimension("nextn_predict_layers", limits::kMaxLayers); nextn && *nextn > 0) {
      if (*nextn >= static_cast<std::uint64_t>(m.layers)) fail(key("nextn_predict_layers"), "not fewer than block_count");
      m.layers -= static_cast<int>(*nextn);
      mtp_blocks_ = static_cast<int>(*nextn);
    }
    m.hidden_size = static_cast<int>(required("embedding_length"));
    std::uint64_t fewest_heads = 0;
    const auto heads = per_layer_max("attention.head_count", &fewest_heads);
    if (!heads || *heads == 0) fail(key("attention.head_count"), "missing");
    m.attention_heads = static_cast<int>(*heads);
    std::uint64_t fewest_kv = 0;
    const auto kv_heads = per_layer_max("attention.head_count_kv", &fewest_kv);
    m.kv_heads = kv_heads && *kv_heads > 0 ? static_cast<int>(*kv_heads) : m.attention_heads;
    if (fewest_heads != *heads || (kv_heads && fewest_kv != *kv_heads))
      info.notes.push_back(fmt::format("head counts vary by layer (KV heads {}-{}): the KV cache counts the largest "
                                       "on every layer, an upper bound",
                                       fewest_kv, m.kv_heads));
    const std::uint64_t key_length = dimension("attention.key_length").value_or(m.hidden_size / m.attention_heads);
    const std::uint64_t value_length = dimension("attention.value_length").value_or(key_length);
    // K and V per token per layer: kv_heads × (key_length + value_length) = 2 × kv_heads × head_dim.
    m.head_dim = static_cast<int>((key_length + value_length + 1) / 2);
    if (key_length != value_length && !dimension("attention.kv_lora_rank"))
      info.notes.push_back(fmt::format("key length {} and value length {} differ: head_dim {} is their mean",
                                       key_length, value_length, m.head_dim));
    m.intermediate_size = static_cast<int>(per_layer_max("feed_forward_length").value_or(0));

    // Vocabulary: the explicit key, else the tokenizer's list, else the embedding's second dimension.
    if (const auto vocab = dimension("vocab_size", limits::kMaxVocab)) {
      m.vocab_size = static_cast<int>(*vocab);
    } else if (const GgufArray* tokens = head.array_value("tokenizer.ggml.tokens"); tokens && tokens->length > 0) {
      if (tokens->length > static_cast<std::uint64_t>(limits::kMaxVocab)) fail("tokenizer.ggml.tokens", "more than 2^24 tokens");
      m.vocab_size = static_cast<int>(tokens->length);
    } else if (const GgufTensorInfo* embedding = tensor("token_embd.weight"); embedding && embedding->dims.size() >= 2) {
      if (embedding->dims[1] > static_cast<std::uint64_t>(limits::kMaxVocab)) fail("token_embd.weight", "more than 2^24 rows");
      m.vocab_size = static_cast<int>(embedding->dims[1]);
    } else {
      fail(key("vocab_size"), "missing, and neither tokenizer.ggml.tokens nor token_embd.weight gives it");
    }
    if (const auto context = dimension("context_length", limits::kMaxContext)) {
      m.max_context = static_cast<std::int64_t>(*context);
    } else {
      m.max_context = 4096;
      info.notes.push_back(key("context_length") + " missing: 4096 tokens assumed");
    }
    m.tied_embeddings = tensor("output.weight") == nullptr;
    read_moe(info);
    read_mla(info);
    read_sliding_window(info);
    read_hybrid_layers(info);
    read_sparse_attention(info);
    if (const auto shared = dimension("attention.shared_kv_layers", limits::kMaxLayers); shared && *shared > 0) {
      if (*shared >= static_cast<std::uint64_t>(m.layers)) fail(key("attention.shared_kv_layers"), "not fewer than block_count");
      m.attention.kv_shared_layers = static_cast<int>(*shared);
      info.notes.push_back(fmt::format("{} layers reuse earlier layers' KV cache (attention.shared_kv_layers)", *shared));
    }
  }

  /// Hybrid stacks (llama.cpp's lfm2, lfm2moe, nemotron_h, nemotron_h_moe, granitehybrid, mamba2): what each
  /// block holds comes from its tensors (attn_q, ssm_in, shortconv.in_proj; ffn_down, ffn_down_exps), the
  /// recurrent shapes from `<arch>.ssm.*` (inner_size = heads x head_dim, time_step_rank = heads, state_size,
  /// group_count, conv_kernel) and `<arch>.shortconv.l_cache`.
  void read_hybrid_layers(ModelFileInfo& info) {
    ModelSpec& m = info.model;
    const bool ssm = dimension("ssm.state_size") || dimension("ssm.inner_size");
    const bool short_conv = dimension("shortconv.l_cache").has_value();
    if (!ssm && !short_conv) return;
    static const std::set<std::string> kMamba2 = {"mamba2", "nemotron_h", "nemotron_h_moe", "granitehybrid"};
    if (ssm && kMamba2.count(arch_) == 0) {
      read_linear_attention(info);
      return;
    }
    auto has = [&](int layer, std::initializer_list<const char*> names) {
      for (const char* name : names)
        if (tensor(fmt::format("blk.{}.{}", layer, name)) != nullptr) return true;
      return false;
    };
    int attention = 0, mamba = 0, conv = 0, mixer_only = 0, ffn_only = 0, gated = 0, plain = 0;
    for (int layer = 0; layer < m.layers; ++layer) {
      const bool attn = has(layer, {"attn_q.weight", "attn_qkv.weight"});
      const bool state = has(layer, {"ssm_in.weight"});
      const bool shortconv = has(layer, {"shortconv.in_proj.weight"});
      const bool ffn = has(layer, {"ffn_down.weight", "ffn_down_exps.weight"});
      if (static_cast<int>(attn) + static_cast<int>(state) + static_cast<int>(shortconv) > 1)
        fail(fmt::format("blk.{}", layer), "holds more than one token mixer (attention, SSM, short convolution)");
      attention += attn ? 1 : 0;
      mamba += state ? 1 : 0;
      conv += shortconv ? 1 : 0;
      const bool mixer = attn || state || shortconv;
      if (!mixer && !ffn) fail(fmt::format("blk.{}", layer), "holds neither a token mixer nor an FFN");
      mixer_only += mixer && !ffn ? 1 : 0;
      ffn_only += ffn && !mixer ? 1 : 0;
      if (ffn) (has(layer, {"ffn_gate.weight", "ffn_gate_exps.weight", "ffn_gate_up_exps.weight"}) ? gated : plain) += 1;
    }
    auto& a = m.attention;
    a.short_conv_layers = conv;
    if (conv > 0) a.short_conv_kernel = static_cast<int>(required("shortconv.l_cache", 64));
    a.mamba_layers = mamba;
    if (mamba > 0) {
      const auto inner = required("ssm.inner_size");
      const auto heads = required("ssm.time_step_rank", limits::kMaxHeads);
      if (inner % heads != 0)
        fail(key("ssm.inner_size"), fmt::format("{} is not a multiple of ssm.time_step_rank {}", inner, heads));
      a.mamba_heads = static_cast<int>(heads);
      a.mamba_head_dim = static_cast<int>(inner / heads);
      a.mamba_state_size = static_cast<int>(required("ssm.state_size", limits::kMaxHeads));
      a.mamba_groups = static_cast<int>(dimension("ssm.group_count", limits::kMaxHeads).value_or(1));
      a.mamba_conv_kernel = static_cast<int>(required("ssm.conv_kernel", 64));
      if (a.mamba_groups == 0 || a.mamba_heads % a.mamba_groups != 0)
        fail(key("ssm.group_count"), fmt::format("{} does not divide the {} SSM heads", a.mamba_groups, a.mamba_heads));
    }
    m.mixer_only_layers = mixer_only;
    m.ffn_only_layers = ffn_only;
    m.gated_ffn = plain == 0;
    if (gated > 0 && plain > 0) fail("blk", "some FFNs have a gate projection and some do not");
    info.notes.push_back(fmt::format("{} attention + {} Mamba-2 + {} short-convolution layers{}{}", attention, mamba,
                                     conv,
                                     ffn_only > 0 ? fmt::format(", {} FFN-only layers", ffn_only) : std::string(),
                                     m.gated_ffn ? "" : "; FFNs up and down only"));
  }

  /// Qwen3-Next / Qwen3.5 hybrids: one full-attention layer in every full_attention_interval, Gated DeltaNet on the
  /// others (convert_hf_to_gguf.py writes the DeltaNet shape as ssm.*: group_count = key heads, time_step_rank =
  /// value heads, state_size = key head dim, inner_size = value heads × value head dim).
  void read_linear_attention(ModelFileInfo& info) {
    ModelSpec& m = info.model;
    const bool ssm = dimension("ssm.state_size") || dimension("ssm.inner_size");
    const auto interval = dimension("full_attention_interval", limits::kMaxLayers);
    if (!ssm) return;
    const auto key_heads = dimension("ssm.group_count", limits::kMaxHeads);
    const auto value_heads = dimension("ssm.time_step_rank", limits::kMaxHeads);
    const auto key_dim = dimension("ssm.state_size", limits::kMaxHeads);
    const auto inner = dimension("ssm.inner_size");
    if (!interval || *interval == 0 || !key_heads || !value_heads || !key_dim || !inner || *value_heads == 0 ||
        *inner % *value_heads != 0) {
      info.notes.push_back("recurrent (SSM) layers of '" + one_line(arch_) +
                           "': their state is not counted in the KV cache; every layer is counted as attention");
      return;
    }
    auto& a = m.attention;
    a.linear_attention_layers = m.layers - static_cast<int>(m.layers / *interval);
    a.linear_key_heads = static_cast<int>(*key_heads);
    a.linear_value_heads = static_cast<int>(*value_heads);
    a.linear_key_head_dim = static_cast<int>(*key_dim);
    a.linear_value_head_dim = static_cast<int>(*inner / *value_heads);
    a.linear_conv_kernel = static_cast<int>(dimension("ssm.conv_kernel", 64).value_or(4));
    info.notes.push_back(fmt::format("{} linear-attention (Gated DeltaNet) layers, one full-attention layer in every {}",
                                     a.linear_attention_layers, *interval));
  }

  /// DeepSeek Sparse Attention (V3.2): the lightning indexer's keys are cached, attention reads the top k tokens.
  void read_sparse_attention(ModelFileInfo& info) {
    auto& a = info.model.attention;
    const auto heads = dimension("attention.indexer.head_count", limits::kMaxHeads);
    const auto width = dimension("attention.indexer.key_length", limits::kMaxHeads);
    if (!heads || *heads == 0 || !width || *width == 0) return;
    a.indexer_heads = static_cast<int>(*heads);
    a.indexer_head_dim = static_cast<int>(*width);
    a.indexer_topk = static_cast<int>(dimension("attention.indexer.top_k", limits::kMaxContext).value_or(0));
    info.notes.push_back(fmt::format("sparse attention: indexer keys of {} per token and layer cached, {} tokens attended",
                                     a.indexer_head_dim, a.indexer_topk));
  }

  void read_moe(ModelFileInfo& info) {
    ModelSpec& m = info.model;
    const auto experts = dimension("expert_count", limits::kMaxHeads);
    if (!experts || *experts == 0) return;
    m.moe.experts = static_cast<int>(*experts);
    const auto used = dimension("expert_used_count", limits::kMaxHeads);
    if (!used || *used == 0) fail(key("expert_used_count"), "missing for a model with experts");
    m.moe.experts_per_token = static_cast<int>(*used);
    // Routed experts are 3-D tensors [n_embd, n_ff, n_expert] (down: [n_ff, n_embd, n_expert]).
    const GgufTensorInfo* gate = nullptr;
    int first_expert_layer = -1;
    for (int layer = 0; layer < m.layers && gate == nullptr; ++layer) {
      for (const char* name : {"ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_gate_up_exps.weight"}) {
        if (const GgufTensorInfo* t = tensor(fmt::format("blk.{}.{}", layer, name)); t && t->dims.size() == 3) {
          gate = t;
          first_expert_layer = layer;
          break;
        }
      }
    }
    if (const auto width = dimension("expert_feed_forward_length")) {
      m.moe.expert_intermediate_size = static_cast<int>(*width);
    } else if (gate != nullptr && gate->dims[1] <= kMaxDimension) {
      const bool fused = gate->name.find("gate_up") != std::string::npos;
      m.moe.expert_intermediate_size = static_cast<int>(fused ? gate->dims[1] / 2 : gate->dims[1]);
    } else {
      fail(key("expert_feed_forward_length"), "missing, and no ffn_gate_exps tensor gives it");
    }
    auto has_experts = [&](int layer) {
      for (const char* name : {"ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_gate_up_exps.weight", "ffn_down_exps.weight"})
        if (tensor(fmt::format("blk.{}.{}", layer, name)) != nullptr) return true;
      return false;
    };
    if (const auto dense = dimension("leading_dense_block_count", limits::kMaxLayers)) {
      m.moe.dense_layers = static_cast<int>(*dense);
    } else {
      // Blocks with a dense FFN and no routed experts: DeepSeek's leading ones, Llama 4 Maverick's interleaved
      // ones, Nemotron-H's MLP layers between MoE ones (mixer-only blocks have no FFN at all).
      for (int layer = 0; layer < m.layers; ++layer)
        if (!has_experts(layer) && tensor(fmt::format("blk.{}.ffn_down.weight", layer)) != nullptr) ++m.moe.dense_layers;
    }
    // LatentMoE (Nemotron 3 Super): the experts' input width is narrower than the model's.
    if (gate != nullptr && gate->dims[0] != static_cast<std::uint64_t>(m.hidden_size) && gate->dims[0] <= kMaxDimension)
      m.moe.latent_size = static_cast<int>(gate->dims[0]);
    const GgufTensorInfo* shared = nullptr;
    for (int layer = first_expert_layer > 0 ? first_expert_layer : 0; layer < m.layers && shared == nullptr; ++layer) {
      shared = tensor(fmt::format("blk.{}.ffn_gate_shexp.weight", layer));
      if (shared == nullptr) shared = tensor(fmt::format("blk.{}.ffn_up_shexp.weight", layer));
    }
    if (const auto count = dimension("expert_shared_count", 1024)) {
      m.moe.shared_experts = static_cast<int>(*count);
    } else if (shared != nullptr) {
      m.moe.shared_experts = 1;
    }
    if (const auto width = dimension("expert_shared_feed_forward_length")) {
      m.moe.shared_expert_intermediate_size = static_cast<int>(*width);
    } else if (shared != nullptr && shared->dims.size() >= 2 && m.moe.shared_experts > 0 &&
               shared->dims[1] <= kMaxDimension) {
      // Several shared experts are stored as one wider FFN.
      m.moe.shared_expert_intermediate_size = static_cast<int>(shared->dims[1] / m.moe.shared_experts);
    }
    if (m.moe.dense_layers > 0 && m.intermediate_size <= 0)
      fail(key("feed_forward_length"), "missing for the dense layers of an MoE model");
  }

  void read_mla(ModelFileInfo& info) {
    ModelSpec& m = info.model;
    const auto kv_lora_rank = dimension("attention.kv_lora_rank");
    if (!kv_lora_rank || *kv_lora_rank == 0) return;
    m.mla.kv_lora_rank = static_cast<int>(*kv_lora_rank);
    m.mla.q_lora_rank = static_cast<int>(dimension("attention.q_lora_rank").value_or(0));
    m.mla.qk_rope_head_dim = static_cast<int>(required("rope.dimension_count"));
    // Newer converters store the MLA head sizes under *_mla and the absorbed sizes under key_length.
    const auto key_length = dimension("attention.key_length_mla") ? required("attention.key_length_mla")
                                                                 : required("attention.key_length");
    const auto value_length = dimension("attention.value_length_mla") ? required("attention.value_length_mla")
                                                                     : required("attention.value_length");
    if (key_length <= static_cast<std::uint64_t>(m.mla.qk_rope_head_dim))
      fail(key("attention.key_length"), "not larger than rope.dimension_count for MLA");
    m.mla.qk_nope_head_dim = static_cast<int>(key_length) - m.mla.qk_rope_head_dim;
    m.mla.v_head_dim = static_cast<int>(value_length);
    m.head_dim = m.mla.v_head_dim;  // as the catalogue's DeepSeek entries
    m.kv_heads = m.attention_heads;
    info.notes.push_back(fmt::format("multi-head latent attention: the KV cache holds a {} + {} latent per token",
                                     m.mla.kv_lora_rank, m.mla.qk_rope_head_dim));
  }

  void read_sliding_window(ModelFileInfo& info) {
    ModelSpec& m = info.model;
    auto window = dimension("attention.sliding_window", limits::kMaxContext);
    if (!window && default_sliding_window(arch_) > 0) {
      window = default_sliding_window(arch_);
      info.notes.push_back(fmt::format("attention.sliding_window absent: {}-token chunks ({} default in llama.cpp)",
                                       *window, one_line(arch_)));
    }
    if (!window || *window == 0) return;
    int sliding_layers = 0;
    const std::string pattern_key = key("attention.sliding_window_pattern");
    if (const GgufArray* pattern = parts_.front().array_value(pattern_key)) {
      // One bool per layer: true = sliding window.
      if (pattern->numbers.size() != static_cast<std::size_t>(m.layers))
        fail(pattern_key, fmt::format("{} entries for {} layers", pattern->numbers.size(), m.layers));
      for (double is_sliding : pattern->numbers) sliding_layers += is_sliding != 0 ? 1 : 0;
      split_by_layer_kind(info, pattern->numbers);
    } else {
      int period = default_sliding_period(arch_);
      if (const auto n = dimension(std::string_view("attention.sliding_window_pattern"), limits::kMaxLayers)) period = static_cast<int>(*n);
      if (period <= 0) {
        info.notes.push_back(fmt::format("sliding window {} given without a per-layer pattern for '{}': every layer "
                                         "counted as full attention (an upper bound on the KV cache)",
                                         *window, one_line(arch_)));
        return;
      }
      // Layer i is full attention when i % period == period - 1 (llama.cpp set_swa_pattern).
      for (int layer = 0; layer < m.layers; ++layer) sliding_layers += layer % period < period - 1 ? 1 : 0;
    }
    if (sliding_layers == 0) return;
    m.attention.sliding_window_layers = sliding_layers;
    m.attention.sliding_window = static_cast<int>(*window);
    info.notes.push_back(fmt::format("{} of {} layers use a {}-token sliding window", sliding_layers, m.layers, *window));
  }

  /// Gemma 4: sliding and full-attention layers differ in KV heads (a per-layer head_count_kv) and head size
  /// (key_length_swa vs key_length). With the per-layer pattern both split exactly into the sliding shape
  /// (kv_heads, head_dim) and the global one (attention.global_kv_heads, global_head_dim).
  void split_by_layer_kind(ModelFileInfo& info, const std::vector<double>& sliding_flags) {
    ModelSpec& m = info.model;
    const auto swa_key = dimension("attention.key_length_swa", limits::kMaxHeads);
    const GgufArray* kv = parts_.front().array_value(key("attention.head_count_kv"));
    if (!swa_key && kv == nullptr) return;
    int sliding_kv = 0;
    int global_kv = 0;
    if (kv != nullptr && kv->numbers.size() == sliding_flags.size()) {
      for (std::size_t i = 0; i < sliding_flags.size(); ++i)
        (sliding_flags[i] != 0 ? sliding_kv : global_kv) =
            std::max(sliding_flags[i] != 0 ? sliding_kv : global_kv, static_cast<int>(kv->numbers[i]));
    }
    const int global_head_dim = m.head_dim;  // key_length / value_length: the full-attention layers' size
    if (swa_key) {
      const auto swa_value = dimension("attention.value_length_swa", limits::kMaxHeads).value_or(*swa_key);
      m.head_dim = static_cast<int>((*swa_key + swa_value + 1) / 2);
      if (global_head_dim != m.head_dim) m.attention.global_head_dim = global_head_dim;
    }
    if (sliding_kv > 0 && global_kv > 0 && m.attention_heads % sliding_kv == 0 && m.attention_heads % global_kv == 0) {
      m.kv_heads = sliding_kv;
      if (global_kv != sliding_kv) m.attention.global_kv_heads = global_kv;
      // The per-kind split replaces the largest-on-every-layer upper bound.
      std::erase_if(info.notes, [](const std::string& note) { return note.rfind("head counts vary by layer", 0) == 0; });
    }
    info.notes.push_back(fmt::format("sliding layers: {} KV heads of {}; full-attention layers: {} of {}", m.kv_heads,
                                     m.head_dim, m.attention.global_kv_heads_or(m.kv_heads),
                                     m.attention.global_head_dim_or(m.head_dim)));
  }

  void tally_tensors(ModelFileInfo& info) {
    FileWeights& f = info.model.file_weights;
    std::map<std::string, TensorTypeTally> by_type;
    int beyond_blocks = 0;
    double mtp_bytes = 0;
    std::set<int> blocks_present;
    for (const auto& part : parts_) {
      for (const auto& t : part.tensors) {
        const double params = static_cast<double>(t.elements);
        const double bytes = static_cast<double>(t.bytes);
        if (t.name == "token_embd.weight") {
          f.embedding_bytes += bytes;
          f.embedding_params += params;
        } else if (t.name == "per_layer_token_embd.weight") {
          f.lookup_bytes += bytes;  // Gemma 3n per-layer embeddings: a row per layer and token is read
          f.lookup_params += params;
          if (t.dims.size() >= 2 && info.model.layers > 0 && t.dims[0] % static_cast<std::uint64_t>(info.model.layers) == 0 &&
              t.dims[1] <= static_cast<std::uint64_t>(limits::kMaxVocab)) {
            info.model.per_layer_embedding_size = static_cast<int>(t.dims[0] / static_cast<std::uint64_t>(info.model.layers));
            info.model.per_layer_vocab_size = static_cast<int>(t.dims[1]);
          }
        } else if (t.name.rfind("blk.", 0) == 0 && mtp_blocks_ > 0 && std::atoi(t.name.c_str() + 4) >= info.model.layers &&
                   std::atoi(t.name.c_str() + 4) < info.model.layers + mtp_blocks_) {
          mtp_bytes += bytes;  // skipped by llama.cpp at load: neither stored nor read
          continue;
        } else if (t.name == "output.weight") {
          f.output_bytes += bytes;
          f.output_params += params;
        } else if (t.name.rfind("blk.", 0) == 0) {
          const bool routed = t.name.find("_exps.") != std::string::npos;
          (routed ? f.routed_expert_bytes : f.layer_bytes) += bytes;
          (routed ? f.routed_expert_params : f.layer_params) += params;
          const int layer = std::atoi(t.name.c_str() + 4);
          if (layer >= info.model.layers) ++beyond_blocks;
          else blocks_present.insert(layer);
        } else {
          f.other_bytes += bytes;
          f.other_params += params;
        }
        TensorTypeTally& tally = by_type[std::string(ggml_type_traits(t.type_id)->name)];
        tally.type_name = ggml_type_traits(t.type_id)->name;
        tally.tensors += 1;
        tally.params += params;
        tally.bytes += bytes;
      }
    }
    if (mtp_bytes > 0)
      info.notes.push_back(fmt::format("{} multi-token-prediction block{} ({:.2f} GB) in the file: llama.cpp does not load "
                                       "{}, so neither does the fit",
                                       mtp_blocks_, mtp_blocks_ == 1 ? "" : "s", mtp_bytes / 1e9,
                                       mtp_blocks_ == 1 ? "it" : "them"));
    if (!(f.embedding_params > 0)) fail("token_embd.weight", "tensor missing");
    if (!(f.layer_params > 0)) fail("blk.0", "no block tensors in the file");
    // A declared count the tensors do not bear out would size a model that is not in the file.
    if (static_cast<int>(blocks_present.size()) != info.model.layers)
      fail(key("block_count"), fmt::format("says {} blocks, but the file holds tensors for {} of them", info.model.layers,
                                           blocks_present.size()));
    if (info.model.is_moe() && !(f.routed_expert_params > 0))
      fail(key("expert_count"), "set, but no ffn_*_exps tensors hold the experts");
    if (beyond_blocks > 0)
      info.notes.push_back(fmt::format("{} tensors belong to blocks beyond block_count (multi-token prediction); "
                                       "held in memory, not read per token",
                                       beyond_blocks));
    for (auto& [name, tally] : by_type) info.tensor_types.push_back(tally);
    std::sort(info.tensor_types.begin(), info.tensor_types.end(),
              [](const TensorTypeTally& a, const TensorTypeTally& b) { return a.bytes > b.bytes; });
  }

  /// The ggml type holding most bytes of the blocks: the file's quantisation when file_type is absent.
  std::string dominant_block_type() const {
    std::map<std::string, double> bytes;
    for (const auto& part : parts_)
      for (const auto& t : part.tensors)
        if (t.name.rfind("blk.", 0) == 0 && t.dims.size() >= 2) bytes[std::string(ggml_type_traits(t.type_id)->name)] += t.bytes;
    std::string best;
    double most = -1;
    for (const auto& [name, total] : bytes)
      if (total > most) {
        most = total;
        best = name;
      }
    std::transform(best.begin(), best.end(), best.begin(), [](unsigned char c) { return std::tolower(c); });
    return best;
  }

  static QuantKernel kernel_of(const std::string& name) {
    if (name.rfind("iq", 0) == 0) return QuantKernel::i_quant;
    if (name.find("_k") != std::string::npos) return QuantKernel::k_quant;
    if (name == "f32" || name == "f16" || name == "bf16") return QuantKernel::float_;
    if (name.rfind("mxfp4", 0) == 0 || name == "nvfp4") return QuantKernel::mxfp4;
    return QuantKernel::legacy;  // q4_0, q4_1, q5_0, q5_1, q8_0, tq1_0, tq2_0
  }

  void choose_quant(ModelFileInfo& info) {
    const GgufFile& head = parts_.front();
    std::string name;
    if (const auto file_type = head.unsigned_value("general.file_type")) {
      name = std::string(gguf_file_type_name(static_cast<std::uint32_t>(std::min<std::uint64_t>(*file_type, 1u << 31))));
      if (name.empty()) info.notes.push_back(fmt::format("general.file_type {} unknown: named after the tensors", *file_type));
    }
    if (name.empty() || name == "guessed") name = dominant_block_type();
    const FileWeights& f = info.model.file_weights;
    // The file's effective bits per weight, by part of the model.
    QuantSpec measured;
    measured.format = QuantFormat::gguf;
    measured.kernel = kernel_of(name);
    measured.bits_per_weight = f.layer_bytes * 8.0 / f.layer_params;
    measured.expert_bits_per_weight = f.routed_expert_params > 0 ? f.routed_expert_bytes * 8.0 / f.routed_expert_params : 0;
    measured.embedding_bits_per_weight = f.embedding_bytes * 8.0 / f.embedding_params;
    measured.output_bits_per_weight = f.output_params > 0 ? f.output_bytes * 8.0 / f.output_params
                                                          : measured.embedding_bits_per_weight;
    // A catalogue GGUF entry of the same name brings its kernel family and published quality cost;
    // the bytes still come from the file (FileWeights), whatever the entry's nominal bits.
    if (const QuantSpec* known = catalog_.find_quant(name); known && known->format == QuantFormat::gguf) {
      info.quant_id = known->id;
      info.notes.push_back(fmt::format("quantisation {} (catalogue entry; the file measures {:.3f} bits per weight "
                                       "in the blocks)",
                                       known->id, measured.bits_per_weight));
      return;
    }
    std::string id = name;
    if (catalog_.find_quant(id) != nullptr) id += "-gguf";  // same name, other format (mxfp4)
    measured.id = id;
    measured.name = name;
    std::transform(measured.name.begin(), measured.name.end(), measured.name.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    measured.source = "measured from the tensor table of " + path_;
    measured.quality_source = "not published for this format";
    measured.notes = "Bits per weight measured from the file's tensors; quality cost unknown (0).";
    info.quant = measured;
    info.quant_id = id;
    info.notes.push_back(fmt::format("quantisation {} is not in the catalogue: defined from the file ({:.3f} bits per "
                                     "weight in the blocks)",
                                     id, measured.bits_per_weight));
  }

  const std::vector<GgufFile>& parts_;
  const Catalog& catalog_;
  std::string path_;
  std::string arch_;
  int mtp_blocks_ = 0;  // nextn_predict_layers: trailing blocks llama.cpp does not load
};

const std::regex& split_pattern() {
  static const std::regex pattern(R"((.*)-([0-9]{5})-of-([0-9]{5})\.gguf)", std::regex::icase);
  return pattern;
}

}  // namespace

std::vector<std::string> gguf_part_paths(const std::string& path) {
  const std::filesystem::path file(path);
  const std::string name = file.filename().string();
  std::smatch match;
  if (!std::regex_match(name, match, split_pattern())) return {path};
  const int count = std::stoi(match[3].str());
  const int number = std::stoi(match[2].str());
  if (count < 1 || number < 1 || number > count)
    throw InputError(path + ": split file name says part " + match[2].str() + " of " + match[3].str());
  std::vector<std::string> paths;
  for (int i = 1; i <= count; ++i)
    paths.push_back((file.parent_path() / fmt::format("{}-{:05}-of-{:05}.gguf", match[1].str(), i, count)).string());
  return paths;
}

ModelFileInfo model_from_gguf(const std::vector<GgufFile>& parts, const Catalog& catalog, const std::string& id) {
  return GgufModelReader(parts, catalog).read(id);
}

ModelFileInfo read_gguf_model(const std::string& path, const Catalog& catalog) {
  const std::vector<std::string> paths = gguf_part_paths(path);
  std::vector<GgufFile> parts;
  for (std::size_t i = 0; i < paths.size() && paths.size() > 1; ++i) {
    std::error_code error;
    if (!std::filesystem::exists(paths[i], error))
      throw InputError(fmt::format("{}: part {} of {} is missing ({})", path, i + 1, paths.size(), paths[i]));
  }
  for (const auto& part : paths) parts.push_back(read_gguf_header(part));
  if (parts.size() > 1) {
    // gguf-split writes split.no (0-based), split.count and split.tensors.count into every part.
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const auto number = parts[i].unsigned_value("split.no");
      const auto count = parts[i].unsigned_value("split.count");
      if ((number && *number != i) || (count && *count != parts.size()))
        throw InputError(fmt::format("{}: split.no / split.count say part {} of {}, the file name says {} of {}",
                                     paths[i], number.value_or(0) + 1, count.value_or(0), i + 1, parts.size()));
    }
    std::uint64_t tensors = 0;
    for (const auto& part : parts) tensors += part.tensors.size();
    if (const auto expected = parts.front().unsigned_value("split.tensors.count"); expected && *expected != tensors)
      throw InputError(fmt::format("{}: split.tensors.count is {}, the {} parts hold {}", paths.front(), *expected,
                                   parts.size(), tensors));
  }
  std::string stem = std::filesystem::path(paths.front()).filename().string();
  std::smatch match;
  if (std::regex_match(stem, match, split_pattern())) {
    stem = match[1].str();
  } else if (stem.size() > 5 && to_lower(stem.substr(stem.size() - 5)) == ".gguf") {
    stem.resize(stem.size() - 5);
  }
  return model_from_gguf(parts, catalog, unique_model_id(catalog, stem, ".gguf"));
}

}  // namespace llmfit
