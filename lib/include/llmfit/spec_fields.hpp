#pragma once
/// One field list per catalogue record: for_each_field(record, visitor) calls visitor(info, member) for
/// every field of a HardwareSpec, ModelSpec or QuantSpec (and of their nested MoeSpec, AttentionSpec and
/// MlaSpec blocks), in schema order. The YAML reader, the JSON writer, the build-time generator of the
/// compiled-in catalogue and validate() all walk these lists, so a field added here (and to the struct)
/// is read, written, compiled in and range-checked everywhere; docs/catalogue-schema.md describes it.
/// ModelSpec::file_weights (the exact sums of a model file, never in a catalogue) is outside the list.
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

#include "llmfit/specs.hpp"

namespace llmfit {

/// How a nested block appears in JSON.
enum class JsonNesting {
  object,   // an object under the field's JSON key, when the block is in use (present())
  flatten,  // its fields beside the record's own
};

/// The closed or open interval a number must lie in, and what the message says when it does not.
struct FieldRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false;
  bool high_open = false;
  bool zero_allowed = false;  // 0 means "not given" and is allowed outside the interval

  [[nodiscard]] bool contains(double value) const noexcept {
    if (zero_allowed && value == 0) return true;
    return std::isfinite(value) && (low_open ? value > low : value >= low) &&
           (high_open ? value < high : value <= high);
  }
};

struct FieldInfo {
  std::string_view key;            // YAML key; the JSON key too unless json_key is set
  bool required = false;           // YAML: must be given (text: not empty; list: at least one item)
  FieldRange range{};              // numbers, and each item of a number list
  std::string_view rule{};         // the message when a number (or a list item) is outside `range`
  std::string_view empty_rule{};   // the message when a required list is empty
  std::string_view rule_key{};     // the field a message names instead of `key` ("mla" for its shape)
  std::string_view json_key{};     // JSON key when it differs from `key`
  bool yaml = true;                // read from catalogue files (false: derived or bookkeeping)
  bool json = true;                // written in `show`/`list` JSON
  bool zero_is_unknown = false;    // JSON: 0 or "" is written as null
  bool lowercase = false;          // text folded to lowercase when read
  JsonNesting nesting = JsonNesting::object;  // nested blocks only
  bool per_product = false;  // hardware: a property of the product, never inherited through variant_of

  [[nodiscard]] constexpr std::string_view json_name() const noexcept { return json_key.empty() ? key : json_key; }
  [[nodiscard]] constexpr std::string_view message_key() const noexcept { return rule_key.empty() ? key : rule_key; }
};

/// The nested blocks of a ModelSpec: visitors recurse into them with for_each_field.
template <typename T>
inline constexpr bool is_field_block =
    std::is_same_v<T, MoeSpec> || std::is_same_v<T, AttentionSpec> || std::is_same_v<T, MlaSpec>;

template <typename Record, typename Base>
concept RecordOf = std::is_same_v<std::remove_const_t<Record>, Base>;

template <typename Record, typename Visitor>
  requires RecordOf<Record, HardwareSpec>
void for_each_field(Record& h, Visitor&& v) {
  v(FieldInfo{.key = "id", .required = true, .per_product = true}, h.id);
  v(FieldInfo{.key = "name", .required = true, .per_product = true}, h.name);
  v(FieldInfo{.key = "vendor", .required = true}, h.vendor);
  v(FieldInfo{.key = "kind", .required = true}, h.kind);
  v(FieldInfo{.key = "memory_gib",
              .required = true,
              .range = {.low = 0, .high = 1e5, .low_open = true},
              .rule = "capacities must be in (0, 100000] GiB",
              .empty_rule = "needs at least one capacity",
              .json_key = "memory_gib_options"},
    h.memory_options_gib);
  // Default: the first capacity (derived_defaults).
  v(FieldInfo{.key = "default_memory_gib", .range = {.low = 0, .low_open = true}, .rule = "must be > 0",
              .json_key = "memory_gib"},
    h.default_memory_gib);
  v(FieldInfo{.key = "bandwidth_gb_s", .required = true, .range = {.low = 1, .high = 1e5},
              .rule = "must be in [1, 100000] GB/s"},
    h.bandwidth_gb_s);
  v(FieldInfo{.key = "memory_type", .zero_is_unknown = true, .lowercase = true}, h.memory_type);
  v(FieldInfo{.key = "memory_bus_bits", .range = {.low = 0, .high = 65'536}, .rule = "must be in [0, 65536] bits",
              .zero_is_unknown = true},
    h.memory_bus_bits);
  v(FieldInfo{.key = "memory_data_rate_mt_s", .range = {.low = 0, .high = 1e6}, .rule = "must be in [0, 1e6] MT/s",
              .zero_is_unknown = true},
    h.memory_data_rate_mt_s);
  v(FieldInfo{.key = "fp16_tflops", .required = true, .range = {.low = 0.001, .high = 1e5},
              .rule = "must be in [0.001, 100000]"},
    h.fp16_tflops);
  v(FieldInfo{.key = "int8_tops", .range = {.low = 0, .high = 1e6}, .rule = "must be in [0, 1e6]",
              .zero_is_unknown = true},
    h.int8_tops);
  v(FieldInfo{.key = "fp32_tflops", .range = {.low = 0, .high = 1e5}, .rule = "must be in [0, 100000]",
              .zero_is_unknown = true},
    h.fp32_tflops);
  v(FieldInfo{.key = "vector_only_apis"}, h.vector_only_apis);
  v(FieldInfo{.key = "gpu_cores", .range = {.low = 0, .high = 1e6}, .rule = "out of range", .zero_is_unknown = true},
    h.gpu_cores);
  v(FieldInfo{.key = "gpu_clock_ghz", .range = {.low = 0, .high = 20}, .rule = "must be in [0, 20] GHz",
              .zero_is_unknown = true},
    h.gpu_clock_ghz);
  v(FieldInfo{.key = "gpu_family", .zero_is_unknown = true, .lowercase = true}, h.gpu_family);
  v(FieldInfo{.key = "rdna_generation", .range = {.low = 0, .high = 4}, .rule = "must be 1 to 4 (RDNA 1-4)",
              .zero_is_unknown = true},
    h.rdna_generation);
  v(FieldInfo{.key = "cpu_cores", .range = {.low = 0, .high = 1e5}, .rule = "must be in [0, 100000]",
              .zero_is_unknown = true},
    h.cpu_cores);
  v(FieldInfo{.key = "cpu_simd_bits", .range = {.low = 0, .high = 4096}, .rule = "must be in [0, 4096] bits",
              .zero_is_unknown = true},
    h.cpu_simd_bits);
  v(FieldInfo{.key = "cpu_clock_ghz", .range = {.low = 0, .high = 20}, .rule = "must be in [0, 20] GHz",
              .zero_is_unknown = true},
    h.cpu_clock_ghz);
  v(FieldInfo{.key = "cpu_fma_pipes", .range = {.low = 0, .high = 16}, .rule = "must be in [0, 16]",
              .zero_is_unknown = true},
    h.cpu_fma_pipes);
  v(FieldInfo{.key = "cpu_isa", .lowercase = true}, h.cpu_isa);
  v(FieldInfo{.key = "form_factor", .required = true, .per_product = true}, h.form_factor);
  // Thermals belong to the enclosure: a Mac Studio does not inherit a MacBook Pro's throttling.
  v(FieldInfo{.key = "sustained_fraction", .range = {.low = 0, .high = 1, .low_open = true},
              .rule = "must be in (0, 1]", .per_product = true},
    h.sustained_fraction);
  v(FieldInfo{.key = "throttle_onset_s", .range = {.low = 0, .high = 1e6}, .rule = "must be in [0, 1e6] seconds",
              .per_product = true},
    h.throttle_onset_s);
  // Whether sustained_fraction or throttle_onset_s was given (derived_defaults).
  v(FieldInfo{.key = "has_thermal_data", .yaml = false, .json = false, .per_product = true}, h.has_thermal_data);
  v(FieldInfo{.key = "tdp_w", .required = true, .range = {.low = 0, .high = 1e5, .low_open = true},
              .rule = "must be in (0, 100000] W"},
    h.tdp_w);
  v(FieldInfo{.key = "price_usd", .required = true, .range = {.low = 0, .high = 1e8}, .rule = "must be in [0, 1e8]",
              .zero_is_unknown = true, .per_product = true},
    h.price_usd);
  v(FieldInfo{.key = "memory_prices_usd", .range = {.low = 0, .high = 1e8}, .rule = "prices must be in [0, 1e8]",
              .per_product = true},
    h.memory_prices_usd);
  v(FieldInfo{.key = "memory_prices_source", .zero_is_unknown = true, .per_product = true}, h.memory_prices_source);
  // Idle and rental figures belong to the product: a Mac Studio idles differently from a MacBook Pro.
  v(FieldInfo{.key = "idle_w", .range = {.low = 0, .high = 1e5}, .rule = "must be in [0, 100000] W",
              .zero_is_unknown = true, .per_product = true},
    h.idle_w);
  v(FieldInfo{.key = "idle_w_source", .zero_is_unknown = true, .per_product = true}, h.idle_w_source);
  v(FieldInfo{.key = "rental_usd_per_hour", .range = {.low = 0, .high = 1e4}, .rule = "must be in [0, 10000] USD",
              .zero_is_unknown = true, .per_product = true},
    h.rental_usd_per_hour);
  v(FieldInfo{.key = "rental_price_source", .zero_is_unknown = true, .per_product = true}, h.rental_price_source);
  v(FieldInfo{.key = "rental_price_date", .zero_is_unknown = true, .per_product = true}, h.rental_price_date);
  v(FieldInfo{.key = "apis", .required = true, .empty_rule = "needs at least one device API"}, h.apis);
  v(FieldInfo{.key = "default_host", .zero_is_unknown = true, .lowercase = true}, h.default_host);
  v(FieldInfo{.key = "gpu_memory_fraction", .range = {.low = 0, .high = 1}, .rule = "must be in (0, 1]"},
    h.gpu_memory_fraction);
  v(FieldInfo{.key = "pci_ids", .lowercase = true, .per_product = true}, h.pci_ids);
  v(FieldInfo{.key = "aliases", .lowercase = true, .per_product = true}, h.aliases);
  v(FieldInfo{.key = "source", .required = true, .per_product = true}, h.source);
  v(FieldInfo{.key = "notes", .per_product = true}, h.notes);
  v(FieldInfo{.key = "origin", .yaml = false, .per_product = true}, h.origin);
  v(FieldInfo{.key = "variant_of", .zero_is_unknown = true, .lowercase = true, .per_product = true}, h.variant_of);
  v(FieldInfo{.key = "variant_stated_fields", .yaml = false, .json = false, .per_product = true},
    h.variant_stated_fields);
}

template <typename Record, typename Visitor>
  requires RecordOf<Record, MoeSpec>
void for_each_field(Record& moe, Visitor&& v) {
  constexpr FieldRange kWidth{.low = 0, .high = limits::kMaxWidth};
  v(FieldInfo{.key = "experts", .required = true, .range = {.low = 0, .high = limits::kMaxHeads}, .rule = "out of range"},
    moe.experts);
  v(FieldInfo{.key = "experts_per_token", .required = true}, moe.experts_per_token);
  v(FieldInfo{.key = "expert_intermediate_size", .required = true}, moe.expert_intermediate_size);
  v(FieldInfo{.key = "shared_experts", .range = {.low = 0, .high = 1024}, .rule = "out of range"}, moe.shared_experts);
  v(FieldInfo{.key = "shared_expert_intermediate_size", .range = kWidth, .rule = "out of range"},
    moe.shared_expert_intermediate_size);
  v(FieldInfo{.key = "dense_layers"}, moe.dense_layers);
  v(FieldInfo{.key = "latent_size", .range = kWidth, .rule = "out of range"}, moe.latent_size);
}

template <typename Record, typename Visitor>
  requires RecordOf<Record, AttentionSpec>
void for_each_field(Record& a, Visitor&& v) {
  // Each recurrent shape is checked as one: a message names the block, not each dimension.
  constexpr FieldRange kHeads{.low = 0, .high = limits::kMaxHeads};
  constexpr std::string_view kShape = "linear-attention shape out of range";
  v(FieldInfo{.key = "sliding_window_layers"}, a.sliding_window_layers);
  v(FieldInfo{.key = "sliding_window", .range = {.low = 0, .high = limits::kMaxContext}, .rule = "out of range"},
    a.sliding_window);
  v(FieldInfo{.key = "linear_attention_layers"}, a.linear_attention_layers);
  v(FieldInfo{.key = "linear_key_heads", .range = kHeads, .rule = kShape, .rule_key = "attention"}, a.linear_key_heads);
  v(FieldInfo{.key = "linear_value_heads", .range = kHeads, .rule = kShape, .rule_key = "attention"},
    a.linear_value_heads);
  v(FieldInfo{.key = "linear_key_head_dim", .range = kHeads, .rule = kShape, .rule_key = "attention"},
    a.linear_key_head_dim);
  v(FieldInfo{.key = "linear_value_head_dim", .range = kHeads, .rule = kShape, .rule_key = "attention"},
    a.linear_value_head_dim);
  v(FieldInfo{.key = "linear_conv_kernel", .range = {.low = 0, .high = 64}, .rule = kShape, .rule_key = "attention"},
    a.linear_conv_kernel);
  constexpr std::string_view kMamba = "Mamba-2 shape out of range";
  v(FieldInfo{.key = "mamba_layers"}, a.mamba_layers);
  v(FieldInfo{.key = "mamba_heads", .range = kHeads, .rule = kMamba, .rule_key = "attention"}, a.mamba_heads);
  v(FieldInfo{.key = "mamba_head_dim", .range = kHeads, .rule = kMamba, .rule_key = "attention"}, a.mamba_head_dim);
  v(FieldInfo{.key = "mamba_state_size", .range = kHeads, .rule = kMamba, .rule_key = "attention"}, a.mamba_state_size);
  v(FieldInfo{.key = "mamba_groups", .range = kHeads, .rule = kMamba, .rule_key = "attention"}, a.mamba_groups);
  v(FieldInfo{.key = "mamba_conv_kernel", .range = {.low = 0, .high = 64}, .rule = kMamba, .rule_key = "attention"},
    a.mamba_conv_kernel);
  v(FieldInfo{.key = "short_conv_layers"}, a.short_conv_layers);
  v(FieldInfo{.key = "short_conv_kernel", .range = {.low = 0, .high = 64}, .rule = "short-convolution kernel out of range",
              .rule_key = "attention"},
    a.short_conv_kernel);
  v(FieldInfo{.key = "output_gate"}, a.output_gate);
  v(FieldInfo{.key = "global_kv_heads", .range = kHeads, .rule = "out of range"}, a.global_kv_heads);
  v(FieldInfo{.key = "global_head_dim", .range = kHeads, .rule = "out of range"}, a.global_head_dim);
  v(FieldInfo{.key = "global_value_is_key"}, a.global_value_is_key);
  v(FieldInfo{.key = "kv_shared_layers", .range = {.low = 0, .high = limits::kMaxLayers}, .rule = "out of range"},
    a.kv_shared_layers);
  constexpr std::string_view kIndexer = "indexer shape out of range";
  v(FieldInfo{.key = "indexer_heads", .range = kHeads, .rule = kIndexer, .rule_key = "attention"}, a.indexer_heads);
  v(FieldInfo{.key = "indexer_head_dim", .range = kHeads, .rule = kIndexer, .rule_key = "attention"},
    a.indexer_head_dim);
  v(FieldInfo{.key = "indexer_topk", .range = {.low = 0, .high = limits::kMaxContext}, .rule = kIndexer,
              .rule_key = "attention"},
    a.indexer_topk);
}

template <typename Record, typename Visitor>
  requires RecordOf<Record, MlaSpec>
void for_each_field(Record& mla, Visitor&& v) {
  constexpr FieldRange kWidth{.low = 0, .high = limits::kMaxWidth};
  constexpr FieldRange kHeadDim{.low = 0, .high = limits::kMaxHeads};
  constexpr std::string_view kShape = "shape out of range";
  v(FieldInfo{.key = "kv_lora_rank", .required = true, .range = kWidth, .rule = kShape, .rule_key = "mla"},
    mla.kv_lora_rank);
  v(FieldInfo{.key = "q_lora_rank", .range = kWidth, .rule = kShape, .rule_key = "mla"}, mla.q_lora_rank);
  v(FieldInfo{.key = "qk_nope_head_dim", .required = true, .range = kHeadDim, .rule = kShape, .rule_key = "mla"},
    mla.qk_nope_head_dim);
  v(FieldInfo{.key = "qk_rope_head_dim", .required = true, .range = kHeadDim, .rule = kShape, .rule_key = "mla"},
    mla.qk_rope_head_dim);
  v(FieldInfo{.key = "v_head_dim", .required = true, .range = kHeadDim, .rule = kShape, .rule_key = "mla"},
    mla.v_head_dim);
}

template <typename Record, typename Visitor>
  requires RecordOf<Record, ModelSpec>
void for_each_field(Record& m, Visitor&& v) {
  constexpr FieldRange kWidth{.low = 1, .high = limits::kMaxWidth};
  constexpr FieldRange kHeads{.low = 1, .high = limits::kMaxHeads};
  v(FieldInfo{.key = "id", .required = true}, m.id);
  v(FieldInfo{.key = "name", .required = true}, m.name);
  v(FieldInfo{.key = "family", .required = true}, m.family);
  v(FieldInfo{.key = "params_b", .required = true, .range = {.low = 0, .high = 1e5, .low_open = true},
              .rule = "must be in (0, 100000]"},
    m.params_b);
  v(FieldInfo{.key = "active_params_b"}, m.active_params_b);  // default: params_b (derived_defaults)
  v(FieldInfo{.key = "layers", .required = true, .range = {.low = 1, .high = limits::kMaxLayers}, .rule = "must be in [1, 10000]"},
    m.layers);
  v(FieldInfo{.key = "hidden_size", .required = true, .range = kWidth, .rule = "must be in [1, 2^20]"}, m.hidden_size);
  v(FieldInfo{.key = "intermediate_size", .range = {.low = 0, .high = limits::kMaxWidth}, .rule = "out of range"},
    m.intermediate_size);
  v(FieldInfo{.key = "gated_ffn"}, m.gated_ffn);
  v(FieldInfo{.key = "ffn_only_layers", .range = {.low = 0, .high = limits::kMaxLayers}, .rule = "out of range"},
    m.ffn_only_layers);
  v(FieldInfo{.key = "mixer_only_layers", .range = {.low = 0, .high = limits::kMaxLayers}, .rule = "out of range"},
    m.mixer_only_layers);
  v(FieldInfo{.key = "attention_heads", .required = true, .range = kHeads, .rule = "must be in [1, 65536]"},
    m.attention_heads);
  v(FieldInfo{.key = "kv_heads", .required = true, .range = kHeads, .rule = "must be in [1, 65536]"}, m.kv_heads);
  // Default: hidden_size / attention_heads (derived_defaults).
  v(FieldInfo{.key = "head_dim", .range = kHeads, .rule = "must be in [1, 65536]"}, m.head_dim);
  v(FieldInfo{.key = "vocab_size", .required = true, .range = {.low = 1, .high = limits::kMaxVocab},
              .rule = "must be in [1, 2^24]"},
    m.vocab_size);
  v(FieldInfo{.key = "tied_embeddings"}, m.tied_embeddings);
  v(FieldInfo{.key = "per_layer_embedding_size", .range = {.low = 0, .high = limits::kMaxWidth}, .rule = "out of range"},
    m.per_layer_embedding_size);
  v(FieldInfo{.key = "per_layer_vocab_size", .range = {.low = 0, .high = limits::kMaxVocab}, .rule = "out of range"},
    m.per_layer_vocab_size);
  v(FieldInfo{.key = "max_context", .required = true, .range = {.low = 1, .high = limits::kMaxContext},
              .rule = "must be in [1, 2^26] tokens"},
    m.max_context);
  v(FieldInfo{.key = "default_quant", .required = true, .lowercase = true}, m.default_quant);
  v(FieldInfo{.key = "ollama_quant", .zero_is_unknown = true, .lowercase = true}, m.ollama_quant);
  v(FieldInfo{.key = "api_input_usd_per_mtok", .range = {.low = 0, .high = 1e4}, .rule = "must be in [0, 10000] USD",
              .zero_is_unknown = true},
    m.api_input_usd_per_mtok);
  v(FieldInfo{.key = "api_output_usd_per_mtok", .range = {.low = 0, .high = 1e4}, .rule = "must be in [0, 10000] USD",
              .zero_is_unknown = true},
    m.api_output_usd_per_mtok);
  v(FieldInfo{.key = "api_price_source", .zero_is_unknown = true}, m.api_price_source);
  v(FieldInfo{.key = "api_price_date", .zero_is_unknown = true}, m.api_price_date);
  v(FieldInfo{.key = "moe", .json_key = "experts", .nesting = JsonNesting::object}, m.moe);
  v(FieldInfo{.key = "attention", .nesting = JsonNesting::flatten}, m.attention);
  v(FieldInfo{.key = "mla", .nesting = JsonNesting::object}, m.mla);
  v(FieldInfo{.key = "aliases", .lowercase = true}, m.aliases);
  v(FieldInfo{.key = "source", .required = true}, m.source);
  v(FieldInfo{.key = "notes"}, m.notes);
  v(FieldInfo{.key = "origin", .yaml = false}, m.origin);
}

template <typename Record, typename Visitor>
  requires RecordOf<Record, QuantSpec>
void for_each_field(Record& q, Visitor&& v) {
  // No format stores under 1 bit per weight (IQ1_S: 1.56); smaller values are typos or garbage.
  constexpr FieldRange kBits{.low = 1, .high = 64, .zero_allowed = true};
  constexpr std::string_view kBitsOrZero = "must be 0 (as bits_per_weight) or in [1, 64]";
  v(FieldInfo{.key = "id", .required = true, .lowercase = true}, q.id);
  v(FieldInfo{.key = "name", .required = true}, q.name);
  v(FieldInfo{.key = "format", .required = true}, q.format);
  v(FieldInfo{.key = "kernel", .required = true}, q.kernel);
  v(FieldInfo{.key = "bits_per_weight", .required = true, .range = {.low = 1, .high = 64},
              .rule = "must be in [1, 64]"},
    q.bits_per_weight);
  v(FieldInfo{.key = "expert_bits_per_weight", .range = kBits, .rule = kBitsOrZero}, q.expert_bits_per_weight);
  v(FieldInfo{.key = "embedding_bits_per_weight", .range = kBits, .rule = kBitsOrZero}, q.embedding_bits_per_weight);
  v(FieldInfo{.key = "output_bits_per_weight", .range = kBits, .rule = kBitsOrZero}, q.output_bits_per_weight);
  v(FieldInfo{.key = "block_bytes", .range = {.low = 0, .high = 65'536}, .rule = "must be in [0, 65536] bytes",
              .zero_is_unknown = true},
    q.block_bytes);
  v(FieldInfo{.key = "block_weights", .range = {.low = 0, .high = 65'536}, .rule = "must be in [0, 65536] weights",
              .zero_is_unknown = true},
    q.block_weights);
  v(FieldInfo{.key = "short_forms", .lowercase = true}, q.short_forms);
  v(FieldInfo{.key = "quality_ppl_increase_pct", .range = {.low = 0, .high = 1000}, .rule = "must be in [0, 1000]"},
    q.quality_ppl_increase_pct);
  v(FieldInfo{.key = "quality_source"}, q.quality_source);
  v(FieldInfo{.key = "source", .required = true}, q.source);
  v(FieldInfo{.key = "notes"}, q.notes);
  v(FieldInfo{.key = "origin", .yaml = false}, q.origin);
}

/// Fills the defaults that depend on other fields of a record just read, given which keys the file had:
/// hardware default_memory_gib (the first capacity) and has_thermal_data; model active_params_b
/// (= params_b) and head_dim (hidden_size / attention_heads).
template <typename Given>
void derived_defaults(HardwareSpec& h, Given&& given) {
  if (!given("default_memory_gib")) h.default_memory_gib = h.memory_options_gib.empty() ? 0 : h.memory_options_gib.front();
  h.has_thermal_data = given("sustained_fraction") || given("throttle_onset_s");
}
template <typename Given>
void derived_defaults(ModelSpec& m, Given&& given) {
  if (!given("active_params_b")) m.active_params_b = m.params_b;
  if (!given("head_dim")) m.head_dim = m.attention_heads > 0 ? m.hidden_size / m.attention_heads : 0;
}
template <typename Given>
void derived_defaults(QuantSpec&, Given&&) {}

}  // namespace llmfit
