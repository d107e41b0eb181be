// Compile throughput: Hako's compiler (parse + MIR + passes + register allocation + bytecode)
// against Lua 5.4's loader (lua_load: parse + code generation, what `luac5.4 -p` does), on
// one source file, in this process.
//
//   compile_bench [--lua | --parse-only] [-O0|-O1] [--reps N] [--warmup N] FILE
//
// Compiles FILE `warmup` times, then `reps` times, each timed on its own (wall clock, and
// this thread's CPU time, which a busy machine disturbs less), and prints one line:
// `lang=hako opt=1 lines=N bytes=N reps=N median_s=X min_s=X cpu_median_s=X lines_per_s=X
// peak_rss_kb=N` (the process's VmHWM: with --reps 1 --warmup 0, one compilation's). Every
// compilation starts from nothing (a fresh unit, a fresh lua_State), as a program's start
// would. --parse-only times Hako's parser alone (the front end's share). With --reps 1 --warmup 0
// the process's peak RSS is that of one compilation (what bench/compile/run.py measures).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

extern "C" {
#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
}

#include "vm/compile.h"

namespace {

bool read_file(const char* path, std::string* out) {
  FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  std::fclose(f);
  return true;
}

bool compile_hako(const char* file, const std::string& src, int opt_level) {
  hako::bc::Unit unit;
  hako::Errors errors;
  hako::CompileOptions opt;
  opt.opt_level = opt_level;
  opt.verify = false;
  if (hako::compile(file, std::string_view(src.data(), src.size()), &unit, &errors, opt)) {
    return true;
  }
  for (const hako::Error& e : errors)
    std::fprintf(stderr, "%s:%u:%u: %s\n", file, e.line, e.col, e.message);
  return false;
}

bool parse_hako(const char* file, const std::string& src) {
  hako::ast::Ast ast;
  hako::Errors errors;
  return hako::parse(file, std::string_view(src.data(), src.size()), &ast, &errors);
}

bool compile_lua(const char* file, const std::string& src) {
  lua_State* L = luaL_newstate();
  int status = luaL_loadbufferx(L, src.data(), src.size(), file, "t");
  if (status != LUA_OK) std::fprintf(stderr, "%s\n", lua_tostring(L, -1));
  lua_close(L);
  return status == LUA_OK;
}

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The process's peak resident set (VmHWM), in KiB.
long peak_rss_kb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::atol(line + 6);
  }
  std::fclose(f);
  return kb;
}

}  // namespace

int main(int argc, char** argv) {
  bool lua = false, parse_only = false;
  int opt_level = 1, reps = 5, warmup = 1;
  const char* file = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--lua") {
      lua = true;
    } else if (a == "--parse-only") {
      parse_only = true;
    } else if (a == "-O0" || a == "-O1") {
      opt_level = a[2] - '0';
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--warmup" && i + 1 < argc) {
      warmup = std::max(0, std::atoi(argv[++i]));
    } else if (!file && a[0] != '-') {
      file = argv[i];
    } else {
      std::fprintf(
          stderr,
          "usage: compile_bench [--lua | --parse-only] [-O0|-O1] [--reps N] [--warmup N] FILE\n");
      return 2;
    }
  }
  if (!file) {
    std::fprintf(
        stderr,
        "usage: compile_bench [--lua | --parse-only] [-O0|-O1] [--reps N] [--warmup N] FILE\n");
    return 2;
  }
  std::string src;
  if (!read_file(file, &src)) {
    std::fprintf(stderr, "compile_bench: cannot read %s\n", file);
    return 2;
  }
  size_t lines = static_cast<size_t>(std::count(src.begin(), src.end(), '\n'));
  std::vector<double> times, cpu;
  for (int i = 0; i < warmup + reps; ++i) {
    double c0 = thread_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    bool ok = lua          ? compile_lua(file, src)
              : parse_only ? parse_hako(file, src)
                           : compile_hako(file, src, opt_level);
    auto t1 = std::chrono::steady_clock::now();
    double c1 = thread_cpu_seconds();
    if (!ok) return 3;
    if (i >= warmup) {
      times.push_back(std::chrono::duration<double>(t1 - t0).count());
      cpu.push_back(c1 - c0);
    }
  }
  double med = median(times), cpu_med = median(cpu);
  std::printf(
      "lang=%s opt=%d lines=%zu bytes=%zu reps=%d median_s=%.6f min_s=%.6f cpu_median_s=%.6f "
      "lines_per_s=%.0f "
      "peak_rss_kb=%ld\n",
      lua          ? "lua"
      : parse_only ? "hako-parse"
                   : "hako",
      lua ? 0 : opt_level, lines, src.size(), reps, med,
      *std::min_element(times.begin(), times.end()), cpu_med, static_cast<double>(lines) / cpu_med,
      peak_rss_kb());
  return 0;
}
