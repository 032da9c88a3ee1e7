#pragma once
// The catalogue's indexes (catalog.cpp builds them, resolve_names.cpp reads them).
#include "llmfit/catalog.hpp"
#include "name_index.hpp"

namespace llmfit {

struct Catalog::Indexes {
  detail::NameIndex hardware;  // id or alias, as typed (any case)
  detail::NameIndex models;
  detail::NameIndex quants;    // id, name or short form
  detail::WordIndex hardware_words;  // ids, aliases and display names by their words
  detail::WordIndex model_words;
};

}  // namespace llmfit
