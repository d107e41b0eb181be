// Insertion-ordered hash maps (layout in object.h). Keys are normalized first: a float with
// an integer value is that int (so 1 and 1.0 are one key, and keys(m) shows 1); nil and
// NaN are not keys (reading them finds nothing, writing them is an error).
//
// Small maps (cap <= kMapLinear) have no index: a lookup compares keys in order, which
// for interned strings, ints and objects is a compare of tag and bits. Larger ones probe
// an index of 2*cap slots (load <= 1/2) with linear probing. Deleting marks the entry dead
// and leaves it in place, so the order of the others and iteration positions are kept;
// when the entries are used up, the map is rebuilt without the dead ones (same size if
// half of them are dead, else twice the size).
#pragma once

#include "vm/runtime.h"

namespace hako::vm {

// Bytes per index slot: entry positions of a map of cap entries fit in 1, 2 or 4 bytes
// (all ones marks an empty slot). Small indexes are what keep object-like maps compact.
inline unsigned map_index_width(uint32_t cap) { return cap <= 0x80 ? 1 : cap <= 0x8000 ? 2 : 4; }
// The store of a map of cap entries: the entries and, past kMapLinear, the index.
inline size_t map_store_bytes(uint32_t cap) {
  return size_t(cap) * sizeof(MapEntry) +
         (cap > kMapLinear ? size_t(cap) * 2 * map_index_width(cap) : 0);
}

// The entry holding `key`, or -1. Positions stay valid until the map grows or is rebuilt
// (an insertion of a new key), so an inline cache must check m->entries[pos] still holds
// its key.
int32_t map_find(Runtime& rt, const Map* m, Value key);

// map_find for an interned (short) string key in a map with an index: its hash is cached
// and equal keys are the same object, so probing compares pointers.
int32_t map_find_short(const Map* m, const String* key);

// map_find for a string key (the interpreter's m.name): in a small map an interned key is
// found by comparing pointers, without hashing.
inline int32_t map_find_str(Runtime& rt, const Map* m, String* key) {
  if (key->is_short()) {
    if (m->cap > kMapLinear) return map_find_short(m, key);
    auto bits = reinterpret_cast<uint64_t>(key);
    for (uint32_t i = 0; i < m->used; ++i)
      if (m->entries[i].key_bits == bits && m->entries[i].key_tag == kString)
        return static_cast<int32_t>(i);
    return -1;
  }
  return map_find(rt, m, Value::string(key));
}

inline bool map_get(Runtime& rt, const Map* m, Value key, Value* out) {
  int32_t i = map_find(rt, m, key);
  if (i < 0) return false;
  *out = m->entries[i].value();
  return true;
}
inline Value map_get(Runtime& rt, const Map* m, Value key) {
  int32_t i = map_find(rt, m, key);
  return i < 0 ? Value() : m->entries[i].value();
}
inline bool map_has(Runtime& rt, const Map* m, Value key) { return map_find(rt, m, key) >= 0; }

// Sets m[key] = v (an existing key keeps its position). False after raising "map key
// cannot be nil", "map key cannot be NaN" or "out of memory".
bool map_set(Runtime& rt, Map* m, Value key, Value v);

// Removes key; *old is its value (nil when absent). Returns whether it was there.
bool map_delete(Runtime& rt, Map* m, Value key, Value* old);

// Iteration in insertion order: *pos starts at 0; false at the end. Deleting during an
// iteration is safe; keys added during one may or may not be visited.
inline bool map_next(const Map* m, uint32_t* pos, Value* k, Value* v) {
  while (*pos < m->used) {
    const MapEntry& e = m->entries[(*pos)++];
    if (e.live()) {
      *k = e.key();
      *v = e.value();
      return true;
    }
  }
  return false;
}

// Makes room for n keys in all (a map literal's size); false after raising OOM.
bool map_reserve(Runtime& rt, Map* m, uint32_t n);

// The normalized form of a key: 0 ok, 1 nil, 2 NaN.
inline int normalize_key(Value* k) {
  if (k->tag == kFloat) {
    double d = k->f;
    int64_t i;
    if (float_to_int(d, &i))
      *k = Value::integer(i);
    else if (d != d)
      return 2;
  }
  return k->tag == kNil ? 1 : 0;
}

}  // namespace hako::vm
