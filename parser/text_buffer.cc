#include "parser/text_buffer.h"

#include <cstdarg>
#include <cstdint>
#include <cstdio>

namespace hako {

bool TextBuffer::grow(size_t n) {
  size_t cap = cap_ ? cap_ : 256;
  while (cap - len_ < n) {
    if (cap > SIZE_MAX / 2) return false;
    cap *= 2;
  }
  auto* b = static_cast<char*>(hak_realloc_at(buf_, cap, site_));
  if (!b) return false;
  buf_ = b;
  cap_ = cap;
  return true;
}

bool TextBuffer::appendf(const char* fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return false;
  if (static_cast<size_t>(n) < sizeof small) return append(std::string_view(small, size_t(n)));
  if (cap_ - len_ <= static_cast<size_t>(n) && !grow(static_cast<size_t>(n) + 1)) return false;
  va_start(ap, fmt);
  vsnprintf(buf_ + len_, cap_ - len_, fmt, ap);
  va_end(ap);
  len_ += static_cast<size_t>(n);
  return true;
}

}  // namespace hako
