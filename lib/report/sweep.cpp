#include "llmfit/report/sweep.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace llmfit {
namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

template <typename Spec>
std::vector<std::string> quoted_ids(const std::vector<const Spec*>& specs, Format format) {
  std::vector<std::string> ids;
  ids.reserve(specs.size());
  for (const Spec* spec : specs)
    ids.push_back(format == Format::json ? json_string(spec->id) : csv_field(spec->id));
  return ids;
}

/// A speed or time: shortest round-trip text, empty (CSV) or null (JSON) when out of range.
void append_number(fmt::memory_buffer& out, float value, bool valid, Format format) {
  if (valid && std::isfinite(value))
    fmt::format_to(std::back_inserter(out), "{}", value);
  else if (format == Format::json)
    fmt::format_to(std::back_inserter(out), "null");
}

}  // namespace

std::size_t evaluated_points(std::span<const SweepPoint> points) noexcept {
  std::size_t n = 0;
  for (const SweepPoint& p : points) n += p.evaluated;
  return n;
}

void write_sweep(const SweepPlan& plan, std::span<const SweepPoint> points, Format format, const TextSink& sink) {
  const auto hardware = quoted_ids(plan.hardware, format);
  const auto models = quoted_ids(plan.models, format);
  const auto quants = quoted_ids(plan.quants, format);
  const auto& contexts = plan.options.contexts;
  fmt::memory_buffer out;
  out.reserve(kSweepChunkBytes + 4096);
  auto flush = [&](bool always) {
    if (always || out.size() >= kSweepChunkBytes) {
      if (out.size() > 0) sink(std::string_view(out.data(), out.size()));
      out.clear();
    }
  };
  auto text = [&](std::string_view s) { out.append(s.data(), s.data() + s.size()); };

  if (format != Format::json) {
    text("hardware,model,quant,context,verdict,offload,total_gb,max_context,decode_tok_s,prefill_tok_s,ttft_s\n");
  } else {
    fmt::format_to(std::back_inserter(out), "{{\n  \"backend\": {},\n  \"kv_type\": \"{}\",\n  \"batch\": {},\n",
                   json_string(to_string(plan.options.backend)), to_string(plan.options.kv_type), plan.options.batch);
    fmt::format_to(std::back_inserter(out), "  \"contexts\": [{}],\n", fmt::join(contexts, ", "));
    fmt::format_to(std::back_inserter(out),
                   "  \"hardware_count\": {},\n  \"model_count\": {},\n  \"quant_count\": {},\n", plan.hardware.size(),
                   plan.models.size(), plan.quants.size());
    fmt::format_to(std::back_inserter(out), "  \"evaluated_points\": {},\n  \"points\": [", evaluated_points(points));
  }
  bool first = true;
  for (std::size_t h = 0; h < plan.hardware.size(); ++h) {
    for (std::size_t m = 0; m < plan.models.size(); ++m) {
      for (std::size_t q = 0; q < plan.quants.size(); ++q) {
        for (std::size_t c = 0; c < contexts.size(); ++c) {
          const SweepPoint& p = points[plan.index(h, m, q, c)];
          if (!p.evaluated) continue;
          const std::string_view verdict = to_string(p.verdict());
          const std::string_view offload = to_string(p.offload());
          if (format != Format::json) {
            fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},", hardware[h], models[m], quants[q],
                           contexts[c], verdict, offload);
            append_number(out, p.total_gb, true, format);
            fmt::format_to(std::back_inserter(out), ",{},", p.max_context);
            append_number(out, p.decode_tok_s, p.in_range, format);
            text(",");
            append_number(out, p.prefill_tok_s, p.in_range, format);
            text(",");
            append_number(out, p.ttft_s, p.in_range, format);
            text("\n");
          } else {
            fmt::format_to(std::back_inserter(out),
                           "{}\n    {{\"hardware\": {}, \"model\": {}, \"quant\": {}, \"context\": {}, "
                           "\"verdict\": \"{}\", \"offload\": \"{}\", \"total_gb\": ",
                           first ? "" : ",", hardware[h], models[m], quants[q], contexts[c], verdict, offload);
            append_number(out, p.total_gb, true, format);
            fmt::format_to(std::back_inserter(out), ", \"max_context\": {}, \"decode_tok_s\": ", p.max_context);
            append_number(out, p.decode_tok_s, p.in_range, format);
            text(", \"prefill_tok_s\": ");
            append_number(out, p.prefill_tok_s, p.in_range, format);
            text(", \"ttft_s\": ");
            append_number(out, p.ttft_s, p.in_range, format);
            text("}");
          }
          first = false;
          flush(false);
        }
      }
    }
  }
  if (format == Format::json) text(first ? "]\n}\n" : "\n  ]\n}\n");
  flush(true);
}

}  // namespace llmfit
