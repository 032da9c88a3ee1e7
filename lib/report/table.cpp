// Tables of the presentation layer (table.hpp).
#include "table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace llmfit::report {
namespace {

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

std::string csv_cell(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string markdown_cell(const std::string& cell) {
  std::string out;
  for (char c : cell) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

void TextTable::insert_column(std::size_t position, const std::string& header, const std::vector<std::string>& cells) {
  headers.insert(headers.begin() + static_cast<std::ptrdiff_t>(position), header);
  if (right_aligned.size() >= position)
    right_aligned.insert(right_aligned.begin() + static_cast<std::ptrdiff_t>(position), false);
  for (std::size_t i = 0; i < rows.size() && i < cells.size(); ++i)
    rows[i].insert(rows[i].begin() + static_cast<std::ptrdiff_t>(position), cells[i]);
}

std::string render_aligned(const TextTable& t) {
  std::vector<std::size_t> widths(t.headers.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  };
  measure(t.headers);
  for (const auto& row : t.rows) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out = " ";
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::size_t pad = widths[c] - std::min(widths[c], display_width(cell));
      const bool right = c < t.right_aligned.size() && t.right_aligned[c];
      if (c > 0) out += "  ";
      if (right) out += std::string(pad, ' ') + cell;
      else out += cell + (c + 1 < widths.size() ? std::string(pad, ' ') : "");
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.headers);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string render_csv(const TextTable& t) {
  auto line = [](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out += ',';
      out += csv_cell(row[c]);
    }
    return out + "\r\n";
  };
  std::string out = line(t.headers);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string render_markdown(const TextTable& t) {
  std::string out = "|";
  for (const auto& h : t.headers) {
    out += ' ';
    out += markdown_cell(h);
    out += " |";
  }
  out += "\n|";
  for (std::size_t c = 0; c < t.headers.size(); ++c)
    out += (c < t.right_aligned.size() && t.right_aligned[c]) ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (std::size_t c = 0; c < t.headers.size(); ++c) {
      out += ' ';
      out += markdown_cell(c < row.size() ? row[c] : "");
      out += " |";
    }
    out += "\n";
  }
  return out;
}

std::string json_text(const json& doc) { return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

namespace {

/// `value` as json_text() prints it `depth` levels down: its own lines indented by two spaces a level
/// (a dumped string holds no raw line break, so every '\n' starts a line of the value).
void append_nested(std::string& out, const json& value, int depth) {
  const std::string text = value.dump(2, ' ', false, json::error_handler_t::replace);
  const std::string indent(static_cast<std::size_t>(2 * depth), ' ');
  std::size_t from = 0;
  for (std::size_t end; (end = text.find('\n', from)) != std::string::npos; from = end + 1) {
    out.append(text, from, end + 1 - from);
    out += indent;
  }
  out.append(text, from, std::string::npos);
}

}  // namespace

void json_text_to(const json& head, const std::vector<StreamedArray>& arrays,
                  const std::function<void(std::string_view)>& sink) {
  constexpr std::size_t kBlockBytes = 1 << 16;
  // The members in the order of nlohmann's object (std::map, std::less<>): head's and the streamed ones.
  std::map<std::string, const StreamedArray*, std::less<>> streamed;
  for (const StreamedArray& array : arrays) streamed.emplace(array.key, &array);
  std::vector<std::pair<std::string_view, const json*>> members;
  for (const auto& [key, value] : head.items()) members.emplace_back(key, &value);
  for (const auto& [key, array] : streamed) members.emplace_back(key, nullptr);
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (members.empty()) return sink("{}\n");

  std::string out = "{\n";
  const auto flush_full = [&] {
    if (out.size() < kBlockBytes) return;
    sink(out);
    out.clear();
  };
  for (std::size_t m = 0; m < members.size(); ++m) {
    const auto& [key, value] = members[m];
    out += "  " + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + ": ";
    if (value != nullptr) {
      append_nested(out, *value, 1);
    } else {
      bool first = true;
      streamed.find(key)->second->for_each([&](const json& element) {
        out += first ? "[\n    " : ",\n    ";
        first = false;
        append_nested(out, element, 2);
        flush_full();
      });
      out += first ? "[]" : "\n  ]";
    }
    out += m + 1 < members.size() ? ",\n" : "\n";
    flush_full();
  }
  out += "}\n";
  sink(out);
}

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
json positive(double value) { return std::isfinite(value) && value > 0 ? json(value) : json(nullptr); }

std::string csv_value(const json& value) {
  if (value.is_null()) return "";
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_unsigned()) return fmt::format("{}", value.get<std::uint64_t>());
  if (value.is_number_integer()) return fmt::format("{}", value.get<std::int64_t>());
  if (value.is_number_float()) return fmt::format("{}", value.get<double>());
  if (value.is_string()) return value.get<std::string>();
  std::string out;
  for (const json& item : value) {
    if (!out.empty()) out += ' ';
    out += csv_value(item);
  }
  return out;
}

}  // namespace llmfit::report
