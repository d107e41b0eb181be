// The math module. random is Lua 5.4's generator, bit for bit: xoshiro256** seeded as
// math.randomseed(n) seeds it, so a Hako program and its Lua twin draw the same numbers
// (random(m, n) here is Lua's math.random(m, n - 1)).
#include <cmath>

#include "vm/builtins.h"
#include "vm/map.h"
#include "vm/value_ops.h"

namespace hako::vm {

namespace {

uint64_t rotl(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

uint64_t next_random(uint64_t* s) {
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

// A random value in [0, n], without bias (Lua's `project`).
uint64_t project(uint64_t r, uint64_t n, uint64_t* s) {
  if ((n & (n + 1)) == 0) return r & n;  // n + 1 is a power of two
  uint64_t lim = n;
  lim |= lim >> 1;
  lim |= lim >> 2;
  lim |= lim >> 4;
  lim |= lim >> 8;
  lim |= lim >> 16;
  lim |= lim >> 32;
  while ((r &= lim) > n) r = next_random(s);
  return r;
}

bool number_arg(Args args, double* x) { return args.get_number(0, x); }

template <double (*F)(double)>
bool unary(Runtime&, Args args, Value* ret) {
  double x;
  if (!number_arg(args, &x)) return false;
  *ret = Value::number(F(x));
  return true;
}

double m_sqrt(double x) { return std::sqrt(x); }
double m_sin(double x) { return std::sin(x); }
double m_cos(double x) { return std::cos(x); }
double m_tan(double x) { return std::tan(x); }
double m_exp(double x) { return std::exp(x); }

bool math_atan(Runtime&, Args args, Value* ret) {
  double y, x = 1;
  if (!args.get_number(0, &y) || (!args[1].is_nil() && !args.get_number(1, &x))) return false;
  *ret = Value::number(std::atan2(y, x));
  return true;
}

bool math_log(Runtime&, Args args, Value* ret) {
  double x, b;
  if (!args.get_number(0, &x)) return false;
  if (args[1].is_nil()) {
    *ret = Value::number(std::log(x));
    return true;
  }
  if (!args.get_number(1, &b)) return false;
  double r = b == 2 ? std::log2(x) : b == 10 ? std::log10(x) : std::log(x) / std::log(b);
  *ret = Value::number(r);
  return true;
}

// floor and ceil give an int when the result fits one (Lua's math.floor).
template <double (*F)(double)>
bool rounding(Runtime&, Args args, Value* ret) {
  Value v = args[0];
  if (v.is_int()) {
    *ret = v;
    return true;
  }
  double x;
  if (!number_arg(args, &x)) return false;
  double r = F(x);
  int64_t i;
  *ret = float_to_int(r, &i) ? Value::integer(i) : Value::number(r);
  return true;
}
double m_floor(double x) { return std::floor(x); }
double m_ceil(double x) { return std::ceil(x); }

bool math_abs(Runtime&, Args args, Value* ret) {
  Value v = args[0];
  if (v.is_int()) {
    *ret = Value::integer(v.i < 0 ? int_neg(v.i) : v.i);
    return true;
  }
  double x;
  if (!number_arg(args, &x)) return false;
  *ret = Value::number(std::fabs(x));
  return true;
}

// min/max: the first of the smallest (largest) arguments, unchanged (an int stays an int).
template <bool Max>
bool min_max(Runtime&, Args args, Value* ret) {
  double unused;
  if (!args.get_number(0, &unused)) return false;
  Value best = args[0];
  for (uint32_t i = 1; i < args.size(); ++i) {
    if (!args.get_number(i, &unused)) return false;
    if (Max ? num_lt(best, args[i]) : num_lt(args[i], best)) best = args[i];
  }
  *ret = best;
  return true;
}

// fmod: C's fmod for floats; for two ints the remainder truncated toward zero, and a zero
// divisor is an error (Lua's math.fmod).
bool math_fmod(Runtime&, Args args, Value* ret) {
  Value a = args[0], b = args[1];
  if (a.is_int() && b.is_int()) {
    if (b.i == 0) return args.bad_arg(1, "zero");
    *ret = Value::integer(b.i == -1 ? 0 : a.i % b.i);
    return true;
  }
  double x, y;
  if (!args.get_number(0, &x) || !args.get_number(1, &y)) return false;
  *ret = Value::number(std::fmod(x, y));
  return true;
}

// random() in [0, 1); random(n) in [0, n); random(m, n) in [m, n).
bool math_random(Runtime& rt, Args args, Value* ret) {
  uint64_t r = next_random(rt.rng);
  if (args.size() == 0) {
    *ret = Value::number(static_cast<double>(r >> 11) * 0x1.0p-53);
    return true;
  }
  int64_t lo = 0, hi;
  if (args.size() == 1) {
    if (!args.get_int(0, &hi)) return false;
  } else if (!args.get_int(0, &lo) || !args.get_int(1, &hi)) {
    return false;
  }
  if (lo >= hi) return args.bad_arg(0, "interval is empty");
  uint64_t n = uint64_t(hi) - uint64_t(lo) - 1;
  *ret = Value::integer(static_cast<int64_t>(project(r, n, rt.rng) + uint64_t(lo)));
  return true;
}

bool math_seed(Runtime& rt, Args args, Value*) {
  int64_t n;
  if (!args.get_int(0, &n)) return false;
  seed_random(rt, n);
  return true;
}

const NativeReg kMath[] = {
    {"sqrt", unary<m_sqrt>}, {"sin", unary<m_sin>},        {"cos", unary<m_cos>},
    {"tan", unary<m_tan>},   {"atan", math_atan},          {"exp", unary<m_exp>},
    {"log", math_log},       {"floor", rounding<m_floor>}, {"ceil", rounding<m_ceil>},
    {"abs", math_abs},       {"min", min_max<false>},      {"max", min_max<true>},
    {"fmod", math_fmod},     {"random", math_random},      {"seed", math_seed},
};

}  // namespace

void seed_random(Runtime& rt, int64_t n) {
  rt.rng[0] = static_cast<uint64_t>(n);
  rt.rng[1] = 0xff;  // never an all-zero state
  rt.rng[2] = 0;
  rt.rng[3] = 0;
  for (int i = 0; i < 16; ++i) next_random(rt.rng);  // spread the seed
}

bool open_math(Runtime& rt) {
  seed_random(rt, rt.options().random_seed);
  Map* m;
  return open_lib(rt, "math", kMath, &m) && set_field(rt, m, "pi", Value::number(M_PI)) &&
         set_field(rt, m, "huge", Value::number(HUGE_VAL));
}

}  // namespace hako::vm
