// Field references in messages, and InputError (errors.hpp).
#include "llmfit/errors.hpp"

namespace llmfit {

namespace {

// « and » in UTF-8: printable, kept as they are by every JSON writer, and not used in llmfit's own text.
constexpr std::string_view kFieldOpen = "\xC2\xAB";
constexpr std::string_view kFieldClose = "\xC2\xBB";

bool is_field_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

/// Calls text(piece) for the text between references and reference(name) for each reference.
template <typename Text, typename Reference>
void scan_fields(std::string_view text, Text&& on_text, Reference&& on_reference) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find(kFieldOpen, pos);
    if (open == std::string_view::npos) break;
    const std::size_t start = open + kFieldOpen.size();
    const std::size_t close = text.find(kFieldClose, start);
    if (close == std::string_view::npos) break;
    const std::string_view name = text.substr(start, close - start);
    if (!is_field_name(name)) {  // a guillemet in someone's text: leave it as it is
      on_text(text.substr(pos, start - pos));
      pos = start;
      continue;
    }
    on_text(text.substr(pos, open - pos));
    on_reference(name);
    pos = close + kFieldClose.size();
  }
  on_text(text.substr(pos));
}

}  // namespace

std::string field(std::string_view name) {
  std::string out(kFieldOpen);
  out += name;
  out += kFieldClose;
  return out;
}

std::string render_fields(std::string_view text, const FieldSpelling& spell) {
  std::string out;
  out.reserve(text.size());
  scan_fields(
      text, [&](std::string_view piece) { out += piece; }, [&](std::string_view name) { out += spell(name); });
  return out;
}

std::string plain_fields(std::string_view text) {
  return render_fields(text, [](std::string_view name) { return std::string(name); });
}

std::vector<std::string> referenced_fields(std::string_view text) {
  std::vector<std::string> names;
  scan_fields(
      text, [](std::string_view) {}, [&](std::string_view name) { names.emplace_back(name); });
  return names;
}

InputError::InputError(const std::string& message)
    : std::runtime_error(plain_fields(one_line(message))), message_(one_line(message)) {}

std::string InputError::field() const {
  const std::vector<std::string> names = referenced_fields(message_);
  return names.empty() ? std::string() : names.front();
}

}  // namespace llmfit
