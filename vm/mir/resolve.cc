#include "vm/mir/resolve.h"

#include <algorithm>

namespace hako::mir {

bool Boxes::has(const void* decl) const {
  if (keys_.empty()) return false;
  return std::binary_search(keys_.begin(), keys_.end(), decl);
}

// Within this file, Function and Block are the syntax tree's (not mir::Function).
using namespace hako::ast;

void Boxes::analyze(const Stmt* s) {
  keys_.clear();
  scope_.clear();
  outer_ = 0;
  level_ = 0;
  top_level(s);
  std::sort(keys_.begin(), keys_.end());
}

void Boxes::top_level(const Stmt* s) {
  // The chunk's own `let` and `fn` declare globals (not tracked); anything else may
  // declare locals, in blocks that end with the statement.
  switch (s->kind) {
    case StmtKind::Let:
      if (s->as<LetStmt>().init) expr(s->as<LetStmt>().init);
      break;
    case StmtKind::Fn:
      function(*s->as<FnStmt>().fn);
      break;
    default:
      stmt(s);
      break;
  }
  pop(0);
}

void Boxes::declare(std::string_view name, const void* key) {
  scope_.push_back(Decl{name, key, level_});
}

// Leaving the scopes of scope_[mark..]: their flags are final.
void Boxes::pop(size_t mark) {
  for (size_t i = mark; i < scope_.size(); ++i) {
    if (scope_[i].captured && scope_[i].assigned) keys_.push_back(scope_[i].key);
  }
  scope_.resize(mark);
}

// The innermost declaration of `name` (nullptr for a global).
Boxes::Decl* Boxes::find(std::string_view name) {
  for (size_t i = scope_.size(); i-- > 0;) {
    if (same_name(scope_[i].name, name)) return &scope_[i];
  }
  return nullptr;
}

void Boxes::use(std::string_view name, bool assign) {
  // A read can only capture when the enclosing functions have locals in sight.
  if (!assign && outer_ == 0) return;
  Decl* d = find(name);
  if (!d) return;
  if (d->level != level_) d->captured = true;
  if (assign) d->assigned = true;
}

void Boxes::function(const ast::Function& f) {
  ++level_;
  size_t mark = scope_.size(), saved_outer = outer_;
  outer_ = mark;
  for (const Param& p : f.params) declare(p.name, &p);
  for (const Stmt* s : f.body->stmts) stmt(s);
  pop(mark);
  outer_ = saved_outer;
  --level_;
}

void Boxes::block(const ast::Block& b) {
  size_t mark = scope_.size();
  for (const Stmt* s : b.stmts) stmt(s);
  pop(mark);
}

void Boxes::stmt(const Stmt* s) {
  switch (s->kind) {
    case StmtKind::Expr:
      expr(s->as<ExprStmt>().expr);
      break;
    case StmtKind::Let: {
      auto& l = s->as<LetStmt>();
      if (l.init) expr(l.init);
      declare(l.name, &l);
      break;
    }
    case StmtKind::Assign: {
      auto& a = s->as<AssignStmt>();
      if (a.target->kind == ExprKind::Name) {
        use(a.target->as<NameExpr>().name, true);
      } else {
        expr(a.target);
      }
      expr(a.value);
      break;
    }
    case StmtKind::Fn: {
      auto& f = s->as<FnStmt>();
      declare(f.fn->name, &f);  // before the body: it may call itself
      function(*f.fn);
      break;
    }
    case StmtKind::If: {
      auto& i = s->as<IfStmt>();
      for (const IfClause& c : i.clauses) {
        expr(c.cond);
        block(*c.body);
      }
      if (i.otherwise) block(*i.otherwise);
      break;
    }
    case StmtKind::While:
      expr(s->as<WhileStmt>().cond);
      block(*s->as<WhileStmt>().body);
      break;
    case StmtKind::ForRange: {
      auto& f = s->as<ForRangeStmt>();
      expr(f.call);  // the name `range` too: a local may shadow it
      size_t mark = scope_.size();
      declare(f.var, &f.var);
      block(*f.body);
      pop(mark);
      break;
    }
    case StmtKind::ForIn: {
      auto& f = s->as<ForInStmt>();
      expr(f.iterable);
      size_t mark = scope_.size();
      if (!f.key.empty()) declare(f.key, &f.key);
      declare(f.value, &f.value);
      block(*f.body);
      pop(mark);
      break;
    }
    case StmtKind::Return:
      if (s->as<ReturnStmt>().value) expr(s->as<ReturnStmt>().value);
      break;
    case StmtKind::Break:
    case StmtKind::Continue:
      break;
    case StmtKind::Block:
      block(s->as<ast::Block>());
      break;
  }
}

void Boxes::exprs(const List<Expr*>& list) {
  for (const Expr* e : list) expr(e);
}

void Boxes::expr(const Expr* e) {
  switch (e->kind) {
    case ExprKind::Nil:
    case ExprKind::Bool:
    case ExprKind::Int:
    case ExprKind::Float:
    case ExprKind::String:
      break;
    case ExprKind::Name:
      use(e->as<NameExpr>().name, false);
      break;
    case ExprKind::Array:
      exprs(e->as<ArrayExpr>().items);
      break;
    case ExprKind::Map:
      for (const MapEntry& m : e->as<MapExpr>().entries) {
        if (m.key_kind == KeyKind::Computed) expr(m.key);
        expr(m.value);
      }
      break;
    case ExprKind::Fn:
      function(*e->as<FnExpr>().fn);
      break;
    case ExprKind::Unary:
      expr(e->as<UnaryExpr>().operand);
      break;
    case ExprKind::Binary:
      expr(e->as<BinaryExpr>().lhs);
      expr(e->as<BinaryExpr>().rhs);
      break;
    case ExprKind::Index:
      expr(e->as<IndexExpr>().object);
      expr(e->as<IndexExpr>().index);
      break;
    case ExprKind::Field:
      expr(e->as<FieldExpr>().object);
      break;
    case ExprKind::Call:
      expr(e->as<CallExpr>().callee);
      exprs(e->as<CallExpr>().args);
      break;
    case ExprKind::Method:
      expr(e->as<MethodExpr>().object);
      exprs(e->as<MethodExpr>().args);
      break;
  }
}

}  // namespace hako::mir
