// The Lua bridge's lua_Alloc: the whole contract (free on nsize 0, NULL with the old block
// untouched on failure, contents kept when resized, shrinking never fails), the per-state
// count and limit, and Lua's type hints landing in their sites with exact counts.
#include "runtime/lua_bridge.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <lua5.4/lua.hpp>
#include <memory>
#include <string>

#include "hakmem.h"

namespace {

using hako::lua::alloc;
using hako::lua::Memory;

void fill(void* p, size_t n, unsigned seed) {
  auto* b = static_cast<unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(seed + i * 7);
}

bool holds(const void* p, size_t n, unsigned seed) {
  auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i)
    if (b[i] != static_cast<unsigned char>(seed + i * 7)) return false;
  return true;
}

TEST(LuaAlloc, NsizeZeroFreesAndReturnsNull) {
  Memory m;
  void* p = alloc(&m, nullptr, LUA_TSTRING, 100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(m.used, 100u);
  EXPECT_EQ(alloc(&m, p, 100, 0), nullptr);
  EXPECT_EQ(m.used, 0u);
  EXPECT_EQ(m.peak, 100u);
  // No block and nsize 0 (osize is a hint then): nothing happens.
  EXPECT_EQ(alloc(&m, nullptr, LUA_TTABLE, 0), nullptr);
  EXPECT_EQ(m.used, 0u);
  EXPECT_EQ(m.refused, 0u);
}

TEST(LuaAlloc, GrowAndShrinkKeepContents) {
  Memory m;
  size_t n = 24;
  void* p = alloc(&m, nullptr, 0, n);
  ASSERT_NE(p, nullptr);
  fill(p, n, 3);
  // Within a size class, across classes, into a large block, and back down.
  for (size_t to : {size_t{30}, size_t{200}, size_t{5000}, size_t{70000}, size_t{3} << 20,
                    size_t{100000}, size_t{1000}, size_t{40}, size_t{9}}) {
    void* q = alloc(&m, p, n, to);
    ASSERT_NE(q, nullptr) << "to " << to;
    ASSERT_TRUE(holds(q, n < to ? n : to, 3)) << "to " << to;
    ASSERT_GE(hak_usable_size(q), to);
    EXPECT_EQ(m.used, to);
    fill(q, to, 3);
    p = q;
    n = to;
  }
  EXPECT_EQ(m.peak, size_t{3} << 20);
  alloc(&m, p, n, 0);
  EXPECT_EQ(m.used, 0u);
}

TEST(LuaAlloc, OverTheLimitFailsAndLeavesTheBlock) {
  Memory m;
  m.limit = 1000;
  void* p = alloc(&m, nullptr, LUA_TUSERDATA, 600);
  ASSERT_NE(p, nullptr);
  fill(p, 600, 9);
  EXPECT_EQ(alloc(&m, nullptr, LUA_TSTRING, 401), nullptr);  // a new block
  EXPECT_EQ(alloc(&m, p, 600, 1001), nullptr);               // growing this one
  EXPECT_EQ(m.refused, 2u);
  EXPECT_EQ(m.used, 600u);
  EXPECT_TRUE(holds(p, 600, 9));
  EXPECT_GE(hak_usable_size(p), 600u);
  void* q = alloc(&m, p, 600, 1000);  // exactly at the limit: fine
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(holds(q, 600, 9));
  alloc(&m, q, 1000, 0);
  EXPECT_EQ(m.used, 0u);
}

TEST(LuaAlloc, ShrinkingNeverFailsEvenAboveTheLimit) {
  Memory m;
  void* p = alloc(&m, nullptr, 0, 5000);
  ASSERT_NE(p, nullptr);
  fill(p, 5000, 1);
  m.limit = 100;  // lowered below what is in use
  void* q = alloc(&m, p, 5000, 50);
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(holds(q, 50, 1));
  EXPECT_EQ(m.used, 50u);
  EXPECT_EQ(m.refused, 0u);
  alloc(&m, q, 50, 0);
}

TEST(LuaAlloc, OutOfMemoryReturnsNullAndLeavesTheBlock) {
  Memory m;  // no limit: the allocator itself refuses
  void* p = alloc(&m, nullptr, 0, 64);
  ASSERT_NE(p, nullptr);
  fill(p, 64, 5);
  size_t huge = SIZE_MAX / 2;
  EXPECT_EQ(alloc(&m, nullptr, LUA_TTABLE, huge), nullptr);
  EXPECT_EQ(alloc(&m, p, 64, huge), nullptr);
  EXPECT_EQ(m.refused, 2u);
  EXPECT_EQ(m.used, 64u);
  EXPECT_TRUE(holds(p, 64, 5));
  alloc(&m, p, 64, 0);
}

// ---- Sites ----------------------------------------------------------------------------

struct Counts {
  int64_t allocs, frees, reallocs, live;
};

Counts counts(int hint) {
  hak_site_stats_t s;
  EXPECT_EQ(hak_get_site_stats(hako::lua::site_for_hint(hint), &s), 0);
  return {static_cast<int64_t>(s.allocs), static_cast<int64_t>(s.frees),
          static_cast<int64_t>(s.reallocs), s.live_bytes};
}

bool sites_counted() {
  return std::strcmp(hak_backend(), "hakmem") == 0 && std::strcmp(hak_mode(), "off") != 0;
}

TEST(LuaSites, HintsNameTheSites) {
  EXPECT_STREQ(hak_site_name(hako::lua::site_for_hint(LUA_TSTRING)), "lua.string");
  EXPECT_STREQ(hak_site_name(hako::lua::site_for_hint(LUA_TTABLE)), "lua.table");
  EXPECT_STREQ(hak_site_name(hako::lua::site_for_hint(LUA_TFUNCTION)), "lua.function");
  EXPECT_STREQ(hak_site_name(hako::lua::site_for_hint(LUA_TUSERDATA)), "lua.userdata");
  EXPECT_STREQ(hak_site_name(hako::lua::site_for_hint(LUA_TTHREAD)), "lua.thread");
  for (int other : {0, LUA_TNIL, LUA_TNUMBER, LUA_TBOOLEAN, LUA_TLIGHTUSERDATA, 9, 10, 99})
    EXPECT_STREQ(hak_site_name(hako::lua::site_for_hint(other)), "lua.other") << other;
}

TEST(LuaSites, AResizedBlockKeepsItsSite) {
  if (!sites_counted()) GTEST_SKIP() << "hakmem counts nothing in this configuration";
  Memory m;
  Counts t0 = counts(LUA_TTABLE), o0 = counts(0);
  void* p = alloc(&m, nullptr, LUA_TTABLE, 24);
  void* q = alloc(&m, p, 24, 4000);  // moves: an allocation and a free, at the same site
  ASSERT_NE(q, nullptr);
  Counts t1 = counts(LUA_TTABLE), o1 = counts(0);
  EXPECT_EQ(t1.allocs - t0.allocs, 2);
  EXPECT_EQ(t1.frees - t0.frees, 1);
  EXPECT_EQ(t1.reallocs - t0.reallocs, 1);
  EXPECT_EQ(t1.live - t0.live, static_cast<int64_t>(hak_usable_size(q)));
  EXPECT_EQ(o1.allocs, o0.allocs);
  alloc(&m, q, 4000, 0);
  Counts t2 = counts(LUA_TTABLE);
  EXPECT_EQ(t2.frees - t0.frees, 2);
  EXPECT_EQ(t2.live, t0.live);
}

TEST(LuaSites, UntaggedBlocksStayOutOfLuasSites) {
  if (!sites_counted()) GTEST_SKIP() << "hakmem counts nothing in this configuration";
  Memory m;
  m.tags = false;
  Counts t0 = counts(LUA_TTABLE), o0 = counts(0);
  void* p = alloc(&m, nullptr, LUA_TTABLE, 40);
  ASSERT_NE(p, nullptr);
  void* q = alloc(&m, p, 40, 400);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(m.used, 400u);
  alloc(&m, q, 400, 0);
  EXPECT_EQ(counts(LUA_TTABLE).allocs, t0.allocs);
  EXPECT_EQ(counts(0).allocs, o0.allocs);
  EXPECT_EQ(m.used, 0u);
}

struct Close {
  void operator()(lua_State* L) const { lua_close(L); }
};
using StatePtr = std::unique_ptr<lua_State, Close>;

int nop(lua_State*) { return 0; }

// Each kind of object Lua makes, N times, with the collector stopped: exactly N
// allocations at its site and none elsewhere (tables with an array part: N more in other).
TEST(LuaSites, EachHintLandsInItsSiteExactly) {
  if (!sites_counted()) GTEST_SKIP() << "hakmem counts nothing in this configuration";
  constexpr int kN = 100;
  const int kinds[] = {LUA_TSTRING, LUA_TTABLE, LUA_TFUNCTION, LUA_TUSERDATA, LUA_TTHREAD, 0};
  Memory m;
  StatePtr L(hako::lua::new_state(&m));
  ASSERT_NE(L, nullptr);
  lua_gc(L.get(), LUA_GCSTOP);
  lua_checkstack(L.get(), 10);

  Counts before[6], after[6];
  auto snapshot = [&](Counts* c) {
    for (int k = 0; k < 6; ++k) c[k] = counts(kinds[k]);
  };
  auto expect = [&](const char* what, std::initializer_list<int64_t> want) {
    snapshot(after);
    int k = 0;
    for (int64_t w : want) {
      EXPECT_EQ(after[k].allocs - before[k].allocs, w)
          << what << ": " << hak_site_name(hako::lua::site_for_hint(kinds[k]));
      ++k;
    }
  };

  snapshot(before);
  char text[64];
  for (int i = 0; i < kN; ++i) {  // long strings (over 40 bytes): one block each, not interned
    std::memset(text, '.', sizeof text);
    text[0] = static_cast<char>('a' + i % 26);
    text[1] = static_cast<char>('a' + i / 26);
    lua_pushlstring(L.get(), text, sizeof text);
    lua_pop(L.get(), 1);
  }
  expect("long strings", {kN, 0, 0, 0, 0, 0});

  snapshot(before);
  for (int i = 0; i < kN; ++i) {
    lua_createtable(L.get(), 0, 0);
    lua_pop(L.get(), 1);
  }
  expect("empty tables", {0, kN, 0, 0, 0, 0});

  snapshot(before);
  for (int i = 0; i < kN; ++i) {
    lua_createtable(L.get(), 4, 0);
    lua_pop(L.get(), 1);
  }
  expect("tables with an array part", {0, kN, 0, 0, 0, kN});

  snapshot(before);
  for (int i = 0; i < kN; ++i) {
    lua_pushinteger(L.get(), i);
    lua_pushcclosure(L.get(), nop, 1);
    lua_pop(L.get(), 1);
  }
  expect("C closures", {0, 0, kN, 0, 0, 0});

  snapshot(before);
  for (int i = 0; i < kN; ++i) {
    lua_newuserdatauv(L.get(), 16, 0);
    lua_pop(L.get(), 1);
  }
  expect("userdata", {0, 0, 0, kN, 0, 0});

  snapshot(before);
  for (int i = 0; i < kN; ++i) {
    lua_newthread(L.get());
    lua_pop(L.get(), 1);
  }
  snapshot(after);
  EXPECT_EQ(after[4].allocs - before[4].allocs, kN);  // threads (and their stacks: other)
  for (int k : {0, 1, 2, 3}) EXPECT_EQ(after[k].allocs, before[k].allocs);

  // Closing the state gives every block back, at every site.
  Counts start[6];
  snapshot(start);
  L.reset();
  snapshot(after);
  EXPECT_EQ(m.used, 0u);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(after[k].allocs, start[k].allocs);
    EXPECT_EQ(after[k].live, 0) << hak_site_name(hako::lua::site_for_hint(kinds[k]));
  }
}

// ---- Through Lua -----------------------------------------------------------------------

// luaL_dostring, with the status of whichever step failed (luaL_dostring gives a bool).
int run(lua_State* L, const std::string& code) {
  int st = luaL_loadstring(L, code.c_str());
  return st != LUA_OK ? st : lua_pcall(L, 0, LUA_MULTRET, 0);
}

TEST(LuaState, CountAgreesWithLuasOwn) {
  Memory m;
  StatePtr L(hako::lua::new_state(&m));
  ASSERT_NE(L, nullptr);
  luaL_openlibs(L.get());
  ASSERT_EQ(run(L.get(), "t = {} for i = 1, 10000 do t[i] = {tostring(i)} end"), LUA_OK);
  auto lua_count = [&] {
    return static_cast<size_t>(lua_gc(L.get(), LUA_GCCOUNT)) * 1024 +
           static_cast<size_t>(lua_gc(L.get(), LUA_GCCOUNTB));
  };
  EXPECT_EQ(m.used, lua_count());
  ASSERT_EQ(run(L.get(), "t = nil collectgarbage()"), LUA_OK);
  EXPECT_EQ(m.used, lua_count());
  EXPECT_LT(m.used, m.peak);
  L.reset();
  EXPECT_EQ(m.used, 0u);
}

TEST(LuaState, TheLimitRaisesACatchableMemoryError) {
  Memory m;
  StatePtr L(hako::lua::new_state(&m));
  ASSERT_NE(L, nullptr);
  luaL_openlibs(L.get());
  m.limit = m.used + (1 << 20);
  const char* grow = "local t = {} for i = 1, 1e7 do t[i] = ('x'):rep(64) .. i end";
  EXPECT_EQ(run(L.get(), grow), LUA_ERRMEM);
  EXPECT_STREQ(lua_tostring(L.get(), -1), "not enough memory");
  lua_pop(L.get(), 1);
  EXPECT_GT(m.refused, 0u);
  EXPECT_LE(m.peak, m.limit);
  // The script can catch it, and the state goes on working afterwards.
  ASSERT_EQ(run(L.get(), std::string("ok, err = pcall(function() ") + grow +
                             " end) collectgarbage() return ok, err"),
            LUA_OK);
  EXPECT_FALSE(lua_toboolean(L.get(), -2));
  EXPECT_STREQ(lua_tostring(L.get(), -1), "not enough memory");
  lua_settop(L.get(), 0);
  EXPECT_EQ(run(L.get(), "return #('y'):rep(1000)"), LUA_OK);
  EXPECT_EQ(lua_tointeger(L.get(), -1), 1000);
  L.reset();
  EXPECT_EQ(m.used, 0u);
}

TEST(LuaState, TooSmallALimitForTheStateItself) {
  Memory m;
  m.limit = 100;  // less than lua_State and its global state
  EXPECT_EQ(hako::lua::new_state(&m), nullptr);
  EXPECT_EQ(m.used, 0u);
  EXPECT_GT(m.refused, 0u);
}

}  // namespace
