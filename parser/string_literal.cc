#include "parser/string_literal.h"

#include <cstdio>
#include <cstring>

#include "parser/error.h"
#include "parser/utf8.h"

namespace hako {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool decode_string(std::string_view raw, Arena* arena, std::string_view* out, size_t* bad_at,
                   char* msg, size_t cap) {
  const char* p = raw.data() + 1;  // after the opening quote
  const char* end = raw.data() + raw.size() - 1;
  size_t n = static_cast<size_t>(end - p);
  // Decoded text is never longer than the raw text.
  char* buf = static_cast<char*>(arena->alloc(n ? n : 1, 1));
  if (!buf) {
    *bad_at = 0;
    snprintf(msg, cap, "out of memory");
    return false;
  }
  char* o = buf;
  while (p < end) {
    const char* bs = static_cast<const char*>(std::memchr(p, '\\', static_cast<size_t>(end - p)));
    const char* stop = bs ? bs : end;
    std::memcpy(o, p, static_cast<size_t>(stop - p));
    o += stop - p;
    if (!bs) break;
    p = bs + 1;  // the lexer guarantees a character after every backslash
    auto fail = [&](const char* fmt, std::string_view text) {
      *bad_at = static_cast<size_t>(bs - raw.data());
      char q[32];
      quote_text(text, 12, q, sizeof q);
      snprintf(msg, cap, fmt, q);
      return false;
    };
    switch (*p) {
      case 'n':
        *o++ = '\n';
        ++p;
        break;
      case 't':
        *o++ = '\t';
        ++p;
        break;
      case 'r':
        *o++ = '\r';
        ++p;
        break;
      case '0':
        *o++ = '\0';
        ++p;
        break;
      case '\\':
      case '"':
      case '\'':
        *o++ = *p++;
        break;
      case 'x': {
        int hi = p + 1 < end ? hex_digit(p[1]) : -1;
        int lo = p + 2 < end ? hex_digit(p[2]) : -1;
        if (hi < 0 || lo < 0) return fail("\\x must be followed by two hex digits", {});
        *o++ = static_cast<char>(hi << 4 | lo);
        p += 3;
        break;
      }
      case 'u': {
        const char* q = p + 1;
        if (q >= end || *q != '{') return fail("\\u must be followed by {hex digits}", {});
        uint32_t cp = 0;
        int digits = 0;
        for (++q; q < end && hex_digit(*q) >= 0; ++q, ++digits) {
          if (digits < 7) cp = cp << 4 | static_cast<uint32_t>(hex_digit(*q));
        }
        std::string_view text(bs, static_cast<size_t>(q - bs) + (q < end && *q == '}'));
        if (q >= end || *q != '}' || digits == 0 || digits > 6) {
          return fail("'%s': \\u{...} takes 1 to 6 hex digits", text);
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          return fail("'%s' is a surrogate, not a character", text);
        }
        if (cp > 0x10FFFF) return fail("'%s' is past U+10FFFF, the last code point", text);
        o += utf8_encode(cp, o);
        p = q + 1;
        break;
      }
      default:
        return fail("unknown escape sequence '\\%s'", std::string_view(p, 1));
    }
  }
  *out = std::string_view(buf, static_cast<size_t>(o - buf));
  return true;
}

}  // namespace hako
