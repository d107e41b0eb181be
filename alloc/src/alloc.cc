// The public hak_* API, and the paths of free, realloc, calloc and aligned allocation that
// are not the inline fast paths.
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/src/bigcache.h"
#include "alloc/src/fastpath.h"
#include "alloc/src/stats.h"

namespace hak {

bool system_backend() {
  ensure_init();
  return g_config.system_backend;
}

namespace {

// Validates a pointer into a segment; returns its page (fatal if it is not a live block).
Page* checked_page(uintptr_t u, const char* what) {
  Segment* s = segment_of(u);
  if (s->cookie != (reinterpret_cast<uintptr_t>(s) ^ g_secret) || s->kind != kKindSegment)
    fatal("%s(): heap corruption: segment header at %p is damaged", what, s);
  Page* pg = page_of(s, u);
  if (pg->owner.load(std::memory_order_acquire) == 0 || !is_block_start(pg, u))
    fatal("%s(): invalid pointer %p (not a block hakmem handed out)", what,
          reinterpret_cast<void*>(u));
  return pg;
}

// The page of a block in use, for realloc and malloc_usable_size (both frequent: redis asks
// the size of every block it allocates and frees): the free fast path's lookup and a check
// that u is a block start in a page in use; nullptr when u is in no segment. A pointer into
// a segment that is no block in use is fatal (checked_page says why).
HAK_INLINE Page* block_page(uintptr_t u, const char* what) {
  size_t g = u >> kSegmentShift;
  Page* const* slices;
  if (g >= kSegmapSize || (slices = slice_map_at(g)) == nullptr) return nullptr;
  Page* pg = slices[u >> kSliceShift];
  if (HAK_UNLIKELY(pg->owner.load(std::memory_order_acquire) == 0 || !is_block_start(pg, u)))
    return checked_page(u, what);
  return pg;
}

[[noreturn]] void not_ours(void* p, const char* what) {
  if (large_recently_freed(p))
    fatal("%s(): double free of %p (large block, already given back to the OS)", what, p);
  fatal("%s(): invalid pointer %p (not allocated by hakmem)", what, p);
}

hak_site_t site_of_block(Page* pg, uintptr_t u) {
  if (pg->site) return pg->site;
  if (!(pg->flags.load(std::memory_order_relaxed) & kPageTagged)) return 0;
  return page_sites(pg)[block_index(pg, u)];
}

}  // namespace

void free_generic(void* p) {
  if (!p) return;
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  size_t g = u >> kSegmentShift;
  uint8_t m = g < kSegmapSize ? segmap_at(g) : 0;
  if (m == kMapSegment) return free_in_segment(page_of(u), static_cast<Block*>(p));
  if (m != kMapNone) {
    LargeBlock* lb = large_of(u);
    if (!lb) not_ours(p, "free");
    large_free(lb, p);
    return;
  }
  if (system_backend()) return ::free(p);
  not_ours(p, "free");
}

size_t usable_size(const void* p) {
  if (!p) return 0;
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  if (Page* pg = block_page(u, "malloc_usable_size")) return pg->block_size;
  size_t g = u >> kSegmentShift;
  uint8_t m = g < kSegmapSize ? segmap_at(g) : 0;
  if (m != kMapNone) {
    LargeBlock* lb = large_of(u);
    if (!lb || lb->block != p) not_ours(const_cast<void*>(p), "malloc_usable_size");
    return lb->size;
  }
  if (system_backend()) return ::malloc_usable_size(const_cast<void*>(p));
  not_ours(const_cast<void*>(p), "malloc_usable_size");
}

void* realloc_impl(void* p, size_t n, hak_site_t site, void* ra) {
  if (!p) return alloc_at(n, site, ra);
  if (n == 0) {  // as glibc: free and return NULL
    free_fast(p);
    return nullptr;
  }
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  if (Page* pg = block_page(u, "realloc")) {
    size_t bs = pg->block_size;
    hak_site_t old_site = site_of_block(pg, u);
    if (old_site && g_mode != kModeOff)
      if (SiteStats* s = site_stats(old_site)) bump(s->reallocs, uint64_t{1});
    if (n <= bs && (n >= bs / 2 || bs <= 16)) return p;  // fits, and not much too big
    if (!site) site = old_site;
    void* np = alloc_at(n, site, ra);
    if (!np) return nullptr;  // the old block is untouched
    memcpy(np, p, n < bs ? n : bs);
    free_fast(p);
    return np;
  }
  size_t g = u >> kSegmentShift;
  uint8_t m = g < kSegmapSize ? segmap_at(g) : 0;
  if (m != kMapNone) {
    LargeBlock* lb = large_of(u);
    if (!lb) not_ours(p, "realloc");
    return large_realloc(lb, p, n, site);
  }
  if (system_backend()) return ::realloc(p, n);
  not_ours(p, "realloc");
}

void* calloc_impl(size_t count, size_t size, hak_site_t site, void* ra) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  if (HAK_UNLIKELY(system_backend())) return ::calloc(count, size);
  if (total > __atomic_load_n(&g_config.threshold, __ATOMIC_RELAXED)) {
    // Through the heap (for its accounting), then zero only what is not fresh from the OS.
    void* p = alloc_at(total, site, ra);
    if (p && !large_is_fresh(p)) memset(p, 0, total);
    return p;
  }
  void* p = alloc_at(total, site, ra);
  if (p) memset(p, 0, total);
  return p;
}

void* aligned_impl(size_t alignment, size_t n, hak_site_t site, void* ra) {
  if (alignment == 0 || (alignment & (alignment - 1))) {
    errno = EINVAL;
    return nullptr;
  }
  if (system_backend()) {
    void* p = nullptr;
    int e = posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, n);
    if (e) errno = e;
    return e ? nullptr : p;
  }
  if (alignment <= 16) {
    if (alignment == 16 && n < 16) n = 16;  // the 8-byte class is only 8-aligned
    return alloc_at(n, site, ra);
  }
  if (n > kMaxAlloc) {
    errno = ENOMEM;
    return nullptr;
  }
  // Blocks of a power-of-two class up to 64 KiB are aligned to their size.
  size_t m = n > alignment ? n : alignment;
  size_t pow2 = size_t{1} << (64 - __builtin_clzll(m - 1));
  if (pow2 <= 64 * 1024 && pow2 <= __atomic_load_n(&g_config.threshold, __ATOMIC_RELAXED))
    return alloc_at(pow2, site, ra);
  Heap* h = tl_heap != &g_empty_heap ? tl_heap : heap_for_thread();
  void* p = large_alloc(n, alignment, large_site(site, ra));
  if (p && h) {  // the heap's byte count, and maybe a sample, as malloc_generic does
    size_t usable = large_of(reinterpret_cast<uintptr_t>(p))->size;
    __atomic_store_n(&h->sample_left, h->sample_left - static_cast<int64_t>(usable),
                     __ATOMIC_RELAXED);
    if (h->sample_left < 0) sample_alloc(h, p, n, usable, site, ra, 0);
  }
  return p;
}

}  // namespace hak

using namespace hak;

extern "C" {

// HAKMEM_BACKEND=system: each entry point hands the call to the C library's allocator
// first thing, so that a peer measured through this API (bench/scenarios) pays a compare
// and a jump, not hakmem's miss path. (Until hakmem starts, the flag reads false and the
// miss path forwards.)
#define HAK_FORWARD(call) \
  if (HAK_UNLIKELY(g_config.system_backend)) return call

HAK_API void* hak_malloc(size_t n) {
  HAK_FORWARD(::malloc(n));
  return alloc_fast(n, HAK_RA);
}
HAK_API void hak_free(void* p) {
  HAK_FORWARD(::free(p));
  free_fast(p);
}
HAK_API void* hak_calloc(size_t c, size_t n) {
  HAK_FORWARD(::calloc(c, n));
  return calloc_impl(c, n, 0, HAK_RA);
}
HAK_API void* hak_realloc(void* p, size_t n) {
  HAK_FORWARD(::realloc(p, n));
  return realloc_impl(p, n, 0, HAK_RA);
}
HAK_API void* hak_aligned_alloc(size_t a, size_t n) {
  HAK_FORWARD(aligned_impl(a, n, 0, nullptr));
  return aligned_impl(a, n, 0, HAK_RA);
}
HAK_API size_t hak_usable_size(const void* p) {
  HAK_FORWARD(::malloc_usable_size(const_cast<void*>(p)));
  return usable_size(p);
}

HAK_API void* hak_alloc_at(size_t n, hak_site_t site) {
  HAK_FORWARD(::malloc(n));
  return alloc_tagged_fast(n, site, HAK_RA);  // (site 0 too: its slow path serves it plain)
}
HAK_API void* hak_calloc_at(size_t c, size_t n, hak_site_t site) {
  HAK_FORWARD(::calloc(c, n));
  return calloc_impl(c, n, site, HAK_RA);
}
HAK_API void* hak_realloc_at(void* p, size_t n, hak_site_t site) {
  HAK_FORWARD(::realloc(p, n));
  return realloc_impl(p, n, site, HAK_RA);
}
HAK_API void* hak_aligned_alloc_at(size_t a, size_t n, hak_site_t site) {
  HAK_FORWARD(aligned_impl(a, n, 0, nullptr));
  return aligned_impl(a, n, site, HAK_RA);
}

HAK_API void hak_collect(void) {
  ensure_init();
  if (tl_heap != &g_empty_heap) collect_heap(tl_heap, true);
  bigcache_flush(true);
  reclaim_abandoned(true);
}

}  // extern "C"
