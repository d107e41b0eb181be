// The Hako parser: source text -> ast::Ast (ast.h). Recursive descent for statements,
// precedence climbing for expressions (grammar and precedence: docs/LANGUAGE.md, "Syntax").
//
// Errors are collected, not thrown: after an error the parser skips to the next statement
// and goes on, so one run reports several independent mistakes. No input makes it crash,
// hang or overflow the C stack: nesting deeper than max_depth and trees higher than
// max_height are errors.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "hakmem.h"
#include "parser/ast.h"
#include "parser/error.h"

namespace hako {

struct ParseOptions {
  // Brackets, blocks, function bodies and prefix operators nested deeper than this are an
  // error; it bounds the parser's own recursion.
  uint32_t max_depth = 200;
  // A syntax tree higher than this is an error; it bounds the recursion of later passes
  // (at most 65535).
  uint32_t max_height = 1000;
  // Stop after this many errors (the last one says so).
  uint32_t max_errors = 20;
};

using Errors = std::vector<Error, hak::allocator<Error, "parse.error">>;

// Parses `source` (which must be followed by a NUL byte, see lexer.h) into `ast`. `file` is
// copied into the tree and used in messages. Returns true, with ast->main() set, when there
// is no error; otherwise false with the errors, in source order, in `errors`.
bool parse(std::string_view file, std::string_view source, ast::Ast* ast, Errors* errors,
           const ParseOptions& opt = {});

}  // namespace hako
