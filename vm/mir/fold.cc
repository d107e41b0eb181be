// Constant folding and propagation, with the VM's own number semantics (vm/arith.h).
//
// A register is a known constant when it has one definition, a LoadK: that definition is
// then on every path to each use, and nothing changes the register in between. Blocks are
// visited in layout order, where such a definition comes before its uses (the lowering
// emits code in source order); a use met first is simply not folded.
//
// Never folded, because it raises at run time: int // 0, int % 0, arithmetic and ordering
// on anything but numbers (and strings, for ordering), `..` of anything but strings and
// numbers.
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "parser/numbers.h"
#include "vm/arith.h"
#include "vm/mir/passes.h"

namespace hako::mir {

namespace {

using Kind = Const::Kind;

bool truthy(const Const& c) { return c.kind != Kind::Nil && c.kind != Kind::False; }

double as_float(const Const& c) { return c.kind == Kind::Int ? static_cast<double>(c.i) : c.f; }

bool fold_arith(Op op, const Const& x, const Const& y, Const* out) {
  if (!x.is_number() || !y.is_number()) return false;
  if (x.kind == Kind::Int && y.kind == Kind::Int) {
    int64_t a = x.i, b = y.i;
    switch (op) {
      case Op::Add:
        *out = Const::integer(arith::add(a, b));
        return true;
      case Op::Sub:
        *out = Const::integer(arith::sub(a, b));
        return true;
      case Op::Mul:
        *out = Const::integer(arith::mul(a, b));
        return true;
      case Op::IDiv:
        if (b == 0) return false;
        *out = Const::integer(arith::idiv(a, b));
        return true;
      case Op::Mod:
        if (b == 0) return false;
        *out = Const::integer(arith::mod(a, b));
        return true;
      default:
        break;  // / and ** give floats
    }
  }
  double a = as_float(x), b = as_float(y);
  switch (op) {
    case Op::Add:
      *out = Const::number(a + b);
      return true;
    case Op::Sub:
      *out = Const::number(a - b);
      return true;
    case Op::Mul:
      *out = Const::number(a * b);
      return true;
    case Op::Div:
      *out = Const::number(arith::fdiv(a, b));
      return true;
    case Op::IDiv:
      *out = Const::number(arith::fidiv(a, b));
      return true;
    case Op::Mod:
      *out = Const::number(arith::fmod(a, b));
      return true;
    case Op::Pow:
      *out = Const::number(arith::pow(a, b));
      return true;
    default:
      return false;
  }
}

bool fold_eq(const Const& x, const Const& y) {
  if (x.kind == Kind::Int && y.kind == Kind::Int) return x.i == y.i;
  if (x.kind == Kind::Float && y.kind == Kind::Float) return x.f == y.f;
  if (x.kind == Kind::Int && y.kind == Kind::Float) return arith::eq_int_float(x.i, y.f);
  if (x.kind == Kind::Float && y.kind == Kind::Int) return arith::eq_int_float(y.i, x.f);
  if (x.kind != y.kind) return false;
  if (x.kind == Kind::String) return x.str() == y.str();
  return true;  // nil, true, false
}

// x < y (or x <= y); false when it would raise (not two numbers or two strings).
bool fold_less(const Const& x, const Const& y, bool or_equal, bool* out) {
  if (x.kind == Kind::String && y.kind == Kind::String) {
    int c = arith::compare_bytes(x.s, x.len, y.s, y.len);
    *out = or_equal ? c <= 0 : c < 0;
    return true;
  }
  if (!x.is_number() || !y.is_number()) return false;
  if (x.kind == Kind::Int && y.kind == Kind::Int) {
    *out = or_equal ? x.i <= y.i : x.i < y.i;
  } else if (x.kind == Kind::Float && y.kind == Kind::Float) {
    *out = or_equal ? x.f <= y.f : x.f < y.f;
  } else if (x.kind == Kind::Int) {
    *out = or_equal ? arith::le_int_float(x.i, y.f) : arith::lt_int_float(x.i, y.f);
  } else {
    *out = or_equal ? arith::le_float_int(x.f, y.i) : arith::lt_float_int(x.f, y.i);
  }
  return true;
}

bool fold_cmp(Cmp c, const Const& x, const Const& y, bool* out) {
  switch (c) {
    case Cmp::Eq:
      *out = fold_eq(x, y);
      return true;
    case Cmp::Lt:
      return fold_less(x, y, false, out);
    case Cmp::Le:
      return fold_less(x, y, true, out);
    case Cmp::Gt:
      return fold_less(y, x, false, out);
    case Cmp::Ge:
      return fold_less(y, x, true, out);
  }
  return false;
}

// The text `..` makes of a constant (str() of a number), or false when `..` would raise.
bool concat_text(const Const& c, char* buf, std::string_view* out) {
  switch (c.kind) {
    case Kind::String:
      *out = c.str();
      return true;
    case Kind::Int:
      *out = std::string_view(buf, static_cast<size_t>(snprintf(buf, 32, "%" PRId64, c.i)));
      return true;
    case Kind::Float:
      *out = std::string_view(buf, format_double(c.f, buf));
      return true;
    default:
      return false;
  }
}

class Folder {
 public:
  Folder(Function& fn, Scratch& s) : fn_(fn), s_(s) {}

  void run() {
    ensure_counts(fn_, s_);
    s_.kval.assign(fn_.nregs, 0);
    for (Block& b : fn_.blocks) {
      if (b.dead) continue;
      for (uint32_t i = b.begin; i < b.end; ++i) instr(fn_.code[i]);
    }
  }

 private:
  // The constant in field `bit` (kConstA/B/C) of `in`, or nullptr.
  const Const* known(const Instr& in, uint32_t v, uint8_t bit) const {
    if (in.kmask & bit) return &fn_.consts[v];
    uint32_t k = s_.kval[v];
    return k ? &fn_.consts[k - 1] : nullptr;
  }

  void to_const(Instr& in, const Const& c) {
    uint32_t k = fn_.consts.add(c);
    in.op = Op::LoadK;
    in.kmask = 0;
    in.a = k;
    in.b = in.c = 0;
    if (s_.defs[in.d] == 1) s_.kval[in.d] = k + 1;
  }

  void to_jump(Instr& in, BlockId target) {
    in.op = Op::Jmp;
    in.kmask = 0;
    in.d = target;
    in.a = in.b = in.c = 0;
  }

  void instr(Instr& in) {
    switch (in.op) {
      case Op::LoadK:
        if (s_.defs[in.d] == 1) s_.kval[in.d] = in.a + 1;
        break;
      case Op::Move:
        if (const Const* c = known(in, in.a, 0)) to_const(in, *c);
        break;
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::IDiv:
      case Op::Mod:
      case Op::Pow: {
        const Const* x = known(in, in.a, kConstA);
        const Const* y = known(in, in.b, kConstB);
        Const r;
        if (x && y && fold_arith(in.op, *x, *y, &r)) to_const(in, r);
        break;
      }
      case Op::Neg:
        if (const Const* x = known(in, in.a, 0)) {
          if (x->kind == Kind::Int) {
            to_const(in, Const::integer(arith::neg(x->i)));
          } else if (x->kind == Kind::Float) {
            to_const(in, Const::number(-x->f));
          }
        }
        break;
      case Op::Not:
        if (const Const* x = known(in, in.a, 0)) to_const(in, Const::boolean(!truthy(*x)));
        break;
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le: {
        const Const* x = known(in, in.a, 0);
        const Const* y = known(in, in.b, 0);
        bool r;
        Cmp c = in.op == Op::Lt ? Cmp::Lt : in.op == Op::Le ? Cmp::Le : Cmp::Eq;
        if (x && y && fold_cmp(c, *x, *y, &r)) to_const(in, Const::boolean(r != (in.op == Op::Ne)));
        break;
      }
      case Op::Concat:
        concat(in);
        break;
      case Op::Test:
        if (const Const* x = known(in, in.a, 0)) to_jump(in, truthy(*x) ? in.d : in.c);
        break;
      case Op::Br: {
        const Const* x = known(in, in.a, kConstA);
        const Const* y = known(in, in.b, kConstB);
        bool r;
        if (x && y && fold_cmp(in.cond, *x, *y, &r)) to_jump(in, r ? in.d : in.c);
        break;
      }
      default:
        break;
    }
  }

  void concat(Instr& in) {
    size_t total = 0;
    for (uint32_t k = 0; k < in.b; ++k) {
      const Const* c = known(in, fn_.lists[in.c + k], 0);
      char buf[32];
      std::string_view t;
      if (!c || !concat_text(*c, buf, &t)) return;
      total += t.size();
    }
    if (total > UINT32_MAX) return;
    auto* p = static_cast<char*>(s_.strings.alloc(total ? total : 1, 1));
    if (!p) return;
    size_t at = 0;
    for (uint32_t k = 0; k < in.b; ++k) {
      char buf[32];
      std::string_view t;
      concat_text(*known(in, fn_.lists[in.c + k], 0), buf, &t);
      if (!t.empty()) std::memcpy(p + at, t.data(), t.size());
      at += t.size();
    }
    to_const(in, Const::string(std::string_view(p, total)));
  }

  Function& fn_;
  Scratch& s_;
};

}  // namespace

void fold_constants(Function& fn, Scratch& s) { Folder(fn, s).run(); }

}  // namespace hako::mir
