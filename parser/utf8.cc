#include "parser/utf8.h"

#include <cstring>

namespace hako {

size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  unsigned c = p[0];
  auto cont = [&](size_t i, unsigned lo, unsigned hi) {
    return p + i < end && p[i] >= lo && p[i] <= hi;
  };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

const char* utf8_problem(const unsigned char* p, const unsigned char* end) {
  unsigned c = p[0];
  if (c >= 0x80 && c <= 0xBF) return "a continuation byte without a lead byte";
  if (c == 0xC0 || c == 0xC1) return "overlong encoding";
  if (c >= 0xF5) return "byte that never appears in UTF-8";
  size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  for (size_t i = 1; i < want; ++i) {
    if (p + i >= end || p[i] < 0x80 || p[i] > 0xBF) return "truncated sequence";
  }
  if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xF0 && p[1] < 0x90)) return "overlong encoding";
  if (c == 0xED && p[1] > 0x9F) return "encoded surrogate";
  if (c == 0xF4 && p[1] > 0x8F) return "code point above U+10FFFF";
  return "invalid sequence";
}

size_t utf8_invalid_at(const char* s, size_t n) {
  auto* p = reinterpret_cast<const unsigned char*>(s);
  auto* end = p + n;
  while (p < end) {
    // Eight ASCII bytes at a time.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p == end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    size_t len = utf8_sequence(p, end);
    if (!len) return static_cast<size_t>(p - reinterpret_cast<const unsigned char*>(s));
    p += len;
  }
  return n;
}

}  // namespace hako
