// The allocation and free fast paths, inlined into each public entry point (hak_* here,
// malloc/new in override.cc): pop from the page's free list, push on its local list.
// Everything else is out of line. Profiling costs the fast path one subtraction and a
// branch: the heap counts down the bytes to the next sampled allocation.
#pragma once

#include "alloc/src/internal.h"
#include "alloc/src/lifetime.h"
#include "alloc/src/stats.h"

namespace hak {

// `ra` is the caller's return address: the implicit site, looked at only off the fast path.
HAK_INLINE void* alloc_fast(size_t n, void* ra) {
  Heap* h = tl_heap;
  Page* pg;
  // (The limits are the heap's: 0 while it recognises long-lived implicit sites.)
  if (HAK_LIKELY(n <= h->direct_max))
    pg = h->direct[(n + 7) >> 3];
  else if (n <= h->fast_max)
    pg = h->first[size_class(n)];
  else
    return malloc_generic(n, 0, ra, nullptr);
  // (The countdown first: its subtraction sets the flags the branch tests.)
  int64_t left = h->sample_left - static_cast<int64_t>(pg->block_size);
  if (HAK_LIKELY(left >= 0)) {
    Block* b = pg->free;
    if (HAK_LIKELY(b != nullptr)) {
      __atomic_store_n(&h->sample_left, left, __ATOMIC_RELAXED);
      page_pop(pg, b);
      return b;
    }
  }
  return malloc_generic(n, 0, ra, pg);
}

// A tagged allocation: the heap's tag slot for (site, n), in one of two ways, and its site
// page's pop, counted in the slot (tag slots: internal.h). Anything else (no slot yet, the
// page ran out, more than kSmallMax bytes) is tag_alloc_slow's.
// (The second way is looked at out of line: inline, its address would be computed on
// every call.) Site 0 finds no slot, or an empty one (no free block): tag_alloc_slow
// serves it as a plain allocation.
HAK_INLINE void* alloc_tagged_fast(size_t n, hak_site_t site, void* ra) {
  TagSlots& t = tl_heap->tags;
  unsigned i = tag_slot_index(site, n);
  if (HAK_LIKELY(t.site[i] == site && t.n[i] == n)) {
    Page* pg = t.page[i];
    Block* b = pg->free;
    if (HAK_LIKELY(b != nullptr)) {
      page_pop(pg, b);
      t.count[i]++;
      return b;
    }
    return tag_alloc_slow(n, site, ra, true);
  }
  return tag_alloc_slow(n, site, ra, false);
}

// An allocation for `site`, or for the caller's implicit site when it is 0.
HAK_INLINE void* alloc_at(size_t n, hak_site_t site, void* ra) {
  return site ? alloc_tagged_fast(n, site, ra) : alloc_fast(n, ra);
}

// The shape of mimalloc's free: the segment map says the pointer is in one of our segments
// (so a pointer hakmem never returned is named, not followed), the page from the slice
// table, one compare of the page's owner word with the thread's token (the word also
// carries a "slow" bit for full, tagged and over-sampled pages), a push. The default
// variant also refuses a block that is already the head of the local list (the common
// double free, for one compare); the secure variant checks the block's live bit.
HAK_INLINE void free_fast(void* p) {
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  size_t g = u >> kSegmentShift;
  Page* const* slices;
  if (HAK_LIKELY(g < kSegmapSize && (slices = slice_map_at(g)) != nullptr)) {
    Page* pg = slices[u >> kSliceShift];
    Block* b = static_cast<Block*>(p);
    if (HAK_LIKELY(pg->owner.load(std::memory_order_relaxed) == thread_token())) {
      if constexpr (kSecure) {
        uint32_t off = static_cast<uint32_t>(u - reinterpret_cast<uintptr_t>(pg->start));
        uint32_t idx =
            static_cast<uint32_t>((static_cast<__uint128_t>(pg->div_magic) * off) >> 64);
        uint64_t* w = &pg->live[idx / 64];
        uint64_t bits = __atomic_load_n(w, __ATOMIC_RELAXED);
        uint64_t bit = uint64_t{1} << (idx % 64);
        if (HAK_LIKELY(divisible(off, pg->div_magic) && (bits & bit))) {
          __atomic_store_n(w, bits & ~bit, __ATOMIC_RELAXED);
          page_push_local(pg, b);
          if (HAK_LIKELY(--pg->used != 0)) return;
          page_free_slow(pg);
          return;
        }
      } else if (HAK_LIKELY(b != pg->local_free)) {
        page_push_local(pg, b);
        if (HAK_LIKELY(--pg->used != 0)) return;
        page_free_slow(pg);
        return;
      }
    }
    free_in_segment(pg, b);  // ours with the slow bit (or with an error), or another's
    return;
  }
  free_generic(p);
}

// Entry points shared by hak_* and the malloc overrides.
void* calloc_impl(size_t count, size_t size, hak_site_t site, void* ra);
void* aligned_impl(size_t alignment, size_t size, hak_site_t site, void* ra);
void* realloc_impl(void* p, size_t n, hak_site_t site, void* ra);
bool system_backend();

#define HAK_RA __builtin_return_address(0)

}  // namespace hak
