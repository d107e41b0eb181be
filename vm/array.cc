#include "vm/array.h"

#include <cinttypes>
#include <cstring>

namespace hako::vm {

bool array_reserve(Runtime& rt, Array* a, size_t cap) {
  if (cap <= a->cap) return true;
  if (cap > UINT32_MAX) return rt.error("array too large");
  size_t grown = a->cap < 4 ? 4 : size_t(a->cap) * 2;  // doubling: amortized O(1) pushes
  if (grown > UINT32_MAX) grown = UINT32_MAX;
  if (grown < cap) grown = cap;
  Local keep(rt, Value::array(a));
  void* p = rt.realloc(a->items, size_t(a->cap) * sizeof(Value), grown * sizeof(Value),
                       HAK_SITE("vm.array.store"));
  if (!p) return rt.oom();
  a->items = static_cast<Value*>(p);
  a->cap = static_cast<uint32_t>(grown);
  return true;
}

bool array_insert(Runtime& rt, Array* a, uint32_t i, Value v) {
  if (a->len == a->cap) {
    Local keep(rt, v);
    if (!array_reserve(rt, a, size_t(a->len) + 1)) return false;
  }
  std::memmove(a->items + i + 1, a->items + i, size_t(a->len - i) * sizeof(Value));
  a->items[i] = v;
  ++a->len;
  return true;
}

Value array_remove(Array* a, uint32_t i) {
  Value v = a->items[i];
  std::memmove(a->items + i, a->items + i + 1, size_t(a->len - i - 1) * sizeof(Value));
  --a->len;
  return v;
}

bool index_error(Runtime& rt, int64_t i, size_t len, const char* what) {
  return rt.error("index %" PRId64 " out of range for %s of length %zu", i, what, len);
}

}  // namespace hako::vm
