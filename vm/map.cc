#include "vm/map.h"

#include <cstring>

namespace hako::vm {

namespace {

uint32_t mix(uint64_t x) { return static_cast<uint32_t>((x * 0x9E3779B97F4A7C15ull) >> 32); }

// The hash of a normalized key.
uint32_t key_hash(Runtime& rt, Value k) {
  switch (k.tag) {
    case kString:
      return rt.string_hash(k.as_string());
    case kFalse:
    case kTrue:
      return k.tag * 0x51ED27u;
    case kFloat:
      return mix(k.bits ^ 0x2545F4914F6CDD1Dull);
    default:
      return mix(k.bits);  // ints and objects
  }
}

bool long_equal(const String* a, const String* b) {
  if ((a->flags | b->flags) & kStrShort) return false;  // distinct short strings differ
  return a->lnglen == b->lnglen && std::memcmp(a->data(), b->data(), a->lnglen) == 0;
}

bool key_equal(const MapEntry& e, Value k) {
  if (e.key_tag != k.tag) return false;
  if (e.key_bits == k.bits) return true;
  return k.tag == kString && long_equal(reinterpret_cast<const String*>(e.key_bits), k.as_string());
}

// Linear probing of the index (slots of type T) for the entry with hash h that `match`es.
template <class T, class Match>
int32_t probe(const Map* m, uint32_t h, Match match) {
  constexpr T kEmpty = static_cast<T>(~T{0});
  uint32_t mask = m->cap * 2 - 1;
  const T* index = static_cast<const T*>(m->index());
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    T slot = index[i];
    if (slot == kEmpty) return -1;
    const MapEntry& e = m->entries[slot];
    if (e.hash == h && match(e)) return static_cast<int32_t>(slot);
  }
}

template <class Match>
int32_t probe_index(const Map* m, uint32_t h, Match match) {
  switch (map_index_width(m->cap)) {
    case 1:
      return probe<uint8_t>(m, h, match);
    case 2:
      return probe<uint16_t>(m, h, match);
    default:
      return probe<uint32_t>(m, h, match);
  }
}

int32_t find_normalized(Runtime& rt, const Map* m, Value k) {
  if (m->cap <= kMapLinear) {
    for (uint32_t i = 0; i < m->used; ++i)
      if (key_equal(m->entries[i], k)) return static_cast<int32_t>(i);
    return -1;
  }
  return probe_index(m, key_hash(rt, k), [k](const MapEntry& e) { return key_equal(e, k); });
}

template <class T>
void insert(Map* m, uint32_t h, uint32_t pos) {
  constexpr T kEmpty = static_cast<T>(~T{0});
  uint32_t mask = m->cap * 2 - 1;
  T* index = static_cast<T*>(m->index());
  uint32_t i = h & mask;
  while (index[i] != kEmpty) i = (i + 1) & mask;
  index[i] = static_cast<T>(pos);
}

void index_insert(Map* m, uint32_t h, uint32_t pos) {
  switch (map_index_width(m->cap)) {
    case 1:
      return insert<uint8_t>(m, h, pos);
    case 2:
      return insert<uint16_t>(m, h, pos);
    default:
      return insert<uint32_t>(m, h, pos);
  }
}

// Moves the live entries, in order, into a new store of `cap` entries.
bool rebuild(Runtime& rt, Map* m, uint32_t cap) {
  auto* store = static_cast<MapEntry*>(rt.alloc(map_store_bytes(cap), HAK_SITE("vm.map.store")));
  if (!store) return rt.oom();
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->used; ++i)
    if (m->entries[i].live()) store[n++] = m->entries[i];
  rt.free(m->entries, map_store_bytes(m->cap));
  m->entries = store;
  m->cap = cap;
  m->used = n;
  if (cap > kMapLinear) {
    std::memset(m->index(), 0xFF, size_t(cap) * 2 * map_index_width(cap));
    for (uint32_t i = 0; i < n; ++i) index_insert(m, store[i].hash, i);
  }
  return true;
}

uint32_t pow2_at_least(uint32_t n) { return n <= 1 ? 1 : 1u << (32 - __builtin_clz(n - 1)); }

// Room for one more entry at m->used. The map, key and value are kept alive meanwhile.
bool make_room(Runtime& rt, Map* m, Value k, Value v) {
  Local keep_m(rt, Value::map(m)), keep_k(rt, k), keep_v(rt, v);
  if (m->cap && m->count + 1 <= m->cap / 2) return rebuild(rt, m, m->cap);  // compact
  if (m->cap >= (1u << 30)) return rt.error("map too large");
  return rebuild(rt, m, m->cap ? m->cap * 2 : 4);
}

}  // namespace

int32_t map_find_short(const Map* m, const String* key) {
  auto bits = reinterpret_cast<uint64_t>(key);
  return probe_index(m, key->extra, [bits](const MapEntry& e) {
    return e.key_bits == bits && e.key_tag == kString;
  });
}

int32_t map_find(Runtime& rt, const Map* m, Value key) {
  if (normalize_key(&key)) return -1;
  return find_normalized(rt, m, key);
}

bool map_set(Runtime& rt, Map* m, Value key, Value v) {
  if (int bad = normalize_key(&key))
    return rt.error(bad == 1 ? "map key cannot be nil" : "map key cannot be NaN");
  int32_t i = find_normalized(rt, m, key);
  if (i >= 0) {
    m->entries[i].set_value(v);
    return true;
  }
  uint32_t h = key_hash(rt, key);
  if (m->used == m->cap && !make_room(rt, m, key, v)) return false;
  uint32_t pos = m->used++;
  MapEntry& e = m->entries[pos];
  e.key_bits = key.bits;
  e.key_tag = key.tag;
  e.hash = h;
  e.set_value(v);
  ++m->count;
  if (m->cap > kMapLinear) index_insert(m, h, pos);
  return true;
}

bool map_delete(Runtime& rt, Map* m, Value key, Value* old) {
  int32_t i = map_find(rt, m, key);
  if (i < 0) {
    *old = Value();
    return false;
  }
  MapEntry& e = m->entries[i];
  *old = e.value();
  e.key_tag = kDeadKey;  // its index slot stays, as a tombstone
  e.set_value(Value());
  --m->count;
  return true;
}

bool map_reserve(Runtime& rt, Map* m, uint32_t n) {
  if (m->cap - m->used >= n) return true;
  if (n > (1u << 30) - m->count) return rt.error("map too large");
  Local keep(rt, Value::map(m));
  return rebuild(rt, m, pow2_at_least(m->count + n));
}

}  // namespace hako::vm
