#include "vm/mir/dump.h"

#include "vm/dump_text.h"

namespace hako::mir {

void dump_const(const Const& c, TextBuffer* out) {
  switch (c.kind) {
    case Const::Kind::Nil:
      out->append("nil");
      break;
    case Const::Kind::False:
      out->append("false");
      break;
    case Const::Kind::True:
      out->append("true");
      break;
    case Const::Kind::Int:
      put_int(out, c.i);
      break;
    case Const::Kind::Float:
      put_float(out, c.f);
      break;
    case Const::Kind::String:
      put_quoted(out, c.str());
      break;
  }
}

namespace {

void reg(TextBuffer* out, Reg r) { out->appendf("%%%u", r); }

// Constant v (the verifier shows broken instructions too: never read out of range).
void konst(const Function& fn, uint32_t v, TextBuffer* out) {
  if (v < fn.consts.size()) {
    dump_const(fn.consts[v], out);
  } else {
    out->appendf("K%u?", v);
  }
}

}  // namespace

void dump_instr(const Function& fn, const Instr& in, std::span<const std::string_view> globals,
                TextBuffer* out) {
  const OpInfo& oi = info(in.op);
  if (oi.d == Field::D) {
    reg(out, in.d);
    out->append(" = ");
  }
  out->append(oi.text);
  if (in.op == Op::Br) {
    out->append('.');
    out->append(cmp_text(in.cond));
  }
  const Field fields[3] = {oi.a, oi.b, oi.c};
  const uint32_t values[3] = {in.a, in.b, in.c};
  bool first = true;
  auto sep = [&] {
    out->append(first ? " " : ", ");
    first = false;
  };
  if (oi.d == Field::Grp) {
    sep();
    out->appendf("g%u", in.d);
  }
  for (int i = 0; i < 3; ++i) {
    uint32_t v = values[i];
    switch (fields[i]) {
      case Field::_:
      case Field::T:
        break;
      case Field::D:
      case Field::U:
        sep();
        reg(out, v);
        break;
      case Field::R:
        sep();
        if (in.kmask & (1u << i)) {
          konst(fn, v, out);
        } else {
          reg(out, v);
        }
        break;
      case Field::K:
        sep();
        konst(fn, v, out);
        break;
      case Field::G:
        sep();
        if (v < globals.size()) {
          out->append(globals[v]);
        } else {
          out->appendf("G%u", v);
        }
        break;
      case Field::V:
        sep();
        out->appendf("u%u", v);
        break;
      case Field::P:
        sep();
        out->appendf("fn%u", v);
        break;
      case Field::I:
        sep();
        out->appendf("%u", v);
        break;
      case Field::Grp:
        break;
      case Field::L:
        if (i == 1) {  // b is the length, c the start
          sep();
          if (uint64_t{in.c} + in.b > fn.lists.size()) {
            out->appendf("[list %u+%u out of range]", in.c, in.b);
            break;
          }
          out->append('[');
          for (uint32_t k = 0; k < in.b; ++k) {
            if (k) out->append(", ");
            reg(out, fn.lists[in.c + k]);
          }
          out->append(']');
        }
        break;
    }
  }
  // Targets last, true/taken first.
  if (oi.d == Field::T) {
    out->appendf(oi.c == Field::T ? " -> b%u, b%u" : " b%u", in.d, in.c);
  } else if (oi.b == Field::T) {
    out->appendf(" -> b%u, b%u", in.b, in.c);
  }
}

void dump(const Function& fn, std::span<const std::string_view> globals, TextBuffer* out) {
  out->append("function ");
  out->append(fn.name.empty() ? std::string_view("<anonymous>") : fn.name);
  out->append("(");
  for (uint32_t i = 1; i <= fn.nparams; ++i) {
    if (i > 1) out->append(", ");
    reg(out, i);
  }
  out->appendf(") line %u\n", fn.line);
  for (uint32_t i = 0; i < fn.upvals.size(); ++i) {
    const Upval& u = fn.upvals[i];
    out->appendf("  u%u ", i);
    out->append(u.name);
    switch (u.kind) {
      case Upval::Kind::Local:
        out->appendf(" = outer %%%u", u.index);
        break;
      case Upval::Kind::Upval:
        out->appendf(" = outer u%u", u.index);
        break;
      case Upval::Kind::Self:
        out->append(" = self");
        break;
    }
    out->append(u.boxed ? " (box)\n" : "\n");
  }
  for (uint32_t i = 0; i < fn.groups.size(); ++i) {
    const Group& g = fn.groups[i];
    out->appendf("  g%u = %%%u width %u", i, g.base, g.width);
    for (uint32_t k = 0; k < g.npinned; ++k)
      out->appendf(", %%%u at +%u", g.pinned[k], g.offset[k]);
    out->append("\n");
  }
  for (BlockId b = 0; b < fn.blocks.size(); ++b) {
    const Block& bl = fn.blocks[b];
    if (bl.dead) continue;
    out->appendf("b%u:\n", b);
    for (uint32_t i = bl.begin; i < bl.end; ++i) {
      const Instr& in = fn.code[i];
      if (in.op == Op::Nop) continue;
      size_t before = out->view().size();
      out->append("  ");
      dump_instr(fn, in, globals, out);
      size_t w = out->view().size() - before;
      for (; w < 44; ++w) out->append(' ');
      out->appendf(" ; %u\n", in.line);
    }
  }
}

}  // namespace hako::mir
