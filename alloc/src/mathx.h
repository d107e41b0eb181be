// The few real functions the allocator needs (the sampler's exponential intervals and
// weights, UCB1's ln and sqrt), written here so that libhakmem.so needs no libm: a
// preloaded library's dependencies are loaded into every process (docs/ALLOCATOR.md).
// Relative error below 1e-12 for ln and 1e-9 for expm1 on the ranges used; sqrt is the
// processor's instruction.
#pragma once

#include <stdint.h>
#include <string.h>

namespace hak {

// ln(x) for x > 0 (finite): x = 2^e * m with m in [sqrt(1/2), sqrt(2)), then
// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series.
inline double ln(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;  // m in [1, 2)
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  double s = (m - 1) / (m + 1), s2 = s * s;
  // 2 (s + s^3/3 + ... + s^21/21): the next term is below 2e-18 of ln m.
  double t = 1.0 / 21;
  for (int k = 19; k >= 1; k -= 2) t = t * s2 + 1.0 / k;
  return e * 0.6931471805599453 + 2 * s * t;
}

// 1 - e^(-x) for x >= 0 (what expm1(-x) negated gives), precise for small x too.
inline double one_minus_exp_neg(double x) {
  if (x > 40) return 1;
  if (x < 0.5) {  // the series: no cancellation
    double term = x, sum = x;  // x - x^2/2! + x^3/3! - ...: 0.5^17/17! < 1e-19
    for (int k = 2; k < 18; ++k) {
      term *= -x / k;
      sum += term;
    }
    return sum;
  }
  // e^(-x) = 2^(-n) e^(-r), n = round(x / ln 2), |r| <= ln2 / 2, e^(-r) by its series.
  int n = static_cast<int>(x * 1.4426950408889634 + 0.5);
  double r = x - n * 0.6931471805599453;
  double term = 1, sum = 1;
  for (int k = 1; k < 20; ++k) {
    term *= -r / k;
    sum += term;
  }
  uint64_t bits = static_cast<uint64_t>(1023 - n) << 52;  // 2^(-n), n <= 58
  double scale;
  memcpy(&scale, &bits, sizeof scale);
  return 1 - sum * scale;
}

inline double sqrt_pos(double x) { return x > 0 ? __builtin_sqrt(x) : 0; }

}  // namespace hak
