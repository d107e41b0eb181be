// The math module; random against numbers drawn by Lua 5.4.4 with the same seeds.
#include <cmath>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
using T = TestRuntime;

TEST(Math, Functions) {
  T t;
  EXPECT_EQ(t.text("math.sqrt", {T::i(16)}), "4.0");
  EXPECT_EQ(t.text("math.sqrt", {T::f(2)}), "1.4142135623730951");
  EXPECT_EQ(t.text("math.sin", {T::i(0)}), "0.0");
  EXPECT_EQ(t.text("math.cos", {T::i(0)}), "1.0");
  EXPECT_EQ(t.text("math.tan", {T::i(0)}), "0.0");
  EXPECT_EQ(t.text("math.exp", {T::i(0)}), "1.0");
  EXPECT_EQ(t.text("math.atan", {T::i(1)}), "0.7853981633974483");
  EXPECT_EQ(t.text("math.atan", {T::i(1), T::i(-1)}), "2.356194490192345");
  EXPECT_EQ(t.text("math.log", {T::i(1)}), "0.0");
  EXPECT_EQ(t.text("math.log", {T::i(8), T::i(2)}), "3.0");
  EXPECT_EQ(t.text("math.log", {T::i(1000), T::i(10)}), "3.0");
  EXPECT_EQ(t.text("math.log", {T::i(81), T::i(3)}), "4.0");
  EXPECT_EQ(t.text("math.sqrt", {T::i(-1)}), "nan");  // signless: str writes "nan"
  EXPECT_EQ(t.fails("math.sqrt", {t.str("4")}),
            "bad argument #1 to 'math.sqrt' (number expected, got string)");
  EXPECT_EQ(t.fails("math.log", {T::i(2), t.arr({})}),
            "bad argument #2 to 'math.log' (number expected, got array)");
}

TEST(Math, FloorCeilAbs) {
  T t;
  EXPECT_EQ(t.text("math.floor", {T::f(3.7)}), "3");  // an int when it fits
  EXPECT_EQ(t.text("math.floor", {T::f(-3.2)}), "-4");
  EXPECT_EQ(t.text("math.ceil", {T::f(3.2)}), "4");
  EXPECT_EQ(t.text("math.ceil", {T::f(-3.7)}), "-3");
  EXPECT_EQ(t.text("math.floor", {T::i(5)}), "5");
  EXPECT_EQ(t.text("math.floor", {T::f(1e300)}), "1e+300");  // too large for an int
  EXPECT_EQ(t.text("math.floor", {T::f(-INFINITY)}), "-inf");
  EXPECT_EQ(t.text("math.floor", {T::f(NAN)}), "nan");
  EXPECT_EQ(t.text("math.abs", {T::i(-5)}), "5");
  EXPECT_EQ(t.text("math.abs", {T::i(INT64_MIN)}), "-9223372036854775808");  // wraps
  EXPECT_EQ(t.text("math.abs", {T::f(-2.5)}), "2.5");
  EXPECT_EQ(t.text("math.abs", {T::f(-0.0)}), "0.0");
  EXPECT_EQ(t.fails("math.floor", {Value()}),
            "bad argument #1 to 'math.floor' (number expected, got nil)");
}

TEST(Math, MinMaxFmod) {
  T t;
  EXPECT_EQ(t.text("math.min", {T::i(3), T::f(1.5), T::i(2)}), "1.5");
  EXPECT_EQ(t.text("math.max", {T::i(3), T::f(1.5), T::i(7)}), "7");
  EXPECT_EQ(t.text("math.max", {T::i(1), T::f(1.0)}), "1");  // the first of equals
  EXPECT_EQ(t.text("math.min", {T::f(1.0), T::i(1)}), "1.0");
  EXPECT_EQ(t.text("math.max", {T::i(4)}), "4");
  EXPECT_EQ(t.fails("math.min"), "bad argument #1 to 'math.min' (number expected, got no value)");
  EXPECT_EQ(t.fails("math.max", {T::i(1), t.str("2")}),
            "bad argument #2 to 'math.max' (number expected, got string)");
  EXPECT_EQ(t.text("math.fmod", {T::i(7), T::i(3)}), "1");
  EXPECT_EQ(t.text("math.fmod", {T::i(-7), T::i(3)}), "-1");  // truncated, unlike %
  EXPECT_EQ(t.text("math.fmod", {T::i(INT64_MIN), T::i(-1)}), "0");
  EXPECT_EQ(t.text("math.fmod", {T::f(7.5), T::i(2)}), "1.5");
  EXPECT_EQ(t.text("math.fmod", {T::f(1), T::f(0)}), "nan");
  EXPECT_EQ(t.fails("math.fmod", {T::i(1), T::i(0)}), "bad argument #2 to 'math.fmod' (zero)");
}

TEST(Math, Constants) {
  T t;
  EXPECT_EQ(t.global("math.pi").f, M_PI);
  EXPECT_TRUE(std::isinf(t.global("math.huge").f));
}

TEST(Math, RandomMatchesLua) {
  T t;
  // lua5.4: math.randomseed(42); math.random(0, 99) x5; math.random() x3; math.random(-5, 4) x3
  t.ok("math.seed", {T::i(42)});
  std::string ints;
  for (int i = 0; i < 5; ++i) ints += t.text("math.random", {T::i(0), T::i(100)}) + " ";
  EXPECT_EQ(ints, "49 75 85 53 63 ");
  EXPECT_EQ(t.ok("math.random").f, 0.96389739813422104);
  EXPECT_EQ(t.ok("math.random").f, 0.71097689661550945);
  EXPECT_EQ(t.ok("math.random").f, 0.27455699358752317);
  std::string small;
  for (int i = 0; i < 3; ++i) small += t.text("math.random", {T::i(-5), T::i(5)}) + " ";
  EXPECT_EQ(small, "-3 2 2 ");
  t.ok("math.random");  // Lua drew math.random(0) here
  EXPECT_EQ(t.ok("math.random", {T::i(1), T::i(1000000000001)}).i, 17863536833);
  // math.randomseed(0): random(0, 99) x2, random()
  t.ok("math.seed", {T::i(0)});
  EXPECT_EQ(t.ok("math.random", {T::i(100)}).i, 65);
  EXPECT_EQ(t.ok("math.random", {T::i(100)}).i, 8);
  EXPECT_EQ(t.ok("math.random").f, 0.069275939529084729);
  // math.randomseed(-7): random(1, 6) x3
  t.ok("math.seed", {T::i(-7)});
  std::string dice;
  for (int i = 0; i < 3; ++i) dice += t.text("math.random", {T::i(1), T::i(7)}) + " ";
  EXPECT_EQ(dice, "4 6 4 ");
}

TEST(Math, RandomIsSeededPerRuntime) {
  RuntimeOptions o;
  o.random_seed = 42;
  T a(o), b(o), c;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a.ok("math.random", {T::i(1000)}).i, b.ok("math.random", {T::i(1000)}).i);
  }
  EXPECT_EQ(a.text("math.random", {T::i(0), T::i(100)}),
            b.text("math.random", {T::i(0), T::i(100)}));
  c.ok("math.seed", {T::i(42)});
  T d(o);
  EXPECT_EQ(c.ok("math.random").f, d.ok("math.random").f);
}

TEST(Math, RandomRanges) {
  T t;
  for (int i = 0; i < 2000; ++i) {
    int64_t v = t.ok("math.random", {T::i(10)}).i;
    ASSERT_TRUE(v >= 0 && v < 10);
    int64_t w = t.ok("math.random", {T::i(-3), T::i(3)}).i;
    ASSERT_TRUE(w >= -3 && w < 3);
    double f = t.ok("math.random").f;
    ASSERT_TRUE(f >= 0 && f < 1);
  }
  int64_t full = t.ok("math.random", {T::i(INT64_MIN), T::i(INT64_MAX)}).i;
  EXPECT_LT(full, INT64_MAX);
  EXPECT_EQ(t.ok("math.random", {T::i(5), T::i(6)}).i, 5);
  EXPECT_EQ(t.fails("math.random", {T::i(0)}),
            "bad argument #1 to 'math.random' (interval is empty)");
  EXPECT_EQ(t.fails("math.random", {T::i(3), T::i(3)}),
            "bad argument #1 to 'math.random' (interval is empty)");
  EXPECT_EQ(t.fails("math.random", {T::f(2.5)}),
            "bad argument #1 to 'math.random' (number has no integer representation)");
  EXPECT_EQ(t.fails("math.seed", {t.str("x")}),
            "bad argument #1 to 'math.seed' (int expected, got string)");
}

}  // namespace
}  // namespace hako::vm
