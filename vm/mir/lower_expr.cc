// Lowering of expressions (values) and conditions (jumps).
#include <algorithm>

#include "vm/mir/lower_impl.h"

namespace hako::mir {

using namespace hako::ast;

Reg Lowerer::constant(const Const& c, Reg dst) {
  Reg r = target(dst);
  emit(Op::LoadK, r, konst(c));
  return r;
}

Reg Lowerer::arith(Op op, Reg a, Reg b, Reg dst) {
  Reg r = target(dst);
  emit(op, r, a, b);
  return r;
}

Reg Lowerer::get_index(Reg obj, const Expr* index, Reg dst, uint32_t line) {
  Const k;
  if (constant_key(index, &k)) {
    line_ = line;
    Reg r = target(dst);
    if (k.kind == Const::Kind::String) {
      emit(Op::GetField, r, obj, konst(k));
    } else {
      emit(Op::GetIndex, r, obj, konst(k)).kmask = kConstB;
    }
    return r;
  }
  Reg key = expr(index);
  line_ = line;
  Reg r = target(dst);
  emit(Op::GetIndex, r, obj, key);
  return r;
}

Reg Lowerer::expr(const Expr* e, Reg dst) {
  line_ = e->pos.line;
  switch (e->kind) {
    case ExprKind::Nil:
      return constant(Const::nil(), dst);
    case ExprKind::Bool:
      return constant(Const::boolean(e->as<BoolExpr>().value), dst);
    case ExprKind::Int:
      return constant(Const::integer(e->as<IntExpr>().value), dst);
    case ExprKind::Float:
      return constant(Const::number(e->as<FloatExpr>().value), dst);
    case ExprKind::String:
      return constant(Const::string(e->as<StringExpr>().value), dst);
    case ExprKind::Name:
      return read(resolve(e->as<NameExpr>().name, e->pos), dst);
    case ExprKind::Array:
      return array(e->as<ArrayExpr>(), dst);
    case ExprKind::Map:
      return map(e->as<MapExpr>(), dst);
    case ExprKind::Fn: {
      Reg r = closure(*e->as<FnExpr>().fn, dst);
      return r;
    }
    case ExprKind::Unary: {
      const auto& u = e->as<UnaryExpr>();
      Reg v = expr(u.operand);
      line_ = e->pos.line;
      Reg r = target(dst);
      emit(u.op == UnaryOp::Neg ? Op::Neg : Op::Not, r, v);
      return r;
    }
    case ExprKind::Binary:
      return binary(e->as<BinaryExpr>(), dst);
    case ExprKind::Index: {
      const auto& x = e->as<IndexExpr>();
      Reg obj = expr(x.object);
      return get_index(obj, x.index, dst, e->pos.line);
    }
    case ExprKind::Field: {
      const auto& x = e->as<FieldExpr>();
      Reg obj = expr(x.object);
      line_ = e->pos.line;
      Reg r = target(dst);
      emit(Op::GetField, r, obj, konst(Const::string(x.name)));
      return r;
    }
    case ExprKind::Call: {
      const auto& c = e->as<CallExpr>();
      return call(expr(c.callee), 0, c.args, dst, e->pos);
    }
    case ExprKind::Method: {
      // obj:name(args) is obj.name(obj, args), obj evaluated once.
      const auto& m = e->as<MethodExpr>();
      Reg obj = expr(m.object);
      line_ = e->pos.line;
      Reg f = tmp();
      emit(Op::GetField, f, obj, konst(Const::string(m.name)));
      return call(f, obj, m.args, dst, e->pos);
    }
  }
  return constant(Const::nil(), dst);
}

// f(self, args...), self only when it is not 0 (a method call).
Reg Lowerer::call(Reg f, Reg self, const List<Expr*>& args, Reg dst, Pos pos) {
  size_t mark = scratch_.size();
  if (self) scratch_.push_back(self);
  for (const Expr* a : args) scratch_.push_back(expr(a));
  auto n = static_cast<uint32_t>(scratch_.size() - mark);
  if (n > kMaxList) error(pos, "too many arguments (more than %u)", kMaxList);
  line_ = pos.line;
  uint32_t list = take_list(mark);
  Reg r = target(dst);
  emit(Op::Call, r, f, n, list);
  return r;
}

Reg Lowerer::array(const ArrayExpr& e, Reg dst) {
  // A fresh register: NEWARRAY writes it before the elements are all read.
  Reg arr = tmp();
  uint32_t total = e.items.size;
  uint32_t i = 0;
  bool first = true;
  do {
    size_t mark = scratch_.size();
    uint32_t end = std::min(total, i + kArrayChunk);
    for (; i < end; ++i) scratch_.push_back(expr(e.items[i]));
    auto n = static_cast<uint32_t>(scratch_.size() - mark);
    line_ = e.pos.line;
    uint32_t list = take_list(mark);
    if (first) {
      emit(Op::NewArray, arr, std::min(total, 255u), n, list);
      first = false;
    } else {
      emit(Op::Append, 0, arr, n, list);
    }
  } while (i < total);
  if (dst) {
    emit(Op::Move, dst, arr);
    return dst;
  }
  return arr;
}

Reg Lowerer::map(const MapExpr& e, Reg dst) {
  // A fresh register: the entries' values may read the variable being assigned.
  Reg m = tmp();
  emit(Op::NewMap, m, std::min(e.entries.size, 255u));
  for (const MapEntry& en : e.entries) {
    if (en.key_kind == KeyKind::Computed) {
      Reg k = expr(en.key);
      Reg v = expr(en.value);
      line_ = en.value->pos.line;
      emit(Op::SetIndex, 0, m, k, v);
    } else {
      uint32_t k = konst(Const::string(en.key->as<StringExpr>().value));
      Reg v = expr(en.value);
      line_ = en.value->pos.line;
      emit(Op::SetField, 0, m, k, v);
    }
  }
  if (dst) {
    emit(Op::Move, dst, m);
    return dst;
  }
  return m;
}

void Lowerer::concat_operands(const Expr* e, uint32_t* n) {
  // a .. b .. c is a .. (b .. c): every operand is evaluated, left to right, before any
  // concatenation, so one CONCAT of them all is exact. kConcatMax bounds one CONCAT; the
  // rest of a longer chain is concatenated first, as the right association says.
  while (e->kind == ExprKind::Binary && e->as<BinaryExpr>().op == BinaryOp::Concat &&
         *n + 1 < kConcatMax) {
    scratch_.push_back(expr(e->as<BinaryExpr>().lhs));
    ++*n;
    e = e->as<BinaryExpr>().rhs;
  }
  scratch_.push_back(expr(e));
  ++*n;
}

static bool is_logical(const Expr* e) {
  return e->kind == ExprKind::Binary &&
         (e->as<BinaryExpr>().op == BinaryOp::And || e->as<BinaryExpr>().op == BinaryOp::Or);
}

Reg Lowerer::logical(const BinaryExpr& e, Reg dst) {
  // Into a fresh register r that every path writes (dst may be a variable the operands read).
  Reg r = tmp();
  logical_into(e, r);
  if (dst) {
    emit(Op::Move, dst, r);
    return dst;
  }
  return r;
}

// a && b: r = a; if r is falsy, done; else r = b.   a || b: the same when r is truthy.
// Nested && and || write r directly.
void Lowerer::logical_into(const BinaryExpr& e, Reg r) {
  if (is_logical(e.lhs)) {
    logical_into(e.lhs->as<BinaryExpr>(), r);
  } else {
    expr(e.lhs, r);
  }
  BlockId rhs = fn().new_block(), end = fn().new_block();
  line_ = e.pos.line;
  if (e.op == BinaryOp::And) {
    emit(Op::Test, rhs, r, 0, end);
  } else {
    emit(Op::Test, end, r, 0, rhs);
  }
  start(rhs);
  if (is_logical(e.rhs)) {
    logical_into(e.rhs->as<BinaryExpr>(), r);
  } else {
    expr(e.rhs, r);
  }
  start(end);
}

Reg Lowerer::binary(const BinaryExpr& e, Reg dst) {
  Op op;
  bool swap = false;
  switch (e.op) {
    case BinaryOp::Or:
    case BinaryOp::And:
      return logical(e, dst);
    case BinaryOp::Concat: {
      size_t mark = scratch_.size();
      uint32_t n = 0;
      concat_operands(&e, &n);
      line_ = e.pos.line;
      uint32_t list = take_list(mark);
      Reg r = target(dst);
      emit(Op::Concat, r, 0, n, list);
      return r;
    }
    case BinaryOp::Eq:
      op = Op::Eq;
      break;
    case BinaryOp::Ne:
      op = Op::Ne;
      break;
    case BinaryOp::Lt:
      op = Op::Lt;
      break;
    case BinaryOp::Le:
      op = Op::Le;
      break;
    case BinaryOp::Gt:  // a > b is b < a (both are evaluated first, left to right)
      op = Op::Lt;
      swap = true;
      break;
    case BinaryOp::Ge:
      op = Op::Le;
      swap = true;
      break;
    case BinaryOp::Add:
      op = Op::Add;
      break;
    case BinaryOp::Sub:
      op = Op::Sub;
      break;
    case BinaryOp::Mul:
      op = Op::Mul;
      break;
    case BinaryOp::Div:
      op = Op::Div;
      break;
    case BinaryOp::IDiv:
      op = Op::IDiv;
      break;
    case BinaryOp::Mod:
      op = Op::Mod;
      break;
    case BinaryOp::Pow:
      op = Op::Pow;
      break;
    default:
      return constant(Const::nil(), dst);
  }
  Const k;
  bool is_arith = op >= Op::Add && op <= Op::Pow;
  if (is_arith && literal(e.rhs, &k) && k.is_number()) {  // x + 1: ADDI
    Reg a = expr(e.lhs);
    line_ = e.pos.line;
    Reg r = target(dst);
    emit(op, r, a, konst(k)).kmask = kConstB;
    return r;
  }
  if ((op == Op::Add || op == Op::Mul) && literal(e.lhs, &k) && k.is_number()) {  // 2 * x
    Reg b = expr(e.rhs);
    line_ = e.pos.line;
    Reg r = target(dst);
    emit(op, r, b, konst(k)).kmask = kConstB;
    return r;
  }
  Reg a = expr(e.lhs);
  Reg b = expr(e.rhs);
  line_ = e.pos.line;
  if (swap) std::swap(a, b);
  return arith(op, a, b, dst);
}

// ---- Conditions ---------------------------------------------------------------------------

// The comparison that `op` makes, if it is one; *negate for !=.
static bool comparison(BinaryOp op, Cmp* c, bool* negate) {
  *negate = false;
  switch (op) {
    case BinaryOp::Eq:
      *c = Cmp::Eq;
      return true;
    case BinaryOp::Ne:
      *c = Cmp::Eq;
      *negate = true;
      return true;
    case BinaryOp::Lt:
      *c = Cmp::Lt;
      return true;
    case BinaryOp::Le:
      *c = Cmp::Le;
      return true;
    case BinaryOp::Gt:
      *c = Cmp::Gt;
      return true;
    case BinaryOp::Ge:
      *c = Cmp::Ge;
      return true;
    default:
      return false;
  }
}

void Lowerer::cond(const Expr* e, BlockId t, BlockId f) {
  switch (e->kind) {
    case ExprKind::Nil:
      jump(f);
      return;
    case ExprKind::Bool:
      jump(e->as<BoolExpr>().value ? t : f);
      return;
    case ExprKind::Int:
    case ExprKind::Float:
    case ExprKind::String:
      jump(t);
      return;
    case ExprKind::Unary:
      if (e->as<UnaryExpr>().op == UnaryOp::Not) {
        cond(e->as<UnaryExpr>().operand, f, t);
        return;
      }
      break;
    case ExprKind::Binary: {
      const auto& b = e->as<BinaryExpr>();
      if (b.op == BinaryOp::And || b.op == BinaryOp::Or) {
        BlockId mid = fn().new_block();
        if (b.op == BinaryOp::And) {
          cond(b.lhs, mid, f);
        } else {
          cond(b.lhs, t, mid);
        }
        start(mid);
        cond(b.rhs, t, f);
        return;
      }
      Cmp c;
      bool negate;
      if (!comparison(b.op, &c, &negate)) break;
      Const k;
      bool lit_rhs = literal(b.rhs, &k);
      bool lit_lhs = !lit_rhs && literal(b.lhs, &k);
      if (lit_lhs) c = mirror(c);  // 0 < x is x > 0
      Reg x = expr(lit_lhs ? b.rhs : b.lhs);
      uint32_t y = lit_rhs || lit_lhs ? konst(k) : expr(b.rhs);
      line_ = b.pos.line;
      Instr& in = emit(Op::Br, negate ? f : t, x, y, negate ? t : f);
      in.cond = c;
      if (lit_rhs || lit_lhs) in.kmask = kConstB;
      return;
    }
    default:
      break;
  }
  Reg v = expr(e);
  line_ = e->pos.line;
  emit(Op::Test, t, v, 0, f);
}

}  // namespace hako::mir
