// libFuzzer target: the compiler must end on any input without crashing: a program that
// parses either compiles — passing the MIR verifier after every pass, at -O0 and -O1, into
// units that keep docs/BYTECODE.md's guarantees, the same way every time — or gets compile
// errors with positions; never an internal compiler error.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "parser/text_buffer.h"
#include "tests/vm/bc_check.h"
#include "vm/bytecode_dump.h"
#include "vm/compile.h"

namespace {

// The bytecode dump at `opt`, or "" when the program does not compile.
std::string compile_dump(const std::string& src, int opt) {
  hako::bc::Unit unit;
  hako::Errors errors;
  hako::CompileOptions o;
  o.opt_level = opt;
  o.verify = true;
  bool ok = hako::compile("fuzz.hako", src, &unit, &errors, o);
  if (ok != errors.empty()) __builtin_trap();
  for (const hako::Error& e : errors) {
    if (e.line == 0 || std::strstr(e.message, "internal compiler error")) __builtin_trap();
  }
  if (!ok) return "";
  if (!hako::testing::check_unit(unit).empty()) __builtin_trap();
  hako::TextBuffer buf(HAK_SITE("fuzz.dump"));
  hako::bc::dump(unit, &buf);
  return std::string(buf.view());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string src(reinterpret_cast<const char*>(data), size);
  std::string o0 = compile_dump(src, 0);
  std::string o1 = compile_dump(src, 1);
  if (o0.empty() != o1.empty()) __builtin_trap();    // the levels agree on what compiles
  if (compile_dump(src, 1) != o1) __builtin_trap();  // deterministic
  return 0;
}
