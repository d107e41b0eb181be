#include "parser/json_dom.h"

#include <cstring>
#include <utility>
#include <vector>

#include "parser/json_dom_builder.h"
#include "parser/json_reader.h"

namespace hako::json {

const char* type_name(Type t) {
  switch (t) {
    case Type::Null:
      return "null";
    case Type::Bool:
      return "bool";
    case Type::Int:
      return "int";
    case Type::Double:
      return "double";
    case Type::String:
      return "string";
    case Type::Array:
      return "array";
    case Type::Object:
      return "object";
  }
  return "?";
}

const Value* Value::find(std::string_view key) const {
  if (type_ != Type::Object) return nullptr;
  for (const Member* m = members_begin(); m != members_end(); ++m) {
    if (m->key.as_string() == key) return &m->value;
  }
  return nullptr;
}

bool equal(const Value& a, const Value& b) {
  std::vector<std::pair<const Value*, const Value*>,
              hak::allocator<std::pair<const Value*, const Value*>, "json.stack">>
      work;
  work.emplace_back(&a, &b);
  while (!work.empty()) {
    auto [x, y] = work.back();
    work.pop_back();
    if (x->type() != y->type()) return false;
    switch (x->type()) {
      case Type::Null:
        break;
      case Type::Bool:
        if (x->as_bool() != y->as_bool()) return false;
        break;
      case Type::Int:
        if (x->as_int() != y->as_int()) return false;
        break;
      case Type::Double:
        if (!(x->as_double() == y->as_double())) return false;
        break;
      case Type::String:
        if (x->as_string() != y->as_string()) return false;
        break;
      case Type::Array:
        if (x->size() != y->size()) return false;
        for (size_t i = 0; i < x->size(); ++i) work.emplace_back(&(*x)[i], &(*y)[i]);
        break;
      case Type::Object:
        if (x->size() != y->size()) return false;
        for (size_t i = 0; i < x->size(); ++i) {
          if (x->member(i).key.as_string() != y->member(i).key.as_string()) return false;
          work.emplace_back(&x->member(i).value, &y->member(i).value);
        }
        break;
    }
  }
  return true;
}

// ---- Document ---------------------------------------------------------------------------

Document::Document()
    : strings_(HAK_SITE("json.string"), 4096),
      arrays_(HAK_SITE("json.array"), 4096),
      objects_(HAK_SITE("json.object"), 4096) {}

void Document::clear() {
  strings_.release();
  arrays_.release();
  objects_.release();
  root_ = Value();
}

size_t Document::reserved() const {
  return strings_.reserved() + arrays_.reserved() + objects_.reserved();
}

bool Document::parse(std::string_view text, Error* err, const Options& opt) {
  clear();
  DomBuilder b(this);
  if (!read(text, b, err, opt)) {
    clear();
    return false;
  }
  root_ = b.result();
  return true;
}

bool Document::make_string(std::string_view s, Value* out) {
  if (s.size() > UINT32_MAX) return false;
  const char* p = strings_.copy(s.data(), s.size());
  if (!p) return false;
  *out = Value::string_ref(p, static_cast<uint32_t>(s.size()));
  return true;
}

bool Document::make_array(const Value* items, size_t n, Value* out) {
  Value* a = n ? arrays_.alloc_array<Value>(n) : nullptr;
  if (n > UINT32_MAX || (n && !a)) return false;
  if (n) std::memcpy(static_cast<void*>(a), items, n * sizeof(Value));
  *out = Value::array_ref(a, static_cast<uint32_t>(n));
  return true;
}

bool Document::make_object(const Member* members, size_t n, Value* out) {
  Member* m = n ? objects_.alloc_array<Member>(n) : nullptr;
  if (n > UINT32_MAX || (n && !m)) return false;
  if (n) std::memcpy(static_cast<void*>(m), members, n * sizeof(Member));
  *out = Value::object_ref(m, static_cast<uint32_t>(n));
  return true;
}

// ---- DomBuilder ---------------------------------------------------------------------------

DomBuilder::~DomBuilder() {
  hak_free(stack_);
  hak_free(table_);
}

bool DomBuilder::grow() {
  size_t cap = static_cast<size_t>(cap_ - stack_);
  size_t used = static_cast<size_t>(top_ - stack_);
  size_t ncap = cap ? cap * 2 : 256;
  auto* s =
      static_cast<Value*>(hak_realloc_at(stack_, ncap * sizeof(Value), HAK_SITE("json.stack")));
  if (!s) return false;
  stack_ = s;
  top_ = s + used;
  cap_ = s + ncap;
  return true;
}

namespace {

uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

uint32_t load32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// A fast hash of a key: whole words, and the tail read with overlapping loads (no
// variable-length copy, which costs a call and a store-forwarding stall).
uint32_t hash_key(std::string_view k) {
  const char* p = k.data();
  size_t n = k.size();
  uint64_t h = (n + 1) * 0x9E3779B97F4A7C15ull;
  uint64_t tail;
  if (n >= 8) {
    for (; n > 8; p += 8, n -= 8) {
      h = (h ^ load64(p)) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    }
    tail = load64(p + n - 8);
  } else if (n >= 4) {
    tail = uint64_t{load32(p)} << 32 | load32(p + n - 4);
  } else if (n > 0) {
    tail = uint64_t{static_cast<unsigned char>(p[0])} << 16 |
           uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
           static_cast<unsigned char>(p[n - 1]);
  } else {
    tail = 0;
  }
  h = (h ^ tail) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace

bool DomBuilder::dedupe(Member* m, size_t* n) {
  // Small objects: compare every pair (most fail on the length); only a duplicate, or a wide
  // object, pays for the hash table.
  if (*n <= 16) {
    for (size_t i = 1; i < *n; ++i) {
      std::string_view k = m[i].key.as_string();
      for (size_t j = 0; j < i; ++j) {
        if (m[j].key.as_string() == k) return dedupe_slow(m, n);
      }
    }
    return true;
  }
  return dedupe_slow(m, n);
}

bool DomBuilder::dedupe_slow(Member* m, size_t* n) {
  size_t cap = 64;
  while (cap < 2 * *n) cap *= 2;
  if (cap > table_cap_) {
    hak_free(table_);
    table_ = static_cast<uint64_t*>(hak_alloc_at(cap * sizeof(uint64_t), HAK_SITE("json.object")));
    table_cap_ = table_ ? cap : 0;
    if (!table_) return false;
  }
  std::memset(table_, 0, cap * sizeof(uint64_t));
  size_t mask = cap - 1, out = 0;
  for (size_t i = 0; i < *n; ++i) {
    std::string_view k = m[i].key.as_string();
    uint32_t h = hash_key(k);
    size_t slot = h & mask;
    for (;; slot = (slot + 1) & mask) {
      uint64_t e = table_[slot];
      if (e == 0) {
        table_[slot] = (uint64_t{h} << 32) | (out + 1);
        m[out++] = m[i];
        break;
      }
      size_t at = static_cast<uint32_t>(e) - 1;
      if (static_cast<uint32_t>(e >> 32) == h && m[at].key.as_string() == k) {
        m[at].value = m[i].value;  // last value wins, first position stays
        break;
      }
    }
  }
  *n = out;
  return true;
}

}  // namespace hako::json
