#include "parser/error.h"

#include <cstdarg>
#include <cstdio>

namespace hako {

void Error::set(uint32_t l, uint32_t c, size_t off, const char* fmt, ...) {
  line = l;
  col = c;
  offset = off;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
}

void Error::set_at(std::string_view text, size_t off, const char* fmt, ...) {
  if (off > text.size()) off = text.size();
  uint32_t l = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < off; ++i) {
    if (text[i] == '\n') {
      ++l;
      line_start = i + 1;
    }
  }
  line = l;
  col = static_cast<uint32_t>(off - line_start + 1);
  offset = off;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
}

size_t format_error(const Error& e, std::string_view file, bool with_offset, char* buf,
                    size_t cap) {
  int n = with_offset ? snprintf(buf, cap, "%.*s:%u:%u: %s (byte %zu)", int(file.size()),
                                 file.data(), e.line, e.col, e.message, e.offset)
                      : snprintf(buf, cap, "%.*s:%u:%u: %s", int(file.size()), file.data(), e.line,
                                 e.col, e.message);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

size_t quote_text(std::string_view text, size_t max, char* buf, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  auto put = [&](char c) {
    if (o + 1 < cap) buf[o] = c;
    ++o;
  };
  size_t n = text.size() < max ? text.size() : max;
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f) {
      put('\\');
      put('x');
      put(hex[c >> 4]);
      put(hex[c & 15]);
    } else {
      put(static_cast<char>(c));
    }
  }
  if (n < text.size()) {
    put('.');
    put('.');
    put('.');
  }
  if (cap) buf[o < cap ? o : cap - 1] = '\0';
  return o;
}

}  // namespace hako
