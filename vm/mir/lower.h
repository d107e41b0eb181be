// Lowering: the syntax tree of a chunk -> one MIR Function per Hako function. Functions are
// handed to a Sink as soon as each is complete, innermost first (a nested function is done
// before the code that creates its closure), so that the driver can optimize and emit it
// and reuse its memory: only the functions being lowered (one per nesting level) are in
// memory at once.
//
// Scoping and semantics: docs/LANGUAGE.md; the decisions taken here are recorded there
// ("Scopes and globals", "Loops"). Errors are collected (up to max_errors) as
// "undeclared variable 'x'" at the name's position, and the like.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "parser/arena.h"
#include "parser/ast.h"
#include "parser/parser.h"
#include "vm/mir/globals.h"
#include "vm/mir/mir.h"
#include "vm/mir/resolve.h"

namespace hako::mir {

class Sink {
 public:
  virtual ~Sink() = default;
  // `fn` is complete (its nested functions were given before, in the order of their Closure
  // P operands); `depth` is 0 for the chunk. `fn` may be changed, and is cleared after.
  virtual void function_done(Function& fn, uint32_t depth) = 0;
};

struct LowerOptions {
  std::span<const std::string_view> predefined;  // globals usable everywhere
  uint32_t max_errors = 20;
};

// Lowers `ast` (a parsed chunk). Returns false with the errors in `errors` (the sink may
// have received some functions by then). `strings` holds strings the lowering makes.
bool lower(const ast::Ast& ast, const LowerOptions& opt, GlobalTable* globals, Sink* sink,
           Errors* errors);

}  // namespace hako::mir
