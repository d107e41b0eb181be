// MIR as stable text (`hako --dump-mir`, golden tests). For example
//
//   function add(%1, %2) line 1
//   b0:
//     %3 = add %1, %2                          ; 2
//     ret %3                                   ; 2
//
// One instruction a line, its source line after ';'. Registers are %N, constant operands
// Hako literals, blocks bN, upvalues uN, nested functions fnN, loop groups gN; `globals`
// names the global indexes. Removed blocks are not shown. A header line per upvalue says
// what the closure captures: `outer %N` (a register of the enclosing function), `outer uN`
// (its upvalue) or `self`; and one per loop group, its slots and pinned registers.
#pragma once

#include <span>
#include <string_view>

#include "parser/text_buffer.h"
#include "vm/mir/mir.h"

namespace hako::mir {

void dump(const Function& fn, std::span<const std::string_view> globals, TextBuffer* out);
void dump_instr(const Function& fn, const Instr& in, std::span<const std::string_view> globals,
                TextBuffer* out);
void dump_const(const Const& c, TextBuffer* out);

}  // namespace hako::mir
