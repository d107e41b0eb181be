// Register allocation: parameters where the arguments arrive, loop groups in consecutive
// slots, no two values alive at once in one slot, slots reused, the limit reported.
#include "vm/mir/regalloc.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/vm/compile_helpers.h"
#include "tests/vm/mir_builder.h"

namespace hako {
namespace {

using mir::Const;
using mir::Op;
using testing::MirBuilder;

TEST(Regalloc, ParametersKeepTheirSlots) {
  MirBuilder m(3);
  m.blocks(1);
  m.start(0);
  mir::Reg t = m.reg();
  m.emit(Op::Add, t, 3, 1);
  m.emit(Op::Ret, 0, t);
  mir::RegallocScratch s;
  mir::Allocation a;
  Error err;
  ASSERT_TRUE(mir::allocate_registers(m.fn, s, &a, &err)) << err.message;
  EXPECT_EQ(a.slot[1], 0);
  EXPECT_EQ(a.slot[3], 2);
  EXPECT_EQ(a.slot[2], mir::kNoSlot);  // never used
  // The sum may take the slot of an operand that dies there.
  EXPECT_TRUE(a.slot[t] == 0 || a.slot[t] == 2) << int(a.slot[t]);
  EXPECT_EQ(a.nslots, 3u);
}

TEST(Regalloc, ValuesAliveTogetherGetDifferentSlots) {
  // A chain of temporaries that stay alive: each its own slot; then all dead, slots reused.
  MirBuilder m;
  m.blocks(1);
  m.start(0);
  mir::Reg r[10];
  for (mir::Reg& x : r) x = m.loadk(Const::integer(1));
  mir::Reg c = m.reg();
  m.emit(Op::Call, c, r[0], 9, m.list({r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]}));
  mir::Reg after = m.loadk(Const::integer(2));
  m.emit(Op::Ret, 0, after);
  mir::RegallocScratch s;
  mir::Allocation a;
  Error err;
  ASSERT_TRUE(mir::allocate_registers(m.fn, s, &a, &err));
  for (int i = 0; i < 10; ++i) {
    for (int j = i + 1; j < 10; ++j) EXPECT_NE(a.slot[r[i]], a.slot[r[j]]) << i << " " << j;
  }
  EXPECT_EQ(a.nslots, 10u);
  EXPECT_LT(a.slot[after], 10);
}

TEST(Regalloc, EarlyDestinationAvoidsItsOperands) {
  MirBuilder m(2);
  m.blocks(1);
  m.start(0);
  mir::Reg arr = m.reg();
  m.emit(Op::NewArray, arr, 2, 2, m.list({1, 2}));
  m.emit(Op::Ret, 0, arr);
  mir::RegallocScratch s;
  mir::Allocation a;
  Error err;
  ASSERT_TRUE(mir::allocate_registers(m.fn, s, &a, &err));
  EXPECT_EQ(a.slot[arr], 2);  // not 0 or 1, though both die there
}

TEST(Regalloc, LoopValuesLiveAroundTheBackEdge) {
  // x is defined before the loop and used in it: its slot must not be reused inside.
  MirBuilder m(1);
  m.blocks(3);
  m.start(0);
  mir::Reg x = m.loadk(Const::integer(5));
  m.emit(Op::Jmp, 1);
  m.start(1);
  mir::Reg t = m.loadk(Const::integer(7));
  mir::Reg u = m.reg();
  m.emit(Op::Add, u, t, x);
  m.emit(Op::Test, 1, u, 0, 2);
  m.start(2);
  m.emit(Op::Ret, 0, 1);
  mir::RegallocScratch s;
  mir::Allocation a;
  Error err;
  ASSERT_TRUE(mir::allocate_registers(m.fn, s, &a, &err));
  EXPECT_NE(a.slot[t], a.slot[x]);
  EXPECT_NE(a.slot[u], a.slot[x]);
  EXPECT_NE(a.slot[x], a.slot[1]);  // the parameter is used after the loop
}

TEST(Regalloc, GroupsAreConsecutive) {
  std::string bc = testing::bytecode_text(
      "fn f(n) { let s = 0; for (i in range(0, n)) { s += i; } for (k, v in [1]) { s += v; } "
      "return s; }",
      1);
  // FORPREP A: the counter, count, step and variable at A..A+3; the body adds R[A+3].
  EXPECT_NE(bc.find("FORPREP    2"), std::string::npos) << bc;
  EXPECT_NE(bc.find("ADD        1 1 5"), std::string::npos) << bc;
  EXPECT_NE(bc.find("ITERNEXT2  2"), std::string::npos) << bc;
}

TEST(Regalloc, TooManyRegisters) {
  // 300 values alive at once.
  std::string src = "fn f() {\n  return [";
  for (int i = 0; i < 300; ++i) src += (i ? ", " : "") + std::string("g()");
  src += "];\n}\nfn g() {}\n";
  EXPECT_EQ(testing::compile_errors(src), "");  // array literals are built in chunks
  std::string call = "fn f(h) {\n  return h(";
  for (int i = 0; i < 255; ++i) call += (i ? ", " : "") + std::string("h()");
  call += ");\n}\n";
  EXPECT_EQ(testing::compile_errors(call),
            "1:1: 'f' needs more than 254 registers at once: split it into smaller functions\n");
}

}  // namespace
}  // namespace hako
