// libFuzzer target: the Hako parser must end on any input without crashing or overflowing
// the stack, report errors with positions inside the source, and dump what it accepts the
// same way every time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/ast_dump.h"
#include "parser/parser.h"
#include "parser/text_buffer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string src(reinterpret_cast<const char*>(data), size);
  std::string dumps[2];
  for (std::string& d : dumps) {
    hako::ast::Ast ast;
    hako::Errors errors;
    bool ok = hako::parse("fuzz.hako", src, &ast, &errors);
    if (ok != errors.empty()) __builtin_trap();
    for (const hako::Error& e : errors) {
      if (e.offset > size || e.line == 0 || e.col == 0) __builtin_trap();
    }
    if (!ok) return 0;
    hako::TextBuffer buf(HAK_SITE("fuzz.dump"));
    hako::ast::DumpOptions opt;
    opt.positions = true;
    if (!hako::ast::dump(ast, &buf, opt)) __builtin_trap();
    d = std::string(buf.view());
  }
  if (dumps[0] != dumps[1]) __builtin_trap();
  return 0;
}
