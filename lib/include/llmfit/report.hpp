#pragma once
/// Umbrella header of the presentation layer: the answer card, the planning tools' text, JSON, CSV and
/// markdown, SVG charts, sweep output, calibration reports and model-file descriptions.
#include "llmfit/llmfit.hpp"
#include "llmfit/report/calibration.hpp"
#include "llmfit/report/card.hpp"
#include "llmfit/report/catalog.hpp"
#include "llmfit/report/detect.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/model_file.hpp"
#include "llmfit/report/plan.hpp"
#include "llmfit/report/svg.hpp"
#include "llmfit/report/sweep.hpp"
