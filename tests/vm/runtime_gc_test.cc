// The collector: roots, reachability, exact byte counts, the debt trigger, stress mode, the
// memory limit, teardown, and the stack and upvalue invariants.
#include <string>
#include <thread>

#include "hakmem.h"
#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;

RuntimeOptions stress() {
  RuntimeOptions o;
  o.gc_stress = true;
  return o;
}

TEST(Gc, ReachableSurvivesUnreachableIsFreed) {
  TestRuntime t;
  t.pin(Value());  // the pins' buffer exists before the counts are taken
  t->collect();
  GcStats base = t->gc_stats();
  {
    Local keep(*t);
    Array* a = t->new_array(0);
    keep.set(Value::array(a));
    for (int i = 0; i < 1000; ++i) {
      String* s = t->new_string("item number " + std::to_string(i) + std::string(50, '.'));
      ASSERT_NE(s, nullptr);
      ASSERT_TRUE(array_push(*t, a, Value::string(s)));
    }
    Map* m = t->new_map(0);
    ASSERT_TRUE(array_push(*t, a, Value::map(m)));
    ASSERT_TRUE(map_set(*t, m, t.str("k"), Value::array(a)));  // a cycle
    t->collect();
    GcStats held = t->gc_stats();
    EXPECT_EQ(held.objects, base.objects + 1 + 1000 + 1 + 1);  // array, strings, map, "k"
    EXPECT_GT(held.heap_bytes, base.heap_bytes + 1000 * 60);
    EXPECT_EQ(a->len, 1001u);
    EXPECT_EQ(a->items[999].as_string()->view(), "item number 999" + std::string(50, '.'));
  }
  t->collect();
  GcStats after = t->gc_stats();
  EXPECT_EQ(after.objects, base.objects + 1);  // "k" is pinned by the test
  EXPECT_EQ(after.heap_bytes, base.heap_bytes + sizeof(String) + 2);
  EXPECT_GE(after.cycles, base.cycles + 2);
}

TEST(Gc, BytesAreCountedExactly) {
  TestRuntime t;
  t->collect();
  size_t base = t->heap_bytes();
  {
    Local keep(*t);
    Array* a = t->new_array(10);
    keep.set(Value::array(a));
    EXPECT_EQ(t->heap_bytes(), base + sizeof(Array) + 10 * sizeof(Value));
    Map* m = t->new_map(16);
    keep.set(Value::map(m));
    EXPECT_EQ(t->heap_bytes(), base + sizeof(Array) + 10 * sizeof(Value) + sizeof(Map) +
                                   16 * sizeof(MapEntry) + 32 * map_index_width(16));
  }
  t->collect();
  EXPECT_EQ(t->heap_bytes(), base);
}

TEST(Gc, DestroyGivesEveryByteBack) {
  hak_kpi_t before, after;
  hak_get_kpi(&before);
  {
    TestRuntime t;
    Value m = t.map({});
    for (int i = 0; i < 2000; ++i) {
      ASSERT_TRUE(map_set(*t, m.as_map(), t.str("key" + std::to_string(i)),
                          t.arr({Value::integer(i), t.str(std::string(i % 100, 'x'))})));
    }
    ASSERT_TRUE(array_push(*t, t.arr({}).as_array(), m));
    ASSERT_TRUE(t->ensure_stack(10000));
    t.ok("json.parse",
         {t.str("[1, {\"a\": [2, 3]}, \"long string long string long string long\"]")});
  }
  hak_get_kpi(&after);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST(Gc, DebtStartsCollections) {
  RuntimeOptions o;
  o.gc_min_heap = 256 << 10;
  TestRuntime t(o);
  uint64_t cycles = t->gc_stats().cycles;
  size_t peak = 0;
  for (int i = 0; i < 200000; ++i) {
    String* s = t->new_string("garbage " + std::to_string(i) + std::string(30, 'g'));
    ASSERT_NE(s, nullptr);
    if (t->heap_bytes() > peak) peak = t->heap_bytes();
  }
  EXPECT_GT(t->gc_stats().cycles, cycles + 10);
  EXPECT_LT(peak, size_t{1} << 20);  // the heap grows by the pause, not without bound
  EXPECT_GE(t->gc_stats().threshold, o.gc_min_heap);
}

TEST(Gc, StoresKeepTheirArgumentsAlive) {
  TestRuntime t(stress());
  Value m = t.map({});
  Value a = t.arr({});
  for (int i = 0; i < 200; ++i) {
    // Fresh, unrooted values: stress mode collects inside every store's growth.
    String* k = t->new_string("key" + std::to_string(i) + std::string(40, 'k'));
    ASSERT_NE(k, nullptr);
    ASSERT_TRUE(map_set(*t, m.as_map(), Value::string(k), Value::integer(i)));
    Array* v = t->new_array(0);
    ASSERT_NE(v, nullptr);
    ASSERT_TRUE(map_set(*t, m.as_map(), Value::integer(i), Value::array(v)));
    String* s = t->new_string(std::string(50, 'a' + i % 26));
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(array_push(*t, a.as_array(), Value::string(s)));
  }
  t->collect();
  for (int i = 0; i < 200; ++i) {
    Value k = map_get(*t, m.as_map(), t.str("key" + std::to_string(i) + std::string(40, 'k')));
    ASSERT_TRUE(k.is_int() && k.i == i) << i;
    ASSERT_TRUE(map_get(*t, m.as_map(), Value::integer(i)).is_array()) << i;
    ASSERT_EQ(a.as_array()->items[i].as_string()->view(), std::string(50, 'a' + i % 26));
  }
}

TEST(Gc, StressWorkloadThroughBuiltins) {
  TestRuntime t(stress());
  // Every allocation collects: a missing root anywhere below shows up as a wrong value or a
  // sanitizer report.
  Value parts = t.ok("string.split",
                     {t.str("alpha,beta,,gamma,delta-delta-delta-delta-delta-delta"), t.str(",")});
  EXPECT_EQ(t.show(parts),
            "[\"alpha\", \"beta\", \"\", \"gamma\", \"delta-delta-delta-delta-delta-delta\"]");
  Value doc =
      t.ok("json.parse", {t.str("{\"list\": [1, 2.5, \"three\", {\"four\": [null, true]}], "
                                "\"name\": \"a string longer than forty bytes, not interned\"}")});
  EXPECT_EQ(t.text("json.stringify", {doc}),
            "{\"list\":[1,2.5,\"three\",{\"four\":[null,true]}],\"name\":\"a string longer than "
            "forty bytes, not interned\"}");
  EXPECT_EQ(t.text("keys", {doc}), "[\"list\", \"name\"]");
  Value r = t.ok("range", {Value::integer(5)});
  EXPECT_EQ(t.show(r), "[0, 1, 2, 3, 4]");
  Value words = t.arr({t.str("pear"), t.str("apple"), t.str("fig")});
  t.ok("sort", {words});
  EXPECT_EQ(t.show(words), "[\"apple\", \"fig\", \"pear\"]");
  Value p = t.ok(
      "pcall", {t.global("error"), t.str("boom with a long message, long enough not to be short")});
  EXPECT_EQ(
      t.show(p),
      "{\"ok\": false, \"error\": \"boom with a long message, long enough not to be short\"}");
  EXPECT_EQ(
      t.text("string.format",
             {t.str("%s|%5.2f|%d"), doc, Value::number(3.14159), Value::integer(42)}),
      "{\"list\": [1, 2.5, \"three\", {\"four\": [nil, true]}], \"name\": \"a string longer than "
      "forty bytes, not interned\"}| 3.14|42");
  std::string abab;
  for (int i = 0; i < 30; ++i) abab += "ab";
  EXPECT_EQ(t.text("string.rep", {t.str("ab"), Value::integer(30)}), abab);
  EXPECT_EQ(t.text("str", {t.arr({t.map({{t.str("x"), Value::number(0.1)}})})}), "[{\"x\": 0.1}]");
  EXPECT_EQ(t.text("string.join", {parts, t.str("+")}),
            "alpha+beta++gamma+delta-delta-delta-delta-delta-delta");
  EXPECT_EQ(t.text("gc.stats").substr(0, 14), "{\"heap_bytes\":");
  EXPECT_GT(t->gc_stats().cycles, 100u);
  EXPECT_EQ(t->verify_heap(), nullptr);
}

TEST(Gc, HeapInvariantsHoldAfterWork) {
  TestRuntime t;
  EXPECT_EQ(t->verify_heap(), nullptr);
  Value m = t.map({});
  Value old;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(map_set(*t, m.as_map(), t.str("k" + std::to_string(i % 700)), Value::integer(i)));
    if (i % 3 == 0) map_delete(*t, m.as_map(), t.str("k" + std::to_string(i % 500)), &old);
    if (i % 500 == 0) t->collect();
  }
  t.ok("json.parse", {t.str("[{\"a\": 1, \"b\": [2, 3]}, \"x\"]")});
  t->collect();
  EXPECT_EQ(t->verify_heap(), nullptr);
  // A broken invariant is found.
  m.as_map()->count++;
  EXPECT_STREQ(t->verify_heap(), "a map's count is wrong");
  m.as_map()->count--;
}

TEST(Gc, DeadStackSlotsAreCleared) {
  TestRuntime t;
  t->collect();
  size_t objects = t->gc_stats().objects;
  String* s = t->new_string(std::string(100, 's'));
  ASSERT_TRUE(t->push(Value::string(s)));
  t->collect();
  EXPECT_EQ(t->gc_stats().objects, objects + 1);  // on the stack: alive
  --t->top;
  t->collect();
  EXPECT_EQ(t->gc_stats().objects, objects);  // above top: dead, and the slot is nil
  EXPECT_TRUE(t->top->is_nil());
}

TEST(Gc, BoxesKeepTheirValues) {
  TestRuntime t;
  t->collect();
  size_t objects = t->gc_stats().objects;
  String* s = t->new_string(std::string(50, 'x'));  // kept only by the box
  ASSERT_NE(s, nullptr);
  Box* b = t->new_box(Value::string(s));
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(t->push(Value::box(b)));  // a register holding the box
  t->collect();
  EXPECT_EQ(t->gc_stats().objects, objects + 2);  // the box and its string
  EXPECT_EQ(b->value.as_string()->size(), 50u);
  --t->top;
  t->collect();
  EXPECT_EQ(t->gc_stats().objects, objects);
}

TEST(Gc, ClosuresProtosAndNativesAreTraced) {
  TestRuntime t;
  t->collect();
  size_t objects = t->gc_stats().objects;
  {
    Local keep(*t);
    Proto* p = t->new_proto();
    keep.set(Value::object(p, kProto));
    ASSERT_TRUE(t->proto_reserve(p, 4, 2, 1, 2, 1));
    p->consts[0] = Value::string(t->new_string(std::string(60, 'c')));
    Proto* inner = t->new_proto();
    p->protos[0] = inner;
    p->name = t->new_string("outer");
    Closure* c = t->new_closure(p, 2);
    keep.set(Value::closure(c));         // anchored before its box is made (which may collect)
    c->upvals()[0] = Value::integer(7);  // captured by value
    c->upvals()[1] = Value::box(t->new_box(Value::integer(8)));
    Native* n = t->new_native([](Runtime&, Args, Value*) { return true; }, "host", nullptr);
    n->data = Value::closure(c);
    keep.set(Value::native(n));
    t->collect();
    // native, its name, closure, proto, constant, inner proto, name, box.
    EXPECT_EQ(t->gc_stats().objects, objects + 8);
    EXPECT_EQ(p->consts[0].as_string()->size(), 60u);
  }
  t->collect();
  EXPECT_EQ(t->gc_stats().objects, objects);
}

TEST(Gc, RootHookAndLocals) {
  TestRuntime t;
  struct Hook {
    Value v;
  } hook;
  t->set_root_hook([](Runtime& rt, void* ud) { rt.mark_value(static_cast<Hook*>(ud)->v); }, &hook);
  hook.v = Value::array(t->new_array(3));
  {
    Local a(*t, Value::string(t->new_string(std::string(50, 'a'))));
    Local b(*t, Value::string(t->new_string(std::string(50, 'b'))));
    t->collect();
    EXPECT_EQ(a.get().as_string()->data()[0], 'a');
    EXPECT_EQ(b.get().as_string()->data()[0], 'b');
  }
  t->collect();
  EXPECT_EQ(hook.v.as_array()->cap, 3u);
  t->set_root_hook(nullptr, nullptr);
}

TEST(Gc, MemoryLimitIsACatchableError) {
  RuntimeOptions o;
  o.memory_limit = 1 << 20;
  TestRuntime t(o);
  ASSERT_NE(t.rt, nullptr);
  // Grow an array until the limit stops it.
  {
    Local keep(*t);
    Array* a = t->new_array(0);
    keep.set(Value::array(a));
    bool ok = true;
    for (int i = 0; ok && i < 1000000; ++i) {
      String* s = t->new_string("element " + std::to_string(i));
      ok = s && array_push(*t, a, Value::string(s));
    }
    EXPECT_FALSE(ok);
    EXPECT_EQ(t->error_kind(), ErrorKind::kMemory);
    EXPECT_EQ(t.error_text(), "out of memory");
    EXPECT_LE(t->heap_bytes(), o.memory_limit);
  }
  // Through pcall, as a script would see it.
  Value r = t.ok("pcall", {t.global("string.rep"), t.str("x"), Value::integer(10000000)});
  EXPECT_EQ(t.show(r), "{\"ok\": false, \"error\": \"out of memory\"}");
  // Still usable: what was garbage is collected, and there is room again.
  t->collect();
  EXPECT_LT(t->heap_bytes(), size_t{400} << 10);
  Value s = t.ok("string.rep", {t.str("y"), Value::integer(100000)});
  EXPECT_EQ(s.as_string()->size(), 100000u);
  EXPECT_LE(t->heap_bytes(), o.memory_limit);
  EXPECT_EQ(t.text("json.stringify", {t.arr({Value::integer(1)})}), "[1]");
}

TEST(Gc, MemoryLimitBoundsJsonAndBuffers) {
  RuntimeOptions o;
  o.memory_limit = 512 << 10;
  TestRuntime t(o);
  ASSERT_NE(t.rt, nullptr);
  std::string doc = "[";
  for (int i = 0; i < 30000; ++i) doc += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  doc += "]";
  EXPECT_EQ(t.fails("json.parse", {t.str(doc)}), "out of memory");
  EXPECT_LE(t->heap_bytes(), o.memory_limit);
  Value big = t.ok("range", {Value::integer(8000)});
  EXPECT_EQ(t.fails("json.stringify", {t.arr({big, big, big, big, big, big, big, big, big, big})}),
            "out of memory");
  EXPECT_EQ(t.fails("str", {t.arr({big, big, big, big, big, big, big, big, big, big})}),
            "out of memory");
  EXPECT_LE(t->heap_bytes(), o.memory_limit);
}

TEST(Gc, TooSmallALimitFailsToCreate) {
  RuntimeOptions o;
  o.memory_limit = 4096;
  EXPECT_EQ(Runtime::create(o), nullptr);
  hak_kpi_t before, after;
  hak_get_kpi(&before);
  EXPECT_EQ(Runtime::create(o), nullptr);  // and leaks nothing
  hak_get_kpi(&after);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST(Gc, StackOverflowIsAnError) {
  RuntimeOptions o;
  o.max_stack_slots = 1000;
  TestRuntime t(o);
  EXPECT_FALSE(t->ensure_stack(5000));
  EXPECT_EQ(t->error_kind(), ErrorKind::kStackOverflow);
  EXPECT_EQ(t.error_text(), "stack overflow");
  EXPECT_TRUE(t->ensure_stack(500));
}

TEST(Gc, StatsFromScript) {
  TestRuntime t;
  t.ok("gc.collect");
  Value s = t.ok("gc.stats");
  Map* m = s.as_map();
  EXPECT_EQ(m->count, 4u);
  EXPECT_TRUE(map_get(*t, m, t.str("heap_bytes")).is_int());
  EXPECT_GT(map_get(*t, m, t.str("heap_bytes")).i, 0);
  EXPECT_GT(map_get(*t, m, t.str("objects")).i, 50);
  EXPECT_GE(map_get(*t, m, t.str("cycles")).i, 1);
  EXPECT_TRUE(map_get(*t, m, t.str("pause_ms_total")).is_float());
}

}  // namespace
}  // namespace hako::vm

namespace hako::vm {
namespace {

// No global mutable state: runtimes on different threads do not see each other.
std::string workload(int seed) {
  RuntimeOptions o;
  o.random_seed = seed;
  o.gc_min_heap = 64 << 10;  // many collections
  TestRuntime t(o);
  Value a = t.arr({});
  for (int i = 0; i < 3000; ++i) {
    Value r = t.ok("math.random", {Value::integer(1000)});
    Value m = t.map({{t.str("n"), r}, {t.str("s"), t.ok("str", {r})}});
    EXPECT_TRUE(array_push(*t, a.as_array(), m));
  }
  Value text = t.ok("json.stringify", {a});
  Value back = t.ok("json.parse", {text});
  Value nums = t.arr({});
  for (uint32_t i = 0; i < back.as_array()->len; ++i)
    EXPECT_TRUE(array_push(*t, nums.as_array(),
                           map_get(*t, back.as_array()->items[i].as_map(), t.str("n"))));
  t.ok("sort", {nums});
  return t.show(nums);
}

TEST(Gc, RuntimesOnManyThreads) {
  std::string expected[4];
  for (int i = 0; i < 4; ++i) expected[i] = workload(i);
  std::string got[4];
  std::thread threads[4];
  for (int i = 0; i < 4; ++i) threads[i] = std::thread([&, i] { got[i] = workload(i); });
  for (auto& th : threads) th.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(got[i], expected[i]) << i;
  EXPECT_NE(expected[0], expected[1]);
}

}  // namespace
}  // namespace hako::vm
