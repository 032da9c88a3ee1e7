// What the text readers share (text_input.hpp).
#include "text_input.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>
#include <vector>

#include "input_file.hpp"
#include "llmfit/errors.hpp"

namespace llmfit::io {

std::string read_text_file(const std::string& path, std::uintmax_t max_bytes, std::string_view too_large) {
  InputFile file(path, InputKind::stream);
  return file.read_all(max_bytes, too_large);
}

void JsonNesting::feed(std::string_view piece) noexcept {
  for (const char c : piece) {
    if (in_string_) {
      if (escaped_) escaped_ = false;
      else if (c == '\\') escaped_ = true;
      else if (c == '"') in_string_ = false;
      continue;
    }
    if (c == '"') in_string_ = true;
    else if (c == '[' || c == '{') deepest_ = std::max(deepest_, ++depth_);
    else if ((c == ']' || c == '}') && depth_ > 0) --depth_;
  }
}

int json_nesting_depth(std::string_view text) noexcept {
  JsonNesting nesting;
  nesting.feed(text);
  return nesting.deepest();
}

namespace {
constexpr std::size_t kBlockBytes = 1 << 16;
}  // namespace

TextStream::TextStream(const std::string& path, std::uint64_t max_bytes, std::string_view too_large)
    : name_(path),
      file_(std::make_unique<InputFile>(path, InputKind::stream)),
      max_bytes_(max_bytes),
      too_large_(too_large),
      size_hint_(file_->size_bytes()),
      block_(std::make_unique<char[]>(kBlockBytes)) {
  if (file_->size_bytes() > max_bytes_) file_->refuse_larger_than(max_bytes_, too_large_);
}

TextStream::TextStream(std::string_view text, std::string name) : name_(std::move(name)), size_hint_(text.size()) {
  char* begin = const_cast<char*>(text.data());  // NOLINT: the get area is only read
  setg(begin, begin, begin + text.size());
}

TextStream::~TextStream() = default;

bool TextStream::read_block() {
  if (!file_) return false;
  const auto unread = static_cast<std::size_t>(egptr() - gptr());
  if (unread >= kBlockBytes) return true;  // never: callers read more with at most 2 bytes unread
  char* const begin = block_.get();
  if (unread > 0 && gptr() != begin) std::memmove(begin, gptr(), unread);
  const std::size_t got = file_->read_some(begin + unread, kBlockBytes - unread);
  setg(begin, begin, begin + unread + got);
  if (got == 0) return false;
  // The cap is checked as the bytes arrive: a pipe (or a file that grows) is never read beyond it.
  bytes_read_ += got;
  if (bytes_read_ > max_bytes_) file_->refuse_larger_than(max_bytes_, too_large_);
  if (nesting_) measure({begin + unread, got});
  return true;
}

void TextStream::measure(std::string_view block) {
  nesting_->feed(block);
  if (nesting_->deepest() <= max_depth_) return;
  if (file_) {
    // The input is refused: measure the rest to name its deepest nesting, as measuring the whole text
    // before parsing would (still under the cap).
    char* const scratch = block_.get();
    setg(scratch, scratch, scratch);
    while (const std::size_t got = file_->read_some(scratch, kBlockBytes)) {
      bytes_read_ += got;
      if (bytes_read_ > max_bytes_) file_->refuse_larger_than(max_bytes_, too_large_);
      nesting_->feed({scratch, got});
    }
  }
  throw InputError(name_ + ": JSON nested " + std::to_string(nesting_->deepest()) + " levels deep; " + depth_limit_);
}

TextStream::int_type TextStream::underflow() {
  if (gptr() < egptr() || read_block()) return traits_type::to_int_type(*gptr());
  return traits_type::eof();
}

int TextStream::skip_bom_and_space() {
  while (egptr() - gptr() < 3 && read_block()) {
  }
  if (egptr() - gptr() >= 3 && std::memcmp(gptr(), "\xEF\xBB\xBF", 3) == 0) setg(eback(), gptr() + 3, egptr());
  for (;;) {
    const int_type c = sgetc();
    if (traits_type::eq_int_type(c, traits_type::eof())) return -1;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
    setg(eback(), gptr() + 1, egptr());
  }
}

bool TextStream::next_line(std::string_view& line) {
  line_.clear();
  bool spans = false;  // the line began in an earlier block: it is gathered in line_
  for (;;) {
    if (gptr() == egptr() && !read_block()) {
      if (!spans) return false;
      line = line_;
      line_had_newline_ = false;
      return true;
    }
    char* const start = gptr();
    const auto available = static_cast<std::size_t>(egptr() - start);
    if (auto* end = static_cast<char*>(std::memchr(start, '\n', available))) {
      if (spans) {
        line_.append(start, end);
        line = line_;
      } else {
        line = std::string_view(start, static_cast<std::size_t>(end - start));
      }
      setg(eback(), end + 1, egptr());
      line_had_newline_ = true;
      return true;
    }
    line_.append(start, available);
    spans = true;
    setg(eback(), egptr(), egptr());
  }
}

std::string TextStream::read_rest() {
  std::string rest;
  rest.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(size_hint_, max_bytes_)));
  do {
    rest.append(gptr(), egptr());
    setg(eback(), egptr(), egptr());
  } while (read_block());
  return rest;
}

void TextStream::limit_json_nesting(int max_depth, std::string limit) {
  nesting_.emplace();
  max_depth_ = max_depth;
  depth_limit_ = std::move(limit);
  measure({gptr(), static_cast<std::size_t>(egptr() - gptr())});
}

namespace {

template <typename Parse>
nlohmann::json parse_reporting(const Parse& parse, const std::string& where) {
  try {
    return parse();
  } catch (const nlohmann::json::parse_error& e) {
    std::string message = e.what();
    if (const auto at = message.find("parse error"); at != std::string::npos) message = message.substr(at);
    throw InputError(where + ": not valid JSON: " + excerpt(message, 160));
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range 406: a number beyond a double (1e400)
    throw InputError(where + ": unusable JSON: " + excerpt(e.what(), 160));
  }
}

}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& where) {
  return parse_reporting([&] { return nlohmann::json::parse(text.begin(), text.end()); }, where);
}

nlohmann::json parse_json_stream(std::istream& in, const std::string& where,
                                 const nlohmann::json::parser_callback_t& callback) {
  return parse_reporting([&] { return nlohmann::json::parse(in, callback); }, where);
}

namespace {

/// The events of one YAML document, checked before any node is built: the node count with every alias
/// expanded (an alias to a 10,000-entry list counts 10,000, so a few KB cannot expand into gigabytes when the
/// readers walk it), and keys repeated in one mapping (yaml-cpp keeps both; a lookup returns the first).
class YamlShapeCheck : public YAML::EventHandler {
 public:
  explicit YamlShapeCheck(const std::string& source) : source_(source) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, nullptr); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto found = anchor_nodes_.find(anchor);
    const std::uint64_t nodes = found == anchor_nodes_.end() ? 1 : found->second;
    count(mark, nodes);
    child_done(mark, nullptr, nodes);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    leaf(mark, anchor, &value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::Mark mark;
    YAML::anchor_t anchor = 0;
    bool is_map = false;
    bool at_key = true;  // maps alternate key, value
    std::uint64_t nodes = 1;
    std::string path;         // "hardware[2]": where the collection is, for messages
    std::string current_key;  // a map's key whose value comes next
    std::string id;           // an entry's `id`, once read, to name it in messages
    std::size_t children = 0;
    std::map<std::string, int> key_lines;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
    std::ostringstream out;
    out << source_;
    if (mark.line >= 0) out << ':' << mark.line + 1 << ':' << mark.column + 1;
    out << ": " << message;
    throw InputError(out.str());
  }
  void count(const YAML::Mark& mark, std::uint64_t nodes) {
    expanded_nodes_ += nodes;
    if (expanded_nodes_ > kMaxYamlNodes)
      fail(mark, "more than " + std::to_string(kMaxYamlNodes) +
                     " YAML nodes with its aliases expanded; an input this large is not a catalogue or a profile");
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, const std::string* value) {
    count(mark, 1);
    if (anchor != 0) anchor_nodes_[anchor] = 1;
    child_done(mark, value, 1);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    count(mark, 1);
    Open frame;
    frame.path = child_path();
    frame.mark = mark;
    frame.anchor = anchor;
    frame.is_map = is_map;
    stack_.push_back(std::move(frame));
  }
  void close() {
    Open frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != 0) anchor_nodes_[frame.anchor] = frame.nodes;
    child_done(frame.mark, nullptr, frame.nodes);
  }
  /// Where the next node of the innermost collection is ("hardware[2].name").
  [[nodiscard]] std::string child_path() const {
    if (stack_.empty()) return "";
    const Open& parent = stack_.back();
    const std::string prefix = parent.path.empty() ? "" : parent.path + (parent.is_map ? "." : "");
    if (!parent.is_map) return parent.path + "[" + std::to_string(parent.children) + "]";
    return prefix + (is_plain_name(parent.current_key) ? parent.current_key : "?");
  }
  /// A node ended inside the innermost collection: a map's key is checked against its earlier keys.
  void child_done(const YAML::Mark& mark, const std::string* scalar, std::uint64_t nodes) {
    if (stack_.empty()) return;
    Open& parent = stack_.back();
    parent.nodes += nodes;
    if (!parent.is_map) {
      ++parent.children;
      return;
    }
    if (parent.at_key) {
      parent.current_key = scalar != nullptr ? *scalar : "?";
      if (scalar != nullptr) {
        const auto [first, inserted] = parent.key_lines.emplace(*scalar, mark.line + 1);
        if (!inserted && *scalar != "<<")
          fail(mark, (is_plain_name(*scalar) ? child_path() : std::string("a key")) +
                         (parent.id.empty() ? std::string() : " (entry " + quoted_name(parent.id) + ")") +
                         ": appears twice in one mapping (first on line " + std::to_string(first->second) + ")");
      }
    } else if (parent.current_key == "id" && scalar != nullptr) {
      parent.id = *scalar;
    }
    parent.at_key = !parent.at_key;
  }

  const std::string& source_;
  std::vector<Open> stack_;
  std::map<YAML::anchor_t, std::uint64_t> anchor_nodes_;
  std::uint64_t expanded_nodes_ = 0;
};

[[noreturn]] void fail_yaml(const YAML::Exception& e, const std::string& source, std::string_view depth_needed) {
  std::ostringstream out;
  out << source;
  if (e.mark.line >= 0) out << ':' << e.mark.line + 1 << ':' << e.mark.column + 1;
  // yaml-cpp stops at 500 nested collections (its DepthGuard) with the bare message "bad file".
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr)
    out << ": nested too deeply (yaml-cpp's limit is 500 levels; " << depth_needed << ")";
  else
    out << ": not valid YAML: " << e.msg;
  throw InputError(out.str());
}

}  // namespace

void check_yaml_shape(std::string_view text, const std::string& source, std::string_view depth_needed) {
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    YamlShapeCheck check(source);
    if (!parser.HandleNextDocument(check)) return;  // empty
    YamlShapeCheck next(source);
    if (parser.HandleNextDocument(next))
      throw InputError(source + ": holds a second YAML document ('---'); one file is one document");
  } catch (const YAML::Exception& e) {
    fail_yaml(e, source, depth_needed);
  }
}

YAML::Node load_yaml(std::string_view text, const std::string& source, std::string_view depth_needed) {
  check_yaml_shape(text, source, depth_needed);
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    fail_yaml(e, source, depth_needed);
  }
}

}  // namespace llmfit::io
