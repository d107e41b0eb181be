#include "vm/mir/globals.h"

#include <cstring>

namespace hako::mir {

uint64_t hash_string(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  if (n) std::memcpy(&w, p, n);
  h ^= w;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

GlobalTable::Entry* GlobalTable::find(std::string_view name) {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t h = hash_string(name) & mask;; h = (h + 1) & mask) {
    uint32_t s = slots_[h];
    if (s == 0) return nullptr;
    if (same_name(entries_[s - 1].name, name)) return &entries_[s - 1];
  }
}

GlobalTable::Entry* GlobalTable::declare(std::string_view name, State state, uint32_t line,
                                         uint32_t col) {
  if (Entry* e = find(name)) return e;
  if ((entries_.size() + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 64 : slots_.size() * 2);
  Entry e;
  e.name = name;
  e.state = state;
  e.line = line;
  e.col = col;
  entries_.push_back(e);
  size_t mask = slots_.size() - 1;
  size_t h = hash_string(name) & mask;
  while (slots_[h] != 0) h = (h + 1) & mask;
  slots_[h] = static_cast<uint32_t>(entries_.size());
  return &entries_.back();
}

void GlobalTable::rehash(size_t cap) {
  slots_.assign(cap, 0);
  size_t mask = cap - 1;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    size_t h = hash_string(entries_[i].name) & mask;
    while (slots_[h] != 0) h = (h + 1) & mask;
    slots_[h] = i + 1;
  }
}

uint32_t GlobalTable::index(Entry* e) {
  if (e->index < 0) {
    e->index = static_cast<int32_t>(names_.size());
    names_.push_back(e->name);
  }
  return static_cast<uint32_t>(e->index);
}

void GlobalTable::clear() {
  entries_.clear();
  slots_.clear();
  names_.clear();
}

}  // namespace hako::mir
