#pragma once
/// Presentation of the planning tools (plan.hpp) in every format a tool offers (format.hpp): text with
/// unicode bar charts, JSON (fields in docs/commands.md), and for the tools with rows (compare, fit,
/// scale) CSV and markdown; plus the SVG chart of each. One list of fields per tool's rows feeds every
/// format, so each field appears in all of them. Formats a tool does not offer are written as text.
#include <array>
#include <string>
#include <vector>

#include "llmfit/plan.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/svg.hpp"

namespace llmfit {

// compare ----------------------------------------------------------------------------------------
inline constexpr std::array kCompareFormats = kTableFormats;
/// Rows ranked (rank_compare_rows); `skipped`: "<id>: <reason>" lines of the text. The first `top` rows (0 =
/// all) are shown; the text counts every row.
[[nodiscard]] std::string render_compare(const std::vector<CompareRow>& rows, const std::vector<std::string>& skipped,
                                         Format format, std::size_t top = 0);
[[nodiscard]] svg::BarChart compare_chart(const std::vector<CompareRow>& rows, std::size_t top = 0);

// fit --------------------------------------------------------------------------------------------
inline constexpr std::array kFitFormats = kTableFormats;
/// The first `top` models (0 = all); the text counts every model that fits.
[[nodiscard]] std::string render_fit_search(const FitSearchResult& result, FitSort sort, double min_decode_tok_s,
                                            bool show_all_quants, std::size_t top, Format format);
[[nodiscard]] svg::BarChart fit_search_chart(const FitSearchResult& result, std::size_t top = 0);

// scale ------------------------------------------------------------------------------------------
struct ScaleReport {
  ResolvedQuery resolved;
  std::vector<ContextPoint> context;          // context_scaling
  std::int64_t max_context = 0;               // fully on the accelerator (MemoryFit::max_context)
  std::int64_t max_context_with_offload = 0;  // at all (max_context_with_offload)
  bool batch_sweep = false;
  std::vector<BatchPoint> batch;
  int largest_batch_that_fits = 0;
  double prompt_tokens_per_output_token = kDefaultPromptTokensPerOutputToken;  // the sweep's requests
};
inline constexpr std::array kScaleFormats{Format::text, Format::json, Format::csv};
/// CSV: the batch sweep when there is one, else the context sweep.
[[nodiscard]] std::string render_scale(const ScaleReport& report, Format format);
/// Context sweep (decode tok/s and TTFT), or the batch sweep when the report has one.
[[nodiscard]] svg::LineChart scale_chart(const ScaleReport& report);

// cluster ----------------------------------------------------------------------------------------
inline constexpr std::array kClusterFormats = kDocumentFormats;
[[nodiscard]] std::string render_cluster(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes,
                                         Format format);
[[nodiscard]] svg::BarChart cluster_chart(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes);
/// The links `cluster --link` names, with their sources (`cluster --list-links`).
[[nodiscard]] std::string render_links(const std::vector<LinkSpec>& links, Format format);

// cost -------------------------------------------------------------------------------------------
struct CostReport {
  ResolvedQuery resolved;
  Prediction prediction;  // the memory fit
  ServingLoad serving;    // the users' closed loop (serve_users): the speed the cost rests on
  CostSetup setup;  // the inputs and where each came from
  CostEstimate estimate;
  bool runs = true;  // false: the model does not fit; estimate not computed, costs shown as null
};
inline constexpr std::array kCostFormats = kDocumentFormats;
[[nodiscard]] std::string render_cost(const CostReport& report, Format format);
[[nodiscard]] svg::BarChart cost_chart(const CostReport& report);

// recommend --------------------------------------------------------------------------------------
inline constexpr std::array kRecommendFormats = kDocumentFormats;
[[nodiscard]] std::string render_recommend(const RecommendResult& result, const RecommendOptions& options,
                                           Format format);
[[nodiscard]] svg::BarChart recommend_chart(const RecommendResult& result, const RecommendOptions& options);

// check ------------------------------------------------------------------------------------------
inline constexpr std::array kCheckFormats = kDocumentFormats;
[[nodiscard]] std::string render_check(const ClaimCheck& check, const ResolvedQuery& resolved, Format format);
[[nodiscard]] svg::BarChart check_chart(const ClaimCheck& check, const ResolvedQuery& resolved);

}  // namespace llmfit
