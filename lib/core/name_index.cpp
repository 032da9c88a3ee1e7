#include "name_index.hpp"

#include <algorithm>

namespace llmfit::detail {
namespace {

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// 64-bit FNV-1a (Fowler, Noll, Vo) of the lowercased bytes.
std::uint64_t lower_hash(std::string_view text) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(lower(c));
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

void NameIndex::clear() noexcept {
  slots_.clear();
  names_.clear();
  count_ = 0;
}

void NameIndex::reserve(std::size_t names) {
  std::size_t slots = 16;
  while (slots < 2 * names) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

void NameIndex::rehash(std::size_t slot_count) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slot_count, Slot{});
  const std::size_t mask = slot_count - 1;
  for (const Slot& slot : old) {
    if (slot.entry == kEmpty) continue;
    std::size_t i = slot.hash & mask;
    while (slots_[i].entry != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

std::size_t NameIndex::probe(std::uint64_t hash, std::string_view name) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.entry == kEmpty) return i;
    if (slot.hash != hash || slot.length != name.size()) continue;
    bool same = true;
    for (std::size_t j = 0; j < name.size() && same; ++j) same = lower(name[j]) == names_[slot.offset + j];
    if (same) return i;
  }
}

void NameIndex::add(std::string_view name, std::size_t entry) {
  if (2 * (count_ + 1) > slots_.size()) rehash(slots_.empty() ? 16 : 2 * slots_.size());
  const std::uint64_t hash = lower_hash(name);
  Slot& slot = slots_[probe(hash, name)];
  if (slot.entry != kEmpty) return;  // already mapped: the first entry keeps the name
  slot.hash = hash;
  slot.offset = static_cast<std::uint32_t>(names_.size());
  slot.length = static_cast<std::uint32_t>(name.size());
  slot.entry = static_cast<std::uint32_t>(entry);
  for (const char c : name) names_ += lower(c);
  ++count_;
}

std::size_t NameIndex::find(std::string_view name) const noexcept {
  if (slots_.empty()) return npos;
  const Slot& slot = slots_[probe(lower_hash(name), name)];
  return slot.entry == kEmpty ? npos : slot.entry;
}

std::vector<std::string> word_set(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

namespace {
std::string words_key(const std::vector<std::string>& sorted_words) {
  std::string key;
  for (const auto& word : sorted_words) {
    if (!key.empty()) key += ' ';
    key += word;
  }
  return key;
}
}  // namespace

void WordIndex::clear() noexcept {
  names_.clear();
  by_key_.clear();
}

void WordIndex::add(std::vector<std::string> words, std::size_t entry) {
  words = word_set(std::move(words));
  if (words.empty()) return;
  const auto index = static_cast<std::uint32_t>(entry);
  std::vector<std::uint32_t>& entries = by_key_[words_key(words)];
  if (std::find(entries.begin(), entries.end(), index) == entries.end()) entries.push_back(index);
  names_.push_back({std::move(words), index});
}

const std::vector<std::uint32_t>* WordIndex::exact(const std::vector<std::string>& sorted_words) const {
  const auto it = by_key_.find(words_key(sorted_words));
  return it == by_key_.end() ? nullptr : &it->second;
}

}  // namespace llmfit::detail
