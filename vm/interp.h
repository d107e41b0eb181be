// The bytecode interpreter (docs/VM.md, "The interpreter"): loads compiled units into a
// runtime and runs their code. Every runtime has it as its call hook, so Runtime::call
// runs closures (the chunk, pcall's function, sort's comparator) through it.
#pragma once

#include "vm/buffer.h"
#include "vm/bytecode.h"
#include "vm/runtime.h"

namespace hako::vm {

// Turns a compiled unit into runtime prototypes — constants become values, the unit's
// global names positions in the runtime's globals map (a name not there yet is added,
// holding nil) — and pushes a closure of its chunk at the top of the stack. False after
// raising "out of memory" (nothing is pushed). The unit may be dropped afterwards.
bool load(Runtime& rt, const bc::Unit& unit);

// Runs the chunk closure that load() pushed and pops it: *ret is what the chunk returned
// (nil unless it ends with `return e;`). False with the error and its traceback pending.
bool run_loaded(Runtime& rt, Value* ret = nullptr);

// The call hook every runtime starts with (Runtime::set_call_hook): runs the closure in
// stack[func_slot] on the nargs values above it, in a new interpreter loop that returns
// when that closure returns. Calls from Hako to Hako inside it stay in the loop.
bool interp_call(Runtime& rt, uint32_t func_slot, uint32_t nargs, Value* ret);

// The source line of instruction `pc` of p (0 when p has no line table).
uint32_t line_at(const Proto* p, uint32_t pc);

// Appends the pending error's traceback, innermost frame first, one line a frame:
// "  FILE:LINE in function NAME" ("<anonymous>" for a function without a name), and
// "  ... (N more)" where a deep one was cut. Nothing when there is none.
bool append_traceback(Runtime& rt, Buffer& out);

}  // namespace hako::vm
