// Ollama /api/generate and /api/chat responses: the final object of a stream, durations in nanoseconds.
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "run_records.hpp"

namespace llmfit::io {

/// An Ollama /api/generate or /api/chat response (the final object of a stream).
void read_ollama_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  if (const json* done = member(record, "done"); done != nullptr && done->is_boolean() && !done->get<bool>()) return;
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;
  run.backend = Backend::ollama;
  if (ctx.defaults.hardware.empty()) reject("hardware: Ollama responses do not name the machine; pass " + field("hardware"));
  const HardwareSlugMatch hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  set_hardware(run, hw);
  run.api = default_api(run.backend, *hw.hardware);
  // Model: the response's tag when it names a catalogue model and quantisation; else --model, which applies
  // only to runs whose file does not name them.
  const std::string tag = optional_string(record, "model").value_or("");
  ModelQuant mq = model_from_name(ctx.catalog, tag);
  if (mq.model == nullptr || mq.quant == nullptr) {
    if (ctx.defaults.model.empty())
      reject("model: Ollama tag '" + clip(tag) + "' does not name a catalogue model and quantisation; pass " +
             field("model") + ", e.g. " + field("model") + " llama-3.1-8b-q4_k_m");
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
  }
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;
  run.era = year_of(optional_string(record, "created_at").value_or(""));
  run.source = "ollama response (" + ctx.file + ")";
  check_backend(run, ctx.catalog);

  // Durations are nanoseconds.
  const std::int64_t prompt_tokens = optional_count(record, "prompt_eval_count").value_or(0);
  const std::int64_t gen_tokens = optional_count(record, "eval_count").value_or(0);
  const double prompt_ns = optional_number(record, "prompt_eval_duration").value_or(0);
  const double gen_ns = optional_number(record, "eval_duration").value_or(0);
  if (prompt_ns < 0) reject("prompt_eval_duration: must be >= 0 ns, not " + format_double(prompt_ns));
  if (gen_ns < 0) reject("eval_duration: must be >= 0 ns, not " + format_double(gen_ns));
  if (gen_tokens <= 0 || gen_ns <= 0) reject("eval_count/eval_duration: the response holds no generation timing");
  if (prompt_tokens > 0 && prompt_ns > 0) {
    MeasuredRun p = run;
    p.test = RunTest::prefill;
    p.n_prompt = prompt_tokens;
    p.tok_s = checked_rate(prompt_tokens / (prompt_ns * 1e-9), RunTest::prefill, "prompt_eval_duration");
    out.push_back(std::move(p));
  }
  run.test = RunTest::decode;
  run.n_gen = gen_tokens;
  run.n_depth = prompt_tokens;
  run.tok_s = checked_rate(gen_tokens / (gen_ns * 1e-9), RunTest::decode, "eval_duration");
  out.push_back(std::move(run));
}

}  // namespace llmfit::io
