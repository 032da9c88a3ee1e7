#pragma once
/// Turning a name as people type it into a catalogue entry: the one resolver every command, the run-file
/// readers, hardware detection and the web page use (the look-ups are Catalog::look_up_hardware and
/// Catalog::look_up_model, catalog.hpp). Pure: no I/O. The rules are in docs/commands.md ("Names").
///
/// A name is compared by its words, not its spelling:
/// - lowercase; split at anything but letters, digits and a decimal point inside a number, and between
///   letters and digits ("RTX4090" = "rtx 4090" = "rtx-4090"); '+' is the word "plus";
/// - a number and its unit are one word: model sizes "8b", "270m", "a3b" → "a" "3b"; GPU cores
///   "38-core", "38 core", "38c" → "38c"; capacities "512GB", "512 GiB", "0.5TB" → "512gb";
/// - noise words are dropped: vendors and "GPU" for hardware ("NVIDIA GeForce RTX 4090" = "RTX 4090");
///   for models the fine-tune and format words ("Meta-Llama-3.1-8B-Instruct" = "llama 3.1 8b"), an
///   Ollama tag's ':' ("llama3.1:8b"), a Hugging Face owner ("Qwen/", "unsloth/", bartowski's "Qwen_"),
///   ".gguf" and a split file's "-00001-of-00003";
/// - a name matches an entry when every word matches one of the entry's names (its id, an alias, its
///   display name); of several, the one whose name adds the fewest words wins ("4090": rtx-4090, not
///   rtx-4090-laptop), and a tie is ambiguous (listed, exit 2).
#include <string>
#include <string_view>
#include <vector>

namespace llmfit {

struct ModelSpec;
struct QuantSpec;
class Catalog;

/// A hardware name's words, in order (see above); capacities as "<GiB>gb" words.
[[nodiscard]] std::vector<std::string> hardware_name_words(std::string_view name);

/// What a model name says besides the model: its quantisation and where it was written.
struct ModelNameParts {
  std::string model;        // the model part, owner and file suffixes removed
  std::string owner;        // Hugging Face owner ("unsloth"), lowercase; empty when none
  bool ollama_tag = false;  // written name:tag
  bool gguf = false;        // the name says GGUF ("…-GGUF", ".gguf")
  bool mlx = false;         // the name says MLX (an "mlx" word, or an owner with "mlx" in it)
};
/// Splits off a URL host (hf.co/, huggingface.co/), a Hugging Face owner, an Ollama tag's ':', ".gguf" and
/// a split file's "-00001-of-00003". The quantisation stays in `model` (it is found against the catalogue).
[[nodiscard]] ModelNameParts model_name_parts(std::string_view name);
/// A model name's words, in order, without noise and format words (see above).
[[nodiscard]] std::vector<std::string> model_name_words(std::string_view name);

/// A model name's words as the catalogue index holds them: a repository alias's trailing quantisation
/// known to `catalog` ("…-mlx-4bit", "…-fp8") removed, like its format ("…-gguf").
[[nodiscard]] std::vector<std::string> model_entry_words(const Catalog& catalog, std::string_view name);

/// Words in sorted order without repeats, joined by '-': two names are the same name when their keys are
/// equal (the test over the whole catalogue checks no two entries share one).
[[nodiscard]] std::string name_key(std::vector<std::string> words);

/// The quantisation Ollama's default tag of `model` holds: the entry's ollama_quant, else its default
/// quantisation in GGUF (the default itself, or the GGUF build of its kernel family: gpt-oss's MXFP4 →
/// mxfp4_moe). Null when the catalogue has none.
[[nodiscard]] const QuantSpec* ollama_default_quant(const Catalog& catalog, const ModelSpec& model);
/// The model's default quantisation as a GGUF file holds it (a "-GGUF" repository without a quantisation).
[[nodiscard]] const QuantSpec* gguf_default_quant(const Catalog& catalog, const ModelSpec& model);

}  // namespace llmfit
