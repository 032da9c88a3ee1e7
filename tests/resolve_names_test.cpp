// The name resolver (resolve_names.hpp): every catalogue entry by every name people write, no two entries
// sharing a name, and the forms of the issue (Ollama tags, Hugging Face repositories, GGUF file names,
// chips as people write them).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/resolve_names.hpp"

namespace llmfit {
namespace {

const Catalog& cat() { return Catalog::builtin(); }

std::string upper(std::string text) {
  for (char& c : text)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return text;
}
std::string replaced(std::string text, char from, char to) {
  for (char& c : text)
    if (c == from) c = to;
  return text;
}
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_num(char c) { return c >= '0' && c <= '9'; }
/// "rtx-4090" → "rtx4090": a dash between a letter and a digit left out, as people type it.
std::string joined_letters_digits(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-' && i > 0 && i + 1 < text.size() &&
        ((is_alpha(text[i - 1]) && is_num(text[i + 1])) || (is_num(text[i - 1]) && is_alpha(text[i + 1]))))
      continue;
    out += text[i];
  }
  return out;
}
/// "NVIDIA GeForce RTX 4090" → "GeForce RTX 4090": the vendor's word dropped.
std::string without_vendor(const std::string& name, const std::string& vendor) {
  const auto space = name.find(' ');
  if (space == std::string::npos || to_lower(name.substr(0, space)) != to_lower(vendor)) return name;
  return name.substr(space + 1);
}

/// Every spelling people use for a name: as written, upper case, lowercase, spaces for dashes, a dash
/// between letters and digits left out.
std::vector<std::string> spellings(const std::string& name) {
  return {name, upper(name), to_lower(name), replaced(name, '-', ' '), joined_letters_digits(name),
          replaced(to_lower(name), ' ', '-')};
}

// ------------------------------------------------------------------------------------------ the class

TEST(ResolveNames, EveryHardwareEntryByEveryNamePeopleWrite) {
  for (const HardwareSpec& h : cat().hardware()) {
    std::vector<std::string> names{h.id, h.name, without_vendor(h.name, h.vendor)};
    names.insert(names.end(), h.aliases.begin(), h.aliases.end());
    for (const std::string& name : names)
      for (const std::string& spelling : spellings(name)) {
        const HardwareLookup lookup = cat().look_up_hardware(spelling);
        ASSERT_EQ(lookup.status, NameStatus::found) << h.id << ": '" << spelling << "': " << lookup.problem;
        EXPECT_EQ(lookup.choice.hardware, &h) << "'" << spelling << "' read as " << lookup.choice.hardware->id;
        EXPECT_EQ(lookup.choice.count, 1) << spelling;
        EXPECT_EQ(lookup.choice.memory_gib, 0) << spelling;
      }
    // Every capacity it is sold with, written after the name ("M3 Ultra 512GB") or after '@'.
    for (const double gib : h.memory_options_gib)
      for (const std::string& spelling : {fmt::format("{} {:g}GB", h.id, gib), fmt::format("{}@{:g}", h.id, gib),
                                          fmt::format("{} {:g} GB", without_vendor(h.name, h.vendor), gib)}) {
        const HardwareLookup lookup = cat().look_up_hardware(spelling);
        ASSERT_EQ(lookup.status, NameStatus::found) << spelling << ": " << lookup.problem;
        EXPECT_EQ(lookup.choice.hardware, &h) << "'" << spelling << "' read as " << lookup.choice.hardware->id;
        // A capacity that is part of the entry's own name ("A100 40GB") names the entry, not a capacity.
        EXPECT_TRUE(lookup.choice.memory_gib == gib || lookup.choice.memory_gib == 0) << spelling;
      }
  }
}

TEST(ResolveNames, EveryModelEntryByEveryNamePeopleWrite) {
  for (const ModelSpec& m : cat().models()) {
    std::vector<std::string> names{m.id, m.name};
    names.insert(names.end(), m.aliases.begin(), m.aliases.end());
    for (const std::string& name : names) {
      std::vector<std::string> forms = spellings(name);
      // Repository and tag aliases are case-insensitive as written ("Qwen/Qwen3-8B"); their dashes stay.
      if (name.find('/') != std::string::npos || name.find(':') != std::string::npos) forms = {name, upper(name)};
      for (const std::string& spelling : forms) {
        const ModelLookup lookup = cat().look_up_model(spelling);
        ASSERT_EQ(lookup.status, NameStatus::found) << m.id << ": '" << spelling << "': " << lookup.problem;
        EXPECT_EQ(lookup.choice.model, &m) << "'" << spelling << "' read as " << lookup.choice.model->id;
      }
    }
    // With each quantisation the model is sold in, as a file name and after the id.
    for (const QuantSpec& q : cat().quants())
      for (const std::string& spelling : {m.id + "-" + q.id, upper(m.id) + "-" + q.name + ".gguf"}) {
        if (q.name.find(' ') != std::string::npos && spelling.find(".gguf") != std::string::npos) continue;
        const ModelLookup lookup = cat().look_up_model(spelling);
        ASSERT_EQ(lookup.status, NameStatus::found) << spelling << ": " << lookup.problem;
        EXPECT_EQ(lookup.choice.model, &m) << spelling;
        EXPECT_EQ(lookup.choice.quant, &q) << spelling;
        EXPECT_EQ(lookup.choice.quant_source, QuantSource::named) << spelling;
      }
  }
}

/// No two entries claim the same name once normalised: otherwise the name would be ambiguous (or, for
/// an id or alias typed exactly, silently the first entry's).
TEST(ResolveNames, NoTwoEntriesShareANormalisedName) {
  std::map<std::string, std::set<std::string>> hardware_keys;
  for (const HardwareSpec& h : cat().hardware()) {
    std::vector<std::string> names{h.id, h.name};
    names.insert(names.end(), h.aliases.begin(), h.aliases.end());
    for (const std::string& name : names) hardware_keys[name_key(hardware_name_words(name))].insert(h.id);
  }
  for (const auto& [key, ids] : hardware_keys)
    EXPECT_EQ(ids.size(), 1u) << "hardware name '" << key << "' is claimed by " << join({ids.begin(), ids.end()}, ", ");
  std::map<std::string, std::set<std::string>> model_keys;
  for (const ModelSpec& m : cat().models()) {
    std::vector<std::string> names{m.id, m.name};
    names.insert(names.end(), m.aliases.begin(), m.aliases.end());
    for (const std::string& name : names) model_keys[name_key(model_entry_words(cat(), name))].insert(m.id);
  }
  for (const auto& [key, ids] : model_keys)
    EXPECT_EQ(ids.size(), 1u) << "model name '" << key << "' is claimed by " << join({ids.begin(), ids.end()}, ", ");
  EXPECT_GT(hardware_keys.size(), cat().hardware().size());
  EXPECT_GT(model_keys.size(), cat().models().size());
}

/// The Hugging Face repository a model's own config.json comes from (its `source:`), lowercase; empty when the
/// source is not a huggingface.co file.
std::string source_repository(const std::string& source) {
  const std::string host = "https://huggingface.co/";
  if (source.rfind(host, 0) != 0) return {};
  const std::size_t owner_end = source.find('/', host.size());
  if (owner_end == std::string::npos) return {};
  const std::size_t repo_end = source.find('/', owner_end + 1);
  return to_lower(source.substr(host.size(), repo_end == std::string::npos ? std::string::npos : repo_end - host.size()));
}

// Issue 19, names: every model entry carries the Hugging Face repository id people paste (owner/name), and the
// repository its own config.json was read from names it, or (a QAT build read from its base model's config)
// an entry of the same shape.
TEST(ResolveNames, EveryModelHasItsHuggingFaceRepository) {
  for (const ModelSpec& m : cat().models()) {
    const bool has_repository = std::any_of(m.aliases.begin(), m.aliases.end(),
                                            [](const std::string& a) { return a.find('/') != std::string::npos; });
    EXPECT_TRUE(has_repository) << m.id << ": no Hugging Face repository id among its aliases";
    const std::string repository = source_repository(m.source);
    ASSERT_FALSE(repository.empty()) << m.id << ": source is not a Hugging Face config.json: " << m.source;
    const ModelLookup lookup = cat().look_up_model(repository);
    EXPECT_EQ(lookup.status, NameStatus::found) << m.id << ": '" << repository << "': " << lookup.problem;
    if (lookup.status != NameStatus::found) continue;
    const ModelSpec& named = *lookup.choice.model;
    EXPECT_TRUE(&named == &m || (named.layers == m.layers && named.hidden_size == m.hidden_size &&
                                 named.params_b == m.params_b && named.vocab_size == m.vocab_size))
        << "'" << repository << "' (source of " << m.id << ") reads as " << named.id << ", another shape";
  }
}

// Ollama library tags, each an alias of its entry and read with the quantisation suffix Ollama adds (checked
// 2026-12-06; each entry's notes cite where): the gemma4 page lists e2b, e4b, 26b, 31b and the tag
// gemma4:26b-a4b-it-q8_0; qwen3 lists qwen3:30b-a3b-instruct-2507-q4_K_M; granite4:latest, granite4:tiny-h and
// granite4:7b-a1b-h by their blobs' GGUF metadata; glm-4.7-flash:latest is Q4_K_M; olmo2 7b and 13b, phi4-reasoning
// 14b, devstral-small-2 24b on ollama.com/search; mistral-small3.1/3.2, magistral, devstral, ministral-3,
// phi4-mini-reasoning and lfm2.5-thinking in the library list of Ollama's integration tests, their size tags as
// pulled in public code calling the Ollama API. A tag found nowhere is not an alias (no invented tag).
struct OllamaTag {
  const char* tag;
  const char* id;
};
constexpr OllamaTag kOllamaTags[] = {
    {"gemma4:31b", "gemma-4-31b"},
    {"gemma4:26b", "gemma-4-26b-a4b"},
    {"gemma3n:e2b", "gemma-3n-e2b"},
    {"gemma3n:e4b", "gemma-3n-e4b"},
    {"qwen3:4b-instruct-2507", "qwen3-4b-instruct-2507"},
    {"qwen3:4b-thinking-2507", "qwen3-4b-thinking-2507"},
    {"qwen3:30b-a3b-instruct-2507", "qwen3-30b-a3b-instruct-2507"},
    {"qwen3:30b-a3b-thinking-2507", "qwen3-30b-a3b-thinking-2507"},
    {"qwen3:235b-a22b-instruct-2507", "qwen3-235b-a22b-instruct-2507"},
    {"qwen3:235b-a22b-thinking-2507", "qwen3-235b-a22b-thinking-2507"},
    {"qwen3.5:4b", "qwen3.5-4b"},
    {"qwen3.5:9b", "qwen3.5-9b"},
    {"qwen3.5:27b", "qwen3.5-27b"},
    {"qwen3.5:35b-a3b", "qwen3.5-35b-a3b"},
    {"qwen3.5:122b", "qwen3.5-122b-a10b"},
    {"granite4:tiny-h", "granite-4.0-h-tiny"},
    {"granite4:7b-a1b-h", "granite-4.0-h-tiny"},
    {"granite4:latest", "granite-4.0-micro"},
    {"granite4:micro", "granite-4.0-micro"},
    {"granite4:micro-h", "granite-4.0-h-micro"},
    {"granite4:small-h", "granite-4.0-h-small"},
    {"glm-4.7-flash:latest", "glm-4.7-flash"},
    {"llama4:scout", "llama-4-scout"},
    {"llama4:maverick", "llama-4-maverick"},
    {"llama4:16x17b", "llama-4-scout"},
    {"mistral-small3.1:24b", "mistral-small-3.1-24b"},
    {"mistral-small3.2:24b", "mistral-small-3.2-24b"},
    {"magistral:24b", "magistral-small"},
    {"magistral:24b-small-2506", "magistral-small"},
    {"devstral:24b", "devstral-small-2507"},
    {"devstral-small-2:24b", "devstral-small-2"},
    {"ministral-3:3b", "ministral-3-3b"},
    {"ministral-3:8b", "ministral-3-8b"},
    {"ministral-3:14b", "ministral-3-14b"},
    {"nemotron-3-nano:30b", "nemotron-3-nano-30b-a3b"},
    {"lfm2.5-thinking", "lfm2.5-1.2b"},
    {"olmo2:7b", "olmo-2-7b"},
    {"olmo2:13b", "olmo-2-13b"},
    {"phi4-reasoning:14b", "phi-4-reasoning"},
    {"phi4-mini-reasoning:3.8b", "phi-4-mini-reasoning"},
    {"deepseek-v3.1:671b", "deepseek-v3.1"},
    {"gpt-oss:20b", "gpt-oss-20b"},
};

TEST(ResolveNames, OllamaLibraryTagsAreAliasesOfTheirEntries) {
  for (const OllamaTag& t : kOllamaTags) {
    const ModelSpec* entry = cat().find_model(t.id);
    ASSERT_NE(entry, nullptr) << t.id;
    EXPECT_NE(std::find(entry->aliases.begin(), entry->aliases.end(), std::string(t.tag)), entry->aliases.end())
        << t.tag << " is not an alias of " << t.id;
    for (const std::string& written : {std::string(t.tag), std::string(t.tag) + "-q4_K_M", std::string(t.tag) + "-q8_0"}) {
      const ModelLookup lookup = cat().look_up_model(written);
      ASSERT_EQ(lookup.status, NameStatus::found) << written << ": " << lookup.problem;
      EXPECT_EQ(lookup.choice.model, entry) << written << " read as " << lookup.choice.model->id;
      if (written.size() > std::string(t.tag).size()) {
        EXPECT_EQ(lookup.choice.quant->id, written.substr(written.size() - 4) == "q8_0" ? "q8_0" : "q4_k_m") << written;
      }
    }
  }
}

TEST(ResolveNames, WordsAreNormalised) {
  EXPECT_EQ(hardware_name_words("NVIDIA GeForce RTX4090"), (std::vector<std::string>{"rtx", "4090"}));
  EXPECT_EQ(hardware_name_words("Apple M2 Max (38-core GPU)"), (std::vector<std::string>{"m", "2", "max", "38c"}));
  EXPECT_EQ(hardware_name_words("M3 Ultra 512 GB"), (std::vector<std::string>{"m", "3", "ultra", "512gb"}));
  EXPECT_EQ(hardware_name_words("EPYC 1.5TB"), (std::vector<std::string>{"epyc", "1536gb"}));
  EXPECT_EQ(hardware_name_words("Ryzen AI Max+ 395"), (std::vector<std::string>{"ryzen", "ai", "max", "plus", "395"}));
  EXPECT_EQ(model_name_words("Meta-Llama-3.1-8B-Instruct"), (std::vector<std::string>{"llama", "3.1", "8b"}));
  EXPECT_EQ(model_name_words("Qwen3-30B-A3B"), (std::vector<std::string>{"qwen", "3", "30b", "a", "3b"}));
  EXPECT_EQ(model_name_words("gemma3:270m"), (std::vector<std::string>{"gemma", "3", "270m"}));
  EXPECT_EQ(name_key({"b", "a", "b"}), "a-b");
  const ModelNameParts parts = model_name_parts("hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M");
  EXPECT_EQ(parts.owner, "unsloth");
  EXPECT_TRUE(parts.ollama_tag);
  EXPECT_TRUE(parts.gguf);
  EXPECT_EQ(parts.model, "Qwen3-8B-GGUF-Q4_K_M");
  EXPECT_EQ(model_name_parts("Qwen3-235B-A22B-Q4_K_M-00001-of-00003.gguf").model, "Qwen3-235B-A22B-Q4_K_M");
}

// ------------------------------------------------------------------------------------------ models

struct ModelCase {
  const char* name;
  const char* model;
  const char* quant;
  QuantSource source;
};

TEST(ResolveNames, OllamaTagsHuggingFaceReposAndFileNames) {
  using enum QuantSource;
  for (const ModelCase& c : std::initializer_list<ModelCase>{
           // Ollama tags: Ollama's default build of the tag (ollama.com/library; docs/commands.md).
           {"llama3.1:8b", "llama-3.1-8b", "q4_k_m", ollama_default},
           {"qwen3:8b", "qwen3-8b", "q4_k_m", ollama_default},
           {"gpt-oss:20b", "gpt-oss-20b", "mxfp4_moe", ollama_default},
           {"gemma3:27b", "gemma-3-27b", "q4_k_m", ollama_default},
           {"qwen3-coder:30b", "qwen3-coder-30b-a3b", "q4_k_m", ollama_default},
           {"llama3:8b", "llama-3-8b", "q4_0", ollama_default},        // Ollama's llama3 is Q4_0
           {"llama3.2:1b", "llama-3.2-1b", "q8_0", ollama_default},    // and llama3.2:1b Q8_0
           {"llama3.1:latest", "llama-3.1-8b", "q4_k_m", ollama_default},
           {"llama3.1:8b-instruct-q8_0", "llama-3.1-8b", "q8_0", named},
           {"qwen3:8b-q4_K_M", "qwen3-8b", "q4_k_m", named},
           {"deepseek-r1:14b", "deepseek-r1-distill-qwen-14b", "q4_k_m", ollama_default},
           // Hugging Face repositories: the quantisation the name implies, else the model's default.
           {"Qwen/Qwen3-8B", "qwen3-8b", "q4_k_m", model_default},
           {"meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b", "q4_k_m", model_default},
           {"https://huggingface.co/Qwen/Qwen3-8B", "qwen3-8b", "q4_k_m", model_default},
           {"unsloth/Qwen3-8B-GGUF", "qwen3-8b", "q4_k_m", format_default},
           {"unsloth/gpt-oss-20b-GGUF", "gpt-oss-20b", "mxfp4_moe", format_default},
           {"bartowski/Qwen_Qwen3-8B-GGUF", "qwen3-8b", "q4_k_m", format_default},
           {"bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "llama-3.1-8b", "q4_k_m", format_default},
           {"mlx-community/Qwen3-8B-4bit", "qwen3-8b", "mlx-4bit", named},
           {"mlx-community/Meta-Llama-3.1-8B-Instruct-8bit", "llama-3.1-8b", "mlx-8bit", named},
           {"Qwen/Qwen3-8B-MLX-4bit", "qwen3-8b", "mlx-4bit", named},
           {"Qwen/Qwen3-8B-FP8", "qwen3-8b", "fp8", named},
           {"hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M", "qwen3-8b", "q4_k_m", named},
           {"google/gemma-3-27b-it-qat-q4_0-gguf", "gemma-3-27b", "q4_0", named},
           {"openai/gpt-oss-120b", "gpt-oss-120b", "mxfp4", model_default},
           // LM Studio / GGUF file names, split files, paths.
           {"Qwen3-8B-Q4_K_M.gguf", "qwen3-8b", "q4_k_m", named},
           {"Meta-Llama-3.1-8B-Instruct-Q5_K_M.gguf", "llama-3.1-8b", "q5_k_m", named},
           {"Qwen3-235B-A22B-Q4_K_M-00001-of-00003.gguf", "qwen3-235b-a22b", "q4_k_m", named},
           {"models/Qwen_Qwen3-8B-Q6_K.gguf", "qwen3-8b", "q6_k", named},
           {"tinyllama-1.1b-chat-v1.0.Q4_0.gguf", "tinyllama-1.1b", "q4_0", named},
           // Names as people type them.
           {"Qwen3 8B", "qwen3-8b", "q4_k_m", model_default},
           {"qwen3-coder-q4", "qwen3-coder-30b-a3b", "q4_k_m", named},
           {"Llama 3.3 70B Q8_0", "llama-3.3-70b", "q8_0", named},
       }) {
    const ModelLookup lookup = cat().look_up_model(c.name);
    ASSERT_EQ(lookup.status, NameStatus::found) << c.name << ": " << lookup.problem;
    EXPECT_EQ(lookup.choice.model->id, c.model) << c.name;
    EXPECT_EQ(lookup.choice.quant->id, c.quant) << c.name;
    EXPECT_EQ(lookup.choice.quant_source, c.source) << c.name;
    EXPECT_EQ(lookup.choice.quant_was_default, c.source == model_default) << c.name;
    EXPECT_NE(lookup.choice.reading.find("read as " + std::string(c.model)), std::string::npos)
        << c.name << ": " << lookup.choice.reading;
  }
  // An id (with a quantisation) needs no reading.
  EXPECT_EQ(cat().resolve_model("qwen3-8b").reading, "");
  EXPECT_EQ(cat().resolve_model("qwen3-8b-q4_k_m").reading, "");
  EXPECT_NE(cat().resolve_model("llama3.1:8b").reading.find("Ollama"), std::string::npos);
}

TEST(ResolveNames, AmbiguousModelsListTheCandidatesAndUnknownOnesSuggest) {
  const ModelLookup several = cat().look_up_model("llama 70b");
  ASSERT_EQ(several.status, NameStatus::ambiguous);
  std::set<std::string> ids;
  for (const ModelSpec* m : several.candidates) ids.insert(m->id);
  EXPECT_TRUE(ids.count("llama-3-70b") && ids.count("llama-3.1-70b") && ids.count("llama-3.3-70b")) << several.problem;
  EXPECT_NE(several.problem.find("ambiguous"), std::string::npos);
  EXPECT_NE(several.problem.find("llama-3.3-70b"), std::string::npos);
  EXPECT_THROW((void)cat().resolve_model("llama 70b"), InputError);

  const ModelLookup unknown = cat().look_up_model("llama5:8b");
  EXPECT_EQ(unknown.status, NameStatus::unknown);
  EXPECT_NE(unknown.problem.find("did you mean"), std::string::npos) << unknown.problem;
  // Every word must match: an unknown word is not skipped.
  EXPECT_EQ(cat().look_up_model("qwen3-8b-abliterated").status, NameStatus::unknown);
  // An Ollama tag the catalogue does not know names the tag and the nearest tags, not a quantisation "99b";
  // a known tag with an unknown quantisation after it still blames the quantisation.
  for (const char* tag : {"qwen3:99b", "granite4:huge", "mistral-small3.2:22b"}) {
    const ModelLookup unknown_tag = cat().look_up_model(tag);
    EXPECT_EQ(unknown_tag.status, NameStatus::unknown) << tag;
    EXPECT_NE(unknown_tag.problem.find("unknown Ollama tag '" + std::string(tag) + "' (did you mean '"),
              std::string::npos) << unknown_tag.problem;
    EXPECT_EQ(unknown_tag.problem.find("quantisation"), std::string::npos) << unknown_tag.problem;
  }
  const ModelLookup tag_bad_quant = cat().look_up_model("qwen3:8b-q9_k_m");
  EXPECT_NE(tag_bad_quant.problem.find("unknown quantisation"), std::string::npos) << tag_bad_quant.problem;
  const ModelLookup bad_quant = cat().look_up_model("Qwen3-8B-UD-Q3_K_XL.gguf");
  EXPECT_EQ(bad_quant.status, NameStatus::unknown);
  EXPECT_NE(bad_quant.problem.find("unknown quantisation"), std::string::npos) << bad_quant.problem;
}

TEST(ResolveNames, QuantisationsInsideRepositoryNamesAreNotModelWords) {
  // "google/gemma-3-1b-it-qat-q4_0-gguf": the q4_0 names the build; its letters read as words made "q" alone
  // resolve to a Gemma. No fragment of any quantisation's name may name a model.
  std::set<std::string> fragments;
  for (const QuantSpec& quant : cat().quants())
    for (const auto& word : model_name_words(quant.id)) fragments.insert(word);
  for (const std::string& fragment : fragments) {
    for (const std::string& name : {fragment, fragment + "-" + fragment + "-" + fragment}) {
      const ModelLookup lookup = cat().look_up_model(name);
      EXPECT_NE(lookup.status, NameStatus::found) << name << " read as " << lookup.choice.model->id;
    }
  }
  EXPECT_EQ(cat().look_up_model("google/gemma-3-1b-it-qat-q4_0-gguf").choice.model->id, "gemma-3-1b");
}

TEST(ResolveNames, AMistypedQuantisationIsBlamedWholeAfterEveryModel) {
  // The model words skip what they do not know ("q9", "k"), so the blamed part must be the whole mistyped
  // quantisation, whatever model it follows, not its last word; and "…-q9_k" is not an owner "…-q9" with a
  // model "k" (Kimi K2 by a word prefix).
  for (const ModelSpec& model : cat().models())
    for (const std::string bad : {"q9_k_m", "q4_k_x", "iq9_xs", "q9_k"}) {
      const std::string name = model.id + "-" + bad;
      const ModelLookup lookup = cat().look_up_model(name);
      ASSERT_EQ(lookup.status, NameStatus::unknown) << name;
      EXPECT_NE(lookup.problem.find("model '" + model.id + "': unknown quantisation '" + bad + "'"), std::string::npos)
          << name << ": " << lookup.problem;
    }
  const ModelLookup tag = cat().look_up_model("qwen3:8b-q9_k_m");
  EXPECT_NE(tag.problem.find("unknown quantisation 'q9_k_m'"), std::string::npos) << tag.problem;
}

// ------------------------------------------------------------------------------------------ hardware

TEST(ResolveNames, HardwareAsPeopleWriteIt) {
  struct Case {
    const char* name;
    const char* id;
    int count;
    double memory_gib;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"RTX 4090", "rtx-4090", 1, 0},
           {"rtx4090", "rtx-4090", 1, 0},
           {"4090", "rtx-4090", 1, 0},  // not rtx-4090-laptop, which adds a word
           {"NVIDIA GeForce RTX 4090", "rtx-4090", 1, 0},
           {"4090 laptop", "rtx-4090-laptop", 1, 0},
           {"M2 Max", "m2-max", 1, 0},
           {"M3 Ultra 512GB", "m3-ultra", 1, 512},
           {"m3 ultra 512 gb", "m3-ultra", 1, 512},
           {"m3-ultra@512", "m3-ultra", 1, 512},
           {"M3 Ultra 0.5TB", "m3-ultra", 1, 512},
           {"M4 Max 36GB", "m4-max-32c", 1, 36},  // only the 32-core M4 Max is sold with 36 GB
           {"M4 Max 128GB", "m4-max-40c", 1, 128},
           {"H100 SXM", "h100-sxm", 1, 0},
           {"NVIDIA H100 80GB HBM3", "h100-sxm", 1, 0},
           {"A100 80GB", "a100-80gb", 1, 0},
           {"A100 PCIe", "a100-80gb-pcie", 1, 0},
           {"7900 XTX", "rx-7900-xtx", 1, 0},
           {"Radeon RX 7900 XT", "rx-7900-xt", 1, 0},
           {"5060 Ti 8GB", "rtx-5060-ti-8gb", 1, 0},
           {"Ryzen AI Max+ 395", "ryzen-ai-max-395", 1, 0},
           {"2x RTX 3090", "rtx-3090", 2, 0},
           {"RTX 3090 x4", "rtx-3090", 4, 0},
           {"rtx-4090-x2", "rtx-4090", 2, 0},
           {"rtx-3090:2@20", "rtx-3090", 2, 20},
           {"dgx spark", "dgx-spark", 1, 0},
           {"DDR5 5600 dual", "ddr5-5600-dual", 1, 0},
       }) {
    const HardwareLookup lookup = cat().look_up_hardware(c.name);
    ASSERT_EQ(lookup.status, NameStatus::found) << c.name << ": " << lookup.problem;
    EXPECT_EQ(lookup.choice.hardware->id, c.id) << c.name;
    EXPECT_EQ(lookup.choice.count, c.count) << c.name;
    EXPECT_EQ(lookup.choice.memory_gib, c.memory_gib) << c.name;
  }
  EXPECT_EQ(cat().resolve_hardware("rtx-4090").reading, "");
  EXPECT_EQ(cat().resolve_hardware("rtx-4090:2").reading, "");
  const std::string reading = cat().resolve_hardware("4090").reading;
  EXPECT_NE(reading.find("read as rtx-4090 (NVIDIA GeForce RTX 4090)"), std::string::npos) << reading;
  EXPECT_NE(reading.find("rtx-4090-laptop"), std::string::npos) << reading;  // what else it could have meant
  EXPECT_NE(cat().resolve_hardware("M3 Ultra 512GB").reading.find("512 GiB"), std::string::npos);
}

TEST(ResolveNames, HardwareThatIsAmbiguousUnknownOrNotSold) {
  // "DDR5 5600": the desktop entry or the laptop one (alias laptop-ddr5-5600), each one word away.
  // ("ultra" is left out: b300's alias blackwell-ultra adds one word, "m1-ultra" two, m and 1.)
  for (const char* name : {"A100", "7900", "max", "6000", "DDR5 5600", "M3 Pro"}) {
    const HardwareLookup lookup = cat().look_up_hardware(name);
    // "M3 Pro" is an id: found, not ambiguous.
    if (std::string(name) == "M3 Pro") {
      EXPECT_EQ(lookup.status, NameStatus::found);
      continue;
    }
    EXPECT_EQ(lookup.status, NameStatus::ambiguous) << name << ": " << lookup.problem;
    EXPECT_GE(lookup.candidates.size(), 2u) << name;
    for (const HardwareSpec* h : lookup.candidates) EXPECT_NE(lookup.problem.find(h->id), std::string::npos) << name;
    EXPECT_THROW((void)cat().resolve_hardware(name), InputError);
  }
  const HardwareLookup a100 = cat().look_up_hardware("A100");
  ASSERT_EQ(a100.candidates.size(), 2u);
  EXPECT_EQ(a100.candidates[0]->id, "a100-40gb");
  EXPECT_EQ(a100.candidates[1]->id, "a100-80gb");

  const HardwareLookup unknown = cat().look_up_hardware("RTX 4909");
  EXPECT_EQ(unknown.status, NameStatus::unknown);
  EXPECT_NE(unknown.problem.find("did you mean 'rtx-4090'"), std::string::npos) << unknown.problem;

  const HardwareLookup not_sold = cat().look_up_hardware("M2 Max 48GB");
  EXPECT_EQ(not_sold.status, NameStatus::invalid);
  EXPECT_NE(not_sold.problem.find("m2-max is sold with 32/64/96 GiB"), std::string::npos) << not_sold.problem;
  EXPECT_NE(not_sold.problem.find("m2-max@48"), std::string::npos) << not_sold.problem;
  // '@' sets any amount; a name and '@' that disagree are refused.
  EXPECT_EQ(cat().look_up_hardware("m2-max@48").choice.memory_gib, 48);
  EXPECT_EQ(cat().look_up_hardware("M3 Ultra 512GB@256").status, NameStatus::invalid);
  EXPECT_EQ(cat().look_up_hardware("m2-max:2").status, NameStatus::invalid);  // several Macs are not one box
  EXPECT_EQ(cat().look_up_hardware("rtx-4090:0").status, NameStatus::invalid);
  EXPECT_EQ(cat().look_up_hardware("rtx-4090@0").status, NameStatus::invalid);
  EXPECT_EQ(cat().look_up_hardware("2x rtx-4090:2").status, NameStatus::invalid);
  EXPECT_EQ(cat().look_up_hardware("").status, NameStatus::invalid);
  EXPECT_EQ(cat().look_up_hardware(std::string(300, 'a')).status, NameStatus::invalid);
}

// ------------------------------------------------------------------------------------------ user entries

TEST(ResolveNames, UserEntriesAreReadTheSameWay) {
  const std::string yaml = R"(schema: 1
hardware:
  - id: lab-box-a6000
    name: "Lab Box A6000 Ada"
    vendor: nvidia
    kind: gpu
    memory_gib: [48, 96]
    bandwidth_gb_s: 960
    fp16_tflops: 91
    form_factor: desktop
    tdp_w: 300
    price_usd: 5000
    apis: [cuda]
    aliases: [labbox]
    source: "test"
models:
  - id: my-tiny-model
    name: My Tiny Model 1B
    family: tiny
    params_b: 1.1
    layers: 22
    hidden_size: 2048
    intermediate_size: 5632
    attention_heads: 32
    kv_heads: 4
    vocab_size: 32000
    max_context: 2048
    default_quant: q4_k_m
    aliases: [mytiny:1b, someone/my-tiny-model-1b]
    source: "test"
)";
  Catalog c = Catalog::builtin();
  c.add_source(parse_catalog_yaml(yaml, "user.yaml"), "user.yaml");
  const HardwareChoice box = c.resolve_hardware("Lab Box 96GB");
  EXPECT_EQ(box.hardware->id, "lab-box-a6000");
  EXPECT_EQ(box.memory_gib, 96);
  EXPECT_EQ(c.resolve_hardware("labbox:2@48").count, 2);
  const ModelChoice tag = c.resolve_model("mytiny:1b");
  EXPECT_EQ(tag.model->id, "my-tiny-model");
  EXPECT_EQ(tag.quant_source, QuantSource::ollama_default);
  EXPECT_EQ(c.resolve_model("someone/my-tiny-model-1b-Q8_0.gguf").quant->id, "q8_0");
  EXPECT_EQ(c.resolve_model("My Tiny Model 1B").model->id, "my-tiny-model");

  // A user alias that is not written like an id is refused, naming the file, entry and field.
  std::string bad = yaml;
  bad.replace(bad.find("[labbox]"), 8, "[\"Lab Box\"]");
  try {
    Catalog other = Catalog::builtin();
    other.add_source(parse_catalog_yaml(bad, "user.yaml"), "user.yaml");
    FAIL() << "an alias with a space was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("aliases"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lab-box-a6000"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmfit
