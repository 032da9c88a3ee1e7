// The public tables' CSV: hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "run_records.hpp"

namespace llmfit::io {
namespace {

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) reject("unterminated quoted field");
  return fields;
}

std::optional<std::int64_t> csv_count(const std::string& text, const char* column) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  const auto count = whole_count(x);
  if (end != text.c_str() + text.size() || !count)
    reject(std::string(column) + ": '" + clip(text, 20) + "' is not a whole number of tokens");
  return count;
}

}  // namespace

bool is_public_csv_header(std::string_view header) {
  return header.substr(0, 9) == "hardware," && header.find("tok_s") != std::string_view::npos;
}

void read_public_csv(const std::string& header_line, TextStream& lines, const Context& ctx, RunSet& set) {
  std::vector<std::string> header;
  try {
    header = split_csv_line(header_line);
  } catch (const RecordError& e) {
    throw InputError(ctx.file + ": header: " + e.message);
  }
  auto column = [&](const char* name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw InputError(ctx.file + ": header: column '" + std::string(name) + "' missing");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_hw = column("hardware"), c_backend = column("backend"), c_model = column("model"),
                    c_quant = column("quant"), c_test = column("test"), c_prompt = column("n_prompt"),
                    c_gen = column("n_gen"), c_tok = column("tok_s"), c_source = column("source");
  std::size_t index = 0;
  std::string_view line;
  while (lines.next_line(line)) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    const std::size_t this_index = index++;
    try {
      const std::vector<std::string> f = split_csv_line(line);
      if (f.size() != header.size())
        reject(std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
      MeasuredRun run;
      run.file = ctx.file;
      run.index = this_index;
      const HardwareSlugMatch hw = map_hardware_slug(f[c_hw], ctx.catalog);
      if (hw.hardware == nullptr) reject("hardware: '" + clip(f[c_hw]) + "' maps to no catalogue entry");
      set_hardware(run, hw);
      const ModelSpec* model = map_model_slug(f[c_model], ctx.catalog);
      if (model == nullptr) reject("model: '" + clip(f[c_model]) + "' maps to no catalogue model");
      const QuantSpec* quant = ctx.catalog.find_quant(f[c_quant]);
      if (quant == nullptr) reject("quant: '" + clip(f[c_quant]) + "' is not in the catalogue");
      run.model_id = model->id;
      run.quant_id = quant->id;
      // The tables are llama.cpp runs; their `backend` column is llama.cpp's device backend.
      run.backend = Backend::llama_cpp;
      const auto api = parse_device_api(f[c_backend]);
      if (!api) reject("backend: '" + clip(f[c_backend]) + "' is not one of " + enum_choices<DeviceApi>());
      run.api = *api;
      if (run.api == DeviceApi::cpu && hw.hardware->kind == HardwareKind::gpu)
        reject("backend: a CPU run on '" + hw.hardware->id + "' (a GPU) is not modelled");
      const auto n_prompt = csv_count(f[c_prompt], "n_prompt");
      const auto n_gen = csv_count(f[c_gen], "n_gen");
      char* end = nullptr;
      const double tok_s = std::strtod(f[c_tok].c_str(), &end);
      if (f[c_tok].empty() || end != f[c_tok].c_str() + f[c_tok].size()) reject("tok_s: '" + clip(f[c_tok], 20) + "' is not a number");
      if (f[c_test] == "pp") {
        if (!n_prompt) reject("n_prompt: blank; the prompt length of this prefill run is not stated");
        if (n_gen.value_or(0) != 0) reject("n_gen: a pp row must have n_gen 0");
        if (*n_prompt == 0) reject("n_prompt: a prefill run needs n_prompt > 0");
        run.test = RunTest::prefill;
        run.n_prompt = *n_prompt;
      } else if (f[c_test] == "tg") {
        // tg rows keep the depth already in the KV cache in n_prompt.
        if (!n_prompt) reject("n_prompt: blank; the context depth of this decode run is not stated");
        if (!n_gen || *n_gen == 0) reject("n_gen: a decode run needs n_gen > 0");
        run.test = RunTest::decode;
        run.n_gen = *n_gen;
        run.n_depth = *n_prompt;
      } else {
        reject("test: '" + clip(f[c_test], 20) + "' is not pp or tg");
      }
      run.tok_s = checked_rate(tok_s, run.test, "tok_s");
      const std::string& source = f[c_source];
      run.source = source;
      if (const auto b = source.find("(build "); b != std::string::npos) {
        const auto e = source.find_first_of(";)", b);
        run.build = source.substr(b + 7, e == std::string::npos ? std::string::npos : e - b - 7);
      }
      set.runs.push_back(std::move(run));
    } catch (const RecordError& e) {
      skip_record(ctx, set, this_index, e.message, "row " + std::to_string(this_index + 1));
    }
  }
}

}  // namespace llmfit::io
