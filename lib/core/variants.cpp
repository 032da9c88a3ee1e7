// Hardware variants: a product (Mac Studio, Mac mini, a laptop) built on another entry's chip.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/spec_fields.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

// Variants of variants are allowed; a chain this long is a mistake (or a cycle that slipped through).
constexpr int kMaxVariantDepth = 8;

bool stated(const HardwareSpec& variant, std::string_view key) {
  return std::find(variant.variant_stated_fields.begin(), variant.variant_stated_fields.end(), key) !=
         variant.variant_stated_fields.end();
}

/// The chip's entry with the variant's product fields and the chip fields it states.
HardwareSpec merge(const HardwareSpec& chip, const HardwareSpec& variant) {
  HardwareSpec merged = chip;
  // Both records are walked in the same schema order, so the n-th field of one is the n-th of the other.
  std::vector<const void*> fields_of_variant;
  for_each_field(variant, [&](const FieldInfo&, const auto& value) { fields_of_variant.push_back(&value); });
  const bool memory_stated = stated(variant, "memory_gib");
  std::size_t index = 0;
  for_each_field(merged, [&](const FieldInfo& f, auto& value) {
    using T = std::decay_t<decltype(value)>;
    const auto& own = *static_cast<const T*>(fields_of_variant[index++]);
    if (f.per_product || stated(variant, f.key) || (f.key == "default_memory_gib" && memory_stated)) value = own;
  });
  merged.variant_stated_fields.clear();
  return merged;
}

class VariantResolver {
 public:
  VariantResolver(CatalogData& data, const std::string& source_name, const Catalog* base)
      : data_(data), source_name_(source_name), base_(base) {
    for (std::size_t i = 0; i < data_.hardware.size(); ++i) position_.emplace(to_lower(data_.hardware[i].id), i);
  }

  void resolve_all() {
    for (std::size_t i = 0; i < data_.hardware.size(); ++i) resolve(i, 0);
  }

 private:
  void resolve(std::size_t i, int depth) {
    HardwareSpec& variant = data_.hardware[i];
    if (variant.variant_of.empty() || done_.count(i) != 0) return;
    const std::string where = (variant.origin.empty() ? source_name_ : variant.origin) + ": hardware '" + variant.id +
                              "': variant_of: ";
    if (depth > kMaxVariantDepth || to_lower(variant.variant_of) == to_lower(variant.id))
      throw InputError(where + "'" + variant.variant_of + "' leads back to this entry (a circular variant_of)");
    const HardwareSpec* chip = nullptr;
    if (const auto it = position_.find(to_lower(variant.variant_of)); it != position_.end()) {
      resolve(it->second, depth + 1);
      chip = &data_.hardware[it->second];
    } else if (base_ != nullptr) {
      chip = base_->find_hardware(variant.variant_of);
    }
    if (chip == nullptr) {
      std::vector<std::string> names;
      for (const auto& h : data_.hardware) names.push_back(h.id);
      if (base_ != nullptr)
        for (const auto& h : base_->hardware()) names.push_back(h.id);
      throw InputError(where + "unknown hardware '" + variant.variant_of + "'" +
                       did_you_mean(closest_matches(variant.variant_of, names, 3)));
    }
    variant = merge(*chip, variant);
    done_.emplace(i, true);
  }

  CatalogData& data_;
  const std::string& source_name_;
  const Catalog* base_;
  std::unordered_map<std::string, std::size_t> position_;
  std::unordered_map<std::size_t, bool> done_;
};

}  // namespace

void resolve_variants(CatalogData& data, const std::string& source_name, const Catalog* base) {
  VariantResolver(data, source_name, base).resolve_all();
}

}  // namespace llmfit
