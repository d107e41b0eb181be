#include "vm/bytecode_dump.h"

#include <cstdio>
#include <vector>

#include "vm/dump_text.h"

namespace hako::bc {

namespace {

void put_constant(const Constant& k, TextBuffer* out) {
  switch (k.kind) {
    case Constant::Kind::Nil:
      out->append("nil");
      break;
    case Constant::Kind::False:
      out->append("false");
      break;
    case Constant::Kind::True:
      out->append("true");
      break;
    case Constant::Kind::Int:
      put_int(out, k.i);
      break;
    case Constant::Kind::Float:
      put_float(out, k.f);
      break;
    case Constant::Kind::String:
      put_quoted(out, k.str());
      break;
  }
}

}  // namespace

void dump_instr(const Unit& unit, const Proto& p, uint32_t pc, TextBuffer* out) {
  const Instr* at = p.code.data() + pc;
  Instr i = *at;
  const OpInfo& oi = op_info(op(i));
  size_t start = out->view().size();
  out->appendf("%-10s", oi.name);
  // Operand values by field, as the format lays them out.
  int vals[3] = {0, 0, 0};
  vals[0] = static_cast<int>(A(i));
  switch (oi.format) {
    case Format::ABC:
      vals[1] = static_cast<int>(B(i));
      vals[2] = oi.c == Arg::I ? sC(i) : static_cast<int>(C(i));
      break;
    case Format::ABx:
      vals[1] = static_cast<int>(Bx(i));
      break;
    case Format::AsBx:
      vals[1] = sBx(i);
      break;
    case Format::sJ:
      vals[0] = sJ(i);
      break;
    case Format::ABk:
      vals[1] = oi.b == Arg::I ? sBk(i) : static_cast<int>(Bk(i));
      break;
  }
  const Arg args[3] = {oi.a, oi.b, oi.c};
  for (int f = 0; f < 3; ++f) {
    if (args[f] != Arg::N) out->appendf(" %d", vals[f]);
  }
  if (oi.format == Format::ABk) out->appendf(" k=%u", k(i));
  if (oi.c == Arg::L) {
    out->append(" [");
    for (unsigned n = 0; n < C(i); ++n) out->appendf(n ? " %u" : "%u", list_reg(at, n));
    out->append("]");
  }
  // What the operands name.
  bool comment = false;
  auto note = [&] {
    size_t w = out->view().size() - start;
    for (; w < 30; ++w) out->append(' ');
    out->append(comment ? ", " : " ; ");
    comment = true;
  };
  for (int f = 0; f < 3; ++f) {
    switch (args[f]) {
      case Arg::K:
        if (static_cast<size_t>(vals[f]) < p.k.size()) {
          note();
          put_constant(p.k[static_cast<size_t>(vals[f])], out);
        }
        break;
      case Arg::G:
        if (static_cast<size_t>(vals[f]) < unit.globals().size()) {
          note();
          out->append(unit.globals()[static_cast<size_t>(vals[f])]);
        }
        break;
      case Arg::V:
        if (static_cast<size_t>(vals[f]) < p.upvals.size()) {
          note();
          out->append(p.upvals[static_cast<size_t>(vals[f])].name);
        }
        break;
      case Arg::J:
        note();
        out->appendf("to %d", static_cast<int>(pc) + 1 + vals[f]);
        break;
      default:
        break;
    }
  }
}

namespace {

class Dumper {
 public:
  Dumper(const Unit& unit, TextBuffer* out) : unit_(unit), out_(out) {}

  void proto(const Proto& p) {
    uint32_t id = next_id_++;
    out_->appendf("function #%u ", id);
    out_->append(p.name.empty() ? std::string_view("<anonymous>") : p.name);
    out_->append("  ");
    out_->append(unit_.file());
    out_->appendf(":%u  params %u, registers %u, upvalues %zu, constants %zu, functions %zu\n",
                  p.line, p.nparams, p.nregs, p.upvals.size(), p.k.size(), p.protos.size());
    // The numbers the nested functions get below (pre-order).
    std::vector<uint32_t, hak::allocator<uint32_t, "bytecode.dump">> ids;
    uint32_t next = id + 1;
    for (const Proto* c : p.protos) {
      ids.push_back(next);
      next += count(*c);
    }
    for (uint32_t pc = 0; pc < p.code.size(); pc += instr_length(p.code.data() + pc)) {
      char line[16];
      snprintf(line, sizeof line, "[%u]", line_at(p, pc));
      out_->appendf("  %5u  %-7s ", pc, line);
      dump_instr(unit_, p, pc, out_);
      if (op(p.code[pc]) == Op::CLOSURE && Bx(p.code[pc]) < p.protos.size()) {
        out_->appendf(" -> #%u", ids[Bx(p.code[pc])]);
      }
      out_->append("\n");
    }
    if (!p.k.empty()) {
      out_->append("  constants\n");
      for (size_t i = 0; i < p.k.size(); ++i) {
        out_->appendf("  %5zu  ", i);
        put_constant(p.k[i], out_);
        out_->append("\n");
      }
    }
    if (!p.upvals.empty()) {
      out_->append("  upvalues\n");
      static const char* const kinds[] = {"local", "upval", "self"};
      for (size_t i = 0; i < p.upvals.size(); ++i) {
        const UpvalDesc& u = p.upvals[i];
        out_->appendf("  %5zu  ", i);
        out_->append(u.name);
        out_->appendf("  %s %u%s\n", kinds[static_cast<int>(u.kind)], u.index,
                      u.boxed ? " (box)" : "");
      }
    }
    out_->append("\n");
    for (const Proto* c : p.protos) proto(*c);
  }

 private:
  // Prototypes in the tree under p, p included.
  static uint32_t count(const Proto& p) {
    uint32_t n = 1;
    for (const Proto* c : p.protos) n += count(*c);
    return n;
  }

  const Unit& unit_;
  TextBuffer* out_;
  uint32_t next_id_ = 0;
};

}  // namespace

void dump(const Unit& unit, TextBuffer* out) {
  if (unit.main()) Dumper(unit, out).proto(*unit.main());
}

}  // namespace hako::bc
