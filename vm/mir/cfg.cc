// Jump threading.
#include "vm/mir/passes.h"

namespace hako::mir {

namespace {

// The only instruction of block b that is not a Nop, or nullptr.
const Instr* only_instr(const Function& fn, BlockId b) {
  const Instr* found = nullptr;
  const Block& bl = fn.blocks[b];
  for (uint32_t i = bl.begin; i < bl.end; ++i) {
    if (fn.code[i].op == Op::Nop) continue;
    if (found) return nullptr;
    found = &fn.code[i];
  }
  return found;
}

// Where a jump to b ends up, through blocks that only jump.
BlockId final_target(const Function& fn, BlockId b) {
  for (int hops = 0; hops < 16; ++hops) {
    const Instr* in = only_instr(fn, b);
    if (!in || in->op != Op::Jmp || in->d == b) break;
    b = in->d;
  }
  return b;
}

}  // namespace

void thread_jumps(Function& fn, Scratch&) {
  for (Block& b : fn.blocks) {
    if (b.dead) continue;
    Instr& t = fn.code[b.end - 1];
    const OpInfo& oi = info(t.op);
    if (oi.d == Field::T) t.d = final_target(fn, t.d);
    if (oi.b == Field::T) t.b = final_target(fn, t.b);
    if (oi.c == Field::T) t.c = final_target(fn, t.c);
    if ((t.op == Op::Br || t.op == Op::Test) && t.d == t.c) {
      BlockId to = t.d;
      t = Instr{Op::Jmp, 0, Cmp::Eq, t.line, to, 0, 0, 0};
    }
    if (t.op == Op::Jmp) {
      // A jump to a return is that return (the value is defined here, as it is there).
      const Instr* r = only_instr(fn, t.d);
      if (r && (r->op == Op::Ret || r->op == Op::RetNil)) t = *r;
    }
  }
}

}  // namespace hako::mir
