// Large blocks: above the mmap threshold, each block is its own mapping (aligned like a
// segment, with a one-page header), recycled per call site through the BigCache.
#define _GNU_SOURCE 1
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc/src/bigcache.h"
#include "alloc/src/stats.h"
#include "alloc/src/tuner.h"

namespace hak {

namespace {

size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

// The user addresses of the last blocks given back to the OS: a second free of one of them
// is then named a double free, not just "not allocated by hakmem".
constexpr unsigned kRecent = 256;
std::atomic<uintptr_t> g_recent[kRecent];
std::atomic<unsigned> g_recent_next{0};

void large_release(LargeBlock* lb) {
  g_recent[g_recent_next.fetch_add(1, std::memory_order_relaxed) % kRecent].store(
      reinterpret_cast<uintptr_t>(lb->block), std::memory_order_relaxed);
  size_t size = lb->map_size;
  segmap_set(reinterpret_cast<uintptr_t>(lb), size, kMapNone);
  lb->cookie = 0;
  g_large_blocks.fetch_sub(1, std::memory_order_relaxed);
  os_unmap(lb, size);
}

void set_header(LargeBlock* lb, size_t map_size, size_t offset, size_t n, hak_site_t site) {
  lb->cookie = reinterpret_cast<uintptr_t>(lb) ^ g_secret;
  lb->kind = kKindLarge;
  lb->map_size = map_size;
  lb->block = reinterpret_cast<uint8_t*>(lb) + offset;
  lb->size = round_up(n, kOsPage);
  lb->site = site;
  lb->next = nullptr;
  lb->state.store(kLargeLive, std::memory_order_release);
}

}  // namespace

bool large_recently_freed(const void* p) {
  for (auto& r : g_recent)
    if (r.load(std::memory_order_relaxed) == reinterpret_cast<uintptr_t>(p)) return true;
  return false;
}

// Grows a block's mapping (its header moves along): in place if the address space after it
// is free, else onto a new aligned range. nullptr if neither works (lb is untouched).
LargeBlock* large_grow(LargeBlock* lb, size_t new_size) {
  size_t old_size = lb->map_size;
  void* q = mremap(lb, old_size, new_size, 0);
  if (q == MAP_FAILED) {
    void* dst = os_map_aligned(new_size, kSegmentSize);
    if (!dst) return nullptr;
    segmap_set(reinterpret_cast<uintptr_t>(lb), old_size, kMapNone);
    q = mremap(lb, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
    if (q == MAP_FAILED) {
      os_unmap(dst, new_size);
      segmap_set(reinterpret_cast<uintptr_t>(lb), old_size, kMapLarge);
      return nullptr;
    }
    g_mapped_bytes.fetch_sub(old_size, std::memory_order_relaxed);
  } else {
    g_mapped_bytes.fetch_add(new_size - old_size, std::memory_order_relaxed);
  }
  LargeBlock* nb = static_cast<LargeBlock*>(q);
  nb->cookie = reinterpret_cast<uintptr_t>(nb) ^ g_secret;
  nb->map_size = new_size;
  nb->block = reinterpret_cast<uint8_t*>(nb) +
              (lb == nb ? lb->block - reinterpret_cast<uint8_t*>(lb) : kOsPage);
  segmap_set(reinterpret_cast<uintptr_t>(nb), new_size, kMapLarge);
  return nb;
}

LargeBlock* large_of(uintptr_t u) {
  size_t g = u >> kSegmentShift;
  uint8_t m = g < kSegmapSize ? segmap_at(g) : 0;
  if (m < kMapLarge || m == 255) return nullptr;
  LargeBlock* lb = reinterpret_cast<LargeBlock*>((g - (m - kMapLarge)) << kSegmentShift);
  if (lb->cookie != (reinterpret_cast<uintptr_t>(lb) ^ g_secret) || lb->kind != kKindLarge)
    return nullptr;
  return lb;
}

hak_site_t large_site(hak_site_t site, void* ra) { return site ? site : implicit_site(ra); }

void* large_alloc(size_t n, size_t alignment, hak_site_t site, bool* fresh) {
  uint64_t t0 = cycles();
  size_t offset = alignment > kOsPage ? alignment : kOsPage;
  if (n > kMaxAlloc || offset > kMaxAlloc - n) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t need = round_up(offset + n, kOsPage);
  LargeBlock* lb = nullptr;
  size_t map_size = need;
  Policy pol = g_mode != kModeOff ? policy_for(site) : kDefaultPolicy;
  if (offset <= kSegmentSize) {
    map_size = bigcache_round(need);
    if (pol.bigcache) lb = bigcache_get(site, map_size);
  }
  if (lb && lb->map_size < map_size) {
    // A smaller cached block: move its pages into a mapping of the new size (only the
    // growth faults in).
    tl_fresh_pages += (map_size - lb->map_size) / kOsPage;
    LargeBlock* nb = large_grow(lb, map_size);
    if (nb) {
      lb = nb;
    } else {
      large_release(lb);
      lb = nullptr;
    }
  }
  bool hit = lb != nullptr;
  if (fresh) *fresh = !hit;
  if (lb) {
    map_size = lb->map_size;  // the cache may give a bigger mapping than asked
  } else {
    void* p = os_map_aligned(map_size, offset <= kSegmentSize ? kSegmentSize : offset);
    if (!p) {
      errno = ENOMEM;
      return nullptr;
    }
    lb = static_cast<LargeBlock*>(p);
    segmap_set(reinterpret_cast<uintptr_t>(lb), map_size, kMapLarge);
    g_large_blocks.fetch_add(1, std::memory_order_relaxed);
  }
  uint32_t flags = hit ? 0u : static_cast<uint32_t>(kLargeFresh);
  if (!hit && pol.thp && g_tune.allow_thp && map_size >= (size_t{2} << 20)) {
    os_hugepage(lb, map_size, true);
    flags |= kLargeHuge;
  }
  if (!hit && pol.prefault) {
    os_populate(lb, map_size);  // the faults happen here, in the allocation's own time
    flags |= kLargePopulated;
  } else if (!hit) {
    // Every page faults in when touched; a huge page costs about half as much (one fault,
    // the same zeroing).
    tl_fresh_pages += map_size / kOsPage / ((flags & kLargeHuge) ? 2 : 1);
  }
  set_header(lb, map_size, offset, n, site);
  g_large_live_bytes.fetch_add(lb->size, std::memory_order_relaxed);
  live_peak_note(g_live_small.load(std::memory_order_relaxed));
  lb->sampled = 0;
  lb->flags = flags;
  count_alloc(site, n, lb->size);
  if (g_mode != kModeOff) {
    if (SiteStats* s = site_stats(site)) {
      bump(s->large_allocs, uint64_t{1});
      bump(s->large_cycles, cycles() - t0);
      if (pol.bigcache) bump(hit ? s->bigcache_hits : s->bigcache_misses, uint64_t{1});
    }
  }
  return lb->block;
}

bool large_is_fresh(void* p) {
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  uint8_t m = segmap_at(u >> kSegmentShift);
  if (m < kMapLarge) return false;
  LargeBlock* lb = large_of(u);
  return lb && (lb->flags & kLargeFresh);
}

void large_free(LargeBlock* lb, void* p) {
  if (p != lb->block) fatal("free(): invalid pointer %p (inside a large block)", p);
  uint32_t st = kLargeLive;
  if (!lb->state.compare_exchange_strong(st, kLargeFree, std::memory_order_acq_rel))
    fatal("free(): double free of %p (large block)", p);
  hak_site_t site = lb->site;
  count_free(site, lb->size);
  g_large_live_bytes.fetch_sub(lb->size, std::memory_order_relaxed);
  if (lb->sampled) sample_free(p, lb->size);
  // (Profiling off keeps the default policy: off measures profiling, not a policy.)
  bool cache = (g_mode != kModeOff ? policy_for(site) : kDefaultPolicy).bigcache;
  uint64_t t0 = g_mode == kModeEvolving ? cycles() : 0;
  if (!(cache && lb->map_size <= kSegmentSize && bigcache_put(lb))) large_release(lb);
  if (t0) tune_free(site, cycles() - t0);  // munmap, or the cache's evictions
}

void bigcache_evict(LargeBlock* lb) { large_release(lb); }

namespace {

// A block that changed size in place: the site's live bytes and the heap's totals follow.
void account_resize(LargeBlock* lb, size_t old_size) {
  int64_t d = static_cast<int64_t>(lb->size) - static_cast<int64_t>(old_size);
  if (g_mode != kModeOff) {
    if (SiteStats* s = site_stats(lb->site)) {
      bump(s->reallocs, uint64_t{1});
      live_change(lb->site, s, d);
    }
  }
  g_large_live_bytes.fetch_add(static_cast<size_t>(d), std::memory_order_relaxed);
  live_peak_note(g_live_small.load(std::memory_order_relaxed));
  Heap* h = tl_heap;
  if (d > 0 && h != &g_empty_heap)
    __atomic_store_n(&h->sample_left, h->sample_left - d, __ATOMIC_RELAXED);
}

}  // namespace

void* large_realloc(LargeBlock* lb, void* p, size_t n, hak_site_t site) {
  if (p != lb->block) fatal("realloc(): invalid pointer %p (inside a large block)", p);
  size_t offset = static_cast<size_t>(lb->block - reinterpret_cast<uint8_t*>(lb));
  if (n > kMaxAlloc || offset > kMaxAlloc - n) {
    errno = ENOMEM;
    return nullptr;
  }
  if (offset + n <= lb->map_size) {  // fits the mapping: in place, also when shrinking a bit
    if (n >= lb->size / 2 || n > __atomic_load_n(&g_config.threshold, __ATOMIC_RELAXED)) {
      size_t old = lb->size;
      lb->size = round_up(n, kOsPage);
      account_resize(lb, old);
      return p;
    }
  } else if (offset == kOsPage) {
    // Grow by moving the pages, not the bytes: mremap in place, or onto a new aligned range.
    size_t old_size = lb->map_size, new_size = bigcache_round(round_up(offset + n, kOsPage));
    void* q = mremap(lb, old_size, new_size, 0);
    if (q == MAP_FAILED) {
      void* dst = os_map_aligned(new_size, kSegmentSize);
      if (dst) {
        segmap_set(reinterpret_cast<uintptr_t>(lb), old_size, kMapNone);
        q = mremap(lb, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
        if (q == MAP_FAILED) {
          os_unmap(dst, new_size);
          segmap_set(reinterpret_cast<uintptr_t>(lb), old_size, kMapLarge);
        } else {
          g_mapped_bytes.fetch_sub(old_size, std::memory_order_relaxed);
        }
      }
    } else {
      g_mapped_bytes.fetch_add(new_size - old_size, std::memory_order_relaxed);
    }
    if (q != MAP_FAILED && q != nullptr) {
      LargeBlock* nb = static_cast<LargeBlock*>(q);
      size_t old = nb->size;
      uint32_t sampled = nb->sampled;
      set_header(nb, new_size, offset, n, nb->site);
      nb->sampled = sampled;
      segmap_set(reinterpret_cast<uintptr_t>(nb), new_size, kMapLarge);
      account_resize(nb, old);
      if (sampled && nb != lb) {  // the sample moved with the block
        sample_free(p, old);
        nb->sampled = 0;
      }
      return nb->block;
    }
  }
  // Copy into a new block (a small one when shrinking far, or after mremap failed).
  void* np = hak_alloc_at(n, site ? site : lb->site);
  if (!np) return nullptr;
  if (g_mode != kModeOff)
    if (SiteStats* s = site_stats(lb->site)) bump(s->reallocs, uint64_t{1});
  memcpy(np, p, n < lb->size ? n : lb->size);
  large_free(lb, p);
  return np;
}

}  // namespace hak
