// A JSON document in memory (for tests, tools and the benchmark; Hako values are built
// by the VM's own builder). Values are 16 bytes; strings, arrays and objects live in three
// arenas of the Document (sites json.string, json.array, json.object), so building one is a
// pointer bump, and the whole document goes away at once. Objects keep document order;
// a duplicated key keeps its first position and its last value (docs/JSON.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/arena.h"
#include "parser/json.h"

namespace hako::json {

enum class Type : uint8_t { Null, Bool, Int, Double, String, Array, Object };
const char* type_name(Type t);

struct Member;

class Value {
 public:
  Value() : type_(Type::Null) { u_.i = 0; }
  static Value boolean(bool b) { return Value(Type::Bool, b ? 1 : 0, 0); }
  static Value integer(int64_t i) { return Value(Type::Int, i, 0); }
  static Value number(double d) {
    Value v(Type::Double, 0, 0);
    v.u_.d = d;
    return v;
  }
  // Views of memory owned elsewhere (a Document's arenas): the Value does not own them.
  static Value string_ref(const char* s, uint32_t n) {
    Value v(Type::String, 0, n);
    v.u_.s = s;
    return v;
  }
  static Value array_ref(const Value* items, uint32_t n) {
    Value v(Type::Array, 0, n);
    v.u_.a = items;
    return v;
  }
  static Value object_ref(const Member* members, uint32_t n) {
    Value v(Type::Object, 0, n);
    v.u_.m = members;
    return v;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_number() const { return type_ == Type::Int || type_ == Type::Double; }
  bool as_bool() const { return u_.i != 0; }
  int64_t as_int() const { return u_.i; }
  double as_double() const { return type_ == Type::Int ? static_cast<double>(u_.i) : u_.d; }
  std::string_view as_string() const { return {u_.s, n_}; }
  // Elements of an array, members of an object, bytes of a string; 0 otherwise.
  size_t size() const { return type_ >= Type::String ? n_ : 0; }

  const Value* begin() const { return u_.a; }  // array elements
  const Value* end() const { return u_.a + n_; }
  const Value& operator[](size_t i) const { return u_.a[i]; }
  const Member* members_begin() const { return u_.m; }
  inline const Member* members_end() const;
  inline const Member& member(size_t i) const;
  // The value of `key` in an object, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const;

 private:
  Value(Type t, int64_t i, uint32_t n) : n_(n), type_(t) { u_.i = i; }
  union {
    int64_t i;
    double d;
    const char* s;
    const Value* a;
    const Member* m;
  } u_;
  uint32_t n_ = 0;
  Type type_;
};
static_assert(sizeof(Value) == 16, "Value is two words");

struct Member {
  Value key;  // a string
  Value value;
};

const Member* Value::members_end() const { return u_.m + n_; }
const Member& Value::member(size_t i) const { return u_.m[i]; }

// Deep equality without recursion: same types (1 and 1.0 differ), same values (doubles by
// ==, so -0.0 == 0.0 and NaN != NaN), object members in the same order.
bool equal(const Value& a, const Value& b);

class Document {
 public:
  Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Parses `text` (NUL after it, see json.h) into this document, replacing its contents.
  bool parse(std::string_view text, Error* err, const Options& opt = {});

  const Value& root() const { return root_; }
  void set_root(const Value& v) { root_ = v; }

  // Building by hand: copies into this document's arenas; false when out of memory.
  bool make_string(std::string_view s, Value* out);
  bool make_array(const Value* items, size_t n, Value* out);
  bool make_object(const Member* members, size_t n, Value* out);

  // Frees everything; root() becomes null.
  void clear();
  // Bytes the three arenas took from hakmem.
  size_t reserved() const;

 private:
  friend class DomBuilder;
  Arena strings_, arrays_, objects_;
  Value root_;
};

}  // namespace hako::json
