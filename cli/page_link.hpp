#pragma once
// The page's address for a view, and a view's address as command-line arguments: one mapping, both ways.
// A query key is an option's long name without the dashes (`context=32768` is `--context 32768`), a flag
// is its name alone (`no-offload`), and `view` names the command (absent: the main answer).
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"

namespace llmfit::cli {

/// The page's address: $LLMFIT_PAGE_URL, else where `llmfit serve` serves it by default.
[[nodiscard]] std::string page_base_url();
/// The link to `command`'s view (the page's state in the query string) with the options given on the command
/// line. InputError for an option that names a file (--db, --model-file …): the page has the shipped
/// catalogues only.
[[nodiscard]] std::string page_link(const CLI::App& command);

/// One `key=value` pair of a query string, percent-decoded (`+` is a space, as in a form).
struct QueryPair {
  std::string key;
  std::string value;
  bool has_value = false;  // `key=…` rather than `key`
};
/// Splits and decodes a query string (without the `?`). InputError for a malformed escape, a key that is not
/// an option name (letters, digits and `-`), or more than kMaxQueryPairs pairs.
[[nodiscard]] std::vector<QueryPair> parse_query(std::string_view query);
inline constexpr std::size_t kMaxQueryPairs = 64;
/// The pairs as arguments of `command`: `--key=value`, and `--key` for a flag given without a value.
[[nodiscard]] std::vector<std::string> query_arguments(const std::vector<QueryPair>& pairs, const CLI::App& command);
/// `text` percent-encoded for a query value (everything but letters, digits and `-._~,:@`).
[[nodiscard]] std::string percent_encoded(std::string_view text);

}  // namespace llmfit::cli
