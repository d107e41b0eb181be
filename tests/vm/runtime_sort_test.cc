// sort: order, stability, comparators that fail, lie or change the array, and the budget.
#include <algorithm>
#include <random>
#include <vector>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
using T = TestRuntime;

// A comparator native whose behaviour a test sets through its host data.
struct Less {
  enum Mode { kByField, kFailAfter, kAlwaysTrue, kAlwaysFalse, kRandom, kShrink } mode = kByField;
  int calls = 0, fail_after = 0;
  std::mt19937 rng{7};
};

bool less_native(Runtime& rt, Args args, Value* ret) {
  auto* l = static_cast<Less*>(args.callee()->ud);
  ++l->calls;
  switch (l->mode) {
    case Less::kByField: {  // x.k < y.k
      String* k = rt.new_string("k");
      Value a = map_get(rt, args[0].as_map(), Value::string(k));
      Value b = map_get(rt, args[1].as_map(), Value::string(k));
      bool r;
      if (!less_than(rt, a, b, &r)) return false;
      *ret = Value::boolean(r);
      return true;
    }
    case Less::kFailAfter:
      if (l->calls > l->fail_after) return rt.error("comparator gave up");
      *ret = Value::boolean(num_lt(args[0], args[1]));
      return true;
    case Less::kAlwaysTrue:
      *ret = Value::boolean(true);
      return true;
    case Less::kAlwaysFalse:
      *ret = Value::boolean(false);
      return true;
    case Less::kRandom:
      *ret = Value::boolean(l->rng() & 1);
      return true;
    case Less::kShrink: {
      Array* a = rt.get_global("victim").as_array();
      if (a->len) --a->len;
      *ret = Value::boolean(false);
      return true;
    }
  }
  return true;
}

Value comparator(T& t, Less* l) {
  return t.pin(Value::native(t->new_native(less_native, "less", l)));
}

TEST(Sort, DefaultOrder) {
  T t;
  Value a = t.arr({T::i(3), T::i(-1), T::i(2), T::i(2), T::i(INT64_MIN), T::i(0)});
  t.ok("sort", {a});
  EXPECT_EQ(t.show(a), "[-9223372036854775808, -1, 0, 2, 2, 3]");
  Value s = t.arr({t.str("pear"), t.str("Apple"), t.str("apple"), t.str(""), t.str("app")});
  t.ok("sort", {s});
  EXPECT_EQ(t.show(s), "[\"\", \"Apple\", \"app\", \"apple\", \"pear\"]");
  // Mixed numbers: stable, so 1.0 stays before 1 and -0.0 before 0.
  Value n = t.arr({T::f(1.0), T::i(1), T::f(0.5), T::f(-0.0), T::i(0), T::f(-1e300), T::i(1)});
  t.ok("sort", {n});
  EXPECT_EQ(t.show(n), "[-1e+300, -0.0, 0, 0.5, 1.0, 1, 1]");
  Value empty = t.arr({});
  t.ok("sort", {empty});
  EXPECT_EQ(t.show(empty), "[]");
  EXPECT_TRUE(t.ok("sort", {t.arr({T::i(1)})}).is_nil());
}

TEST(Sort, IncomparableElementsLeaveTheArrayAlone) {
  T t;
  Value a = t.arr({T::i(3), t.str("x"), T::i(1)});
  EXPECT_EQ(t.fails("sort", {a}), "cannot compare int with string");
  EXPECT_EQ(t.show(a), "[3, \"x\", 1]");
  Value b = t.arr({t.arr({}), t.arr({})});
  EXPECT_EQ(t.fails("sort", {b}), "cannot compare array with array");
  Value c = t.arr({t.str("a"), T::i(1)});
  EXPECT_EQ(t.fails("sort", {c}), "cannot compare string with int");
  EXPECT_EQ(t.fails("sort", {t.map({})}), "bad argument #1 to 'sort' (array expected, got map)");
  EXPECT_EQ(t.fails("sort", {a, T::i(1)}),
            "bad argument #2 to 'sort' (function expected, got int)");
}

TEST(Sort, NaNDoesNotBreakIt) {
  T t;
  Value a = t.arr({T::f(3), T::f(NAN), T::f(1), T::f(NAN), T::f(2)});
  t.ok("sort", {a});
  EXPECT_EQ(a.as_array()->len, 5u);  // some order; all elements still there
  int nans = 0;
  for (uint32_t i = 0; i < 5; ++i) nans += std::isnan(a.as_array()->items[i].f);
  EXPECT_EQ(nans, 2);
}

TEST(Sort, ComparatorIsStable) {
  T t;
  Less l;
  Value cmp = comparator(t, &l);
  std::vector<Value> items;
  for (int i = 0; i < 300; ++i)
    items.push_back(t.map({{t.str("k"), T::i(i % 7)}, {t.str("id"), T::i(i)}}));
  Value a = t.arr({});
  for (Value v : items) ASSERT_TRUE(array_push(*t, a.as_array(), v));
  t.ok("sort", {a, cmp});
  Array* arr = a.as_array();
  for (uint32_t i = 1; i < arr->len; ++i) {
    int64_t k0 = map_get(*t, arr->items[i - 1].as_map(), t.str("k")).i;
    int64_t k1 = map_get(*t, arr->items[i].as_map(), t.str("k")).i;
    int64_t id0 = map_get(*t, arr->items[i - 1].as_map(), t.str("id")).i;
    int64_t id1 = map_get(*t, arr->items[i].as_map(), t.str("id")).i;
    ASSERT_TRUE(k0 < k1 || (k0 == k1 && id0 < id1)) << i;
  }
  EXPECT_LT(l.calls, 300 * 9);  // about n log n comparisons
}

TEST(Sort, ComparatorErrorLeavesTheArrayUnchanged) {
  T t;
  Less l;
  l.mode = Less::kFailAfter;
  l.fail_after = 500;
  Value cmp = comparator(t, &l);
  Value a = t.arr({});
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(array_push(*t, a.as_array(), T::i((i * 37) % 200)));
  std::string before = t.show(a);
  EXPECT_EQ(t.fails("sort", {a, cmp}), "comparator gave up");
  EXPECT_EQ(t.show(a), before);
  // Caught by pcall like any error.
  l.calls = 0;
  EXPECT_EQ(t.text("pcall", {t.global("sort"), a, cmp}),
            "{\"ok\": false, \"error\": \"comparator gave up\"}");
}

TEST(Sort, InconsistentComparatorsGiveAPermutation) {
  for (Less::Mode mode : {Less::kAlwaysTrue, Less::kAlwaysFalse, Less::kRandom}) {
    T t;
    Less l;
    l.mode = mode;
    Value cmp = comparator(t, &l);
    Value a = t.arr({});
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(array_push(*t, a.as_array(), T::i(i)));
    t.ok("sort", {a, cmp});
    std::vector<int64_t> got;
    for (uint32_t i = 0; i < a.as_array()->len; ++i) got.push_back(a.as_array()->items[i].i);
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got.size(), 1000u);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(got[i], i);
  }
}

TEST(Sort, ComparatorThatResizesTheArray) {
  T t;
  Less l;
  l.mode = Less::kShrink;
  Value cmp = comparator(t, &l);
  Value a = t.arr({});
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(array_push(*t, a.as_array(), t.str("s" + std::to_string(i))));
  ASSERT_TRUE(t->set_global("victim", a));
  EXPECT_EQ(t.fails("sort", {a, cmp}), "sort: the array was resized during sorting");
  t->collect();  // the elements the array lost were only in sort's buffer: no dangling
  EXPECT_EQ(a.as_array()->len, 0u);
}

TEST(Sort, LargeArrays) {
  T t;
  std::mt19937_64 rng(1);
  Value ints = t.arr({}), floats = t.arr({}), strs = t.arr({});
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(array_push(*t, ints.as_array(), T::i(static_cast<int64_t>(rng()))));
    ASSERT_TRUE(array_push(*t, floats.as_array(), T::f(static_cast<double>(rng() % 100000) / 7)));
    if (i < 20000) {
      ASSERT_TRUE(array_push(*t, strs.as_array(), t.str(std::to_string(rng() % 100000))));
    }
  }
  ASSERT_TRUE(array_push(*t, floats.as_array(), T::i(5)));
  for (Value v : {ints, floats, strs}) {
    t.ok("sort", {v});
    Array* a = v.as_array();
    for (uint32_t i = 1; i < a->len; ++i) {
      bool gt;
      ASSERT_TRUE(less_than(*t, a->items[i], a->items[i - 1], &gt));
      ASSERT_FALSE(gt) << i;
    }
  }
}

TEST(Sort, BudgetStopsALongSort) {
  T t;
  Value a = t.ok("range", {T::i(1000000), T::i(0), T::i(-1)});
  t->set_budget(1000);
  EXPECT_EQ(t.fails("sort", {a}), "instruction budget exhausted");
  EXPECT_EQ(t.ok("len", {a}).i, 1000000);  // untouched, still usable once the budget is reset
  t->set_budget(-1);
  Less l;
  l.mode = Less::kFailAfter;
  l.fail_after = 1 << 30;
  Value cmp = comparator(t, &l);
  Value small = t.ok("range", {T::i(5000), T::i(0), T::i(-1)});
  t->set_budget(2000);
  EXPECT_EQ(t.fails("sort", {small, cmp}), "instruction budget exhausted");
  EXPECT_LE(l.calls, 2001);
  t->set_budget(-1);
  t.ok("sort", {small, cmp});
  EXPECT_EQ(small.as_array()->items[0].i, 1);
}

}  // namespace
}  // namespace hako::vm
