// The AST as stable text, one node a line, children indented by two spaces (used by
// `hako --dump-ast` and golden tests). For example `let x = a + 1;` is:
//
//   Chunk main.hako
//     Let x
//       Binary +
//         Name a
//         Int 1
//
// Strings are quoted with Hako escapes, floats printed as Python's repr. The format is
// described in docs/LANGUAGE.md, "The AST dump".
#pragma once

#include "parser/ast.h"
#include "parser/text_buffer.h"

namespace hako::ast {

struct DumpOptions {
  bool positions = false;  // append " @line:col" to every node
};

// Appends the dump of `ast` (which must hold a parsed chunk) to `out`; false when out of
// memory.
bool dump(const Ast& ast, TextBuffer* out, const DumpOptions& opt = {});

}  // namespace hako::ast
