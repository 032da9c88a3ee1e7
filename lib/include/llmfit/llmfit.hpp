#pragma once
/// Umbrella header of the core: the catalogues compiled into the library, the performance model,
/// calibration and the planning tools. Pure: no file I/O, no YAML or JSON. Reading files is
/// llmfit/io.hpp, presentation (text, JSON, CSV, SVG) llmfit/report.hpp; see docs/architecture.md.
#include "llmfit/calibrate.hpp"
#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/engines.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/expert_routing.hpp"
#include "llmfit/identify.hpp"
#include "llmfit/model_file.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/plan.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/profile.hpp"
#include "llmfit/resolve_names.hpp"
#include "llmfit/runs.hpp"
#include "llmfit/scenario.hpp"
#include "llmfit/spec_fields.hpp"
#include "llmfit/specs.hpp"
#include "llmfit/sweep.hpp"
#include "llmfit/text.hpp"
#include "llmfit/units.hpp"
