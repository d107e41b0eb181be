// Which local variables live in boxes. A variable that a nested function captures and that is
// assigned after its declaration (anywhere: before or after the capture, in the function
// or in a closure) must be shared between the frame and the closures, so it lives in a box
// (NEWBOX / GETBOX / SETBOX, GETUPBOX / SETUPBOX). Every other captured variable is captured
// by value: it never changes once initialized, so a copy is indistinguishable from it. Loop
// variables count as initialized by the loop (each iteration has its own).
//
// The lowering needs to know this when it meets the declaration, before the code that
// captures or assigns; so this pass walks the code first, with the same scope rules. It does
// so one statement of the chunk at a time, just before the lowering: those statements share
// no locals (the chunk's own `let`s are globals), and the statement's nodes are still in the
// cache when the lowering walks them.
#pragma once

#include <cstdint>

#include "parser/ast.h"
#include "vm/mir/mir.h"

namespace hako::mir {

// Declarations are identified by the address of the AST field that names them: &LetStmt,
// &FnStmt, &Param, &ForRangeStmt::var, &ForInStmt::key, &ForInStmt::value.
class Boxes {
 public:
  // Finds the boxed variables of `s`, a statement of the chunk's own body (forgetting those
  // of the statement before). The tree's height is bounded by the parser, and so is this
  // walk's recursion.
  void analyze(const ast::Stmt* s);
  bool has(const void* decl) const;

 private:
  struct Decl {
    std::string_view name;
    const void* key;
    uint32_t level;  // function nesting level of the declaration
    bool captured = false, assigned = false;
  };
  void top_level(const ast::Stmt* s);
  void declare(std::string_view name, const void* key);
  void pop(size_t mark);  // leaving the scopes of scope_[mark..]: their flags are final
  Decl* find(std::string_view name);
  void use(std::string_view name, bool assign);
  void function(const ast::Function& f);
  void block(const ast::Block& b);
  void stmt(const ast::Stmt* s);
  void exprs(const ast::List<ast::Expr*>& list);
  void expr(const ast::Expr* e);

  Vec<const void*, "mir.scope"> keys_;  // boxed declarations, sorted
  Vec<Decl, "mir.scope"> scope_;        // visible declarations, innermost last
  size_t outer_ = 0;                    // how many of them belong to enclosing functions
  uint32_t level_ = 0;
};

}  // namespace hako::mir
