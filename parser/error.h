// A parse or compile error: where, and what. Fixed-size, so that reporting an error never
// needs memory (an "out of memory" error must be reportable too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hako {

struct Error {
  uint32_t line = 0;  // 1-based; 0 when there is no position
  uint32_t col = 0;   // 1-based, counted in bytes
  size_t offset = 0;  // byte offset in the source
  char message[160] = {};

  // Sets the message printf-style (truncated to fit) and the position.
  void set(uint32_t line, uint32_t col, size_t offset, const char* fmt, ...)
      __attribute__((format(printf, 5, 6)));
  // The position of byte `offset` of `text` (counting lines), and the message.
  void set_at(std::string_view text, size_t offset, const char* fmt, ...)
      __attribute__((format(printf, 4, 5)));
};

// Writes "file:line:col: message" (and " (byte N)" when `with_offset`) into buf, always
// NUL-terminated; returns the length it needed, like snprintf.
size_t format_error(const Error& e, std::string_view file, bool with_offset, char* buf, size_t cap);

// A piece of source text quoted for a message: at most `max` bytes, control bytes and
// bytes >= 0x80 as \xHH (so messages stay printable), "..." when cut.
size_t quote_text(std::string_view text, size_t max, char* buf, size_t cap);

}  // namespace hako
