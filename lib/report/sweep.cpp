#include "llmfit/report/sweep.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <utility>
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
void append_number(std::string& out, float value, bool valid, Format format) {
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

SweepWriter::SweepWriter(const SweepPlan& plan, Format format, TextSink sink)
    : plan_(plan),
      format_(format),
      sink_(std::move(sink)),
      hardware_(quoted_ids(plan.hardware, format)),
      models_(quoted_ids(plan.models, format)),
      quants_(quoted_ids(plan.quants, format)) {
  out_.reserve(kSweepChunkBytes + 4096);
  if (format_ != Format::json) {
    const std::string_view header =
        "hardware,model,quant,context,verdict,offload,total_gb,max_context,decode_tok_s,prefill_tok_s,ttft_s\n";
    out_ += header;
    return;
  }
  auto to = std::back_inserter(out_);
  fmt::format_to(to, "{{\n  \"backend\": {},\n  \"kv_type\": \"{}\",\n  \"batch\": {},\n",
                 json_string(to_string(plan.options.backend)), to_string(plan.options.kv_type), plan.options.batch);
  fmt::format_to(to, "  \"contexts\": [{}],\n", fmt::join(plan.options.contexts, ", "));
  fmt::format_to(to, "  \"hardware_count\": {},\n  \"model_count\": {},\n  \"quant_count\": {},\n",
                 plan.hardware.size(), plan.models.size(), plan.quants.size());
  fmt::format_to(to, "  \"evaluated_points\": {},\n  \"points\": [", plan.evaluated_size());
}

void SweepWriter::flush(bool always) {
  if (always || out_.size() >= kSweepChunkBytes) {
    if (out_.size() > 0) sink_(std::string_view(out_.data(), out_.size()));
    out_.clear();
  }
}

void SweepWriter::write_hardware(std::size_t hardware_first, std::span<const SweepPoint> points) {
  const auto& contexts = plan_.options.contexts;
  const std::size_t per_hardware = plan_.points_per_hardware();
  const std::size_t hardware_count = per_hardware == 0 ? 0 : points.size() / per_hardware;
  auto text = [&](std::string_view s) { out_ += s; };
  auto to = std::back_inserter(out_);
  for (std::size_t h = hardware_first; h < hardware_first + hardware_count; ++h) {
    for (std::size_t m = 0; m < plan_.models.size(); ++m) {
      for (std::size_t q = 0; q < plan_.quants.size(); ++q) {
        for (std::size_t c = 0; c < contexts.size(); ++c) {
          const SweepPoint& p = points[plan_.index(h, m, q, c) - hardware_first * per_hardware];
          if (!p.evaluated) continue;
          const std::string_view verdict = to_string(p.verdict());
          const std::string_view offload = to_string(p.offload());
          if (format_ != Format::json) {
            fmt::format_to(to, "{},{},{},{},{},{},", hardware_[h], models_[m], quants_[q], contexts[c], verdict,
                           offload);
            append_number(out_, p.total_gb, true, format_);
            fmt::format_to(to, ",{},", p.max_context);
            append_number(out_, p.decode_tok_s, p.in_range, format_);
            text(",");
            append_number(out_, p.prefill_tok_s, p.in_range, format_);
            text(",");
            append_number(out_, p.ttft_s, p.in_range, format_);
            text("\n");
          } else {
            fmt::format_to(to,
                           "{}\n    {{\"hardware\": {}, \"model\": {}, \"quant\": {}, \"context\": {}, "
                           "\"verdict\": \"{}\", \"offload\": \"{}\", \"total_gb\": ",
                           first_point_ ? "" : ",", hardware_[h], models_[m], quants_[q], contexts[c], verdict,
                           offload);
            append_number(out_, p.total_gb, true, format_);
            fmt::format_to(to, ", \"max_context\": {}, \"decode_tok_s\": ", p.max_context);
            append_number(out_, p.decode_tok_s, p.in_range, format_);
            text(", \"prefill_tok_s\": ");
            append_number(out_, p.prefill_tok_s, p.in_range, format_);
            text(", \"ttft_s\": ");
            append_number(out_, p.ttft_s, p.in_range, format_);
            text("}");
          }
          first_point_ = false;
          flush(false);
        }
      }
    }
  }
}

void SweepWriter::finish() {
  if (format_ == Format::json) {
    const std::string_view end = first_point_ ? "]\n}\n" : "\n  ]\n}\n";
    out_ += end;
  }
  flush(true);
}

void write_sweep(const SweepPlan& plan, std::span<const SweepPoint> points, Format format, const TextSink& sink) {
  SweepWriter writer(plan, format, sink);
  writer.write_hardware(0, points);
  writer.finish();
}

}  // namespace llmfit
