// Benchmark logs printed as text, read line by line: `mlx_lm.benchmark` output and the timing block of
// `ollama run --verbose`. Neither names the machine or (mlx_lm) the model: --hw and --model say them.
// Formats as printed by github.com/ml-explore/mlx-lm mlx_lm/benchmark.py and github.com/ollama/ollama
// api/types.go (Metrics.Summary, written to stderr with Go's time.Duration formatting).
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"
#include "run_records.hpp"

namespace llmfit::io {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// The number after `key=` in "a=1, key=2.5, …", or nothing.
std::optional<double> keyed_number(std::string_view line, std::string_view key) {
  const std::string needle = std::string(key) + "=";
  std::size_t at = line.find(needle);
  while (at != std::string_view::npos && at > 0 && (std::isalnum(static_cast<unsigned char>(line[at - 1])) || line[at - 1] == '_'))
    at = line.find(needle, at + 1);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string rest(line.substr(at + needle.size()));
  char* end = nullptr;
  const double x = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str() || !std::isfinite(x)) reject(std::string(key) + ": not a number");
  return x;
}

/// Standard deviation of the trial rates (sample), 0 with fewer than two.
double stddev(const std::vector<double>& xs) {
  if (xs.size() < 2) return 0;
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double sum = 0;
  for (double x : xs) sum += (x - mean) * (x - mean);
  return std::sqrt(sum / static_cast<double>(xs.size() - 1));
}

/// Go's time.Duration text ("1.5s", "312.4ms", "1m2.5s", "850µs") in seconds.
double go_duration_seconds(std::string_view text, const char* key) {
  text = trim(text);
  if (text.empty()) reject(std::string(key) + ": missing duration");
  double seconds = 0;
  while (!text.empty()) {
    std::size_t n = 0;
    while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) ++n;
    if (n == 0) reject(std::string(key) + ": '" + clip(std::string(text), 20) + "' is not a duration");
    const double x = std::strtod(std::string(text.substr(0, n)).c_str(), nullptr);
    text.remove_prefix(n);
    static constexpr std::pair<std::string_view, double> kUnits[] = {
        {"ns", 1e-9}, {"µs", 1e-6}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
    bool matched = false;
    for (const auto& [unit, scale] : kUnits) {
      if (starts_with(text, unit)) {
        seconds += x * scale;
        text.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) reject(std::string(key) + ": unknown unit in '" + clip(std::string(text), 20) + "'");
  }
  return seconds;
}

/// "26 token(s)" → 26.
std::int64_t token_count(std::string_view text, const char* key) {
  const std::string t(trim(text));
  char* end = nullptr;
  const double x = std::strtod(t.c_str(), &end);
  const auto count = whole_count(x);
  if (end == t.c_str() || !count) reject(std::string(key) + ": not a token count");
  return *count;
}

/// The count after `key=` (tokens, sequences), or `absent` when the line does not state it.
std::int64_t keyed_count(std::string_view line, std::string_view key, std::int64_t absent) {
  const auto x = keyed_number(line, key);
  if (!x) return absent;
  const auto count = whole_count(*x);
  if (!count) reject(std::string(key) + ": not a whole number from 0 to 10^9");
  return *count;
}

}  // namespace

bool is_mlx_benchmark_header(std::string_view header) {
  header = trim(header);
  return starts_with(header, "Running warmup") || starts_with(header, "Timing with prompt_tokens=");
}

/// mlx_lm.benchmark (mlx-lm's `benchmark.py`): "Timing with prompt_tokens=P, generation_tokens=G,
/// batch_size=B." then "Trial i:  prompt_tps=…, generation_tps=…, peak_memory=…" lines and "Averages: …".
/// Each block is one record: a prefill of P tokens and a decode of G tokens after them.
void read_mlx_benchmark(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set) {
  std::size_t index = 0;
  std::int64_t prompt = -1, generated = -1, batch = 1;
  std::vector<double> prompt_trials, generation_trials;
  auto timing = [&](std::string_view line) {
    // A refused timing line leaves no block open: its trials and averages are not taken for another block's.
    prompt = generated = -1;
    batch = 1;
    prompt_trials.clear();
    generation_trials.clear();
    const std::int64_t stated_prompt = keyed_count(line, "prompt_tokens", -1);
    const std::int64_t stated_generated = keyed_count(line, "generation_tokens", -1);
    const std::int64_t stated_batch = keyed_count(line, "batch_size", 1);
    prompt = stated_prompt;
    generated = stated_generated;
    batch = stated_batch;
  };
  auto record = [&](std::string_view line) {
    const std::size_t this_index = index++;
    try {
      if (prompt < 0 || generated < 0)
        reject("Averages before a 'Timing with prompt_tokens=…, generation_tokens=…' line");
      if (batch != 1) reject("batch_size: " + std::to_string(batch) + " sequences; llmfit fits batch-1 runs");
      MeasuredRun run;
      run.file = ctx.file;
      run.index = this_index;
      run.backend = Backend::mlx;
      set_machine_and_model(run, ctx, "mlx_lm.benchmark");
      run.source = "mlx_lm.benchmark (" + ctx.file + ")";
      run.flash_attn = true;  // MLX's fused scaled_dot_product_attention
      const auto prompt_tps = keyed_number(line, "prompt_tps");
      const auto generation_tps = keyed_number(line, "generation_tps");
      if (!prompt_tps || !generation_tps) reject("Averages: prompt_tps and generation_tps expected");
      std::vector<MeasuredRun> out;
      if (prompt > 0) {
        MeasuredRun p = run;
        p.test = RunTest::prefill;
        p.n_prompt = prompt;
        p.tok_s = checked_rate(*prompt_tps, RunTest::prefill, "prompt_tps");
        p.stddev_tok_s = stddev(prompt_trials);
        out.push_back(std::move(p));
      }
      if (generated > 0) {
        run.test = RunTest::decode;
        run.n_gen = generated;
        run.n_depth = prompt;
        run.tok_s = checked_rate(*generation_tps, RunTest::decode, "generation_tps");
        run.stddev_tok_s = stddev(generation_trials);
        out.push_back(std::move(run));
      }
      for (auto& r : out) set.runs.push_back(std::move(r));
    } catch (const RecordError& e) {
      skip_record(ctx, set, this_index, e.message, "block " + std::to_string(this_index + 1));
    }
  };
  auto line_of = [&](std::string_view line) {
    line = trim(line);
    try {
      if (starts_with(line, "Timing with")) {
        timing(line);
      } else if (starts_with(line, "Trial ")) {
        if (const auto x = keyed_number(line, "prompt_tps")) prompt_trials.push_back(*x);
        if (const auto x = keyed_number(line, "generation_tps")) generation_trials.push_back(*x);
      } else if (starts_with(line, "Averages:")) {
        record(line);
      }
    } catch (const RecordError& e) {
      skip_record(ctx, set, index, e.message, "block " + std::to_string(index + 1));
      prompt = generated = -1;
    }
  };
  line_of(header);
  for (std::string_view line; lines.next_line(line);) line_of(line);
  if (index == 0 && set.skipped.empty())
    throw InputError(ctx.file + ": mlx_lm.benchmark output without an 'Averages:' line (interrupted?)");
}

bool is_ollama_verbose_header(std::string_view header) { return starts_with(trim(header), "total duration:"); }

/// The timing block `ollama run --verbose` prints after a response ("total duration: …", "prompt eval
/// count: 26 token(s)", "prompt eval duration: 312ms", "eval count: …", "eval duration: …", "eval rate: …").
/// Each block (from "total duration:") is one record; rates are recomputed from counts and durations.
void read_ollama_verbose(const std::string& header, TextStream& lines, const Context& ctx, RunSet& set) {
  struct Block {
    std::int64_t prompt_tokens = -1, tokens = -1;
    double prompt_s = -1, eval_s = -1;
  } block;
  std::size_t index = 0;
  bool open = false;
  auto finish = [&] {
    if (!open) return;
    open = false;
    const std::size_t this_index = index++;
    try {
      MeasuredRun run;
      run.file = ctx.file;
      run.index = this_index;
      run.backend = Backend::ollama;
      set_machine_and_model(run, ctx, "ollama's verbose timing block");
      run.source = "ollama verbose timings (" + ctx.file + ")";
      if (block.tokens <= 0 || block.eval_s <= 0) reject("eval count/eval duration: the block holds no generation timing");
      const std::int64_t prompt = std::max<std::int64_t>(0, block.prompt_tokens);
      if (prompt > 0 && block.prompt_s > 0) {
        MeasuredRun p = run;
        p.test = RunTest::prefill;
        p.n_prompt = prompt;
        p.tok_s = checked_rate(static_cast<double>(prompt) / block.prompt_s, RunTest::prefill, "prompt eval duration");
        set.runs.push_back(std::move(p));
      }
      run.test = RunTest::decode;
      run.n_gen = block.tokens;
      run.n_depth = prompt;
      run.tok_s = checked_rate(static_cast<double>(block.tokens) / block.eval_s, RunTest::decode, "eval duration");
      set.runs.push_back(std::move(run));
    } catch (const RecordError& e) {
      skip_record(ctx, set, this_index, e.message, "block " + std::to_string(this_index + 1));
    }
    block = Block{};
  };
  auto line_of = [&](std::string_view line) {
    line = trim(line);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = line.substr(colon + 1);
    try {
      if (key == "total duration") {
        finish();
        open = true;
      } else if (key == "prompt eval count") {
        block.prompt_tokens = token_count(value, "prompt eval count");
      } else if (key == "prompt eval duration") {
        block.prompt_s = go_duration_seconds(value, "prompt eval duration");
      } else if (key == "eval count") {
        block.tokens = token_count(value, "eval count");
      } else if (key == "eval duration") {
        block.eval_s = go_duration_seconds(value, "eval duration");
      }
    } catch (const RecordError& e) {
      skip_record(ctx, set, index, e.message, "block " + std::to_string(index + 1));
      block = Block{};
      open = false;
      ++index;
    }
  };
  line_of(header);
  for (std::string_view line; lines.next_line(line);) line_of(line);
  finish();
}

}  // namespace llmfit::io
