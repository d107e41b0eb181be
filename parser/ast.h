// The Hako syntax tree: what the parser (parser.h) builds and the MIR lowering reads.
//
// Nodes live in the Ast's arenas (sites ast.node and ast.string) and are never freed one by
// one; they are plain structs with a kind tag (`as<T>()` checks it in debug builds). Strings
// are views into the ast.string arena with escapes decoded. Every node records its height
// (1 for a leaf), and the parser rejects trees higher than ParseOptions::max_height, so
// passes may recurse over the tree without risking the C stack.
//
// Positions are 1-based line and byte column: of the operator for unary and binary
// expressions, of '[' for an index, '.' for a field, '(' for a call, ':' for a method call,
// and of the first token for everything else.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/arena.h"

namespace hako::ast {

struct Pos {
  uint32_t line = 0;
  uint32_t col = 0;
};

// An array in the arena.
template <class T>
struct List {
  T* items = nullptr;
  uint32_t size = 0;
  T* begin() const { return items; }
  T* end() const { return items + size; }
  T& operator[](size_t i) const { return items[i]; }
  bool empty() const { return size == 0; }
};

struct Block;
struct Function;

// ---- Expressions ------------------------------------------------------------------------

enum class ExprKind : uint8_t {
  Nil,
  Bool,
  Int,
  Float,
  String,
  Name,
  Array,   // [a, b]
  Map,     // {k: v, "s": v, [e]: v}
  Fn,      // fn(params) { body }
  Unary,   // -a, !a
  Binary,  // a + b, a && b, ...
  Index,   // a[i]
  Field,   // a.name
  Call,    // f(args)
  Method,  // obj:name(args)
};

enum class UnaryOp : uint8_t { Neg, Not };

// && and || short-circuit and give an operand (docs/LANGUAGE.md); the rest are strict.
enum class BinaryOp : uint8_t {
  Or,
  And,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Concat,
  Add,
  Sub,
  Mul,
  Div,
  IDiv,
  Mod,
  Pow,
};

const char* expr_kind_name(ExprKind k);
const char* unary_op_text(UnaryOp op);
const char* binary_op_text(BinaryOp op);

struct Expr {
  ExprKind kind;
  uint16_t height;
  Pos pos;

  template <class T>
  T& as() {
    assert(kind == T::kKind);
    return static_cast<T&>(*this);
  }
  template <class T>
  const T& as() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
};

struct NilExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Nil;
};
struct BoolExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Bool;
  bool value;
};
struct IntExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Int;
  int64_t value;
};
struct FloatExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Float;
  double value;
};
struct StringExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::String;
  std::string_view value;  // decoded bytes
};
struct NameExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Name;
  std::string_view name;
};
struct ArrayExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Array;
  List<Expr*> items;
};

// How a map key was written; the key expression is a StringExpr for the first two.
enum class KeyKind : uint8_t { Name, String, Computed };
struct MapEntry {
  KeyKind key_kind;
  Expr* key;
  Expr* value;
};
struct MapExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Map;
  List<MapEntry> entries;  // in source order; duplicates are left to the VM (last wins)
};
struct FnExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Fn;
  Function* fn;
};
struct UnaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Unary;
  UnaryOp op;
  Expr* operand;
};
struct BinaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Binary;
  BinaryOp op;
  Expr* lhs;
  Expr* rhs;
};
struct IndexExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Index;
  Expr* object;
  Expr* index;
};
struct FieldExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Field;
  Expr* object;
  std::string_view name;  // obj.name is obj["name"]
};
struct CallExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Call;
  Expr* callee;
  List<Expr*> args;
};
struct MethodExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::Method;
  Expr* object;  // evaluated once: obj:name(x) is obj.name(obj, x)
  std::string_view name;
  List<Expr*> args;
};

// ---- Statements ------------------------------------------------------------------------

enum class StmtKind : uint8_t {
  Expr,      // a call
  Let,       // let x = e;
  Assign,    // t = e; t += e; ...
  Fn,        // fn name(params) { body }
  If,        // if/else if/else
  While,     // while (c) { }
  ForRange,  // for (i in range(a, b[, step])) { }
  ForIn,     // for (v in e) { } and for (k, v in e) { }
  Return,
  Break,
  Continue,
  Block,  // { ... }
};

enum class AssignOp : uint8_t { Set, Add, Sub, Mul, Div, Concat };

const char* stmt_kind_name(StmtKind k);
const char* assign_op_text(AssignOp op);

struct Stmt {
  StmtKind kind;
  uint16_t height;
  Pos pos;

  template <class T>
  T& as() {
    assert(kind == T::kKind);
    return static_cast<T&>(*this);
  }
  template <class T>
  const T& as() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
};

struct Block : Stmt {
  static constexpr StmtKind kKind = StmtKind::Block;
  List<Stmt*> stmts;
  Pos end;  // of the closing brace (of the end of input for a chunk)
};

struct Param {
  std::string_view name;
  Pos pos;
};

struct Function {
  // `fn name(...)`, or the variable of `let name = fn(...)`; empty for other fn
  // expressions; "main" for the chunk.
  std::string_view name;
  List<Param> params;  // distinct names
  Block* body;
  Pos pos;  // of `fn` (1:1 for the chunk)
  uint16_t height;
};

struct ExprStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Expr;
  Expr* expr;  // a Call or a Method
};
struct LetStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Let;
  std::string_view name;
  Pos name_pos;
  Expr* init;  // nullptr for `let x;` (nil)
};
struct AssignStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Assign;
  AssignOp op;
  Expr* target;  // a Name, Index or Field; evaluated once for compound operators
  Expr* value;
};
struct FnStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Fn;
  Function* fn;  // binds fn->name: a local, or a global at the top level
};
struct IfClause {
  Expr* cond;
  Block* body;
  Pos pos;  // of `if`
};
struct IfStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::If;
  List<IfClause> clauses;  // `if` and each `else if`, in order (never empty)
  Block* otherwise;        // the final `else`, or nullptr
};
struct WhileStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::While;
  Expr* cond;
  Block* body;
};
// `for (i in range(a, b[, step]))`, written with the name `range` and two or three
// arguments. If the lowering finds that `range` is not the builtin there (a local shadows
// it), it must treat the loop as a ForIn over `call`.
struct ForRangeStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::ForRange;
  std::string_view var;
  Pos var_pos;
  Expr* start;
  Expr* stop;
  Expr* step;      // nullptr: 1
  CallExpr* call;  // the range(...) call as written
  Block* body;
};
struct ForInStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::ForIn;
  std::string_view key;  // empty with one variable
  Pos key_pos;
  std::string_view value;
  Pos value_pos;
  Expr* iterable;
  Block* body;
};
struct ReturnStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Return;
  Expr* value;  // nullptr: nil
};
struct BreakStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Break;
};
struct ContinueStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Continue;
};

// ---- The tree --------------------------------------------------------------------------

class Ast {
 public:
  Ast();
  Ast(const Ast&) = delete;
  Ast& operator=(const Ast&) = delete;

  // The chunk as a function without parameters; nullptr until a parse succeeds.
  const Function* main() const { return main_; }
  std::string_view file() const { return file_; }

  // For the parser.
  Arena& nodes() { return nodes_; }
  Arena& strings() { return strings_; }
  void set_main(Function* f, std::string_view file) {
    main_ = f;
    file_ = file;
  }
  void clear();

 private:
  Arena nodes_, strings_;
  Function* main_ = nullptr;
  std::string_view file_;
};

}  // namespace hako::ast
