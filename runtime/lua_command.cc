// `hako lua`: what lua5.4's lua.c does for `lua5.4 FILE [ARGS]` (the state built inside a
// protected call, the `arg` table, a generational collector, errors with a traceback), on
// the hakmem allocator with an optional memory limit.
#include "runtime/lua_command.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <lua5.4/lua.hpp>

#include "hakmem.h"
#include "runtime/lua_bridge.h"

namespace hako::lua {
namespace {

constexpr int kOk = 0, kError = 1, kUsage = 2;

void usage(FILE* out) {
  std::fprintf(
      out,
      "usage: hako lua [--report[=TARGET]] [--limit BYTES] [--no-tags] FILE.lua [ARGS...]\n"
      "  --report[=TARGET]  hakmem's report at exit (stderr, stdout or a file)\n"
      "  --limit BYTES      fail Lua's allocations beyond BYTES (suffix K, M or G)\n"
      "  --no-tags          leave Lua's blocks untagged (to measure what tags cost)\n"
      "  FILE - reads the program from stdin\n");
}

// "64M" -> 64 << 20; false for anything that is not a positive size.
bool parse_size(const char* s, size_t* out) {
  char* end;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || errno || *s == '-') return false;
  int shift = 0;
  if (*end) {
    const char* units = "KMG";
    const char* u = std::strchr(units, *end);
    if (!u || end[1]) return false;
    shift = 10 * static_cast<int>(u - units + 1);
  }
  if (v == 0 || v > (~0ULL >> shift)) return false;
  *out = static_cast<size_t>(v << shift);
  return true;
}

const char* g_report_target;  // for the report at exit (os.exit skips our return path)

void report_at_exit() { hak_report_to(g_report_target); }

struct Run {
  int argc;
  char** argv;
  int script;  // argv[script] is the program
  int status;  // of loading and running it
};

// lua.c's msghandler: the message (or its __tostring) with a traceback.
int message_handler(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (!msg) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

// arg[0] is the script, arg[1..] its arguments, arg[-k] what came before it.
void make_arg_table(lua_State* L, const Run& r) {
  lua_createtable(L, r.argc - r.script - 1, r.script + 1);
  for (int i = 0; i < r.argc; ++i) {
    lua_pushstring(L, r.argv[i]);
    lua_rawseti(L, -2, i - r.script);
  }
  lua_setglobal(L, "arg");
}

// Inside a protected call, so that running out of memory while the libraries open is an
// ordinary error too.
int protected_main(lua_State* L) {
  auto* r = static_cast<Run*>(lua_touserdata(L, 1));
  luaL_checkversion(L);
  luaL_openlibs(L);
  make_arg_table(L, *r);
  lua_gc(L, LUA_GCRESTART);
  lua_gc(L, LUA_GCGEN, 0, 0);  // as lua5.4
  const char* file = r->argv[r->script];
  r->status = luaL_loadfile(L, std::strcmp(file, "-") == 0 ? nullptr : file);
  if (r->status != LUA_OK) return 1;  // the message
  int nargs = r->argc - r->script - 1;
  luaL_checkstack(L, nargs + 3, "too many arguments to script");
  for (int i = r->script + 1; i < r->argc; ++i) lua_pushstring(L, r->argv[i]);
  int base = lua_gettop(L) - nargs;  // the chunk
  lua_pushcfunction(L, message_handler);
  lua_insert(L, base);
  r->status = lua_pcall(L, nargs, 0, base);
  return r->status == LUA_OK ? 0 : 1;
}

int run(Run* r, Memory* mem) {
  lua_State* L = new_state(mem);
  if (!L) {
    std::fprintf(stderr, "hako: cannot create a Lua state: not enough memory\n");
    return kError;
  }
  lua_gc(L, LUA_GCSTOP);  // while the state is built, as lua5.4
  lua_pushcfunction(L, protected_main);
  lua_pushlightuserdata(L, r);
  int status = lua_pcall(L, 1, 1, 0);  // an error here is one outside the script
  if (status == LUA_OK) status = r->status;
  int code = kOk;
  if (status != LUA_OK) {
    const char* msg = lua_tostring(L, -1);
    std::fprintf(stderr, "hako: %s\n", msg ? msg : "(error object is not a string)");
    code = status == LUA_ERRFILE ? kUsage : kError;
  }
  lua_close(L);
  return code;
}

}  // namespace

int command(int argc, char** argv, int first) {
  Memory mem;
  const char* report = nullptr;
  int i = first;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; ++i) {
    const char* a = argv[i];
    if (std::strcmp(a, "--report") == 0) {
      report = "stderr";
    } else if (std::strncmp(a, "--report=", 9) == 0 && a[9]) {
      report = a + 9;
    } else if (std::strcmp(a, "--limit") == 0) {
      if (++i == argc || !parse_size(argv[i], &mem.limit)) {
        std::fprintf(stderr, "hako lua: --limit wants a size in bytes (e.g. 65536, 512K, 64M)\n");
        return kUsage;
      }
    } else if (std::strcmp(a, "--no-tags") == 0) {
      mem.tags = false;
    } else if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
      usage(stdout);
      return kOk;
    } else {
      std::fprintf(stderr, "hako lua: bad option '%s'\n", a);
      usage(stderr);
      return kUsage;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return kUsage;
  }
  if (report) {
    g_report_target = report;
    std::atexit(report_at_exit);
  }
  Run r{argc, argv, i, LUA_OK};
  int code = run(&r, &mem);
  if (report) {
    std::fprintf(
        stderr,
        "hako lua: Lua's memory: peak %zu bytes, %zu at exit, limit %zu%s, %llu requests refused\n",
        mem.peak, mem.used, mem.limit, mem.limit ? "" : " (none)",
        static_cast<unsigned long long>(mem.refused));
  }
  return code;
}

}  // namespace hako::lua
