#pragma once
// `llmfit serve`: the page and a JSON API over HTTP (serve/server.hpp).
#include "common.hpp"

namespace llmfit::cli {

void setup_serve(CLI::App& app, GlobalOptions& global);

}  // namespace llmfit::cli
