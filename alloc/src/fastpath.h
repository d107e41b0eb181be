// The allocation and free fast paths, inlined into each public entry point (hak_* here,
// malloc/new in override.cc): pop from the page's free list, push on its local list.
// Everything else is out of line. Profiling costs the fast path one subtraction and a
// branch: the heap counts down the bytes to the next sampled allocation.
#pragma once

#include "alloc/src/internal.h"
#include "alloc/src/stats.h"

namespace hak {

// `ra` is the caller's return address: the implicit site, looked at only off the fast path.
HAK_INLINE void* alloc_fast(size_t n, void* ra) {
  Heap* h = tl_heap;
  if (HAK_LIKELY(n <= kMediumFast)) {
    Page* pg = n <= kSmallMax ? h->direct[(n + 7) >> 3] : h->first[size_class(n)];
    Block* b = pg->free;
    int64_t left = h->sample_left - static_cast<int64_t>(pg->block_size);
    if (HAK_LIKELY(b != nullptr && left >= 0)) {
      __atomic_store_n(&h->sample_left, left, __ATOMIC_RELAXED);
      page_pop(pg, b);
      return b;
    }
  }
  return malloc_generic(h, n, 0, ra);
}

// A tagged allocation: the fast path plus the block's site in its page's site array and
// the site's exact count. A page not yet tagged (its site array not initialized) and
// everything else goes the generic way.
HAK_INLINE void* alloc_tagged_fast(size_t n, hak_site_t site, void* ra) {
  Heap* h = tl_heap;
  if (HAK_LIKELY(n <= kSmallMax)) {
    Page* pg = h->direct[(n + 7) >> 3];
    Block* b = pg->free;
    int64_t left = h->sample_left - static_cast<int64_t>(pg->block_size);
    if (HAK_LIKELY(b != nullptr && left >= 0 &&
                   (pg->flags.load(std::memory_order_relaxed) & kPageTagged))) {
      __atomic_store_n(&h->sample_left, left, __ATOMIC_RELAXED);
      pg->sites[page_pop(pg, b)] = static_cast<uint16_t>(site);
      count_alloc(site, n, pg->block_size);
      return b;
    }
  }
  return malloc_generic(h, n, site, ra);
}

// An allocation for `site`, or for the caller's implicit site when it is 0.
HAK_INLINE void* alloc_at(size_t n, hak_site_t site, void* ra) {
  return site ? alloc_tagged_fast(n, site, ra) : alloc_fast(n, ra);
}

HAK_INLINE void free_fast(void* p) {
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  size_t g = u >> kSegmentShift;
  if (HAK_LIKELY(g < kSegmapSize && g_segmap[g].load(std::memory_order_relaxed) == kMapSegment)) {
    Page* pg = page_of(segment_of(u), u);
    Heap* h = tl_heap;
    // Ours and plain (not full, tagged or sampled: xheap has no slow bit), a block start,
    // and live: the plain local free.
    uintptr_t x = pg->xheap.load(std::memory_order_relaxed);
    if (HAK_LIKELY(x == reinterpret_cast<uintptr_t>(h))) {
      uint32_t off = static_cast<uint32_t>(u - reinterpret_cast<uintptr_t>(pg->start));
      uint32_t idx = static_cast<uint32_t>((static_cast<__uint128_t>(pg->div_magic) * off) >> 64);
      uint64_t* w = &pg->live[idx / 64];
      uint64_t bits = __atomic_load_n(w, __ATOMIC_RELAXED);
      uint64_t bit = uint64_t{1} << (idx % 64);
      if (HAK_LIKELY(divisible(off, pg->div_magic) && (bits & bit))) {
        __atomic_store_n(w, bits & ~bit, __ATOMIC_RELAXED);
        page_push_local(h, pg, static_cast<Block*>(p));
        if (HAK_LIKELY(--pg->used != 0)) return;
        page_free_slow(h, pg);
        return;
      }
    } else if (x == (reinterpret_cast<uintptr_t>(h) | kXSlow)) {
      free_local_slow(h, pg, static_cast<Block*>(p));  // ours, tagged, full or sampled
      return;
    }
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
