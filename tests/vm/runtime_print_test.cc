// docs/LANGUAGE.md, "Printing values": str() and print.
#include <cmath>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;

TEST(Print, Floats) {
  TestRuntime t;
  struct Case {
    double d;
    const char* text;
  } cases[] = {
      {0.1, "0.1"},
      {1e100, "1e+100"},
      {1.5e-7, "1.5e-07"},
      {1e16, "1e+16"},
      {123456789.0, "123456789.0"},
      {300.0, "300.0"},
      {3.0, "3.0"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {1e15, "1000000000000000.0"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {2.5, "2.5"},
      {1.0 / 3, "0.3333333333333333"},
      {INFINITY, "inf"},
      {-INFINITY, "-inf"},
      {std::nan(""), "nan"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
  };
  for (const Case& c : cases) EXPECT_EQ(t.show(Value::number(c.d)), c.text) << c.text;
}

TEST(Print, Scalars) {
  TestRuntime t;
  EXPECT_EQ(t.show(Value()), "nil");
  EXPECT_EQ(t.show(Value::boolean(true)), "true");
  EXPECT_EQ(t.show(Value::boolean(false)), "false");
  EXPECT_EQ(t.show(Value::integer(3)), "3");
  EXPECT_EQ(t.show(Value::integer(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(t.show(t.str("plain \"text\"\n")), "plain \"text\"\n");  // as it is
  EXPECT_EQ(t.show(t.global("print")), "<function print>");
  EXPECT_EQ(t.show(t.global("math.sqrt")), "<function math.sqrt>");
}

TEST(Print, Containers) {
  TestRuntime t;
  Value inner = t.map({{t.str("k"), Value::integer(1)}, {t.str("n"), Value()}});
  Value a = t.arr({Value::integer(1), Value::number(2.5), t.str("a"), inner, t.arr({})});
  EXPECT_EQ(t.show(a), "[1, 2.5, \"a\", {\"k\": 1, \"n\": nil}, []]");
  EXPECT_EQ(t.show(t.map({})), "{}");
  Value keys = t.map({{Value::integer(1), t.str("x")},
                      {Value::number(0.5), Value::boolean(false)},
                      {Value::boolean(true), t.arr({Value()})}});
  EXPECT_EQ(t.show(keys), "{1: \"x\", 0.5: false, true: [nil]}");
  // Strings inside containers are quoted and escaped as in JSON; bad UTF-8 as \xHH.
  Value s = t.arr({t.str("q\"b\\s\n\t\r\b\f\x01\x1f\x7f"), t.str("h\xC3\xA9!"), t.str("\xff\xC3")});
  EXPECT_EQ(t.show(s),
            "[\"q\\\"b\\\\s\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\", \"h\xC3\xA9!\", \"\\xff\\xc3\"]");
  // The same container twice (not a cycle) prints twice.
  Value shared = t.arr({Value::integer(1)});
  EXPECT_EQ(t.show(t.arr({shared, shared})), "[[1], [1]]");
  Value fns = t.arr({t.global("len")});
  EXPECT_EQ(t.show(fns), "[<function len>]");
}

TEST(Print, Cycles) {
  TestRuntime t;
  Value a = t.arr({Value::integer(1)});
  ASSERT_TRUE(array_push(*t, a.as_array(), a));
  EXPECT_EQ(t.show(a), "[1, [...]]");
  Value m = t.map({});
  ASSERT_TRUE(map_set(*t, m.as_map(), t.str("self"), m));
  ASSERT_TRUE(map_set(*t, m.as_map(), t.str("list"), a));
  EXPECT_EQ(t.show(m), "{\"self\": {...}, \"list\": [1, [...]]}");
  ASSERT_TRUE(array_push(*t, a.as_array(), m));
  EXPECT_EQ(t.show(a), "[1, [...], {\"self\": {...}, \"list\": [...]}]");
  // The marks are gone afterwards.
  EXPECT_EQ(a.o->flags & kVisiting, 0);
  EXPECT_EQ(m.o->flags & kVisiting, 0);
  // A map as a key of itself.
  Value k = t.map({});
  ASSERT_TRUE(map_set(*t, k.as_map(), k, Value::integer(1)));
  EXPECT_EQ(t.show(k), "{{...}: 1}");
}

TEST(Print, DeepNestingNeedsNoRecursion) {
  TestRuntime t;
  Value v = t.arr({});
  for (int i = 0; i < 100000; ++i) v = t.arr({v});
  std::string s = t.show(v);
  EXPECT_EQ(s.size(), 2u * 100001);
  EXPECT_EQ(s.substr(0, 3), "[[[");
}

TEST(Print, PrintJoinsWithTabs) {
  TestRuntime t;
  t.ok("print", {t.str("a"), Value::integer(1), Value(), Value::number(1.0), t.arr({t.str("s")})});
  t.ok("print");
  EXPECT_EQ(t.out, "a\t1\tnil\t1.0\t[\"s\"]\n\n");
  std::string other;
  t->set_output(
      [](void* ud, const char* d, size_t n) { static_cast<std::string*>(ud)->append(d, n); },
      &other);
  t.ok("print", {t.str("elsewhere")});
  EXPECT_EQ(other, "elsewhere\n");
}

TEST(Print, ClosureNames) {
  TestRuntime t;
  Proto* p = t->new_proto();
  t.pin(Value::object(p, kProto));
  Closure* c = t->new_closure(p, 0);
  Value cv = t.pin(Value::closure(c));
  EXPECT_EQ(t.show(cv), "<function>");
  p->name = t.str("fib").as_string();
  EXPECT_EQ(t.show(cv), "<function fib>");
  EXPECT_EQ(t.text("type", {cv}), "function");
}

}  // namespace
}  // namespace hako::vm
