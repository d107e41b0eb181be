// Segments: 32 MiB aligned mappings owned by one heap, cut into 64 KiB slices; pages are
// runs of slices. Freed slices stay resident ("dirty") for one to two purge delays, so a
// page freed and soon needed again costs no page faults, then go back to the OS with
// madvise; a segment with no pages left is unmapped.
//
// A segment with dirty slices has a purge tick every delay: at a tick the slices that were
// already dirty at the last tick ("aged") are purged and the rest become aged. A slice
// freed just before a tick is thus not purged at it — a program that frees in bursts (a
// garbage collector's sweep) and allocates again within a delay keeps its pages.
#include <string.h>

#include "alloc/src/internal.h"

namespace hak {

namespace {

bool bit(const uint64_t* map, size_t i) { return (map[i / 64] >> (i % 64)) & 1; }

// Set bits among n from `from`.
size_t count_bits(const uint64_t* map, size_t from, size_t n) {
  size_t c = 0;
  for (size_t i = from; i < from + n;) {
    size_t w = i / 64, b = i % 64;
    size_t take = 64 - b < from + n - i ? 64 - b : from + n - i;
    uint64_t mask = (take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1)) << b;
    c += static_cast<size_t>(__builtin_popcountll(map[w] & mask));
    i += take;
  }
  return c;
}

void set_bits(uint64_t* map, size_t from, size_t n, bool on) {
  for (size_t i = from; i < from + n;) {
    size_t w = i / 64, b = i % 64;
    size_t take = 64 - b < from + n - i ? 64 - b : from + n - i;
    uint64_t mask = (take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1)) << b;
    map[w] = on ? map[w] | mask : map[w] & ~mask;
    i += take;
  }
}

// The first bit at or after i that is set in map (or, with flip, clear); kSlices if none.
size_t next_bit(const uint64_t* map, size_t i, bool flip) {
  if (i >= kSlices) return kSlices;
  size_t w = i / 64;
  uint64_t bits = (flip ? ~map[w] : map[w]) & (~uint64_t{0} << (i % 64));
  while (bits == 0) {
    if (++w == kSlices / 64) return kSlices;
    bits = flip ? ~map[w] : map[w];
  }
  return w * 64 + static_cast<size_t>(__builtin_ctzll(bits));
}

// The best-fitting run of at least n set bits in map (from kFirstSlice on): the start of
// the shortest such run (the first of those), kSlices if none. Best fit keeps the long
// runs for the big pages.
size_t find_run(const uint64_t* map, size_t n) {
  size_t best = kSlices, best_len = SIZE_MAX;
  for (size_t a = next_bit(map, kFirstSlice, false); a < kSlices;) {
    size_t b = next_bit(map, a, true);
    if (b - a >= n && b - a < best_len) {
      best = a;
      best_len = b - a;
      if (best_len == n) break;
    }
    a = next_bit(map, b, false);
  }
  return best;
}

Segment* segment_new(Heap* h) {
  reclaim_abandoned(false);
  void* p = os_map_aligned(kSegmentSize, kSegmentSize);
  if (!p) return nullptr;
  Segment* s = static_cast<Segment*>(p);
  // Fresh anonymous memory is zero: only set what is not.
  s->cookie = reinterpret_cast<uintptr_t>(s) ^ g_secret;
  s->kind = kKindSegment;
  s->heap = h;
  s->free_slices = kSlices - kFirstSlice;
  for (size_t i = 0; i < kSlices; ++i) s->slice_page[i] = &s->pages[i];
  set_bits(s->free_map, kFirstSlice, kSlices - kFirstSlice, true);
  s->purge_at_ns = UINT64_MAX;
  s->next = h->segments;
  s->prev = nullptr;
  if (h->segments) h->segments->prev = s;
  h->segments = s;
  segmap_set(reinterpret_cast<uintptr_t>(s), kSegmentSize, kMapSegment);
  g_segments.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void segment_release(Heap* h, Segment* s) {
  if (s->prev)
    s->prev->next = s->next;
  else
    h->segments = s->next;
  if (s->next) s->next->prev = s->prev;
  size_t dirty = 0;
  for (uint64_t w : s->dirty_map) dirty += static_cast<size_t>(__builtin_popcountll(w));
  h->dirty_slices -= dirty;
  segmap_set(reinterpret_cast<uintptr_t>(s), kSegmentSize, kMapNone);
  g_segments.fetch_sub(1, std::memory_order_relaxed);
  os_unmap(s, kSegmentSize);
}

}  // namespace

Page* segment_page_alloc(Heap* h, size_t slices, bool one_block) {
  // Slices that are still resident first (in any segment: no page faults), then any.
  Segment* s = nullptr;
  size_t idx = kSlices;
  for (int pass = 0; pass < 2 && idx == kSlices; ++pass) {
    for (s = h->segments; s; s = s->next) {
      if (s->free_slices < slices) continue;
      if (pass == 0) {
        uint64_t resident[kSlices / 64];
        for (size_t w = 0; w < kSlices / 64; ++w) resident[w] = s->free_map[w] & s->dirty_map[w];
        idx = find_run(resident, slices);
      } else {
        idx = find_run(s->free_map, slices);
      }
      if (idx != kSlices) break;
    }
  }
  if (!s) {
    s = segment_new(h);
    if (!s) return nullptr;
    idx = kFirstSlice;
  }
  size_t dirty = count_bits(s->dirty_map, idx, slices);
  h->dirty_slices -= dirty;
  tl_fresh_pages += (slices - dirty) * (kSliceSize / kOsPage);
  set_bits(s->free_map, idx, slices, false);
  set_bits(s->dirty_map, idx, slices, false);
  set_bits(s->aged_map, idx, slices, false);
  s->free_slices -= static_cast<uint32_t>(slices);
  s->used_pages++;
  Page* pg = &s->pages[idx];
  pg->slice_count = static_cast<uint32_t>(slices);
  // Every slice a block can start in maps to the page. A one-block page's block starts at
  // the page: its other slices keep their own descriptors, not in use, so a pointer into
  // them is named as no block in use (as mimalloc maps only a large page's first slices).
  if (!one_block)
    for (size_t i = 1; i < slices; ++i) s->slice_page[idx + i] = pg;
  return pg;
}

void segment_page_free(Heap* h, Page* pg) {
  Segment* s = segment_of(reinterpret_cast<uintptr_t>(pg));
  size_t idx = static_cast<size_t>(pg - s->pages), n = pg->slice_count;
  pg->flags.store(0, std::memory_order_relaxed);
  pg->start = nullptr;
  __atomic_store_n(&pg->capacity, 0u, __ATOMIC_RELAXED);
  pg->reserved = pg->used = pg->used_synced = 0;
  pg->free = pg->local_free = nullptr;
  pg->slice_count = 0;
  pg->samples = 0;
  for (uint16_t& x : pg->sample_idx) x = 0;
  pg->owner.store(0, std::memory_order_relaxed);
  // Its OS pages given back while it was sparse are free slices' now.
  constexpr size_t kPer = kSliceSize / kOsPage;
  set_bits(s->released_map, idx * kPer, n * kPer, false);
  if (s->slice_page[idx + n - 1] == pg)  // not a one-block page
    for (size_t i = 1; i < n; ++i) s->slice_page[idx + i] = &s->pages[idx + i];
  set_bits(s->free_map, idx, n, true);
  set_bits(s->dirty_map, idx, n, true);
  s->free_slices += static_cast<uint32_t>(n);
  s->used_pages--;
  h->dirty_slices += n;
  if (s->purge_at_ns == UINT64_MAX) {
    s->purge_at_ns = now_ns() + g_config.purge_delay_ns;
    if (s->purge_at_ns < h->next_purge_ns) h->next_purge_ns = s->purge_at_ns;
  }
  if (h->dirty_slices > g_config.purge_cap_slices) heap_purge(h, true);
}

// At the ticks that are due (every tick when forced): gives aged slices back to the OS
// (all dirty ones when forced) and unmaps segments that have been empty since their last
// tick.
void heap_purge(Heap* h, bool force) {
  uint64_t now = 0;
  if (!force) {
    now = now_ns();
    if (now < h->next_purge_ns) return;
  }
  h->next_purge_ns = UINT64_MAX;
  for (Segment *s = h->segments, *next; s; s = next) {
    next = s->next;
    if (s->purge_at_ns == UINT64_MAX) continue;
    if (!force && now < s->purge_at_ns) {
      if (s->purge_at_ns < h->next_purge_ns) h->next_purge_ns = s->purge_at_ns;
      continue;
    }
    const uint64_t* gone = force ? s->dirty_map : s->aged_map;
    bool empty_aged = s->used_pages == 0 && memcmp(s->dirty_map, gone, sizeof s->dirty_map) == 0;
    if (empty_aged && (force || h->segments != s || s->next)) {
      // Empty: give it back, but keep a heap's last segment (purged below) so that a
      // thread that frees everything and starts again does not map it anew.
      segment_release(h, s);
      continue;
    }
    for (size_t i = kFirstSlice; i < kSlices;) {
      if (!bit(gone, i)) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < kSlices && bit(gone, j)) ++j;
      os_purge(reinterpret_cast<uint8_t*>(s) + i * kSliceSize, (j - i) * kSliceSize);
      set_bits(s->dirty_map, i, j - i, false);
      h->dirty_slices -= j - i;
      i = j;
    }
    // What is still dirty was freed since the last tick: it ages until the next one.
    bool dirty = false;
    for (size_t w = 0; w < kSlices / 64; ++w) {
      s->aged_map[w] = s->dirty_map[w];
      dirty |= s->dirty_map[w] != 0;
    }
    s->purge_at_ns = dirty ? (force ? now_ns() : now) + g_config.purge_delay_ns : UINT64_MAX;
    if (s->purge_at_ns < h->next_purge_ns) h->next_purge_ns = s->purge_at_ns;
  }
}

}  // namespace hak
