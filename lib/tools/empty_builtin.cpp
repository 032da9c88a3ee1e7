// The generator itself starts from an empty shipped catalogue.
#include "llmfit/catalog.hpp"

namespace llmfit::detail {
void fill_builtin_catalog(CatalogData&) {}
}  // namespace llmfit::detail

#include "llmfit/profile.hpp"

namespace llmfit::detail {
void fill_shipped_profile(EfficiencyProfile&) {}
}  // namespace llmfit::detail
