#pragma once
/// Reading measured runs from llmfit's own run files (docs/runs-schema.md), llama-bench `-o json` /
/// `-o jsonl` output, llama-batched-bench tables and JSON lines, `vllm bench serve` results, Ollama API
/// responses, benchmark logs and the CSV tables of public runs, mapped to catalogue ids.
/// Runs that cannot be mapped or are malformed are reported, never guessed.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/runs.hpp"

namespace llmfit {

/// The file formats llmfit reads runs from.
enum class RunFormat {
  llmfit,
  llama_bench,
  ollama,
  public_csv,
  mlx_benchmark,
  ollama_verbose,
  llama_batched_bench,
  vllm_bench_serve
};
[[nodiscard]] std::string_view to_string(RunFormat format) noexcept;

/// Runs read from one or more files.
struct RunSet {
  std::vector<MeasuredRun> runs;
  std::vector<SkippedRun> skipped;
  std::vector<std::string> formats;  // per file: "<file>: <format>"
};

/// What the command line says about runs whose file does not name them in catalogue terms.
struct RunDefaults {
  std::string hardware;  // `--hw`: id[:count]; applies to llama-bench and Ollama files and unnamed runs
  std::string model;     // `--model`: <model>-<quant>
  bool strict = false;   // `--strict`: a record that cannot be used is an error, not a skip
};

/// Hard limits of the readers.
inline constexpr std::uintmax_t kMaxRunFileBytes = 256u * 1024u * 1024u;
inline constexpr int kMaxRunJsonDepth = 32;

/// Which format a file's text is in (JSON records are classified one by one when parsed).
/// Throws InputError when it is none of them.
[[nodiscard]] RunFormat detect_run_format(std::string_view text, const std::string& file_name);

/// Parses the runs in one file's text. Throws InputError for problems with the whole file (not JSON,
/// nested deeper than kMaxRunJsonDepth, unknown format) and, when `defaults.strict`, for the first
/// record that cannot be used; otherwise such records land in `skipped`.
[[nodiscard]] RunSet parse_runs(std::string_view text, const std::string& file_name, const Catalog& catalog,
                                const RunDefaults& defaults);
/// Reads a file (at most kMaxRunFileBytes) and parses it.
[[nodiscard]] RunSet load_runs_path(const std::string& path, const Catalog& catalog, const RunDefaults& defaults);
/// Reads several files into one set.
[[nodiscard]] RunSet load_runs_paths(const std::vector<std::string>& paths, const Catalog& catalog,
                                     const RunDefaults& defaults);

/// llmfit's own run schema (docs/runs-schema.md) as a JSON array of records, one test per record.
[[nodiscard]] std::string runs_to_json_text(const std::vector<MeasuredRun>& runs);
/// runs_to_json_text of `run_at(0)` … `run_at(count - 1)`, handed to `sink` in blocks of whole records (about
/// 64 KB), so a million runs are never one string.
void runs_to_json_text_to(std::size_t count, const std::function<const MeasuredRun&(std::size_t)>& run_at,
                          const std::function<void(std::string_view)>& sink);

}  // namespace llmfit
