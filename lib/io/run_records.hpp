#pragma once
// The measured-run readers (internal to the io layer): what every format's reader shares, and the registry
// of formats. One file per format: runs_llmfit.cpp, runs_llama_bench.cpp, runs_batched_bench.cpp,
// runs_vllm.cpp, runs_ollama.cpp, runs_csv.cpp, runs_text_logs.cpp;
// runs_read.cpp reads the file in one streaming pass, detects its format and dispatches.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/io/runs.hpp"
#include "llmfit/runs.hpp"
#include "llmfit/text.hpp"
#include "text_input.hpp"

namespace llmfit::io {

using nlohmann::json;

/// A record that cannot be used; the message names the field.
struct RecordError {
  std::string message;
};

[[noreturn]] inline void reject(std::string message) { throw RecordError{std::move(message)}; }

/// A short printable quote of a value for a reason.
inline std::string clip(std::string_view text, std::size_t max = 60) { return excerpt(text, max); }

/// A number with 6 significant digits, for a message.
std::string format_double(double value);

/// The member, or null when absent or JSON null.
const json* member(const json& object, const char* key);

/// A finite number, else RecordError naming the key.
double number_value(const json& value, const char* key);

std::optional<double> optional_number(const json& object, const char* key);

/// The largest count of tokens or sequences a run file may state.
inline constexpr double kMaxRunCount = 1e9;
/// `x` as a count: a whole number from 0 to kMaxRunCount, else nullopt (negative, fractional, huge, NaN).
/// Every reader converts a stated count through this, never by a bare cast of an unchecked double.
std::optional<std::int64_t> whole_count(double x);

/// A token count: a whole number from 0 to 10^9.
std::optional<std::int64_t> optional_count(const json& object, const char* key);

/// optional_count, or RecordError "key: missing".
std::int64_t required_count(const json& object, const char* key);

std::optional<std::string> optional_string(const json& object, const char* key);

/// A measured throughput within measured_rate_bounds(test), else RecordError naming `key` and the bounds.
double checked_rate(double tok_s, RunTest test, const char* key);

/// A stated standard deviation of a rate: finite and >= 0 (0 when absent).
double optional_stddev(const json& object, const char* key);

/// The run conditions llmfit's schema and llama-bench share: `n_ubatch` (prefill micro-batch, 1 to 2^20
/// tokens) and `n_threads` (CPU threads, 1 to 4096); absent = 0, the engine's default.
void read_run_conditions(const json& record, MeasuredRun& run);

/// The batched and serving fields of llmfit's schema (docs/runs-schema.md, "Batched and concurrent runs"):
/// `batch`, `shared_prompt`, `rate_includes_prefill`, `per_user_decode_tok_s`, `{mean,median,p99}_{ttft,tpot}_ms`,
/// `requests_per_s`, `success_rate`.
[[nodiscard]] std::span<const std::string_view> batched_field_names();
/// Reads them into `run` (absent = the batch-1 defaults); a stated figure must be a number above 0.
/// batched_run_problem checks them once the run's test is known.
void read_batched_fields(const json& record, MeasuredRun& run);
/// Writes the fields that differ from the batch-1 defaults (runs_to_json_text).
void write_batched_fields(const MeasuredRun& run, json& record);
/// The run, or RecordError with batched_run_problem's reason.
void check_batched(const MeasuredRun& run);

/// "2024-05-10T12:00:00Z" → "2024".
std::string year_of(std::string_view timestamp);

/// A catalogue model and quantisation.
struct ModelQuant {
  const ModelSpec* model = nullptr;
  const QuantSpec* quant = nullptr;
};

/// `--model`: must name a quantisation, since runs are measured with one.
ModelQuant model_from_flag(const Catalog& catalog, const std::string& text);

/// `--hw`: any name the resolver reads, with a device count; no capacity.
HardwareSlugMatch hardware_from_flag(const Catalog& catalog, const std::string& text);

/// A model named by a file stem or an Ollama tag ("Meta-Llama-3.1-8B-Instruct-Q4_K_M", "llama3.1:8b"), read
/// by the resolver; the quantisation only when the name states one (an Ollama tag's counts).
ModelQuant model_from_name(const Catalog& catalog, std::string_view name);

/// Model parameters stated by the file must agree with the catalogue entry (guards a wrong --model).
void check_params(double stated, const ModelSpec& model);

/// The run's engine must load its quantisation.
void check_backend(const MeasuredRun& run, const Catalog& catalog);

/// What a reader is reading against: the catalogue, the defaults of the command line, the file.
struct Context {
  const Catalog& catalog;
  const RunDefaults& defaults;
  const std::string& file;
  std::string& strict_error;  // --strict: the file's first record error, raised once the file is read
};

/// A record that cannot be used: skipped with its reason, or with --strict the error of the file
/// ("<file>: <where>: <reason>", or "<file>: <reason>" when `where` is empty). That error is raised once
/// the whole file has been read, so the file's own problems (its syntax, nesting or size) come first, as
/// when the file was read whole before its records.
void skip_record(const Context& ctx, RunSet& set, std::size_t index, const std::string& reason, std::string_view where);

void set_hardware(MeasuredRun& run, const HardwareSlugMatch& match);

/// Machine and model of a log that names neither (`what`, e.g. "mlx_lm.benchmark"): --hw and --model (with
/// its quantisation), the API the chip's first for run.backend; RecordError saying which is missing.
void set_machine_and_model(MeasuredRun& run, const Context& ctx, const char* what);

/// The quantisation named by a ggml file type as llama.cpp prints it ("Q4_K - Medium", at the end of
/// llama-bench's `model_type` or after `file type =` in its load log); null when not recognised or not in
/// the catalogue. `ftype` receives the recognised name.
const QuantSpec* quant_from_ggml_file_type(const Catalog& catalog, std::string_view text, std::string& ftype);

/// Reads one record of a format, appending 0, 1 or 2 runs (a record may hold a prefill and a decode
/// measurement); a record that cannot be used throws RecordError.
using RecordReader = void (*)(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out);

/// A JSON record format: whether a record is in it, and its reader.
struct JsonRecordFormat {
  RunFormat format;
  bool (*claims)(const json& record);
  RecordReader read;
};
/// llama-bench, llama-batched-bench, vllm bench serve, then Ollama, then llmfit's own schema, which takes any
/// other object: the first format that claims a record reads it. runs_read.cpp streams every JSON file (an array element by element, JSON lines
/// line by line) and hands each record here, so a JSON format never sees the file.
[[nodiscard]] std::span<const JsonRecordFormat> json_record_formats();

/// A format read line by line (a CSV table): whether a file's first line (its header, after a UTF-8 BOM and
/// blank space) is its, and its reader, which takes the header and pulls the remaining lines from `lines`
/// one at a time — never the whole file — appending runs and skipped records to `set`.
struct LineRunFormat {
  RunFormat format;
  bool (*claims)(std::string_view header);
  void (*read)(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set);
};
/// The line formats, tried in order on files that do not start with '[' or '{' (JSON).
[[nodiscard]] std::span<const LineRunFormat> line_run_formats();

void read_llmfit_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out);
void read_llama_bench_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out);
void read_ollama_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out);
/// mlx_lm.benchmark output ("Running warmup..", "Timing with prompt_tokens=…", "Averages: …"); runs_text_logs.cpp.
bool is_mlx_benchmark_header(std::string_view header);
void read_mlx_benchmark(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set);
/// The timing block of `ollama run --verbose` ("total duration: …" …); runs_text_logs.cpp.
bool is_ollama_verbose_header(std::string_view header);
void read_ollama_verbose(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set);
/// llama-batched-bench (runs_batched_bench.cpp): its markdown table, with the settings line above it and,
/// when stderr was kept, llama.cpp's load log; and its `--output-format jsonl` lines.
bool is_batched_bench_header(std::string_view header);
void read_batched_bench_table(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set);
bool is_batched_bench_record(const json& record);
void read_batched_bench_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out);
/// `vllm bench serve --save-result` JSON (runs_vllm.cpp).
bool is_vllm_serve_record(const json& record);
void read_vllm_serve_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out);
/// The public tables' CSV (hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source).
bool is_public_csv_header(std::string_view header);
void read_public_csv(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set);

}  // namespace llmfit::io
