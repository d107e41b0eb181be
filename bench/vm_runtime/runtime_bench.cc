// The VM runtime without the interpreter: json.parse / json.stringify into and out of Hako
// values against Lua 5.4 with lua-cjson (into and out of Lua tables), map operations, and
// the collector's pause on a large heap.
//
//   runtime_bench [--quick]
//   runtime_bench --write-docs DIR   writes the JSON documents (DIR/records.json, ...) and
//                                    exits: bench/vm runs json.parse/json.stringify on them
//                                    from Hako programs, and lua-cjson from Lua
//
// Each figure is the median of several repetitions; a repetition runs the operation as many
// times as fit in a time slice. MB = 10^6 bytes of JSON text.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <lua5.4/lua.hpp>
#include <string>
#include <vector>

#include "vm/array.h"
#include "vm/map.h"
#include "vm/runtime.h"

using namespace hako::vm;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Config {
  int reps = 7;
  double slice = 0.25;  // seconds per repetition
};

// Median seconds per call of f.
template <class F>
double measure(const Config& c, F f) {
  std::vector<double> per;
  for (int r = 0; r < c.reps; ++r) {
    int n = 0;
    double t0 = now(), t;
    do {
      f();
      ++n;
    } while ((t = now()) - t0 < c.slice);
    per.push_back((t - t0) / n);
  }
  std::sort(per.begin(), per.end());
  return per[per.size() / 2];
}

// ---- Documents ----------------------------------------------------------------------------

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

const char* const kWords[] = {"alpha", "beta",  "gamma",  "delta", "heap",  "page",  "site",
                              "tuner", "value", "string", "naïve", "größe", "データ"};

// Objects with a few fields each: what API responses and configs look like.
std::string gen_records(size_t target) {
  Rng r{1};
  std::string s = "[";
  for (int n = 0; s.size() < target; ++n) {
    if (n) s += ',';
    s += "{\"id\":" + std::to_string(n) + ",\"name\":\"" + kWords[r.below(13)] + "-" +
         std::to_string(r.below(100000)) + "\",\"active\":" + (r.below(2) ? "true" : "false") +
         ",\"score\":" + std::to_string(r.below(100000) / 100.0) + ",\"tags\":[\"" +
         kWords[r.below(13)] + "\",\"" + kWords[r.below(13)] + "\"],\"parent\":null}";
  }
  return s + "]";
}

// Numbers: arrays of coordinates.
std::string gen_numbers(size_t target) {
  Rng r{2};
  std::string s = "[";
  char b[64];
  for (int n = 0; s.size() < target; ++n) {
    snprintf(b, sizeof b, "%s[%.6f,%.6f,%u]", n ? "," : "", r.below(36000000) / 100000.0 - 180,
             r.below(18000000) / 100000.0 - 90, r.below(10000));
    s += b;
  }
  return s + "]";
}

// Long strings.
std::string gen_text(size_t target) {
  Rng r{3};
  std::string s = "[";
  for (int n = 0; s.size() < target; ++n) {
    s += n ? ",\"" : "\"";
    for (int w = 0; w < 40; ++w) {
      s += kWords[r.below(13)];
      s += w % 9 == 8 ? "\\n" : " ";
    }
    s += "\"";
  }
  return s + "]";
}

// ---- Hako and Lua sides ---------------------------------------------------------------------

// Calls a module function on a value, returning the result (kept on the stack's slot 0..).
struct Hako {
  Runtime* rt = Runtime::create();
  Value parse, stringify;
  Hako() {
    parse = map_get(*rt, rt->get_global("json").as_map(), Value::string(rt->new_string("parse")));
    stringify =
        map_get(*rt, rt->get_global("json").as_map(), Value::string(rt->new_string("stringify")));
  }
  ~Hako() { Runtime::destroy(rt); }
  // Calls fn(arg) and keeps the result in slot 1 (slot 0 holds the argument).
  void call(Value fn, Value arg) {
    rt->top = rt->stack + 1;
    rt->stack[0] = arg;
    uint32_t slot = rt->top_index();
    if (!rt->push(fn) || !rt->push(arg) || !rt->call(slot, 1)) {
      std::fprintf(stderr, "hako: call failed\n");
      std::exit(1);
    }
  }
};

struct Lua {
  lua_State* L = luaL_newstate();
  bool ok = false;
  Lua() {
    luaL_openlibs(L);
    ok = luaL_dostring(L, "cjson = require 'cjson'") == LUA_OK;
    if (!ok) lua_pop(L, 1);
  }
  ~Lua() { lua_close(L); }
  // Calls cjson.<fn> on the value at the top; leaves the result at the top.
  void call(const char* fn) {
    lua_getglobal(L, "cjson");
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_pushvalue(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
      std::fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
      std::exit(1);
    }
  }
};

void bench_json(const Config& c) {
  std::printf("## json.parse and json.stringify (MB/s)\n\n");
  std::printf(
      "| document | size | Hako parse | cjson decode | ratio | Hako stringify | cjson encode | "
      "ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  Lua lua;
  if (!lua.ok) std::printf("(lua-cjson not found: its columns are empty)\n");
  struct Doc {
    const char* name;
    std::string text;
  } docs[] = {{"records", gen_records(4 << 20)},
              {"numbers", gen_numbers(4 << 20)},
              {"text", gen_text(4 << 20)}};
  for (Doc& d : docs) {
    double mb = d.text.size() / 1e6;
    Hako h;
    Value text = Value::string(h.rt->new_string(d.text));
    h.rt->set_global("doc", text);
    double hp = measure(c, [&] { h.call(h.parse, text); });
    h.call(h.parse, text);
    Value v = h.rt->stack[1];
    h.rt->set_global("value", v);
    double hs = measure(c, [&] { h.call(h.stringify, v); });
    double lp = 0, ls = 0;
    if (lua.ok) {
      lua_pushlstring(lua.L, d.text.data(), d.text.size());
      lp = measure(c, [&] {
        lua.call("decode");
        lua_pop(lua.L, 1);
      });
      lua.call("decode");  // the table, under which encode runs
      ls = measure(c, [&] {
        lua.call("encode");
        lua_pop(lua.L, 1);
      });
      lua_settop(lua.L, 0);
    }
    auto rate = [&](double s) { return s > 0 ? mb / s : 0.0; };
    std::printf("| %s | %.1f MB | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |\n", d.name, mb,
                rate(hp), rate(lp), lp > 0 ? lp / hp : 0, rate(hs), rate(ls), ls > 0 ? ls / hs : 0);
  }
  std::printf("\n");
}

void bench_maps(const Config& c) {
  std::printf("## Maps (ns per operation)\n\n| operation | ns |\n|---|---|\n");
  Runtime* rt = Runtime::create();
  const int n = 100000;
  int64_t sum = 0;
  {
    ValueBuffer keys(*rt);
    for (int i = 0; i < n; ++i)
      keys.push(Value::string(rt->new_string("key" + std::to_string(i * 7919))));
    Local m(*rt);
    double set_int = measure(c, [&] {
      Map* map = rt->new_map(0);
      m.set(Value::map(map));
      for (int i = 0; i < n; ++i) map_set(*rt, map, Value::integer(i), Value::integer(i));
    });
    double get_int = measure(c, [&] {
      for (int i = 0; i < n; ++i) sum += map_get(*rt, m.get().as_map(), Value::integer(i)).i;
    });
    double set_str = measure(c, [&] {
      Map* map = rt->new_map(0);
      m.set(Value::map(map));
      for (int i = 0; i < n; ++i) map_set(*rt, map, keys[i], Value::integer(i));
    });
    double get_str = measure(c, [&] {
      for (int i = 0; i < n; ++i) sum += map_get(*rt, m.get().as_map(), keys[i]).i;
    });
    // Small maps (objects with a few fields): the linear case.
    double small = measure(c, [&] {
      for (int i = 0; i < n / 5; ++i) {
        Map* map = rt->new_map(0);
        m.set(Value::map(map));
        for (int k = 0; k < 5; ++k) map_set(*rt, map, keys[k], Value::integer(k));
        for (int k = 0; k < 5; ++k) sum += map_get(*rt, map, keys[k]).i;
      }
    });
    std::printf("| set, int keys, growing to %d | %.1f |\n", n, set_int / n * 1e9);
    std::printf("| get, int keys | %.1f |\n", get_int / n * 1e9);
    std::printf("| set, string keys, growing to %d | %.1f |\n", n, set_str / n * 1e9);
    std::printf("| get, string keys | %.1f |\n", get_str / n * 1e9);
    std::printf("| new 5-field map, 5 sets, 5 gets (per map) | %.1f |\n\n", small / (n / 5) * 1e9);
  }
  if (sum == 42) std::printf("\n");
  Runtime::destroy(rt);
}

void bench_gc(const Config& c) {
  std::printf(
      "## A full collection of a live heap\n\n| heap | objects | MB | pause ms | ns/object "
      "|\n|---|---|---|---|---|\n");
  for (int n : {100000, 1000000}) {
    Runtime* rt = Runtime::create();
    {
      Local root(*rt, Value::array(rt->new_array(0)));
      Local name(*rt, Value::string(rt->new_string("name")));
      Local list(*rt, Value::string(rt->new_string("list")));
      Array* a = root.get().as_array();
      for (int i = 0; i < n; ++i) {  // a map with a string and an array, per element
        Map* m = rt->new_map(2);
        array_push(*rt, a, Value::map(m));
        map_set(*rt, m, name.get(), Value::string(rt->new_string("n" + std::to_string(i))));
        map_set(*rt, m, list.get(), Value::array(rt->new_array(2)));
      }
      Config one = c;
      one.slice = 0;
      double s = measure(one, [&] { rt->collect(); });
      GcStats st = rt->gc_stats();
      std::printf("| maps with a string and an array | %zu | %.1f | %.2f | %.1f |\n", st.objects,
                  st.heap_bytes / 1e6, s * 1e3, s / st.objects * 1e9);
    }
    Runtime::destroy(rt);
  }
  std::printf("\n");
}

}  // namespace

// The documents of bench_json, as files.
int write_docs(const char* dir) {
  struct Doc {
    const char* name;
    std::string text;
  } docs[] = {{"records", gen_records(4 << 20)},
              {"numbers", gen_numbers(4 << 20)},
              {"text", gen_text(4 << 20)}};
  for (const Doc& d : docs) {
    std::string path = std::string(dir) + "/" + d.name + ".json";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(d.text.data(), 1, d.text.size(), f) != d.text.size() ||
        std::fclose(f) != 0) {
      std::fprintf(stderr, "runtime_bench: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--write-docs") == 0) return write_docs(argv[2]);
  Config c;
  if (argc > 1 && std::strcmp(argv[1], "--quick") == 0) {
    c.reps = 3;
    c.slice = 0.05;
  }
  bench_json(c);
  bench_maps(c);
  bench_gc(c);
  return 0;
}
