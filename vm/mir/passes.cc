// The pass pipeline, and the small passes (unreachable blocks, dead code).
//
//              lowering (lower.cc)
//                   |
//      -O1:  fold_constants            constants through moves, arithmetic, branches
//            remove_unreachable        blocks the folded branches cut off
//            propagate_copies          move d, a: uses of d read a
//            peephole                  constant operands, compare+test -> branch
//            thread_jumps              jumps to jumps, jumps to returns
//            remove_unreachable        the trampolines left behind
//            eliminate_dead_code       pure instructions nobody reads
//                   |
//      -O0:  (nothing)
//                   |
//              regalloc.cc -> emit.cc
//
// With `verify`, the verifier runs after the lowering (in the driver) and after each pass.
#include "vm/mir/passes.h"

#include "vm/mir/verify.h"

namespace hako::mir {

void count_defs_uses(const Function& fn, Scratch& s) {
  s.counted = true;
  s.defs.assign(fn.nregs, 0);
  s.uses.assign(fn.nregs, 0);
  for (uint32_t r = 1; r <= fn.nparams; ++r) s.defs[r] = 1;
  for (const Block& b : fn.blocks) {
    if (b.dead) continue;
    for (uint32_t i = b.begin; i < b.end; ++i) {
      const Instr& in = fn.code[i];
      for_each_use(fn, in, [&](const Reg& r) { ++s.uses[r]; });
      for_each_def(fn, in, [&](const Reg& r) { ++s.defs[r]; });
    }
  }
}

void remove_unreachable(Function& fn, Scratch& s) {
  auto& seen = s.aux;
  seen.assign(fn.blocks.size(), 0);
  s.stack.clear();
  s.stack.push_back(0);
  seen[0] = 1;
  while (!s.stack.empty()) {
    BlockId b = s.stack.back();
    s.stack.pop_back();
    BlockId succ[2];
    for (uint32_t k = 0, n = fn.successors(b, succ); k < n; ++k) {
      if (!seen[succ[k]]) {
        seen[succ[k]] = 1;
        s.stack.push_back(succ[k]);
      }
    }
  }
  for (BlockId b = 0; b < fn.blocks.size(); ++b) {
    if (!seen[b]) fn.blocks[b].dead = true;
  }
}

void eliminate_dead_code(Function& fn, Scratch& s) {
  count_defs_uses(fn, s);  // exact counts: an over-estimate would keep dead code
  // Backwards, so that a chain of dead temporaries goes in one sweep (a definition usually
  // comes before its uses); again while anything went.
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t bi = fn.blocks.size(); bi-- > 0;) {
      const Block& b = fn.blocks[bi];
      if (b.dead) continue;
      for (uint32_t i = b.end; i-- > b.begin;) {
        Instr& in = fn.code[i];
        if (in.op == Op::Nop || !is_pure(in.op) || s.uses[in.d] != 0) continue;
        for_each_use(fn, in, [&](Reg& r) { --s.uses[r]; });
        in = Instr{};
        changed = true;
      }
    }
  }
}

bool optimize(Function& fn, int level, bool verify_each, Scratch& s, Error* err) {
  if (level <= 0) return true;
  using Pass = void (*)(Function&, Scratch&);
  static const Pass kO1[] = {fold_constants, remove_unreachable, propagate_copies,   peephole,
                             thread_jumps,   remove_unreachable, eliminate_dead_code};
  count_defs_uses(fn, s);
  bool ok = true;
  for (Pass p : kO1) {
    p(fn, s);
    if (verify_each && !verify(fn, err)) {
      ok = false;
      break;
    }
  }
  s.counted = false;
  return ok;
}

}  // namespace hako::mir
