// The global builtins of docs/LANGUAGE.md, with their error messages.
#include <cmath>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
using T = TestRuntime;

TEST(Builtins, Len) {
  T t;
  EXPECT_EQ(t.ok("len", {t.str("héllo")}).i, 6);  // bytes
  EXPECT_EQ(t.ok("len", {t.arr({T::i(1), T::i(2)})}).i, 2);
  EXPECT_EQ(t.ok("len", {t.map({{t.str("a"), Value()}})}).i, 1);
  EXPECT_EQ(t.fails("len", {T::i(3)}),
            "bad argument #1 to 'len' (string, array or map expected, got int)");
  EXPECT_EQ(t.fails("len"),
            "bad argument #1 to 'len' (string, array or map expected, got no value)");
}

TEST(Builtins, PushPopInsertRemove) {
  T t;
  Value a = t.arr({});
  EXPECT_TRUE(t.ok("push", {a, T::i(1)}).is_nil());
  t.ok("push", {a, t.str("two")});
  t.ok("push", {a, Value()});
  EXPECT_EQ(t.show(a), "[1, \"two\", nil]");
  EXPECT_TRUE(t.ok("pop", {a}).is_nil());
  EXPECT_EQ(t.show(t.ok("pop", {a})), "two");
  t.ok("insert", {a, T::i(0), T::i(0)});
  t.ok("insert", {a, T::i(2), T::i(2)});  // at len: appends
  EXPECT_EQ(t.show(a), "[0, 1, 2]");
  EXPECT_EQ(t.ok("remove", {a, T::i(1)}).i, 1);
  EXPECT_EQ(t.show(a), "[0, 2]");
  EXPECT_EQ(t.fails("insert", {a, T::i(3), T::i(9)}), "index 3 out of range for array of length 2");
  EXPECT_EQ(t.fails("insert", {a, T::i(-1), T::i(9)}),
            "index -1 out of range for array of length 2");
  EXPECT_EQ(t.fails("remove", {a, T::i(2)}), "index 2 out of range for array of length 2");
  EXPECT_EQ(t.fails("remove", {a, t.str("0")}),
            "bad argument #2 to 'remove' (int expected, got string)");
  EXPECT_EQ(t.fails("remove", {a, T::f(0.5)}),
            "bad argument #2 to 'remove' (number has no integer representation)");
  EXPECT_EQ(t.ok("remove", {a, T::f(1.0)}).i, 2);
  t.ok("pop", {a});
  EXPECT_TRUE(t.ok("pop", {a}).is_nil());  // empty: nil, as Lua's table.remove
  EXPECT_EQ(t.fails("push", {t.map({}), T::i(1)}),
            "bad argument #1 to 'push' (array expected, got map)");
  EXPECT_EQ(t.fails("pop", {Value()}), "bad argument #1 to 'pop' (array expected, got nil)");
  // Many pushes: the store grows.
  for (int i = 0; i < 10000; ++i) t.ok("push", {a, T::i(i)});
  EXPECT_EQ(t.ok("len", {a}).i, 10000);
}

TEST(Builtins, KeysHasDelete) {
  T t;
  Value m = t.map({{t.str("b"), T::i(1)}, {T::i(7), Value()}, {t.str("a"), T::i(3)}});
  EXPECT_EQ(t.text("keys", {m}), "[\"b\", 7, \"a\"]");
  EXPECT_TRUE(t.ok("has", {m, T::i(7)}).as_bool());
  EXPECT_TRUE(t.ok("has", {m, T::f(7.0)}).as_bool());
  EXPECT_FALSE(t.ok("has", {m, t.str("c")}).as_bool());
  EXPECT_FALSE(t.ok("has", {m, Value()}).as_bool());
  EXPECT_EQ(t.ok("delete", {m, t.str("b")}).i, 1);  // the removed value
  EXPECT_TRUE(t.ok("delete", {m, t.str("zz")}).is_nil());
  EXPECT_EQ(t.text("keys", {m}), "[7, \"a\"]");
  EXPECT_EQ(t.text("keys", {t.map({})}), "[]");
  EXPECT_EQ(t.fails("keys", {t.arr({})}), "bad argument #1 to 'keys' (map expected, got array)");
  EXPECT_EQ(t.fails("has", {t.str("s"), T::i(0)}),
            "bad argument #1 to 'has' (map expected, got string)");
  EXPECT_EQ(t.fails("delete", {}), "bad argument #1 to 'delete' (map expected, got no value)");
}

TEST(Builtins, Type) {
  T t;
  EXPECT_EQ(t.text("type", {Value()}), "nil");
  EXPECT_EQ(t.text("type", {}), "nil");
  EXPECT_EQ(t.text("type", {T::b(false)}), "bool");
  EXPECT_EQ(t.text("type", {T::i(1)}), "int");
  EXPECT_EQ(t.text("type", {T::f(1)}), "float");
  EXPECT_EQ(t.text("type", {t.str("")}), "string");
  EXPECT_EQ(t.text("type", {t.arr({})}), "array");
  EXPECT_EQ(t.text("type", {t.map({})}), "map");
  EXPECT_EQ(t.text("type", {t.global("print")}), "function");
}

TEST(Builtins, Str) {
  T t;
  EXPECT_EQ(t.text("str", {T::i(3)}), "3");
  EXPECT_EQ(t.text("str", {T::f(3)}), "3.0");
  EXPECT_EQ(t.text("str", {T::f(0.1)}), "0.1");
  EXPECT_EQ(t.text("str", {Value()}), "nil");
  EXPECT_EQ(t.text("str", {t.arr({t.str("a")})}), "[\"a\"]");
  Value s = t.str("same");
  EXPECT_EQ(t.ok("str", {s}).o, s.o);
}

TEST(Builtins, Int) {
  T t;
  auto as_int = [&](Value v) { return t.show(t.ok("int", {v})); };
  EXPECT_EQ(as_int(T::i(5)), "5");
  EXPECT_EQ(as_int(T::f(3.9)), "3");
  EXPECT_EQ(as_int(T::f(-3.9)), "-3");
  EXPECT_EQ(as_int(T::f(1e300)), "nil");
  EXPECT_EQ(as_int(T::f(NAN)), "nil");
  EXPECT_EQ(as_int(T::f(INFINITY)), "nil");
  EXPECT_EQ(as_int(t.str("42")), "42");
  EXPECT_EQ(as_int(t.str("  -17\n")), "-17");
  EXPECT_EQ(as_int(t.str("+8")), "8");
  EXPECT_EQ(as_int(t.str("0x1F")), "31");
  EXPECT_EQ(as_int(t.str("-0x10")), "-16");
  EXPECT_EQ(as_int(t.str("3.75")), "3");
  EXPECT_EQ(as_int(t.str("1e3")), "1000");
  EXPECT_EQ(as_int(t.str("9223372036854775807")), "9223372036854775807");
  EXPECT_EQ(as_int(t.str("-9223372036854775808")), "-9223372036854775808");
  EXPECT_EQ(as_int(t.str("9223372036854775808")), "nil");
  EXPECT_EQ(as_int(t.str("")), "nil");
  EXPECT_EQ(as_int(t.str("abc")), "nil");
  EXPECT_EQ(as_int(t.str("12abc")), "nil");
  EXPECT_EQ(as_int(t.str("1 2")), "nil");
  EXPECT_EQ(as_int(t.str("--1")), "nil");
  EXPECT_EQ(as_int(t.str("0x")), "nil");
  EXPECT_EQ(as_int(T::b(true)), "nil");
  EXPECT_EQ(as_int(Value()), "nil");
  EXPECT_EQ(as_int(t.arr({})), "nil");
}

TEST(Builtins, Float) {
  T t;
  auto as_float = [&](Value v) { return t.show(t.ok("float", {v})); };
  EXPECT_EQ(as_float(T::i(3)), "3.0");
  EXPECT_EQ(as_float(T::f(2.5)), "2.5");
  EXPECT_EQ(as_float(t.str("2.5")), "2.5");
  EXPECT_EQ(as_float(t.str(" 1e-3 ")), "0.001");
  EXPECT_EQ(as_float(t.str("7")), "7.0");
  EXPECT_EQ(as_float(t.str("0x10")), "16.0");
  EXPECT_EQ(as_float(t.str("inf")), "inf");
  EXPECT_EQ(as_float(t.str("-inf")), "-inf");
  EXPECT_EQ(as_float(t.str("nan")), "nan");
  EXPECT_EQ(as_float(t.str("1e400")), "inf");
  EXPECT_EQ(as_float(t.str("1e-400")), "0.0");
  EXPECT_EQ(as_float(t.str("99999999999999999999")), "1e+20");
  EXPECT_EQ(as_float(t.str("x1")), "nil");
  EXPECT_EQ(as_float(t.str("1.5.2")), "nil");
  EXPECT_EQ(as_float(Value()), "nil");
}

TEST(Builtins, Range) {
  T t;
  EXPECT_EQ(t.text("range", {T::i(0), T::i(5)}), "[0, 1, 2, 3, 4]");
  EXPECT_EQ(t.text("range", {T::i(4)}), "[0, 1, 2, 3]");
  EXPECT_EQ(t.text("range", {T::i(1), T::i(10), T::i(3)}), "[1, 4, 7]");
  EXPECT_EQ(t.text("range", {T::i(5), T::i(0), T::i(-2)}), "[5, 3, 1]");
  EXPECT_EQ(t.text("range", {T::i(5), T::i(5)}), "[]");
  EXPECT_EQ(t.text("range", {T::i(5), T::i(0)}), "[]");
  EXPECT_EQ(t.text("range", {T::i(0), T::i(5), T::i(-1)}), "[]");
  EXPECT_EQ(t.text("range", {T::i(-3)}), "[]");
  EXPECT_EQ(t.text("range", {T::i(INT64_MAX - 2), T::i(INT64_MAX)}),
            "[9223372036854775805, 9223372036854775806]");
  EXPECT_EQ(t.text("range", {T::i(INT64_MIN), T::i(INT64_MIN + 2)}),
            "[-9223372036854775808, -9223372036854775807]");
  EXPECT_EQ(t.fails("range", {T::i(0), T::i(5), T::i(0)}),
            "bad argument #3 to 'range' (step cannot be zero)");
  EXPECT_EQ(t.fails("range", {T::i(0), T::f(1.5)}),
            "bad argument #2 to 'range' (number has no integer representation)");
  EXPECT_EQ(t.fails("range", {}), "bad argument #1 to 'range' (int expected, got no value)");
  EXPECT_EQ(t.fails("range", {T::i(INT64_MIN), T::i(INT64_MAX)}),
            "range too large (18446744073709551615 elements)");
}

TEST(Builtins, Clock) {
  T t;
  Value a = t.ok("clock");
  ASSERT_TRUE(a.is_float());
  Value b = t.ok("clock");
  EXPECT_GE(b.f, a.f);
}

TEST(Builtins, ErrorRaisesAnyValue) {
  T t;
  Value r;
  Value payload = t.map({{t.str("code"), T::i(7)}});
  EXPECT_FALSE(t.call("error", {payload}, &r));
  EXPECT_EQ(t->error_kind(), ErrorKind::kError);
  EXPECT_EQ(t->error_value().o, payload.o);  // unchanged
  t->clear_error();
  EXPECT_EQ(t.fails("error", {t.str("plain message")}), "plain message");  // no position added
  EXPECT_EQ(t.fails("error", {}), "nil");
}

TEST(Builtins, Assert) {
  T t;
  EXPECT_EQ(t.ok("assert", {T::i(0)}).i, 0);
  EXPECT_EQ(t.text("assert", {t.str("x"), t.str("unused")}), "x");
  EXPECT_EQ(t.fails("assert", {T::b(false)}), "assertion failed");
  EXPECT_EQ(t.fails("assert", {Value(), t.str("custom")}), "custom");
  Value r;
  Value payload = t.arr({});
  EXPECT_FALSE(t.call("assert", {T::b(false), payload}, &r));
  EXPECT_EQ(t->error_value().o, payload.o);
  t->clear_error();
}

// A native that fails, or calls back into the VM, for pcall.
bool thrower(Runtime& rt, Args args, Value*) {
  return rt.error("thrown with %d", static_cast<int>(args.size()));
}
bool adder(Runtime&, Args args, Value* ret) {
  *ret = Value::integer(args[0].i + args[1].i);
  return true;
}
bool recurse(Runtime& rt, Args args, Value* ret) {
  Value self = rt.stack[args.base() - 1];
  return rt.call_value(self, {}, ret);  // forever: the depth limit stops it
}

TEST(Builtins, Pcall) {
  T t;
  Native* add = t->new_native(adder, "adder");
  Value addv = t.pin(Value::native(add));
  EXPECT_EQ(t.text("pcall", {addv, T::i(2), T::i(3)}), "{\"ok\": true, \"value\": 5}");
  Value thr = t.pin(Value::native(t->new_native(thrower, "thrower")));
  EXPECT_EQ(t.text("pcall", {thr, T::i(1), T::i(1)}),
            "{\"ok\": false, \"error\": \"thrown with 2\"}");
  EXPECT_EQ(t->error_kind(), ErrorKind::kNone);
  // Nested: pcall(pcall, error, v).
  EXPECT_EQ(t.text("pcall", {t.global("pcall"), t.global("error"), T::i(9)}),
            "{\"ok\": true, \"value\": {\"ok\": false, \"error\": 9}}");
  // Calling what is not a function is an error pcall catches.
  EXPECT_EQ(t.text("pcall", {T::i(1)}), "{\"ok\": false, \"error\": \"cannot call int\"}");
  EXPECT_EQ(t.fails("pcall"), "bad argument #1 to 'pcall' (function expected, got no value)");
  // Error values are kept as they are.
  Value payload = t.arr({T::i(1)});
  Value r = t.ok("pcall", {t.global("error"), payload});
  EXPECT_EQ(map_get(*t, r.as_map(), t.str("error")).o, payload.o);
  // Unbounded recursion through natives: "stack overflow", caught.
  Value rec = t.pin(Value::native(t->new_native(recurse, "recurse")));
  EXPECT_EQ(t.text("pcall", {rec}), "{\"ok\": false, \"error\": \"stack overflow\"}");
  EXPECT_EQ(t.text("pcall", {addv, T::i(40), T::i(2)}), "{\"ok\": true, \"value\": 42}");
}

TEST(Builtins, PcallDoesNotCatchAnExhaustedBudget) {
  T t;
  t->set_budget(5);
  Value r;
  EXPECT_FALSE(t.call("pcall", {t.global("string.rep"), t.str("x"), T::i(100000)}, &r));
  EXPECT_EQ(t->error_kind(), ErrorKind::kBudget);
  EXPECT_EQ(t.error_text(), "instruction budget exhausted");
  t->set_budget(-1);
  EXPECT_EQ(t.ok("len", {t.str("ok")}).i, 2);
}

// The interpreter's hook, faked: a closure "returns" its first constant, or raises its
// second one when the first is nil.
bool fake_interpreter(Runtime& rt, uint32_t slot, uint32_t, Value* ret) {
  Proto* p = rt.stack[slot].as_closure()->proto;
  if (p->consts[0].is_nil()) return rt.raise(p->consts[1]);
  *ret = p->consts[0];
  return true;
}

TEST(Builtins, ClosuresCallThroughTheHook) {
  T t;
  Proto* p = t->new_proto();
  t.pin(Value::object(p, kProto));
  ASSERT_TRUE(t->proto_reserve(p, 0, 2, 0, 0, 0));
  p->consts[0] = t.str("from a closure");
  Value c = t.pin(Value::closure(t->new_closure(p, 0)));
  t->set_call_hook(nullptr);
  EXPECT_EQ(t.text("pcall", {c}),
            "{\"ok\": false, \"error\": \"cannot call a closure: no interpreter is attached\"}");
  t->set_call_hook(fake_interpreter);
  EXPECT_EQ(t.text("pcall", {c}), "{\"ok\": true, \"value\": \"from a closure\"}");
  p->consts[0] = Value();
  p->consts[1] = T::i(13);
  EXPECT_EQ(t.text("pcall", {c}), "{\"ok\": false, \"error\": 13}");
}

TEST(Builtins, GlobalsAndNatives) {
  T t;
  ASSERT_TRUE(t->set_global("answer", T::i(42)));
  EXPECT_EQ(t->get_global("answer").i, 42);
  EXPECT_TRUE(t->get_global("nope").is_nil());
  struct Counter {
    int n = 0;
  } counter;
  ASSERT_TRUE(t->register_native(
      t->globals(), "", "count",
      [](Runtime&, Args a, Value* ret) {
        auto* c = static_cast<Counter*>(a.callee()->ud);
        *ret = Value::integer(++c->n);
        return true;
      },
      &counter));
  EXPECT_EQ(t.ok("count").i, 1);
  EXPECT_EQ(t.ok("count").i, 2);
  EXPECT_EQ(t.show(t.global("count")), "<function count>");
  // Every builtin of LANGUAGE.md is there.
  for (const char* name :
       {"print", "len", "push", "pop", "insert", "remove", "keys", "has", "delete", "type", "str",
        "int", "float", "range", "clock", "error", "pcall", "assert", "sort"})
    EXPECT_TRUE(t.global(name).is_native()) << name;
  for (const char* name :
       {"math.sqrt",   "math.sin",       "math.cos",     "math.tan",      "math.atan",
        "math.exp",    "math.log",       "math.floor",   "math.ceil",     "math.abs",
        "math.min",    "math.max",       "math.fmod",    "math.random",   "math.seed",
        "string.sub",  "string.find",    "string.upper", "string.lower",  "string.rep",
        "string.byte", "string.char",    "string.split", "string.join",   "string.format",
        "json.parse",  "json.stringify", "io.read_file", "io.write_file", "io.lines",
        "gc.collect",  "gc.stats"})
    EXPECT_TRUE(t.global(name).is_native()) << name;
  EXPECT_EQ(t.show(t.global("math.pi")), "3.141592653589793");
  EXPECT_EQ(t.show(t.global("math.huge")), "inf");
}

}  // namespace
}  // namespace hako::vm
