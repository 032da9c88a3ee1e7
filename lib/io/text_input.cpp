// What the text readers share (text_input.hpp).
#include "text_input.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
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

int json_nesting_depth(std::string_view text) noexcept {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  return deepest;
}

nlohmann::json parse_json_text(std::string_view text, const std::string& where) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::string message = e.what();
    if (const auto at = message.find("parse error"); at != std::string::npos) message = message.substr(at);
    throw InputError(where + ": not valid JSON: " + excerpt(message, 160));
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range 406: a number beyond a double (1e400)
    throw InputError(where + ": unusable JSON: " + excerpt(e.what(), 160));
  }
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
