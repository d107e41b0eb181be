// Helpers for the compiler tests: compile a snippet (verifier on), show its MIR, its
// bytecode or its errors, run it on the reference interpreter.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "parser/text_buffer.h"
#include "tests/vm/bc_check.h"
#include "tests/vm/bc_eval.h"
#include "vm/bytecode_dump.h"
#include "vm/compile.h"

namespace hako::testing {

inline std::string error_lines(const Errors& errors) {
  std::string out;
  for (const Error& e : errors) {
    out += std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message + "\n";
  }
  return out;
}

// Compiles `src` at `opt`; the errors as "L:C: message" lines when it fails. A unit that
// compiles is checked against docs/BYTECODE.md's guarantees (bc_check.h).
inline bool compile_src(const std::string& src, int opt, bc::Unit* unit, std::string* errors,
                        TextBuffer* mir = nullptr) {
  CompileOptions o;
  o.opt_level = opt;
  o.verify = true;
  o.mir_dump = mir;
  Errors errs;
  if (compile("t.hako", std::string_view(src.c_str(), src.size()), unit, &errs, o)) {
    std::string problem = check_unit(*unit);
    EXPECT_EQ(problem, "") << "at -O" << opt << ":\n" << src;
    return true;
  }
  *errors = error_lines(errs);
  return false;
}

// What the program prints (then "ERROR: message" if it raised), or "COMPILE ERROR: ...".
inline std::string run(const std::string& src, int opt) {
  bc::Unit unit;
  std::string errors;
  if (!compile_src(src, opt, &unit, &errors)) return "COMPILE ERROR: " + errors;
  Interp interp(unit);
  try {
    interp.run_main();
  } catch (const RuntimeError& e) {
    interp.out += std::string("ERROR: ") + e.what() + "\n";
  }
  return interp.out;
}

// The compile errors of `src` (empty when it compiles).
inline std::string compile_errors(const std::string& src) {
  bc::Unit unit;
  std::string errors;
  compile_src(src, 1, &unit, &errors);
  return errors;
}

inline std::string mir_text(const std::string& src, int opt) {
  bc::Unit unit;
  std::string errors;
  TextBuffer out(HAK_SITE("test.output"));
  if (!compile_src(src, opt, &unit, &errors, &out)) return "COMPILE ERROR: " + errors;
  return std::string(out.view());
}

inline std::string bytecode_text(const std::string& src, int opt) {
  bc::Unit unit;
  std::string errors;
  if (!compile_src(src, opt, &unit, &errors)) return "COMPILE ERROR: " + errors;
  TextBuffer out(HAK_SITE("test.output"));
  bc::dump(unit, &out);
  return std::string(out.view());
}

}  // namespace hako::testing
