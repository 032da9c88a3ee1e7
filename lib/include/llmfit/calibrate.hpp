#pragma once
/// Calibration: the efficiency constants of the speed model (efficiency.hpp) fitted to measured runs by
/// robust weighted least squares, with cross-validated error. Pure maths over plain structs; no I/O.
///
/// The model is linear in its time coefficients. Decode seconds per token =
///   Σ_kernel W_k/BW · θ_k + KV/BW · θ_kv + layers · θ_layer + MoE layers · experts · θ_expert + θ_token
///   + offset (device hops, host part),   θ_k = 1/(weight_bandwidth_efficiency · kernel_efficiency[k]),
/// prefill seconds = weight FLOPs/peak · θ_c + attention FLOPs/peak · θ_att + micro-batches · layers · θ_pl
///   + micro-batches · quantised weight bytes/BW · θ_dequant.
/// The columns are measured by probing decode_seconds_per_token / prefill_seconds themselves, so the fit
/// and the prediction cannot drift apart. See docs/calibration.md.
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/runs.hpp"

namespace llmfit {

/// A measured run resolved against the catalogue: the scenario the engine ran and what it measured.
struct RunCase {
  const MeasuredRun* run = nullptr;
  const HardwareSpec* hardware = nullptr;
  const HardwareSpec* host = nullptr;  // GPUs: the CPU/RAM entry for offloaded layers (catalogue default)
  const ModelSpec* model = nullptr;
  /// The catalogue entry, or a copy with its bits scaled to the run's stated weight bytes (shared by the
  /// runs of one file: a million cases hold a handful).
  std::shared_ptr<const QuantSpec> quant;
  int device_count = 1;
  HardwareClass hardware_class = HardwareClass::nvidia_consumer;
  // Of the memory verdict at the largest capacity the chip is sold with, what the time model reads: where
  // the layers are (12 bytes, not a whole MemoryFit, per case of a million).
  OffloadKind offload = OffloadKind::none;
  int gpu_layers = 0;
  int cpu_layers = 0;
  bool offloaded = false;   // does not fit fully on the accelerator: predicted with offload, not fitted

  /// The layer placement as a MemoryFit for the time model (the byte totals are not kept: zero).
  [[nodiscard]] MemoryFit placement() const noexcept;

  /// The scenario as the engine ran it (batch 1, context = depth + prompt + generated tokens).
  [[nodiscard]] Scenario scenario() const noexcept;
  /// Measured seconds: per decode token, or for the whole prefill of n_prompt tokens.
  [[nodiscard]] double measured_seconds() const noexcept;
};

struct ResolvedRuns {
  std::vector<RunCase> cases;
  std::vector<SkippedRun> skipped;
  /// Valid runs kept out of the fit: serving runs whose requests partly failed (success_rate < 1: the rate
  /// counts the ones that finished). Not in `cases`; each is also in `skipped` with its reason. In input
  /// order; they point into the runs given to resolve_runs. Batched and serving runs that succeeded are cases.
  std::vector<const MeasuredRun*> batched;
};

/// Resolves runs to catalogue entries. Skipped, with the reason: runs whose stated weight bytes disagree
/// with the catalogue by more than 25 %, and runs faster than physics allows (decode above the
/// bandwidth roofline: peak bandwidth / bytes read per token; prefill above the tensor peak).
/// `runs` must outlive the result.
[[nodiscard]] ResolvedRuns resolve_runs(const std::vector<MeasuredRun>& runs, const Catalog& catalog);

/// Predicted tokens/s of a run with the given constants (the library's own decode / prefill model).
[[nodiscard]] double predict_run_tok_s(const RunCase& run_case, const EfficiencyConstants& constants) noexcept;

/// What cross-validation holds out together: each fold's runs are predicted by a fit made without them.
/// hardware: one chip (all its device counts); source: one publication (a run's `source` up to its first
/// space, else its file); model: one model (all its quantisations); hardware_class: one engine × device API ×
/// hardware class group, i.e. how far the fit misses a class it never saw.
enum class CrossValidationUnit { hardware, source, model, hardware_class };
inline constexpr std::array<CrossValidationUnit, 4> kAllCrossValidationUnits = {
    CrossValidationUnit::hardware, CrossValidationUnit::source, CrossValidationUnit::model,
    CrossValidationUnit::hardware_class};
/// "hardware", "source", "model", "class": the names `calibrate --cv` takes.
[[nodiscard]] std::string_view to_string(CrossValidationUnit unit) noexcept;
[[nodiscard]] std::optional<CrossValidationUnit> parse_cross_validation_unit(std::string_view name) noexcept;
/// "leave-one-hardware-out" …, as reports say it.
[[nodiscard]] std::string cross_validation_name(CrossValidationUnit unit);

struct CalibrationOptions {
  double huber_k = 1.345;           // Huber threshold in robust standard deviations (95 % efficiency)
  int max_iterations = 50;          // IRLS
  double shrinkage_spread = 0.3;    // prior relative spread of a group's constants around its parent's
  double collinearity_tolerance = 1e-4;  // a column is determined when sin² of its angle to the others exceeds this
  bool cross_validate = true;
  /// The scheme the report's CV figures use; unset: hardware, or model when all runs are of one chip.
  /// The profile's uncertainty ranges always come from leave-one-hardware-out (per class) and
  /// leave-one-class-out (classes without runs), whatever the report shows.
  std::optional<CrossValidationUnit> cross_validation_unit;
  /// Cross-validation by downdating: each fold's contribution is subtracted from the full fit's normal
  /// equations (Huber weights and robust scales held at the full fit's) instead of refitting from scratch.
  /// Off: every fold is refitted exactly (IRLS, backfitting).
  bool downdate = true;
  std::string profile_name = "calibrated";
  std::string profile_source;
};

/// One fitted (or kept) constant of a group.
struct ConstantEstimate {
  std::string name;             // profile name: "layer_overhead_us", "kernel_efficiency.k-quant" …
  std::string label;            // what it is, for people: "weight bandwidth efficiency (k-quant)"
  double value = 0;             // efficiency (share of peak) or microseconds
  double standard_error = 0;    // same unit; 0 when not fitted
  bool is_efficiency = false;   // value is a share of peak (bandwidth or FLOPs)
  std::string unit;             // "share of peak", "us" or "passes"
  bool fitted = false;          // false: kept at the literature prior
  double data_share = 0;        // share of the estimate's information from this group's own runs
  std::string status;           // "fitted", "shrunk toward …", "kept: …"
};

/// Constants fitted for one group: a backend, a device API × hardware class, optionally an era.
struct GroupFit {
  Backend backend = Backend::llama_cpp;
  std::optional<DeviceApi> api;
  std::optional<HardwareClass> hardware_class;
  std::string era;           // empty: pooled over eras
  std::string label;         // "llama.cpp · cuda · nvidia-consumer · era 2025"
  int decode_runs = 0;
  int prefill_runs = 0;
  int hardware_count = 0;
  std::vector<ConstantEstimate> decode;
  std::vector<ConstantEstimate> prefill;
  double decode_condition_number = 0;   // of the scaled normal matrix of the determined columns (level 0)
  double prefill_condition_number = 0;
  EfficiencyConstants constants;
};

struct ErrorSummary {
  int n = 0;
  double mape_pct = 0;        // mean absolute percentage error of tokens/s
  double median_ape_pct = 0;  // median absolute percentage error
};

/// Cross-validated error of one group of runs (engine × device API, or engine × API × hardware class).
struct GroupError {
  Backend backend = Backend::llama_cpp;
  DeviceApi api = DeviceApi::cuda;
  std::optional<HardwareClass> hardware_class;  // unset: the engine × API group over every class
  RunTest test = RunTest::decode;
  bool batched = false;   // decode of batch > 1 (batched and serving runs), apart from batch-1 decode
  std::string label;      // "llama.cpp · rocm" or "llama.cpp · rocm · amd"
  int n = 0;              // held-out runs predicted
  int chips = 0;          // distinct chips among them
  int folds = 0;          // distinct held-out units among them
  double mape_pct = 0;
  double median_ape_pct = 0;
  double signed_pct = 0;  // mean (predicted − measured) / measured: + = predicted too fast
  /// The same runs with repeated configurations counted once (each run weighted 1 / its repeats, as in the
  /// fit): how many distinct configurations, and their mean absolute error.
  double configurations = 0;
  double configuration_mape_pct = 0;
};

/// The group's test as reports name it: decode, prefill or batched (decode of batch > 1).
inline std::string_view test_name(const GroupError& g) { return g.batched ? "batched" : to_string(g.test); }

struct RunError {
  std::size_t case_index = 0;
  double predicted_tok_s = 0;
  double measured_tok_s = 0;
  double ape_pct = 0;  // |predicted − measured| / measured, percent
};

struct CalibrationReport {
  std::vector<GroupFit> groups;  // backend-wide fits first, then classes, then eras
  int decode_runs = 0;
  int prefill_runs = 0;
  int hardware_count = 0;
  int offloaded_runs = 0;        // predicted but not fitted
  ErrorSummary decode_before, decode_after, decode_cv;
  ErrorSummary prefill_before, prefill_after, prefill_cv;
  /// Decode of batch > 1 (batched and serving runs), apart: the decode figures above are batch 1.
  ErrorSummary batched_before, batched_after, batched_cv;
  int cv_unpredicted = 0;        // held-out runs whose backend had no other runs (not in the CV figure)
  /// What cross-validation leaves out (to_string of CrossValidationUnit): "hardware" by default, "model" when
  /// all runs are of one chip (a personal calibration, layered over the profile it started from).
  std::string cross_validation_unit = "hardware";
  bool layered = false;  // runs of one chip: the fit is layered over the profile it started from
  /// Cross-validated error per engine × API and per engine × API × class, in the scheme above.
  std::vector<GroupError> cv_groups;
  std::vector<RunError> worst;   // after calibration, largest error first (at most 10)
  /// Per case (index as in the input; 0 = not predicted): before, after, and cross-validated tokens/s.
  std::vector<double> predicted_before, predicted_after, predicted_cv;
  std::vector<std::string> notes;
  EfficiencyProfile profile;     // fitted entries (current engines, plus older eras tagged)
  /// The headline cross-validated error: leave-one-hardware-out for the engine · API groups measured on two or
  /// more chips, leave-one-model-out for those measured on one (holding out their chip holds out the whole
  /// group); each run weighted 1 / its configuration's repeats; the same whatever the reported scheme. n = 0
  /// without cross-validation or for runs of one chip.
  ErrorSummary decode_headline, prefill_headline;
  double decode_headline_configurations = 0, prefill_headline_configurations = 0;
  std::vector<std::string> headline_one_chip_groups;  // "mlx · metal": the groups scored leave-one-model-out
};

/// Fits the constants. `before` gives the "before" errors (the literature defaults, normally); groups
/// without data keep its values. Throws InputError when the runs determine nothing: fewer than 3 usable
/// runs, all runs from one chip, or columns too collinear to separate bandwidth from fixed costs.
[[nodiscard]] CalibrationReport calibrate(const std::vector<RunCase>& cases, const EfficiencyProfile& before,
                                          const CalibrationOptions& options = {});

struct ValidationReport {
  std::vector<RunError> runs;  // one per case, in order
  ErrorSummary decode;          // batch 1
  ErrorSummary prefill;
  ErrorSummary batched_decode;  // batch > 1: batched and serving runs
};
/// Predicts every run with the profile (entry of the run's backend, API, class and era).
[[nodiscard]] ValidationReport validate_runs(const std::vector<RunCase>& cases, const EfficiencyProfile& profile);

/// Mean and median of absolute percentage errors.
[[nodiscard]] ErrorSummary summarise_errors(std::vector<double> ape_pct);

namespace detail {
/// Weighted median of (value, weight) pairs, weights > 0: the value at which the running weight, summed in the
/// order of the pairs sorted by value then weight, first reaches half the total (`total`, summed by the caller).
/// Found by selection in linear time; where the selection's sums are too close to half the total to be sure
/// that the sorted order's rounding agrees, by that sort: the same bits either way. Reorders `pairs`.
[[nodiscard]] double weighted_median(std::vector<std::pair<double, double>>& pairs, double total);
}  // namespace detail

}  // namespace llmfit
