// The compiler's API: Hako source (or a parsed tree) -> a bc::Unit (vm/bytecode.h), or
// errors as "file:line:col: message" values. The VM calls this; `hako --dump-mir` and
// `--dump-bytecode` too.
//
// Everything a compilation allocates goes through hakmem sites: mir.* for the IR (functions
// are lowered, optimized, emitted and then dropped one at a time, innermost first, so only
// the functions being lowered are in memory at once), bytecode.* for the unit.
#pragma once

#include <span>
#include <string_view>

#include "parser/parser.h"
#include "parser/text_buffer.h"
#include "vm/bytecode.h"

namespace hako {

// The globals the VM provides (docs/LANGUAGE.md, "Builtins"): the compiler accepts these
// names without a declaration.
std::span<const std::string_view> builtin_globals();

struct CompileOptions {
  int opt_level = 1;  // 0: no MIR passes; 1: all of them (vm/mir/passes.cc)
  // Run the MIR verifier after lowering and after each pass; a failure is reported as an
  // internal compiler error. On by default in debug and sanitizer builds.
#ifdef HAK_DEBUG
  bool verify = true;
#else
  bool verify = false;
#endif
  ParseOptions parse;
  // The builtins the VM provides (a host may leave modules out, e.g. `io`: then code that
  // uses them does not compile).
  std::span<const std::string_view> builtins = builtin_globals();
  // More names the code may use as globals: host functions, or the globals of earlier
  // chunks (a REPL).
  std::span<const std::string_view> globals;
  // When set, the MIR of each function after the passes is appended here (innermost
  // functions first), in the form of vm/mir/dump.h.
  TextBuffer* mir_dump = nullptr;
};

// Compiles `source` (followed by a NUL byte, see parser/lexer.h) named `file`. On success,
// *unit holds the chunk (what it held before is gone); otherwise false, with the errors in
// source order appended to *errors.
bool compile(std::string_view file, std::string_view source, bc::Unit* unit, Errors* errors,
             const CompileOptions& opt = {});

// The same from a parsed chunk (ast.main() set).
bool compile_ast(const ast::Ast& ast, bc::Unit* unit, Errors* errors,
                 const CompileOptions& opt = {});

}  // namespace hako
