// Copy propagation.
//
// Globally: for `move d, a` with d and a each defined once, every use of d can read a
// instead. (a's definition comes before the move on every path, d's before each use of d;
// a value defined once cannot change between the move and such a use, or the path that
// changes it would reach the use without passing the move.) The move then goes.
//
// Within a block, for any move: until d or a is redefined, uses of d read a.
#include "vm/mir/passes.h"

namespace hako::mir {

namespace {

constexpr uint32_t kMaxPairs = 8;  // copies tracked at once within a block

}  // namespace

void propagate_copies(Function& fn, Scratch& s) {
  ensure_counts(fn, s);
  auto& to = s.aux;  // to[d] = a: d is a copy of a (0: not a copy)
  to.assign(fn.nregs, 0);
  bool any = false;
  for (const Block& b : fn.blocks) {
    if (b.dead) continue;
    for (uint32_t i = b.begin; i < b.end; ++i) {
      const Instr& in = fn.code[i];
      if (in.op == Op::Move && in.d != in.a && s.defs[in.d] == 1 && s.defs[in.a] == 1) {
        to[in.d] = in.a;
        any = true;
      }
    }
  }
  auto root = [&](Reg r) {
    for (int hops = 0; hops < 64 && to[r] != 0; ++hops) r = to[r];
    return r;
  };
  // pairs: (d << 32 | a) for the copies of the current block.
  auto& pairs = s.pairs;
  for (const Block& b : fn.blocks) {
    if (b.dead) continue;
    pairs.clear();
    for (uint32_t i = b.begin; i < b.end; ++i) {
      Instr& in = fn.code[i];
      if (in.op == Op::Nop) continue;
      bool early = info(in.op).flags & kEarly;
      for_each_use(fn, in, [&](Reg& r) {
        Reg old = r;
        if (any && to[r]) r = root(r);
        for (uint64_t p : pairs) {
          auto a = static_cast<Reg>(p);
          if (static_cast<Reg>(p >> 32) == r && !(early && a == in.d)) {
            r = a;
            break;
          }
        }
        if (r != old) {
          --s.uses[old];
          ++s.uses[r];
        }
      });
      if (in.op == Op::Move && any && to[in.d]) {  // the global copy is not needed any more
        --s.uses[in.a];
        --s.defs[in.d];
        in = Instr{};
        continue;
      }
      if (!pairs.empty()) {
        for_each_def(fn, in, [&](const Reg& d) {
          for (size_t k = 0; k < pairs.size();) {
            if (static_cast<Reg>(pairs[k] >> 32) == d || static_cast<Reg>(pairs[k]) == d) {
              pairs[k] = pairs.back();
              pairs.pop_back();
            } else {
              ++k;
            }
          }
        });
      }
      if (in.op == Op::Move) {
        if (in.d == in.a) {
          --s.uses[in.a];
          --s.defs[in.d];
          in = Instr{};
          continue;
        }
        if (pairs.size() == kMaxPairs) pairs.erase(pairs.begin());
        pairs.push_back(uint64_t{in.d} << 32 | in.a);
      }
    }
  }
}

}  // namespace hako::mir
