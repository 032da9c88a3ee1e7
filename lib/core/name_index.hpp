#pragma once
/// Case-insensitive lookup of catalogue names (ids, aliases, short forms) by hash, without
/// allocating per name or per lookup.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmfit::detail {

/// Name → entry index. Open addressing over 64-bit FNV-1a hashes of the ASCII-lowercased name; the
/// names themselves are kept, lowercased, in one buffer, so the index is self-contained and copyable.
class NameIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void clear() noexcept;
  /// Room for `names` names without rehashing.
  void reserve(std::size_t names);
  /// Maps `name` to `entry`, unless the name is already mapped (the first entry keeps it).
  void add(std::string_view name, std::size_t entry);
  /// The entry of `name` (any letter case), or npos.
  [[nodiscard]] std::size_t find(std::string_view name) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0;  // in names_
    std::uint32_t length = 0;
    std::uint32_t entry = kEmpty;
  };
  void rehash(std::size_t slot_count);
  [[nodiscard]] std::size_t probe(std::uint64_t hash, std::string_view name) const noexcept;

  std::vector<Slot> slots_;  // size is zero or a power of two, at most half full
  std::string names_;
  std::size_t count_ = 0;
};

/// Names by their words (resolve_names.hpp): every name of every entry with its words sorted and unique,
/// and the entries whose names have exactly a given set of words.
class WordIndex {
 public:
  struct Name {
    std::vector<std::string> words;  // sorted, unique
    std::uint32_t entry = 0;
  };
  void clear() noexcept;
  /// Adds a name of `entry` (its words in any order, repeats allowed). A name without words is skipped.
  void add(std::vector<std::string> words, std::size_t entry);
  /// Entries (each once, in catalogue order) with a name of exactly these sorted, unique words.
  [[nodiscard]] const std::vector<std::uint32_t>* exact(const std::vector<std::string>& sorted_words) const;
  [[nodiscard]] const std::vector<Name>& names() const noexcept { return names_; }

 private:
  std::vector<Name> names_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_key_;
};

/// Sorted, without repeats.
[[nodiscard]] std::vector<std::string> word_set(std::vector<std::string> words);

}  // namespace llmfit::detail
