// Models described by a file, as catalogue records (model_file.hpp).
#include "llmfit/model_file.hpp"

#include <cctype>

#include "llmfit/errors.hpp"

namespace llmfit {
namespace {

std::string sanitised_id(const std::string& wanted) {
  std::string id;
  for (unsigned char c : wanted) {
    const char lower = static_cast<char>(std::tolower(c));
    const bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '.' || lower == '_';
    id += ok ? lower : '-';
  }
  // Collapse runs of '-', trim them at the ends, keep 70 characters (room for a suffix).
  std::string collapsed;
  for (char c : id)
    if (c != '-' || (!collapsed.empty() && collapsed.back() != '-')) collapsed += c;
  while (!collapsed.empty() && (collapsed.back() == '-' || collapsed.back() == '.')) collapsed.pop_back();
  if (collapsed.size() > 70) collapsed.resize(70);
  return collapsed.empty() ? "model" : collapsed;
}

}  // namespace

CatalogData ModelFileInfo::catalog_data() const {
  CatalogData data;
  data.models.push_back(model);
  if (quant) data.quants.push_back(*quant);
  return data;
}

std::string unique_model_id(const Catalog& catalog, const std::string& wanted, const std::string& suffix) {
  const std::string id = sanitised_id(wanted);
  bool taken = catalog.find_model(id) != nullptr;
  if (!taken) {
    try {
      (void)catalog.resolve_model(id);
      taken = true;  // reads as a catalogue model in a catalogue quantisation
    } catch (const InputError&) {
    }
  }
  return taken ? id + suffix : id;
}

}  // namespace llmfit
