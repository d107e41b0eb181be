// Pages: free lists, page queues per size class, the allocation slow path, and frees that
// are not the plain local fast path (remote, into a full page, tagged or sampled, last).
//
// Every page keeps one "live" bit per block, set when the block is handed out and cleared
// when it comes back: a second free of a block, or a free of a pointer inside the page that
// is not a live block, is caught exactly, without reading the freed block.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/src/stats.h"
#include "alloc/src/tuner.h"

namespace hak {

namespace {

// Direct-table index ranges of the small classes: direct[i] serves sizes 8i-7 .. 8i.
struct DirectRange {
  uint8_t lo, hi;
};
constexpr auto kDirectRanges = [] {
  struct {
    DirectRange r[kClasses];
  } t{};
  for (unsigned c = 0; c < kClasses; ++c) t.r[c] = {1, 0};  // empty
  for (unsigned i = 0; i < kDirect; ++i) {
    unsigned c = size_class(i * 8);
    if (t.r[c].lo > t.r[c].hi)
      t.r[c] = {static_cast<uint8_t>(i), static_cast<uint8_t>(i)};
    else
      t.r[c].hi = static_cast<uint8_t>(i);
  }
  return t;
}();

void update_direct(Heap* h, unsigned cls) {
  Page* pg = h->queues[cls].first ? h->queues[cls].first : &g_empty_page;
  h->first[cls] = pg;
  DirectRange r = kDirectRanges.r[cls];
  for (unsigned i = r.lo; i <= r.hi && r.lo <= r.hi; ++i) h->direct[i] = pg;
}

void queue_push_front(Heap* h, PageQueue* q, Page* pg, unsigned cls) {
  pg->prev = nullptr;
  pg->next = q->first;
  if (q->first)
    q->first->prev = pg;
  else
    q->last = pg;
  q->first = pg;
  if (q != &h->full) update_direct(h, cls);
}

void queue_push_back(Heap* h, PageQueue* q, Page* pg, unsigned cls) {
  pg->next = nullptr;
  pg->prev = q->last;
  if (q->last)
    q->last->next = pg;
  else
    q->first = pg;
  q->last = pg;
  if (q != &h->full && q->first == pg) update_direct(h, cls);
}

void queue_remove(Heap* h, PageQueue* q, Page* pg, unsigned cls) {
  if (pg->prev)
    pg->prev->next = pg->next;
  else
    q->first = pg->next;
  if (pg->next)
    pg->next->prev = pg->prev;
  else
    q->last = pg->prev;
  pg->next = pg->prev = nullptr;
  if (q != &h->full) update_direct(h, cls);
}

PageQueue* queue_of(Heap* h, Page* pg) {
  return (pg->flags.load(std::memory_order_relaxed) & kPageInFull) ? &h->full
                                                                   : &h->queues[pg->size_class];
}

// Carves more blocks from the untouched part of the page: about 4 KiB at a time, so that
// memory is touched (and becomes resident) only as it is needed.
void page_extend(Page* pg) {
  uint32_t bs = pg->block_size;
  uint32_t n = bs >= kOsPage ? 1 : static_cast<uint32_t>(kOsPage / bs);
  if (n < 4) n = 4;
  if (n > pg->reserved - pg->capacity) n = pg->reserved - pg->capacity;
  uint8_t* first = pg->start + static_cast<size_t>(pg->capacity) * bs;
  Block* head = pg->free;
  for (uint32_t i = n; i-- > 0;) {
    Block* b = reinterpret_cast<Block*>(first + static_cast<size_t>(i) * bs);
    b->next = encode(pg, head);
    if (HAK_DEBUG >= 2) debug_poison(pg, b);
    head = b;
  }
  pg->free = head;
  __atomic_store_n(&pg->capacity, pg->capacity + n, __ATOMIC_RELAXED);
}

void page_init(Heap* h, Page* pg, unsigned cls) {
  Segment* s = segment_of(reinterpret_cast<uintptr_t>(pg));
  size_t idx = static_cast<size_t>(pg - s->pages);
  size_t span = pg->slice_count * kSliceSize;
  uint32_t bs = static_cast<uint32_t>(class_size(cls));
  pg->block_size = bs;
  pg->size_class = static_cast<uint8_t>(cls);
  pg->start = reinterpret_cast<uint8_t*>(s) + idx * kSliceSize;
  // Blocks, then the live bitmap (one bit for every block index a pointer into the span can
  // give, so an index past the blocks reads "not live"), then a site id per block (touched
  // only once the page is tagged).
  size_t bitmap = (span / bs + 63) / 64 * 8;
  pg->reserved = static_cast<uint32_t>((span - bitmap) / (bs + sizeof(uint16_t)));
  pg->live = reinterpret_cast<uint64_t*>(pg->start + static_cast<size_t>(pg->reserved) * bs);
  pg->live =
      reinterpret_cast<uint64_t*>((reinterpret_cast<uintptr_t>(pg->live) + 7) & ~uintptr_t{7});
  memset(pg->live, 0, bitmap);
  pg->sites = reinterpret_cast<uint16_t*>(pg->start + span) - pg->reserved;
  pg->div_magic = div_magic(bs);
  pg->key = rotl(h->rng += 0x9e3779b97f4a7c15ull, 23) ^ g_secret;
  pg->free = pg->local_free = nullptr;
  pg->thread_free.store(0, std::memory_order_relaxed);
  pg->capacity = 0;
  pg->used = 0;
  pg->samples = 0;
  for (uint16_t& x : pg->sample_idx) x = 0;
  pg->flags.store(kPageInUse, std::memory_order_relaxed);
  pg->xheap.store(reinterpret_cast<uintptr_t>(h), std::memory_order_release);
}

// Clears a block's live bit; a block that is not live is freed twice (or never was ours).
HAK_INLINE void take_live(Page* pg, Block* b, const char* how) {
  uint32_t idx = block_index(pg, reinterpret_cast<uintptr_t>(b));
  if (HAK_UNLIKELY(!live_test(pg, idx))) fatal("free(): double free of %p%s", b, how);
  live_clear(pg, idx);
}

// Moves blocks freed by other threads, then by the owner, to the allocation list.
void page_collect(Page* pg) {
  uintptr_t tf = pg->thread_free.load(std::memory_order_relaxed);
  if (tf & ~kTfMask) {
    while (!pg->thread_free.compare_exchange_weak(tf, tf & kTfMask, std::memory_order_acquire)) {
    }
    Block* head = reinterpret_cast<Block*>(tf & ~kTfMask);
    if (HAK_UNLIKELY(pg->samples)) sample_collect(pg, head);
    Block* tail = head;
    uint32_t count = 1;
    take_live(pg, head, " (cross-thread)");
    for (Block* b; (b = decode(pg, tail->next)) != nullptr; tail = b) {
      if (++count > pg->used || !is_block_start(pg, reinterpret_cast<uintptr_t>(b)))
        fatal("free(): double free or corruption of a block near %p (cross-thread)", b);
      take_live(pg, b, " (cross-thread)");
    }
    tail->next = encode(pg, pg->local_free);
    pg->local_free = head;
    pg->used -= count;
  }
  if (!pg->free) {
    if (HAK_UNLIKELY(pg->samples)) sample_collect(pg, pg->local_free);
    pg->free = pg->local_free;
    pg->local_free = nullptr;
  }
}

// The page has nothing to give: mark it so the next remote free tells the heap.
bool page_try_full(Heap* h, Page* pg) {
  uintptr_t tf = pg->thread_free.load(std::memory_order_relaxed);
  if ((tf & ~kTfMask) ||
      !pg->thread_free.compare_exchange_strong(tf, tf | kTfNotify, std::memory_order_acq_rel))
    return false;  // remote frees arrived meanwhile: use them
  queue_remove(h, &h->queues[pg->size_class], pg, pg->size_class);
  page_set_flags(pg, kPageInFull, 0);
  queue_push_front(h, &h->full, pg, pg->size_class);
  return true;
}

// A full page got a block back: to the back of its queue, so it gathers more frees before
// it is allocated from again (at the front it would flip between full and not at every
// block).
void page_unfull(Heap* h, Page* pg) {
  queue_remove(h, &h->full, pg, pg->size_class);
  page_set_flags(pg, 0, kPageInFull);
  uintptr_t tf = pg->thread_free.load(std::memory_order_relaxed);
  while ((tf & kTfNotify) &&
         !pg->thread_free.compare_exchange_weak(tf, tf & ~kTfNotify, std::memory_order_acq_rel)) {
  }
  queue_push_back(h, &h->queues[pg->size_class], pg, pg->size_class);
}

Page* find_page(Heap* h, unsigned cls) {
  PageQueue* q = &h->queues[cls];
  for (Page* pg = q->first; pg;) {
    page_collect(pg);
    if (!pg->free && pg->capacity < pg->reserved) page_extend(pg);
    if (pg->free) {
      if (pg != q->first) {
        queue_remove(h, q, pg, cls);
        queue_push_front(h, q, pg, cls);
      }
      return pg;
    }
    Page* next = pg->next;
    if (!page_try_full(h, pg)) continue;  // retry the same page: it got remote frees
    pg = next;
  }
  Page* pg = segment_page_alloc(h, class_slices(cls));
  if (!pg) return nullptr;
  page_init(h, pg, cls);
  page_extend(pg);
  queue_push_front(h, q, pg, cls);
  return pg;
}

void record_site(Page* pg, Block* b, hak_site_t site) {
  if (!(pg->flags.load(std::memory_order_relaxed) & kPageTagged)) {
    if (site == 0) return;
    memset(pg->sites, 0, pg->reserved * sizeof(uint16_t));
    page_set_flags(pg, kPageTagged, 0);
  }
  pg->sites[block_index(pg, reinterpret_cast<uintptr_t>(b))] = static_cast<uint16_t>(site);
}

// Gives a page with no live block back to its segment (its samples' lifetimes end here).
void page_free(Heap* h, Page* pg) {
  if (HAK_UNLIKELY(pg->samples)) sample_collect(pg, pg->local_free);
  segment_page_free(h, pg);
}

// A page whose last block came home: give it back unless it is the only page of its class
// (keeping one avoids mapping and unmapping on every alloc/free of a lone block).
void page_retire(Heap* h, Page* pg) {
  PageQueue* q = &h->queues[pg->size_class];
  if (q->first == pg && q->last == pg && pg->block_size <= 64 * 1024) return;
  queue_remove(h, q, pg, pg->size_class);
  page_free(h, pg);
}

}  // namespace

void page_set_flags(Page* pg, uint8_t add, uint8_t remove) {
  uint8_t f = add ? pg->flags.fetch_or(add) | add : pg->flags.load();
  if (remove) f = pg->flags.fetch_and(static_cast<uint8_t>(~remove)) & ~remove;
  // xheap's slow bit follows the flags; a concurrent change by another thread (a remote
  // free clearing "sampled") is caught by looking again.
  for (;;) {
    uintptr_t x = pg->xheap.load();
    uintptr_t want = (x & ~uintptr_t{kXSlow}) | ((f & kSlowFlags) ? uintptr_t{kXSlow} : 0);
    if (x != want) pg->xheap.compare_exchange_strong(x, want);
    uint8_t now = pg->flags.load();
    if (now == f) break;
    f = now;
  }
}

void heap_page_queue_remove(Heap* h, Page* pg) {
  queue_remove(h, queue_of(h, pg), pg, pg->size_class);
}

void* malloc_generic(Heap* h, size_t n, hak_site_t site, void* ra) {
  if (HAK_UNLIKELY(h == &g_empty_heap)) {
    h = heap_for_thread();
    if (!h) {
      if (g_config.system_backend) return ::malloc(n);  // never in libhakmem.so
      errno = ENOMEM;
      return nullptr;
    }
  }
  if (HAK_UNLIKELY(h->delayed.load(std::memory_order_relaxed) != nullptr)) heap_drain_delayed(h);
  if (HAK_UNLIKELY(h->dirty_slices != 0) && h->purge_countdown-- == 0) {
    h->purge_countdown = 64;  // the clock costs more than this whole path: look now and then
    heap_purge(h, false);
  }
  // This allocation will be sampled: time it (the latency KPI).
  uint64_t t0 =
      h->sample_left <= 16 || static_cast<uint64_t>(h->sample_left) - 16 < n ? cycles() : 0;
  void* p;
  size_t usable;
  // Blocks above 64 KiB follow their site's policy (its threshold, BigCache, THP, prefault),
  // and their cost feeds the site's tuner.
  size_t threshold = __atomic_load_n(&g_config.threshold, __ATOMIC_RELAXED);
  hak_site_t tsite = 0;
  uint64_t c0 = 0, fresh0 = 0;  // what this allocation costs its site's tuner
  if (n > kMediumFast && g_mode != kModeOff) {
    tsite = site ? site : implicit_site(ra);
    threshold = threshold_of(policy_for(tsite));
    c0 = cycles();
    fresh0 = tl_fresh_pages;
  }
  if (HAK_LIKELY(n <= threshold && n <= kMediumMax)) {
    unsigned cls = size_class(n);
    Page* pg = h->queues[cls].first;
    if (HAK_UNLIKELY(!pg || !pg->free)) pg = find_page(h, cls);
    if (HAK_UNLIKELY(!pg)) {
      errno = ENOMEM;
      return nullptr;
    }
    Block* b = pg->free;
    page_pop(pg, b);
    if (site || (pg->flags.load(std::memory_order_relaxed) & kPageTagged)) record_site(pg, b, site);
    p = b;
    usable = pg->block_size;
    if (site) count_alloc(site, n, usable);
  } else {
    if (HAK_UNLIKELY(n > kMaxAlloc)) {
      errno = ENOMEM;
      return nullptr;
    }
    p = large_alloc(n, 0, tsite ? tsite : large_site(site, ra));
    if (!p) return nullptr;
    usable = large_of(reinterpret_cast<uintptr_t>(p))->size;
  }
  if (tsite) tune_alloc(tsite, usable, cycles() - c0, tl_fresh_pages - fresh0);
  __atomic_store_n(&h->sample_left, h->sample_left - static_cast<int64_t>(usable),
                   __ATOMIC_RELAXED);
  if (HAK_UNLIKELY(h->sample_left < 0)) sample_alloc(h, p, n, usable, site, ra, t0);
  return p;
}

// Bookkeeping of a freed block in a tagged or sampled page, by whichever thread frees it.
void note_free(Page* pg, Block* b) {
  uint8_t f = pg->flags.load(std::memory_order_acquire);
  if (f & kPageTagged) {
    uint16_t* slot = &pg->sites[block_index(pg, reinterpret_cast<uintptr_t>(b))];
    hak_site_t site = *slot;
    *slot = 0;
    if (site) count_free(site, pg->block_size);
  }
  if (f & kPageSampledMany) sample_note_free(pg, b);
}

void count_freed_bytes(size_t n) {
  Heap* h = tl_heap;
  if (h != &g_empty_heap)
    __atomic_store_n(&h->freed_bytes, h->freed_bytes + n, __ATOMIC_RELAXED);
  else
    stats_add_freed_noheap(n);
}

// The owner frees into its own page, with every check.
void free_local(Heap* h, Page* pg, Block* b) {
  take_live(pg, b, "");
  note_free(pg, b);
  page_push_local(h, pg, b);
  if (--pg->used == 0 || (pg->flags.load(std::memory_order_relaxed) & kPageInFull))
    page_free_slow(h, pg);
}

void free_local_slow(Heap* h, Page* pg, Block* b) {
  // Tagged and nothing else (not full, not many samples), a live block start: count the
  // block's site here. Anything else, and every error, on the checked way.
  uintptr_t u = reinterpret_cast<uintptr_t>(b);
  uint32_t off = static_cast<uint32_t>(u - reinterpret_cast<uintptr_t>(pg->start));
  uint32_t idx = block_index(pg, u);
  if (HAK_LIKELY((pg->flags.load(std::memory_order_relaxed) & kSlowFlags) == kPageTagged &&
                 divisible(off, pg->div_magic) && live_test(pg, idx))) {
    live_clear(pg, idx);
    uint16_t* slot = &pg->sites[idx];
    hak_site_t site = *slot;
    *slot = 0;
    if (site) count_free(site, pg->block_size);
    page_push_local(h, pg, b);
    if (--pg->used == 0) page_free_slow(h, pg);
    return;
  }
  free_generic(b);
}

// Another thread's block: push it on the page's atomic list (or, when the owner marked the
// page full, on the owner heap's delayed list, so the page comes back into use). The owner
// clears its live bit when it collects it.
void free_remote(Page* pg, Block* b) {
  // A block whose bit is already clear was freed before: say so now, while we know who.
  if (HAK_UNLIKELY(!live_test(pg, block_index(pg, reinterpret_cast<uintptr_t>(b)))))
    fatal("free(): double free of %p (cross-thread)", b);
  note_free(pg, b);
  count_freed_bytes(pg->block_size);
  if (HAK_DEBUG >= 2) debug_poison(pg, b);
  uintptr_t tf = pg->thread_free.load(std::memory_order_relaxed);
  for (;;) {
    if (tf & kTfNotify) {
      if (!pg->thread_free.compare_exchange_weak(tf, tf & ~kTfNotify, std::memory_order_acq_rel))
        continue;
      Heap* h = page_heap(pg);
      Block* head = h->delayed.load(std::memory_order_relaxed);
      do {
        b->next = encode(pg, head);
      } while (!h->delayed.compare_exchange_weak(head, b, std::memory_order_release,
                                                 std::memory_order_relaxed));
      return;
    }
    Block* head = reinterpret_cast<Block*>(tf & ~kTfMask);
    if (HAK_UNLIKELY(head == b)) fatal("free(): double free of %p (cross-thread)", b);
    b->next = encode(pg, head);
    if (pg->thread_free.compare_exchange_weak(tf, reinterpret_cast<uintptr_t>(b) | (tf & kTfMask),
                                              std::memory_order_release, std::memory_order_relaxed))
      return;
  }
}

void page_free_slow(Heap* h, Page* pg) {
  if (pg->flags.load(std::memory_order_relaxed) & kPageInFull) page_unfull(h, pg);
  if (pg->used == 0) page_retire(h, pg);
}

void heap_drain_delayed(Heap* h) {
  Block* b = h->delayed.exchange(nullptr, std::memory_order_acquire);
  while (b) {
    uintptr_t u = reinterpret_cast<uintptr_t>(b);
    Page* pg = page_of(segment_of(u), u);
    Block* next = decode(pg, b->next);
    take_live(pg, b, " (cross-thread)");
    if (HAK_DEBUG >= 2) debug_poison(pg, b);
    b->next = encode(pg, pg->local_free);
    pg->local_free = b;
    --pg->used;
    page_free_slow(h, pg);
    b = next;
  }
}

// Returns every empty page of the heap (and, when forced, purges at once).
void collect_heap(Heap* h, bool force) {
  heap_drain_delayed(h);
  for (unsigned c = 0; c <= kClasses; ++c) {
    PageQueue* q = c < kClasses ? &h->queues[c] : &h->full;
    for (Page* pg = q->first; pg;) {
      Page* next = pg->next;
      page_collect(pg);
      if (pg->used == 0) {
        queue_remove(h, q, pg, pg->size_class);
        page_free(h, pg);
      } else if (c == kClasses && pg->free) {
        page_unfull(h, pg);
      }
      pg = next;
    }
  }
  heap_purge(h, force);
}

void debug_poison(Page* pg, Block* b) {
  if (pg->block_size > sizeof(Block))
    memset(reinterpret_cast<uint8_t*>(b) + sizeof(Block), kPoisonFree,
           pg->block_size - sizeof(Block));
}

void debug_check_poison(Page* pg, Block* b) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(b);
  for (size_t i = sizeof(Block); i < pg->block_size; ++i)
    if (p[i] != kPoisonFree)
      fatal("use after free: block %p was written at offset %zu after it was freed", b, i);
}

}  // namespace hak
