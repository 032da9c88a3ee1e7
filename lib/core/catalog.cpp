#include "llmfit/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "catalog_indexes.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

template <typename Spec>
void index_entries(const std::vector<Spec>& entries, detail::NameIndex& index) {
  index.clear();
  std::size_t names = 0;
  for (const auto& entry : entries) names += 1 + entry.aliases.size();
  index.reserve(names);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    index.add(entries[i].id, i);
    for (const auto& alias : entries[i].aliases) index.add(alias, i);
  }
}

template <typename Spec>
const Spec* find_in(const std::vector<Spec>& entries, const detail::NameIndex& index, std::string_view id) {
  const std::size_t i = index.find(id);
  return i == detail::NameIndex::npos ? nullptr : &entries[i];
}

template <typename Spec>
std::vector<std::string> names_of(const std::vector<Spec>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries) {
    names.push_back(e.id);
    for (const auto& alias : e.aliases) names.push_back(alias);
  }
  return names;
}

/// Adds `entries` to `into`: an id already present is replaced (recorded in `overrides`).
template <typename Spec>
void layer_entries(std::vector<Spec>& into, std::vector<Spec> entries, const char* kind,
                   std::vector<std::string>& overrides) {
  // Indexed by id: a user file may hold thousands of entries, and a linear search each is quadratic.
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < into.size(); ++i) position.emplace(to_lower(into[i].id), i);
  for (auto& entry : entries) {
    const std::string key = to_lower(entry.id);
    if (const auto same = position.find(key); same != position.end()) {
      overrides.push_back(std::string(kind) + " " + entry.id + " from " + entry.origin);
      into[same->second] = std::move(entry);
    } else {
      position.emplace(key, into.size());
      into.push_back(std::move(entry));
    }
  }
}

const std::vector<std::string>& aliases_of(const HardwareSpec& h) { return h.aliases; }
const std::vector<std::string>& aliases_of(const ModelSpec& m) { return m.aliases; }
const std::vector<std::string>& aliases_of(const QuantSpec&) {
  static const std::vector<std::string> none;
  return none;
}

template <typename Spec>
void check_entries(const std::vector<Spec>& entries, const char* kind, const std::string& source_name,
                   std::set<std::string>& seen) {
  for (const auto& entry : entries) {
    const std::string where = entry.origin.empty() ? source_name : entry.origin;
    if (std::string problem = validate(entry); !problem.empty())
      throw InputError(where + ": " + kind + " '" + entry.id + "': " + problem);
    for (const std::string* name : [&] {
           std::vector<const std::string*> all{&entry.id};
           for (const auto& alias : aliases_of(entry)) all.push_back(&alias);
           return all;
         }()) {
      const std::string key = std::string(kind) + ":" + to_lower(*name);
      if (!seen.insert(key).second)
        throw InputError(where + ": " + kind + " '" + entry.id + "': id or alias '" + *name +
                         "' appears twice in this source");
    }
  }
}

const std::vector<std::string>& other_names(const HardwareSpec& h) { return h.aliases; }
const std::vector<std::string>& other_names(const ModelSpec& m) { return m.aliases; }
const std::vector<std::string>& other_names(const QuantSpec& q) { return q.short_forms; }

/// A new entry's id or alias that already names a different entry of the catalogue would be
/// silently shadowed by it (the index keeps the first): refuse it, unless this source replaces that
/// entry as a whole.
template <typename Spec, typename Find>
void check_names_free(const std::vector<Spec>& entries, const char* kind, const std::string& source_name,
                      Find find) {
  std::set<std::string> replaced;
  for (const auto& entry : entries) replaced.insert(to_lower(entry.id));
  for (const auto& entry : entries) {
    std::vector<std::string> names{entry.id};
    names.insert(names.end(), other_names(entry).begin(), other_names(entry).end());
    for (const auto& name : names) {
      const Spec* owner = find(name);
      if (owner != nullptr && to_lower(owner->id) != to_lower(entry.id) && replaced.count(to_lower(owner->id)) == 0)
        throw InputError((entry.origin.empty() ? source_name : entry.origin) + ": " + kind + " '" + entry.id +
                         "': '" + name + "' already names " + kind + " '" + owner->id + "' (" + owner->origin +
                         "); choose another name");
    }
  }
}

}  // namespace

Catalog::Catalog() : indexes_(std::make_unique<Indexes>()) {}
Catalog::Catalog(const Catalog& other)
    : data_(other.data_), indexes_(std::make_unique<Indexes>(*other.indexes_)), overrides_(other.overrides_) {}
Catalog::Catalog(Catalog&& other) noexcept = default;
Catalog& Catalog::operator=(const Catalog& other) {
  if (this != &other) *this = Catalog(other);
  return *this;
}
Catalog& Catalog::operator=(Catalog&& other) noexcept = default;
Catalog::~Catalog() = default;

const Catalog& Catalog::builtin() {
  // Never destroyed: freeing a few thousand strings at exit would only delay the process's end.
  static const Catalog* const catalog = new Catalog(make_builtin());
  return *catalog;
}

Catalog Catalog::make_builtin() {
  Catalog c;
  detail::fill_builtin_catalog(c.data_);
  c.reindex();
  return c;
}

void Catalog::reindex() {
  if (!indexes_) indexes_ = std::make_unique<Indexes>();
  index_entries(data_.hardware, indexes_->hardware);
  index_entries(data_.models, indexes_->models);
  detail::NameIndex& quant_index = indexes_->quants;
  quant_index.clear();
  for (std::size_t i = 0; i < data_.quants.size(); ++i) {
    quant_index.add(data_.quants[i].id, i);
    quant_index.add(data_.quants[i].name, i);
    for (const auto& form : data_.quants[i].short_forms) quant_index.add(form, i);
  }
  index_words();
}

void validate_catalog(const CatalogData& data, const std::string& source_name, const Catalog* base) {
  std::set<std::string> seen;
  check_entries(data.hardware, "hardware", source_name, seen);
  check_entries(data.models, "model", source_name, seen);
  std::set<std::string> quant_seen;
  check_entries(data.quants, "quant", source_name, quant_seen);
  for (const auto& q : data.quants)
    for (const auto& form : q.short_forms)
      if (!quant_seen.insert("quant:" + to_lower(form)).second)
        throw InputError(source_name + ": quant '" + q.id + "': short form '" + form + "' appears twice");

  std::set<std::string> quant_ids;
  for (const auto& q : data.quants) quant_ids.insert(to_lower(q.id));
  auto quant_known = [&](const std::string& id) {
    return quant_ids.count(to_lower(id)) > 0 || (base != nullptr && base->find_quant(id) != nullptr);
  };
  for (const auto& m : data.models) {
    if (!quant_known(m.default_quant))
      throw InputError((m.origin.empty() ? source_name : m.origin) + ": model '" + m.id +
                       "': default_quant: unknown quant '" + m.default_quant + "'");
    if (!m.ollama_quant.empty() && !quant_known(m.ollama_quant))
      throw InputError((m.origin.empty() ? source_name : m.origin) + ": model '" + m.id +
                       "': ollama_quant: unknown quant '" + m.ollama_quant + "'");
  }
  std::unordered_map<std::string, HardwareKind> kinds;
  for (const auto& h : data.hardware) kinds.emplace(to_lower(h.id), h.kind);
  auto host_known = [&](const std::string& id) {
    if (const auto it = kinds.find(to_lower(id)); it != kinds.end()) return it->second == HardwareKind::cpu;
    const HardwareSpec* h = base != nullptr ? base->find_hardware(id) : nullptr;
    return h != nullptr && h->kind == HardwareKind::cpu;
  };
  for (const auto& h : data.hardware)
    if (!h.default_host.empty() && !host_known(h.default_host))
      throw InputError((h.origin.empty() ? source_name : h.origin) + ": hardware '" + h.id +
                       "': default_host: '" + h.default_host + "' is not a cpu entry");
  if (base != nullptr) {
    check_names_free(data.hardware, "hardware", source_name,
                     [&](const std::string& name) { return base->find_hardware(name); });
    check_names_free(data.models, "model", source_name, [&](const std::string& name) { return base->find_model(name); });
    check_names_free(data.quants, "quant", source_name, [&](const std::string& name) { return base->find_quant(name); });
  }
}

void Catalog::add_source(CatalogData data, const std::string& source_name) {
  resolve_variants(data, source_name, this);
  validate_catalog(data, source_name, this);
  layer_entries(data_.hardware, std::move(data.hardware), "hardware", overrides_);
  layer_entries(data_.models, std::move(data.models), "model", overrides_);
  layer_entries(data_.quants, std::move(data.quants), "quant", overrides_);
  reindex();
}

const HardwareSpec* Catalog::find_hardware(std::string_view id) const noexcept {
  return indexes_ ? find_in(data_.hardware, indexes_->hardware, id) : nullptr;
}
const ModelSpec* Catalog::find_model(std::string_view id) const noexcept {
  return indexes_ ? find_in(data_.models, indexes_->models, id) : nullptr;
}
const QuantSpec* Catalog::find_quant(std::string_view id) const noexcept {
  return indexes_ ? find_in(data_.quants, indexes_->quants, id) : nullptr;
}

std::vector<std::string> Catalog::suggest_hardware(std::string_view text, std::size_t max) const {
  return closest_matches(text, names_of(data_.hardware), max);
}
std::vector<std::string> Catalog::suggest_models(std::string_view text, std::size_t max) const {
  return closest_matches(text, names_of(data_.models), max);
}
std::vector<std::string> Catalog::suggest_quants(std::string_view text, std::size_t max) const {
  std::vector<std::string> names;
  for (const auto& q : data_.quants) {
    names.push_back(q.id);
    for (const auto& form : q.short_forms) names.push_back(form);
  }
  return closest_matches(text, names, max);
}

const HardwareSpec& Catalog::hardware_or_throw(std::string_view id) const {
  if (const HardwareSpec* hw = find_hardware(id)) return *hw;
  const HardwareChoice choice = resolve_hardware(id);  // a name people write ("RTX 4090"), or its error
  if (choice.count > 1 || choice.memory_gib > 0)
    throw InputError("hardware '" + excerpt(id, 100) + "': name one entry, without a device count or capacity");
  return *choice.hardware;
}

const QuantSpec& Catalog::quant_or_throw(std::string_view id) const {
  if (const QuantSpec* q = find_quant(id)) return *q;
  throw InputError("unknown quantisation '" + std::string(id.substr(0, 100)) + "'" +
                   did_you_mean(suggest_quants(id)) + "; see 'llmfit list quants'");
}

const QuantSpec* Catalog::gguf_build_of(const QuantSpec& quant) const noexcept {
  if (quant.format == QuantFormat::gguf) return nullptr;
  const QuantSpec* best = nullptr;
  for (const QuantSpec& candidate : data_.quants) {
    if (candidate.format != QuantFormat::gguf || candidate.kernel != quant.kernel) continue;
    if (best == nullptr || std::abs(candidate.bits_per_weight - quant.bits_per_weight) <
                               std::abs(best->bits_per_weight - quant.bits_per_weight))
      best = &candidate;
  }
  return best;
}

const HardwareSpec* Catalog::default_host(const HardwareSpec& hardware) const noexcept {
  if (hardware.kind != HardwareKind::gpu) return nullptr;
  // A user file may replace a host id with a non-CPU entry: only a CPU/RAM entry can be a host.
  auto cpu_entry = [this](std::string_view id) {
    const HardwareSpec* host = find_hardware(id);
    return host != nullptr && host->kind == HardwareKind::cpu ? host : nullptr;
  };
  if (!hardware.default_host.empty())
    if (const HardwareSpec* host = cpu_entry(hardware.default_host)) return host;
  const char* fallback = hardware.form_factor == FormFactor::server ? "epyc-9004-ddr5-12ch" : "ddr5-5600-dual";
  if (const HardwareSpec* host = cpu_entry(fallback)) return host;
  for (const auto& h : data_.hardware)
    if (h.kind == HardwareKind::cpu) return &h;
  return nullptr;
}

}  // namespace llmfit
