// The allocation and free fast paths, inlined into each public entry point (hak_* here,
// malloc/new in override.cc): pop from the page's free list, push on its local list.
// Everything else is out of line. Profiling costs the fast path one subtraction and a
// branch: the heap counts down the bytes to the next sampled allocation.
#pragma once

#include "alloc/src/internal.h"

namespace hak {

// `ra` is the caller's return address: the implicit site, looked at only off the fast path.
HAK_INLINE void* alloc_fast(size_t n, void* ra) {
  Heap* h = tl_heap;
  if (HAK_LIKELY(n <= kSmallMax)) {
    Page* pg = h->direct[(n + 7) >> 3];
    Block* b = pg->free;
    int64_t left = h->sample_left - static_cast<int64_t>(pg->block_size);
    if (HAK_LIKELY(b != nullptr && left >= 0)) {
      __atomic_store_n(&h->sample_left, left, __ATOMIC_RELAXED);
      pg->free = decode(pg, b->next);
      pg->used++;
      if (HAK_DEBUG >= 2) debug_check_poison(pg, b);
      b->next = 0;
      return b;
    }
  }
  return malloc_generic(h, n, 0, ra);
}

HAK_INLINE void free_fast(void* p) {
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  size_t g = u >> kSegmentShift;
  if (HAK_LIKELY(g < kSegmapSize && g_segmap[g].load(std::memory_order_relaxed) == kMapSegment)) {
    Page* pg = page_of(segment_of(u), u);
    Block* b = static_cast<Block*>(p);
    Heap* h = tl_heap;
    // Untagged, unsampled, not full, ours, and a block start: the plain local free.
    if (HAK_LIKELY(pg->heap == h && pg->flags.load(std::memory_order_relaxed) == kPageInUse &&
                   is_block_start(pg, u))) {
      Block* d = decode(pg, b->next);
      // A first word that decodes to a link of this page may mean a double free: check.
      if (HAK_LIKELY(d != nullptr && !is_block_start(pg, reinterpret_cast<uintptr_t>(d)))) {
        if (HAK_DEBUG >= 2) debug_poison(pg, b);
        b->next = encode(pg, pg->local_free);
        pg->local_free = b;
        __atomic_store_n(&h->freed_bytes, h->freed_bytes + pg->block_size, __ATOMIC_RELAXED);
        if (HAK_LIKELY(--pg->used != 0)) return;
        page_free_slow(h, pg);
        return;
      }
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
