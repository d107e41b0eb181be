// libFuzzer target: any program that compiles runs to an end — it finishes, or stops with a
// runtime error (the instruction budget and the memory limit bound it) — without a crash,
// a sanitizer report, a leaked byte or a broken heap; and the two builds of the interpreter
// loop (computed goto, switch) do the same thing, printing the same output and the same
// error with the same traceback. The seeds are the parser's and compiler's corpora and
// the language's golden programs (tests/fuzz/corpus/vm/).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vm/compile.h"
#include "vm/interp.h"
#include "vm/print.h"

namespace {

using namespace hako::vm;

// Everything but io (a fuzzed program must not touch the file system), clock and gc (their
// values differ from run to run, and the two runs are compared).
std::vector<std::string_view> sandbox_builtins() {
  std::vector<std::string_view> names;
  for (std::string_view n : hako::builtin_globals())
    if (n != "io" && n != "clock" && n != "gc") names.push_back(n);
  return names;
}

// Output, then the error and its traceback, of one run.
std::string run(const hako::bc::Unit& unit, bool switch_dispatch) {
  std::string out;
  RuntimeOptions o;
  o.io = false;
  o.budget = 200000;
  o.memory_limit = 32 << 20;
  o.max_frames = 5000;
  o.switch_dispatch = switch_dispatch;
  o.output = [](void* ud, const char* d, size_t n) { static_cast<std::string*>(ud)->append(d, n); };
  o.output_ud = &out;
  Runtime* rt = Runtime::create(o);
  if (!rt) __builtin_trap();
  if (!load(*rt, unit) || !run_loaded(*rt)) {
    if (rt->nframes != 0 || rt->error_kind() == ErrorKind::kNone) __builtin_trap();
    out += "\nERROR ";
    rt->set_memory_limit(0);
    rt->set_budget(-1);
    Local e(*rt, rt->error_value());
    Buffer b(*rt);
    if (!append_value(*rt, b, e.get()) || !append_traceback(*rt, b)) __builtin_trap();
    out += b.view();
  }
  rt->clear_error();
  rt->collect();
  if (rt->verify_heap()) __builtin_trap();
  Runtime::destroy(rt);  // debug and sanitizer builds abort on bytes not given back
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string_view> builtins = sandbox_builtins();
  std::string src(reinterpret_cast<const char*>(data), size);
  hako::CompileOptions co;
  co.builtins = builtins;
  hako::bc::Unit unit;
  hako::Errors errors;
  if (!hako::compile("fuzz.hako", src, &unit, &errors, co)) return 0;
  if (run(unit, false) != run(unit, true)) __builtin_trap();
  return 0;
}
