// BigCache (see bigcache.h). One mutex: a large allocation that hits saves an mmap and
// hundreds of page faults, so a short uncontended lock is cheap next to what it buys.
#include "alloc/src/bigcache.h"

#include <pthread.h>
#include <sys/mman.h>

namespace hak {

namespace {

struct Ring {
  LargeBlock* slots[kBigCacheSlots];
  uint64_t last_use_ns;
};

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
Ring g_rings[kBigCacheRings];
BigCacheStats g_stats;
BigCacheSettings g_settings = {size_t{1} << 30, 2'000'000'000};
uint64_t g_next_decay_ns;

Ring& ring_of(hak_site_t site) {
  uint32_t h = site * 0x9E3779B1u;
  return g_rings[h >> 26];  // top 6 bits: 64 rings
}

void drop(LargeBlock*& slot) {
  g_stats.bytes_held -= slot->map_size;
  g_stats.blocks_held--;
  slot = nullptr;
}

// Collects blocks to evict into `out` (evicted outside the lock: munmap is slow).
struct Evictions {
  LargeBlock* list = nullptr;
  void add(LargeBlock*& slot) {
    slot->next = list;
    list = slot;
    g_stats.evictions++;
    drop(slot);
  }
  ~Evictions() {
    while (list) {
      LargeBlock* next = list->next;
      bigcache_evict(list);
      list = next;
    }
  }
};

void decay_locked(uint64_t now, bool all, Evictions& ev) {
  g_next_decay_ns = now + g_settings.decay_ns / 4;
  for (Ring& r : g_rings)
    for (LargeBlock*& s : r.slots)
      if (s && (all || now - s->freed_ns >= g_settings.decay_ns)) ev.add(s);
}

}  // namespace

LargeBlock* bigcache_get(hak_site_t site, size_t map_size) {
  Evictions ev;
  pthread_mutex_lock(&g_lock);
  uint64_t now = now_ns();
  if (now >= g_next_decay_ns) decay_locked(now, false, ev);
  Ring& r = ring_of(site);
  // The smallest block that fits; failing that, the biggest smaller one, which the caller
  // grows with mremap (its pages move, already faulted in: only the growth faults).
  LargeBlock** fit = nullptr;
  LargeBlock** grow = nullptr;
  for (LargeBlock*& s : r.slots) {
    if (!s) continue;
    if (s->map_size >= map_size) {
      if (!fit || s->map_size < (*fit)->map_size) fit = &s;
    } else if (!grow || s->map_size > (*grow)->map_size) {
      grow = &s;
    }
  }
  LargeBlock** take = fit ? fit : grow;
  LargeBlock* lb = nullptr;
  if (take) {
    lb = *take;
    drop(*take);
    g_stats.hits++;
    r.last_use_ns = now;
  } else {
    g_stats.misses++;
  }
  pthread_mutex_unlock(&g_lock);
  if (lb && lb->map_size > map_size && lb->map_size - map_size >= (size_t{8} << 20) &&
      lb->map_size - map_size >= map_size) {
    // A much bigger mapping: keep it, but not the resident tail this request will not use
    // (a small surplus stays: trimming it costs faults when the block serves a bigger
    // request again).
    madvise(reinterpret_cast<uint8_t*>(lb) + map_size, lb->map_size - map_size, MADV_DONTNEED);
  }
  return lb;
}

bool bigcache_put(LargeBlock* lb) {
  if (lb->map_size > g_settings.cap_bytes / 4) return false;
  Evictions ev;
  pthread_mutex_lock(&g_lock);
  uint64_t now = now_ns();
  lb->freed_ns = now;
  lb->state.store(kLargeCached, std::memory_order_relaxed);
  Ring& r = ring_of(lb->site);
  r.last_use_ns = now;
  LargeBlock** slot = nullptr;
  for (LargeBlock*& s : r.slots) {
    if (!s) {
      slot = &s;
      break;
    }
    if (!slot || s->freed_ns < (*slot)->freed_ns) slot = &s;  // else the oldest
  }
  if (*slot) ev.add(*slot);
  *slot = lb;
  g_stats.puts++;
  g_stats.bytes_held += lb->map_size;
  g_stats.blocks_held++;
  // Over the cap: give back the oldest blocks anywhere.
  while (g_stats.bytes_held > g_settings.cap_bytes) {
    LargeBlock** oldest = nullptr;
    for (Ring& rr : g_rings)
      for (LargeBlock*& s : rr.slots)
        if (s && s != lb && (!oldest || s->freed_ns < (*oldest)->freed_ns)) oldest = &s;
    if (!oldest) break;
    ev.add(*oldest);
  }
  if (now >= g_next_decay_ns) decay_locked(now, false, ev);
  pthread_mutex_unlock(&g_lock);
  return true;
}

void bigcache_flush(bool all) {
  Evictions ev;
  pthread_mutex_lock(&g_lock);
  decay_locked(now_ns(), all, ev);
  pthread_mutex_unlock(&g_lock);
}

size_t bigcache_site_bytes(hak_site_t site) {
  size_t bytes = 0;
  pthread_mutex_lock(&g_lock);
  for (LargeBlock* s : ring_of(site).slots)
    if (s && s->site == site) bytes += s->map_size;
  pthread_mutex_unlock(&g_lock);
  return bytes;
}

void bigcache_stats(BigCacheStats* out) {
  pthread_mutex_lock(&g_lock);
  *out = g_stats;
  pthread_mutex_unlock(&g_lock);
}

BigCacheSettings bigcache_settings() { return g_settings; }

void bigcache_configure(const BigCacheSettings& s) {
  pthread_mutex_lock(&g_lock);
  g_settings = s;
  pthread_mutex_unlock(&g_lock);
}

void bigcache_lock(bool lock) {
  if (lock)
    pthread_mutex_lock(&g_lock);
  else
    pthread_mutex_unlock(&g_lock);
}

void bigcache_lock_reinit() { pthread_mutex_init(&g_lock, nullptr); }

}  // namespace hak
