#pragma once
// A small Model Context Protocol endpoint (POST /mcp): JSON-RPC 2.0 messages as the MCP specification
// shapes them (https://modelcontextprotocol.io/specification/2025-06-18/basic/lifecycle and
// …/server/tools): initialize, ping, tools/list and tools/call for the tools predict, compare, fit and
// recommend, whose arguments are the commands' options and whose result is the command's JSON document.
#include <string>

#include "server.hpp"

namespace llmfit::serve {

/// Largest nesting of a message's arrays and objects.
inline constexpr int kMaxMcpJsonDepth = 32;

[[nodiscard]] Response respond_mcp(const Site& site, const std::string& body);

}  // namespace llmfit::serve
