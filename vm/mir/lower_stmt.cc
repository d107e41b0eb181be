// Lowering of statements: declarations, assignments, conditionals and loops.
#include "vm/mir/lower_impl.h"

namespace hako::mir {

// ---- Statements ---------------------------------------------------------------------------

void Lowerer::body(const ast::Block& b) {
  size_t mark = locals_.size();
  for (const ast::Stmt* x : b.stmts) stmt(x, false);
  locals_.resize(mark);
}

void Lowerer::stmt(const ast::Stmt* s, bool top) {
  line_ = s->pos.line;
  switch (s->kind) {
    case ast::StmtKind::Expr:
      expr(s->as<ast::ExprStmt>().expr);
      break;
    case ast::StmtKind::Let:
      let(s->as<ast::LetStmt>(), top);
      break;
    case ast::StmtKind::Assign:
      assign(s->as<ast::AssignStmt>());
      break;
    case ast::StmtKind::Fn:
      fn_stmt(s->as<ast::FnStmt>(), top);
      break;
    case ast::StmtKind::If:
      if_stmt(s->as<ast::IfStmt>());
      break;
    case ast::StmtKind::While:
      while_stmt(s->as<ast::WhileStmt>());
      break;
    case ast::StmtKind::ForRange:
      for_range(s->as<ast::ForRangeStmt>());
      break;
    case ast::StmtKind::ForIn: {
      const auto& f = s->as<ast::ForInStmt>();
      for_in(f.key, &f.key, f.value, &f.value, f.iterable, *f.body, f.pos);
      break;
    }
    case ast::StmtKind::Return: {
      const ast::Expr* v = s->as<ast::ReturnStmt>().value;
      if (v) {
        Reg r = expr(v);
        line_ = s->pos.line;
        emit(Op::Ret, 0, r);
      } else {
        emit(Op::RetNil);
      }
      break;
    }
    case ast::StmtKind::Break:
    case ast::StmtKind::Continue: {
      bool is_break = s->kind == ast::StmtKind::Break;
      if (loops_.size() == st().loop_base) {  // the parser reports it first
        error(s->pos, "'%s' outside a loop", is_break ? "break" : "continue");
        break;
      }
      const Loop& l = loops_.back();
      jump(is_break ? l.brk : l.cont);
      break;
    }
    case ast::StmtKind::Block:
      body(s->as<ast::Block>());
      break;
  }
}

void Lowerer::let(const ast::LetStmt& s, bool top) {
  Reg fresh = fn().nregs;
  Reg v = s.init ? expr(s.init) : constant(Const::nil(), 0);
  line_ = s.pos.line;
  if (top) {
    GlobalTable::Entry* e = globals_->find(s.name);
    emit(Op::SetGlobal, 0, globals_->index(e), v);
    if (e->state == GlobalTable::State::Later) e->state = GlobalTable::State::Declared;
    return;
  }
  declare_init(s.name, &s, v, fresh);
}

void Lowerer::fn_stmt(const ast::FnStmt& s, bool top) {
  if (top) {
    GlobalTable::Entry* e = globals_->find(s.fn->name);
    if (e->state == GlobalTable::State::Later) e->state = GlobalTable::State::Declared;
    uint32_t g = globals_->index(e);
    Reg r = closure(*s.fn, 0);
    line_ = s.pos.line;
    emit(Op::SetGlobal, 0, g, r);
    return;
  }
  if (boxed_.has(&s)) {  // assigned elsewhere: the closure captures the box
    Reg box = tmp();
    emit(Op::NewBox, box, constant(Const::nil(), 0));
    declare(s.fn->name, box, true);
    Reg r = closure(*s.fn, 0);
    line_ = s.pos.line;
    emit(Op::SetBox, 0, box, r);
    return;
  }
  // Never assigned: the function sees itself as an upvalue of kind Self.
  Reg r = tmp();
  auto local = static_cast<uint32_t>(locals_.size());
  declare(s.fn->name, r, false);
  locals_[local].self_depth = depth_ + 1;
  closure(*s.fn, r);
  locals_[local].self_depth = kNone;
}

void Lowerer::assign(const ast::AssignStmt& s) {
  const ast::Expr* t = s.target;
  Op op = Op::Nop;
  switch (s.op) {
    case ast::AssignOp::Set:
      break;
    case ast::AssignOp::Add:
      op = Op::Add;
      break;
    case ast::AssignOp::Sub:
      op = Op::Sub;
      break;
    case ast::AssignOp::Mul:
      op = Op::Mul;
      break;
    case ast::AssignOp::Div:
      op = Op::Div;
      break;
    case ast::AssignOp::Concat:
      op = Op::Concat;
      break;
  }
  // The new value from the old one `old` (compound assignment) into dst (0: a temporary).
  auto combine = [&](Reg old, Reg dst) -> Reg {
    if (op == Op::Concat) {
      size_t mark = scratch_.size();
      scratch_.push_back(old);
      uint32_t n = 1;
      concat_operands(s.value, &n);
      line_ = s.pos.line;
      Reg r = target(dst);
      uint32_t list = take_list(mark);
      emit(Op::Concat, r, 0, n, list);
      return r;
    }
    Const k;
    if (literal(s.value, &k) && k.is_number()) {  // n += 1: ADDI
      line_ = s.pos.line;
      Reg r = target(dst);
      emit(op, r, old, konst(k)).kmask = kConstB;
      return r;
    }
    Reg v = expr(s.value);
    line_ = s.pos.line;
    return arith(op, old, v, dst);
  };

  switch (t->kind) {
    case ast::ExprKind::Name: {
      Var v = resolve(t->as<ast::NameExpr>().name, t->pos);
      bool in_reg = v.kind == Var::Kind::Local && !v.boxed;
      if (s.op == ast::AssignOp::Set) {
        Reg r = expr(s.value, in_reg ? v.index : 0);
        line_ = s.pos.line;
        write(v, r);
      } else {
        Reg old = read(v, 0);
        Reg r = combine(old, in_reg ? v.index : 0);
        write(v, r);
      }
      break;
    }
    case ast::ExprKind::Index: {
      // a["k"] is a.k; a[3] takes its index in the instruction (GETINDEXI, SETINDEXI).
      const auto& ix = t->as<ast::IndexExpr>();
      Reg obj = expr(ix.object);
      Const k;
      bool field = false;
      uint8_t kmask = 0;
      uint32_t key;
      if (constant_key(ix.index, &k)) {
        key = konst(k);
        field = k.kind == Const::Kind::String;
        kmask = field ? 0 : kConstB;
      } else {
        key = expr(ix.index);
      }
      Reg r;
      if (s.op == ast::AssignOp::Set) {
        r = expr(s.value);
      } else {
        line_ = ix.pos.line;
        Reg old = tmp();
        emit(field ? Op::GetField : Op::GetIndex, old, obj, key).kmask = kmask;
        r = combine(old, 0);
      }
      line_ = s.pos.line;
      emit(field ? Op::SetField : Op::SetIndex, 0, obj, key, r).kmask = kmask;
      break;
    }
    case ast::ExprKind::Field: {
      const auto& fx = t->as<ast::FieldExpr>();
      Reg obj = expr(fx.object);
      uint32_t k = konst(Const::string(fx.name));
      Reg r;
      if (s.op == ast::AssignOp::Set) {
        r = expr(s.value);
      } else {
        line_ = fx.pos.line;
        Reg old = tmp();
        emit(Op::GetField, old, obj, k);
        r = combine(old, 0);
      }
      line_ = s.pos.line;
      emit(Op::SetField, 0, obj, k, r);
      break;
    }
    default:
      error(t->pos, "cannot assign to this expression");  // the parser reports it first
      break;
  }
}

void Lowerer::if_stmt(const ast::IfStmt& s) {
  BlockId end = fn().new_block();
  for (uint32_t i = 0; i < s.clauses.size; ++i) {
    const ast::IfClause& c = s.clauses[i];
    bool last = i + 1 == s.clauses.size;
    BlockId then = fn().new_block();
    BlockId next = last && !s.otherwise ? end : fn().new_block();
    line_ = c.pos.line;
    cond(c.cond, then, next);
    start(then);
    body(*c.body);
    jump(end);
    if (next != end) start(next);
  }
  if (s.otherwise) {
    body(*s.otherwise);
    jump(end);
  }
  start(end);
}

// while (c) { body } is laid out with the test at the bottom, so that an iteration runs
// one conditional jump:  jmp test; body: ...; test: br c -> body, exit; exit:
void Lowerer::while_stmt(const ast::WhileStmt& s) {
  BlockId body_b = fn().new_block(), test = fn().new_block(), exit = fn().new_block();
  jump(test);
  start(body_b);
  loops_.push_back(Loop{exit, test});
  body(*s.body);
  loops_.pop_back();
  start(test);
  line_ = s.pos.line;
  cond(s.cond, body_b, exit);
  start(exit);
}

void Lowerer::loop_var(std::string_view name, const void* key, Reg reg) {
  if (boxed_.has(key)) {  // a fresh box for each iteration
    Reg box = tmp();
    emit(Op::NewBox, box, reg);
    declare(name, box, true);
  } else {
    declare(name, reg, false);
  }
}

// for (i in range(a, b, step)):
//   forinit g, a, b, step;  forprep g -> body, exit
//   body: ...;  latch: forloop g -> body, exit;  exit:
// The group g is four frame slots: counter, remaining count, step, and the loop variable.
void Lowerer::for_range(const ast::ForRangeStmt& s) {
  // A local (or a top-level declaration) named `range` makes it a call like any other.
  Var range = find(depth_, "range");
  GlobalTable::Entry* e = globals_->find("range");
  if (range.kind != Var::Kind::Global || (e && e->in_chunk)) {
    for_in({}, nullptr, s.var, &s.var, s.call, *s.body, s.pos);
    return;
  }
  // Bounds and step in order; literals go into the instruction (LOADI into the loop's slots).
  uint8_t kmask = 0;
  uint32_t ops[3];
  const ast::Expr* parts[3] = {s.start, s.stop, s.step};
  for (int i = 0; i < 3; ++i) {
    Const k = Const::integer(1);  // no step: 1
    if (!parts[i] || literal(parts[i], &k)) {
      ops[i] = konst(k);
      kmask |= static_cast<uint8_t>(1u << i);
    } else {
      ops[i] = expr(parts[i]);
    }
  }
  line_ = s.pos.line;
  Function& F = fn();
  Reg g = tmp(), var = tmp();
  Group grp;
  grp.base = g;
  grp.width = 4;
  grp.npinned = 1;
  grp.offset[0] = 3;
  grp.pinned[0] = var;
  auto gi = static_cast<uint32_t>(F.groups.size());
  F.groups.push_back(grp);
  emit(Op::ForInit, g, ops[0], ops[1], ops[2]).kmask = kmask;
  BlockId body_b = F.new_block(), latch = F.new_block(), exit = F.new_block();
  emit(Op::ForPrep, gi, g, body_b, exit);
  start(body_b);
  size_t mark = locals_.size();
  loop_var(s.var, &s.var, var);
  loops_.push_back(Loop{exit, latch});
  body(*s.body);
  loops_.pop_back();
  locals_.resize(mark);
  start(latch);
  line_ = s.pos.line;
  emit(Op::ForLoop, gi, g, body_b, exit);
  start(exit);
}

// for (k, v in it):
//   iterinit g, it;  jmp latch
//   body: ...;  latch: iternext g -> body, exit;  exit:
// The group g is the iterated value, the iteration state, then the loop variables.
void Lowerer::for_in(std::string_view key, const void* key_id, std::string_view value,
                     const void* value_id, const ast::Expr* iterable, const ast::Block& b,
                     ast::Pos pos) {
  Reg it = expr(iterable);
  line_ = pos.line;
  Function& F = fn();
  Reg g = tmp();
  Group grp;
  grp.base = g;
  grp.width = key.empty() ? 3 : 4;
  grp.npinned = key.empty() ? 1 : 2;
  grp.offset[0] = 2;
  grp.pinned[0] = tmp();
  if (!key.empty()) {
    grp.offset[1] = 3;
    grp.pinned[1] = tmp();
  }
  auto gi = static_cast<uint32_t>(F.groups.size());
  F.groups.push_back(grp);
  emit(Op::IterInit, g, it);
  BlockId body_b = F.new_block(), latch = F.new_block(), exit = F.new_block();
  emit(Op::Jmp, latch);
  start(body_b);
  size_t mark = locals_.size();
  if (key.empty()) {
    loop_var(value, value_id, grp.pinned[0]);
  } else {
    loop_var(key, key_id, grp.pinned[0]);
    loop_var(value, value_id, grp.pinned[1]);
  }
  loops_.push_back(Loop{exit, latch});
  body(b);
  loops_.pop_back();
  locals_.resize(mark);
  start(latch);
  line_ = pos.line;
  emit(Op::IterNext, gi, g, body_b, exit);
  start(exit);
}

}  // namespace hako::mir
