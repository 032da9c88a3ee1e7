#pragma once
/// Presentation of the planning tools (plan.hpp): terminal text with unicode bar charts, JSON
/// documents (fields in docs/commands.md), CSV and markdown tables, and SVG chart descriptions.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llmfit/plan.hpp"
#include "llmfit/report/svg.hpp"

namespace llmfit {

/// A table of already-formatted cells, written as aligned text, CSV (RFC 4180) or markdown.
struct TextTable {
  std::vector<std::string> headers;
  std::vector<bool> right_aligned;  // per column; missing = left
  std::vector<std::vector<std::string>> rows;
};
[[nodiscard]] std::string render_aligned(const TextTable& table);
[[nodiscard]] std::string render_csv(const TextTable& table);
[[nodiscard]] std::string render_markdown(const TextTable& table);

// compare ----------------------------------------------------------------------------------------
/// One line naming the model, quantisation and the scenario settings shared by every row.
[[nodiscard]] std::string compare_heading(const std::vector<CompareRow>& rows);
[[nodiscard]] nlohmann::json compare_to_json(const std::vector<CompareRow>& rows);
/// raw = plain numbers for CSV; otherwise formatted for reading (markdown).
[[nodiscard]] TextTable compare_table(const std::vector<CompareRow>& rows, bool raw);
[[nodiscard]] std::string render_compare_text(const std::vector<CompareRow>& rows,
                                              const std::vector<std::string>& skipped);
[[nodiscard]] svg::BarChart compare_chart(const std::vector<CompareRow>& rows);

// fit --------------------------------------------------------------------------------------------
[[nodiscard]] nlohmann::json fit_search_to_json(const FitSearchResult& result, double min_decode_tok_s);
[[nodiscard]] TextTable fit_search_table(const FitSearchResult& result, bool raw);
[[nodiscard]] std::string render_fit_search_text(const FitSearchResult& result, FitSort sort,
                                                 double min_decode_tok_s, bool show_all_quants);
[[nodiscard]] svg::BarChart fit_search_chart(const FitSearchResult& result);

// scale ------------------------------------------------------------------------------------------
struct ScaleReport {
  ResolvedQuery resolved;
  std::vector<ContextPoint> context;
  std::vector<FitVerdict> context_verdicts;  // per point; empty = only ContextPoint::fits is known
  bool batch_sweep = false;
  std::vector<BatchPoint> batch;
  int largest_batch_that_fits = 0;
};
[[nodiscard]] nlohmann::json scale_to_json(const ScaleReport& report);
[[nodiscard]] TextTable scale_table(const ScaleReport& report, bool raw);
[[nodiscard]] std::string render_scale_text(const ScaleReport& report);
/// Context sweep (decode tok/s and TTFT), or the batch sweep when the report has one.
[[nodiscard]] svg::LineChart scale_chart(const ScaleReport& report);

// cluster ----------------------------------------------------------------------------------------
[[nodiscard]] nlohmann::json cluster_to_json(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes);
[[nodiscard]] std::string render_cluster_text(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes);
[[nodiscard]] svg::BarChart cluster_chart(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes);

// cost -------------------------------------------------------------------------------------------
struct CostReport {
  ResolvedQuery resolved;
  Prediction prediction;
  CostInputs inputs;
  CostEstimate estimate;
  bool runs = true;  // false: the model does not fit; estimate not computed, costs shown as null
  bool price_from_catalogue = true;
  bool power_from_catalogue = true;
};
[[nodiscard]] nlohmann::json cost_to_json(const CostReport& report);
[[nodiscard]] std::string render_cost_text(const CostReport& report);
[[nodiscard]] svg::BarChart cost_chart(const CostReport& report);

// recommend --------------------------------------------------------------------------------------
[[nodiscard]] nlohmann::json recommend_to_json(const RecommendResult& result, const RecommendOptions& options);
[[nodiscard]] std::string render_recommend_text(const RecommendResult& result, const RecommendOptions& options);
[[nodiscard]] svg::BarChart recommend_chart(const RecommendResult& result, const RecommendOptions& options);

// check ------------------------------------------------------------------------------------------
[[nodiscard]] nlohmann::json check_to_json(const ClaimCheck& check, const ResolvedQuery& resolved);
[[nodiscard]] std::string render_check_text(const ClaimCheck& check, const ResolvedQuery& resolved);
[[nodiscard]] svg::BarChart check_chart(const ClaimCheck& check, const ResolvedQuery& resolved);

}  // namespace llmfit
