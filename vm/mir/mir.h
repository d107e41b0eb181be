// MIR, the mid-level IR between the syntax tree and the bytecode: one Function per Hako
// function, a list of basic blocks over one array of three-address instructions, operands
// in virtual registers (vregs) that may be assigned more than once (a local variable is one
// vreg; temporaries are assigned once).
//
//   Function
//     code    [ i0 i1 i2 | i3 i4 | i5 ... ]   one array; block k is code[begin, end)
//     blocks  [ b0       | b1    | b2  ... ]   in layout order; b0 is the entry; each ends
//                                               with its only terminator
//     lists   call arguments, array elements, concat operands, closure captures
//     consts  the constants operands refer to (deduplicated)
//     groups  loop states: `width` consecutive frame slots, some vregs pinned inside
//
// An instruction has a destination d and operands a, b, c whose meaning each opcode fixes
// (HAKO_MIR_OPS below): a register defined or used, a constant, a global, an upvalue, a
// block, a list (b = length, c = start in `lists`)... An operand of kind R is a register, or
// a constant when its bit in Instr::kmask is set (peephole.cc makes such operands).
//
// Vreg 0 means "none"; vregs 1..nparams are the parameters, defined on entry.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "hakmem.h"

namespace hako::mir {

using Reg = uint32_t;
using BlockId = uint32_t;
constexpr BlockId kNoBlock = ~0u;

template <class T, hak::site_name Site>
using Vec = std::vector<T, hak::allocator<T, Site>>;

// What an instruction field holds.
//   _ nothing  D vreg defined  U vreg used  R vreg used, or a constant (kmask)  K constant
//   G global   V upvalue       P nested function  T block  L list (b: length, c: start)
//   I immediate  Grp loop group (its pinned vregs are defined)
enum class Field : uint8_t { _, D, U, R, K, G, V, P, T, L, I, Grp };

// Flags: kPure — no side effect and never raises, so it goes when its result is unused;
// kTerm — ends a block; kEarly — the destination must not share a frame slot with any
// operand (the instruction writes it before it has read them all).
constexpr uint8_t kPure = 1, kTerm = 2, kEarly = 4;

// X(Name, "text", d, a, b, c, flags)
#define HAKO_MIR_OPS(X)                                                  \
  X(Nop, "nop", _, _, _, _, kPure)                                       \
  X(Move, "move", D, U, _, _, kPure)                                     \
  X(LoadK, "loadk", D, K, _, _, kPure)                                   \
  X(GetGlobal, "getglobal", D, G, _, _, kPure)                           \
  X(SetGlobal, "setglobal", _, G, U, _, 0)                               \
  X(GetUpval, "getupval", D, V, _, _, kPure)                             \
  X(GetUpBox, "getupbox", D, V, _, _, kPure)                             \
  X(SetUpBox, "setupbox", _, V, U, _, 0)                                 \
  X(NewBox, "newbox", D, U, _, _, kPure)                                 \
  X(GetBox, "getbox", D, U, _, _, kPure)                                 \
  X(SetBox, "setbox", _, U, U, _, 0)                                     \
  X(Closure, "closure", D, P, L, L, kPure)                               \
  X(NewArray, "newarray", D, I, L, L, kPure | kEarly)                    \
  X(Append, "append", _, U, L, L, 0)                                     \
  X(NewMap, "newmap", D, I, _, _, kPure)                                 \
  X(GetIndex, "getindex", D, U, R, _, 0)                                 \
  X(SetIndex, "setindex", _, U, R, U, 0)                                 \
  X(GetField, "getfield", D, U, K, _, 0)                                 \
  X(SetField, "setfield", _, U, K, U, 0)                                 \
  X(Add, "add", D, U, R, _, 0)                                           \
  X(Sub, "sub", D, U, R, _, 0)                                           \
  X(Mul, "mul", D, U, R, _, 0)                                           \
  X(Div, "div", D, U, R, _, 0)                                           \
  X(IDiv, "idiv", D, U, R, _, 0)                                         \
  X(Mod, "mod", D, U, R, _, 0)                                           \
  X(Pow, "pow", D, U, R, _, 0)                                           \
  X(Neg, "neg", D, U, _, _, 0)                                           \
  X(Not, "not", D, U, _, _, kPure)                                       \
  X(Concat, "concat", D, _, L, L, 0)                                     \
  X(Eq, "eq", D, U, U, _, kPure)                                         \
  X(Ne, "ne", D, U, U, _, kPure)                                         \
  X(Lt, "lt", D, U, U, _, 0)                                             \
  X(Le, "le", D, U, U, _, 0)                                             \
  X(Call, "call", D, U, L, L, 0)                                         \
  X(ForInit, "forinit", D, R, R, R, kEarly) /* d: the group's base */    \
  X(IterInit, "iterinit", D, U, _, _, 0)    /* d: the group's base */    \
  X(Jmp, "jmp", T, _, _, _, kTerm)                                       \
  X(Test, "test", T, U, _, T, kTerm) /* truthy(a) ? d : c */             \
  X(Br, "br", T, U, R, T, kTerm)     /* (a cond b) ? d : c */            \
  X(Ret, "ret", _, U, _, _, kTerm)                                       \
  X(RetNil, "retnil", _, _, _, _, kTerm)                                 \
  X(ForPrep, "forprep", Grp, U, T, T, kTerm)   /* runs? b (next) : c */  \
  X(ForLoop, "forloop", Grp, U, T, T, kTerm)   /* again? b : c (next) */ \
  X(IterNext, "iternext", Grp, U, T, T, kTerm) /* again? b : c (next) */

enum class Op : uint8_t {
#define HAKO_MIR_ENUM(name, text, d, a, b, c, flags) name,
  HAKO_MIR_OPS(HAKO_MIR_ENUM)
#undef HAKO_MIR_ENUM
};

struct OpInfo {
  const char* text;
  Field d, a, b, c;
  uint8_t flags;
};
extern const OpInfo kOpInfo[];
inline const OpInfo& info(Op op) { return kOpInfo[static_cast<int>(op)]; }
inline bool is_term(Op op) { return info(op).flags & kTerm; }
inline bool is_pure(Op op) { return info(op).flags & kPure; }

// The comparison of a Br. Gt and Ge exist so that a constant can always be the right operand.
enum class Cmp : uint8_t { Eq, Lt, Le, Gt, Ge };
const char* cmp_text(Cmp c);
// a c b  ==  b mirror(c) a
inline Cmp mirror(Cmp c) {
  switch (c) {
    case Cmp::Lt:
      return Cmp::Gt;
    case Cmp::Le:
      return Cmp::Ge;
    case Cmp::Gt:
      return Cmp::Lt;
    case Cmp::Ge:
      return Cmp::Le;
    default:
      return c;
  }
}

// kmask bits.
constexpr uint8_t kConstA = 1, kConstB = 2, kConstC = 4;

struct Instr {
  Op op = Op::Nop;
  uint8_t kmask = 0;
  Cmp cond = Cmp::Eq;  // Br only
  uint32_t line = 0;
  uint32_t d = 0, a = 0, b = 0, c = 0;
};

struct Block {
  uint32_t begin = 0, end = 0;  // code[begin, end); the last instruction is the terminator
  bool dead = false;            // removed by a pass: ignore it
};

struct Const {
  enum class Kind : uint8_t { Nil, False, True, Int, Float, String };
  Kind kind = Kind::Nil;
  uint32_t len = 0;
  union {
    int64_t i = 0;
    double f;
    const char* s;
  };
  std::string_view str() const { return {s, len}; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  static Const nil() { return Const{}; }
  static Const boolean(bool b) {
    Const c;
    c.kind = b ? Kind::True : Kind::False;
    return c;
  }
  static Const integer(int64_t v) {
    Const c;
    c.kind = Kind::Int;
    c.i = v;
    return c;
  }
  static Const number(double v) {
    Const c;
    c.kind = Kind::Float;
    c.f = v;
    return c;
  }
  static Const string(std::string_view v) {
    Const c;
    c.kind = Kind::String;
    c.s = v.data();
    c.len = static_cast<uint32_t>(v.size());
    return c;
  }
};

// Constants, each stored once (floats by their bits, so 0.0 and -0.0 stay apart). The
// strings are not copied: they must outlive the pool (the syntax tree's, or a compilation's).
class ConstPool {
 public:
  uint32_t add(const Const& c);
  const Const& operator[](uint32_t i) const { return items_[i]; }
  uint32_t size() const { return static_cast<uint32_t>(items_.size()); }
  void clear();

 private:
  void rehash(size_t cap);
  Vec<Const, "mir.const"> items_;
  Vec<uint32_t, "mir.const"> index_;  // open addressing: item + 1, 0 = empty
};

// Loop state: `width` consecutive frame slots starting at the slot of vreg `base`; vregs
// pinned[i] live at slot base + offset[i] (the loop variables that FORLOOP and ITERNEXT
// write). Group ops (ForPrep, ForLoop, IterNext) name their group in Instr::d.
struct Group {
  Reg base = 0;
  uint8_t width = 0;
  uint8_t npinned = 0;
  uint8_t offset[2] = {0, 0};
  Reg pinned[2] = {0, 0};
};

// How a closure's upvalue is captured (bc::UpvalDesc after emission). For Local, `index` is
// a vreg of the enclosing function (listed in its Closure instruction); for Upval, an upvalue
// index of the enclosing function.
struct Upval {
  enum class Kind : uint8_t { Local, Upval, Self };
  Kind kind = Kind::Local;
  bool boxed = false;
  uint32_t index = 0;
  std::string_view name;
};

class Function {
 public:
  // Everything back to empty, keeping the memory (functions at one nesting depth reuse one
  // Function).
  void clear();

  Reg new_reg() { return nregs++; }
  uint32_t add_list(const Reg* regs, uint32_t n);
  BlockId new_block();

  // For passes: the successors of a block (0, 1 or 2), from its terminator.
  uint32_t successors(BlockId b, BlockId out[2]) const;
  const Instr& terminator(BlockId b) const { return code[blocks[b].end - 1]; }
  Instr& terminator(BlockId b) { return code[blocks[b].end - 1]; }

  Vec<Instr, "mir.instr"> code;
  Vec<Block, "mir.block"> blocks;
  Vec<Reg, "mir.instr"> lists;
  ConstPool consts;
  Vec<Group, "mir.func"> groups;
  Vec<Upval, "mir.func"> upvals;
  uint32_t nregs = 1;  // vregs are 1..nregs-1
  uint32_t nparams = 0;
  uint32_t nchildren = 0;  // nested functions (Closure's P operand)
  std::string_view name;   // "" when anonymous
  uint32_t line = 0, col = 0;
};

// Names are compared often (scopes are searched from the innermost out): the length and
// the first byte settle most comparisons without a call.
inline bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || (a[0] == b[0] && __builtin_memcmp(a.data(), b.data(), a.size()) == 0));
}

// for_each_use calls f(reg) for each vreg an instruction uses (its fields, then its list);
// for_each_def for each vreg it defines. f gets a reference into the instruction or its
// list (so that a pass can rename); FunctionT and InstrT may be const.
template <class FunctionT, class InstrT, class Fn>
void for_each_use(FunctionT& fn, InstrT& in, Fn&& f) {
  const OpInfo& oi = info(in.op);
  if (oi.a == Field::U || (oi.a == Field::R && !(in.kmask & kConstA))) f(in.a);
  if (oi.b == Field::U || (oi.b == Field::R && !(in.kmask & kConstB))) f(in.b);
  if (oi.c == Field::U || (oi.c == Field::R && !(in.kmask & kConstC))) f(in.c);
  if (oi.b == Field::L) {
    auto* list = fn.lists.data() + in.c;
    for (uint32_t i = 0; i < in.b; ++i) f(list[i]);
  }
}

template <class FunctionT, class InstrT, class Fn>
void for_each_def(FunctionT& fn, InstrT& in, Fn&& f) {
  const OpInfo& oi = info(in.op);
  if (oi.d == Field::D) {
    f(in.d);
  } else if (oi.d == Field::Grp) {
    auto& g = fn.groups[in.d];
    for (uint32_t i = 0; i < g.npinned; ++i) f(g.pinned[i]);
  }
}

}  // namespace hako::mir
