// Hako values: a 16-byte tagged union {payload, tag}, like Lua's TValue. Full 64-bit ints
// and doubles live in the payload unboxed; objects are pointers to GC-managed memory.
// Two words fit in two registers (the x86-64 and AArch64 ABIs pass and return them so),
// and a zero-filled Value is nil. docs/VM.md explains the choice over NaN-boxing.
#pragma once

#include <cstdint>
#include <cstring>

namespace hako::vm {

// Tags: the Value kinds, then the object types that are never values. An object's
// Obj::type equals the tag of a Value that points at it. false and true are two tags so
// that truthiness is one compare (tag > kFalse).
enum Tag : uint8_t {
  kNil = 0,
  kFalse,
  kTrue,
  kInt,
  kFloat,
  kString,  // first collectable tag
  kArray,
  kMap,
  kClosure,
  kNative,
  kBox,    // a captured variable: held by registers and closures, never by Hako values
  kProto,  // never held by a Value
  kTagCount,
};
constexpr uint8_t kFirstObject = kString;

struct Obj;
struct String;
struct Array;
struct Map;
struct Closure;
struct Native;
struct Box;

struct Value {
  union {
    int64_t i;
    double f;
    Obj* o;
    uint64_t bits;
  };
  // A Tag, stored as a whole word: every store of a tag writes all eight bytes, so a later
  // load of them (a Value copied or passed in two registers) is forwarded from the store.
  // A one-byte tag store followed by an eight-byte load stalls store-to-load forwarding
  // (~12 cycles), which cost the interpreter a third of its time.
  uint64_t tag;

  constexpr Value() : bits(0), tag(kNil) {}

  static constexpr Value nil() { return Value(); }
  static constexpr Value boolean(bool b) {
    Value v;
    v.tag = kFalse + static_cast<uint64_t>(b);
    return v;
  }
  static constexpr Value integer(int64_t x) {
    Value v;
    v.i = x;
    v.tag = kInt;
    return v;
  }
  static constexpr Value number(double x) {
    Value v;
    v.f = x;
    v.tag = kFloat;
    return v;
  }
  static Value object(Obj* p, uint64_t type) {
    Value v;
    v.o = p;
    v.tag = type;
    return v;
  }
  static Value string(String* s) { return object(reinterpret_cast<Obj*>(s), kString); }
  static Value array(Array* a) { return object(reinterpret_cast<Obj*>(a), kArray); }
  static Value map(Map* m) { return object(reinterpret_cast<Obj*>(m), kMap); }
  static Value closure(Closure* c) { return object(reinterpret_cast<Obj*>(c), kClosure); }
  static Value native(Native* n) { return object(reinterpret_cast<Obj*>(n), kNative); }
  static Value box(Box* b) { return object(reinterpret_cast<Obj*>(b), kBox); }
  static Value object(Obj* p);  // the tag from p->type (object.h)

  bool is_nil() const { return tag == kNil; }
  bool is_bool() const { return tag - kFalse <= 1; }
  bool is_int() const { return tag == kInt; }
  bool is_float() const { return tag == kFloat; }
  bool is_number() const { return tag - kInt <= 1; }
  bool is_string() const { return tag == kString; }
  bool is_array() const { return tag == kArray; }
  bool is_map() const { return tag == kMap; }
  bool is_closure() const { return tag == kClosure; }
  bool is_native() const { return tag == kNative; }
  bool is_function() const { return tag - kClosure <= 1; }
  bool is_object() const { return tag >= kFirstObject; }
  bool truthy() const { return tag > kFalse; }

  bool as_bool() const { return tag == kTrue; }
  double as_number() const { return tag == kInt ? static_cast<double>(i) : f; }
  String* as_string() const { return reinterpret_cast<String*>(o); }
  Array* as_array() const { return reinterpret_cast<Array*>(o); }
  Map* as_map() const { return reinterpret_cast<Map*>(o); }
  Closure* as_closure() const { return reinterpret_cast<Closure*>(o); }
  Native* as_native() const { return reinterpret_cast<Native*>(o); }
  Box* as_box() const { return reinterpret_cast<Box*>(o); }

  // Same tag and same payload bits: identity for objects, exact equality for ints and for
  // floats other than NaN and -0.0 (see equal() in value_ops.h for ==).
  bool same(Value b) const { return tag == b.tag && bits == b.bits; }
};
static_assert(sizeof(Value) == 16, "a Value is two words");

// The name type() returns: "nil", "bool", "int", "float", "string", "array", "map",
// "function".
const char* type_name(Value v);

// A float whose value is an integer in int64 range converts to that int (1.0 -> 1, -0.0 ->
// 0); false for fractions, NaN, infinities and out-of-range values.
inline bool float_to_int(double d, int64_t* out) {
  // [-2^63, 2^63): the upper bound is exactly representable, and excluded.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  auto i = static_cast<int64_t>(d);
  if (static_cast<double>(i) != d) return false;
  *out = i;
  return true;
}

}  // namespace hako::vm
