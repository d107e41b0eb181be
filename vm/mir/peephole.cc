// Peepholes: constant operands into the instructions that have forms for them (so the
// LoadK goes), and a comparison whose only use is the test right after it into one branch.
#include <utility>

#include "vm/mir/passes.h"

namespace hako::mir {

namespace {

class Peephole {
 public:
  Peephole(Function& fn, Scratch& s) : fn_(fn), s_(s) {}

  void run() {
    ensure_counts(fn_, s_);
    s_.kval.assign(fn_.nregs, 0);
    for (const Block& b : fn_.blocks) {
      if (b.dead) continue;
      Instr* prev = nullptr;
      for (uint32_t i = b.begin; i < b.end; ++i) {
        Instr& in = fn_.code[i];
        if (in.op == Op::Nop) continue;
        instr(in, prev);
        if (in.op == Op::LoadK && s_.defs[in.d] == 1) s_.kval[in.d] = in.a + 1;
        if (in.op != Op::Nop) prev = &in;
      }
    }
  }

 private:
  // The constant register r holds (defined once, by a LoadK), or nullptr.
  const Const* known(Reg r) const {
    uint32_t k = s_.kval[r];
    return k ? &fn_.consts[k - 1] : nullptr;
  }

  // Field b of `in` becomes the constant that register holds, if it is one and `ok` likes it.
  template <class Ok>
  bool const_b(Instr& in, Ok ok) {
    if (in.kmask & kConstB) return false;
    const Const* c = known(in.b);
    if (!c || !ok(*c)) return false;
    --s_.uses[in.b];
    in.b = s_.kval[in.b] - 1;
    in.kmask |= kConstB;
    return true;
  }

  void fuse_test(Instr& in, Instr* prev) {
    // %t = lt a, b; test %t -> T, F   =>   br.lt a, b -> T, F   (when %t is used only there)
    if (!prev || prev->d != in.a || s_.uses[in.a] != 1 || s_.defs[in.a] != 1) return;
    switch (prev->op) {
      case Op::Not:
        in.a = prev->a;
        std::swap(in.d, in.c);
        break;
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
        in.op = Op::Br;
        in.cond = prev->op == Op::Lt ? Cmp::Lt : prev->op == Op::Le ? Cmp::Le : Cmp::Eq;
        if (prev->op == Op::Ne) std::swap(in.d, in.c);
        in.a = prev->a;
        in.b = prev->b;
        break;
      default:
        return;
    }
    s_.uses[prev->d] = 0;
    s_.defs[prev->d] = 0;
    *prev = Instr{};
  }

  void instr(Instr& in, Instr* prev) {
    auto number = [](const Const& c) { return c.is_number(); };
    switch (in.op) {
      case Op::Move:
        if (in.d == in.a) in = Instr{};
        break;
      case Op::Add:
      case Op::Mul:
        if (!(in.kmask & kConstB) && !known(in.b) && known(in.a) && known(in.a)->is_number()) {
          std::swap(in.a, in.b);  // commutative: the constant goes right
        }
        const_b(in, number);
        break;
      case Op::Sub:
      case Op::Div:
      case Op::IDiv:
      case Op::Mod:
      case Op::Pow:
        const_b(in, number);
        break;
      case Op::GetIndex:
      case Op::SetIndex: {
        const Const* c = (in.kmask & kConstB) ? &fn_.consts[in.b] : known(in.b);
        if (!c) break;
        if (c->kind == Const::Kind::String) {  // a["k"] is a.k
          if (!(in.kmask & kConstB)) --s_.uses[in.b];
          in.b = (in.kmask & kConstB) ? in.b : s_.kval[in.b] - 1;
          in.kmask &= static_cast<uint8_t>(~kConstB);
          in.op = in.op == Op::GetIndex ? Op::GetField : Op::SetField;
        } else {
          const_b(in, [](const Const& k) {
            return k.kind == Const::Kind::Int && k.i >= 0 && k.i <= 255;
          });
        }
        break;
      }
      case Op::Test:
        fuse_test(in, prev);
        if (in.op == Op::Br) instr(in, nullptr);
        break;
      case Op::Br:
        if (!(in.kmask & kConstB) && !known(in.b) && known(in.a)) {
          std::swap(in.a, in.b);
          in.cond = mirror(in.cond);
        }
        const_b(in, [](const Const&) { return true; });
        break;
      case Op::ForInit:
        for (int f = 0; f < 3; ++f) {
          uint32_t& v = f == 0 ? in.a : f == 1 ? in.b : in.c;
          auto bit = static_cast<uint8_t>(1u << f);
          if (!(in.kmask & bit) && known(v)) {
            --s_.uses[v];
            v = s_.kval[v] - 1;
            in.kmask |= bit;
          }
        }
        break;
      default:
        break;
    }
  }

  Function& fn_;
  Scratch& s_;
};

}  // namespace

void peephole(Function& fn, Scratch& s) { Peephole(fn, s).run(); }

}  // namespace hako::mir
