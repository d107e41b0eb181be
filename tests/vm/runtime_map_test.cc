// Strings (interning, hashing) and maps (order, deletion, nil values, key rules).
#include <cmath>
#include <string>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
Value T(int64_t i) { return Value::integer(i); }

TEST(Strings, ShortStringsAreInterned) {
  TestRuntime t;
  Value a = t.str("hello"), b = t.str(std::string("hel") + "lo");
  EXPECT_EQ(a.o, b.o);
  EXPECT_TRUE(a.as_string()->is_short());
  EXPECT_EQ(a.as_string()->size(), 5u);
  EXPECT_EQ(a.as_string()->data()[5], '\0');
  std::string edge(kShortString, 'q');
  EXPECT_EQ(t.str(edge).o, t.str(edge).o);
  std::string longer(kShortString + 1, 'q');
  Value l1 = t.str(longer), l2 = t.str(longer);
  EXPECT_NE(l1.o, l2.o);
  EXPECT_FALSE(l1.as_string()->is_short());
  EXPECT_EQ(l1.as_string()->size(), kShortString + 1);
  // Bytes, NUL included.
  Value z = t.str(std::string_view("a\0b", 3));
  EXPECT_EQ(z.as_string()->size(), 3u);
  EXPECT_NE(z.o, t.str("a").o);
  EXPECT_EQ(t.str("").as_string()->size(), 0u);
}

TEST(Strings, HashesAreCachedAndStable) {
  TestRuntime t;
  Value s = t.str("key");
  EXPECT_EQ(t->string_hash(s.as_string()), t->hash_bytes("key", 3));
  std::string text(1000, 'h');
  Value l = t.str(text);
  uint32_t h = t->string_hash(l.as_string());
  EXPECT_TRUE(l.as_string()->flags & kStrHashed);
  EXPECT_EQ(h, t->hash_bytes(text.data(), text.size()));
  // Every length takes its own path through the hash; neighbours differ.
  std::string buf(200, 'a');
  for (size_t n = 0; n < 120; ++n) {
    EXPECT_NE(t->hash_bytes(buf.data(), n), t->hash_bytes(buf.data(), n + 1)) << n;
  }
  RuntimeOptions seeded;
  seeded.hash_seed = 12345;
  TestRuntime u(seeded);
  EXPECT_NE(u->hash_bytes("key", 3), t->hash_bytes("key", 3));
}

TEST(Strings, TableGrowsAndForgetsDeadStrings) {
  TestRuntime t;
  size_t base = t->gc_stats().objects;
  {
    ValueBuffer keep(*t);
    for (int i = 0; i < 5000; ++i) {
      String* s = t->new_string("s" + std::to_string(i));
      ASSERT_NE(s, nullptr);
      ASSERT_TRUE(keep.push(Value::string(s)));
    }
    EXPECT_EQ(t.str("s4321").o, keep[4321].o);
  }
  t->collect();
  EXPECT_EQ(t->gc_stats().objects, base + 1);  // the pinned "s4321"
  // A string made again after its collection is a new, equal, interned string.
  for (int i = 0; i < 5000; i += 7) {
    Value v = t.str("s" + std::to_string(i));
    EXPECT_EQ(v.as_string()->view(), "s" + std::to_string(i));
    EXPECT_EQ(v.o, t.str("s" + std::to_string(i)).o);
  }
}

TEST(Map, InsertionOrderAndOverwrite) {
  TestRuntime t;
  Value m = t.map({});
  Map* mp = m.as_map();
  for (const char* k : {"z", "a", "m", "b"}) ASSERT_TRUE(map_set(*t, mp, t.str(k), t.str(k)));
  ASSERT_TRUE(map_set(*t, mp, t.str("a"), Value::integer(1)));  // keeps its place
  EXPECT_EQ(t.show(m), "{\"z\": \"z\", \"a\": 1, \"m\": \"m\", \"b\": \"b\"}");
  EXPECT_EQ(mp->count, 4u);
}

TEST(Map, DeleteKeepsOrderAndHasSeesNil) {
  TestRuntime t;
  Value m = t.map(
      {{t.str("a"), Value::integer(1)}, {t.str("b"), Value()}, {t.str("c"), Value::integer(3)}});
  Map* mp = m.as_map();
  EXPECT_TRUE(map_has(*t, mp, t.str("b")));  // a key holding nil
  EXPECT_FALSE(map_has(*t, mp, t.str("x")));
  EXPECT_EQ(mp->count, 3u);
  Value old;
  EXPECT_TRUE(map_delete(*t, mp, t.str("a"), &old));
  EXPECT_EQ(old.i, 1);
  EXPECT_FALSE(map_delete(*t, mp, t.str("a"), &old));
  EXPECT_TRUE(old.is_nil());
  EXPECT_EQ(t.show(m), "{\"b\": nil, \"c\": 3}");
  ASSERT_TRUE(map_set(*t, mp, t.str("a"), Value::integer(9)));  // back at the end
  EXPECT_EQ(t.show(m), "{\"b\": nil, \"c\": 3, \"a\": 9}");
  EXPECT_EQ(mp->count, 3u);
}

TEST(Map, NumericKeysUnify) {
  TestRuntime t;
  Value m = t.map({});
  Map* mp = m.as_map();
  ASSERT_TRUE(map_set(*t, mp, Value::number(1.0), t.str("one")));
  EXPECT_EQ(map_get(*t, mp, Value::integer(1)).as_string()->view(), "one");
  ASSERT_TRUE(map_set(*t, mp, Value::integer(1), t.str("uno")));
  EXPECT_EQ(mp->count, 1u);
  EXPECT_EQ(t.show(m), "{1: \"uno\"}");  // the key is stored as the int
  ASSERT_TRUE(map_set(*t, mp, Value::number(-0.0), t.str("zero")));
  EXPECT_EQ(map_get(*t, mp, Value::integer(0)).as_string()->view(), "zero");
  ASSERT_TRUE(map_set(*t, mp, Value::number(1.5), t.str("x")));
  EXPECT_EQ(map_get(*t, mp, Value::number(1.5)).as_string()->view(), "x");
  EXPECT_TRUE(map_get(*t, mp, Value::number(std::nan(""))).is_nil());
  EXPECT_FALSE(map_has(*t, mp, Value()));
  // Other kinds of keys: bools, strings that look like numbers, objects by identity.
  Value arr = t.arr({});
  ASSERT_TRUE(map_set(*t, mp, Value::boolean(true), Value::integer(1)));
  ASSERT_TRUE(map_set(*t, mp, t.str("1"), Value::integer(2)));
  ASSERT_TRUE(map_set(*t, mp, arr, Value::integer(3)));
  EXPECT_EQ(map_get(*t, mp, Value::boolean(true)).i, 1);
  EXPECT_EQ(map_get(*t, mp, t.str("1")).i, 2);
  EXPECT_EQ(map_get(*t, mp, arr).i, 3);
  EXPECT_TRUE(map_get(*t, mp, t.arr({})).is_nil());
  // Long strings compare by content.
  std::string key(100, 'k');
  ASSERT_TRUE(map_set(*t, mp, t.str(key), Value::integer(4)));
  EXPECT_EQ(map_get(*t, mp, t.str(key)).i, 4);
}

TEST(Map, LargeMapsUseTheIndex) {
  TestRuntime t;
  Value m = t.map({});
  Map* mp = m.as_map();
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(map_set(*t, mp, Value::integer(i * 7), Value::integer(i)));
    if (i % 3 == 0) {
      ASSERT_TRUE(map_set(*t, mp, t.str("k" + std::to_string(i)), Value::integer(-i)));
    }
  }
  EXPECT_GT(mp->cap, kMapLinear);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(map_get(*t, mp, Value::integer(i * 7)).i, i);
    ASSERT_TRUE(map_get(*t, mp, Value::integer(i * 7 + 1)).is_nil());
  }
  for (int i = 0; i < n; i += 3) ASSERT_EQ(map_get(*t, mp, t.str("k" + std::to_string(i))).i, -i);
  // Order is insertion order.
  uint32_t pos = 0;
  Value k, v;
  ASSERT_TRUE(map_next(mp, &pos, &k, &v));
  EXPECT_EQ(k.i, 0);
  ASSERT_TRUE(map_next(mp, &pos, &k, &v));
  EXPECT_EQ(k.as_string()->view(), "k0");
  ASSERT_TRUE(map_next(mp, &pos, &k, &v));
  EXPECT_EQ(k.i, 7);
}

TEST(Map, TombstonesAreCompacted) {
  TestRuntime t;
  Value m = t.map({});
  Map* mp = m.as_map();
  ASSERT_TRUE(map_set(*t, mp, t.str("keep"), Value::integer(0)));
  // A queue-like pattern: insert one, delete one, forever. The map must not grow.
  Value old;
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(map_set(*t, mp, Value::integer(i), Value::integer(i)));
    if (i >= 10) {
      ASSERT_TRUE(map_delete(*t, mp, Value::integer(i - 10), &old));
    }
  }
  EXPECT_EQ(mp->count, 11u);
  EXPECT_LE(mp->cap, 32u);
  EXPECT_EQ(map_get(*t, mp, t.str("keep")).i, 0);
  for (int i = 99990; i < 100000; ++i) EXPECT_EQ(map_get(*t, mp, Value::integer(i)).i, i);
  uint32_t pos = 0;
  Value k, v;
  ASSERT_TRUE(map_next(mp, &pos, &k, &v));
  EXPECT_EQ(k.as_string()->view(), "keep");  // first in, still first
}

TEST(Map, DeleteDuringIteration) {
  TestRuntime t;
  Value m = t.map({});
  Map* mp = m.as_map();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(map_set(*t, mp, Value::integer(i), Value::integer(i)));
  uint32_t pos = 0;
  Value k, v, old;
  int visited = 0;
  while (map_next(mp, &pos, &k, &v)) {
    ++visited;
    map_delete(*t, mp, k, &old);
    if (k.i + 1 < 50 && k.i % 2 == 0) map_delete(*t, mp, Value::integer(k.i + 1), &old);
  }
  EXPECT_EQ(visited, 25);
  EXPECT_EQ(mp->count, 0u);
}

TEST(Map, FindByStringKey) {
  TestRuntime t;
  std::string long_key(60, 'L');
  for (int n : {3, 50}) {  // linear and indexed
    Value m = t.map({});
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(map_set(*t, m.as_map(), t.str("f" + std::to_string(i)), T(i)));
    ASSERT_TRUE(map_set(*t, m.as_map(), t.str(long_key), T(-1)));
    ASSERT_TRUE(map_set(*t, m.as_map(), T(7), T(-7)));
    for (int i = 0; i < n; ++i) {
      int32_t pos = map_find_str(*t, m.as_map(), t.str("f" + std::to_string(i)).as_string());
      ASSERT_GE(pos, 0);
      EXPECT_EQ(m.as_map()->entries[pos].value().i, i);
    }
    int32_t pos = map_find_str(*t, m.as_map(), t.str(long_key).as_string());  // another object
    ASSERT_GE(pos, 0);
    EXPECT_EQ(m.as_map()->entries[pos].value().i, -1);
    EXPECT_EQ(map_find_str(*t, m.as_map(), t.str("7").as_string()), -1);
    EXPECT_EQ(map_find_str(*t, m.as_map(), t.str("nope").as_string()), -1);
  }
}

TEST(Map, ReserveAndLiteralSizes) {
  TestRuntime t;
  Map* m = t->new_map(5);
  t.pin(Value::map(m));
  EXPECT_EQ(m->cap, 8u);
  ASSERT_TRUE(map_reserve(*t, m, 100));
  EXPECT_GE(m->cap, 100u);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(map_set(*t, m, Value::integer(i), Value()));
  EXPECT_EQ(m->count, 100u);
  Map* big = t->new_map(uint32_t{1} << 31);
  EXPECT_EQ(big, nullptr);
  EXPECT_EQ(t.error_text(), "map too large");
}

}  // namespace
}  // namespace hako::vm
