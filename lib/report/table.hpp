#pragma once
// Tables of the presentation layer (internal): a tool's rows as a list of columns, each a field with its
// JSON key (also the CSV header), its value, and how people read it (heading and formatted cell for text
// and markdown). One list feeds every format, so a field added once appears in all of them.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace llmfit::report {

using nlohmann::json;

/// Cells already formatted, written as aligned text, CSV (RFC 4180) or markdown.
struct TextTable {
  std::vector<std::string> headers;
  std::vector<bool> right_aligned;  // per column; missing = left
  std::vector<std::vector<std::string>> rows;

  /// Inserts a column (a bar chart beside the numbers it draws) at `position`.
  void insert_column(std::size_t position, const std::string& header, const std::vector<std::string>& cells);
};
[[nodiscard]] std::string render_aligned(const TextTable& table);
[[nodiscard]] std::string render_csv(const TextTable& table);
[[nodiscard]] std::string render_markdown(const TextTable& table);

/// A JSON document as text: indent 2, a trailing newline, invalid UTF-8 (a path in a file's name) replaced
/// by U+FFFD instead of throwing mid-output.
[[nodiscard]] std::string json_text(const json& doc);
/// A member of a JSON object whose elements are made one at a time: `for_each` calls its argument with each
/// element, in order.
struct StreamedArray {
  std::string key;
  std::function<void(const std::function<void(const json&)>&)> for_each;
};
/// json_text() of `head` with the `arrays` added as members, byte for byte, handed to `sink` in blocks of
/// about 64 KB as it is made: an array of a million runs is never a document in memory, only one element
/// at a time. Members come in nlohmann's key order, whichever of the two holds them.
void json_text_to(const json& head, const std::vector<StreamedArray>& arrays,
                  const std::function<void(std::string_view)>& sink);
/// A number, or null when it is not finite (JSON has no inf or nan).
[[nodiscard]] json number(double value);
/// A number, or null when it is not finite or not above 0 (0 = unknown).
[[nodiscard]] json positive(double value);

/// One field of a tool's rows.
template <typename Row>
struct Column {
  std::string_view key;                       // JSON key and CSV header; empty: a readable column only
  std::function<json(const Row&)> value;      // what JSON and CSV show (null: an empty CSV cell)
  std::string_view heading = "";              // text and markdown heading; empty: JSON and CSV only
  std::function<std::string(const Row&)> text{};  // the readable cell
  bool right = false;                         // readable: right-aligned
  bool csv = true;                            // false: a nested list, in JSON only
};
template <typename Row>
using Columns = std::vector<Column<Row>>;

/// A JSON value as a CSV cell: null empty, numbers as the shortest text that reads back, lists space-joined.
[[nodiscard]] std::string csv_value(const json& value);

template <typename Row>
[[nodiscard]] json row_json(const Columns<Row>& columns, const Row& row) {
  json doc = json::object();
  for (const auto& c : columns)
    if (!c.key.empty()) doc[std::string(c.key)] = c.value(row);
  return doc;
}

template <typename Row>
[[nodiscard]] json rows_json(const Columns<Row>& columns, const std::vector<Row>& rows) {
  json doc = json::array();
  for (const Row& row : rows) doc.push_back(row_json(columns, row));
  return doc;
}

/// Every field with a key, in column order (CSV).
template <typename Row>
[[nodiscard]] TextTable machine_table(const Columns<Row>& columns, const std::vector<Row>& rows) {
  TextTable t;
  for (const auto& c : columns)
    if (!c.key.empty() && c.csv) t.headers.emplace_back(c.key);
  for (const Row& row : rows) {
    std::vector<std::string> cells;
    for (const auto& c : columns)
      if (!c.key.empty() && c.csv) cells.push_back(csv_value(c.value(row)));
    t.rows.push_back(std::move(cells));
  }
  return t;
}

/// The readable columns in the order their headings are listed (text and markdown).
template <typename Row>
[[nodiscard]] TextTable readable_table(const Columns<Row>& columns, const std::vector<Row>& rows,
                                       const std::vector<std::string_view>& headings) {
  std::vector<const Column<Row>*> chosen;
  for (std::string_view heading : headings)
    for (const auto& c : columns)
      if (c.heading == heading) chosen.push_back(&c);
  TextTable t;
  for (const auto* c : chosen) {
    t.headers.emplace_back(c->heading);
    t.right_aligned.push_back(c->right);
  }
  for (const Row& row : rows) {
    std::vector<std::string> cells;
    for (const auto* c : chosen) cells.push_back(c->text(row));
    t.rows.push_back(std::move(cells));
  }
  return t;
}

}  // namespace llmfit::report
