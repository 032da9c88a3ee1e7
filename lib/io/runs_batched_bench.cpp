// llama.cpp's `llama-batched-bench`: its markdown table and its `--output-format jsonl` lines, as printed by
// tools/batched-bench/batched-bench.cpp (github.com/ggml-org/llama.cpp; the format and the sample are in that
// folder's README.md). Each row measured B sequences: the prefill of their prompts (PP tokens each, or one
// shared prompt with -pps) at S_PP t/s, then TG tokens each, decoded together, at S_TG t/s (aggregate over
// the B sequences). Neither output names the machine or the model: --hw and --model say them.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"
#include "run_records.hpp"

namespace llmfit::io {
namespace {

/// The settings line printed above the table ("main: n_kv_max = 4096, n_batch = 2048, n_ubatch = 512,
/// flash_attn = 0, is_pp_shared = 0, is_tg_separate = 0, n_gpu_layers = -1, n_threads = 8, n_threads_batch = 8")
/// or carried by every JSONL line. Absent settings keep these values.
struct BenchSettings {
  int n_ubatch = 0;
  int n_threads = 0;
  int n_threads_batch = 0;
  int n_gpu_layers = -1;  // -1: all (llama.cpp's default)
  int flash_attn = -1;    // -1: auto or not stated
  bool pp_shared = false;
  bool tg_separate = false;
  // From the load log, when stderr was kept (2>&1): the build and the model file's type and size.
  std::string build;
  std::string file_type;
  double params = 0;
};

/// Whether the build's llama-batched-bench decodes the same token in every sequence (so a batch of an MoE routes like
/// one token). Until llama.cpp PR #15398 ("batched-bench : use rand tokens", merged 18 Aug 2025) it added token 0 for
/// every sequence at every step (`common_batch_add(batch, 0, pp + i, { j }, true)`, tools/batched-bench/
/// batched-bench.cpp at ggml-org/llama.cpp 0a1f0179); since, each sequence's prompt and decode tokens are drawn at
/// random (`get_token_rand()`, the same file at 2fb62f8f). Builds are numbered by commit count; b6301 (27 Aug 2025,
/// cited by luncliff/vcpkg-registry PR #433) is the first release dated after the merge, so builds from it on, and
/// outputs that do not state their build (newer builds print it only at trace verbosity), are read as random tokens.
/// The builds of the few days between the merge and b6301 are read as token 0.
constexpr long kFirstRandomTokenBuild = 6301;

/// The build number of a load log's "build: 6918 (2f68ce7cf) with …" (BenchSettings::build "6918 (2f68ce7cf)"); 0 when
/// it states none.
long build_number(std::string_view build) {
  std::size_t digits = 0;
  while (digits < build.size() && std::isdigit(static_cast<unsigned char>(build[digits]))) ++digits;
  if (digits == 0 || digits > 9) return 0;
  return std::strtol(std::string(build.substr(0, digits)).c_str(), nullptr, 10);
}

bool decodes_identical_tokens(const BenchSettings& s) {
  const long number = build_number(s.build);
  return number > 0 && number < kFirstRandomTokenBuild;
}

/// One row of the table or one JSONL line.
struct BenchRow {
  std::int64_t pp = 0, tg = 0, pl = 0, n_kv = 0;
  double t_pp = 0, speed_pp = 0, t_tg = 0, speed_tg = 0;
};

/// A setting from the settings line: a whole number in the range an engine setting takes.
int setting_value(std::string_view text, const std::string& key, int low, int high) {
  const std::string t(trim(text));
  char* end = nullptr;
  const double x = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(x) || std::floor(x) != x || x < low || x > high)
    reject(key + ": '" + clip(t, 20) + "' is not a whole number from " + std::to_string(low) + " to " + std::to_string(high));
  return static_cast<int>(x);
}

void apply_setting(BenchSettings& s, const std::string& key, std::string_view value) {
  if (key == "n_ubatch") s.n_ubatch = setting_value(value, key, 1, static_cast<int>(kMicroBatchTokensRange.second));
  else if (key == "n_threads") s.n_threads = setting_value(value, key, 1, 4096);
  else if (key == "n_threads_batch") s.n_threads_batch = setting_value(value, key, 1, 4096);
  else if (key == "n_gpu_layers") s.n_gpu_layers = setting_value(value, key, -1, 100000);
  else if (key == "flash_attn") s.flash_attn = setting_value(value, key, -1, 1);
  else if (key == "is_pp_shared") s.pp_shared = setting_value(value, key, 0, 1) == 1;
  else if (key == "is_tg_separate") s.tg_separate = setting_value(value, key, 0, 1) == 1;
}

/// "main: n_kv_max = 4096, n_batch = 2048, …" (the prefix is the printing function's name).
bool is_settings_line(std::string_view line) {
  return line.find(": n_kv_max = ") != std::string_view::npos && line.find("is_pp_shared = ") != std::string_view::npos;
}

void read_settings_line(std::string_view line, BenchSettings& s) {
  line.remove_prefix(line.find(": n_kv_max = ") + 2);
  while (!line.empty()) {
    const auto comma = line.find(',');
    const std::string_view item = line.substr(0, comma);
    const auto eq = item.find('=');
    if (eq != std::string_view::npos) apply_setting(s, std::string(trim(item.substr(0, eq))), item.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
}

/// A log line without the prefix llama.cpp's common log may put before it: a timestamp ("0.00.123.456 ")
/// and a level letter ("I ", "W ", "E ", "D ").
std::string_view without_log_prefix(std::string_view line) {
  std::size_t i = 0, dots = 0;
  while (i < line.size() && (std::isdigit(static_cast<unsigned char>(line[i])) || line[i] == '.')) dots += line[i++] == '.';
  if (dots == 3 && i < line.size() && line[i] == ' ') line.remove_prefix(i + 1);
  if (line.size() >= 2 && line[1] == ' ' && (line[0] == 'I' || line[0] == 'W' || line[0] == 'E' || line[0] == 'D'))
    line.remove_prefix(2);
  return line;
}

/// The log lines of llama.cpp's loader llmfit reads when stderr was kept: the build ("build: 6000 (abc1234)
/// with …", or "common_params_print_info: build 6000 (abc1234) with …"), "print_info: file type   = Q4_K -
/// Medium", "print_info: model params     = 8.03 B".
void read_log_line(std::string_view line, BenchSettings& s) {
  line = without_log_prefix(line);
  for (const std::string_view tag : {std::string_view("build: "), std::string_view("common_params_print_info: build ")}) {
    if (!line.starts_with(tag)) continue;
    const std::string_view rest = line.substr(tag.size());
    s.build = std::string(trim(rest.substr(0, rest.find(" with "))));
    return;
  }
  if (!line.starts_with("print_info: ")) return;
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return;
  const std::string_view key = trim(line.substr(12, eq - 12));
  const std::string_view value = trim(line.substr(eq + 1));
  if (key == "file type") {
    s.file_type = std::string(value);
  } else if (key == "model params") {
    const std::string v(value);
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    const std::string_view unit = trim(std::string_view(end));
    const double scale = unit == "B" ? 1e9 : unit == "M" ? 1e6 : unit == "K" ? 1e3 : unit == "T" ? 1e12 : 0;
    if (end != v.c_str() && std::isfinite(x) && x > 0 && scale > 0) s.params = x * scale;
  }
}

/// The rate the row states must be the tokens it counts over the time it states (within the printed
/// rounding): a row whose columns are shifted or edited is refused rather than read as a measurement.
void check_rate(double tokens, double seconds, double rate, const char* rate_name, const char* time_name) {
  if (!(seconds > 0)) reject(std::string(time_name) + ": must be above 0 seconds, not " + format_double(seconds));
  const double tolerance = 0.02 + 0.0006 / seconds + 0.006 / rate;
  if (std::abs(rate * seconds / tokens - 1) > tolerance)
    reject(std::string(rate_name) + ": " + format_double(rate) + " t/s over " + format_double(seconds) + " s is not the " +
           format_double(tokens) + " tokens the row counts");
}

/// The runs of one row: a prefill (PP > 0) and a decode (TG > 0).
void row_runs(const BenchRow& row, const BenchSettings& s, std::size_t index, const Context& ctx,
              std::vector<MeasuredRun>& out, const std::string& source) {
  if (row.pl < 1 || row.pl > limits::kMaxRunBatch)
    reject("B: must be a whole number of sequences from 1 to " + std::to_string(limits::kMaxRunBatch) + ", not " +
           std::to_string(row.pl));
  if (row.pp == 0 && row.tg == 0) reject("PP/TG: the row measures no tokens");
  // N_KV is the context the row needed: B·(PP+TG), or with one shared prompt PP + B·TG (B·PP + B·TG when the
  // KV cache is not unified).
  const std::int64_t separate = row.pl * (row.pp + row.tg), shared = row.pp + row.pl * row.tg;
  const bool shared_prompt = s.pp_shared || (row.n_kv == shared && row.n_kv != separate);
  if (row.n_kv != separate && row.n_kv != shared)
    reject("N_KV: " + std::to_string(row.n_kv) + " is neither B×(PP+TG) = " + std::to_string(separate) +
           " nor PP + B×TG = " + std::to_string(shared) + " (a shared prompt)");
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;
  run.backend = Backend::llama_cpp;
  set_machine_and_model(run, ctx, "llama-batched-bench");
  if (!s.file_type.empty()) {
    std::string ftype;
    const QuantSpec* quant = quant_from_ggml_file_type(ctx.catalog, s.file_type, ftype);
    if (quant != nullptr && quant->id != run.quant_id.str())
      reject("file type: the log says " + ftype + ", " + field("model") + " says " + run.quant_id.str());
  }
  if (s.params > 0) {
    check_params(s.params, *ctx.catalog.find_model(run.model_id));
    run.params = s.params;
  }
  if (run.api != DeviceApi::cpu && s.n_gpu_layers >= 0) {
    const int layers = ctx.catalog.find_model(run.model_id)->layers;
    if (s.n_gpu_layers < layers)
      reject("n_gpu_layers: " + std::to_string(s.n_gpu_layers) + " of " + std::to_string(layers) +
             " layers on the GPU; partial offload is not used for calibration");
  }
  if (s.flash_attn >= 0) run.flash_attn = s.flash_attn == 1;
  run.build = s.build;
  run.source = source;
  if (row.pp > 0) {
    MeasuredRun p = run;
    p.test = RunTest::prefill;
    p.n_prompt = row.pp;
    // A shared prompt is prefilled once, as one sequence.
    p.batch = shared_prompt ? 1 : static_cast<int>(row.pl);
    check_rate(static_cast<double>(row.pp * p.batch), row.t_pp, row.speed_pp, "S_PP t/s", "T_PP s");
    p.tok_s = checked_rate(row.speed_pp, RunTest::prefill, "S_PP t/s");
    p.n_ubatch = s.n_ubatch;
    p.n_threads = s.n_threads_batch;  // llama.cpp runs prompt batches on n_threads_batch
    if (shared_prompt && row.pl > 1) p.note = "one prompt shared by " + std::to_string(row.pl) + " sequences";
    check_batched(p);
    out.push_back(std::move(p));
  }
  if (row.tg > 0) {
    MeasuredRun d = std::move(run);
    d.test = RunTest::decode;
    d.n_gen = row.tg;
    d.n_depth = row.pp;
    check_rate(static_cast<double>(row.pl * row.tg), row.t_tg, row.speed_tg, "S_TG t/s", "T_TG s");
    d.tok_s = checked_rate(row.speed_tg, RunTest::decode, "S_TG t/s");
    // -tgs decodes the sequences one after another: each step is one sequence's token.
    d.batch = s.tg_separate ? 1 : static_cast<int>(row.pl);
    d.shared_prompt = shared_prompt && row.pl > 1;
    // Builds before PR #15398 decode token 0 in every sequence: the batch routes like one token (docs/model.md).
    d.identical_tokens = d.batch > 1 && decodes_identical_tokens(s);
    d.n_threads = s.n_threads;
    if (s.tg_separate && row.pl > 1)
      d.note = std::to_string(row.pl) + " sequences decoded one after another (-tgs)";
    check_batched(d);
    out.push_back(std::move(d));
  }
}

/// The columns the table reader needs, by their printed names.
struct TableColumns {
  std::size_t pp = 0, tg = 0, b = 0, n_kv = 0, t_pp = 0, s_pp = 0, t_tg = 0, s_tg = 0;
};

std::vector<std::string_view> table_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  line = trim(line);
  if (line.starts_with('|')) line.remove_prefix(1);
  if (line.ends_with('|')) line.remove_suffix(1);
  while (true) {
    const auto bar = line.find('|');
    cells.push_back(trim(line.substr(0, bar)));
    if (bar == std::string_view::npos) break;
    line.remove_prefix(bar + 1);
  }
  return cells;
}

bool is_table_header(std::string_view line) {
  const auto cells = table_cells(line);
  return trim(line).starts_with('|') && cells.size() >= 8 && cells[0] == "PP" && cells[1] == "TG" && cells[2] == "B";
}

std::optional<TableColumns> table_columns(std::string_view line) {
  const auto cells = table_cells(line);
  auto at = [&](std::string_view name) -> std::size_t {
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (cells[i] == name) return i;
    reject("table header: column '" + std::string(name) + "' missing");
  };
  return TableColumns{at("PP"), at("TG"), at("B"), at("N_KV"), at("T_PP s"), at("S_PP t/s"), at("T_TG s"), at("S_TG t/s")};
}

double cell_number(std::string_view cell, const char* column) {
  const std::string text(cell);
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(x))
    reject(std::string(column) + ": '" + clip(text, 20) + "' is not a number");
  return x;
}

std::int64_t cell_count(std::string_view cell, const char* column) {
  const double x = cell_number(cell, column);
  const auto count = whole_count(x);
  if (!count) reject(std::string(column) + ": '" + clip(std::string(cell), 20) + "' is not a token count");
  return *count;
}

BenchRow table_row(std::string_view line, const TableColumns& c, std::size_t columns) {
  const auto cells = table_cells(line);
  if (cells.size() != columns)
    reject(std::to_string(cells.size()) + " cells, the table header has " + std::to_string(columns));
  BenchRow row;
  row.pp = cell_count(cells[c.pp], "PP");
  row.tg = cell_count(cells[c.tg], "TG");
  row.pl = cell_count(cells[c.b], "B");
  row.n_kv = cell_count(cells[c.n_kv], "N_KV");
  row.t_pp = cell_number(cells[c.t_pp], "T_PP s");
  row.speed_pp = cell_number(cells[c.s_pp], "S_PP t/s");
  row.t_tg = cell_number(cells[c.t_tg], "T_TG s");
  row.speed_tg = cell_number(cells[c.s_tg], "S_TG t/s");
  return row;
}

}  // namespace

bool is_batched_bench_header(std::string_view header) {
  header = trim(header);
  // Its stdout starts with the settings line or the table; with stderr kept (2>&1), with llama.cpp's build
  // line (newer builds: after a timestamp and a level, and only at trace verbosity).
  const std::string_view log = without_log_prefix(header);
  // A newer llama.cpp prints only warnings at its default verbosity, each after a timestamp ("0.01.034.886 W
  // llama_context: …"): such a first line is its log.
  const bool timestamped = log.size() < header.size() && std::isdigit(static_cast<unsigned char>(header.front())) &&
                           header.find(' ') > 8;
  return timestamped || is_settings_line(header) || is_table_header(header) ||
         ((log.starts_with("build: ") || log.starts_with("common_params_print_info: build ")) &&
          log.find(" (") != std::string_view::npos && log.find(" with ") != std::string_view::npos);
}

void read_batched_bench_table(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set) {
  BenchSettings settings;
  std::optional<TableColumns> columns;
  std::size_t column_count = 0;
  std::size_t index = 0;  // data rows, counted from 0 over the whole file
  bool table_seen = false;
  const std::string source = "llama-batched-bench (" + ctx.file + ")";
  auto line_of = [&](std::string_view raw) {
    const std::string_view line = trim(raw);
    if (line.empty()) return;
    if (is_settings_line(line)) {
      try {
        BenchSettings next;  // a new table: its own settings, the same load log
        next.build = settings.build;
        next.file_type = settings.file_type;
        next.params = settings.params;
        read_settings_line(line, next);
        settings = std::move(next);
      } catch (const RecordError& e) {
        // The rows under a broken settings line would be read with the wrong settings: stop at it.
        throw InputError(ctx.file + ": settings line: " + e.message);
      }
      return;
    }
    if (!line.starts_with('|')) {
      read_log_line(line, settings);
      return;
    }
    if (is_table_header(line)) {
      try {
        columns = table_columns(line);
      } catch (const RecordError& e) {
        throw InputError(ctx.file + ": " + e.message);
      }
      column_count = table_cells(line).size();
      table_seen = true;
      return;
    }
    if (line.find_first_not_of("|-: ") == std::string_view::npos) return;  // the rule under the header
    const std::size_t this_index = index++;
    try {
      if (!columns) reject("a table row before the table header (| PP | TG | B | N_KV | …)");
      std::vector<MeasuredRun> out;
      row_runs(table_row(line, *columns, column_count), settings, this_index, ctx, out, source);
      for (auto& run : out) set.runs.push_back(std::move(run));
    } catch (const RecordError& e) {
      skip_record(ctx, set, this_index, e.message, "row " + std::to_string(this_index + 1));
    }
  };
  line_of(header);
  for (std::string_view line; lines.next_line(line);) line_of(line);
  if (!table_seen)
    throw InputError(ctx.file + ": no llama-batched-bench table (| PP | TG | B | N_KV | … |) in this output");
}

bool is_batched_bench_record(const json& record) {
  return record.contains("speed_tg") || record.contains("speed_pp") || (record.contains("pl") && record.contains("n_kv"));
}

/// One `--output-format jsonl` line: the settings and the row in one object.
void read_batched_bench_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  BenchSettings settings;
  const auto setting = [&](const char* key, int low, int high, int fallback) {
    const auto x = optional_number(record, key);
    if (!x) return fallback;
    if (*x < low || *x > high || std::floor(*x) != *x)
      reject(std::string(key) + ": must be a whole number from " + std::to_string(low) + " to " + std::to_string(high) +
             ", not " + format_double(*x));
    return static_cast<int>(*x);
  };
  settings.n_ubatch = setting("n_ubatch", 1, static_cast<int>(kMicroBatchTokensRange.second), 0);
  settings.n_threads = setting("n_threads", 1, 4096, 0);
  settings.n_threads_batch = setting("n_threads_batch", 1, 4096, 0);
  settings.n_gpu_layers = setting("n_gpu_layers", -1, 100000, -1);
  settings.flash_attn = setting("flash_attn", -1, 1, -1);
  settings.pp_shared = setting("is_pp_shared", 0, 1, 0) == 1;
  settings.tg_separate = setting("is_tg_separate", 0, 1, 0) == 1;
  BenchRow row;
  row.pp = required_count(record, "pp");
  row.tg = required_count(record, "tg");
  row.pl = required_count(record, "pl");
  row.n_kv = required_count(record, "n_kv");
  const auto required = [&](const char* key) {
    const auto x = optional_number(record, key);
    if (!x) reject(std::string(key) + ": missing");
    return *x;
  };
  if (row.pp > 0) {
    row.t_pp = required("t_pp");
    row.speed_pp = required("speed_pp");
  }
  if (row.tg > 0) {
    row.t_tg = required("t_tg");
    row.speed_tg = required("speed_tg");
  }
  row_runs(row, settings, index, ctx, out, "llama-batched-bench jsonl (" + ctx.file + ")");
}

}  // namespace llmfit::io
