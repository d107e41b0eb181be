// Hako's number semantics, in one place: the constant folder (vm/mir/fold.cc) computes with
// these functions, and the interpreter should too, so that folding never changes a result.
// docs/LANGUAGE.md ("Values and types") and docs/BYTECODE.md ("Arithmetic") state the rules:
// int + - * // % wrap around (two's complement, like Lua 5.4); / and ** give floats; // and %
// floor; an int mixed with a float is converted to float first.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace hako::arith {

inline int64_t add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline int64_t neg(int64_t a) { return static_cast<int64_t>(0u - static_cast<uint64_t>(a)); }

// Floor division; b != 0 (integer division by zero is a runtime error, never folded).
inline int64_t idiv(int64_t a, int64_t b) {
  if (b == -1) return neg(a);  // INT64_MIN // -1 wraps to INT64_MIN
  int64_t q = a / b;
  if ((a % b != 0) && ((a ^ b) < 0)) q -= 1;
  return q;
}
// Floor modulo: the result has the sign of b; b != 0.
inline int64_t mod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && (r ^ b) < 0) r += b;
  return r;
}

inline double fdiv(double a, double b) { return a / b; }
inline double fidiv(double a, double b) { return std::floor(a / b); }
// Lua 5.4's luai_nummod: fmod, then moved towards b's sign.
inline double fmod(double a, double b) {
  double m = std::fmod(a, b);
  if ((m > 0) ? b < 0 : (m < 0 && b != m)) m += b;
  return m;
}
inline double pow(double a, double b) { return b == 2 ? a * a : std::pow(a, b); }

// ---- Comparing ints with floats exactly (no rounding of the int) --------------------------

// 2^63 as a double: every double >= this is above every int64.
constexpr double kTwo63 = 9223372036854775808.0;

// The int64 equal to f, when f is integral and in range.
inline bool float_to_int(double f, int64_t* out) {
  if (!(f >= -kTwo63 && f < kTwo63)) return false;  // also rejects NaN
  auto i = static_cast<int64_t>(f);
  if (static_cast<double>(i) != f) return false;
  *out = i;
  return true;
}

inline bool eq_int_float(int64_t i, double f) {
  int64_t fi;
  return float_to_int(f, &fi) && fi == i;
}
// i < f
inline bool lt_int_float(int64_t i, double f) {
  if (std::isnan(f)) return false;
  if (f >= kTwo63) return true;
  if (f < -kTwo63) return false;
  double c = std::ceil(f);  // i < f  <=>  i < ceil(f), and ceil(f) is in range here
  return c >= kTwo63 || i < static_cast<int64_t>(c);
}
// i <= f
inline bool le_int_float(int64_t i, double f) {
  if (std::isnan(f)) return false;
  if (f >= kTwo63) return true;
  if (f < -kTwo63) return false;
  return i <= static_cast<int64_t>(std::floor(f));
}
// f < i
inline bool lt_float_int(double f, int64_t i) {
  if (std::isnan(f)) return false;
  if (f >= kTwo63) return false;
  if (f < -kTwo63) return true;
  return static_cast<int64_t>(std::floor(f)) < i;
}
// f <= i
inline bool le_float_int(double f, int64_t i) {
  if (std::isnan(f)) return false;
  if (f >= kTwo63) return false;
  if (f < -kTwo63) return true;
  double c = std::ceil(f);
  return c < kTwo63 && static_cast<int64_t>(c) <= i;
}

// Byte order, a prefix first.
inline int compare_bytes(const char* a, size_t na, const char* b, size_t nb) {
  int c = std::memcmp(a, b, na < nb ? na : nb);
  if (c != 0) return c;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

// ---- range(start, stop, step) ---------------------------------------------------------------

// The values of range(start, stop, step) are start, start + step, ... while < stop (step > 0)
// or > stop (step < 0); step != 0. Returns how many there are (as FORPREP counts them,
// without overflow).
inline uint64_t range_count(int64_t start, int64_t stop, int64_t step) {
  auto us = static_cast<uint64_t>(start), ue = static_cast<uint64_t>(stop);
  if (step > 0) {
    if (start >= stop) return 0;
    return (ue - us - 1) / static_cast<uint64_t>(step) + 1;
  }
  if (start <= stop) return 0;
  return (us - ue - 1) / (0u - static_cast<uint64_t>(step)) + 1;
}

}  // namespace hako::arith
