// Checks a compiled unit against docs/BYTECODE.md, "What the compiler guarantees": operands in
// range, jumps onto instruction starts, conditionals followed by JMP, constant kinds, loop
// states inside the frame, upvalue descriptors valid for the enclosing frame, the line table.
// Returns "" or the first problem found.
#pragma once

#include <string>
#include <vector>

#include "vm/bytecode.h"

namespace hako::testing {

inline std::string check_proto(const bc::Unit& unit, const bc::Proto& p, const bc::Proto* parent) {
  using namespace bc;
  auto where = [&](uint32_t pc) {
    return std::string(p.name.empty() ? "<anonymous>" : p.name) + " pc " + std::to_string(pc) +
           ": ";
  };
  if (p.code.empty()) return where(0) + "no code";
  if (p.nparams > p.nregs) return where(0) + "nparams > nregs";
  std::vector<bool> start(p.code.size() + 1, false);
  for (uint32_t pc = 0; pc < p.code.size(); pc += instr_length(p.code.data() + pc))
    start[pc] = true;
  uint32_t last = 0;
  for (uint32_t pc = 0; pc < p.code.size(); pc += instr_length(p.code.data() + pc)) {
    last = pc;
    Instr i = p.code[pc];
    if (static_cast<size_t>(op(i)) >= kNumOps) return where(pc) + "bad opcode";
    const OpInfo& oi = op_info(op(i));
    if (pc + instr_length(p.code.data() + pc) > p.code.size())
      return where(pc) + "list past the end";
    unsigned vals[3] = {A(i), 0, 0};
    switch (oi.format) {
      case Format::ABC:
        vals[1] = B(i);
        vals[2] = C(i);
        break;
      case Format::ABx:
        vals[1] = Bx(i);
        break;
      case Format::AsBx:
        vals[1] = static_cast<unsigned>(sBx(i));
        break;
      case Format::sJ:
        vals[0] = static_cast<unsigned>(sJ(i));
        break;
      case Format::ABk:
        vals[1] = Bk(i);
        break;
    }
    const Arg args[3] = {oi.a, oi.b, oi.c};
    for (int f = 0; f < 3; ++f) {
      unsigned v = vals[f];
      switch (args[f]) {
        case Arg::R:
          if (v >= p.nregs) return where(pc) + "register out of range";
          break;
        case Arg::K:
          if (v >= p.k.size()) return where(pc) + "constant out of range";
          break;
        case Arg::G:
          if (v >= unit.globals().size()) return where(pc) + "global out of range";
          break;
        case Arg::V:
          if (v >= p.upvals.size()) return where(pc) + "upvalue out of range";
          break;
        case Arg::P:
          if (v >= p.protos.size()) return where(pc) + "prototype out of range";
          break;
        case Arg::J: {
          int off = oi.format == Format::sJ ? sJ(i) : sBx(i);
          int64_t to = int64_t{pc} + 1 + off;
          if (to < 0 || to >= static_cast<int64_t>(p.code.size()) ||
              !start[static_cast<size_t>(to)]) {
            return where(pc) + "jump target is not an instruction";
          }
          break;
        }
        case Arg::L:
          for (unsigned n = 0; n < C(i); ++n) {
            if (list_reg(p.code.data() + pc, n) >= p.nregs)
              return where(pc) + "list register out of range";
          }
          break;
        default:
          break;
      }
    }
    auto is_num = [&](unsigned x) {
      return p.k[x].kind == Constant::Kind::Int || p.k[x].kind == Constant::Kind::Float;
    };
    switch (op(i)) {
      case Op::GETFIELD:
        if (p.k[C(i)].kind != Constant::Kind::String)
          return where(pc) + "GETFIELD key not a string";
        break;
      case Op::SETFIELD:
        if (p.k[B(i)].kind != Constant::Kind::String)
          return where(pc) + "SETFIELD key not a string";
        break;
      case Op::ADDK:
      case Op::SUBK:
      case Op::MULK:
      case Op::DIVK:
      case Op::IDIVK:
      case Op::MODK:
      case Op::POWK:
        if (!is_num(C(i))) return where(pc) + "arithmetic constant not a number";
        break;
      case Op::IDIVI:
      case Op::MODI:
        if (sC(i) == 0) return where(pc) + "IDIVI/MODI by 0";
        break;
      case Op::NEWARRAY:
        for (unsigned n = 0; n < C(i); ++n) {
          if (list_reg(p.code.data() + pc, n) == A(i)) return where(pc) + "NEWARRAY A in its list";
        }
        break;
      case Op::FORPREP:
      case Op::FORLOOP:
      case Op::ITERNEXT2:
        if (A(i) + 3 >= p.nregs) return where(pc) + "loop state outside the frame";
        break;
      case Op::ITERNEXT1:
        if (A(i) + 2 >= p.nregs) return where(pc) + "loop state outside the frame";
        break;
      case Op::ITERPREP:
        if (A(i) + 1 >= p.nregs) return where(pc) + "loop state outside the frame";
        break;
      default:
        break;
    }
    if (oi.format == Format::ABk) {
      uint32_t next = pc + 1;
      if (next >= p.code.size() || op(p.code[next]) != Op::JMP)
        return where(pc) + "conditional without its JMP";
    }
  }
  Op lo = op(p.code[last]);
  if (lo != Op::RETURN && lo != Op::RETURN0 && lo != Op::JMP)
    return where(last) + "falls off the end";
  if (p.lines.empty() || p.lines[0].pc != 0) return where(0) + "line table does not start at 0";
  for (size_t n = 1; n < p.lines.size(); ++n) {
    if (p.lines[n].pc <= p.lines[n - 1].pc) return where(p.lines[n].pc) + "line table not sorted";
  }
  for (const UpvalDesc& u : p.upvals) {
    if (!parent) return where(0) + "the chunk has upvalues";
    if (u.kind == UpvalKind::Local && u.index >= parent->nregs)
      return where(0) + "upvalue register outside the parent's frame";
    if (u.kind == UpvalKind::Upval && u.index >= parent->upvals.size())
      return where(0) + "upvalue index outside the parent's";
  }
  for (const Proto* c : p.protos) {
    std::string e = check_proto(unit, *c, &p);
    if (!e.empty()) return e;
  }
  return "";
}

inline std::string check_unit(const bc::Unit& unit) {
  if (!unit.main()) return "no main";
  return check_proto(unit, *unit.main(), nullptr);
}

}  // namespace hako::testing
