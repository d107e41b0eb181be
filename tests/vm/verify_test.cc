// The verifier catches hand-broken MIR, and accepts what the lowering makes.
#include "vm/mir/verify.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/vm/compile_helpers.h"
#include "tests/vm/mir_builder.h"

namespace hako {
namespace {

using mir::Cmp;
using mir::Const;
using mir::Op;
using testing::MirBuilder;

// The verifier's complaint about m, or "" when it accepts it.
std::string complaint(const MirBuilder& m) {
  Error err;
  if (mir::verify(m.fn, &err)) return "";
  return err.message;
}

TEST(Verify, AcceptsAWellFormedFunction) {
  MirBuilder m(1);
  m.blocks(3);
  m.start(0);
  mir::Reg x = m.reg();
  m.emit(Op::Test, 1, 1, 0, 2);
  m.start(1);
  m.emit(Op::LoadK, x, m.k(Const::integer(1)));
  m.emit(Op::Ret, 0, x);
  m.start(2);
  m.emit(Op::LoadK, x, m.k(Const::integer(2)));
  m.emit(Op::Ret, 0, x);
  EXPECT_EQ(complaint(m), "");
}

TEST(Verify, BlockWithoutTerminator) {
  MirBuilder m;
  m.blocks(1);
  m.start(0);
  m.loadk(Const::nil());
  m.end(0);
  EXPECT_NE(complaint(m).find("does not end with a terminator"), std::string::npos) << complaint(m);
}

TEST(Verify, TerminatorInTheMiddle) {
  MirBuilder m;
  m.blocks(1);
  m.start(0);
  m.emit(Op::RetNil);
  m.emit(Op::RetNil);
  m.end(0);
  EXPECT_NE(complaint(m).find("terminator in the middle"), std::string::npos) << complaint(m);
}

TEST(Verify, EmptyBlock) {
  MirBuilder m;
  m.blocks(2);
  m.start(0);
  m.emit(Op::Jmp, 1);
  m.start(1);
  m.end(1);
  EXPECT_NE(complaint(m).find("empty"), std::string::npos) << complaint(m);
}

TEST(Verify, BadTargets) {
  MirBuilder m;
  m.blocks(2);
  m.start(0);
  m.emit(Op::Jmp, 7);
  m.start(1);
  m.emit(Op::RetNil);
  EXPECT_NE(complaint(m).find("target b7 out of range"), std::string::npos) << complaint(m);
  m.fn.code[0].d = 1;
  EXPECT_EQ(complaint(m), "");
  m.fn.blocks[1].dead = true;
  EXPECT_NE(complaint(m).find("target b1 was removed"), std::string::npos) << complaint(m);
}

TEST(Verify, OperandsOutOfRange) {
  MirBuilder m(1);
  m.blocks(1);
  m.start(0);
  m.emit(Op::Ret, 0, 9);
  EXPECT_NE(complaint(m).find("register 9 out of range"), std::string::npos) << complaint(m);
  m.fn.code[0] = mir::Instr{};
  m.fn.code[0].op = Op::LoadK;
  m.fn.code[0].d = 1;
  m.fn.code[0].a = 3;  // no constants
  m.emit(Op::RetNil);
  m.fn.blocks[0].end = 2;
  EXPECT_NE(complaint(m).find("constant 3 out of range"), std::string::npos) << complaint(m);
}

TEST(Verify, UsedBeforeDefinedOnSomePath) {
  // %2 is defined on the path through b1 only, and used where the paths meet.
  MirBuilder m(1);
  m.blocks(3);
  m.start(0);
  mir::Reg x = m.reg();
  m.emit(Op::Test, 1, 1, 0, 2);
  m.start(1);
  m.emit(Op::LoadK, x, m.k(Const::integer(1)));
  m.emit(Op::Jmp, 2);
  m.start(2);
  m.emit(Op::Ret, 0, x);
  EXPECT_NE(complaint(m).find("%2 is used before it is defined on some path"), std::string::npos)
      << complaint(m);
}

TEST(Verify, UsedBeforeDefinedInALoop) {
  // Defined at the end of the loop body, used at its start: undefined on the first pass.
  MirBuilder m;
  m.blocks(3);
  m.start(0);
  mir::Reg x = m.reg(), y = m.reg();
  m.emit(Op::Jmp, 1);
  m.start(1);
  m.emit(Op::Move, y, x);
  m.emit(Op::LoadK, x, m.k(Const::integer(1)));
  m.emit(Op::Test, 1, y, 0, 2);
  m.start(2);
  m.emit(Op::RetNil);
  EXPECT_NE(complaint(m).find("%1 is used before it is defined"), std::string::npos)
      << complaint(m);
}

TEST(Verify, EarlyDestinationUsedAsOperand) {
  MirBuilder m(1);
  m.blocks(1);
  m.start(0);
  m.emit(Op::NewArray, 1, 1, 1, m.list({1}));
  m.emit(Op::Ret, 0, 1);
  EXPECT_NE(complaint(m).find("destination is also an operand"), std::string::npos) << complaint(m);
}

TEST(Verify, GroupOpMustNameItsBase) {
  MirBuilder m(1);
  m.blocks(3);
  mir::Reg g = m.reg(), v = m.reg();
  mir::Group grp;
  grp.base = g;
  grp.width = 4;
  grp.npinned = 1;
  grp.offset[0] = 3;
  grp.pinned[0] = v;
  m.fn.groups.push_back(grp);
  m.start(0);
  mir::Instr& init = m.emit(Op::ForInit, g, 1, 1, 1);
  (void)init;
  m.emit(Op::ForPrep, 0, 1, 1, 2);  // names %1, not the group's base %2
  m.start(1);
  m.emit(Op::ForLoop, 0, g, 1, 2);
  m.start(2);
  m.emit(Op::RetNil);
  EXPECT_NE(complaint(m).find("not the base register of its group"), std::string::npos)
      << complaint(m);
  m.fn.code[1].a = g;
  EXPECT_EQ(complaint(m), "");
}

TEST(Verify, UnreachableBlocksAreNotChecked) {
  MirBuilder m;
  m.blocks(2);
  m.start(0);
  m.emit(Op::RetNil);
  m.start(1);
  m.emit(Op::Ret, 0, m.reg());  // never defined, never reached
  EXPECT_EQ(complaint(m), "");
}

TEST(Verify, EverythingTheLoweringMakes) {
  // The golden programs and the samples are verified by the script tests; here, a program
  // with every construct, at both levels (compile_src verifies after every pass).
  const char* src = R"(
let g = [1, 2.5, "s", nil, true, {a: 1, [2]: 3}];
fn f(a, b) {
  let n = 0;
  for (i in range(0, a)) { if (i % 2 == 0 && b || !b) { n += i; } else { continue; } }
  for (k, v in {x: 1}) { n ..= k; }
  for (v in [1]) { let c = fn() { v += 1; return v + n; }; n = c(); }
  while (n < 100) { n *= 2; if (n > 50) { break; } }
  fn inner(x) { return x && inner(x - 1); }
  g[0] += inner(3); g[5].a -= 1; g.z = -n;
  return n .. "!" .. a:m(b);
}
return f(1, 2);
)";
  for (int opt = 0; opt <= 1; ++opt) {
    bc::Unit unit;
    std::string errors;
    EXPECT_TRUE(testing::compile_src(src, opt, &unit, &errors)) << errors;
  }
}

}  // namespace
}  // namespace hako
