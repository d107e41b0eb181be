// What the two builds of the interpreter loop share (interp_loop.h): the loops themselves
// and their out-of-line slow paths, defined in interp.cc. Private to the interpreter.
#pragma once

#include "vm/arith.h"
#include "vm/bytecode.h"
#include "vm/runtime.h"
#include "vm/value_ops.h"

#if defined(__GNUC__)
#define HAKO_LIKELY(x) __builtin_expect(!!(x), 1)
#define HAKO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HAKO_NOINLINE __attribute__((noinline))
#else
#define HAKO_LIKELY(x) (x)
#define HAKO_UNLIKELY(x) (x)
#define HAKO_NOINLINE
#endif

// Computed goto where the compiler has it (GCC, Clang), unless HAKO_VM_FORCE_SWITCH asks for
// the portable switch everywhere.
#if defined(__GNUC__) && !defined(HAKO_VM_FORCE_SWITCH)
#define HAKO_VM_HAVE_GOTO 1
#else
#define HAKO_VM_HAVE_GOTO 0
#endif

namespace hako::vm::interp {

// Copies a value as Lua's setobj does, its two words one by one. An aggregate copy is one
// 16-byte SSE load, and a value was usually just written by two 8-byte stores (a
// constructor, an arithmetic result): a load wider than the stores before it cannot be
// forwarded from them, a stall of about a dozen cycles. (interp.cc is built with
// -fno-tree-slp-vectorize, so that g++ does not merge the two copies back into one.)
inline void setobj(Value* d, const Value* s) {
  d->bits = s->bits;
  d->tag = s->tag;
}

// The loops: run the frame on top of rt.frames (an entry frame) until it returns, with
// *ret its result; or unwind every frame down to and including it and return false with
// the error pending. interp.cc builds one with computed goto, interp_switch.cc one with a
// switch, from the same source.
bool execute_goto(Runtime& rt, Value* ret);
bool execute_switch(Runtime& rt, Value* ret);

// Slow paths, out of line so the loop stays small.
bool call_error(Runtime& rt, Value f);
// Room for a new frame and `slots` stack slots above top (may move the stack).
bool grow_for_call(Runtime& rt, size_t slots);
// FORPREP on R[A..A+3]: *skip when the loop runs zero times.
bool for_prep(Runtime& rt, Value* ra, bool* skip);
bool iter_error(Runtime& rt, Value v);
bool concat_list(Runtime& rt, const Value* base, const uint8_t* regs, unsigned n, Value* out);
bool new_array_list(Runtime& rt, const Value* base, const uint8_t* regs, unsigned n, unsigned hint,
                    Value* out);
bool append_list(Runtime& rt, Value arr, const Value* base, const uint8_t* regs, unsigned n);
bool closure(Runtime& rt, Closure* cl, Value* base, Proto* p, Value* out);
// Records the traceback of the frames this loop unwinds (the running one stopped at
// pc - 1) and pops them, down to and including the entry frame.
void unwind(Runtime& rt, const bc::Instr* pc);

}  // namespace hako::vm::interp
