#include "page_link.hpp"

#include <algorithm>
#include <cstdlib>

#include "options.hpp"

namespace llmfit::cli {
namespace {

bool is_option_name(std::string_view key) {
  return !key.empty() && key.size() <= 40 && key.front() != '-' &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int low = high >= 0 ? hex_digit(text[i + 2]) : -1;
      if (low < 0) throw InputError("query: malformed escape '" + excerpt(text.substr(i, 3), 8) + "' (% and two hex digits)");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

bool is_flag(const CLI::Option& option) { return option.get_expected_min() == 0; }

}  // namespace

std::string page_base_url() {
  const char* configured = std::getenv("LLMFIT_PAGE_URL");
  return configured != nullptr && *configured != '\0' ? configured : "http://127.0.0.1:8080/";
}

std::string percent_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("-._~,:@").find(c) != std::string_view::npos;
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string page_link(const CLI::App& command) {
  std::vector<std::string> pairs;
  if (command.get_parent() != nullptr) pairs.push_back("view=" + percent_encoded(command.get_name()));
  // The files the process read are options of the top level (inherited by every command).
  for (const CLI::App* app = &command; app != nullptr; app = app->get_parent())
    for (const std::string_view name : kFileOptions) {
      const CLI::Option* option = app->get_option_no_throw(std::string(name));
      if (option != nullptr && option->count() > 0)
        throw InputError("--url: the page knows the shipped catalogues and profile only; a link cannot carry " +
                         std::string(name));
    }
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    const std::string& name = option->get_lnames().front();
    if (std::find(kOutputOptions.begin(), kOutputOptions.end(), "--" + name) != kOutputOptions.end()) continue;
    if (std::find(kFileOptions.begin(), kFileOptions.end(), "--" + name) != kFileOptions.end()) continue;
    if (is_flag(*option)) {
      pairs.push_back(name);
      continue;
    }
    for (const std::string& value : option->results()) pairs.push_back(name + "=" + percent_encoded(value));
  }
  std::string link = page_base_url();
  for (std::size_t i = 0; i < pairs.size(); ++i) link += (i == 0 ? "?" : "&") + pairs[i];
  return link;
}

std::vector<QueryPair> parse_query(std::string_view query) {
  std::vector<QueryPair> pairs;
  for (const std::string_view part : split_on(query, '&')) {
    if (part.empty()) continue;
    if (pairs.size() == kMaxQueryPairs)
      throw InputError("query: more than " + std::to_string(kMaxQueryPairs) + " parameters");
    QueryPair pair;
    const std::size_t equals = part.find('=');
    pair.key = percent_decoded(part.substr(0, equals));
    if (equals != std::string_view::npos) {
      pair.has_value = true;
      pair.value = percent_decoded(part.substr(equals + 1));
    }
    if (!is_option_name(pair.key))
      throw InputError("query: '" + excerpt(pair.key, 40) + "' is not an option name (e.g. hw, model, context)");
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

std::vector<std::string> query_arguments(const std::vector<QueryPair>& pairs, const CLI::App& command) {
  std::vector<std::string> arguments;
  for (const QueryPair& pair : pairs) {
    const std::string flag = "--" + pair.key;
    const CLI::Option* option = command.get_option_no_throw(flag);
    if (option != nullptr && is_flag(*option) && pair.value.empty()) {
      arguments.push_back(flag);
    } else {
      arguments.push_back(flag + "=" + pair.value);
    }
  }
  return arguments;
}

}  // namespace llmfit::cli
