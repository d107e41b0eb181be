// Values and the operators on them (docs/LANGUAGE.md, "Values and types").
#include <cmath>
#include <limits>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(Value, LayoutAndKinds) {
  static_assert(sizeof(Value) == 16);
  static_assert(sizeof(MapEntry) == 24);
  Value zero;
  std::memset(static_cast<void*>(&zero), 0, sizeof zero);
  EXPECT_TRUE(zero.is_nil());  // zero-filled memory is nil
  EXPECT_FALSE(Value().truthy());
  EXPECT_FALSE(Value::boolean(false).truthy());
  EXPECT_TRUE(Value::boolean(true).truthy());
  EXPECT_TRUE(Value::integer(0).truthy());
  EXPECT_TRUE(Value::number(0.0).truthy());
  EXPECT_TRUE(Value::boolean(true).is_bool());
  EXPECT_TRUE(Value::boolean(false).is_bool());
  EXPECT_FALSE(Value::integer(1).is_bool());
  EXPECT_TRUE(Value::integer(kMin).is_number());
  EXPECT_EQ(Value::integer(kMin).i, kMin);  // full 64-bit ints, unboxed
  EXPECT_EQ(Value::integer(kMax).i, kMax);
  EXPECT_STREQ(type_name(Value()), "nil");
  EXPECT_STREQ(type_name(Value::boolean(true)), "bool");
  EXPECT_STREQ(type_name(Value::integer(1)), "int");
  EXPECT_STREQ(type_name(Value::number(1)), "float");
}

TEST(Value, Equality) {
  TestRuntime t;
  EXPECT_TRUE(equal(Value(), Value()));
  EXPECT_FALSE(equal(Value(), Value::boolean(false)));
  EXPECT_TRUE(equal(Value::integer(1), Value::number(1.0)));
  EXPECT_TRUE(equal(Value::number(1.0), Value::integer(1)));
  EXPECT_FALSE(equal(Value::integer(1), Value::number(1.5)));
  EXPECT_TRUE(equal(Value::number(0.0), Value::number(-0.0)));
  EXPECT_TRUE(equal(Value::integer(0), Value::number(-0.0)));
  double nan = std::nan("");
  EXPECT_FALSE(equal(Value::number(nan), Value::number(nan)));
  // Exact past 2^53: 2^53 + 1 is not the double 2^53.
  int64_t big = (int64_t{1} << 53) + 1;
  EXPECT_FALSE(equal(Value::integer(big), Value::number(9007199254740992.0)));
  EXPECT_TRUE(equal(Value::integer(int64_t{1} << 62), Value::number(4611686018427387904.0)));
  EXPECT_FALSE(equal(Value::integer(kMax), Value::number(9223372036854775808.0)));
  EXPECT_FALSE(equal(Value::integer(1), t.str("1")));
  // Strings by value, short or long.
  EXPECT_TRUE(equal(t.str("abc"), t.str("abc")));
  std::string long_text(100, 'x');
  Value l1 = t.str(long_text), l2 = t.str(long_text);
  EXPECT_NE(l1.o, l2.o);
  EXPECT_TRUE(equal(l1, l2));
  EXPECT_FALSE(equal(l1, t.str(long_text + "y")));
  // Containers by identity.
  Value a = t.arr({}), b = t.arr({});
  EXPECT_TRUE(equal(a, a));
  EXPECT_FALSE(equal(a, b));
}

TEST(Value, Ordering) {
  TestRuntime t;
  auto lt = [&](Value a, Value b) {
    bool r = false;
    EXPECT_TRUE(less_than(*t, a, b, &r));
    return r;
  };
  auto le = [&](Value a, Value b) {
    bool r = false;
    EXPECT_TRUE(less_equal(*t, a, b, &r));
    return r;
  };
  EXPECT_TRUE(lt(Value::integer(1), Value::number(1.5)));
  EXPECT_FALSE(lt(Value::number(1.0), Value::integer(1)));
  EXPECT_TRUE(le(Value::number(1.0), Value::integer(1)));
  // Exact for ints a double cannot hold.
  EXPECT_TRUE(lt(Value::integer((int64_t{1} << 53) + 1), Value::number(9007199254740994.0)));
  EXPECT_FALSE(lt(Value::integer((int64_t{1} << 53) + 1), Value::number(9007199254740992.0)));
  EXPECT_TRUE(lt(Value::integer(kMax), Value::number(1e19)));
  EXPECT_FALSE(lt(Value::integer(kMin), Value::number(-1e19)));
  EXPECT_FALSE(lt(Value::integer(1), Value::number(std::nan(""))));
  EXPECT_FALSE(le(Value::number(std::nan("")), Value::integer(1)));
  EXPECT_TRUE(lt(t.str("a"), t.str("b")));
  EXPECT_TRUE(lt(t.str("ab"), t.str("abc")));
  EXPECT_TRUE(lt(t.str(""), t.str("\x01")));
  EXPECT_TRUE(lt(t.str("\x7f"), t.str("\x80")));  // bytes compare unsigned
  EXPECT_TRUE(le(t.str("abc"), t.str("abc")));
  bool r;
  EXPECT_FALSE(less_than(*t, Value::integer(1), t.str("1"), &r));
  EXPECT_EQ(t.error_text(), "cannot compare int with string");
  EXPECT_FALSE(less_equal(*t, t.arr({}), t.arr({}), &r));
  EXPECT_EQ(t.error_text(), "cannot compare array with array");
  EXPECT_FALSE(less_than(*t, Value(), Value::integer(1), &r));
  EXPECT_EQ(t.error_text(), "cannot compare nil with int");
}

Value arith_ok(TestRuntime& t, ArithOp op, Value a, Value b) {
  Value r;
  EXPECT_TRUE(arith(*t, op, a, b, &r)) << t.error_text();
  return r;
}

TEST(Value, IntArithmetic) {
  TestRuntime t;
  auto I = [](int64_t x) { return Value::integer(x); };
  EXPECT_EQ(arith_ok(t, ArithOp::kAdd, I(kMax), I(1)).i, kMin);  // wraps
  EXPECT_EQ(arith_ok(t, ArithOp::kSub, I(kMin), I(1)).i, kMax);
  EXPECT_EQ(arith_ok(t, ArithOp::kMul, I(kMax), I(2)).i, -2);
  EXPECT_EQ(arith_ok(t, ArithOp::kFloorDiv, I(7), I(2)).i, 3);
  EXPECT_EQ(arith_ok(t, ArithOp::kFloorDiv, I(-7), I(2)).i, -4);
  EXPECT_EQ(arith_ok(t, ArithOp::kFloorDiv, I(7), I(-2)).i, -4);
  EXPECT_EQ(arith_ok(t, ArithOp::kFloorDiv, I(kMin), I(-1)).i, kMin);
  EXPECT_EQ(arith_ok(t, ArithOp::kMod, I(-7), I(3)).i, 2);
  EXPECT_EQ(arith_ok(t, ArithOp::kMod, I(7), I(-3)).i, -2);
  EXPECT_EQ(arith_ok(t, ArithOp::kMod, I(kMin), I(-1)).i, 0);
  Value d = arith_ok(t, ArithOp::kDiv, I(7), I(2));
  EXPECT_TRUE(d.is_float());
  EXPECT_EQ(d.f, 3.5);
  Value p = arith_ok(t, ArithOp::kPow, I(2), I(10));
  EXPECT_TRUE(p.is_float());
  EXPECT_EQ(p.f, 1024.0);
  Value r;
  EXPECT_FALSE(arith(*t, ArithOp::kFloorDiv, I(1), I(0), &r));
  EXPECT_EQ(t.error_text(), "integer division by zero");
  EXPECT_FALSE(arith(*t, ArithOp::kMod, I(1), I(0), &r));
  EXPECT_EQ(t.error_text(), "integer modulo by zero");
  EXPECT_EQ(int_neg(kMin), kMin);
}

TEST(Value, FloatArithmetic) {
  TestRuntime t;
  auto F = [](double x) { return Value::number(x); };
  EXPECT_EQ(arith_ok(t, ArithOp::kAdd, Value::integer(1), F(0.5)).f, 1.5);
  EXPECT_EQ(arith_ok(t, ArithOp::kFloorDiv, F(7.5), F(2)).f, 3.0);
  EXPECT_EQ(arith_ok(t, ArithOp::kFloorDiv, F(-7.5), F(2)).f, -4.0);
  EXPECT_EQ(arith_ok(t, ArithOp::kMod, F(-7.5), F(2)).f, 0.5);
  EXPECT_EQ(arith_ok(t, ArithOp::kMod, F(7.5), F(-2)).f, -0.5);
  EXPECT_TRUE(std::isinf(arith_ok(t, ArithOp::kDiv, F(1), F(0)).f));
  EXPECT_TRUE(std::isinf(arith_ok(t, ArithOp::kDiv, Value::integer(1), Value::integer(0)).f));
  EXPECT_TRUE(std::isnan(arith_ok(t, ArithOp::kMod, F(1), F(0)).f));
  EXPECT_TRUE(std::isinf(arith_ok(t, ArithOp::kFloorDiv, F(1), F(0)).f));
  EXPECT_EQ(arith_ok(t, ArithOp::kPow, F(2), F(0.5)).f, std::sqrt(2.0));
  Value r;
  EXPECT_TRUE(negate(*t, Value::integer(kMin), &r));
  EXPECT_EQ(r.i, kMin);
  EXPECT_TRUE(negate(*t, F(0.0), &r));
  EXPECT_TRUE(std::signbit(r.f));
}

TEST(Value, ArithmeticErrors) {
  TestRuntime t;
  Value r;
  EXPECT_FALSE(arith(*t, ArithOp::kAdd, t.str("a"), Value::integer(1), &r));
  EXPECT_EQ(t.error_text(), "bad operands for +: string and int (use .. to concatenate strings)");
  EXPECT_FALSE(arith(*t, ArithOp::kAdd, t.str("a"), t.str("b"), &r));
  EXPECT_EQ(t.error_text(),
            "bad operands for +: string and string (use .. to concatenate strings)");
  EXPECT_FALSE(arith(*t, ArithOp::kSub, t.map({}), Value::integer(1), &r));
  EXPECT_EQ(t.error_text(), "bad operands for -: map and int (numbers expected)");
  EXPECT_FALSE(arith(*t, ArithOp::kPow, Value(), Value::number(1), &r));
  EXPECT_EQ(t.error_text(), "bad operands for **: nil and float (numbers expected)");
  EXPECT_FALSE(negate(*t, t.str("x"), &r));
  EXPECT_EQ(t.error_text(), "bad operand for unary -: string (a number expected)");
}

TEST(Value, Concat) {
  TestRuntime t;
  auto cat = [&](std::vector<Value> vals) {
    Value r;
    EXPECT_TRUE(concat(*t, vals.data(), static_cast<uint32_t>(vals.size()), &r)) << t.error_text();
    return std::string(r.as_string()->view());
  };
  EXPECT_EQ(cat({t.str("a"), t.str("b")}), "ab");
  EXPECT_EQ(cat({t.str("n="), Value::integer(-3)}), "n=-3");
  EXPECT_EQ(
      cat({Value::number(3.0), t.str("|"), Value::number(0.1), t.str("|"), Value::number(1e100)}),
      "3.0|0.1|1e+100");
  EXPECT_EQ(cat({}), "");
  std::string big(100, 'z');
  EXPECT_EQ(cat({t.str(big), Value::integer(1)}), big + "1");
  // A short result is interned.
  Value a, b;
  Value parts[] = {t.str("ab"), t.str("c")};
  ASSERT_TRUE(concat(*t, parts, 2, &a));
  EXPECT_EQ(a.o, t.str("abc").o);
  Value bad[] = {t.str("a"), Value()};
  EXPECT_FALSE(concat(*t, bad, 2, &b));
  EXPECT_EQ(t.error_text(), "cannot concatenate a nil value (.. joins strings and numbers)");
  Value bad2[] = {t.str("a"), Value::boolean(true)};
  EXPECT_FALSE(concat(*t, bad2, 2, &b));
  EXPECT_EQ(t.error_text(), "cannot concatenate a bool value (.. joins strings and numbers)");
}

TEST(Value, Indexing) {
  TestRuntime t;
  Value a = t.arr({Value::integer(10), Value::integer(20)});
  Value r;
  ASSERT_TRUE(get_index(*t, a, Value::integer(1), &r));
  EXPECT_EQ(r.i, 20);
  ASSERT_TRUE(get_index(*t, a, Value::number(0.0), &r));  // a float with an int value
  EXPECT_EQ(r.i, 10);
  EXPECT_FALSE(get_index(*t, a, Value::integer(2), &r));
  EXPECT_EQ(t.error_text(), "index 2 out of range for array of length 2");
  EXPECT_FALSE(get_index(*t, a, Value::integer(-1), &r));
  EXPECT_EQ(t.error_text(), "index -1 out of range for array of length 2");
  EXPECT_FALSE(get_index(*t, a, Value::number(0.5), &r));
  EXPECT_EQ(t.error_text(), "array index must be an int, not float");
  EXPECT_FALSE(get_index(*t, a, t.str("x"), &r));
  EXPECT_EQ(t.error_text(), "array index must be an int, not string");
  // Writing at len appends; past it is an error.
  ASSERT_TRUE(set_index(*t, a, Value::integer(2), Value::integer(30)));
  EXPECT_EQ(t.show(a), "[10, 20, 30]");
  EXPECT_FALSE(set_index(*t, a, Value::integer(4), Value::integer(1)));
  EXPECT_EQ(t.error_text(), "index 4 out of range for array of length 3");
  // Maps: missing keys read nil.
  Value m = t.map({{t.str("k"), Value::integer(1)}});
  ASSERT_TRUE(get_index(*t, m, t.str("nope"), &r));
  EXPECT_TRUE(r.is_nil());
  ASSERT_TRUE(get_index(*t, m, Value(), &r));
  EXPECT_TRUE(r.is_nil());
  EXPECT_FALSE(set_index(*t, m, Value(), Value::integer(1)));
  EXPECT_EQ(t.error_text(), "map key cannot be nil");
  EXPECT_FALSE(set_index(*t, m, Value::number(std::nan("")), Value::integer(1)));
  EXPECT_EQ(t.error_text(), "map key cannot be NaN");
  // Strings: one-byte strings, and methods from the string module.
  Value s = t.str("hey");
  ASSERT_TRUE(get_index(*t, s, Value::integer(1), &r));
  EXPECT_EQ(r.as_string()->view(), "e");
  EXPECT_FALSE(get_index(*t, s, Value::integer(3), &r));
  EXPECT_EQ(t.error_text(), "index 3 out of range for string of length 3");
  ASSERT_TRUE(get_index(*t, s, t.str("upper"), &r));
  EXPECT_TRUE(equal(r, t.global("string.upper")));
  EXPECT_FALSE(set_index(*t, s, Value::integer(0), s));
  EXPECT_EQ(t.error_text(), "cannot assign into a string (strings are immutable)");
  // Other values.
  EXPECT_FALSE(get_index(*t, Value(), t.str("name"), &r));
  EXPECT_EQ(t.error_text(), "cannot read field 'name' of nil");
  EXPECT_FALSE(set_index(*t, Value::integer(3), t.str("x"), Value()));
  EXPECT_EQ(t.error_text(), "cannot set field 'x' of int");
  EXPECT_FALSE(get_index(*t, Value::boolean(true), Value::integer(0), &r));
  EXPECT_EQ(t.error_text(), "cannot index bool with int");
}

TEST(Value, Iteration) {
  TestRuntime t;
  Value a = t.arr({t.str("x"), t.str("y")});
  uint32_t pos = 0;
  Value k, v;
  std::string seen;
  int r;
  while ((r = iter_next(*t, a, &pos, &k, &v)) == 1) seen += t.show(k) + "=" + t.show(v) + " ";
  EXPECT_EQ(r, 0);
  EXPECT_EQ(seen, "0=x 1=y ");
  Value m = t.map({{t.str("b"), Value::integer(1)}, {t.str("a"), Value::integer(2)}});
  pos = 0;
  seen.clear();
  while (iter_next(*t, m, &pos, &k, &v) == 1) seen += t.show(k) + "=" + t.show(v) + " ";
  EXPECT_EQ(seen, "b=1 a=2 ");
  pos = 0;
  EXPECT_EQ(iter_next(*t, Value::integer(1), &pos, &k, &v), -1);
  EXPECT_EQ(t.error_text(), "cannot iterate over int (for-in takes an array or a map)");
}

TEST(Value, FloatToInt) {
  int64_t i;
  EXPECT_TRUE(float_to_int(-0.0, &i) && i == 0);
  EXPECT_TRUE(float_to_int(-9223372036854775808.0, &i) && i == kMin);
  EXPECT_FALSE(float_to_int(9223372036854775808.0, &i));
  EXPECT_FALSE(float_to_int(0.5, &i));
  EXPECT_FALSE(float_to_int(std::nan(""), &i));
  EXPECT_FALSE(float_to_int(INFINITY, &i));
}

}  // namespace
}  // namespace hako::vm
