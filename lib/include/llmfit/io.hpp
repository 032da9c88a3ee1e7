#pragma once
/// Umbrella header of the readers: catalogue and profile YAML, GGUF model files, Hugging Face
/// configs and measured-run files (llama-bench, Ollama, llmfit's schema, the public CSV tables).
#include "llmfit/io/catalog_yaml.hpp"
#include "llmfit/io/detect.hpp"
#include "llmfit/io/gguf.hpp"
#include "llmfit/io/hf_config.hpp"
#include "llmfit/io/model_files.hpp"
#include "llmfit/io/output_file.hpp"
#include "llmfit/io/profile_yaml.hpp"
#include "llmfit/io/runs.hpp"
#include "llmfit/io/text_file.hpp"
#include "llmfit/llmfit.hpp"
