// The JSON reader: a re2c tokenizer and a loop over an explicit stack of open containers
// (no recursion, so a deep document cannot overflow the C stack). Grammar and decisions:
// RFC 8259 and docs/JSON.md.
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "parser/json_dom_builder.h"
#include "parser/json_reader.h"
#include "parser/numbers.h"
#include "parser/utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*!re2c
  re2c:api:style = free-form;
  re2c:define:YYCTYPE = "unsigned char";
  re2c:define:YYCURSOR = "cur_";
  re2c:define:YYMARKER = "mar";
  re2c:define:YYLIMIT = "lim_";
  re2c:yyfill:enable = 0;
  re2c:eof = 0;

  int   = "-"? ("0" | [1-9] [0-9]*);
  frac  = "." [0-9]+;
  exp   = [eE] [+-]? [0-9]+;
  hex   = [0-9a-fA-F];
  plain = [\x20-\x21\x23-\x5B\x5D-\x7F];
  u8    = [\xC2-\xDF] [\x80-\xBF]
        | "\xE0" [\xA0-\xBF] [\x80-\xBF]
        | [\xE1-\xEC\xEE\xEF] [\x80-\xBF]{2}
        | "\xED" [\x80-\x9F] [\x80-\xBF]
        | "\xF0" [\x90-\xBF] [\x80-\xBF]{2}
        | [\xF1-\xF3] [\x80-\xBF]{3}
        | "\xF4" [\x80-\x8F] [\x80-\xBF]{2};
  high  = [dD] [89abAB] hex{2};
  low   = [dD] [c-fC-F] hex{2};
  bmp   = ([0-9a-cA-CefEF] hex{3}) | ([dD] [0-7] hex{2});
*/

namespace hako::json {
namespace {

enum Tok : uint8_t {
  kEnd,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kColon,
  kComma,
  kString,
  kInt,
  kDouble,
  kTrue,
  kFalse,
  kNull,
  kError,
};

const char* describe(Tok t) {
  static const char* const names[] = {
      "end of input", "'{'",      "'}'",    "'['",     "']'",    "':'",    "','",
      "a string",     "a number", "a number", "'true'", "'false'", "'null'", "an error",
  };
  return names[t];
}

// Skips bytes that need no attention inside a string: everything but '"', '\\', control
// characters and bytes >= 0x80 (those go to the tokenizer, but for the common UTF-8
// sequences). 16 bytes a step, never reading at or past `end`.
inline const char* skip_plain(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them and controls.
    __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                _mm_cmpeq_epi8(v, backslash)),
                                   _mm_cmplt_epi8(v, space));
    int mask = _mm_movemask_epi8(special);
    if (!mask) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(static_cast<unsigned>(mask));
    // The common two- and three-byte UTF-8 sequences (U+0080..U+07FF, and U+1000..U+FFFF
    // but the surrogates) are checked here; everything else goes to the tokenizer. The
    // bytes read are there: each is read only after the one before it was not the NUL.
    auto c = static_cast<unsigned char>(*p);
    auto cont = [&](int i) { return (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF && cont(1)) {
      p += 2;
    } else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && cont(1) && cont(2)) {
      p += 3;
    } else {
      return p;
    }
  }
#else
  (void)end;
#endif
  return p;
}

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

constexpr uint64_t kPow10Int[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// How many of the eight bytes of w (in memory order, little-endian) are digits before the
// first one that is not. Bytes after that one may be anything.
size_t leading_digits(uint64_t w) {
  uint64_t t = w - 0x3030303030303030ull;  // digits become 0..9
  uint64_t bad = ((t + 0x7676767676767676ull) | t) & 0x8080808080808080ull;
  return bad ? static_cast<size_t>(__builtin_ctzll(bad)) / 8 : 8;
}

// The value of the first n (< 8) digit bytes of w.
uint64_t digits(uint64_t w, size_t n) {
  if (n == 0) return 0;
  // Keep the n digits as the last of eight, with '0's before them.
  w = (w << (8 * (8 - n))) | (0x3030303030303030ull >> (8 * n));
  w -= 0x3030303030303030ull;
  w = w * 10 + (w >> 8);
  w = (((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
      32;
  return w;
}

unsigned hex_value(char c) {
  return c <= '9' ? unsigned(c - '0') : (unsigned(c) | 0x20) - 'a' + 10;
}

unsigned hex4(const char* p) {
  return hex_value(p[0]) << 12 | hex_value(p[1]) << 8 | hex_value(p[2]) << 4 | hex_value(p[3]);
}

struct Frame {
  uint32_t count;   // members or elements before the current one
  uint32_t object;  // 1 for an object
};

template <class B>
class Reader {
 public:
  Reader(std::string_view text, B& b, Error* err, const Options& opt)
      : begin_(text.data()),
        lim_(text.data() + text.size()),
        cur_(text.data()),
        b_(b),
        err_(err),
        max_depth_(opt.max_depth) {}
  ~Reader() {
    if (stack_ != inline_) hak_free(stack_);
    hak_free(scratch_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool run();

 private:
  Tok next();
  Tok string();
  Tok integer();
  Tok real();
  Tok unexpected();
  // An error at `at`; error() for the tokenizer, fail() for the parser.
  void report(const char* at, const char* fmt, va_list ap);
  Tok error(const char* at, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  bool fail(const char* at, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  bool stopped() { return fail(tok_, "%s", b_.stop_reason()); }
  bool push(uint32_t object);
  // Skips whitespace and returns the byte after it (the NUL sentinel at the end). The parser
  // checks the punctuation it expects with this before asking the tokenizer.
  char skip_ws() {
    const char* p = cur_;
    if (static_cast<unsigned char>(*p) > ' ') return *p;  // most tokens: no space before
    constexpr uint64_t kWs = 1ull << ' ' | 1ull << '\n' | 1ull << '\r' | 1ull << '\t';
    for (;;) {
      // Indentation: eight spaces at a time.
      uint64_t w;
      while (lim_ - p >= 8 && (std::memcpy(&w, p, 8), w == 0x2020202020202020ull)) p += 8;
      auto c = static_cast<unsigned char>(*p);
      if (c > ' ' || !((kWs >> c) & 1)) break;
      ++p;
    }
    cur_ = p;
    return *p;
  }
  bool append(const char* p, size_t n) {
    if (__builtin_expect(scratch_cap_ - used_ < n, 0) && !grow_scratch(n)) return false;
    if (n) std::memcpy(scratch_ + used_, p, n);  // scratch_ may still be null when n == 0
    used_ += n;
    return true;
  }
  bool grow_scratch(size_t n);
  bool append_code_point(unsigned cp);
  bool key(Tok t);

  const char* const begin_;
  const char* const lim_;
  const char* cur_;
  const char* tok_ = nullptr;  // where the current token starts
  std::string_view str_;       // the current string, decoded
  int64_t int_ = 0;
  double dbl_ = 0;
  B& b_;
  Error* err_;
  uint32_t max_depth_;
  uint32_t depth_ = 0;  // at most max_depth_
  size_t cap_ = 64;
  Frame inline_[64];
  Frame* stack_ = inline_;
  char* scratch_ = nullptr;  // decoded strings that had escapes (site json.token)
  size_t used_ = 0, scratch_cap_ = 0;
};

template <class B>
void Reader<B>::report(const char* at, const char* fmt, va_list ap) {
  if (!err_) return;
  char msg[sizeof err_->message];
  vsnprintf(msg, sizeof msg, fmt, ap);
  err_->set_at({begin_, static_cast<size_t>(lim_ - begin_)}, static_cast<size_t>(at - begin_),
               "%s", msg);
}

template <class B>
Tok Reader<B>::error(const char* at, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(at, fmt, ap);
  va_end(ap);
  return kError;
}

template <class B>
bool Reader<B>::fail(const char* at, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(at, fmt, ap);
  va_end(ap);
  return false;
}

// ---- Tokens ----------------------------------------------------------------------------

template <class B>
inline Tok Reader<B>::next() {
  skip_ws();
  for (;;) {
    tok_ = cur_;
    const char* mar;
    (void)mar;
    /*!re2c
      [ \t\n\r]+ { continue; }
      "{" { return kLBrace; }
      "}" { return kRBrace; }
      "[" { return kLBracket; }
      "]" { return kRBracket; }
      ":" { return kColon; }
      "," { return kComma; }
      "\"" { return string(); }
      int { return integer(); }
      int (frac | exp | frac exp) { return real(); }
      "true" { return kTrue; }
      "false" { return kFalse; }
      "null" { return kNull; }
      $ { return kEnd; }

      // Everything below is an error, told apart for a useful message.
      "-"? "0" [0-9]+ { return error(tok_, "leading zeros are not allowed in a number"); }
      int "." { return error(cur_, "expected a digit after the decimal point"); }
      int frac? [eE] [+-]? { return error(cur_, "expected a digit in the exponent"); }
      "-" { return error(cur_, "expected a digit after '-'"); }
      "+" { return error(tok_, "a number cannot start with '+'"); }
      "." [0-9] { return error(tok_, "a number needs a digit before the decimal point"); }
      [a-zA-Z_]+ {
        char q[48];
        quote_text({tok_, size_t(cur_ - tok_)}, 24, q, sizeof q);
        return error(tok_, "invalid literal '%s' (expected true, false or null)", q);
      }
      "\xEF\xBB\xBF" {
        if (tok_ == begin_) return error(tok_, "a byte order mark (U+FEFF) is not allowed at the start of JSON text");
        return error(tok_, "unexpected character U+FEFF");
      }
      "'" { return error(tok_, "strings take double quotes, not '"); }
      "/" { return error(tok_, "comments are not allowed in JSON"); }
      * { return unexpected(); }
    */
  }
}

template <class B>
Tok Reader<B>::unexpected() {
  auto* p = reinterpret_cast<const unsigned char*>(tok_);
  auto* end = reinterpret_cast<const unsigned char*>(lim_);
  unsigned c = *p;
  if (c == 0) return error(tok_, "unexpected NUL byte");
  if (c < 0x80) {
    if (c < 0x20 || c == 0x7f) return error(tok_, "unexpected control character U+%04X", c);
    return error(tok_, "unexpected character '%c'", c);
  }
  size_t len = utf8_sequence(p, end);
  if (!len) return error(tok_, "invalid UTF-8 (%s)", utf8_problem(p, end));
  unsigned cp = len == 2   ? (c & 0x1F) << 6 | (p[1] & 0x3F)
                : len == 3 ? (c & 0x0F) << 12 | (p[1] & 0x3F) << 6 | (p[2] & 0x3F)
                           : (c & 0x07) << 18 | (p[1] & 0x3F) << 12 | (p[2] & 0x3F) << 6 |
                                 (p[3] & 0x3F);
  return error(tok_, "unexpected character U+%04X", cp);
}

template <class B>
bool Reader<B>::grow_scratch(size_t n) {
  size_t cap = scratch_cap_ ? scratch_cap_ : 256;
  while (cap - used_ < n) {
    if (cap > SIZE_MAX / 4) return false;
    cap *= 2;
  }
  auto* s = static_cast<char*>(hak_realloc_at(scratch_, cap, HAK_SITE("json.token")));
  if (!s) return false;
  scratch_ = s;
  scratch_cap_ = cap;
  return true;
}

template <class B>
bool Reader<B>::append_code_point(unsigned cp) {
  if (__builtin_expect(scratch_cap_ - used_ < 4, 0) && !grow_scratch(4)) return false;
  used_ += utf8_encode(cp, scratch_ + used_);
  return true;
}

// After the opening quote. Plain runs are skipped 16 bytes at a time; only a string with an
// escape is copied (into scratch_), the others are views of the text.
template <class B>
Tok Reader<B>::string() {
  const char* const start = cur_;
  bool copying = false;
  const char* run = cur_;  // start of the bytes not yet copied
  for (;;) {
    cur_ = skip_plain(cur_, lim_);
    const char* at = cur_;
    const char* mar;
    (void)mar;
    unsigned cp;
    /*!re2c
      // Back to skip_plain() after non-ASCII text; plain bytes reach here only near the end.
      u8+ { continue; }
      plain+ { continue; }
      "\"" {
        if (!copying) {
          str_ = {start, size_t(at - start)};
          return kString;
        }
        if (!append(run, size_t(at - run))) return error(tok_, "out of memory");
        str_ = {scratch_, used_};
        return kString;
      }
      "\\" ["\\/] { cp = static_cast<unsigned char>(at[1]); goto escape; }
      "\\b" { cp = '\b'; goto escape; }
      "\\f" { cp = '\f'; goto escape; }
      "\\n" { cp = '\n'; goto escape; }
      "\\r" { cp = '\r'; goto escape; }
      "\\t" { cp = '\t'; goto escape; }
      "\\u" bmp { cp = hex4(at + 2); goto escape; }
      "\\u" high "\\u" low {
        cp = 0x10000 + ((hex4(at + 2) - 0xD800) << 10) + (hex4(at + 8) - 0xDC00);
        goto escape;
      }
      "\\u" high {
        return error(at, "lone surrogate \\u%.4s: a high surrogate must be followed by a \\u escape of a low surrogate", at + 2);
      }
      "\\u" low {
        return error(at, "lone surrogate \\u%.4s: a low surrogate must follow a high surrogate", at + 2);
      }
      "\\u" { return error(at, "\\u must be followed by four hex digits"); }
      "\\" {
        if (cur_ == lim_) return error(start - 1, "unterminated string");
        char q[16];
        quote_text({cur_, 1}, 1, q, sizeof q);
        return error(at, "invalid escape '\\%s'", q);
      }
      [\x00-\x1F] {
        return error(at, "control character U+%04X must be escaped in a string",
                     static_cast<unsigned>(static_cast<unsigned char>(*at)));
      }
      $ { return error(start - 1, "unterminated string"); }
      * {
        auto* p = reinterpret_cast<const unsigned char*>(at);
        return error(at, "invalid UTF-8 in a string (%s)",
                     utf8_problem(p, reinterpret_cast<const unsigned char*>(lim_)));
      }
    */
  escape:
    if (!copying) {
      copying = true;
      used_ = 0;
    }
    if (!append(run, size_t(at - run)) || !append_code_point(cp)) {
      return error(tok_, "out of memory");
    }
    run = cur_;
  }
}

// [tok_, cur_) is an integer literal.
template <class B>
Tok Reader<B>::integer() {
  const char* p = tok_;
  bool neg = *p == '-';
  p += neg;
  size_t n = static_cast<size_t>(cur_ - p);
  if (n > 19) return real();  // surely out of int64 range
  uint64_t m = 0;
  for (; p < cur_; ++p) m = m * 10 + static_cast<unsigned>(*p - '0');  // 19 digits fit
  if (m <= uint64_t{INT64_MAX}) {
    int_ = neg ? -static_cast<int64_t>(m) : static_cast<int64_t>(m);
    return kInt;
  }
  if (neg && m == uint64_t{INT64_MAX} + 1) {
    int_ = INT64_MIN;
    return kInt;
  }
  return real();
}

// [tok_, cur_) is a number that is not an int64. Clinger's fast path when the significand
// and the power of ten are both exact doubles (at most 19 digits in all, the significand at
// most 2^53, the power at most 22); std::from_chars, which is exact, for everything else.
template <class B>
Tok Reader<B>::real() {
  const char* p = tok_;
  bool neg = *p == '-';
  p += neg;
  // The common short form (up to 7 digits before and after the point, no exponent), eight
  // digits at a time: no loop, so no mispredicted loop exits.
  if (lim_ - p >= 24) {
    uint64_t w = load64(p);
    size_t ni = leading_digits(w);
    if (ni < 8 && p[ni] == '.') {
      uint64_t f = load64(p + ni + 1);
      size_t nf = leading_digits(f);
      if (nf < 8 && p + ni + 1 + nf == cur_) {
        uint64_t m = digits(w, ni) * kPow10Int[nf] + digits(f, nf);
        double d = static_cast<double>(m) / kPow10[nf];  // exact operands: correctly rounded
        dbl_ = neg ? -d : d;
        return kDouble;
      }
    }
  }
  uint64_t m = 0;
  const char* digits = p;
  for (; is_digit(*p); ++p) m = m * 10 + static_cast<unsigned>(*p - '0');
  long e10 = 0;
  size_t n = static_cast<size_t>(p - digits);
  if (*p == '.') {
    const char* frac = ++p;
    for (; is_digit(*p); ++p) m = m * 10 + static_cast<unsigned>(*p - '0');
    e10 = -static_cast<long>(p - frac);
    n += static_cast<size_t>(p - frac);
  }
  if (p < cur_) {  // the exponent
    ++p;
    bool eneg = *p == '-';
    p += *p == '-' || *p == '+';
    long x = 0;
    for (; p < cur_; ++p) {
      if (x < 100000) x = x * 10 + (*p - '0');
    }
    e10 += eneg ? -x : x;
  }
  // Leading zeros (0.000123) are counted in n but cost nothing: fewer than 20 digits cannot
  // overflow m either way.
  if (n <= 19 && m <= (uint64_t{1} << 53) && e10 >= -22 && e10 <= 22) {
    double d = static_cast<double>(m);
    d = e10 < 0 ? d / kPow10[-e10] : d * kPow10[e10];
    dbl_ = neg ? -d : d;
    return kDouble;
  }
  if (!parse_double(tok_, cur_, &dbl_)) {
    return error(tok_, "number out of range (too large for a double)");
  }
  return kDouble;
}

// ---- The parser ---------------------------------------------------------------------------

template <class B>
bool Reader<B>::push(uint32_t object) {
  if (depth_ >= max_depth_) {
    return fail(tok_, "nesting depth exceeds the limit of %u", max_depth_);
  }
  if (depth_ == cap_) {
    size_t cap = cap_ * 2;
    void* old = stack_ == inline_ ? nullptr : stack_;
    auto* s = static_cast<Frame*>(hak_realloc_at(old, cap * sizeof(Frame), HAK_SITE("json.stack")));
    if (!s) return fail(tok_, "out of memory");
    if (!old) std::memcpy(s, inline_, sizeof inline_);
    stack_ = s;
    cap_ = cap;
  }
  stack_[depth_++] = Frame{0, object};
  return true;
}

// `t` should be a key: hands it to the builder and reads the ':' after it.
template <class B>
bool Reader<B>::key(Tok t) {
  if (t != kString) {
    if (t == kError) return false;
    return fail(tok_, "expected a string key, got %s", describe(t));
  }
  if (!b_.key(str_)) return stopped();
  if (skip_ws() == ':') {
    ++cur_;
    return true;
  }
  t = next();
  if (t != kColon) {
    if (t == kError) return false;
    return fail(tok_, "expected ':' after the key, got %s", describe(t));
  }
  return true;
}

template <class B>
bool Reader<B>::run() {
  Tok t = next();
  for (;;) {
    // t starts a value.
    switch (t) {
      case kString:
        if (!b_.string(str_)) return stopped();
        break;
      case kInt:
        if (!b_.integer(int_)) return stopped();
        break;
      case kDouble:
        if (!b_.number(dbl_)) return stopped();
        break;
      case kTrue:
      case kFalse:
        if (!b_.boolean(t == kTrue)) return stopped();
        break;
      case kNull:
        if (!b_.null()) return stopped();
        break;
      case kLBracket:
        if (!push(0)) return false;
        if (!b_.begin_array()) return stopped();
        t = next();
        if (t == kRBracket) {
          --depth_;
          if (!b_.end_array(0)) return stopped();
          break;
        }
        continue;
      case kLBrace:
        if (!push(1)) return false;
        if (!b_.begin_object()) return stopped();
        t = next();
        if (t == kRBrace) {
          --depth_;
          if (!b_.end_object(0)) return stopped();
          break;
        }
        if (!key(t)) return false;
        t = next();
        continue;
      case kError:
        return false;
      default:
        return fail(tok_, "expected a value, got %s", describe(t));
    }
    // A value is complete: close containers until one wants another value.
    for (;;) {
      if (depth_ == 0) {
        t = next();
        if (t == kEnd) return true;
        if (t == kError) return false;
        return fail(tok_, "unexpected %s after the JSON value", describe(t));
      }
      Frame& f = stack_[depth_ - 1];
      char c = skip_ws();
      if (c == ',') {
        const char* comma = cur_++;
        ++f.count;
        if (f.object) {
          if (skip_ws() == '"') {
            tok_ = cur_++;
            t = string();
          } else {
            t = next();
          }
          if (t == kRBrace) return fail(comma, "trailing comma before '}'");
          if (!key(t)) return false;
          t = next();
        } else {
          t = next();
          if (t == kRBracket) return fail(comma, "trailing comma before ']'");
        }
        break;
      }
      if (c == (f.object ? '}' : ']')) {
        tok_ = cur_++;
        --depth_;
        bool ok = f.object ? b_.end_object(f.count + 1) : b_.end_array(f.count + 1);
        if (!ok) return stopped();
        continue;
      }
      t = next();
      if (t == kError) return false;
      return fail(tok_, f.object ? "expected ',' or '}' after an object member, got %s"
                                 : "expected ',' or ']' after an array element, got %s",
                  describe(t));
    }
  }
}

}  // namespace

template <class B>
bool read(std::string_view text, B& builder, Error* err, const Options& opt) {
  Reader<B> r(text, builder, err, opt);
  return r.run();
}

template bool read<Builder>(std::string_view, Builder&, Error*, const Options&);
template bool read<NullBuilder>(std::string_view, NullBuilder&, Error*, const Options&);
template bool read<DomBuilder>(std::string_view, DomBuilder&, Error*, const Options&);

bool parse(std::string_view text, Builder& b, Error* err, const Options& opt) {
  return read(text, b, err, opt);
}

bool validate(std::string_view text, Error* err, const Options& opt) {
  NullBuilder b;
  return read(text, b, err, opt);
}

}  // namespace hako::json
