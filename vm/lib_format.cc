// string.format(fmt, ...): C's printf conversions d i x X o c f F e E g G s %, with the
// flags - + space # 0, a width and a precision of at most two digits each (as Lua). Numbers
// are written with std::to_chars, so the result never depends on the C locale.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "vm/buffer.h"
#include "vm/builtins.h"
#include "vm/print.h"

namespace hako::vm {

namespace {

struct Spec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int width = 0;
  int precision = -1;  // none
  char conv = 0;
};

void fill_with(Buffer& b, char c, size_t n) {
  std::memset(b.end(), c, n);
  b.commit(n);
}

// Writes prefix (a sign, 0x) and body padded to the width: spaces on the left (or on the
// right with '-'), or zeros between prefix and body with '0' where zeros are allowed.
bool pad(Buffer& b, const Spec& s, std::string_view prefix, std::string_view body, bool zeros) {
  size_t n = prefix.size() + body.size();
  size_t fill = static_cast<size_t>(s.width) > n ? s.width - n : 0;
  if (!b.reserve(n + fill)) return false;
  bool zero_fill = zeros && s.zero && !s.left;
  if (!s.left && !zero_fill) fill_with(b, ' ', fill);
  b.append(prefix);
  if (zero_fill) fill_with(b, '0', fill);
  b.append(body);
  if (s.left) fill_with(b, ' ', fill);
  return true;
}

char sign_of(bool negative, const Spec& s) {
  return negative ? '-' : s.plus ? '+' : s.space ? ' ' : 0;
}

bool format_int(Buffer& b, const Spec& s, int64_t v) {
  char digits[160];
  char prefix[3] = {};
  size_t np = 0;
  uint64_t u = static_cast<uint64_t>(v);
  int base = 10;
  if (s.conv == 'd' || s.conv == 'i') {
    if (char c = sign_of(v < 0, s)) prefix[np++] = c;
    if (v < 0) u = 0 - u;
  } else if (s.conv == 'o') {
    base = 8;
  } else {
    base = 16;
    if (s.alt && u) {
      prefix[np++] = '0';
      prefix[np++] = s.conv;
    }
  }
  // The precision is the minimum number of digits (then '0' does not pad); 0 with
  // precision 0 has no digits.
  size_t n = 0;
  if (!(u == 0 && s.precision == 0))
    n = static_cast<size_t>(std::to_chars(digits + 100, digits + sizeof digits, u, base).ptr -
                            (digits + 100));
  char* p = digits + 100;
  if (s.conv == 'X')
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>(std::toupper(p[i]));
  if (s.conv == 'o' && s.alt && (n == 0 || p[0] != '0')) {
    *--p = '0';
    ++n;
  }
  for (; s.precision >= 0 && n < static_cast<size_t>(s.precision); ++n) *--p = '0';
  return pad(b, s, {prefix, np}, {p, n}, s.precision < 0);
}

bool format_float(Buffer& b, const Spec& s, double d) {
  char text[512];
  char sign[1];
  size_t ns = 0;
  if (char c = sign_of(std::signbit(d), s)) sign[ns++] = c;
  double a = std::fabs(d);
  bool upper = s.conv == 'F' || s.conv == 'E' || s.conv == 'G';
  if (!std::isfinite(a)) {
    const char* t = std::isnan(a) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    return pad(b, s, {sign, ns}, {t, 3}, false);
  }
  int prec = s.precision < 0 ? 6 : s.precision;
  char low = static_cast<char>(std::tolower(s.conv));
  auto fmt = low == 'f'   ? std::chars_format::fixed
             : low == 'e' ? std::chars_format::scientific
                          : std::chars_format::general;
  if (low == 'g' && prec == 0) prec = 1;
  size_t n =
      static_cast<size_t>(std::to_chars(text, text + sizeof text - 1, a, fmt, prec).ptr - text);
  if (s.alt && prec == 0 && low != 'g') {  // '#': always a decimal point
    char* e = static_cast<char*>(std::memchr(text, 'e', n));
    size_t at = e ? static_cast<size_t>(e - text) : n;
    std::memmove(text + at + 1, text + at, n - at);
    text[at] = '.';
    ++n;
  }
  if (upper)
    for (size_t i = 0; i < n; ++i) text[i] = static_cast<char>(std::toupper(text[i]));
  return pad(b, s, {sign, ns}, {text, n}, true);
}

// Reads a conversion spec after '%' at f[*i]; false when it is not one we know.
bool parse_spec(std::string_view f, size_t* i, Spec* s) {
  size_t p = *i;
  for (; p < f.size(); ++p) {
    char c = f[p];
    if (c == '-')
      s->left = true;
    else if (c == '+')
      s->plus = true;
    else if (c == ' ')
      s->space = true;
    else if (c == '#')
      s->alt = true;
    else if (c == '0')
      s->zero = true;
    else
      break;
  }
  auto number = [&](int* out) {
    int digits = 0;
    *out = 0;
    while (p < f.size() && f[p] >= '0' && f[p] <= '9') {
      *out = *out * 10 + (f[p++] - '0');
      ++digits;
    }
    return digits <= 2;
  };
  if (!number(&s->width)) return false;
  if (p < f.size() && f[p] == '.') {
    ++p;
    if (!number(&s->precision)) return false;
  }
  if (p >= f.size()) return false;
  s->conv = f[p++];
  *i = p;
  switch (s->conv) {
    case 'd':
    case 'i':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
    case 's':
    case 'f':
    case 'F':
    case 'e':
    case 'E':
      return true;
    case 'g':
    case 'G':
      return !s->alt;
    default:
      return false;
  }
}

}  // namespace

bool native_format(Runtime& rt, Args args, Value* ret) {
  String* fs;
  if (!args.get_string(0, &fs)) return false;
  std::string_view f = fs->view();  // an argument: alive throughout
  Buffer b(rt);
  uint32_t arg = 1;
  for (size_t i = 0; i < f.size();) {
    size_t pct = f.find('%', i);
    if (pct != i) {
      size_t end = pct == std::string_view::npos ? f.size() : pct;
      if (!b.append(f.substr(i, end - i))) return false;
      i = end;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      if (!b.append('%')) return false;
      i += 2;
      continue;
    }
    size_t start = i++;
    Spec s;
    if (!parse_spec(f, &i, &s)) {  // name the whole spec: flags, digits, conversion
      size_t e = start + 1;
      while (e < f.size() && e - start < 12 && f[e] && std::strchr("-+ #0123456789.", f[e])) ++e;
      if (e < f.size()) ++e;
      return rt.error("invalid conversion '%.*s' to 'string.format'", static_cast<int>(e - start),
                      f.data() + start);
    }
    uint32_t k = arg++;
    if (!rt.charge(1)) return false;
    bool ok;
    switch (s.conv) {
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        int64_t v;
        ok = args.get_int(k, &v) && format_int(b, s, v);
        break;
      }
      case 'c': {
        int64_t v;
        if (!args.get_int(k, &v)) return false;
        char c = static_cast<char>(v);
        ok = pad(b, s, {}, {&c, 1}, false);
        break;
      }
      case 's': {
        if (k >= args.size()) return args.bad_type(k, "value");
        Buffer text(rt);
        if (!append_value(rt, text, args[k])) return false;
        std::string_view t = text.view();
        if (s.precision >= 0 && t.size() > static_cast<size_t>(s.precision))
          t = t.substr(0, s.precision);
        ok = pad(b, s, {}, t, false);
        break;
      }
      default: {
        double d;
        ok = args.get_number(k, &d) && format_float(b, s, d);
      }
    }
    if (!ok) return false;
  }
  String* out = b.to_string();
  if (!out) return false;
  *ret = Value::string(out);
  return true;
}

}  // namespace hako::vm
