// Reading measured-run files (io/runs.hpp): the format of a file, then each record by the reader of its
// format (run_records.hpp), mapped to catalogue ids or reported with the reason it could not be.
#include <algorithm>
#include <array>
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
  static constexpr std::array<JsonRecordFormat, 3> kFormats{{
      {RunFormat::llama_bench,
       [](const json& record) { return record.contains("avg_ts") || record.contains("samples_ts"); },
       read_llama_bench_record},
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
    if (ctx.defaults.strict) throw InputError(ctx.file + ": record " + std::to_string(index) + ": " + e.message);
    set.skipped.push_back({ctx.file, index, e.message});
  } catch (const json::exception& e) {
    const std::string message = std::string("unexpected JSON content: ") + e.what();
    if (ctx.defaults.strict) throw InputError(ctx.file + ": record " + std::to_string(index) + ": " + message);
    set.skipped.push_back({ctx.file, index, message});
  }
}

std::string_view skip_bom_and_space(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const auto first = text.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

}  // namespace

std::string_view to_string(RunFormat format) noexcept {
  switch (format) {
    case RunFormat::llmfit: return "llmfit runs";
    case RunFormat::llama_bench: return "llama-bench";
    case RunFormat::ollama: return "ollama";
    case RunFormat::public_csv: return "public-table CSV";
  }
  return "?";
}

RunFormat detect_run_format(std::string_view text, const std::string& file_name) {
  const std::string_view body = skip_bom_and_space(text);
  if (body.empty()) throw InputError(file_name + ": empty file; expected runs as JSON, JSON lines or CSV");
  if (body.front() == '[' || body.front() == '{') return RunFormat::llmfit;  // refined per record
  const std::string_view first_line = body.substr(0, body.find('\n'));
  if (first_line.substr(0, 9) == "hardware," && first_line.find("tok_s") != std::string_view::npos)
    return RunFormat::public_csv;
  throw InputError(file_name + ": not a run file: expected a JSON array, JSON lines, or a CSV with the header "
                               "hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source");
}

RunSet parse_runs(std::string_view text, const std::string& file_name, const Catalog& catalog,
                  const RunDefaults& defaults) {
  RunSet set;
  const Context ctx{catalog, defaults, file_name};
  const RunFormat format = detect_run_format(text, file_name);
  if (format == RunFormat::public_csv) {
    read_csv(skip_bom_and_space(text), ctx, set);
    set.formats.push_back(file_name + ": " + std::string(to_string(format)));
    return set;
  }
  if (const int depth = io::json_nesting_depth(text); depth > kMaxRunJsonDepth)
    throw InputError(file_name + ": JSON nested " + std::to_string(depth) + " levels deep; run files nest at most " +
                     std::to_string(kMaxRunJsonDepth));
  std::vector<RunFormat> seen;
  const std::string_view body = skip_bom_and_space(text);
  std::string layout;
  if (body.front() == '[') {
    const json doc = io::parse_json_text(body, file_name);
    if (doc.empty()) throw InputError(file_name + ": the JSON array holds no runs");
    for (std::size_t i = 0; i < doc.size(); ++i) read_json_record(doc[i], i, ctx, set, seen);
    layout = "JSON array";
  } else {
    // One object (a pretty-printed response), or JSON lines (one object per line).
    const json whole = json::parse(body.begin(), body.end(), nullptr, false);
    if (!whole.is_discarded()) {
      read_json_record(whole, 0, ctx, set, seen);
      layout = "JSON object";
    } else {
      std::size_t line_number = 0;
      std::size_t pos = 0;
      while (pos < body.size()) {
        const std::size_t end = body.find('\n', pos);
        const std::string_view line = body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? body.size() : end + 1;
        const std::size_t index = line_number++;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        const json record = json::parse(line.begin(), line.end(), nullptr, false);
        if (record.is_discarded()) {
          const std::string message = "line " + std::to_string(index + 1) + " is not a JSON object";
          if (defaults.strict) throw InputError(file_name + ": " + message);
          set.skipped.push_back({file_name, index, message});
          continue;
        }
        read_json_record(record, index, ctx, set, seen);
      }
      layout = "JSON lines";
    }
  }
  std::string names;
  for (RunFormat f : seen) names += (names.empty() ? "" : " + ") + std::string(to_string(f));
  set.formats.push_back(file_name + ": " + (names.empty() ? "no records" : names) + " (" + layout + ")");
  return set;
}

RunSet load_runs_path(const std::string& path, const Catalog& catalog, const RunDefaults& defaults) {
  return parse_runs(io::read_text_file(path, kMaxRunFileBytes, "split the runs into smaller files"), path, catalog,
                    defaults);
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
