// UTF-8 helpers (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hako {

// Writes the UTF-8 form of `cp` (a scalar value: not a surrogate, at most U+10FFFF) into
// out[0..4); returns its length.
inline size_t utf8_encode(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// The length of the well-formed UTF-8 sequence at p (p < end), or 0 when it is not one.
size_t utf8_sequence(const unsigned char* p, const unsigned char* end);

// Why the bytes at p do not start a well-formed sequence (for error messages), e.g.
// "overlong encoding", "encoded surrogate", "truncated sequence".
const char* utf8_problem(const unsigned char* p, const unsigned char* end);

// The offset of the first byte that is not part of well-formed UTF-8, or n when all is.
size_t utf8_invalid_at(const char* s, size_t n);

}  // namespace hako
