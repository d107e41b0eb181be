// The Hako bytecode: what the compiler (vm/mir, vm/compile.h) emits and the interpreter runs.
// docs/BYTECODE.md describes every opcode; this header is the single source of truth for the
// opcode list (HAKO_OPCODES), their formats and operand kinds.
//
// Instructions are 32 bits, opcode in the low byte. Registers (R) are slots of the function's
// frame, 0 .. Proto::nregs-1; parameters arrive in R[0 .. nparams-1].
//
//   31            24 23            16 15             8 7              0
//  +----------------+----------------+----------------+----------------+
//  |       C        |       B        |       A        |     opcode     |  ABC
//  +----------------+----------------+----------------+----------------+
//  |               Bx (unsigned)     |       A        |     opcode     |  ABx
//  |              sBx (signed)       |       A        |     opcode     |  AsBx
//  +----------------+----------------+----------------+----------------+
//  |                      sJ (signed)                 |     opcode     |  sJ
//  +-+--------------+----------------+----------------+----------------+
//  |k|          B (15 bits)          |       A        |     opcode     |  ABk
//  +-+-------------------------------+----------------+----------------+
//
// - sC (ABC) is C read as a signed byte; sBx and sJ are two's complement fields (an
//   arithmetic shift right decodes them); in ABk, B is a register, a constant index or a
//   signed 15-bit immediate (sBk), by opcode, and k is the top bit.
// - Jumps are relative to the instruction after the jump: pc += sJ + 1.
// - A conditional (format ABk, names B*) is always followed by a JMP: if the condition's
//   truth equals k the VM performs that JMP, else it skips it. (The VM can do the jump
//   without dispatching the JMP, as Lua 5.4 does.)
// - Register lists (opcodes with a C of kind L): C registers follow the instruction in
//   ceil(C/4) extra words, four one-byte register numbers a word, the first in bits 0-7.
//   Those words are part of the instruction: instr_length() counts them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "parser/arena.h"

namespace hako::bc {

using Instr = uint32_t;

// Instruction formats.
enum class Format : uint8_t { ABC, ABx, AsBx, sJ, ABk };

// What an operand field means (for the disassembler, the docs and the VM's asserts):
// R register, K constant index, I signed immediate, U unsigned immediate, G global index,
// V upvalue index, P nested prototype index, J jump offset, L register-list length, N unused.
enum class Arg : uint8_t { N, R, K, I, U, G, V, P, J, L };

// X(name, format, A, B, C, "semantics"). The order is the numbering: keep it stable only
// within one build (units are never saved), so reordering is free.
#define HAKO_OPCODES(X)                                                                 \
  /* loads and moves */                                                                 \
  X(MOVE, ABC, R, R, N, "R[A] := R[B]")                                                 \
  X(LOADI, AsBx, R, I, N, "R[A] := sBx (int)")                                          \
  X(LOADF, AsBx, R, I, N, "R[A] := sBx (float)")                                        \
  X(LOADK, ABx, R, K, N, "R[A] := K[Bx]")                                               \
  X(LOADNIL, ABC, R, N, N, "R[A] := nil")                                               \
  X(LOADTRUE, ABC, R, N, N, "R[A] := true")                                             \
  X(LOADFALSE, ABC, R, N, N, "R[A] := false")                                           \
  /* globals, upvalues, boxes */                                                        \
  X(GETGLOBAL, ABx, R, G, N, "R[A] := G[Bx]")                                           \
  X(SETGLOBAL, ABx, R, G, N, "G[Bx] := R[A]")                                           \
  X(GETUPVAL, ABC, R, V, N, "R[A] := U[B]")                                             \
  X(GETUPBOX, ABC, R, V, N, "R[A] := U[B].value")                                       \
  X(SETUPBOX, ABC, R, V, N, "U[B].value := R[A]")                                       \
  X(NEWBOX, ABC, R, R, N, "R[A] := new box holding R[B]")                               \
  X(GETBOX, ABC, R, R, N, "R[A] := R[B].value")                                         \
  X(SETBOX, ABC, R, R, N, "R[A].value := R[B]")                                         \
  X(CLOSURE, ABx, R, P, N, "R[A] := closure of P[Bx]")                                  \
  /* arrays, maps, indexing */                                                          \
  X(NEWARRAY, ABC, R, U, L, "R[A] := [list...] (B: capacity hint)")                     \
  X(APPEND, ABC, R, N, L, "push list... onto the array R[A]")                           \
  X(NEWMAP, ABC, R, U, N, "R[A] := {} (B: capacity hint)")                              \
  X(GETINDEX, ABC, R, R, R, "R[A] := R[B][R[C]]")                                       \
  X(GETINDEXI, ABC, R, R, U, "R[A] := R[B][C]")                                         \
  X(GETFIELD, ABC, R, R, K, "R[A] := R[B][K[C]] (K[C] a string)")                       \
  X(SETINDEX, ABC, R, R, R, "R[A][R[B]] := R[C]")                                       \
  X(SETINDEXI, ABC, R, U, R, "R[A][B] := R[C]")                                         \
  X(SETFIELD, ABC, R, K, R, "R[A][K[B]] := R[C] (K[B] a string)")                       \
  /* arithmetic: register, constant and immediate right operands */                     \
  X(ADD, ABC, R, R, R, "R[A] := R[B] + R[C]")                                           \
  X(SUB, ABC, R, R, R, "R[A] := R[B] - R[C]")                                           \
  X(MUL, ABC, R, R, R, "R[A] := R[B] * R[C]")                                           \
  X(DIV, ABC, R, R, R, "R[A] := R[B] / R[C]")                                           \
  X(IDIV, ABC, R, R, R, "R[A] := R[B] // R[C]")                                         \
  X(MOD, ABC, R, R, R, "R[A] := R[B] % R[C]")                                           \
  X(POW, ABC, R, R, R, "R[A] := R[B] ** R[C]")                                          \
  X(ADDK, ABC, R, R, K, "R[A] := R[B] + K[C]")                                          \
  X(SUBK, ABC, R, R, K, "R[A] := R[B] - K[C]")                                          \
  X(MULK, ABC, R, R, K, "R[A] := R[B] * K[C]")                                          \
  X(DIVK, ABC, R, R, K, "R[A] := R[B] / K[C]")                                          \
  X(IDIVK, ABC, R, R, K, "R[A] := R[B] // K[C]")                                        \
  X(MODK, ABC, R, R, K, "R[A] := R[B] % K[C]")                                          \
  X(POWK, ABC, R, R, K, "R[A] := R[B] ** K[C]")                                         \
  X(ADDI, ABC, R, R, I, "R[A] := R[B] + sC")                                            \
  X(SUBI, ABC, R, R, I, "R[A] := R[B] - sC")                                            \
  X(MULI, ABC, R, R, I, "R[A] := R[B] * sC")                                            \
  X(DIVI, ABC, R, R, I, "R[A] := R[B] / sC")                                            \
  X(IDIVI, ABC, R, R, I, "R[A] := R[B] // sC (sC != 0)")                                \
  X(MODI, ABC, R, R, I, "R[A] := R[B] % sC (sC != 0)")                                  \
  X(POWI, ABC, R, R, I, "R[A] := R[B] ** sC")                                           \
  X(UNM, ABC, R, R, N, "R[A] := -R[B]")                                                 \
  X(NOT, ABC, R, R, N, "R[A] := !R[B]")                                                 \
  X(CONCAT, ABC, R, N, L, "R[A] := list[0] .. list[1] .. ...")                          \
  /* comparisons as values */                                                           \
  X(EQ, ABC, R, R, R, "R[A] := R[B] == R[C]")                                           \
  X(NE, ABC, R, R, R, "R[A] := R[B] != R[C]")                                           \
  X(LT, ABC, R, R, R, "R[A] := R[B] < R[C]")                                            \
  X(LE, ABC, R, R, R, "R[A] := R[B] <= R[C]")                                           \
  /* conditionals: each is followed by a JMP, taken when the condition equals k */      \
  X(BEQ, ABk, R, R, N, "if (R[A] == R[B]) == k then jump")                              \
  X(BLT, ABk, R, R, N, "if (R[A] < R[B]) == k then jump")                               \
  X(BLE, ABk, R, R, N, "if (R[A] <= R[B]) == k then jump")                              \
  X(BEQK, ABk, R, K, N, "if (R[A] == K[B]) == k then jump")                             \
  X(BEQI, ABk, R, I, N, "if (R[A] == sB) == k then jump")                               \
  X(BLTI, ABk, R, I, N, "if (R[A] < sB) == k then jump")                                \
  X(BLEI, ABk, R, I, N, "if (R[A] <= sB) == k then jump")                               \
  X(BGTI, ABk, R, I, N, "if (R[A] > sB) == k then jump")                                \
  X(BGEI, ABk, R, I, N, "if (R[A] >= sB) == k then jump")                               \
  X(BTEST, ABk, R, N, N, "if truthy(R[A]) == k then jump")                              \
  X(JMP, sJ, J, N, N, "pc += sJ")                                                       \
  /* calls */                                                                           \
  X(CALL, ABC, R, R, L, "R[A] := R[B](list...)")                                        \
  X(RETURN, ABC, R, N, N, "return R[A]")                                                \
  X(RETURN0, ABC, N, N, N, "return nil")                                                \
  /* loops: R[A..A+3] is the loop's state */                                            \
  X(FORPREP, AsBx, R, J, N, "start a range loop; if it runs zero times pc += sBx")      \
  X(FORLOOP, AsBx, R, J, N, "next step of a range loop; if there is one pc += sBx")     \
  X(ITERPREP, ABC, R, N, N, "start iterating over the array or map R[A]")               \
  X(ITERNEXT1, AsBx, R, J, N, "next value (array) or key (map) into R[A+2]; pc += sBx") \
  X(ITERNEXT2, AsBx, R, J, N, "next index/key into R[A+2], value into R[A+3]; pc += sBx")

enum class Op : uint8_t {
#define HAKO_OP_ENUM(name, fmt, a, b, c, doc) name,
  HAKO_OPCODES(HAKO_OP_ENUM)
#undef HAKO_OP_ENUM
};

struct OpInfo {
  const char* name;
  Format format;
  Arg a, b, c;
  const char* doc;
};

constexpr OpInfo kOpInfo[] = {
#define HAKO_OP_INFO(name, fmt, a, b, c, doc) {#name, Format::fmt, Arg::a, Arg::b, Arg::c, doc},
    HAKO_OPCODES(HAKO_OP_INFO)
#undef HAKO_OP_INFO
};
constexpr size_t kNumOps = sizeof kOpInfo / sizeof kOpInfo[0];
static_assert(kNumOps <= 256);

constexpr const OpInfo& op_info(Op op) { return kOpInfo[static_cast<size_t>(op)]; }

// ---- Field limits --------------------------------------------------------------------------

constexpr int kMaxRegs = 255;  // frame size limit: registers 0..254
constexpr uint32_t kMaxBx = 0xffff;
constexpr int kMinSBx = -32768, kMaxSBx = 32767;
constexpr int kMinSJ = -(1 << 23), kMaxSJ = (1 << 23) - 1;
constexpr int kMinSC = -128, kMaxSC = 127;
constexpr uint32_t kMaxBk = 0x7fff;
constexpr int kMinSBk = -(1 << 14), kMaxSBk = (1 << 14) - 1;

// ---- Decoding ------------------------------------------------------------------------------

constexpr Op op(Instr i) { return static_cast<Op>(i & 0xff); }
constexpr unsigned A(Instr i) { return (i >> 8) & 0xff; }
constexpr unsigned B(Instr i) { return (i >> 16) & 0xff; }
constexpr unsigned C(Instr i) { return i >> 24; }
constexpr int sC(Instr i) { return static_cast<int8_t>(i >> 24); }
constexpr unsigned Bx(Instr i) { return i >> 16; }
constexpr int sBx(Instr i) { return static_cast<int32_t>(i) >> 16; }
constexpr int sJ(Instr i) { return static_cast<int32_t>(i) >> 8; }
constexpr unsigned Bk(Instr i) { return (i >> 16) & 0x7fff; }
constexpr int sBk(Instr i) { return static_cast<int32_t>(i << 1) >> 17; }
constexpr unsigned k(Instr i) { return i >> 31; }

// Register n (0-based) of the list that follows the instruction at `pc`.
inline unsigned list_reg(const Instr* pc, unsigned n) {
  return (pc[1 + n / 4] >> (8 * (n % 4))) & 0xff;
}
// Words taken by the instruction at `pc`, its register list included.
inline unsigned instr_length(const Instr* pc) {
  return op_info(op(*pc)).c == Arg::L ? 1 + (C(*pc) + 3) / 4 : 1;
}

// ---- Encoding ------------------------------------------------------------------------------

constexpr Instr make_abc(Op o, unsigned a, unsigned b, unsigned c) {
  return static_cast<Instr>(o) | a << 8 | b << 16 | c << 24;
}
constexpr Instr make_abx(Op o, unsigned a, unsigned bx) {
  return static_cast<Instr>(o) | a << 8 | bx << 16;
}
constexpr Instr make_asbx(Op o, unsigned a, int sbx) {
  return static_cast<Instr>(o) | a << 8 | static_cast<uint32_t>(sbx) << 16;
}
constexpr Instr make_sj(Op o, int sj) {
  return static_cast<Instr>(o) | static_cast<uint32_t>(sj) << 8;
}
constexpr Instr make_abk(Op o, unsigned a, int b, unsigned kbit) {
  return static_cast<Instr>(o) | a << 8 | (static_cast<uint32_t>(b) & 0x7fff) << 16 | kbit << 31;
}

// ---- Prototypes ----------------------------------------------------------------------------

// A compile-time constant. Strings point into the unit that owns the prototype.
struct Constant {
  enum class Kind : uint8_t { Nil, False, True, Int, Float, String };
  Kind kind = Kind::Nil;
  uint32_t len = 0;  // String: its length in bytes
  union {
    int64_t i = 0;
    double f;
    const char* s;
  };
  std::string_view str() const { return {s, len}; }
};

// How CLOSURE fills upvalue i of the new closure:
//  Local: a copy of R[index] of the frame running CLOSURE (a value, or a box);
//  Upval: a copy of upvalue `index` of the closure running CLOSURE;
//  Self:  the new closure itself (a local function calling itself).
// `boxed` says the upvalue holds a box (read with GETUPBOX, written with SETUPBOX); otherwise
// it holds the captured value itself (read with GETUPVAL, never written).
enum class UpvalKind : uint8_t { Local, Upval, Self };
struct UpvalDesc {
  UpvalKind kind;
  uint8_t index;
  bool boxed;
  std::string_view name;
};

// Instructions from `pc` on (up to the next run) come from source line `line`.
struct LineRun {
  uint32_t pc;
  uint32_t line;
};

struct Proto {
  std::span<const Instr> code;
  std::span<const Constant> k;
  std::span<const Proto* const> protos;  // nested functions, for CLOSURE
  std::span<const UpvalDesc> upvals;
  std::span<const LineRun> lines;  // sorted by pc, the first at pc 0
  std::string_view name;           // "" for an anonymous function, "main" for the chunk
  uint32_t line = 0;               // where the function is defined
  uint8_t nparams = 0;
  uint8_t nregs = 0;  // frame size, >= nparams
};

// The source line of the instruction at `pc` (0 when the proto has no line table).
uint32_t line_at(const Proto& p, uint32_t pc);

// A compiled chunk: the prototype tree and everything it points to, in arenas owned by the
// unit (sites bytecode.code, bytecode.const, bytecode.proto). Movable, not copyable.
class Unit {
 public:
  Unit();
  Unit(Unit&&) noexcept = default;
  Unit& operator=(Unit&&) noexcept = default;

  const Proto* main() const { return main_; }
  std::string_view file() const { return file_; }
  // The global names GETGLOBAL/SETGLOBAL index (only those the code uses).
  std::span<const std::string_view> globals() const { return globals_; }

  // ---- For the compiler: everything a unit points to is allocated in its arenas.
  Arena& code_arena() { return code_; }
  Arena& const_arena() { return const_; }
  Arena& proto_arena() { return proto_; }
  void set(const Proto* main, std::string_view file, std::span<const std::string_view> globals) {
    main_ = main;
    file_ = file;
    globals_ = globals;
  }
  void clear();

 private:
  Arena code_, const_, proto_;
  const Proto* main_ = nullptr;
  std::string_view file_;
  std::span<const std::string_view> globals_;
};

}  // namespace hako::bc
