#pragma once
/// The catalogues: the shipped entries compiled into the library, plus user entries layered on top.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "llmfit/specs.hpp"
#include "llmfit/text.hpp"

namespace llmfit {

/// Entries from one source (the shipped set, or one user file / folder).
struct CatalogData {
  std::vector<HardwareSpec> hardware;
  std::vector<ModelSpec> models;
  std::vector<QuantSpec> quants;
};

/// Where a model choice's quantisation came from.
enum class QuantSource {
  named,           // the name says it ("-q4_k_m", "Q4_K_M.gguf", "-4bit" in an MLX repository)
  ollama_default,  // an Ollama tag without one: the build Ollama's tag holds (resolve_names.hpp)
  format_default,  // the name says only the format ("…-GGUF"): the model's default in that format
  model_default,   // the name says nothing: the model's default_quant
};

/// A model with its quantisation, as named by `<model>-<quant>`, a model id alone, an Ollama tag, a
/// Hugging Face repository or a GGUF file name (resolve_names.hpp).
struct ModelChoice {
  const ModelSpec* model = nullptr;
  const QuantSpec* quant = nullptr;
  bool quant_was_default = false;  // no quant in the name: the model's default_quant (quant_source model_default)
  QuantSource quant_source = QuantSource::named;
  std::string reading;  // how the name was read ("'llama3.1:8b' read as …"); empty when it is an id (and quant)
  /// The name fixes the weights: a quantisation named or an Ollama tag's (measured runs need one).
  [[nodiscard]] bool quant_stated() const noexcept {
    return quant_source == QuantSource::named || quant_source == QuantSource::ollama_default;
  }
};

/// Multiple identical devices in one box: `rtx-3090:2`; a capacity: `m3-ultra@512`, "M3 Ultra 512GB".
struct HardwareChoice {
  const HardwareSpec* hardware = nullptr;
  int count = 1;
  double memory_gib = 0;  // capacity per device the name gives (0 = none: the entry's default)
  std::string reading;    // how the name was read; empty when it is the id itself
};

/// What a look-up found: one entry, several equally close (ambiguous), none, or a malformed name.
enum class NameStatus { found, ambiguous, unknown, invalid };

template <typename Choice, typename Spec>
struct NameLookup {
  NameStatus status = NameStatus::unknown;
  Choice choice;                        // when found
  std::vector<const Spec*> candidates;  // when ambiguous: the equally close entries
  std::string problem;                  // when not found: the one-line message resolve_* throws
};
using HardwareLookup = NameLookup<HardwareChoice, HardwareSpec>;
using ModelLookup = NameLookup<ModelChoice, ModelSpec>;

class Catalog {
 public:
  Catalog();
  Catalog(const Catalog& other);
  Catalog(Catalog&& other) noexcept;
  Catalog& operator=(const Catalog& other);
  Catalog& operator=(Catalog&& other) noexcept;
  ~Catalog();
  /// The entries compiled into the library from hardware-db/ and models-db/.
  [[nodiscard]] static const Catalog& builtin();
  /// A fresh copy of the compiled-in entries (builtin() builds one per process; benchmarks time this).
  [[nodiscard]] static Catalog make_builtin();
  /// A catalogue with the shipped entries and the given sources layered on top, in order.
  /// Throws InputError on duplicate ids within one source or invalid references.
  void add_source(CatalogData data, const std::string& source_name);

  [[nodiscard]] const std::vector<HardwareSpec>& hardware() const noexcept { return data_.hardware; }
  [[nodiscard]] const std::vector<ModelSpec>& models() const noexcept { return data_.models; }
  [[nodiscard]] const std::vector<QuantSpec>& quants() const noexcept { return data_.quants; }

  /// Exact id or alias, case-insensitive; null when absent.
  [[nodiscard]] const HardwareSpec* find_hardware(std::string_view id) const noexcept;
  [[nodiscard]] const ModelSpec* find_model(std::string_view id) const noexcept;
  /// Quant id, name or short form (`q4` → q4_k_m), case-insensitive.
  [[nodiscard]] const QuantSpec* find_quant(std::string_view id) const noexcept;

  /// Like find_* (hardware: any name the resolver reads, one device, no capacity), but throws
  /// InputError("unknown hardware 'x' (did you mean 'y'?)") when absent.
  [[nodiscard]] const HardwareSpec& hardware_or_throw(std::string_view id) const;
  [[nodiscard]] const QuantSpec& quant_or_throw(std::string_view id) const;
  /// `id[:count][@GiB]`, an alias, or the chip as people write it ("RTX 4090", "M3 Ultra 512GB"); throws
  /// InputError naming the candidates (ambiguous) or with a suggestion (unknown).
  [[nodiscard]] HardwareChoice resolve_hardware(std::string_view text) const;
  /// `<model>[-<quant>]`, an Ollama tag, a Hugging Face repository id, a GGUF file name; throws like
  /// resolve_hardware.
  [[nodiscard]] ModelChoice resolve_model(std::string_view text) const;
  /// The same without throwing (resolve_names.cpp): for run files, detection and the web page.
  [[nodiscard]] HardwareLookup look_up_hardware(std::string_view text) const;
  [[nodiscard]] ModelLookup look_up_model(std::string_view text) const;
  /// The catalogue's GGUF build of a non-GGUF quantisation's kernel family (MXFP4 safetensors → llama.cpp's
  /// MXFP4 MoE), the nearest in bits; null when it has none or `quant` is GGUF.
  [[nodiscard]] const QuantSpec* gguf_build_of(const QuantSpec& quant) const noexcept;

  /// Closest ids and aliases to a misspelt name (edit distance), best first.
  [[nodiscard]] std::vector<std::string> suggest_hardware(std::string_view text, std::size_t max = 3) const;
  [[nodiscard]] std::vector<std::string> suggest_models(std::string_view text, std::size_t max = 3) const;
  [[nodiscard]] std::vector<std::string> suggest_quants(std::string_view text, std::size_t max = 3) const;

  /// Ids of shipped entries replaced by user entries ("hardware m2-max from my.yaml").
  [[nodiscard]] const std::vector<std::string>& overrides() const noexcept { return overrides_; }

  /// The CPU/RAM entry that runs a GPU's offloaded layers: its default_host, or a per-class default.
  [[nodiscard]] const HardwareSpec* default_host(const HardwareSpec& hardware) const noexcept;

 private:
  struct Indexes;  // name → entry, by hash and by words (core/catalog_indexes.hpp)
  void reindex();
  void index_words();  // the word indexes of the resolver (resolve_names.cpp)
  CatalogData data_;
  std::unique_ptr<Indexes> indexes_;
  std::vector<std::string> overrides_;
};

/// Fills every hardware variant of `data` (variant_of) from the entry it names — in `data` (variants of
/// variants too) or else in `base` (may be null): the chip fields it does not state are the named entry's,
/// its product fields (FieldInfo::per_product) its own. Throws InputError naming the source, entry and field
/// for an unknown or circular variant_of. Call before validate_catalog.
void resolve_variants(CatalogData& data, const std::string& source_name, const Catalog* base);

/// Checks a whole source: every entry valid, no id/alias repeated, references resolvable within
/// `data` plus `base` (may be null). Throws InputError naming the source, entry and field.
void validate_catalog(const CatalogData& data, const std::string& source_name, const Catalog* base);

namespace detail {
/// Generated at build time from hardware-db/ and models-db/ (see cmake/ and tools/dbgen.cpp).
void fill_builtin_catalog(CatalogData& data);
}  // namespace detail

}  // namespace llmfit
