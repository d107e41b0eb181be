// Arrays (layout in object.h): 0-based, growable, at most 2^32-1 elements.
#pragma once

#include "vm/runtime.h"

namespace hako::vm {

// Makes room for cap elements in all; false after raising OOM ("array too large" past the
// limit). The array is kept alive meanwhile.
bool array_reserve(Runtime& rt, Array* a, size_t cap);

// Appends v (amortized O(1)); a and v are kept alive while the store grows.
inline bool array_push(Runtime& rt, Array* a, Value v) {
  if (a->len == a->cap) {
    Local keep(rt, v);
    if (!array_reserve(rt, a, size_t(a->len) + 1)) return false;
  }
  a->items[a->len++] = v;
  return true;
}

// Inserts v before element i (0 <= i <= len).
bool array_insert(Runtime& rt, Array* a, uint32_t i, Value v);
// Removes element i (i < len) and returns it.
Value array_remove(Array* a, uint32_t i);

// "index 5 out of range for array of length 3".
bool index_error(Runtime& rt, int64_t i, size_t len, const char* what = "array");

}  // namespace hako::vm
