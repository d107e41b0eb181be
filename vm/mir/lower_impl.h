// The lowering's state (private to vm/mir): functions and names in lower.cc, statements in
// lower_stmt.cc, expressions and conditions in lower_expr.cc.
#pragma once

#include <cstdarg>

#include "vm/mir/lower.h"

namespace hako::mir {

// The constant a literal is, for operands that can be constants in the instruction itself
// (what peephole.cc does for constants that flow there, done at once for literals).
inline bool literal(const ast::Expr* e, Const* out) {
  switch (e->kind) {
    case ast::ExprKind::Nil:
      *out = Const::nil();
      return true;
    case ast::ExprKind::Bool:
      *out = Const::boolean(e->as<ast::BoolExpr>().value);
      return true;
    case ast::ExprKind::Int:
      *out = Const::integer(e->as<ast::IntExpr>().value);
      return true;
    case ast::ExprKind::Float:
      *out = Const::number(e->as<ast::FloatExpr>().value);
      return true;
    case ast::ExprKind::String:
      *out = Const::string(e->as<ast::StringExpr>().value);
      return true;
    default:
      return false;
  }
}

// An index that GETFIELD (a string) or GETINDEXI (a small int) takes as a constant.
inline bool constant_key(const ast::Expr* e, Const* out) {
  return literal(e, out) && (out->kind == Const::Kind::String ||
                             (out->kind == Const::Kind::Int && out->i >= 0 && out->i <= 255));
}

class Lowerer {
 public:
  Lowerer(const ast::Ast& ast, const LowerOptions& opt, GlobalTable* globals, Sink* sink,
          Errors* errors);
  ~Lowerer();
  Lowerer(const Lowerer&) = delete;
  Lowerer& operator=(const Lowerer&) = delete;
  bool run();

 private:
  static constexpr uint32_t kNone = ~0u;
  // Array literals are built in chunks, so that a long one needs few registers at once.
  static constexpr uint32_t kArrayChunk = 50;
  // Operands of one CONCAT (a longer chain nests).
  static constexpr uint32_t kConcatMax = 200;
  static constexpr uint32_t kMaxList = 255;  // call arguments, params, upvalues

  struct Local {
    std::string_view name;
    Reg reg;
    bool boxed;
    uint32_t self_depth;  // a `fn` being defined at this depth: it captures itself
  };
  struct Loop {
    BlockId brk, cont;
  };
  // One function being lowered; one per nesting depth, reused.
  struct State {
    Function fn;
    uint32_t local_base = 0, loop_base = 0;
    BlockId cur = kNoBlock;            // the open block, if any
    Vec<BlockId, "mir.block"> layout;  // blocks in the order they were started
  };
  // A variable as code sees it.
  struct Var {
    enum class Kind : uint8_t { Local, Upval, Global, None } kind = Kind::None;
    bool boxed = false;
    uint32_t index = 0;      // Local: vreg; Upval: upvalue index; Global: global index
    uint32_t local = kNone;  // Local: index in locals_
  };

  // ---- Code (lower.cc)
  State& st() { return *states_[depth_]; }
  Function& fn() { return states_[depth_]->fn; }
  Instr& emit(Op op, uint32_t d = 0, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0);
  bool open() const { return states_[depth_]->cur != kNoBlock; }
  void start(BlockId b);  // falls through from the open block, if any
  void jump(BlockId b);   // when a block is open
  Reg tmp() { return fn().new_reg(); }
  Reg target(Reg dst) { return dst ? dst : tmp(); }
  uint32_t konst(const Const& c) { return fn().consts.add(c); }
  // Moves scratch_[mark..] into the function's lists; returns the start.
  uint32_t take_list(size_t mark);
  void finish_blocks();

  // ---- Errors (lower.cc)
  void error(ast::Pos p, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

  // ---- Names (lower.cc)
  Var resolve(std::string_view name, ast::Pos pos);
  Var find(uint32_t depth, std::string_view name);
  void declare(std::string_view name, Reg reg, bool boxed) {
    locals_.push_back(Local{name, reg, boxed, kNone});
  }
  // A new local initialized with `value` (a fresh temporary may become the variable).
  void declare_init(std::string_view name, const void* key, Reg value, Reg fresh_from);
  Reg read(const Var& v, Reg dst);
  void write(const Var& v, Reg value);

  // ---- Functions (lower.cc) and statements (lower_stmt.cc)
  void chunk(const ast::Function& main);
  // Lowers a nested function; pushes the registers its closure captures onto scratch_ and
  // returns its index among the current function's children.
  uint32_t function(const ast::Function& f);
  Reg closure(const ast::Function& f, Reg dst);
  void body(const ast::Block& b);  // statements in a new scope
  void stmt(const ast::Stmt* s, bool top);
  void let(const ast::LetStmt& s, bool top);
  void fn_stmt(const ast::FnStmt& s, bool top);
  void assign(const ast::AssignStmt& s);
  void if_stmt(const ast::IfStmt& s);
  void while_stmt(const ast::WhileStmt& s);
  void for_range(const ast::ForRangeStmt& s);
  void for_in(std::string_view key, const void* key_id, std::string_view value,
              const void* value_id, const ast::Expr* iterable, const ast::Block& b, ast::Pos pos);
  void loop_var(std::string_view name, const void* key, Reg reg);

  // ---- Expressions (lower_expr.cc)
  // Lowers e. With dst != 0 the value ends up in dst, else in the returned register: a new
  // temporary, or a local variable's own register (no expression can assign a local that
  // lives in a register, so it may be read later in the same expression).
  Reg expr(const ast::Expr* e, Reg dst = 0);
  // Jumps to t when e is truthy, else to f.
  void cond(const ast::Expr* e, BlockId t, BlockId f);
  Reg constant(const Const& c, Reg dst);
  Reg logical(const ast::BinaryExpr& e, Reg dst);
  void logical_into(const ast::BinaryExpr& e, Reg r);
  Reg binary(const ast::BinaryExpr& e, Reg dst);
  // Pushes the operands of a chain a .. (b .. (c ..)) onto scratch_.
  void concat_operands(const ast::Expr* e, uint32_t* n);
  Reg array(const ast::ArrayExpr& e, Reg dst);
  Reg map(const ast::MapExpr& e, Reg dst);
  Reg call(Reg f, Reg self, const ast::List<ast::Expr*>& args, Reg dst, ast::Pos pos);
  Reg arith(Op op, Reg a, Reg b, Reg dst);
  Reg get_index(Reg obj, const ast::Expr* index, Reg dst, uint32_t line);

  const ast::Ast& ast_;
  LowerOptions opt_;
  GlobalTable* globals_;
  Sink* sink_;
  Errors* errors_;
  Boxes boxed_;
  Vec<State*, "mir.func"> states_;  // by depth
  uint32_t depth_ = 0;
  uint32_t line_ = 0;  // the source line of the instructions being emitted
  Vec<Local, "mir.scope"> locals_;
  Vec<Loop, "mir.scope"> loops_;
  Vec<Reg, "mir.scope"> scratch_;  // operand lists being built (a stack)
  Vec<BlockId, "mir.block"> perm_;
  Vec<Block, "mir.block"> blocks_tmp_;
  size_t first_error_ = 0;  // errors_ held this many when the lowering began
  bool too_many_errors_ = false;
};

}  // namespace hako::mir
