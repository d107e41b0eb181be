#include "parser/numbers.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

namespace hako {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// from_chars reports overflow and underflow alike; tell them apart by the decimal exponent
// of the first significant digit (the text is known to be a well-formed number).
bool underflows(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  long mag = 0;
  bool found = false;
  const char* int_begin = p;
  while (p < end && is_digit(*p)) ++p;
  for (const char* q = int_begin; q < p; ++q) {
    if (*q != '0') {
      mag = static_cast<long>(p - q) - 1;
      found = true;
      break;
    }
  }
  if (p < end && *p == '.') {
    ++p;
    const char* frac = p;
    while (p < end && is_digit(*p)) {
      if (!found && *p != '0') {
        mag = -static_cast<long>(p - frac) - 1;
        found = true;
      }
      ++p;
    }
  }
  long exp = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool neg = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) ++p;
    for (; p < end && is_digit(*p); ++p) {
      if (exp < 1000000000) exp = exp * 10 + (*p - '0');
    }
    if (neg) exp = -exp;
  }
  return mag + exp < 0;
}

}  // namespace

bool parse_double(const char* begin, const char* end, double* out) {
  double d = 0;
  auto r = std::from_chars(begin, end, d, std::chars_format::general);
  if (r.ec == std::errc()) {
    *out = d;
    return true;
  }
  if (r.ec == std::errc::result_out_of_range && underflows(begin, end)) {
    *out = *begin == '-' ? -0.0 : 0.0;
    return true;
  }
  return false;
}

size_t format_double(double d, char* buf) {
  if (!std::isfinite(d)) {
    std::string_view s = std::isnan(d) ? "nan" : d < 0 ? "-inf" : "inf";
    s.copy(buf, s.size());
    return s.size();
  }
  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  char sci[kDoubleChars];
  char* e = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific).ptr;
  const char* p = sci;
  size_t o = 0;
  if (*p == '-') buf[o++] = *p++;
  char digits[20];
  int nd = 0;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[nd++] = *p;
  }
  int exp = 0;
  std::from_chars(p + 1 + (p[1] == '+'), e, exp);
  int decpt = exp + 1;  // the value is 0.DIGITS * 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      buf[o++] = '0';
      buf[o++] = '.';
      for (int i = 0; i < -decpt; ++i) buf[o++] = '0';
      for (int i = 0; i < nd; ++i) buf[o++] = digits[i];
    } else if (decpt >= nd) {
      for (int i = 0; i < nd; ++i) buf[o++] = digits[i];
      for (int i = nd; i < decpt; ++i) buf[o++] = '0';
      buf[o++] = '.';
      buf[o++] = '0';
    } else {
      for (int i = 0; i < decpt; ++i) buf[o++] = digits[i];
      buf[o++] = '.';
      for (int i = decpt; i < nd; ++i) buf[o++] = digits[i];
    }
    return o;
  }
  buf[o++] = digits[0];
  if (nd > 1) {
    buf[o++] = '.';
    for (int i = 1; i < nd; ++i) buf[o++] = digits[i];
  }
  buf[o++] = 'e';
  buf[o++] = exp < 0 ? '-' : '+';
  int a = exp < 0 ? -exp : exp;
  if (a < 10) buf[o++] = '0';
  o = static_cast<size_t>(std::to_chars(buf + o, buf + kDoubleChars, a).ptr - buf);
  return o;
}

}  // namespace hako
