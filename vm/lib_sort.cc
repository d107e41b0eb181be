// sort(a[, less]): in place and stable.
//
// Without `less`, arrays of ints or of strings (whose equal elements cannot be told apart)
// are sorted with std::sort, and arrays of numbers with a merge sort; other mixes are an
// error ("cannot compare int with string") before anything moves.
//
// With `less`, the elements are copied into a rooted buffer and merge-sorted there, and
// the result is copied back only if every call succeeded: an error in `less` leaves the
// array as it was, a `less` that is not an order gives some permutation (never a crash: the
// merge sort's indexes do not depend on the answers being consistent), and a `less` that
// changes the array's length makes sort fail.
#include <algorithm>
#include <cstring>

#include "vm/builtins.h"
#include "vm/value_ops.h"

namespace hako::vm {

namespace {

// Merge sort of v[0, n) with tmp[0, n) as scratch; less(a, b) returns 1, 0, or -1 after an
// error (then the sort stops; v is left partly sorted). Runs of 16 by binary insertion
// (few comparisons), then bottom-up merges, skipped where the runs are already in order.
template <class Less>
bool merge_sort(Value* v, Value* tmp, size_t n, Less& less) {
  constexpr size_t kRun = 16;
  for (size_t lo = 0; lo < n; lo += kRun) {
    size_t hi = std::min(n, lo + kRun);
    for (size_t i = lo + 1; i < hi; ++i) {
      Value x = v[i];
      size_t l = lo, r = i;  // x goes after every element not greater than it
      while (l < r) {
        size_t m = l + (r - l) / 2;
        int c = less(x, v[m]);
        if (c < 0) return false;
        if (c)
          r = m;
        else
          l = m + 1;
      }
      std::memmove(v + l + 1, v + l, (i - l) * sizeof(Value));
      v[l] = x;
    }
  }
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t lo = 0; lo + width < n; lo += 2 * width) {
      size_t mid = lo + width, hi = std::min(n, lo + 2 * width);
      int c = less(v[mid], v[mid - 1]);
      if (c < 0) return false;
      if (!c) continue;  // already in order
      size_t nl = mid - lo;
      std::memcpy(tmp, v + lo, nl * sizeof(Value));
      size_t i = 0, j = mid, k = lo;
      while (i < nl && j < hi) {
        c = less(v[j], tmp[i]);
        if (c < 0) {  // put the rest of the left run back: v stays a permutation
          std::memcpy(v + k, tmp + i, (nl - i) * sizeof(Value));
          return false;
        }
        v[k++] = c ? v[j++] : tmp[i++];
      }
      std::memcpy(v + k, tmp + i, (nl - i) * sizeof(Value));
    }
  }
  return true;
}

int64_t sort_cost(size_t n) { return static_cast<int64_t>(n) * (64 - __builtin_clzll(n)); }

// Without a comparator.
bool sort_default(Runtime& rt, Array* a) {
  size_t n = a->len;
  Value* v = a->items;
  bool ints = true, strings = true;
  for (size_t i = 0; i < n; ++i) {
    ints = ints && v[i].is_int();
    strings = strings && v[i].is_string();
    bool ok;
    if (!ints && !strings && !(v[0].is_number() && v[i].is_number()) &&
        !less_than(rt, v[0], v[i], &ok))
      return false;  // raises "cannot compare int with string"
  }
  if (!rt.charge(sort_cost(n))) return false;
  if (ints) {
    std::sort(v, v + n, [](Value x, Value y) { return x.i < y.i; });
  } else if (strings) {
    std::sort(v, v + n,
              [](Value x, Value y) { return string_compare(x.as_string(), y.as_string()) < 0; });
  } else {  // numbers: 1 and 1.0 are equal but not the same, so the order must be stable
    auto* tmp = static_cast<Value*>(rt.alloc(n * sizeof(Value), HAK_SITE("vm.sort")));
    if (!tmp) return rt.oom();
    auto lt = [](Value x, Value y) { return num_lt(x, y) ? 1 : 0; };
    merge_sort(a->items, tmp, n, lt);  // no collection can run: a->items stays put
    rt.free(tmp, n * sizeof(Value));
  }
  return true;
}

}  // namespace

bool native_sort(Runtime& rt, Args args, Value*) {
  Array* a;
  if (!args.get_array(0, &a)) return false;
  Value fn = args[1];
  if (!fn.is_nil() && !fn.is_function()) return args.bad_type(1, "function");
  size_t n = a->len;
  if (n < 2) return true;
  if (fn.is_nil()) return sort_default(rt, a);

  ValueBuffer buf(rt);  // [0, n): the elements; [n, 2n): scratch
  if (!buf.resize(2 * n)) return false;
  std::memcpy(buf.data(), a->items, n * sizeof(Value));
  auto less = [&](Value x, Value y) -> int {
    Value r;
    if (!rt.charge(1) || !rt.call_value(args[1], {x, y}, &r)) return -1;
    return r.truthy() ? 1 : 0;
  };
  // x and y are in buf while less runs: they stay alive whatever it does.
  if (!merge_sort(buf.data(), buf.data() + n, n, less)) return false;
  a = args[0].as_array();
  if (a->len != n) return rt.error("sort: the array was resized during sorting");
  std::memcpy(a->items, buf.data(), n * sizeof(Value));
  return true;
}

}  // namespace hako::vm
