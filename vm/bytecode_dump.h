// A compiled unit as stable text (`hako --dump-bytecode`, golden tests): each prototype in
// pre-order (the chunk first, numbered #0, #1, ...), its instructions one a line with the
// source line in brackets and what the operands name after ';', then its constants and
// upvalue descriptors. For example
//
//   function #0 main  file.hako:1  params 0, registers 2, upvalues 0, constants 1, functions 0
//        0  [1]     GETGLOBAL 0 0                 ; print
//        1  [1]     LOADK     1 0                 ; "hi"
//        2  [1]     CALL      0 0 1 [1]
//        3  [1]     RETURN0
//     constants
//        0  "hi"
#pragma once

#include "parser/text_buffer.h"
#include "vm/bytecode.h"

namespace hako::bc {

void dump(const Unit& unit, TextBuffer* out);
// One instruction (and its register list), without a newline.
void dump_instr(const Unit& unit, const Proto& p, uint32_t pc, TextBuffer* out);

}  // namespace hako::bc
