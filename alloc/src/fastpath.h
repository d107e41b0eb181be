// The allocation and free fast paths, inlined into each public entry point (hak_* here,
// malloc/new in override.cc): pop from the page's free list, push on its local list.
// Everything else is out of line.
#pragma once

#include "alloc/src/internal.h"

namespace hak {

HAK_INLINE void* alloc_fast(size_t n) {
  Heap* h = tl_heap;
  if (HAK_LIKELY(n <= kSmallMax)) {
    Page* pg = h->direct[(n + 7) >> 3];
    Block* b = pg->free;
    if (HAK_LIKELY(b != nullptr)) {
      pg->free = decode(pg, b->next);
      pg->used++;
      if (HAK_DEBUG >= 2) debug_check_poison(pg, b);
      b->next = 0;
      return b;
    }
  }
  return malloc_generic(h, n, 0);
}

HAK_INLINE void free_fast(void* p) {
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  size_t g = u >> kSegmentShift;
  if (HAK_LIKELY(g < kSegmapSize && g_segmap[g].load(std::memory_order_relaxed) == kMapSegment)) {
    Page* pg = page_of(segment_of(u), u);
    Block* b = static_cast<Block*>(p);
    // Untagged, not full, ours, and a block start: the plain local free.
    if (HAK_LIKELY(pg->heap == tl_heap && pg->flags.load(std::memory_order_relaxed) == kPageInUse &&
                   is_block_start(pg, u))) {
      Block* d = decode(pg, b->next);
      // A first word that decodes to a link of this page may mean a double free: check.
      if (HAK_LIKELY(d != nullptr && !is_block_start(pg, reinterpret_cast<uintptr_t>(d)))) {
        if (HAK_DEBUG >= 2) debug_poison(pg, b);
        b->next = encode(pg, pg->local_free);
        pg->local_free = b;
        if (HAK_LIKELY(--pg->used != 0)) return;
        page_free_slow(pg->heap, pg);
        return;
      }
    }
  }
  free_generic(p);
}

// Entry points shared by hak_* and the malloc overrides.
void* calloc_impl(size_t count, size_t size, hak_site_t site);
void* aligned_impl(size_t alignment, size_t size, hak_site_t site);
bool system_backend();

}  // namespace hak
