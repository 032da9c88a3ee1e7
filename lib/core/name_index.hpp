#pragma once
/// Case-insensitive lookup of catalogue names (ids, aliases, short forms) by hash, without
/// allocating per name or per lookup.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
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

}  // namespace llmfit::detail
