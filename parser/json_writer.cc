#include "parser/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include "parser/numbers.h"
#include "parser/utf8.h"

namespace hako::json {

Writer::~Writer() { hak_free(buf_); }

void Writer::clear() {
  len_ = 0;
  depth_ = 0;
  first_ = true;
  after_key_ = false;
  error_ = nullptr;
}

bool Writer::grow(size_t n) {
  size_t cap = cap_ ? cap_ : 256;
  while (cap - len_ < n) {
    if (cap > SIZE_MAX / 2) return fail("out of memory");
    cap *= 2;
  }
  auto* b = static_cast<char*>(hak_realloc_at(buf_, cap, HAK_SITE("json.output")));
  if (!b) return fail("out of memory");
  buf_ = b;
  cap_ = cap;
  return true;
}

bool Writer::raw(const char* s, size_t n) {
  if (!reserve(n)) return false;
  std::memcpy(buf_ + len_, s, n);
  len_ += n;
  return true;
}

bool Writer::newline() {
  size_t n = 1 + size_t(depth_) * size_t(indent_);
  if (!reserve(n)) return false;
  buf_[len_] = '\n';
  std::memset(buf_ + len_ + 1, ' ', n - 1);
  len_ += n;
  return true;
}

// The separator before a value (or a key): a comma after an earlier item, and in indented
// mode a new line at the current depth.
bool Writer::before_value() {
  if (error_) return false;
  if (after_key_) {
    after_key_ = false;
    return true;
  }
  if (depth_ == 0) {
    if (!first_) return fail("a second value at the top level");
    first_ = false;
    return true;
  }
  if (!first_ && !raw(",", 1)) return false;
  first_ = false;
  return indent_ < 0 || newline();
}

bool Writer::null() { return before_value() && raw("null", 4); }

bool Writer::boolean(bool b) { return before_value() && (b ? raw("true", 4) : raw("false", 5)); }

bool Writer::integer(int64_t i) {
  if (!before_value() || !reserve(24)) return false;
  len_ = static_cast<size_t>(std::to_chars(buf_ + len_, buf_ + cap_, i).ptr - buf_);
  return true;
}

bool Writer::number(double d) {
  if (!std::isfinite(d)) return fail("NaN and infinity cannot be written as JSON");
  if (!before_value() || !reserve(kDoubleChars)) return false;
  len_ += format_double(d, buf_ + len_);
  return true;
}

bool Writer::string(std::string_view s) { return before_value() && quoted(s); }

bool Writer::quoted(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  // Worst case: every byte becomes \u00XX.
  if (s.size() > (SIZE_MAX - 2) / 6) return fail("out of memory");
  if (!reserve(s.size() * 6 + 2)) return false;
  char* o = buf_ + len_;
  *o++ = '"';
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    // Eight bytes at a time up to the first that needs a look: a control byte, a quote, a
    // backslash or a non-ASCII byte (the classic "has a zero byte" bit trick, on the bytes
    // XORed with each special one). Its false positives are only ever above a true one, so
    // the lowest flagged byte is the first special byte.
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      uint64_t q = w ^ (kOnes * '"'), b = w ^ (kOnes * '\\');
      uint64_t special =
          (w | ((w - kOnes * 0x20) & ~w) | ((q - kOnes) & ~q) | ((b - kOnes) & ~b)) & kHigh;
      std::memcpy(o, p, 8);  // the bytes past the special one are written again after it
      if (special) {
        size_t n = static_cast<size_t>(__builtin_ctzll(special)) / 8;
        o += n;
        p += n;
        break;
      }
      o += 8;
      p += 8;
    }
    if (p == end) break;
    unsigned c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      *o++ = static_cast<char>(c);
      ++p;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8_sequence(p, end);
      if (!n) return fail("a string is not valid UTF-8");
      std::memcpy(o, p, n);
      o += n;
      p += n;
      continue;
    }
    // '"', '\\' and control characters: the short escapes where JSON has one.
    static const char kShort[] = "uuuuuuuubtnufruuuuuuuuuuuuuuuuuu";
    *o++ = '\\';
    if (c == '"' || c == '\\') {
      *o++ = static_cast<char>(c);
    } else if (kShort[c] != 'u') {
      *o++ = kShort[c];
    } else {
      o[0] = 'u';
      o[1] = o[2] = '0';
      o[3] = hex[c >> 4];
      o[4] = hex[c & 15];
      o += 5;
    }
    ++p;
  }
  *o++ = '"';
  len_ = static_cast<size_t>(o - buf_);
  return true;
}

bool Writer::begin_array() {
  if (!before_value() || !raw("[", 1)) return false;
  ++depth_;
  first_ = true;
  return true;
}

bool Writer::begin_object() {
  if (!before_value() || !raw("{", 1)) return false;
  ++depth_;
  first_ = true;
  return true;
}

bool Writer::end_array() {
  if (error_) return false;
  if (depth_ == 0 || after_key_) return fail("end_array without an open array");
  --depth_;
  if (!first_ && indent_ >= 0 && !newline()) return false;
  first_ = false;
  return raw("]", 1);
}

bool Writer::end_object() {
  if (error_) return false;
  if (depth_ == 0 || after_key_) return fail("end_object without an open object");
  --depth_;
  if (!first_ && indent_ >= 0 && !newline()) return false;
  first_ = false;
  return raw("}", 1);
}

bool Writer::key(std::string_view k) {
  if (after_key_) return fail("two keys in a row");
  if (!before_value() || !quoted(k)) return false;
  if (!(indent_ < 0 ? raw(":", 1) : raw(": ", 2))) return false;
  after_key_ = true;
  return true;
}

bool Writer::value(const Value& root) {
  // An explicit stack of open containers and the next child to write.
  struct Open {
    const Value* v;
    size_t next;
  };
  std::vector<Open, hak::allocator<Open, "json.stack">> stack;
  const Value* v = &root;
  for (;;) {
    bool ok = true;
    switch (v->type()) {
      case Type::Null:
        ok = null();
        break;
      case Type::Bool:
        ok = boolean(v->as_bool());
        break;
      case Type::Int:
        ok = integer(v->as_int());
        break;
      case Type::Double:
        ok = number(v->as_double());
        break;
      case Type::String:
        ok = string(v->as_string());
        break;
      case Type::Array:
        ok = begin_array();
        stack.push_back({v, 0});
        break;
      case Type::Object:
        ok = begin_object();
        stack.push_back({v, 0});
        break;
    }
    if (!ok) return false;
    // Find the next value to write, closing finished containers.
    v = nullptr;
    while (!v && !stack.empty()) {
      Open& top = stack.back();
      if (top.next == top.v->size()) {
        ok = top.v->type() == Type::Array ? end_array() : end_object();
        if (!ok) return false;
        stack.pop_back();
      } else if (top.v->type() == Type::Array) {
        v = &(*top.v)[top.next++];
      } else {
        const Member& m = top.v->member(top.next++);
        if (!key(m.key.as_string())) return false;
        v = &m.value;
      }
    }
    if (!v) return true;
  }
}

}  // namespace hako::json
