// Which local variables live in boxes. A variable that a nested function captures and that is
// assigned after its declaration (anywhere: before or after the capture, in the function
// or in a closure) must be shared between the frame and the closures, so it lives in a box
// (NEWBOX / GETBOX / SETBOX, GETUPBOX / SETUPBOX). Every other captured variable is captured
// by value: it never changes once initialized, so a copy is indistinguishable from it. Loop
// variables count as initialized by the loop (each iteration has its own).
//
// The lowering needs to know this when it meets the declaration, before the code that
// captures or assigns; so this pass walks the whole tree first, with the same scope rules.
#pragma once

#include <cstdint>

#include "parser/ast.h"
#include "vm/mir/mir.h"

namespace hako::mir {

// Declarations are identified by the address of the AST field that names them: &LetStmt,
// &FnStmt, &Param, &ForRangeStmt::var, &ForInStmt::key, &ForInStmt::value.
class BoxedSet {
 public:
  bool has(const void* decl) const;
  bool empty() const { return keys_.empty(); }
  void add(const void* decl) { keys_.push_back(decl); }
  void seal();  // sorts, for has()
  void clear() { keys_.clear(); }

 private:
  Vec<const void*, "mir.scope"> keys_;
};

// Fills `out` for the chunk `main`. The tree's height is bounded by the parser, and so is
// this walk's recursion.
void find_boxed(const ast::Function& main, BoxedSet* out);

}  // namespace hako::mir
