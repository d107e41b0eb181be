// Each MIR pass on small hand-made functions: what it changes, what it must leave alone,
// and that the result still verifies.
#include "vm/mir/passes.h"

#include <gtest/gtest.h>

#include "tests/vm/mir_builder.h"
#include "vm/mir/verify.h"

namespace hako {
namespace {

using mir::Cmp;
using mir::Const;
using mir::Op;
using testing::MirBuilder;

void expect_valid(const mir::Function& fn) {
  Error err;
  EXPECT_TRUE(mir::verify(fn, &err)) << err.message;
}

// ---- fold_constants ------------------------------------------------------------------------

TEST(Fold, ArithmeticOnConstants) {
  MirBuilder m;
  m.blocks(1);
  m.start(0);
  mir::Reg a = m.loadk(Const::integer(7)), b = m.loadk(Const::integer(-2));
  mir::Reg q = m.reg(), r = m.reg(), s = m.reg();
  m.emit(Op::IDiv, q, a, b);
  m.emit(Op::Mod, r, a, b);
  m.emit(Op::Div, s, a, b);
  m.emit(Op::Call, m.reg(), a, 3, m.list({q, r, s}));
  m.emit(Op::RetNil);
  mir::Scratch sc;
  mir::fold_constants(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t() line 0\n"
            "b0:\n"
            "  %1 = loadk 7\n"
            "  %2 = loadk -2\n"
            "  %3 = loadk -4\n"
            "  %4 = loadk -1\n"
            "  %5 = loadk -3.5\n"
            "  %6 = call %1, [%3, %4, %5]\n"
            "  retnil\n");
}

TEST(Fold, NeverWhatRaises) {
  MirBuilder m;
  m.blocks(1);
  m.start(0);
  mir::Reg one = m.loadk(Const::integer(1)), zero = m.loadk(Const::integer(0));
  mir::Reg s = m.loadk(Const::string("a")), nil = m.loadk(Const::nil());
  mir::Reg r[6];
  for (mir::Reg& x : r) x = m.reg();
  m.emit(Op::IDiv, r[0], one, zero);                 // int // 0
  m.emit(Op::Mod, r[1], one, zero);                  // int % 0
  m.emit(Op::Add, r[2], one, s);                     // arithmetic on a string
  m.emit(Op::Lt, r[3], one, s);                      // ordering a number and a string
  m.emit(Op::Neg, r[4], nil);                        // negating nil
  m.emit(Op::Concat, r[5], 0, 2, m.list({s, nil}));  // .. nil
  m.emit(Op::Call, m.reg(), one, 6, m.list({r[0], r[1], r[2], r[3], r[4], r[5]}));
  m.emit(Op::RetNil);
  std::string before = m.dump();
  mir::Scratch sc;
  mir::fold_constants(m.fn, sc);
  EXPECT_EQ(m.dump(), before);
}

TEST(Fold, BranchesAndTests) {
  MirBuilder m;
  m.blocks(5);
  m.start(0);
  mir::Reg a = m.loadk(Const::integer(1)), b = m.loadk(Const::number(1.5));
  m.br(Cmp::Lt, a, b, 1, 2);
  m.start(1);
  mir::Reg n = m.loadk(Const::nil());
  m.emit(Op::Test, 3, n, 0, 4);
  m.start(2);
  m.emit(Op::RetNil);
  m.start(3);
  m.emit(Op::RetNil);
  m.start(4);
  m.emit(Op::Ret, 0, a);
  mir::Scratch sc;
  mir::fold_constants(m.fn, sc);
  mir::remove_unreachable(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t() line 0\n"
            "b0:\n"
            "  %1 = loadk 1\n"
            "  %2 = loadk 1.5\n"
            "  jmp b1\n"
            "b1:\n"
            "  %3 = loadk nil\n"
            "  jmp b4\n"
            "b4:\n"
            "  ret %1\n");
}

TEST(Fold, OnlyRegistersDefinedOnce) {
  // %1 is assigned twice: its value at the add is not known.
  MirBuilder m;
  m.blocks(3);
  m.start(0);
  mir::Reg x = m.loadk(Const::integer(1));
  mir::Reg p = m.loadk(Const::boolean(true));
  m.emit(Op::Test, 1, p, 0, 2);
  m.start(1);
  m.emit(Op::LoadK, x, m.k(Const::integer(2)));
  m.emit(Op::Jmp, 2);
  m.start(2);
  mir::Reg y = m.reg();
  m.emit(Op::Add, y, x, x);
  m.emit(Op::Ret, 0, y);
  mir::Scratch sc;
  mir::fold_constants(m.fn, sc);
  EXPECT_NE(m.dump().find("%3 = add %1, %1"), std::string::npos) << m.dump();
  EXPECT_NE(m.dump().find("jmp b1"), std::string::npos) << m.dump();  // the test of true
}

// ---- propagate_copies ----------------------------------------------------------------------

TEST(CopyProp, DefinedOnceEverywhere) {
  MirBuilder m(1);
  m.blocks(2);
  m.start(0);
  mir::Reg c = m.reg();
  m.emit(Op::Move, c, 1);
  m.emit(Op::Jmp, 1);
  m.start(1);
  mir::Reg r = m.reg();
  m.emit(Op::Add, r, c, c);
  m.emit(Op::Ret, 0, r);
  mir::Scratch sc;
  mir::propagate_copies(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t(%1) line 0\n"
            "b0:\n"
            "  jmp b1\n"
            "b1:\n"
            "  %3 = add %1, %1\n"
            "  ret %3\n");
}

TEST(CopyProp, WithinABlockUntilRedefined) {
  // %2 = move %1 where %1 is a variable assigned again: uses of %2 read %1 only until then.
  MirBuilder m(1);
  m.blocks(1);
  m.start(0);
  mir::Reg c = m.reg(), a = m.reg(), b = m.reg();
  m.emit(Op::Move, c, 1);
  m.emit(Op::Add, a, c, c);
  m.emit(Op::LoadK, 1, m.k(Const::integer(5)));
  m.emit(Op::Add, b, c, 1);
  m.emit(Op::Call, m.reg(), a, 1, m.list({b}));
  m.emit(Op::RetNil);
  mir::Scratch sc;
  mir::propagate_copies(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t(%1) line 0\n"
            "b0:\n"
            "  %2 = move %1\n"
            "  %3 = add %1, %1\n"
            "  %1 = loadk 5\n"
            "  %4 = add %2, %1\n"
            "  %5 = call %3, [%4]\n"
            "  retnil\n");
}

TEST(CopyProp, NotIntoAnEarlyDestination) {
  // newarray writes its destination before reading its elements: a copy of the destination
  // must not become an element.
  MirBuilder m(1);
  m.blocks(1);
  m.start(0);
  mir::Reg c = m.reg();
  m.emit(Op::Move, c, 1);
  m.emit(Op::NewArray, 1, 1, 1, m.list({c}));
  m.emit(Op::Ret, 0, 1);
  mir::Scratch sc;
  mir::propagate_copies(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_NE(m.dump().find("%1 = newarray 1, [%2]"), std::string::npos) << m.dump();
}

// ---- eliminate_dead_code -------------------------------------------------------------------

TEST(Dce, PureAndUnusedGoes) {
  MirBuilder m(1);
  m.blocks(1);
  m.start(0);
  mir::Reg k = m.loadk(Const::integer(1));
  mir::Reg mv = m.reg(), n = m.reg(), e = m.reg(), arr = m.reg();
  m.emit(Op::Move, mv, k);             // dead, and makes k dead
  m.emit(Op::Not, n, 1);               // dead
  m.emit(Op::Eq, e, 1, 1);             // dead
  m.emit(Op::NewArray, arr, 0, 0, 0);  // dead
  mir::Reg s = m.reg(), g = m.reg(), c = m.reg();
  m.emit(Op::Add, s, 1, 1);                             // unused, but may raise: stays
  m.emit(Op::GetField, g, 1, m.k(Const::string("f")));  // may raise: stays
  m.emit(Op::Call, c, 1, 0, 0);                         // a call: stays
  m.emit(Op::RetNil);
  mir::Scratch sc;
  mir::eliminate_dead_code(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t(%1) line 0\n"
            "b0:\n"
            "  %7 = add %1, %1\n"
            "  %8 = getfield %1, \"f\"\n"
            "  %9 = call %1, []\n"
            "  retnil\n");
}

// ---- remove_unreachable, thread_jumps ------------------------------------------------------

TEST(Cfg, ThreadingAndUnreachableBlocks) {
  MirBuilder m(1);
  m.blocks(6);
  m.start(0);
  m.emit(Op::Test, 1, 1, 0, 2);
  m.start(1);
  m.emit(Op::Jmp, 3);  // a trampoline to a trampoline
  m.start(2);
  m.emit(Op::Jmp, 4);  // to a block that only returns
  m.start(3);
  m.emit(Op::Jmp, 5);
  m.start(4);
  m.emit(Op::Ret, 0, 1);
  m.start(5);
  m.emit(Op::RetNil);
  mir::Scratch sc;
  mir::thread_jumps(m.fn, sc);
  mir::remove_unreachable(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t(%1) line 0\n"
            "b0:\n"
            "  test %1 -> b5, b4\n"
            "b4:\n"
            "  ret %1\n"
            "b5:\n"
            "  retnil\n");
}

TEST(Cfg, BranchWithEqualTargetsIsAJump) {
  MirBuilder m(2);
  m.blocks(3);
  m.start(0);
  m.br(Cmp::Lt, 1, 2, 1, 2);
  m.start(1);
  m.emit(Op::Jmp, 2);
  m.start(2);
  m.emit(Op::RetNil);
  mir::Scratch sc;
  mir::thread_jumps(m.fn, sc);
  // Both targets end at b2, and the jump to a return is that return.
  EXPECT_NE(m.dump().find("b0:\n  retnil\n"), std::string::npos) << m.dump();
}

// ---- peephole ------------------------------------------------------------------------------

TEST(Peephole, ConstantOperands) {
  MirBuilder m(2);
  m.blocks(3);
  m.start(0);
  mir::Reg one = m.loadk(Const::integer(1)), half = m.loadk(Const::number(0.5));
  mir::Reg key = m.loadk(Const::string("k")), idx = m.loadk(Const::integer(3));
  mir::Reg a = m.reg(), b = m.reg(), c = m.reg(), d = m.reg(), e = m.reg();
  m.emit(Op::Add, a, one, 1);  // commutative: the constant moves right
  m.emit(Op::Sub, b, one, 1);  // not commutative: stays
  m.emit(Op::Mul, c, 1, half);
  m.emit(Op::GetIndex, d, 2, key);  // a["k"] is a.k
  m.emit(Op::GetIndex, e, 2, idx);  // a small int index
  m.emit(Op::SetIndex, 0, 2, key, a);
  m.emit(Op::Call, m.reg(), 2, 4, m.list({b, c, d, e}));
  m.br(Cmp::Lt, one, 1, 1, 2);  // 1 < x is x > 1
  m.start(1);
  m.emit(Op::RetNil);
  m.start(2);
  m.emit(Op::RetNil);
  mir::Scratch sc;
  mir::peephole(m.fn, sc);
  mir::eliminate_dead_code(m.fn, sc);
  expect_valid(m.fn);
  EXPECT_EQ(m.dump(),
            "function t(%1, %2) line 0\n"
            "b0:\n"
            "  %3 = loadk 1\n"
            "  %7 = add %1, 1\n"
            "  %8 = sub %3, %1\n"
            "  %9 = mul %1, 0.5\n"
            "  %10 = getfield %2, \"k\"\n"
            "  %11 = getindex %2, 3\n"
            "  setfield %2, \"k\", %7\n"
            "  %12 = call %2, [%8, %9, %10, %11]\n"
            "  br.gt %1, 1 -> b1, b2\n"
            "b1:\n"
            "  retnil\n"
            "b2:\n"
            "  retnil\n");
}

TEST(Peephole, CompareAndTestBecomeABranch) {
  MirBuilder m(2);
  m.blocks(5);
  m.start(0);
  mir::Reg t = m.reg(), u = m.reg();
  m.emit(Op::Ne, t, 1, 2);
  m.emit(Op::Test, 1, t, 0, 2);
  m.start(1);
  m.emit(Op::Not, u, 1);
  m.emit(Op::Test, 3, u, 0, 4);
  m.start(2);
  m.emit(Op::RetNil);
  m.start(3);
  m.emit(Op::RetNil);
  m.start(4);
  m.emit(Op::Ret, 0, 2);
  mir::Scratch sc;
  mir::peephole(m.fn, sc);
  expect_valid(m.fn);
  std::string d = m.dump();
  EXPECT_NE(d.find("b0:\n  br.eq %1, %2 -> b2, b1\n"), std::string::npos) << d;
  EXPECT_NE(d.find("b1:\n  test %1 -> b4, b3\n"), std::string::npos) << d;
}

TEST(Peephole, NoFusionWhenTheValueIsUsedAgain) {
  MirBuilder m(2);
  m.blocks(3);
  m.start(0);
  mir::Reg t = m.reg();
  m.emit(Op::Lt, t, 1, 2);
  m.emit(Op::Test, 1, t, 0, 2);
  m.start(1);
  m.emit(Op::Ret, 0, t);
  m.start(2);
  m.emit(Op::RetNil);
  std::string before = m.dump();
  mir::Scratch sc;
  mir::peephole(m.fn, sc);
  EXPECT_EQ(m.dump(), before);
}

// ---- the pipeline --------------------------------------------------------------------------

TEST(Optimize, LevelZeroChangesNothing) {
  MirBuilder m;
  m.blocks(1);
  m.start(0);
  mir::Reg a = m.loadk(Const::integer(2)), b = m.loadk(Const::integer(3)), r = m.reg();
  m.emit(Op::Mul, r, a, b);
  m.emit(Op::Ret, 0, r);
  std::string before = m.dump();
  mir::Scratch sc;
  Error err;
  ASSERT_TRUE(mir::optimize(m.fn, 0, true, sc, &err));
  EXPECT_EQ(m.dump(), before);
  ASSERT_TRUE(mir::optimize(m.fn, 1, true, sc, &err)) << err.message;
  EXPECT_EQ(m.dump(),
            "function t() line 0\n"
            "b0:\n"
            "  %3 = loadk 6\n"
            "  ret %3\n");
}

}  // namespace
}  // namespace hako
