// The name resolver (resolve_names.hpp): names as people type them → catalogue entries.
#include "llmfit/resolve_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "catalog_indexes.hpp"
#include "llmfit/catalog.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

// Ids are at most 80 characters; a model-quant name, a Hugging Face URL or a file name at most about
// three times that. Each separator is a candidate split point: bounding the name bounds that search.
constexpr std::size_t kMaxNameLength = 256;
constexpr std::size_t kMaxCandidatesShown = 6;

// Words that name no particular entry: vendor and product-line words people add or leave out.
constexpr std::array<std::string_view, 8> kHardwareNoise{"nvidia", "geforce", "apple",    "amd",
                                                         "radeon", "intel",   "graphics", "gpu"};
// A fine-tune of the same weights' shape (instruct, chat, base), Meta's repository prefix, Ollama's
// "latest" tag, and the format words (recorded by model_name_parts). Not "qat": quantisation-aware-trained
// weights are a checkpoint of their own, and the catalogue gives some their own entry (gemma-4-31b-qat).
constexpr std::array<std::string_view, 9> kModelNoise{"instruct", "it",     "chat",   "hf",  "base",
                                                      "meta",     "latest", "gguf", "mlx"};

bool is_letter(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}
bool is_number(std::string_view text) noexcept { return !text.empty() && is_digit(text.front()); }
template <std::size_t N>
bool one_of(std::string_view word, const std::array<std::string_view, N>& words) noexcept {
  return std::find(words.begin(), words.end(), word) != words.end();
}

/// What a look-up returns when it does not find one entry: `fail(status, problem)` sets `out`'s status and
/// one-line message (an ambiguous look-up sets its candidates first) and returns it.
template <typename Lookup>
auto failing(Lookup& out) {
  return [&out](NameStatus status, std::string problem) {
    out.status = status;
    out.problem = std::move(problem);
    return std::move(out);
  };
}

/// Runs of letters and of numbers (a decimal point inside a number stays: "3.1"), lowercase, in order;
/// '+' is the word "plus"; registered/trademark marks are dropped.
std::vector<std::string> raw_words(std::string_view name) {
  std::string text = to_lower(name);
  for (const std::string_view mark : {std::string_view("(r)"), std::string_view("(tm)")})
    for (std::size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at)) text.erase(at, mark.size());
  std::vector<std::string> words;
  std::string current;
  char kind = 0;  // 'a' letters, '0' a number
  auto flush = [&] {
    if (!current.empty()) words.push_back(current);
    current.clear();
    kind = 0;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_letter(c) || is_digit(c)) {
      const char this_kind = is_letter(c) ? 'a' : '0';
      if (kind != this_kind) flush();
      kind = this_kind;
      current += c;
    } else if (c == '.' && kind == '0' && i + 1 < text.size() && is_digit(text[i + 1])) {
      current += c;
    } else {
      flush();
      if (c == '+') words.emplace_back("plus");
    }
  }
  flush();
  return words;
}

/// A word of digits and '.' as a number (0 when it is not one, "1.2.3").
double number_of(std::string_view text) { return parse_decimal(text).value_or(0); }

/// A capacity word ("512gb") as GiB; nullopt for any other word.
std::optional<double> capacity_gib(std::string_view word) {
  if (word.size() < 3 || word.substr(word.size() - 2) != "gb" || !is_number(word)) return std::nullopt;
  const std::string_view digits = word.substr(0, word.size() - 2);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return is_digit(c) || c == '.'; })) return std::nullopt;
  return number_of(digits);
}

std::string format_number(double value) { return fmt::format("{:g}", value); }

}  // namespace

// ------------------------------------------------------------------------------------------ words

std::vector<std::string> hardware_name_words(std::string_view name) {
  const std::vector<std::string> raw = raw_words(name);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string& word = raw[i];
    if (one_of(word, kHardwareNoise)) continue;
    if (is_number(word) && i + 1 < raw.size()) {
      const std::string& unit = raw[i + 1];
      if (unit == "c" || unit == "core" || unit == "cores") {  // GPU cores: "38-core", "38c"
        words.push_back(word + "c");
        ++i;
        continue;
      }
      if (unit == "gb" || unit == "gib" || unit == "tb" || unit == "tib") {  // capacity, in GiB
        const double gib = number_of(word) * (unit[0] == 't' ? 1024 : 1);
        words.push_back(format_number(gib) + "gb");
        ++i;
        continue;
      }
    }
    words.push_back(word);
  }
  return words;
}

ModelNameParts model_name_parts(std::string_view name) {
  ModelNameParts parts;
  std::string text(trim(name));
  auto strip_prefix = [&text](std::string_view prefix) {
    if (text.size() >= prefix.size() && equals_ignore_case(std::string_view(text).substr(0, prefix.size()), prefix)) {
      text.erase(0, prefix.size());
      return true;
    }
    return false;
  };
  (void)(strip_prefix("https://") || strip_prefix("http://"));
  (void)strip_prefix("www.");
  (void)(strip_prefix("huggingface.co/") || strip_prefix("hf.co/"));
  // Ollama's name:tag ("llama3.1:8b-instruct-q4_K_M", "hf.co/owner/repo:Q4_K_M"): the tag reads on as words.
  if (const auto colon = text.find(':'); colon != std::string::npos) {
    parts.ollama_tag = true;
    std::replace(text.begin(), text.end(), ':', '-');
  }
  if (const auto slash = text.rfind('/'); slash != std::string::npos) {
    parts.owner = to_lower(std::string_view(text).substr(0, slash));
    text.erase(0, slash + 1);
  }
  if (text.size() > 5 && equals_ignore_case(std::string_view(text).substr(text.size() - 5), ".gguf")) {
    text.resize(text.size() - 5);
    parts.gguf = true;
  }
  // A repository's format at the end ("Qwen3-8B-GGUF", "gemma-3-27b-it-qat-q4_0-gguf"): the quantisation,
  // when there is one, is what precedes it.
  for (const std::string_view format : {"-gguf", "_gguf", " gguf"})
    if (text.size() > format.size() &&
        equals_ignore_case(std::string_view(text).substr(text.size() - format.size()), format)) {
      text.resize(text.size() - format.size());
      parts.gguf = true;
    }
  // A split file: "-00001-of-00003".
  if (text.size() > 15) {
    const std::string_view tail = std::string_view(text).substr(text.size() - 15);
    if (tail[0] == '-' && all_digits(tail.substr(1, 5)) && equals_ignore_case(tail.substr(6, 4), "-of-") &&
        all_digits(tail.substr(10)))
      text.resize(text.size() - 15);
  }
  for (const std::string& word : raw_words(text)) {
    if (word == "gguf") parts.gguf = true;
    if (word == "mlx") parts.mlx = true;
  }
  if (parts.owner.find("mlx") != std::string::npos) parts.mlx = true;
  parts.model = text;
  return parts;
}

std::vector<std::string> model_name_words(std::string_view name) {
  const std::vector<std::string> raw = raw_words(model_name_parts(name).model);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string& word = raw[i];
    if (one_of(word, kModelNoise)) continue;
    // A size: "8b", "0.5b", "270m" ("a3b" reads "a" "3b": 3 B active).
    if (is_number(word) && i + 1 < raw.size() && (raw[i + 1] == "b" || raw[i + 1] == "m")) {
      words.push_back(word + raw[i + 1]);
      ++i;
      continue;
    }
    words.push_back(word);
  }
  return words;
}

/// A quantisation inside a repository name ("gemma-3-1b-it-qat-q4_0-gguf") names the build, not the model: its
/// letters must not become model words ("q" alone read as Gemma 4 31B QAT). Entries and typed names alike.
std::string without_quant_segments(const Catalog& catalog, std::string_view text) {
  std::string kept;
  for (const std::string_view segment : split_on(text, '-'))
    if (kept.empty() || catalog.find_quant(segment) == nullptr) {
      if (!kept.empty()) kept.push_back('-');
      kept.append(segment);
    }
  return kept;
}

std::vector<std::string> model_entry_words(const Catalog& catalog, std::string_view name) {
  ModelNameParts parts = model_name_parts(name);
  parts.model = without_quant_segments(catalog, parts.model);
  for (std::size_t cut = parts.model.size(); cut-- > 1;) {
    const char c = parts.model[cut];
    if (c != '-' && c != '_' && c != '.') continue;
    const std::string suffix = parts.model.substr(cut + 1);
    const bool bits = parts.mlx && suffix.size() > 3 && suffix.substr(suffix.size() - 3) == "bit";
    if (catalog.find_quant(suffix) != nullptr || (bits && catalog.find_quant("mlx-" + suffix) != nullptr))
      return model_name_words(std::string_view(parts.model).substr(0, cut));
  }
  return model_name_words(parts.model);
}

std::string name_key(std::vector<std::string> words) { return join(detail::word_set(std::move(words)), "-"); }

const QuantSpec* gguf_default_quant(const Catalog& catalog, const ModelSpec& model) {
  const QuantSpec* quant = catalog.find_quant(model.default_quant);
  if (quant == nullptr || quant->format == QuantFormat::gguf) return quant;
  const QuantSpec* build = catalog.gguf_build_of(*quant);
  return build != nullptr ? build : quant;
}

const QuantSpec* ollama_default_quant(const Catalog& catalog, const ModelSpec& model) {
  if (!model.ollama_quant.empty())
    if (const QuantSpec* quant = catalog.find_quant(model.ollama_quant)) return quant;
  return gguf_default_quant(catalog, model);
}

// ------------------------------------------------------------------------------------------ matching

namespace {

/// The entries a name's words select: every word typed is a word of one of the entry's names; among
/// them, those whose name adds the fewest words. `allowed` filters entries (a capacity they are sold with).
struct WordMatch {
  std::vector<std::uint32_t> entries;  // catalogue order
  bool closest = false;                // words of a longer name, not a name's exact words
  std::size_t added = 0;               // words the closest names add
  std::vector<std::uint32_t> others;   // further entries that hold every word but add more
};

template <typename Allowed>
WordMatch match_words(const detail::WordIndex& index, const std::vector<std::string>& words, Allowed allowed) {
  WordMatch match;
  const std::vector<std::string> set = detail::word_set(words);
  if (set.empty()) return match;
  if (const auto* exact = index.exact(set)) {
    for (const std::uint32_t entry : *exact)
      if (allowed(entry)) match.entries.push_back(entry);
    if (!match.entries.empty()) {
      std::sort(match.entries.begin(), match.entries.end());
      return match;
    }
  }
  std::map<std::uint32_t, std::size_t> fewest;  // entry → fewest added words
  for (const auto& name : index.names()) {
    if (name.words.size() < set.size() || !allowed(name.entry)) continue;
    if (!std::includes(name.words.begin(), name.words.end(), set.begin(), set.end())) continue;
    const std::size_t added = name.words.size() - set.size();
    const auto [it, inserted] = fewest.emplace(name.entry, added);
    if (!inserted) it->second = std::min(it->second, added);
  }
  if (fewest.empty()) return match;
  std::size_t least = fewest.begin()->second;
  for (const auto& [entry, added] : fewest) least = std::min(least, added);
  for (const auto& [entry, added] : fewest) (added == least ? match.entries : match.others).push_back(entry);
  match.closest = true;
  match.added = least;
  return match;
}

template <typename Spec>
std::string describe(const Spec& spec) {
  return spec.name.empty() || spec.name == spec.id ? spec.id : spec.id + " (" + spec.name + ")";
}

template <typename Spec>
std::string candidate_list(const std::vector<const Spec*>& candidates) {
  std::vector<std::string> shown;
  for (const Spec* spec : candidates) {
    if (shown.size() == kMaxCandidatesShown) {
      shown.push_back(fmt::format("and {} more", candidates.size() - kMaxCandidatesShown));
      break;
    }
    shown.push_back(describe(*spec));
  }
  return join(shown, ", ");
}

template <typename Spec>
std::vector<const Spec*> specs_of(const std::vector<Spec>& all, const std::vector<std::uint32_t>& entries) {
  std::vector<const Spec*> specs;
  for (const std::uint32_t entry : entries) specs.push_back(&all[entry]);
  return specs;
}

std::vector<std::string> merged_suggestions(std::vector<std::string> first, const std::vector<std::string>& second) {
  for (const auto& name : second)
    if (std::find(first.begin(), first.end(), name) == first.end()) first.push_back(name);
  if (first.size() > 3) first.resize(3);
  return first;
}

/// "'4090' read as rtx-4090 (NVIDIA GeForce RTX 4090)" and what else the name could have meant.
template <typename Spec>
std::string reading_of(std::string_view typed, const Spec& spec, const WordMatch* match,
                       const std::vector<Spec>& all) {
  std::string text = fmt::format("'{}' read as {}", excerpt(typed, 100), describe(spec));
  if (match != nullptr && match->closest && !match->others.empty()) {
    std::vector<std::string> others;
    for (const std::uint32_t entry : match->others) {
      if (others.size() == 3) break;
      others.push_back(all[entry].id);
    }
    text += fmt::format(", the closest of the entries holding every word (others add more: {})", join(others, ", "));
  }
  return text;
}

}  // namespace

// ------------------------------------------------------------------------------------------ indexes

void Catalog::index_words() {
  Indexes& index = *indexes_;
  index.hardware_words.clear();
  for (std::size_t i = 0; i < data_.hardware.size(); ++i) {
    const HardwareSpec& h = data_.hardware[i];
    index.hardware_words.add(hardware_name_words(h.id), i);
    for (const auto& alias : h.aliases) index.hardware_words.add(hardware_name_words(alias), i);
    index.hardware_words.add(hardware_name_words(h.name), i);
  }
  index.model_words.clear();
  for (std::size_t i = 0; i < data_.models.size(); ++i) {
    const ModelSpec& m = data_.models[i];
    auto add = [&](std::string_view name) { index.model_words.add(model_entry_words(*this, name), i); };
    add(m.id);
    for (const auto& alias : m.aliases) add(alias);
    add(m.name);
  }
}

// ------------------------------------------------------------------------------------------ hardware

HardwareLookup Catalog::look_up_hardware(std::string_view text) const {
  HardwareLookup out;
  const auto fail = failing(out);
  const std::string shown = excerpt(text, 100);
  if (trim(text).empty()) return fail(NameStatus::invalid, "hardware: empty name; see 'llmfit list hardware'");
  if (text.size() > kMaxNameLength)
    return fail(NameStatus::invalid, "hardware: name longer than 256 characters; see 'llmfit list hardware'");
  std::string_view name = trim(text);

  // id[:count][@GiB]: the grammar first.
  double given_gib = 0;
  if (const auto at = name.rfind('@'); at != std::string_view::npos) {
    std::string memory = to_lower(trim(name.substr(at + 1)));
    for (const std::string_view unit : {"gib", "gb", "g"})
      if (memory.size() > unit.size() && memory.substr(memory.size() - unit.size()) == unit) {
        memory.resize(memory.size() - unit.size());
        break;
      }
    given_gib = parse_decimal(memory).value_or(-1);
    if (!std::isfinite(given_gib) || given_gib < 0.1 || given_gib > 1e5)
      return fail(NameStatus::invalid,
                  "hardware '" + shown + "': the memory after '@' must be a number of GiB from 0.1 to 100000");
    name = trim(name.substr(0, at));
  }
  int count = 0;  // 0 = not given
  if (const auto colon = name.find(':'); colon != std::string_view::npos) {
    const std::string_view count_text = trim(name.substr(colon + 1));
    const auto [end, error] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (error != std::errc() || end != count_text.data() + count_text.size() || count < 1 || count > 64)
      return fail(NameStatus::invalid,
                  "hardware '" + shown + "': the device count after ':' must be a whole number from 1 to 64");
    name = trim(name.substr(0, colon));
  }

  const HardwareSpec* found = find_hardware(name);
  double name_gib = 0;
  bool count_in_words = false;
  WordMatch match;
  if (found == nullptr) {
    const std::vector<std::string> words = hardware_name_words(name);
    auto sold_with = [this](double gib) {
      return [this, gib](std::uint32_t entry) {
        const auto& options = data_.hardware[entry].memory_options_gib;
        return gib <= 0 || std::find(options.begin(), options.end(), gib) != options.end();
      };
    };
    // The words as they are; then with a capacity word taken as the capacity (an entry sold with it);
    // then with a device count ("2x", "x2") taken off.
    // Both readings of a capacity word are weighed: "RTX 4060 8GB" is the rtx-4060 sold with 8 GiB (no word
    // added), not the "RTX 4060 Ti 8GB" (one added); a tie names every entry.
    auto attempt = [&](const std::vector<std::string>& attempt_words) -> std::optional<std::string> {
      match = match_words(indexes_->hardware_words, attempt_words, sold_with(0));
      if (!match.entries.empty() && !match.closest) return std::nullopt;
      const WordMatch as_written = match;
      std::vector<std::string> rest;
      double gib = 0;
      int capacities = 0;
      for (const auto& word : attempt_words) {
        if (const auto value = capacity_gib(word)) {
          gib = *value;
          ++capacities;
        } else {
          rest.push_back(word);
        }
      }
      if (capacities != 1 || rest.empty()) return std::nullopt;
      match = match_words(indexes_->hardware_words, rest, sold_with(gib));
      if (!match.entries.empty()) {
        const std::size_t capacity_added = match.closest ? match.added : 0;
        if (!as_written.entries.empty() && as_written.added < capacity_added) {
          match = as_written;
        } else if (!as_written.entries.empty() && as_written.added == capacity_added) {
          for (const std::uint32_t entry : as_written.entries)
            if (std::find(match.entries.begin(), match.entries.end(), entry) == match.entries.end())
              match.entries.push_back(entry);
          std::sort(match.entries.begin(), match.entries.end());
          name_gib = gib;
        } else {
          name_gib = gib;
        }
        return std::nullopt;
      }
      if (!as_written.entries.empty()) {
        match = as_written;
        return std::nullopt;
      }
      const WordMatch any = match_words(indexes_->hardware_words, rest, sold_with(0));
      if (any.entries.empty()) return std::nullopt;
      std::vector<std::string> sold;
      for (const std::uint32_t entry : any.entries) {
        std::vector<std::string> capacities_sold;
        for (double option : data_.hardware[entry].memory_options_gib) capacities_sold.push_back(format_number(option));
        sold.push_back(fmt::format("{} is sold with {} GiB", data_.hardware[entry].id, join(capacities_sold, "/")));
      }
      return fmt::format("hardware '{}': {}; for another amount give it after '@' ({}@{}) or with {}", shown,
                         join(sold, ", "), data_.hardware[any.entries.front()].id, format_number(gib),
                         field("memory_gib"));
    };
    std::optional<std::string> problem = attempt(words);
    if (match.entries.empty() && !problem && words.size() >= 3) {
      std::vector<std::string> rest;
      std::string_view digits;
      if (all_digits(words[0]) && words[1] == "x") {
        rest.assign(words.begin() + 2, words.end());
        digits = words[0];
      } else if (words[words.size() - 2] == "x" && all_digits(words.back())) {
        rest.assign(words.begin(), words.end() - 2);
        digits = words.back();
      }
      int word_count = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), word_count);
      if (word_count > 0) {
        if (count != 0)
          return fail(NameStatus::invalid, "hardware '" + shown + "': two device counts (':' and 'x')");
        if (word_count > 64)
          return fail(NameStatus::invalid, "hardware '" + shown + "': the device count must be from 1 to 64");
        problem = attempt(rest);
        if (!match.entries.empty()) {
          count = word_count;
          count_in_words = true;
        }
      }
    }
    if (problem) return fail(NameStatus::invalid, *problem);
    if (match.entries.size() > 1) {
      out.candidates = specs_of(data_.hardware, match.entries);
      return fail(NameStatus::ambiguous,
                  fmt::format("hardware '{}' is ambiguous: {}; name one (see 'llmfit list hardware')", shown,
                              candidate_list(out.candidates)));
    }
    if (match.entries.empty()) {
      std::string spelled;
      for (const auto& word : words) spelled += (spelled.empty() ? "" : "-") + word;
      return fail(NameStatus::unknown, "unknown hardware '" + excerpt(name, 100) + "'" +
                                           did_you_mean(merged_suggestions(suggest_hardware(name), suggest_hardware(spelled))) +
                                           "; see 'llmfit list hardware'");
    }
    found = &data_.hardware[match.entries.front()];
  }
  if (name_gib > 0 && given_gib > 0 && name_gib != given_gib)
    return fail(NameStatus::invalid, fmt::format("hardware '{}': {} GiB in the name and @{} disagree", shown,
                                                 format_number(name_gib), format_number(given_gib)));
  const int devices = count == 0 ? 1 : count;
  if (devices > 1 && found->kind != HardwareKind::gpu)
    return fail(NameStatus::invalid, "hardware '" + shown +
                                         "': several devices in one box apply to GPUs; use 'llmfit cluster' for "
                                         "separate machines");
  out.status = NameStatus::found;
  out.choice.hardware = found;
  out.choice.count = devices;
  out.choice.memory_gib = given_gib > 0 ? given_gib : name_gib;
  if (!equals_ignore_case(name, found->id)) {
    out.choice.reading = reading_of(text, *found, match.entries.empty() ? nullptr : &match, data_.hardware);
    if (name_gib > 0) out.choice.reading += fmt::format("; {} GiB per device", format_number(name_gib));
    if (count_in_words) out.choice.reading += fmt::format("; {} devices", devices);
  }
  return out;
}

HardwareChoice Catalog::resolve_hardware(std::string_view text) const {
  HardwareLookup lookup = look_up_hardware(text);
  if (lookup.status != NameStatus::found) throw InputError(lookup.problem);
  return std::move(lookup.choice);
}

// ------------------------------------------------------------------------------------------ models

namespace {

/// The model part of a name: an id or alias as typed, else matched by its words; bartowski's
/// "Owner_Model" retried without "Owner_".
WordMatch match_model_part(const Catalog& catalog, const detail::WordIndex& index, std::string_view part) {
  WordMatch match;
  if (const ModelSpec* model = catalog.find_model(part)) {
    match.entries.push_back(static_cast<std::uint32_t>(model - catalog.models().data()));
    return match;
  }
  const std::vector<std::string> words = model_name_words(without_quant_segments(catalog, part));
  // Single letters and bare numbers ("k", "m", "1", "16") are parts of names (Kimi K2, MiniMax-M2, R1), not a
  // name: without a word of two letters only an id or alias as typed names a model.
  const bool has_name_word = std::any_of(words.begin(), words.end(), [](const std::string& word) {
    return std::count_if(word.begin(), word.end(), is_letter) >= 2;
  });
  if (!has_name_word) return match;
  match = match_words(index, words, [](std::uint32_t) { return true; });
  if (match.entries.empty())
    if (const auto underscore = part.find('_'); underscore != std::string_view::npos && underscore + 1 < part.size()) {
      // Only a whole name after the owner: "deepseek-v3-q9_k" is not owner "deepseek-v3-q9" and a model "k"
      // (which a word prefix would take for Kimi K2).
      WordMatch after_owner =
          match_words(index, model_name_words(part.substr(underscore + 1)), [](std::uint32_t) { return true; });
      if (!after_owner.closest) match = std::move(after_owner);
    }
  return match;
}

}  // namespace

ModelLookup Catalog::look_up_model(std::string_view text) const {
  ModelLookup out;
  const auto fail = failing(out);
  const std::string_view name = trim(text);
  if (name.empty()) return fail(NameStatus::invalid, "model: empty name; see 'llmfit list models'");
  if (text.size() > kMaxNameLength)
    return fail(NameStatus::invalid, "model: name longer than 256 characters; see 'llmfit list models'");
  const ModelNameParts parts = model_name_parts(name);

  // `model_text`: the part of the name that matched the model; `match`: how (null: an id or alias as typed).
  auto finish = [&](const ModelSpec& model, std::string_view model_text, const QuantSpec* quant, QuantSource source,
                    const WordMatch* match) -> ModelLookup {
    if (quant == nullptr) quant = find_quant(model.default_quant);
    if (quant == nullptr)
      return fail(NameStatus::invalid,
                  "model '" + model.id + "': default_quant '" + model.default_quant + "' is not in the catalogue");
    out.status = NameStatus::found;
    out.choice.model = &model;
    out.choice.quant = quant;
    out.choice.quant_source = source;
    out.choice.quant_was_default = source == QuantSource::model_default;
    // The id itself (with a quantisation after it) needs no word on how it was read.
    if (parts.model == name && equals_ignore_case(model_text, model.id)) return out;
    std::string reading = reading_of(text, model, match, data_.models);
    switch (source) {
      case QuantSource::named: reading += ", " + quant->name; break;
      case QuantSource::ollama_default:
        reading += fmt::format(", {} (the build Ollama's tag holds)", quant->name);
        break;
      case QuantSource::format_default:
        reading += fmt::format(", {} (the model's default quantisation, as GGUF)", quant->name);
        break;
      case QuantSource::model_default: break;
    }
    out.choice.reading = std::move(reading);
    return out;
  };
  /// The quantisation of a name that names none: what its form implies.
  auto implied = [&](const ModelSpec& model, std::string_view model_text, const WordMatch* match) {
    if (parts.gguf)
      return finish(model, model_text, gguf_default_quant(*this, model), QuantSource::format_default, match);
    if (parts.ollama_tag)
      return finish(model, model_text, ollama_default_quant(*this, model), QuantSource::ollama_default, match);
    return finish(model, model_text, nullptr, QuantSource::model_default, match);
  };

  // An id or alias as typed ("qwen3-coder", "llama3.1:8b"); a Hugging Face repository is read by its
  // words below (its name may carry a quantisation: "mlx-community/qwen3-8b-4bit").
  if (name.find('/') == std::string_view::npos)
    if (const ModelSpec* model = find_model(name)) return implied(*model, name, nullptr);

  // Every split point from the right: a quantisation after it (quant ids hold '-' and '_': "mlx-4bit",
  // "q4_k_m"), a model before it; then the whole name as a model.
  const std::string& model_part = parts.model;
  std::vector<std::size_t> splits;
  for (std::size_t pos = model_part.size(); pos-- > 1;)
    if (model_part[pos] == '-' || model_part[pos] == '_' || model_part[pos] == '.' || model_part[pos] == ' ')
      splits.push_back(pos);
  auto quant_after = [&](std::size_t pos) -> const QuantSpec* {
    const std::string suffix(trim(std::string_view(model_part).substr(pos + 1)));
    if (const QuantSpec* quant = find_quant(suffix)) return quant;
    // MLX repositories end in "-4bit", "-8bit": mlx-community/Qwen3-8B-4bit.
    const bool bits = parts.mlx && suffix.size() > 3 && equals_ignore_case(suffix.substr(suffix.size() - 3), "bit");
    return bits ? find_quant("mlx-" + suffix) : nullptr;
  };
  std::optional<WordMatch> ambiguous_prefix;
  // The longest quantisation first: "qwen3-8b-mlx-mxfp4" is MLX's MXFP4, not MXFP4 after a model "qwen3-8b-mlx"
  // (whose "mlx" the model words would drop).
  for (auto split = splits.rbegin(); split != splits.rend(); ++split) {
    const std::size_t pos = *split;
    const QuantSpec* quant = quant_after(pos);
    if (quant == nullptr) continue;
    const std::string_view prefix_text = std::string_view(model_part).substr(0, pos);
    WordMatch prefix = match_model_part(*this, indexes_->model_words, prefix_text);
    if (prefix.entries.size() == 1)
      return finish(data_.models[prefix.entries.front()], prefix_text, quant, QuantSource::named, &prefix);
    if (prefix.entries.size() > 1 && !ambiguous_prefix) ambiguous_prefix = std::move(prefix);
  }
  const WordMatch whole = match_model_part(*this, indexes_->model_words, model_part);
  if (whole.entries.size() == 1) return implied(data_.models[whole.entries.front()], model_part, &whole);

  // Not found: ambiguous, or blame the model part when the suffix is a known quantisation, else the
  // quantisation when the prefix is a known model, else the whole name.
  const WordMatch* several = whole.entries.size() > 1 ? &whole : (ambiguous_prefix ? &*ambiguous_prefix : nullptr);
  if (several != nullptr) {
    out.candidates = specs_of(data_.models, several->entries);
    return fail(NameStatus::ambiguous, fmt::format("model '{}' is ambiguous: {}; name one (see 'llmfit list models')",
                                                   excerpt(name, 100), candidate_list(out.candidates)));
  }
  auto suggestions = [this](std::string_view part) {
    std::string spelled;
    for (const auto& word : model_name_words(part)) spelled += (spelled.empty() ? "" : "-") + word;
    return did_you_mean(merged_suggestions(suggest_models(part), suggest_models(spelled)));
  };
  for (const std::size_t pos : splits)
    if (quant_after(pos) != nullptr) {
      const std::string_view part = std::string_view(model_part).substr(0, pos);
      return fail(NameStatus::unknown, "unknown model '" + excerpt(part, 100) + "'" + suggestions(part) +
                                           "; see 'llmfit list models'");
    }
  // The model words skip what they do not know ("q9", "k"), so several prefixes may name one entry: the model
  // ends where what follows is nearest to a quantisation's name ("qwen3-8b-q9_k_m" blames 'q9_k_m', not 'm';
  // "gpt-oss-20b-q9" does not read as "gpt"); the longer model on a tie.
  std::optional<std::size_t> best_pos;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const std::size_t split : splits) {
    if (match_model_part(*this, indexes_->model_words, std::string_view(model_part).substr(0, split)).entries.size() != 1)
      continue;
    const std::string quant_text = to_lower(std::string_view(model_part).substr(split + 1, 50));
    std::size_t distance = std::numeric_limits<std::size_t>::max();
    for (const auto& quant : data_.quants) {
      distance = std::min(distance, edit_distance(quant_text, to_lower(quant.id)));
      for (const auto& form : quant.short_forms) distance = std::min(distance, edit_distance(quant_text, to_lower(form)));
    }
    if (distance < best_distance) {
      best_distance = distance;
      best_pos = split;
    }
  }
  if (best_pos) {
    const std::size_t pos = *best_pos;
    const std::string_view part = std::string_view(model_part).substr(0, pos);
    // The whole tag of "qwen3:99b" or "granite4:huge" unknown: a build Ollama does not list (or the catalogue
    // lacks), not a quantisation; suggest the tags and names nearest to it.
    if (parts.ollama_tag && parts.owner.empty() && pos == name.find(':'))
      return fail(NameStatus::unknown, "unknown Ollama tag '" + excerpt(name, 100) + "'" +
                                           did_you_mean(suggest_models(name)) + "; see 'llmfit list models'");
    const std::string_view quant_part = std::string_view(model_part).substr(pos + 1, 50);
    return fail(NameStatus::unknown, "model '" + excerpt(part, 100) + "': unknown quantisation '" +
                                         excerpt(quant_part, 50) + "'" + did_you_mean(suggest_quants(quant_part)) +
                                         "; see 'llmfit list quants'");
  }
  return fail(NameStatus::unknown,
              "unknown model '" + excerpt(name, 100) + "'" + suggestions(model_part) + "; see 'llmfit list models'");
}

ModelChoice Catalog::resolve_model(std::string_view text) const {
  ModelLookup lookup = look_up_model(text);
  if (lookup.status != NameStatus::found) throw InputError(lookup.problem);
  return std::move(lookup.choice);
}

}  // namespace llmfit
