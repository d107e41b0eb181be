// Emission: a register-allocated MIR function -> a bc::Proto in the unit's arenas. Picks the
// specialized forms (LOADI, ADDI/ADDK, GETFIELD, BLTI, ...), lays the blocks out with
// fall-through, writes the line table, and fills in the upvalue descriptors of the nested
// functions whose closures it creates (their slots are known only now).
//
// Constants that 8-bit operand fields name are numbered first, so that up to 256 of them
// fit; one beyond that is loaded into a scratch register (the slot after the allocated
// ones) by a LOADK before its use.
#pragma once

#include <span>

#include "parser/error.h"
#include "vm/bytecode.h"
#include "vm/mir/mir.h"
#include "vm/mir/regalloc.h"

namespace hako::mir {

// Strings copied into the unit once each (constants, names).
class StringPool {
 public:
  explicit StringPool(bc::Unit* unit) : unit_(unit) {}
  // The unit's copy of s; nullptr when out of memory.
  const char* intern(std::string_view s);

 private:
  struct Entry {
    const char* p;  // nullptr: an empty slot
    uint32_t len, hash;
  };
  bc::Unit* unit_;
  Vec<Entry, "mir.const"> table_;  // open addressing, with each string's hash
  size_t count_ = 0;
};

struct EmitScratch {
  Vec<bc::Instr, "mir.pass"> code;
  Vec<bc::LineRun, "mir.pass"> lines;
  Vec<uint32_t, "mir.pass"> kmap, korder, block_pc, next;
  Vec<uint64_t, "mir.pass"> fixups;
};

struct EmitContext {
  bc::Unit* unit;
  StringPool* strings;
  std::span<bc::Proto*> children;  // fn's nested functions, by Closure P operand
  EmitScratch* scratch;
};

// The prototype of `fn`, or nullptr with an error (too many constants, a jump too long, out
// of memory).
bc::Proto* emit(const Function& fn, const Allocation& alloc, EmitContext& cx, Error* err);

}  // namespace hako::mir
