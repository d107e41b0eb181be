// Register allocation: every virtual register gets a frame slot (a bytecode register) by
// linear scan over live intervals (Poletto & Sarkar), without spilling: a function that
// needs more than kMaxSlots slots at once is a compile error.
//
// Instructions are numbered in layout order; an instruction at index k uses its operands at
// position 2k and defines its result at 2k + 1 (at 2k for kEarly ones), so a result may take
// the slot of an operand that dies there. A register's interval runs from its first to its
// last position, widened over the blocks where it is live (liveness by backward dataflow,
// only for registers that cross a block boundary). Parameters keep slots 0..nparams-1; a loop
// group gets `width` consecutive slots and its pinned registers their offsets in them.
#pragma once

#include "parser/error.h"
#include "vm/mir/mir.h"
#include "vm/mir/passes.h"

namespace hako::mir {

constexpr uint32_t kMaxSlots = 254;  // slot 254 stays free for the emitter's scratch
constexpr uint8_t kNoSlot = 0xff;

struct Allocation {
  Vec<uint8_t, "mir.pass"> slot;  // by vreg; kNoSlot for one that is never used
  uint32_t nslots = 0;            // frame slots in use: 0..nslots-1
};

// Work arrays, reused from one function to the next.
struct RegallocScratch {
  Vec<uint32_t, "mir.pass"> start, end, block, gidx, bstart, bend;
  Vec<uint8_t, "mir.pass"> global, pinned, width;
  Vec<Reg, "mir.pass"> greg;  // the register of each global index
  Vec<uint64_t, "mir.pass"> live;
  Vec<Reg, "mir.pass"> starts, ends, next;
};

// False with an error (at the function's position) when it needs too many slots.
bool allocate_registers(const Function& fn, RegallocScratch& s, Allocation* out, Error* err);

}  // namespace hako::mir
