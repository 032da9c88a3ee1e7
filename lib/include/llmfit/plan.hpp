#pragma once
/// The planning tools over the performance model, one header each: compare (one model on many machines),
/// fit_search (what fits on one machine), scale (batch and context sweeps), cluster (separate machines),
/// cost (against a cloud API), recommend (a buyer's shortlist) and check (a published speed claim). Pure
/// functions over the core: no I/O; their presentation is llmfit/report/plan.hpp.
#include "llmfit/check.hpp"
#include "llmfit/cluster.hpp"
#include "llmfit/compare.hpp"
#include "llmfit/cost.hpp"
#include "llmfit/fit_search.hpp"
#include "llmfit/recommend.hpp"
#include "llmfit/scale.hpp"
