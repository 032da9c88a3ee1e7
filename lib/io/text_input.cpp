// What the text readers share (text_input.hpp).
#include "text_input.hpp"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "llmfit/errors.hpp"

namespace llmfit::io {

std::string read_text_file(const std::string& path, std::uintmax_t max_bytes, std::string_view too_large) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(path, error)) throw InputError(path + ": no such file");
  // A FIFO or device would block or never end: only regular files are read.
  if (!fs::is_regular_file(path, error)) throw InputError(path + ": not a regular file");
  const auto size = fs::file_size(path, error);
  if (error) throw InputError(path + ": cannot read: " + error.message());
  if (size > max_bytes)
    throw InputError(path + ": larger than " + std::to_string(max_bytes >> 20) + " MiB; " + std::string(too_large));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open for reading");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(path + ": cannot read the file");
  return text;
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

YAML::Node load_yaml(std::string_view text, const std::string& source, std::string_view depth_needed) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
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
}

}  // namespace llmfit::io
