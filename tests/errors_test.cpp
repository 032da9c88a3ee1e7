// Messages name the fields they are about (errors.hpp): library callers read the field names, a
// presentation spells them its own way, and someone's text that happens to hold guillemets is left alone.
#include <gtest/gtest.h>

#include <string>

#include "llmfit/errors.hpp"

namespace llmfit {
namespace {

TEST(FieldReferences, WhatNamesTheFieldAndAPresentationSpellsIt) {
  const InputError e(field("context_tokens") + ": -5 must be positive; see " + field("hardware"));
  EXPECT_STREQ(e.what(), "context_tokens: -5 must be positive; see hardware");
  EXPECT_EQ(e.field(), "context_tokens");
  EXPECT_EQ(referenced_fields(e.message()), (std::vector<std::string>{"context_tokens", "hardware"}));
  const std::string spelt = render_fields(e.message(), [](std::string_view name) {
    return name == "context_tokens" ? std::string("--context") : std::string("<").append(name).append(">");
  });
  EXPECT_EQ(spelt, "--context: -5 must be positive; see <hardware>");
}

TEST(FieldReferences, OtherTextIsLeftAsItIs) {
  // Guillemets around something that is not a field name (a model called «Big One»), a lone one, none.
  EXPECT_EQ(plain_fields("model \xC2\xAB" "Big One\xC2\xBB: unknown"), "model \xC2\xAB" "Big One\xC2\xBB: unknown");
  EXPECT_EQ(plain_fields("open \xC2\xAB" "only"), "open \xC2\xAB" "only");
  EXPECT_EQ(plain_fields("no fields"), "no fields");
  EXPECT_TRUE(referenced_fields("no fields").empty());
  EXPECT_EQ(InputError("no fields").field(), "");
}

TEST(FieldReferences, MessagesStayOneLine) {
  const InputError e(field("model") + ": 'a\nb' unknown");
  EXPECT_STREQ(e.what(), "model: 'a\\nb' unknown");
  EXPECT_EQ(e.message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace llmfit
