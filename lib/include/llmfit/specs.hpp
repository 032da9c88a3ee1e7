#pragma once
/// Plain catalogue records: hardware, models and quantisation formats. Units are in the names
/// (see units.hpp and docs/catalogue-schema.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/names.hpp"

namespace llmfit {

enum class HardwareKind { gpu, unified, cpu };
enum class FormFactor { laptop, desktop, server, embedded };
/// Device API of an engine (llama-bench's `backends` field: CUDA, Metal, Vulkan, ROCm, SYCL, CPU).
enum class DeviceApi { cuda, metal, vulkan, rocm, sycl, cpu };
/// Hardware class used to group calibration constants.
enum class HardwareClass { apple, nvidia_consumer, nvidia_datacenter, amd, intel, cpu };

struct HardwareSpec {
  std::string id;
  std::string name;
  std::string vendor;  // apple | nvidia | amd | intel | generic
  HardwareKind kind = HardwareKind::gpu;
  std::vector<double> memory_options_gib;
  double default_memory_gib = 0;
  double bandwidth_gb_s = 0;
  std::string memory_type;          // gddr6x | hbm3 | lpddr5x | ddr5 ...; empty = not given
  int memory_bus_bits = 0;          // total bus width (CPU: channels x 64); 0 = not given
  double memory_data_rate_mt_s = 0; // per pin, megatransfers/s; 0 = not given
  double fp16_tflops = 0;
  double int8_tops = 0;  // 0 = not given
  /// Vector (non-matrix) FP32 peak: the rate of matrix multiplications that cannot use the matrix engines
  /// counted in fp16_tflops (vector_only_apis). 0 = not given.
  double fp32_tflops = 0;
  /// Device APIs whose llama.cpp backend runs matrix multiplications on the vector ALUs of this chip, not on
  /// its matrix engines (Vulkan on Intel before Xe2: ggml-vulkan enables cooperative matrices on Intel only for
  /// Xe2). Empty = every API of the entry reaches fp16_tflops (docs/catalogue-schema.md).
  std::vector<DeviceApi> vector_only_apis;
  int gpu_cores = 0;     // 0 = not given
  double gpu_clock_ghz = 0;  // gpu/unified: boost clock the vendor's tensor peak is quoted at; 0 = not given
  /// Apple GPUs: the Metal GPU family of the chip (apple7 = M1, apple8 = M2, apple9 = M3/M4: Apple's "Metal feature
  /// set tables"), the generation key of the calibration profile (EfficiencyProfile::lookup); empty = not given.
  std::string gpu_family;
  /// AMD GPUs: the RDNA generation of the GPU (2 = RDNA 2, 3 = RDNA 3 and 3.5, 4 = RDNA 4), which decides the
  /// shaders ggml-vulkan runs under each driver (docs/model.md, "The Vulkan driver"); 0 = not given.
  int rdna_generation = 0;
  int cpu_cores = 0;         // CPU cores of a cpu or unified entry (performance + efficiency); 0 = not given
  int cpu_simd_bits = 0;     // widest SIMD vector the cores execute (128 NEON/SSE, 256 AVX2, 512 AVX-512); 0 = not given
  double cpu_clock_ghz = 0;  // all-core sustained clock; 0 = not given
  /// SIMD FMA pipes per core at cpu_simd_bits (an Apple P-core: four 128-bit); 0 = not given (two). A cpu entry's
  /// FP32 peak (fp16_tflops) already says how wide its cores execute; a unified entry's peak is its GPU's.
  int cpu_fma_pipes = 0;
  /// Instruction-set extensions of the cores that decide which ggml-cpu kernels run (llama.cpp's
  /// ggml_cpu_has_*): x86 avx2, avx512, avx512_vnni, avx_vnni; ARM neon, dotprod, i8mm. Empty = not given.
  std::vector<std::string> cpu_isa;
  FormFactor form_factor = FormFactor::desktop;
  double sustained_fraction = 1.0;  // share of peak decode speed once throttled
  double throttle_onset_s = 0;      // 0 = not known / never
  bool has_thermal_data = false;    // sustained_fraction or throttle_onset_s given
  double tdp_w = 0;
  double price_usd = 0;  // 0 = unknown / not sold alone
  /// Price of the product with each capacity of memory_options_gib (same order); 0 = that capacity has no
  /// known price; empty = only price_usd (the default capacity's) is known.
  std::vector<double> memory_prices_usd;
  std::string memory_prices_source;  // where memory_prices_usd were read
  double idle_w = 0;                 // measured draw at idle (wall or board); 0 = not published
  std::string idle_w_source;
  double rental_usd_per_hour = 0;    // on-demand cloud price of one device per hour; 0 = none known
  std::string rental_price_source;   // the provider's pricing page
  std::string rental_price_date;     // when it was read (YYYY-MM-DD)
  std::vector<DeviceApi> apis;
  std::string default_host;          // gpu only: id of a cpu entry
  double gpu_memory_fraction = 0;    // unified only: 0 = default rule
  std::vector<std::string> pci_ids;  // "vendor:device" in lowercase hex (10de:2684), for detection
  std::vector<std::string> aliases;
  std::string source;
  std::string notes;
  std::string origin;  // where the entry came from: "builtin:<file>" or a user file path
  /// A product built on another entry's chip (a Mac Studio on the M4 Max): it inherits that entry's chip
  /// fields and states its own product fields (FieldInfo::per_product). Empty = a chip or product of its own.
  std::string variant_of;
  /// Chip fields a variant states itself, as read (resolve_variants() fills the rest); empty once resolved.
  std::vector<std::string> variant_stated_fields;
};

/// The largest shape a model may have, whatever describes it (catalogue, GGUF, config.json).
namespace limits {
inline constexpr int kMaxWidth = 1 << 20;     // hidden, intermediate and latent sizes
inline constexpr int kMaxHeads = 65'536;      // attention and KV heads, head dimensions, experts
inline constexpr int kMaxLayers = 10'000;
inline constexpr int kMaxVocab = 1 << 24;
inline constexpr int kMaxContext = 1 << 26;   // tokens (max_context, sliding windows)
/// How far a model's published parameter count may be from its shape's (shape_params): the formula
/// leaves out biases, norms and small gating weights, 1.5 % at most in the shipped catalogue (Qwen3.5 9B).
inline constexpr double kParamsShapeTolerance = 0.02;
/// Published active counts are rounded names ("A3B" for 3.8 B): only a factor this large is refused.
inline constexpr double kActiveParamsShapeFactor = 1.5;
/// How far a stated peak bandwidth may be from bus width x data rate (Apple states 400 GB/s for 512-bit
/// LPDDR5-6400, 409.6 GB/s: 2.4 %).
inline constexpr double kBandwidthBusTolerance = 0.03;
/// How far a GPU's tensor peak per core and clock (peak / (gpu_cores x gpu_clock_ghz)) may be from a power of
/// two: vendors round the peak (the L40S's 362 TFLOPS is 1.2 % under 142 SMs x 2.52 GHz x 1024).
inline constexpr double kTensorRateTolerance = 0.03;
}  // namespace limits

struct MoeSpec {
  int experts = 0;  // routed experts per MoE layer; 0 = dense model
  int experts_per_token = 0;
  int expert_intermediate_size = 0;
  int shared_experts = 0;                   // always-active FFNs beside the routed experts of each MoE layer
  int shared_expert_intermediate_size = 0;  // 0 = expert_intermediate_size
  int dense_layers = 0;  // FFN layers with a dense FFN instead of experts, wherever they sit (no formula needs where)
  int latent_size = 0;   // LatentMoE (Nemotron 3 Super): routed experts work in this width; 0 = hidden_size

  [[nodiscard]] bool present() const noexcept { return experts > 0; }
};

/// How the layers mix tokens. Layers not listed here have full (global) attention. Recurrent layers keep a
/// fixed-size state instead of a KV cache; each kind has its own shape (docs/catalogue-schema.md).
struct AttentionSpec {
  int sliding_window_layers = 0;  // local attention: a sliding window, or fixed chunks (Llama 4): KV <= window
  int sliding_window = 0;
  // Gated DeltaNet (Qwen3-Next): state value_heads x key_dim x value_dim.
  int linear_attention_layers = 0;
  int linear_key_heads = 0;
  int linear_value_heads = 0;
  int linear_key_head_dim = 0;
  int linear_value_head_dim = 0;
  int linear_conv_kernel = 4;
  // Mamba-2 SSM (Dao & Gu 2024): state heads x head_dim x state_size; B and C shared within a group.
  int mamba_layers = 0;
  int mamba_heads = 0;
  int mamba_head_dim = 0;
  int mamba_state_size = 0;
  int mamba_groups = 1;
  int mamba_conv_kernel = 4;
  // Gated short convolution (LFM2): a depthwise convolution over hidden_size, kernel in tokens.
  int short_conv_layers = 0;
  int short_conv_kernel = 3;
  // Shape of the softmax-attention layers where it departs from the plain GQA block.
  bool output_gate = false;          // gated attention (Qwen3-Next, Qwen3.5): q_proj also emits a per-channel gate
  int global_kv_heads = 0;           // KV heads of the full-attention layers when they differ (Gemma 4); 0 = kv_heads
  int global_head_dim = 0;           // head dim of the full-attention layers (Gemma 4: 512); 0 = head_dim
  bool global_value_is_key = false;  // full-attention layers project no V: V = K (Gemma 4 attention_k_eq_v)
  int kv_shared_layers = 0;          // trailing layers that reuse an earlier layer's KV and cache none (Gemma 3n)
  int indexer_heads = 0;             // sparse attention indexer (DeepSeek-V3.2 DSA): heads of the lightning indexer
  int indexer_head_dim = 0;          // its key width, cached per token and full-attention layer
  int indexer_topk = 0;              // tokens each query attends to (the rest are only scored); 0 = all

  [[nodiscard]] int recurrent_layers() const noexcept {
    return linear_attention_layers + mamba_layers + short_conv_layers;
  }
  [[nodiscard]] int global_kv_heads_or(int kv_heads) const noexcept {
    return global_kv_heads > 0 ? global_kv_heads : kv_heads;
  }
  [[nodiscard]] int global_head_dim_or(int head_dim) const noexcept {
    return global_head_dim > 0 ? global_head_dim : head_dim;
  }
};

/// Multi-head latent attention (DeepSeek-V2/V3): the KV cache holds one compressed latent per token.
struct MlaSpec {
  int kv_lora_rank = 0;  // 0 = no MLA
  int q_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;

  [[nodiscard]] bool present() const noexcept { return kv_lora_rank > 0; }
};

/// Weights as a model file stores them (a GGUF tensor table), valid in one quantisation: when a
/// scenario runs `quant_id`, weight_bytes() uses these exact sums instead of shape × bits per weight.
struct FileWeights {
  std::string quant_id;  // empty = no file (catalogue entries)
  double embedding_bytes = 0;
  double embedding_params = 0;
  double output_bytes = 0;  // 0 when the output head is tied to the embedding
  double output_params = 0;
  double layer_bytes = 0;  // every block's tensors except the routed experts
  double layer_params = 0;
  double routed_expert_bytes = 0;  // all routed experts of all blocks
  double routed_expert_params = 0;
  double other_bytes = 0;  // outside the blocks: final norm, RoPE tables
  double other_params = 0;
  double lookup_bytes = 0;  // per-layer embedding tables (Gemma 3n): stored, read by the row like the embedding
  double lookup_params = 0;

  [[nodiscard]] bool present() const noexcept { return !quant_id.empty(); }
  [[nodiscard]] double total_bytes() const noexcept {
    return embedding_bytes + output_bytes + layer_bytes + routed_expert_bytes + other_bytes + lookup_bytes;
  }
  [[nodiscard]] double total_params() const noexcept {
    return embedding_params + output_params + layer_params + routed_expert_params + other_params + lookup_params;
  }
};

struct ModelSpec {
  std::string id;
  std::string name;
  std::string family;
  double params_b = 0;         // published total, language model
  double active_params_b = 0;  // published activated (MoE); = params_b for dense
  int layers = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  bool gated_ffn = true;      // gate, up and down (SwiGLU); false: up and down only (Nemotron-H relu^2)
  int ffn_only_layers = 0;    // layers with an FFN and no token mixer (Nemotron-H '-' and 'E' layers)
  int mixer_only_layers = 0;  // layers with a token mixer and no FFN (Nemotron-H 'M' and '*' layers)
  int attention_heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int vocab_size = 0;
  bool tied_embeddings = false;
  int per_layer_embedding_size = 0;  // per-layer embeddings (Gemma 3n): a table row of this width per layer and token
  int per_layer_vocab_size = 0;      // rows of that table (given with per_layer_embedding_size)
  std::int64_t max_context = 0;
  std::string default_quant;
  std::string ollama_quant;  // quantisation of Ollama's default tag when not the GGUF default (resolve_names.hpp)
  double api_input_usd_per_mtok = 0;   // a hosted API's price per 10^6 prompt tokens; 0 = none known
  double api_output_usd_per_mtok = 0;  // and per 10^6 generated tokens
  std::string api_price_source;        // where the prices were read (provider page)
  std::string api_price_date;          // when (YYYY-MM-DD)
  MoeSpec moe;
  AttentionSpec attention;
  MlaSpec mla;
  FileWeights file_weights;  // from a model file (--model-file); catalogue entries have none
  std::vector<std::string> aliases;
  std::string source;
  std::string notes;
  std::string origin;

  [[nodiscard]] bool is_moe() const noexcept { return moe.experts > 0; }
  /// Layers with softmax attention, full or sliding (they hold a KV cache).
  [[nodiscard]] int attention_layers() const noexcept {
    return layers - ffn_only_layers - attention.recurrent_layers();
  }
  [[nodiscard]] int full_attention_layers() const noexcept {
    return attention_layers() - attention.sliding_window_layers;
  }
  /// Layers with an FFN (dense or MoE), and of them the MoE ones.
  [[nodiscard]] int ffn_layers() const noexcept { return layers - mixer_only_layers; }
  [[nodiscard]] int moe_layers() const noexcept { return is_moe() ? ffn_layers() - moe.dense_layers : 0; }
  /// Weight matrices per FFN (and per expert): 3 gated, 2 plain.
  [[nodiscard]] int ffn_matrices() const noexcept { return gated_ffn ? 3 : 2; }
};

enum class QuantFormat { gguf, mlx, safetensors };
/// Kernel family: decides which matmul kernels run and how close they get to peak bandwidth.
enum class QuantKernel { legacy, k_quant, i_quant, float_, mlx, fp8, mxfp4, awq, gptq, nvfp4, ternary };

struct QuantSpec {
  std::string id;  // lowercase format name, e.g. q4_k_m
  std::string name;
  QuantFormat format = QuantFormat::gguf;
  QuantKernel kernel = QuantKernel::k_quant;
  double bits_per_weight = 0;            // repeating-layer weights, effective
  double expert_bits_per_weight = 0;     // routed experts; 0 = bits_per_weight
  double embedding_bits_per_weight = 0;  // 0 = bits_per_weight
  double output_bits_per_weight = 0;     // 0 = bits_per_weight
  // Storage block of the format's base tensor type (ggml-common.h block structs, MLX/MX groups):
  // block_bytes hold block_weights weights, scales included. 0 = not stated.
  int block_bytes = 0;
  int block_weights = 0;
  std::vector<std::string> short_forms;
  double quality_ppl_increase_pct = 0;
  std::string quality_source;
  std::string source;
  std::string notes;
  std::string origin;

  [[nodiscard]] double expert_bits() const noexcept {
    return expert_bits_per_weight > 0 ? expert_bits_per_weight : bits_per_weight;
  }
  [[nodiscard]] double embedding_bits() const noexcept {
    return embedding_bits_per_weight > 0 ? embedding_bits_per_weight : bits_per_weight;
  }
  [[nodiscard]] double output_bits() const noexcept {
    return output_bits_per_weight > 0 ? output_bits_per_weight : bits_per_weight;
  }
  /// Bits per weight of one storage block; 0 when no block layout is stated.
  [[nodiscard]] double block_bits_per_weight() const noexcept {
    return block_bytes > 0 && block_weights > 0 ? 8.0 * block_bytes / block_weights : 0.0;
  }
};

// Names of enum values, as written in YAML, JSON and on the command line (names.hpp).
template <>
struct NameTable<HardwareKind> {
  static constexpr std::array<std::pair<HardwareKind, std::string_view>, 3> entries{
      {{HardwareKind::gpu, "gpu"}, {HardwareKind::unified, "unified"}, {HardwareKind::cpu, "cpu"}}};
};
template <>
struct NameTable<FormFactor> {
  static constexpr std::array<std::pair<FormFactor, std::string_view>, 4> entries{{{FormFactor::laptop, "laptop"},
                                                                                  {FormFactor::desktop, "desktop"},
                                                                                  {FormFactor::server, "server"},
                                                                                  {FormFactor::embedded, "embedded"}}};
};
template <>
struct NameTable<DeviceApi> {
  static constexpr std::array<std::pair<DeviceApi, std::string_view>, 6> entries{{{DeviceApi::cuda, "cuda"},
                                                                                 {DeviceApi::metal, "metal"},
                                                                                 {DeviceApi::vulkan, "vulkan"},
                                                                                 {DeviceApi::rocm, "rocm"},
                                                                                 {DeviceApi::sycl, "sycl"},
                                                                                 {DeviceApi::cpu, "cpu"}}};
};
template <>
struct NameTable<HardwareClass> {
  static constexpr std::array<std::pair<HardwareClass, std::string_view>, 6> entries{
      {{HardwareClass::apple, "apple"},
       {HardwareClass::nvidia_consumer, "nvidia-consumer"},
       {HardwareClass::nvidia_datacenter, "nvidia-datacenter"},
       {HardwareClass::amd, "amd"},
       {HardwareClass::intel, "intel"},
       {HardwareClass::cpu, "cpu"}}};
};
template <>
struct NameTable<QuantFormat> {
  static constexpr std::array<std::pair<QuantFormat, std::string_view>, 3> entries{
      {{QuantFormat::gguf, "gguf"}, {QuantFormat::mlx, "mlx"}, {QuantFormat::safetensors, "safetensors"}}};
};
template <>
struct NameTable<QuantKernel> {
  static constexpr std::array<std::pair<QuantKernel, std::string_view>, 11> entries{{{QuantKernel::legacy, "legacy"},
                                                                                   {QuantKernel::k_quant, "k-quant"},
                                                                                   {QuantKernel::i_quant, "i-quant"},
                                                                                   {QuantKernel::float_, "float"},
                                                                                   {QuantKernel::mlx, "mlx"},
                                                                                   {QuantKernel::fp8, "fp8"},
                                                                                   {QuantKernel::mxfp4, "mxfp4"},
                                                                                   {QuantKernel::awq, "awq"},
                                                                                   {QuantKernel::gptq, "gptq"},
                                                                                   {QuantKernel::nvfp4, "nvfp4"},
                                                                                   {QuantKernel::ternary, "ternary"}}};
};

[[nodiscard]] constexpr std::string_view to_string(HardwareKind kind) noexcept { return enum_name(kind); }
[[nodiscard]] constexpr std::string_view to_string(FormFactor form) noexcept { return enum_name(form); }
[[nodiscard]] constexpr std::string_view to_string(DeviceApi api) noexcept { return enum_name(api); }
[[nodiscard]] constexpr std::string_view to_string(HardwareClass hw_class) noexcept { return enum_name(hw_class); }
[[nodiscard]] constexpr std::string_view to_string(QuantFormat format) noexcept { return enum_name(format); }
[[nodiscard]] constexpr std::string_view to_string(QuantKernel kernel) noexcept { return enum_name(kernel); }
[[nodiscard]] inline std::optional<HardwareKind> parse_hardware_kind(std::string_view text) noexcept {
  return parse_enum_name<HardwareKind>(text);
}
[[nodiscard]] inline std::optional<FormFactor> parse_form_factor(std::string_view text) noexcept {
  return parse_enum_name<FormFactor>(text);
}
[[nodiscard]] inline std::optional<DeviceApi> parse_device_api(std::string_view text) noexcept {
  return parse_enum_name<DeviceApi>(text);
}
[[nodiscard]] inline std::optional<HardwareClass> parse_hardware_class(std::string_view text) noexcept {
  return parse_enum_name<HardwareClass>(text);
}
[[nodiscard]] inline std::optional<QuantFormat> parse_quant_format(std::string_view text) noexcept {
  return parse_enum_name<QuantFormat>(text);
}
[[nodiscard]] inline std::optional<QuantKernel> parse_quant_kernel(std::string_view text) noexcept {
  return parse_enum_name<QuantKernel>(text);
}

/// The CPU instruction-set extensions a catalogue entry may name in cpu_isa (llama.cpp's ggml_cpu_has_* features).
[[nodiscard]] bool known_cpu_isa(std::string_view isa) noexcept;
/// Whether an entry states an extension in cpu_isa.
[[nodiscard]] bool has_cpu_isa(const HardwareSpec& hw, std::string_view isa) noexcept;

/// The calibration class of a chip, derived from vendor and kind; NVIDIA parts by memory technology (HBM:
/// nvidia_datacenter; GDDR and LPDDR, the L40S and A40 among them: nvidia_consumer).
[[nodiscard]] HardwareClass hardware_class(const HardwareSpec& hardware) noexcept;

/// Checks one entry's fields for presence and plausible ranges. Returns the first problem as
/// "field: message", or an empty string when the entry is valid.
[[nodiscard]] std::string validate(const HardwareSpec& hardware);
[[nodiscard]] std::string validate(const ModelSpec& model);
[[nodiscard]] std::string validate(const QuantSpec& quant);

}  // namespace llmfit
