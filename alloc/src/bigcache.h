// BigCache: per-site rings of freed large blocks. A site that frees and soon re-allocates
// a large buffer gets the same mapping back, already faulted in; idle rings decay and a
// global byte cap bounds what is held.
#pragma once

#include "alloc/src/internal.h"

namespace hak {

constexpr unsigned kBigCacheRings = 64;
constexpr unsigned kBigCacheSlots = 4;

// Mapping sizes are rounded so that blocks of nearby sizes share a class: to 64 KiB below
// 1 MiB, to 1 MiB above.
inline size_t bigcache_round(size_t need) {
  size_t g = need <= (size_t{1} << 20) ? size_t{64} << 10 : size_t{1} << 20;
  return (need + g - 1) & ~(g - 1);
}

// A cached block for `site`: one whose mapping holds `map_size` bytes, or else the biggest
// smaller one (the caller grows it), or nullptr.
LargeBlock* bigcache_get(hak_site_t site, size_t map_size);
// Takes a freed block; false when the cache does not want it (the caller unmaps it).
bool bigcache_put(LargeBlock* lb);
// Evicts everything (hak_collect), or only what has been idle past the decay.
void bigcache_flush(bool all);
// The eviction callback: unmaps by default.
void bigcache_evict(LargeBlock* lb);

struct BigCacheStats {
  uint64_t hits, misses, evictions, puts, rejected;
  size_t bytes_held, blocks_held;
};
void bigcache_stats(BigCacheStats* out);
size_t bigcache_site_bytes(hak_site_t site);  // bytes held for one site
struct BigCacheSettings {
  size_t cap_bytes;   // total bytes held at most
  uint64_t decay_ns;  // a block idle this long is given back
};
BigCacheSettings bigcache_settings();
void bigcache_configure(const BigCacheSettings& s);

void bigcache_lock(bool lock);  // fork: hold across fork
void bigcache_lock_reinit();

}  // namespace hak
