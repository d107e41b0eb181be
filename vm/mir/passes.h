// The MIR passes. Each takes a Function and the Scratch that the driver reuses from one
// function to the next; each keeps the verifier's invariants (verify.h). The order they run
// in, by optimization level, is drawn in passes.cc (optimize()).
#pragma once

#include "parser/arena.h"
#include "parser/error.h"
#include "vm/mir/mir.h"

namespace hako::mir {

// Work arrays of the passes (site mir.pass), sized per function and reused.
struct Scratch {
  Scratch() : strings(HAK_SITE("mir.const"), 1024) {}
  // Definitions and uses of each register (count_defs_uses). While `counted` is set, the
  // passes trust them and keep them valid: exact, or too high (a count too high only makes
  // a pass more careful). optimize() counts once and clears `counted` when done.
  Vec<uint32_t, "mir.pass"> defs, uses;
  bool counted = false;
  Vec<uint32_t, "mir.pass"> kval, aux;
  Vec<BlockId, "mir.pass"> blocks, stack;
  Vec<uint64_t, "mir.pass"> pairs;
  Arena strings;  // strings made by folding; they must live until the function is emitted
};

// defs[r]: how many instructions of live blocks define r (parameters count one more, for
// the entry); uses[r]: how many operands use r. Sets s.counted.
void count_defs_uses(const Function& fn, Scratch& s);
inline void ensure_counts(const Function& fn, Scratch& s) {
  if (!s.counted) count_defs_uses(fn, s);
}

// Evaluates instructions whose operands are constants (registers defined once, by a
// constant), with Hako's exact semantics (vm/arith.h), turns branches on constants into
// jumps, and propagates constants through moves. Never folds what would raise at run time.
void fold_constants(Function& fn, Scratch& s);
// move d, a: uses of d become uses of a when both are defined once (globally), or within a
// block until either is redefined.
void propagate_copies(Function& fn, Scratch& s);
// Constant operands into the instructions that have forms for them (ADDI, GETFIELD, BLTI,
// ...), a compare followed by a test of its result into one branch, and the like.
void peephole(Function& fn, Scratch& s);
// Jumps to a block that only jumps go straight to its target; a jump to a block that only
// returns becomes that return; a branch with equal targets becomes a jump.
void thread_jumps(Function& fn, Scratch& s);
// Marks blocks the entry cannot reach dead.
void remove_unreachable(Function& fn, Scratch& s);
// Removes instructions without effect (kPure) whose result nothing uses.
void eliminate_dead_code(Function& fn, Scratch& s);

// Runs the pipeline of `level` (0: nothing, 1: everything), verifying after each pass when
// `verify`; false (with the verifier's message) if a pass broke an invariant.
bool optimize(Function& fn, int level, bool verify, Scratch& s, Error* err);

}  // namespace hako::mir
