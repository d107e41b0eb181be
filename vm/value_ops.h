// The operators of the language on values (docs/LANGUAGE.md, "Values and types"): what
// the interpreter does for an instruction once its inline fast path (int + int, a string
// key in a small map, ...) does not apply, with the runtime errors' messages.
#pragma once

#include <cmath>

#include "vm/runtime.h"

namespace hako::vm {

// ==: nil, bools, numbers (1 == 1.0, exactly, even past 2^53) and strings by value; other
// objects by identity. NaN equals nothing.
bool equal(Value a, Value b);

// Integer arithmetic wraps (two's complement); // and % floor, as in Lua 5.4.
inline int64_t int_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t int_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t int_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline int64_t int_neg(int64_t a) { return static_cast<int64_t>(0 - static_cast<uint64_t>(a)); }
// b != 0.
inline int64_t int_floordiv(int64_t a, int64_t b) {
  if (b == -1) return int_neg(a);  // INT64_MIN / -1 would trap
  int64_t q = a / b;
  if ((a % b != 0) && ((a ^ b) < 0)) --q;
  return q;
}
inline int64_t int_mod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t m = a % b;
  if (m != 0 && (m ^ b) < 0) m += b;
  return m;
}
inline double float_floordiv(double a, double b) { return std::floor(a / b); }
inline double float_mod(double a, double b) {
  double m = std::fmod(a, b);
  if ((m > 0) ? b < 0 : (m < 0 && b != m)) m += b;
  return m;
}
inline double float_pow(double a, double b) { return b == 2 ? a * a : std::pow(a, b); }

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
const char* arith_symbol(ArithOp op);  // "+", "//", ...

// Any operand types: numbers give the result, anything else raises "bad operands for +:
// string and int (use .. to concatenate strings)"; int // 0 and int % 0 raise too.
bool arith(Runtime& rt, ArithOp op, Value a, Value b, Value* out);
bool negate(Runtime& rt, Value a, Value* out);

// < and <= on two numbers (exact across int and float) or two strings (byte order);
// anything else raises "cannot compare int with string".
bool less_than(Runtime& rt, Value a, Value b, bool* out);
bool less_equal(Runtime& rt, Value a, Value b, bool* out);
bool num_lt(Value a, Value b);  // both numbers
bool num_le(Value a, Value b);
int string_compare(const String* a, const String* b);  // <0, 0, >0

// a .. b .. c: vals[0, n) are strings or numbers (numbers as str() writes them). vals must
// stay alive (stack slots).
bool concat(Runtime& rt, const Value* vals, uint32_t n, Value* out);

// obj[key]: arrays (int index; out of range is an error), maps (missing keys read nil),
// strings (s[i] is a one-byte string; s.name is string.name, so "abc":upper() works).
bool get_index(Runtime& rt, Value obj, Value key, Value* out);
// obj[key] = v: maps, arrays (index len appends); anything else raises.
bool set_index(Runtime& rt, Value obj, Value key, Value v);

// for-in: the next key (index) and value of an array or a map from *pos (which starts at
// 0). 1: one more; 0: the end; -1: an error was raised (not iterable).
int iter_next(Runtime& rt, Value obj, uint32_t* pos, Value* k, Value* v);

}  // namespace hako::vm
