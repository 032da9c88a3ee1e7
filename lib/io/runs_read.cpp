// Reading measured-run files (io/runs.hpp) in one streaming pass: the format of a file from its first
// bytes, then each record by the reader of its format (run_records.hpp) as it is read — a JSON array element
// by element, JSON lines and CSV line by line — mapped to catalogue ids or reported with the reason it could
// not be. No reader holds the file's text; what it keeps is the runs.
#include <algorithm>
#include <array>
#include <istream>
#include <iterator>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "llmfit/io/runs.hpp"
#include "run_records.hpp"
#include "text_input.hpp"

namespace llmfit {

namespace io {

std::span<const JsonRecordFormat> json_record_formats() {
  static constexpr std::array<JsonRecordFormat, 5> kFormats{{
      {RunFormat::llama_bench,
       [](const json& record) { return record.contains("avg_ts") || record.contains("samples_ts"); },
       read_llama_bench_record},
      {RunFormat::llama_batched_bench, is_batched_bench_record, read_batched_bench_record},
      {RunFormat::vllm_bench_serve, is_vllm_serve_record, read_vllm_serve_record},
      {RunFormat::ollama,
       [](const json& record) {
         return record.contains("eval_count") || record.contains("eval_duration") ||
                record.contains("prompt_eval_count") || (record.contains("done") && record.contains("created_at"));
       },
       read_ollama_record},
      {RunFormat::llmfit, [](const json&) { return true; }, read_llmfit_record},
  }};
  return kFormats;
}

std::span<const LineRunFormat> line_run_formats() {
  static constexpr std::array<LineRunFormat, 4> kFormats{{
      {RunFormat::public_csv, is_public_csv_header, read_public_csv},
      {RunFormat::mlx_benchmark, is_mlx_benchmark_header, read_mlx_benchmark},
      {RunFormat::ollama_verbose, is_ollama_verbose_header, read_ollama_verbose},
      {RunFormat::llama_batched_bench, is_batched_bench_header, read_batched_bench_table},
  }};
  return kFormats;
}

}  // namespace io

namespace {

using namespace io;

void read_json_record(const json& record, std::size_t index, const Context& ctx, RunSet& set,
                      std::vector<RunFormat>& seen) {
  try {
    if (!record.is_object()) reject("a run record must be a JSON object");
    for (const JsonRecordFormat& format : json_record_formats()) {
      if (!format.claims(record)) continue;
      if (std::find(seen.begin(), seen.end(), format.format) == seen.end()) seen.push_back(format.format);
      format.read(record, index, ctx, set.runs);
      break;
    }
  } catch (const RecordError& e) {
    skip_record(ctx, set, index, e.message, "record " + std::to_string(index));
  } catch (const json::exception& e) {
    skip_record(ctx, set, index, std::string("unexpected JSON content: ") + e.what(), "record " + std::to_string(index));
  }
}

/// A JSON array: each element is read into runs as soon as the parser has it, then dropped, so the array
/// never holds more than the element being read. Errors in the array's syntax stop the file where they are
/// ("not valid JSON: parse error at line L, column C"); an element that is not a run is a record error.
std::string read_json_array(TextStream& in, const Context& ctx, RunSet& set, std::vector<RunFormat>& seen) {
  std::size_t index = 0;
  const json::parser_callback_t read_and_drop = [&](int depth, json::parse_event_t event, json& parsed) {
    // Depth 1 is an element of the top-level array; it is complete at its end (or as a plain value).
    if (depth != 1 || (event != json::parse_event_t::object_end && event != json::parse_event_t::array_end &&
                       event != json::parse_event_t::value))
      return true;
    read_json_record(parsed, index++, ctx, set, seen);
    return false;
  };
  std::istream stream(&in);
  (void)parse_json_stream(stream, ctx.file, read_and_drop);
  if (index == 0) throw InputError(ctx.file + ": the JSON array holds no runs");
  return "JSON array";
}

/// JSON lines from `lines`, numbered from `first_index` (blank lines count); the number of records read.
std::size_t read_json_lines(TextStream& lines, std::size_t first_index, const Context& ctx, RunSet& set,
                            std::vector<RunFormat>& seen) {
  std::size_t records = 0;
  std::size_t index = first_index;
  for (std::string_view line; lines.next_line(line); ++index) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++records;
    const json record = json::parse(line.begin(), line.end(), nullptr, false);
    if (record.is_discarded()) {
      skip_record(ctx, set, index, "line " + std::to_string(index + 1) + " is not a JSON object", "");
      continue;
    }
    read_json_record(record, index, ctx, set, seen);
  }
  return records;
}

/// A file that starts with '{': JSON lines (one object per line), or one object (a response). When its first
/// line is a whole JSON value, the lines are streamed; it is one object when nothing else follows. Otherwise
/// (a pretty-printed object, or a broken first line) the text is held and read as one value, or else line by
/// line — such a file is one response, not a table of runs.
std::string read_json_objects(TextStream& in, const Context& ctx, RunSet& set, std::vector<RunFormat>& seen) {
  std::string_view line;
  in.next_line(line);
  const json first = json::parse(line.begin(), line.end(), nullptr, false);
  if (!first.is_discarded()) {
    read_json_record(first, 0, ctx, set, seen);
    return read_json_lines(in, 1, ctx, set, seen) == 0 ? "JSON object" : "JSON lines";
  }
  std::string text(line);
  if (in.line_had_newline()) text += '\n';
  text += in.read_rest();
  const json whole = json::parse(text.begin(), text.end(), nullptr, false);
  if (!whole.is_discarded()) {
    read_json_record(whole, 0, ctx, set, seen);
    return "JSON object";
  }
  TextStream held(text, ctx.file);
  (void)read_json_lines(held, 0, ctx, set, seen);
  return "JSON lines";
}

/// What a file's first bytes say it is: JSON ('[' or '{'), or the line format whose header it starts with
/// (the header is then read from `in`). Throws InputError for an empty file or an unknown one.
struct Layout {
  bool json = false;
  const LineRunFormat* line_format = nullptr;
  std::string header;
};

Layout detect_layout(TextStream& in) {
  const int first = in.skip_bom_and_space();
  if (first < 0) throw InputError(in.name() + ": empty file; expected runs as JSON, JSON lines or CSV");
  if (first == '[' || first == '{') return {true, nullptr, {}};
  std::string_view header;
  in.next_line(header);
  for (const LineRunFormat& format : line_run_formats())
    if (format.claims(header)) return {false, &format, std::string(header)};
  throw InputError(in.name() + ": not a run file: expected a JSON array, JSON lines, a CSV with the header "
                               "hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source, "
                               "mlx_lm.benchmark output, the 'total duration:' timings of ollama's verbose mode "
                               "or llama-batched-bench output");
}

/// The runs of one input, read in one pass.
RunSet read_runs(TextStream& in, const Catalog& catalog, const RunDefaults& defaults) {
  RunSet set;
  const std::string& file_name = in.name();
  std::string strict_error;
  const Context ctx{catalog, defaults, file_name, strict_error};
  const Layout layout = detect_layout(in);
  // At most one run per 32 bytes (a CSV row is longer; a JSON record longer still, though one may hold two
  // runs): reserved once, so the lists rarely reallocate while they grow. Pages never filled stay
  // unmapped, so rows that are skipped cost nothing here; past 4·10⁶ the lists grow as usual.
  const auto expected = static_cast<std::size_t>(std::min<std::uint64_t>(in.size_hint() / 32 + 1, 4'000'000));
  set.runs.reserve(expected);
  set.skipped.reserve(expected);
  if (!layout.json) {
    layout.line_format->read(layout.header, in, ctx, set);
    if (!strict_error.empty()) throw InputError(strict_error);
    set.formats.push_back(file_name + ": " + std::string(to_string(layout.line_format->format)));
    return set;
  }
  in.limit_json_nesting(kMaxRunJsonDepth, "run files nest at most " + std::to_string(kMaxRunJsonDepth));
  std::vector<RunFormat> seen;
  const std::string layout_name = in.sgetc() == '[' ? read_json_array(in, ctx, set, seen) : read_json_objects(in, ctx, set, seen);
  if (!strict_error.empty()) throw InputError(strict_error);
  std::string names;
  for (RunFormat f : seen) names += (names.empty() ? "" : " + ") + std::string(to_string(f));
  set.formats.push_back(file_name + ": " + (names.empty() ? "no records" : names) + " (" + layout_name + ")");
  return set;
}

}  // namespace

std::string_view to_string(RunFormat format) noexcept {
  switch (format) {
    case RunFormat::llmfit: return "llmfit runs";
    case RunFormat::llama_bench: return "llama-bench";
    case RunFormat::ollama: return "ollama";
    case RunFormat::public_csv: return "public-table CSV";
    case RunFormat::mlx_benchmark: return "mlx_lm.benchmark output";
    case RunFormat::ollama_verbose: return "ollama verbose timings";
    case RunFormat::llama_batched_bench: return "llama-batched-bench";
    case RunFormat::vllm_bench_serve: return "vllm bench serve";
  }
  return "?";
}

RunFormat detect_run_format(std::string_view text, const std::string& file_name) {
  TextStream in(text, file_name);
  const Layout layout = detect_layout(in);
  return layout.json ? RunFormat::llmfit : layout.line_format->format;  // JSON: refined per record
}

RunSet parse_runs(std::string_view text, const std::string& file_name, const Catalog& catalog,
                  const RunDefaults& defaults) {
  TextStream in(text, file_name);
  return read_runs(in, catalog, defaults);
}

RunSet load_runs_path(const std::string& path, const Catalog& catalog, const RunDefaults& defaults) {
  TextStream in(path, kMaxRunFileBytes, "split the runs into smaller files");
  return read_runs(in, catalog, defaults);
}

RunSet load_runs_paths(const std::vector<std::string>& paths, const Catalog& catalog, const RunDefaults& defaults) {
  RunSet all;
  for (const auto& path : paths) {
    RunSet one = load_runs_path(path, catalog, defaults);
    if (all.runs.empty() && all.skipped.empty() && all.formats.empty()) {
      all = std::move(one);  // one file (the usual case) is not copied
      continue;
    }
    all.runs.insert(all.runs.end(), std::make_move_iterator(one.runs.begin()), std::make_move_iterator(one.runs.end()));
    all.skipped.insert(all.skipped.end(), std::make_move_iterator(one.skipped.begin()),
                       std::make_move_iterator(one.skipped.end()));
    all.formats.insert(all.formats.end(), one.formats.begin(), one.formats.end());
  }
  return all;
}

}  // namespace llmfit
