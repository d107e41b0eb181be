// The MIR verifier: the invariants every pass must keep. Run after lowering and after each
// pass in debug builds and in tests (CompileOptions::verify).
//  - every live block is non-empty and ends with its only terminator;
//  - every operand is in range: registers, constants, globals, upvalues, lists, groups,
//    nested functions; jump targets are live blocks;
//  - every register is defined on every path from the entry before it is used (parameters
//    are defined on entry); blocks the entry cannot reach are not checked;
//  - a group op names its group's base register; an instruction whose destination must not
//    share a slot with its operands (kEarly) does not use its destination.
#pragma once

#include "parser/error.h"
#include "vm/mir/mir.h"

namespace hako::mir {

// True when `fn` is well-formed; otherwise false with what is wrong (and where) in *err.
bool verify(const Function& fn, Error* err);

}  // namespace hako::mir
