#include "vm/value_ops.h"

#include <charconv>
#include <cinttypes>
#include <cstring>

#include "parser/numbers.h"
#include "vm/array.h"
#include "vm/map.h"

namespace hako::vm {

const char* type_name(Value v) {
  static const char* const kNames[] = {"nil",    "bool",  "bool", "int",      "float",
                                       "string", "array", "map",  "function", "function"};
  return v.tag < sizeof kNames / sizeof *kNames ? kNames[v.tag] : "?";
}

// ---- Equality and order -------------------------------------------------------------------

namespace {

bool int_eq_float(int64_t i, double f) {
  int64_t fi;
  return float_to_int(f, &fi) && fi == i;
}

constexpr int64_t kMaxExactInt = int64_t{1} << 53;  // ints of at most this magnitude are floats
bool fits_float(int64_t i) { return i >= -kMaxExactInt && i <= kMaxExactInt; }

// i < f and friends, exact for every int (Lua's LTintfloat & co.).
bool lt_int_float(int64_t i, double f) {
  if (fits_float(i)) return static_cast<double>(i) < f;
  double c = std::ceil(f);  // i < f <=> i < ceil(f)
  int64_t ci;
  return float_to_int(c, &ci) ? i < ci : f > 0;
}
bool le_int_float(int64_t i, double f) {
  if (fits_float(i)) return static_cast<double>(i) <= f;
  double fl = std::floor(f);  // i <= f <=> i <= floor(f)
  int64_t fi;
  return float_to_int(fl, &fi) ? i <= fi : f > 0;
}
bool lt_float_int(double f, int64_t i) {
  if (fits_float(i)) return f < static_cast<double>(i);
  double fl = std::floor(f);  // f < i <=> floor(f) < i
  int64_t fi;
  return float_to_int(fl, &fi) ? fi < i : f < 0;
}
bool le_float_int(double f, int64_t i) {
  if (fits_float(i)) return f <= static_cast<double>(i);
  double c = std::ceil(f);  // f <= i <=> ceil(f) <= i
  int64_t ci;
  return float_to_int(c, &ci) ? ci <= i : f < 0;
}

bool compare_error(Runtime& rt, Value a, Value b) {
  return rt.error("cannot compare %s with %s", type_name(a), type_name(b));
}

}  // namespace

bool equal(Value a, Value b) {
  if (a.tag == b.tag) {
    switch (a.tag) {
      case kNil:
      case kFalse:
      case kTrue:
        return true;
      case kFloat:
        return a.f == b.f;
      case kString: {
        if (a.o == b.o) return true;
        String *x = a.as_string(), *y = b.as_string();
        if ((x->flags | y->flags) & kStrShort) return false;
        return x->lnglen == y->lnglen && std::memcmp(x->data(), y->data(), x->lnglen) == 0;
      }
      default:
        return a.bits == b.bits;
    }
  }
  if (a.tag == kInt && b.tag == kFloat) return int_eq_float(a.i, b.f);
  if (a.tag == kFloat && b.tag == kInt) return int_eq_float(b.i, a.f);
  return false;
}

bool num_lt(Value a, Value b) {
  if (a.is_int()) return b.is_int() ? a.i < b.i : lt_int_float(a.i, b.f);
  return b.is_int() ? lt_float_int(a.f, b.i) : a.f < b.f;
}

bool num_le(Value a, Value b) {
  if (a.is_int()) return b.is_int() ? a.i <= b.i : le_int_float(a.i, b.f);
  return b.is_int() ? le_float_int(a.f, b.i) : a.f <= b.f;
}

int string_compare(const String* a, const String* b) {
  size_t la = a->size(), lb = b->size();
  int c = std::memcmp(a->data(), b->data(), la < lb ? la : lb);
  if (c) return c;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

bool less_than(Runtime& rt, Value a, Value b, bool* out) {
  if (a.is_number() && b.is_number()) {
    *out = num_lt(a, b);
    return true;
  }
  if (a.is_string() && b.is_string()) {
    *out = string_compare(a.as_string(), b.as_string()) < 0;
    return true;
  }
  return compare_error(rt, a, b);
}

bool less_equal(Runtime& rt, Value a, Value b, bool* out) {
  if (a.is_number() && b.is_number()) {
    *out = num_le(a, b);
    return true;
  }
  if (a.is_string() && b.is_string()) {
    *out = string_compare(a.as_string(), b.as_string()) <= 0;
    return true;
  }
  return compare_error(rt, a, b);
}

// ---- Arithmetic ---------------------------------------------------------------------------

const char* arith_symbol(ArithOp op) {
  static const char* const kSym[] = {"+", "-", "*", "/", "//", "%", "**"};
  return kSym[static_cast<int>(op)];
}

bool arith(Runtime& rt, ArithOp op, Value a, Value b, Value* out) {
  if (a.is_int() && b.is_int()) {
    int64_t x = a.i, y = b.i;
    switch (op) {
      case ArithOp::kAdd:
        *out = Value::integer(int_add(x, y));
        return true;
      case ArithOp::kSub:
        *out = Value::integer(int_sub(x, y));
        return true;
      case ArithOp::kMul:
        *out = Value::integer(int_mul(x, y));
        return true;
      case ArithOp::kFloorDiv:
        if (y == 0) return rt.error("integer division by zero");
        *out = Value::integer(int_floordiv(x, y));
        return true;
      case ArithOp::kMod:
        if (y == 0) return rt.error("integer modulo by zero");
        *out = Value::integer(int_mod(x, y));
        return true;
      default:
        break;  // / and ** give floats
    }
  }
  if (!a.is_number() || !b.is_number()) {
    bool str = op == ArithOp::kAdd && (a.is_string() || b.is_string());
    return rt.error("bad operands for %s: %s and %s (%s)", arith_symbol(op), type_name(a),
                    type_name(b), str ? "use .. to concatenate strings" : "numbers expected");
  }
  double x = a.as_number(), y = b.as_number();
  double r = 0;
  switch (op) {
    case ArithOp::kAdd:
      r = x + y;
      break;
    case ArithOp::kSub:
      r = x - y;
      break;
    case ArithOp::kMul:
      r = x * y;
      break;
    case ArithOp::kDiv:
      r = x / y;
      break;
    case ArithOp::kFloorDiv:
      r = float_floordiv(x, y);
      break;
    case ArithOp::kMod:
      r = float_mod(x, y);
      break;
    case ArithOp::kPow:
      r = float_pow(x, y);
      break;
  }
  *out = Value::number(r);
  return true;
}

bool negate(Runtime& rt, Value a, Value* out) {
  if (a.is_int())
    *out = Value::integer(int_neg(a.i));
  else if (a.is_float())
    *out = Value::number(-a.f);
  else
    return rt.error("bad operand for unary -: %s (a number expected)", type_name(a));
  return true;
}

// ---- Concatenation ------------------------------------------------------------------------

namespace {

// The text of a number as str() writes it; n is its length.
size_t number_text(Value v, char* buf) {
  if (v.is_int()) return static_cast<size_t>(std::to_chars(buf, buf + 24, v.i).ptr - buf);
  return format_double(v.f, buf);
}

}  // namespace

bool concat(Runtime& rt, const Value* vals, uint32_t n, Value* out) {
  size_t total = 0;
  char num[kDoubleChars];
  for (uint32_t i = 0; i < n; ++i) {
    Value v = vals[i];
    if (v.is_string())
      total += v.as_string()->size();
    else if (v.is_number())
      total += number_text(v, num);
    else
      return rt.error("cannot concatenate %s %s value (.. joins strings and numbers)",
                      v.is_array() ? "an" : "a", type_name(v));
  }
  auto fill = [&](char* p) {
    for (uint32_t i = 0; i < n; ++i) {
      Value v = vals[i];
      if (v.is_string()) {
        String* s = v.as_string();
        std::memcpy(p, s->data(), s->size());
        p += s->size();
      } else {
        p += number_text(v, p);
      }
    }
  };
  String* s;
  if (total <= kShortString) {
    char buf[kShortString + kDoubleChars];
    fill(buf);
    s = rt.new_string({buf, total});
  } else {
    if (!rt.charge(static_cast<int64_t>(total >> 6))) return false;
    s = rt.new_long_string(total);  // a collection here keeps vals: they are stack slots
    if (s) fill(s->data());
  }
  if (!s) return false;
  *out = Value::string(s);
  return true;
}

// ---- Indexing -----------------------------------------------------------------------------

namespace {

// An index that must be an int: an int, or a float with an int value.
bool int_key(Value key, int64_t* i) {
  if (key.is_int()) {
    *i = key.i;
    return true;
  }
  return key.is_float() && float_to_int(key.f, i);
}

bool key_type_error(Runtime& rt, const char* what, Value key) {
  return rt.error("%s index must be an int, not %s", what, type_name(key));
}

bool cannot_index(Runtime& rt, Value obj, Value key, bool write) {
  if (key.is_string()) {
    std::string_view k = key.as_string()->view();
    return rt.error("cannot %s field '%.*s' of %s", write ? "set" : "read",
                    static_cast<int>(k.size() > 64 ? 64 : k.size()), k.data(), type_name(obj));
  }
  return rt.error("cannot index %s with %s", type_name(obj), type_name(key));
}

}  // namespace

bool get_index(Runtime& rt, Value obj, Value key, Value* out) {
  int64_t i;
  switch (obj.tag) {
    case kArray: {
      Array* a = obj.as_array();
      if (!int_key(key, &i)) return key_type_error(rt, "array", key);
      if (static_cast<uint64_t>(i) >= a->len) return index_error(rt, i, a->len);
      *out = a->items[i];
      return true;
    }
    case kMap:
      *out = map_get(rt, obj.as_map(), key);
      return true;
    case kString: {
      String* s = obj.as_string();
      if (key.is_string()) {  // a method: "abc":upper() is string.upper("abc")
        *out = map_get(rt, rt.string_methods(), key);
        return true;
      }
      if (!int_key(key, &i)) return key_type_error(rt, "string", key);
      if (static_cast<uint64_t>(i) >= s->size()) return index_error(rt, i, s->size(), "string");
      String* c = rt.new_string({s->data() + i, 1});
      if (!c) return false;
      *out = Value::string(c);
      return true;
    }
    default:
      return cannot_index(rt, obj, key, false);
  }
}

bool set_index(Runtime& rt, Value obj, Value key, Value v) {
  switch (obj.tag) {
    case kMap:
      return map_set(rt, obj.as_map(), key, v);
    case kArray: {
      Array* a = obj.as_array();
      int64_t i;
      if (!int_key(key, &i)) return key_type_error(rt, "array", key);
      if (static_cast<uint64_t>(i) < a->len) {
        a->items[i] = v;
        return true;
      }
      if (i == a->len) return array_push(rt, a, v);
      return index_error(rt, i, a->len);
    }
    case kString:
      return rt.error("cannot assign into a string (strings are immutable)");
    default:
      return cannot_index(rt, obj, key, true);
  }
}

int iter_next(Runtime& rt, Value obj, uint32_t* pos, Value* k, Value* v) {
  if (obj.is_array()) {
    Array* a = obj.as_array();
    if (*pos >= a->len) return 0;
    *k = Value::integer(*pos);
    *v = a->items[(*pos)++];
    return 1;
  }
  if (obj.is_map()) return map_next(obj.as_map(), pos, k, v) ? 1 : 0;
  rt.error("cannot iterate over %s (for-in takes an array or a map)", type_name(obj));
  return -1;
}

}  // namespace hako::vm
