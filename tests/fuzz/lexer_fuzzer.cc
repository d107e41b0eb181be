// libFuzzer target: the Hako lexer must end on any input, never read past it, and
// make progress on every token.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/lexer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string src(reinterpret_cast<const char*>(data), size);
  hako::Lexer lx(src);
  uint32_t last_end = 0;
  for (size_t i = 0; i <= size + 1; ++i) {
    hako::Token t = lx.next();
    if (t.offset + t.length > size) __builtin_trap();
    if (t.kind == hako::Tok::Eof) return 0;
    if (t.offset < last_end) __builtin_trap();
    last_end = t.offset + t.length;
  }
  __builtin_trap();  // more tokens than bytes: no progress
}
