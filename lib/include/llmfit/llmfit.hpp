#pragma once
/// Umbrella header: everything a program needs to predict fit and speed.
#include "llmfit/catalog.hpp"
#include "llmfit/catalog_yaml.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/profile.hpp"
#include "llmfit/query.hpp"
#include "llmfit/report.hpp"
#include "llmfit/specs.hpp"
#include "llmfit/sweep.hpp"
#include "llmfit/units.hpp"
