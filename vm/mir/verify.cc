#include "vm/mir/verify.h"

#include <cstdarg>
#include <cstdio>

#include "vm/mir/dump.h"

namespace hako::mir {

namespace {

using Bits = Vec<uint64_t, "mir.pass">;

class Verifier {
 public:
  Verifier(const Function& fn, Error* err) : fn_(fn), err_(err) {}

  bool run() {
    if (fn_.blocks.empty()) return fail(nullptr, "no blocks");
    for (BlockId b = 0; b < fn_.blocks.size(); ++b) {
      if (!fn_.blocks[b].dead && !block_shape(b)) return false;
    }
    return defined_before_use();
  }

 private:
  bool fail(const Instr* in, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
    char msg[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    TextBuffer text(HAK_SITE("mir.pass"));
    if (in) dump_instr(fn_, *in, {}, &text);
    std::string_view name = fn_.name.empty() ? std::string_view("<anonymous>") : fn_.name;
    err_->set(in ? in->line : fn_.line, 0, 0, "MIR verifier: %.*s: %s%s%.*s",
              static_cast<int>(name.size()), name.data(), msg, in ? " in " : "",
              static_cast<int>(text.view().size()), text.view().data());
    return false;
  }

  bool reg_ok(uint32_t r) const { return r >= 1 && r < fn_.nregs; }

  bool operand(const Instr& in, Field f, uint32_t v, bool is_const) {
    switch (f) {
      case Field::_:
      case Field::I:
        return true;
      case Field::D:
      case Field::U:
        return reg_ok(v) || fail(&in, "register %u out of range", v);
      case Field::R:
        if (is_const) return v < fn_.consts.size() || fail(&in, "constant %u out of range", v);
        return reg_ok(v) || fail(&in, "register %u out of range", v);
      case Field::K:
        return v < fn_.consts.size() || fail(&in, "constant %u out of range", v);
      case Field::G:
        return true;  // the global table is the compilation's
      case Field::V:
        return v < fn_.upvals.size() || fail(&in, "upvalue %u out of range", v);
      case Field::P:
        return v < fn_.nchildren || fail(&in, "nested function %u out of range", v);
      case Field::T:
        if (v >= fn_.blocks.size()) return fail(&in, "target b%u out of range", v);
        return !fn_.blocks[v].dead || fail(&in, "target b%u was removed", v);
      case Field::L:
        return true;  // checked as a whole below
      case Field::Grp:
        return v < fn_.groups.size() || fail(&in, "group %u out of range", v);
    }
    return true;
  }

  bool block_shape(BlockId b) {
    const Block& bl = fn_.blocks[b];
    if (bl.begin >= bl.end || bl.end > fn_.code.size()) {
      return fail(nullptr, "block b%u is empty or out of range", b);
    }
    for (uint32_t i = bl.begin; i < bl.end; ++i) {
      const Instr& in = fn_.code[i];
      const OpInfo& oi = info(in.op);
      bool last = i + 1 == bl.end;
      if (is_term(in.op) != last) {
        return fail(&in,
                    last ? "block b%u does not end with a terminator"
                         : "terminator in the middle of block b%u",
                    b);
      }
      if (!operand(in, oi.d, in.d, false) || !operand(in, oi.a, in.a, in.kmask & kConstA) ||
          !operand(in, oi.b, in.b, in.kmask & kConstB) ||
          !operand(in, oi.c, in.c, in.kmask & kConstC)) {
        return false;
      }
      if (oi.b == Field::L) {
        if (uint64_t{in.c} + in.b > fn_.lists.size()) return fail(&in, "list out of range");
        for (uint32_t k = 0; k < in.b; ++k) {
          if (!reg_ok(fn_.lists[in.c + k])) return fail(&in, "list register out of range");
        }
      }
      if (oi.d == Field::Grp && fn_.groups[in.d].base != in.a) {
        return fail(&in, "not the base register of its group");
      }
      if (oi.flags & kEarly) {
        bool clash = false;
        for_each_use(fn_, in, [&](const Reg& r) { clash |= r == in.d; });
        if (clash) return fail(&in, "the destination is also an operand");
      }
    }
    return true;
  }

  // Must-be-defined analysis: in(entry) = parameters; in(b) = intersection of out(preds).
  bool defined_before_use() {
    size_t nb = fn_.blocks.size();
    words_ = (fn_.nregs + 63) / 64;
    reach_.assign(nb, 0);
    order_.clear();
    // Reachable blocks, in depth-first order from the entry.
    stack_.clear();
    stack_.push_back(0);
    reach_[0] = 1;
    while (!stack_.empty()) {
      BlockId b = stack_.back();
      stack_.pop_back();
      order_.push_back(b);
      BlockId s[2];
      for (uint32_t k = 0, n = fn_.successors(b, s); k < n; ++k) {
        if (!reach_[s[k]]) {
          reach_[s[k]] = 1;
          stack_.push_back(s[k]);
        }
      }
    }
    out_.assign(nb * words_, ~uint64_t{0});
    Bits cur(words_);
    bool changed = true;
    while (changed) {
      changed = false;
      for (BlockId b : order_) {
        entry_set(b, &cur);
        transfer(b, &cur, false);
        uint64_t* o = &out_[b * words_];
        for (size_t w = 0; w < words_; ++w) {
          if (o[w] != cur[w]) {
            o[w] = cur[w];
            changed = true;
          }
        }
      }
    }
    for (BlockId b : order_) {
      entry_set(b, &cur);
      if (!transfer(b, &cur, true)) return false;
    }
    return true;
  }

  void entry_set(BlockId b, Bits* cur) {
    if (b == 0) {
      std::fill(cur->begin(), cur->end(), 0);
      for (uint32_t r = 1; r <= fn_.nparams; ++r) set(cur, r);
      return;
    }
    std::fill(cur->begin(), cur->end(), ~uint64_t{0});
    // Intersection over reachable predecessors (found by scanning: the verifier is for
    // tests and debug builds).
    for (BlockId p : order_) {
      BlockId s[2];
      for (uint32_t k = 0, n = fn_.successors(p, s); k < n; ++k) {
        if (s[k] == b) {
          const uint64_t* o = &out_[p * words_];
          for (size_t w = 0; w < words_; ++w) (*cur)[w] &= o[w];
        }
      }
    }
  }

  bool transfer(BlockId b, Bits* cur, bool check) {
    const Block& bl = fn_.blocks[b];
    for (uint32_t i = bl.begin; i < bl.end; ++i) {
      const Instr& in = fn_.code[i];
      if (check) {
        bool ok = true;
        Reg bad = 0;
        for_each_use(fn_, in, [&](const Reg& r) {
          if (ok && !has(*cur, r)) {
            ok = false;
            bad = r;
          }
        });
        if (!ok) return fail(&in, "%%%u is used before it is defined on some path", bad);
      }
      for_each_def(fn_, in, [&](const Reg& r) { set(cur, r); });
    }
    return true;
  }

  static void set(Bits* b, Reg r) { (*b)[r / 64] |= uint64_t{1} << (r % 64); }
  static bool has(const Bits& b, Reg r) { return b[r / 64] >> (r % 64) & 1; }

  const Function& fn_;
  Error* err_;
  size_t words_ = 0;
  Vec<uint8_t, "mir.pass"> reach_;
  Vec<BlockId, "mir.pass"> order_, stack_;
  Bits out_;
};

}  // namespace

bool verify(const Function& fn, Error* err) { return Verifier(fn, err).run(); }

}  // namespace hako::mir
