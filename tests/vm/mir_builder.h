// Hand-made MIR for the pass and verifier tests: blocks are started in order (their code is
// contiguous, as the lowering makes it), instructions appended to the current one.
#pragma once

#include <string>

#include "parser/text_buffer.h"
#include "vm/mir/dump.h"
#include "vm/mir/mir.h"

namespace hako::testing {

class MirBuilder {
 public:
  explicit MirBuilder(uint32_t nparams = 0) {
    fn.name = "t";
    fn.nparams = nparams;
    for (uint32_t i = 0; i < nparams; ++i) fn.new_reg();
  }
  mir::Reg reg() { return fn.new_reg(); }
  // Makes n blocks up front (ids 0..n-1, laid out in that order as they are started).
  void blocks(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) fn.new_block();
  }
  void start(mir::BlockId b) {
    fn.blocks[b].begin = static_cast<uint32_t>(fn.code.size());
    cur_ = b;
  }
  mir::Instr& emit(mir::Op op, uint32_t d = 0, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0) {
    mir::Instr in;
    in.op = op;
    in.line = 1;
    in.d = d;
    in.a = a;
    in.b = b;
    in.c = c;
    fn.code.push_back(in);
    if (mir::is_term(op)) end(cur_);
    return fn.code.back();
  }
  // Ends block b here (for the verifier tests, which build blocks without a terminator).
  void end(mir::BlockId b) { fn.blocks[b].end = static_cast<uint32_t>(fn.code.size()); }
  uint32_t k(const mir::Const& c) { return fn.consts.add(c); }
  mir::Reg loadk(const mir::Const& c) {
    mir::Reg r = reg();
    emit(mir::Op::LoadK, r, k(c));
    return r;
  }
  mir::Instr& br(mir::Cmp cmp, mir::Reg a, mir::Reg b, mir::BlockId t, mir::BlockId f) {
    mir::Instr& in = emit(mir::Op::Br, t, a, b, f);
    in.cond = cmp;
    return in;
  }
  uint32_t list(std::initializer_list<mir::Reg> regs) {
    return fn.add_list(regs.begin(), static_cast<uint32_t>(regs.size()));
  }

  std::string dump() const {
    TextBuffer out(HAK_SITE("test.output"));
    mir::dump(fn, {}, &out);
    // Without the source line column: the tests say what the code is.
    std::string s(out.view()), r;
    size_t at = 0;
    while (at < s.size()) {
      size_t nl = s.find('\n', at);
      std::string line = s.substr(at, nl - at);
      size_t semi = line.find(" ; ");
      if (semi != std::string::npos) {
        line = line.substr(0, semi);
        while (!line.empty() && line.back() == ' ') line.pop_back();
      }
      r += line + "\n";
      at = nl + 1;
    }
    return r;
  }

  mir::Function fn;

 private:
  mir::BlockId cur_ = 0;
};

}  // namespace hako::testing
