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

/// A model with its quantisation, as named by `<model>-<quant>` or a model id alone.
struct ModelChoice {
  const ModelSpec* model = nullptr;
  const QuantSpec* quant = nullptr;
  bool quant_was_default = false;  // no quant in the name: the model's default_quant
};

/// Multiple identical devices in one box: `rtx-3090:2`.
struct HardwareChoice {
  const HardwareSpec* hardware = nullptr;
  int count = 1;
};

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

  /// Like find_*, but throws InputError("unknown hardware 'x' (did you mean 'y'?)") when absent.
  [[nodiscard]] const HardwareSpec& hardware_or_throw(std::string_view id) const;
  [[nodiscard]] const QuantSpec& quant_or_throw(std::string_view id) const;
  /// `id[:count]`.
  [[nodiscard]] HardwareChoice resolve_hardware(std::string_view text) const;
  /// `<model>`, `<model>-<quant>` or `<model>-<short form>`; throws InputError with a suggestion.
  [[nodiscard]] ModelChoice resolve_model(std::string_view text) const;

  /// Closest ids and aliases to a misspelt name (edit distance), best first.
  [[nodiscard]] std::vector<std::string> suggest_hardware(std::string_view text, std::size_t max = 3) const;
  [[nodiscard]] std::vector<std::string> suggest_models(std::string_view text, std::size_t max = 3) const;
  [[nodiscard]] std::vector<std::string> suggest_quants(std::string_view text, std::size_t max = 3) const;

  /// Ids of shipped entries replaced by user entries ("hardware m2-max from my.yaml").
  [[nodiscard]] const std::vector<std::string>& overrides() const noexcept { return overrides_; }

  /// The CPU/RAM entry that runs a GPU's offloaded layers: its default_host, or a per-class default.
  [[nodiscard]] const HardwareSpec* default_host(const HardwareSpec& hardware) const noexcept;

 private:
  struct Indexes;  // name → entry, by hash (core/name_index.hpp)
  void reindex();
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
