// Pages: free lists, page queues per size class, the allocation slow path, and frees that
// are not the plain local fast path (remote, into a full page, tagged or sampled, last).
//
// In the secure variant every page keeps one "live" bit per block, set when the block is
// handed out and cleared when it comes back: a second free of a block, or a free of a
// pointer inside the page that is not a live block, is caught exactly, without reading the
// freed block. The default variant checks what its slow paths can afford.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc/src/fastpath.h"
#include "alloc/src/lifetime.h"
#include "alloc/src/timeline.h"
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

// A heap's pages come in two sets, each with its queues and tables: the default one and
// the long-lived sites' (kPageLong, lifetime.h).
struct Set {
  PageQueue* queues;
  Page** first;
  Page** direct;
};
HAK_INLINE Set set_of(Heap* h, bool lng) {
  return lng ? Set{h->queues_long, h->first_long, h->direct_long}
             : Set{h->queues, h->first, h->direct};
}
HAK_INLINE bool page_is_long(const Page* pg) {
  return pg->flags.load(std::memory_order_relaxed) & kPageLong;
}

void update_direct(Heap* h, unsigned cls, bool lng) {
  Set s = set_of(h, lng);
  Page* pg = s.queues[cls].first ? s.queues[cls].first : &g_empty_page;
  s.first[cls] = pg;
  DirectRange r = kDirectRanges.r[cls];
  for (unsigned i = r.lo; i <= r.hi && r.lo <= r.hi; ++i) s.direct[i] = pg;
}

void queue_push_front(Heap* h, PageQueue* q, Page* pg, unsigned cls) {
  pg->prev = nullptr;
  pg->next = q->first;
  if (q->first)
    q->first->prev = pg;
  else
    q->last = pg;
  q->first = pg;
  if (q != &h->full && !pg->site) update_direct(h, cls, page_is_long(pg));
}

void queue_push_back(Heap* h, PageQueue* q, Page* pg, unsigned cls) {
  pg->next = nullptr;
  pg->prev = q->last;
  if (q->last)
    q->last->next = pg;
  else
    q->first = pg;
  q->last = pg;
  if (q != &h->full && q->first == pg && !pg->site) update_direct(h, cls, page_is_long(pg));
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
  if (q != &h->full && !pg->site) update_direct(h, cls, page_is_long(pg));
}

// The site pages' queue of (site, class) in h: found, or (make) added; nullptr when it is
// not there (or, make, the table cannot grow).
HAK_INLINE uint32_t squeue_key(hak_site_t site, unsigned cls) { return site << 8 | cls; }
HAK_INLINE uint32_t squeue_hash(uint32_t key, uint32_t cap) {
  return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> 40) & (cap - 1);
}
SiteQueue* squeue_find(Heap* h, uint32_t key) {
  for (uint32_t i = h->squeue_cap ? squeue_hash(key, h->squeue_cap) : 0; h->squeue_cap;
       i = (i + 1) & (h->squeue_cap - 1)) {
    if (h->squeues[i].key == key) return &h->squeues[i];
    if (h->squeues[i].key == 0) return nullptr;
  }
  return nullptr;
}
SiteQueue* squeue_get(Heap* h, uint32_t key) {
  if (SiteQueue* q = squeue_find(h, key)) return q;
  if (2 * (h->squeue_count + 1) > h->squeue_cap) {  // load <= 1/2: a bigger table
    uint32_t cap = h->squeue_cap ? 2 * h->squeue_cap : 64;
    void* m = mmap(nullptr, cap * sizeof(SiteQueue), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    auto* t = static_cast<SiteQueue*>(m);
    for (uint32_t i = 0; i < h->squeue_cap; ++i) {
      if (h->squeues[i].key == 0) continue;
      uint32_t j = squeue_hash(h->squeues[i].key, cap);
      while (t[j].key) j = (j + 1) & (cap - 1);
      t[j] = h->squeues[i];
    }
    if (h->squeues) munmap(h->squeues, h->squeue_cap * sizeof(SiteQueue));
    h->squeues = t;
    h->squeue_cap = cap;
  }
  uint32_t i = squeue_hash(key, h->squeue_cap);
  while (h->squeues[i].key) i = (i + 1) & (h->squeue_cap - 1);
  h->squeues[i] = SiteQueue{key, 0, {nullptr, nullptr}};
  ++h->squeue_count;
  return &h->squeues[i];
}

// Every queue of the heap, for walks over all its pages: the classes of both sets, the
// full pages (index kAllQueues - 1), then the site pages' queues.
constexpr unsigned kAllQueues = 2 * kClasses + 1;
HAK_INLINE unsigned heap_queues(const Heap* h) { return kAllQueues + h->squeue_cap; }
HAK_INLINE PageQueue* heap_queue(Heap* h, unsigned i) {
  return i < kClasses       ? &h->queues[i]
         : i < 2 * kClasses ? &h->queues_long[i - kClasses]
         : i < kAllQueues   ? &h->full
                            : &h->squeues[i - kAllQueues].q;
}

// The queue of the page's class in its set, or its site's (not the full queue).
PageQueue* class_queue(Heap* h, Page* pg) {
  if (pg->site) return &squeue_find(h, squeue_key(pg->site, pg->size_class))->q;
  return &set_of(h, page_is_long(pg)).queues[pg->size_class];
}

PageQueue* queue_of(Heap* h, Page* pg) {
  return (pg->flags.load(std::memory_order_relaxed) & kPageInFull) ? &h->full
                                                                   : class_queue(h, pg);
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

void page_init(Heap* h, Page* pg, unsigned cls, bool lng, hak_site_t site) {
  Segment* s = segment_of(reinterpret_cast<uintptr_t>(pg));
  size_t idx = static_cast<size_t>(pg - s->pages);
  size_t span = pg->slice_count * kSliceSize;
  uint32_t bs = static_cast<uint32_t>(class_size(cls));
  pg->block_size = bs;
  pg->size_class = static_cast<uint8_t>(cls);
  pg->start = reinterpret_cast<uint8_t*>(s) + idx * kSliceSize;
  // Blocks, then (secure) the live bitmap (one bit for every block index a pointer into the
  // span can give, so an index past the blocks reads "not live"), then a site id per block
  // (touched only once the page is tagged). A bitmap of one word (pages of 64 blocks or
  // fewer) lives in the segment's metadata instead: after the blocks it would fault in a
  // page of its own.
  size_t bitmap = kSecure ? (span / bs + 63) / 64 * 8 : 0;
  if (bitmap == 8) bitmap = 0;
  pg->reserved = static_cast<uint32_t>((span - bitmap) / (bs + sizeof(uint16_t)));
  if constexpr (kSecure) {
    if (bitmap == 0) {
      pg->live = &s->live_words[idx];
      *pg->live = 0;
    } else {
      uintptr_t live = reinterpret_cast<uintptr_t>(pg->start) + size_t{pg->reserved} * bs;
      pg->live = reinterpret_cast<uint64_t*>((live + 7) & ~uintptr_t{7});
      memset(pg->live, 0, bitmap);
    }
  }
  pg->site = static_cast<uint16_t>(site);
  pg->in_slots = 0;
  pg->div_magic = div_magic(bs);
  pg->key = rotl(h->rng += 0x9e3779b97f4a7c15ull, 23) ^ g_secret;
  pg->free = pg->local_free = nullptr;
  pg->thread_free.store(0, std::memory_order_relaxed);
  pg->capacity = 0;
  pg->used = 0;
  pg->used_synced = 0;
  pg->samples = 0;
  pg->sparse_ticks = 0;
  for (uint16_t& x : pg->sample_idx) x = 0;
  pg->flags.store(lng ? kPageInUse | kPageLong : kPageInUse, std::memory_order_relaxed);
  pg->owner.store(h->token, std::memory_order_release);
}

// Secure: clears a block's live bit; a block that is not live is freed twice (or never was
// ours).
HAK_INLINE void take_live(Page* pg, Block* b, const char* how) {
  if constexpr (!kSecure) return;
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
      // More blocks than are handed out: a block was freed twice (the list may even be a
      // cycle). Secure: every link must be a block start of this page.
      if (++count > pg->used || (kSecure && !is_block_start(pg, reinterpret_cast<uintptr_t>(b))))
        fatal("free(): double free or corruption of a block near %p (cross-thread)", b);
      take_live(pg, b, " (cross-thread)");
    }
    tail->next = encode(pg, pg->local_free);
    pg->local_free = head;
    page_took_remote(pg, count);
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
  queue_remove(h, class_queue(h, pg), pg, pg->size_class);
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
  queue_push_back(h, class_queue(h, pg), pg, pg->size_class);
}

// ---- Sparse pages --------------------------------------------------------------------
//
// A page whose blocks are mostly free but for a few that stay (a burst's survivors, what a
// cache kept) cannot go back whole. Its OS pages that hold only free blocks can: they are
// purged, and the free blocks they hold leave the free lists (their links would be gone)
// until the page has nothing else to give, when they are carved again (they read zero).
// The released OS pages are bits in the segment's released_map.

// Index of the OS page holding address u, in its segment.
HAK_INLINE size_t os_page_index(const Segment* s, uintptr_t u) {
  return (u - reinterpret_cast<uintptr_t>(s)) / kOsPage;
}

// Whether block i of pg overlaps an OS page in released_map.
bool block_released(const Segment* s, const Page* pg, uint32_t i) {
  uintptr_t b = reinterpret_cast<uintptr_t>(pg->start) + uintptr_t{i} * pg->block_size;
  for (size_t k = os_page_index(s, b), last = os_page_index(s, b + pg->block_size - 1); k <= last;
       ++k)
    if ((s->released_map[k / 64] >> (k % 64)) & 1) return true;
  return false;
}

// The free blocks of the page's released OS pages come back as free blocks (the owner,
// when the page has nothing else to give).
void page_recarve(Page* pg) {
  Segment* s = segment_of(reinterpret_cast<uintptr_t>(pg));
  Block* head = pg->free;
  for (uint32_t i = pg->capacity; i-- > 0;) {
    if (!block_released(s, pg, i)) continue;
    Block* b = reinterpret_cast<Block*>(pg->start + size_t{i} * pg->block_size);
    b->next = encode(pg, head);
    if (HAK_DEBUG >= 2) debug_poison(pg, b);
    head = b;
  }
  pg->free = head;
  size_t from = os_page_index(s, reinterpret_cast<uintptr_t>(pg->start));
  size_t to = from + pg->slice_count * (kSliceSize / kOsPage);
  for (size_t k = from; k < to; ++k) s->released_map[k / 64] &= ~(uint64_t{1} << (k % 64));
  page_set_flags(pg, 0, kPageReleased);
}

// A sparse page (at most a quarter of its carved blocks handed out) gives back its OS
// pages that hold only free blocks. The owner only.
void page_release_sparse(Page* pg) {
  uint32_t cap = pg->capacity;
  size_t bs = pg->block_size;
  if (pg->used * 4 > cap || size_t{cap} * bs < 4 * kOsPage) {
    pg->sparse_ticks = 0;
    return;
  }
  // Sparse at two looks running, with no allocation from it between (find_page resets the
  // count): a page that a burst of the same sizes is about to fill again is left alone,
  // or it would fault its OS pages in again at every burst.
  if (++pg->sparse_ticks < 2) return;
  page_collect(pg);  // other threads' frees are free blocks too
  if (pg->samples) {  // sampled blocks among the free ones die now (they leave the lists)
    sample_collect(pg, pg->free);
    sample_collect(pg, pg->local_free);
  }
  uint64_t free_bits[8192 / 64] = {};
  uint32_t nfree = 0;
  for (Block* list : {pg->free, pg->local_free}) {
    for (Block* b = list; b; b = decode(pg, b->next)) {
      uint32_t i = block_index(pg, reinterpret_cast<uintptr_t>(b));
      if (i >= cap || ++nfree > cap) return;  // not ours to judge: leave the page as it is
      free_bits[i / 64] |= uint64_t{1} << (i % 64);
    }
  }
  Segment* s = segment_of(reinterpret_cast<uintptr_t>(pg));
  uintptr_t start = reinterpret_cast<uintptr_t>(pg->start);
  size_t first_os = os_page_index(s, start);
  size_t end_os = os_page_index(s, start + size_t{cap} * bs);  // OS pages wholly in the blocks
  size_t released = 0;
  for (size_t k = first_os; k < end_os; ++k) {
    uintptr_t lo = reinterpret_cast<uintptr_t>(s) + k * kOsPage;
    uint32_t a = static_cast<uint32_t>((lo - start) / bs);
    uint32_t z = static_cast<uint32_t>((lo + kOsPage - 1 - start) / bs);
    bool all_free = true;
    for (uint32_t i = a; i <= z && all_free; ++i)
      all_free = (free_bits[i / 64] >> (i % 64)) & 1;
    if (!all_free) continue;
    s->released_map[k / 64] |= uint64_t{1} << (k % 64);
    ++released;
  }
  if (released == 0) return;
  // The free lists keep only blocks of OS pages still resident.
  Block* head = nullptr;
  for (uint32_t i = cap; i-- > 0;) {
    if (!((free_bits[i / 64] >> (i % 64)) & 1) || block_released(s, pg, i)) continue;
    Block* b = reinterpret_cast<Block*>(pg->start + size_t{i} * bs);
    b->next = encode(pg, head);
    head = b;
  }
  pg->free = head;
  pg->local_free = nullptr;
  for (size_t k = first_os; k < end_os;) {  // purge runs of released OS pages
    if (!((s->released_map[k / 64] >> (k % 64)) & 1)) {
      ++k;
      continue;
    }
    size_t j = k;
    while (j < end_os && ((s->released_map[j / 64] >> (j % 64)) & 1)) ++j;
    os_purge(reinterpret_cast<uint8_t*>(s) + k * kOsPage, (j - k) * kOsPage);
    k = j;
  }
  page_set_flags(pg, kPageReleased, 0);
}

// A page of queue q (class cls) with a free block: the owner's and other threads' frees
// collected, fresh blocks carved, or a new page (of the long set, or of `site`'s pages).
Page* find_page(Heap* h, PageQueue* q, unsigned cls, bool lng, hak_site_t site) {
  for (Page* pg = q->first; pg;) {
    page_collect(pg);
    if (!pg->in_slots) page_sync_live(h, pg);  // (a slot's page: with the slot's count)
    if (!pg->free && (pg->flags.load(std::memory_order_relaxed) & kPageReleased))
      page_recarve(pg);
    if (!pg->free && pg->capacity < pg->reserved) page_extend(pg);
    if (pg->free) {
      if (pg != q->first) {
        queue_remove(h, q, pg, cls);
        queue_push_front(h, q, pg, cls);
      }
      pg->sparse_ticks = 0;
      return pg;
    }
    Page* next = pg->next;
    if (!page_try_full(h, pg)) continue;  // retry the same page: it got remote frees
    pg = next;
  }
  Page* pg = segment_page_alloc(h, class_slices(cls), class_size(cls) > 64 * 1024);
  if (!pg) return nullptr;
  page_init(h, pg, cls, lng, site);
  page_extend(pg);
  queue_push_front(h, q, pg, cls);
  return pg;
}
Page* find_page(Heap* h, unsigned cls, bool lng) {
  return find_page(h, &set_of(h, lng).queues[cls], cls, lng, 0);
}

void record_site(Page* pg, Block* b, hak_site_t site) {
  if (!(pg->flags.load(std::memory_order_relaxed) & kPageTagged)) {
    if (site == 0) return;
    memset(page_sites(pg), 0, pg->reserved * sizeof(uint16_t));
    page_set_flags(pg, kPageTagged, 0);
  }
  page_sites(pg)[block_index(pg, reinterpret_cast<uintptr_t>(b))] = static_cast<uint16_t>(site);
}

void tag_slot_clear(Heap* h, unsigned i, bool retire);

// Gives a page with no live block back to its segment (its samples' lifetimes end here; a
// site page's tag slots let it go).
void page_free(Heap* h, Page* pg) {
  for (unsigned i = 0; pg->in_slots && i < kTagSlots; ++i)
    if (h->tags.page[i] == pg) tag_slot_clear(h, i, false);
  if (HAK_UNLIKELY(pg->samples)) sample_collect(pg, pg->local_free);
  if (pg->flags.load(std::memory_order_relaxed) & kPageSwept) {  // off the sweep list
    for (uint32_t i = 0; i < h->nsampled; ++i)
      if (h->sampled_pages[i] == pg) h->sampled_pages[i--] = h->sampled_pages[--h->nsampled];
  }
  page_sync_live(h, pg);
  segment_page_free(h, pg);
}

// A page whose last block came home: give it back unless it is the only page of its class
// (keeping one avoids mapping and unmapping on every alloc/free of a lone block), or a site
// page that a tag slot allocates from (the slot keeps it, however lone, and a site page no
// slot holds goes back).
void page_retire(Heap* h, Page* pg) {
  if (pg->in_slots) return;
  PageQueue* q = class_queue(h, pg);
  if (!pg->site && q->first == pg && q->last == pg && pg->block_size <= 64 * 1024) return;
  queue_remove(h, q, pg, pg->size_class);
  page_free(h, pg);
}

// Bookkeeping of a freed block in a tagged or sampled page, by whichever thread frees it.
void note_free(Page* pg, Block* b) {
  uint8_t f = pg->flags.load(std::memory_order_acquire);
  if (f & kPageTagged) {
    uint16_t* slot = &page_sites(pg)[block_index(pg, reinterpret_cast<uintptr_t>(b))];
    hak_site_t site = *slot;
    *slot = 0;
    if (site) count_free(site, pg->block_size);
  }
  if (f & kPageSampledMany) sample_note_free(pg, b);
}

// The owner frees into its own page, with every check the variant makes.
void free_local(Heap* h, Page* pg, Block* b) {
  if (!is_block_start(pg, reinterpret_cast<uintptr_t>(b)))
    fatal("free(): invalid pointer %p (not a block hakmem handed out)", b);
  if constexpr (kSecure) {
    take_live(pg, b, "");
  } else if (b == pg->local_free || pg->used == 0) {
    // What the default variant can tell on its slow paths: a block freed twice in a row,
    // more frees than blocks handed out.
    fatal("free(): double free of %p", b);
  }
  note_free(pg, b);
  page_push_local(pg, b);
  if (--pg->used == 0 || (pg->flags.load(std::memory_order_relaxed) & kPageInFull))
    page_free_slow(pg);
  (void)h;
}

[[noreturn]] void bad_pointer(Page* pg, Block* b) {
  Segment* s = segment_of(reinterpret_cast<uintptr_t>(b));
  if (s->cookie != (reinterpret_cast<uintptr_t>(s) ^ g_secret) || s->kind != kKindSegment)
    fatal("free(): heap corruption: segment header at %p is damaged", s);
  // No page in use there: the block's page went back when its last block was freed (a
  // double free), or the pointer was never one.
  if (pg->owner.load(std::memory_order_relaxed) == 0)
    fatal("free(): invalid pointer %p (not a block in use: freed already, or never handed out)",
          b);
  fatal("free(): invalid pointer %p (not a block hakmem handed out)", b);
}

}  // namespace

void page_set_flags(Page* pg, uint8_t add, uint8_t remove) {
  uint8_t f = add ? pg->flags.fetch_or(add) | add : pg->flags.load();
  if (remove) f = pg->flags.fetch_and(static_cast<uint8_t>(~remove)) & ~remove;
  // The owner word's slow bit follows the flags; a concurrent change by another thread (a
  // remote free clearing "sampled") is caught by looking again.
  for (;;) {
    uintptr_t x = pg->owner.load();
    uintptr_t want =
        (x & ~uintptr_t{kOwnerSlow}) | ((f & kSlowFlags) ? uintptr_t{kOwnerSlow} : 0);
    if (x != want) pg->owner.compare_exchange_strong(x, want);
    uint8_t now = pg->flags.load();
    if (now == f) break;
    f = now;
  }
}

void heap_page_queue_remove(Heap* h, Page* pg) {
  queue_remove(h, queue_of(h, pg), pg, pg->size_class);
}

void heap_set_owner(Heap* h, uintptr_t token) {
  h->token = token;
  for (unsigned i = 0; i < heap_queues(h); ++i) {
    for (Page* pg = heap_queue(h, i)->first; pg; pg = pg->next) {
      // A remote free may flip the slow bit meanwhile (page_set_flags): keep it.
      uintptr_t x = pg->owner.load(std::memory_order_relaxed);
      while (!pg->owner.compare_exchange_weak(x, token | (x & kOwnerSlow),
                                              std::memory_order_acq_rel)) {
      }
    }
  }
}

void heap_sync_live(Heap* h) {
  for (unsigned i = 0; i < heap_queues(h); ++i)
    for (Page* pg = heap_queue(h, i)->first; pg; pg = pg->next) page_sync_live(h, pg);
}

namespace {

// After the allocation: the heap's byte countdown, and the sample it may call for.
HAK_INLINE void count_down(Heap* h, void* p, size_t n, size_t usable, hak_site_t site,
                           void* ra, uint64_t t0, hak_site_t implicit = 0) {
  __atomic_store_n(&h->sample_left, h->sample_left - static_cast<int64_t>(usable),
                   __ATOMIC_RELAXED);
  if (HAK_UNLIKELY(h->sample_left < 0)) sample_alloc(h, p, n, usable, site, ra, t0, implicit);
}

// Blocks above 64 KiB: they follow their site's policy (its threshold, BigCache, THP,
// prefault), and their cost feeds the site's tuner.
HAK_NOINLINE void* malloc_big(Heap* h, size_t n, hak_site_t site, void* ra, uint64_t t0) {
  size_t threshold = __atomic_load_n(&g_config.threshold, __ATOMIC_RELAXED);
  hak_site_t tsite = 0;
  uint64_t c0 = 0, fresh0 = 0;  // what this allocation costs its site's tuner
  if (g_mode != kModeOff) {
    tsite = site ? site : implicit_site(ra);
    threshold = threshold_of(policy_for(tsite));
    c0 = cycles();
    fresh0 = tl_fresh_pages;
    if (g_sample_all) site = tsite;  // HAKMEM_SAMPLE=all: counted exactly, as a tag's
  }
  void* p;
  size_t usable;
  if (n <= threshold && n <= kMediumMax) {
    unsigned cls = size_class(n);
    Page* pg = h->queues[cls].first;  // one-block pages: no long set needed
    if (!pg || !pg->free) pg = find_page(h, cls, false);
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
  count_down(h, p, n, usable, site, ra, t0, site ? 0 : tsite);
  return p;
}

}  // namespace

namespace {

// The common miss, with nothing to save: the page's free list ran out and blocks the owner
// freed wait on its local list (no remote frees, samples, delayed frees or purge due, and
// this allocation is not sampled). nullptr: the long way.
HAK_INLINE void* refill_pop(Heap* h, Page* pg) {
  Block* b = pg->local_free;
  int64_t left = h->sample_left - static_cast<int64_t>(pg->block_size);
  if (b != nullptr && left >= 0 && pg->free == nullptr &&
      pg->thread_free.load(std::memory_order_relaxed) == 0 && pg->samples == 0 &&
      h->delayed.load(std::memory_order_relaxed) == nullptr && --h->purge_countdown >= 0) {
    __atomic_store_n(&h->sample_left, left, __ATOMIC_RELAXED);
    pg->local_free = nullptr;
    pg->free = b;
    page_sync_live(h, pg);
    page_pop(pg, b);
    return b;
  }
  return nullptr;
}

// HAKMEM_SAMPLE=all: a plain allocation counted exactly as its implicit site's. The site
// from a per-heap return-address cache (at depth 0; the stack hash at a depth), then the
// site's tag slot, keyed by size class rather than by size as a tag's are (a site that
// asks for hundreds of sizes would thrash the 256 slots): the requested bytes are kept
// apart in the slot (bytes_adj), and the size histogram counts class sizes.
// (Its slow parts out of line and tail-called, so that the common case is a leaf.)
HAK_NOINLINE void* malloc_exact_slow(size_t n, size_t cn, hak_site_t site, void* ra, bool found) {
  void* p = tag_alloc_slow(cn, site, ra, found);  // (counted there as cn bytes)
  if (p && n != cn) exact_bytes_adjust(site, static_cast<int64_t>(n) - static_cast<int64_t>(cn));
  return p;
}

HAK_INLINE void* malloc_exact_at(Heap* h, size_t n, hak_site_t site, void* ra) {
  if (n > kSmallMax) return alloc_tagged_fast(n, site, ra);  // (no slots: shared pages)
  size_t cn = kSmallClassSize[(n + 7) >> 3];
  TagSlots& t = h->tags;
  unsigned i = tag_slot_index(site, cn);
  bool found = t.site[i] == site && t.n[i] == cn;
  if (HAK_LIKELY(found)) {
    Page* pg = t.page[i];
    if (Block* b = pg->free) {
      page_pop(pg, b);
      t.count[i]++;
      t.bytes_adj[i] += static_cast<int64_t>(n) - static_cast<int64_t>(cn);
      return b;
    }
  }
  return malloc_exact_slow(n, cn, site, ra, found);
}

HAK_NOINLINE void* malloc_exact_miss(Heap* h, size_t n, void* ra) {
  ++tl_in_hook;  // (libunwind may allocate while it walks the stack: not counted)
  hak_site_t site = implicit_site(ra);
  --tl_in_hook;
  if (g_site_depth == 0) {  // (deeper sites are stacks: not known by ra alone)
    uintptr_t r = reinterpret_cast<uintptr_t>(ra);
    h->ra_key[(r >> 4) % 64] = r;
    h->ra_site[(r >> 4) % 64] = static_cast<uint16_t>(site);
  }
  return malloc_exact_at(h, n, site, ra);
}

HAK_NOINLINE void* malloc_exact(Heap* h, size_t n, void* ra) {
  uintptr_t r = reinterpret_cast<uintptr_t>(ra);
  unsigned k = (r >> 4) % 64;
  if (HAK_LIKELY(h->ra_key[k] == r)) return malloc_exact_at(h, n, h->ra_site[k], ra);
  return malloc_exact_miss(h, n, ra);
}

// A plain allocation of up to 64 KiB in a heap that has long-lived implicit sites to
// recognise: its return address picks the set, then the fast path's pop (or the common
// refill) in that set's page.
HAK_NOINLINE void* malloc_placed(Heap* h, size_t n, void* ra) {
  // HAKMEM_SAMPLE=all: the allocation is its implicit site's, counted as a tag's (tag
  // slots and site pages: exact counts at the cost of the site lookup, a per-thread cache).
  // (Not for hakmem's own allocations while it finds a site: libunwind's, at a depth.)
  bool lng = h->ra_long[(reinterpret_cast<uintptr_t>(ra) >> 4) % 64] ==
             reinterpret_cast<uintptr_t>(ra);
  Set s = set_of(h, lng);
  Page* pg = n <= kSmallMax ? s.direct[(n + 7) >> 3] : s.first[size_class(n)];
  int64_t left = h->sample_left - static_cast<int64_t>(pg->block_size);
  if (HAK_LIKELY(left >= 0)) {
    if (Block* b = pg->free) {
      __atomic_store_n(&h->sample_left, left, __ATOMIC_RELAXED);
      page_pop(pg, b);
      return b;
    }
    if (void* p = refill_pop(h, pg)) return p;
  }
  return malloc_slow(h, n, 0, ra, lng);
}

}  // namespace

void heap_release_sparse(Heap* h) {
  // (Every purge delay: the pages' live counts too, so a site's live bytes and peak are
  // never staler than that for the pages its allocations no longer visit.)
  for (unsigned i = 0; i < kTagSlots; ++i) tag_slot_flush(h, i);
  uint64_t used = 0, carved = 0;  // bytes: the occupancy of the pages of blocks <= 64 KiB
  for (unsigned i = 0; i < heap_queues(h); ++i) {
    PageQueue* q = heap_queue(h, i);
    for (Page* pg = q->first; pg; pg = pg->next) {
      page_sync_live(h, pg);
      if (pg->block_size > 64 * 1024) continue;
      used += uint64_t{pg->used} * pg->block_size;
      carved += uint64_t{pg->capacity} * pg->block_size;
      // (Not a class's first page: the one allocation takes from; nor a tag slot's.)
      if ((pg != q->first || q == &h->full) && !pg->in_slots)
        if (!(pg->flags.load(std::memory_order_relaxed) & kPageReleased)) page_release_sparse(pg);
    }
  }
  // Separating long-lived blocks pays where dead ones leave pages half empty around them
  // (bench/frag burst); where pages stay full (short-lived blocks die at once and their
  // space is reused: bench/frag lru) it only costs the placement path. On when the pages
  // are below half full (at least 16 MiB carved); off only when they stayed above 70 %
  // for kFullLooks looks in a row (~3 s at the default purge delay): a burst fills its
  // pages before its temporaries die, and placement must hold through it, or the burst's
  // survivors land among its temporaries again.
  constexpr uint8_t kFullLooks = 64;
  bool was = h->placement_pays;
  if (carved >= (uint64_t{16} << 20)) {
    if (used * 2 < carved) {
      h->placement_pays = true;
      h->full_looks = 0;
    } else if (used * 10 <= carved * 7) {
      h->full_looks = 0;
    } else if (h->full_looks < kFullLooks && ++h->full_looks == kFullLooks) {
      h->placement_pays = false;
    }
  }
  if (h->placement_pays != was) heap_refresh_life(h);
}

void heap_sweep_samples(Heap* h) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < h->nsampled; ++i) {
    Page* pg = h->sampled_pages[i];  // (pages leave the list when they are freed)
    if (pg->local_free) sample_collect(pg, pg->local_free);
    if (__atomic_load_n(&pg->samples, __ATOMIC_RELAXED) != 0)
      h->sampled_pages[kept++] = pg;
    else
      pg->flags.fetch_and(static_cast<uint8_t>(~kPageSwept), std::memory_order_relaxed);
  }
  h->nsampled = kept;
}

void heap_refresh_life(Heap* h) {
  uintptr_t ras[64];
  uint32_t gen;
  unsigned n = life_long_ras(ras, 64, &gen);
  memset(h->ra_long, 0, sizeof h->ra_long);
  for (unsigned i = 0; i < n; ++i) h->ra_long[(ras[i] >> 4) % 64] = ras[i];
  h->life_gen = gen;
  if (!h->pays_from_profile && g_life_profile_long.load(std::memory_order_relaxed)) {
    h->pays_from_profile = true;
    h->placement_pays = true;
  }
  bool on = (g_placement && g_mode == kModeEvolving && n > 0 && h->placement_pays) || sample_all();
  h->direct_max = on ? 0 : kSmallMax;
  h->fast_max = on ? 0 : kMediumFast;
}

void* malloc_generic(size_t n, hak_site_t site, void* ra, Page* pg) {
  Heap* h = tl_heap;
  // No page: the fast path did not look (its limits are 0 while this heap recognises
  // long-lived implicit sites or counts every site, or the block is large), or a tagged
  // allocation. (First, so that these tail calls save no registers.)
  if (pg == nullptr) {
    if (site == 0 && n <= kMediumFast && h->direct_max == 0 && h != &g_empty_heap) {
      if (sample_all() && tl_in_hook == 0) return malloc_exact(h, n, ra);
      return malloc_placed(h, n, ra);
    }
    return malloc_slow(h, n, site, ra, site != 0 && site_is_long(site));
  }
  // (Only untagged allocations pass their page.)
  if (void* p = refill_pop(h, pg)) return p;
  return malloc_slow(h, n, 0, ra, false);
}

namespace {

// What every slow path does for the heap now and then: frees other threads left on its
// delayed list, and (every 64 slow paths) purging, the samples' sweep, sparse pages.
HAK_INLINE void heap_chores(Heap* h) {
  if (HAK_UNLIKELY(h->delayed.load(std::memory_order_relaxed) != nullptr)) heap_drain_delayed(h);
  if (HAK_UNLIKELY(--h->purge_countdown < 0)) {
    h->purge_countdown = 64;  // the clock costs more than this whole path: look now and then
    if (h->dirty_slices != 0) heap_purge(h, false);
    if (h->nsampled != 0) heap_sweep_samples(h);
    uint64_t now = now_ns();
    if (now >= h->next_sparse_ns) {
      h->next_sparse_ns = now + g_config.purge_delay_ns;
      heap_release_sparse(h);
      if (g_timeline_on) timeline_note(now);
    }
  }
  if (HAK_UNLIKELY(h->life_gen != g_life_gen.load(std::memory_order_relaxed)))
    heap_refresh_life(h);
}

}  // namespace

void* malloc_slow(Heap* h, size_t n, hak_site_t site, void* ra, bool lng) {
  if (HAK_UNLIKELY(h == &g_empty_heap)) {
    h = heap_for_thread();
    if (!h) {
      if (g_config.system_backend) return ::malloc(n);  // never in libhakmem.so
      errno = ENOMEM;
      return nullptr;
    }
    // (The thread's first allocation: counted as every other under HAKMEM_SAMPLE=all.)
    if (sample_all() && site == 0 && n <= kMediumFast && tl_in_hook == 0)
      return malloc_exact(h, n, ra);
  }
  heap_chores(h);
  // This allocation will be sampled: time it (the latency KPI).
  uint64_t t0 = h->sample_left < static_cast<int64_t>(n + 16) ? cycles() : 0;
  if (HAK_UNLIKELY(n > kMediumFast)) return malloc_big(h, n, site, ra, t0);
  // Up to 64 KiB: a page of the class with a free block (the owner's and other threads'
  // frees collected, fresh blocks carved, or a new page).
  unsigned cls = size_class(n);
  Page* pg = set_of(h, lng).queues[cls].first;
  if (!pg || !pg->free) {
    pg = find_page(h, cls, lng);
    if (HAK_UNLIKELY(!pg)) {
      errno = ENOMEM;
      return nullptr;
    }
  }
  Block* b = pg->free;
  page_pop(pg, b);
  if (HAK_UNLIKELY(site || (pg->flags.load(std::memory_order_relaxed) & kPageTagged))) {
    record_site(pg, b, site);
    if (site) count_alloc(site, n, pg->block_size);
  }
  count_down(h, b, n, pg->block_size, site, ra, t0);
  return b;
}

// ---- Tag slots -----------------------------------------------------------------------

namespace {

// A slot lets its page go, its counts flushed first. Unless the page is going back already
// (retire false), a site page that no slot holds now and that has no live block goes back.
void tag_slot_clear(Heap* h, unsigned i, bool retire) {
  tag_slot_flush(h, i);
  Page* pg = h->tags.page[i];
  h->tags.site[i] = 0;
  h->tags.n[i] = 0;
  h->tags.page[i] = &g_empty_page;
  if (pg != &g_empty_page && --pg->in_slots == 0 && retire && pg->used == 0 &&
      !(pg->flags.load(std::memory_order_relaxed) & kPageInFull))
    page_retire(h, pg);
}

HAK_INLINE bool tag_slot_is(const Heap* h, unsigned i, hak_site_t site, size_t n) {
  return h->tags.site[i] == site && h->tags.n[i] == n && h->tags.page[i] != &g_empty_page;
}

// The slot of (site, n): its way if it has one, else an empty way, else the first way made
// empty for it (its slot moves to the second way, whose slot goes).
unsigned tag_slot_take(Heap* h, hak_site_t site, size_t n) {
  unsigned a = tag_slot_index(site, n), b = a ^ 1;
  if (tag_slot_is(h, a, site, n)) return a;
  if (tag_slot_is(h, b, site, n)) return b;
  if (h->tags.page[a] == &g_empty_page) return a;
  if (h->tags.page[b] == &g_empty_page) return b;
  tag_slot_clear(h, b, true);
  TagSlots& t = h->tags;
  t.site[b] = t.site[a], t.n[b] = t.n[a], t.page[b] = t.page[a], t.count[b] = t.count[a];
  t.bytes_adj[b] = t.bytes_adj[a];
  t.site[a] = 0, t.n[a] = 0, t.page[a] = &g_empty_page, t.count[a] = 0, t.bytes_adj[a] = 0;
  return a;
}

HAK_NOINLINE void* tag_alloc_page(Heap* h, size_t n, hak_site_t site, void* ra);

}  // namespace

void* tag_alloc_slow(size_t n, hak_site_t site, void* ra, bool found) {
  if (site == 0) return alloc_fast(n, ra);  // hak_alloc_at(n, 0): a plain allocation
  if (n > kSmallMax) return malloc_generic(n, site, ra, nullptr);  // the shared pages
  Heap* h = tl_heap;
  TagSlots& ts = h->tags;
  unsigned slot = found ? tag_slot_index(site, n) : kTagSlots;
  if (slot == kTagSlots) {  // the first way is another's: maybe the second is this one's
    unsigned j = tag_slot_index(site, n) ^ 1;
    if (tag_slot_is(h, j, site, n)) {
      if (Block* b = ts.page[j]->free) {
        page_pop(ts.page[j], b);
        ts.count[j]++;
        return b;
      }
      slot = j;
    }
  }
  if (slot != kTagSlots && ts.page[slot] != &g_empty_page) {
    // The common refill, as refill_pop's: the blocks the owner freed into the slot's page,
    // nothing else to do (no remote frees or samples there, no chores due). A full batch
    // is counted (and maybe this block is a sample).
    Page* pg = ts.page[slot];
    Block* b = pg->local_free;
    if (b != nullptr && pg->thread_free.load(std::memory_order_relaxed) == 0 &&
        pg->samples == 0 && h->delayed.load(std::memory_order_relaxed) == nullptr &&
        --h->purge_countdown >= 0) {
      pg->local_free = nullptr;
      pg->free = b;
      page_pop(pg, b);
      if (++ts.count[slot] >= kTagBatch) {
        tag_slot_flush(h, slot);
        if (HAK_UNLIKELY(h->sample_left < 0)) sample_alloc(h, b, n, pg->block_size, site, ra, 0);
      }
      return b;
    }
  }
  return tag_alloc_page(h, n, site, ra);
}

namespace {

// The rest of tag_alloc_slow: a slot for (site, n), with a page that has a free block.
HAK_NOINLINE void* tag_alloc_page(Heap* h, size_t n, hak_site_t site, void* ra) {
  if (HAK_UNLIKELY(h == &g_empty_heap)) {
    h = heap_for_thread();
    if (!h) return malloc_slow(&g_empty_heap, n, site, ra, false);  // (it says why)
  }
  TagSlots& t = h->tags;
  if (HAK_UNLIKELY(site >= kMaxSites)) site = kSiteOther;  // never a registered id
  heap_chores(h);
  unsigned i = tag_slot_take(h, site, n);
  unsigned cls = size_class(n);
  Page* pg = t.page[i] != &g_empty_page ? t.page[i] : nullptr;
  if (pg) {
    // The slot's page ran out: what was freed into it since, else fresh blocks, else
    // another page of the site's.
    for (;;) {
      page_collect(pg);
      page_sync_live(h, pg);
      if (!pg->free && (pg->flags.load(std::memory_order_relaxed) & kPageReleased))
        page_recarve(pg);
      if (!pg->free && pg->capacity < pg->reserved) page_extend(pg);
      if (pg->free) break;
      // (Full already: another slot of the site's found it so.)
      if ((pg->flags.load(std::memory_order_relaxed) & kPageInFull) || page_try_full(h, pg)) break;
    }
    if (pg->free) {
      if (pg->flags.load(std::memory_order_relaxed) & kPageInFull) page_unfull(h, pg);
    } else {
      t.page[i] = &g_empty_page;  // (its count, of the same site and size, stays)
      --pg->in_slots;
      pg = nullptr;
    }
  }
  if (!pg) {
    SiteQueue* sq = squeue_get(h, squeue_key(site, cls));
    if (!sq || (!sq->q.first && sq->cold < kColdAllocs)) {
      // A (site, class) this heap has allocated little of (or no memory for the table):
      // a shared page, the block's site in its page's array.
      if (sq) ++sq->cold;
      tag_slot_clear(h, i, false);  // (no page: its count is flushed)
      return malloc_slow(h, n, site, ra, site_is_long(site));
    }
    pg = find_page(h, &sq->q, cls, false, site);
    if (HAK_UNLIKELY(!pg)) {
      tag_slot_clear(h, i, false);
      errno = ENOMEM;
      return nullptr;
    }
    t.site[i] = site;
    t.n[i] = n;
    t.page[i] = pg;
    ++pg->in_slots;
  }
  Block* b = pg->free;
  page_pop(pg, b);
  t.count[i]++;
  tag_slot_flush(h, i);  // (the heap's clock with it: maybe this block is a sample)
  if (HAK_UNLIKELY(h->sample_left < 0)) sample_alloc(h, b, n, pg->block_size, site, ra, 0);
  return b;
}

}  // namespace

void heap_flush_tags(Heap* h) {
  for (unsigned i = 0; i < kTagSlots; ++i) tag_slot_flush(h, i);
  heap_sync_live(h);
}

// Every free into a segment that the fast path did not finish: the thread's own page with
// the slow bit (or an error the fast path would not take), another thread's page, or a
// pointer that is not a block in use.
void free_in_segment(Page* pg, Block* b) {
  Heap* h = tl_heap;
  uintptr_t u = reinterpret_cast<uintptr_t>(b);
  uintptr_t owner = pg->owner.load(std::memory_order_acquire);
  if ((owner & ~uintptr_t{kOwnerSlow}) == thread_token() && h != &g_empty_heap) {
    // Tagged and nothing else (not full, not many samples), a live block start: count the
    // block's site here. Anything else, and every error, on the checked way.
    uint32_t idx = block_index(pg, u);
    bool ok = (pg->flags.load(std::memory_order_relaxed) & kSlowFlags) == kPageTagged;
    if constexpr (kSecure)
      ok = ok && divisible(static_cast<uint32_t>(u - reinterpret_cast<uintptr_t>(pg->start)),
                           pg->div_magic) &&
           live_test(pg, idx);
    else
      ok = ok && b != pg->local_free && pg->used != 0 && is_block_start(pg, u);
    if (HAK_LIKELY(ok)) {
      if constexpr (kSecure) live_clear(pg, idx);
      uint16_t* slot = &page_sites(pg)[idx];
      hak_site_t site = *slot;
      *slot = 0;
      if (site) count_free(site, pg->block_size);
      page_push_local(pg, b);
      if (--pg->used == 0) page_free_slow(pg);
      return;
    }
    free_local(h, pg, b);
    return;
  }
  if (owner == 0 || !is_block_start(pg, u)) bad_pointer(pg, b);
  free_remote(pg, b);
}

// Another thread's block: push it on the page's atomic list (or, when the owner marked the
// page full, on the owner heap's delayed list, so the page comes back into use). The owner
// counts it (and, secure, clears its live bit) when it collects it.
void free_remote(Page* pg, Block* b) {
  // Secure: a block whose bit is already clear was freed before: say so now, while we know
  // who.
  if (kSecure && HAK_UNLIKELY(!live_test(pg, block_index(pg, reinterpret_cast<uintptr_t>(b)))))
    fatal("free(): double free of %p (cross-thread)", b);
  if (HAK_UNLIKELY(pg->flags.load(std::memory_order_relaxed) & (kPageTagged | kPageSampledMany)))
    note_free(pg, b);
  if (pg->site) site_page_count(pg->site, -1, pg->block_size);  // (page_took_remote)
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

void page_free_slow(Page* pg) {
  Heap* h = page_heap(pg);
  if (pg->flags.load(std::memory_order_relaxed) & kPageInFull) page_unfull(h, pg);
  if (pg->used == 0) page_retire(h, pg);
}

void heap_drain_delayed(Heap* h) {
  Block* b = h->delayed.exchange(nullptr, std::memory_order_acquire);
  while (b) {
    Page* pg = page_of(reinterpret_cast<uintptr_t>(b));
    Block* next = decode(pg, b->next);
    take_live(pg, b, " (cross-thread)");
    if (!kSecure && pg->used == 0)
      fatal("free(): double free or corruption of a block near %p (cross-thread)", b);
    if (HAK_DEBUG >= 2) debug_poison(pg, b);
    b->next = encode(pg, pg->local_free);
    pg->local_free = b;
    page_took_remote(pg, 1);
    page_free_slow(pg);
    b = next;
  }
}

// Returns every empty page of the heap (and, when forced, purges at once).
void collect_heap(Heap* h, bool force) {
  heap_drain_delayed(h);
  for (unsigned i = 0; i < kTagSlots; ++i) tag_slot_flush(h, i);
  for (unsigned i = 0; i < heap_queues(h); ++i) {
    PageQueue* q = heap_queue(h, i);
    for (Page* pg = q->first; pg;) {
      Page* next = pg->next;
      page_collect(pg);
      page_sync_live(h, pg);
      if (pg->used == 0) {
        queue_remove(h, q, pg, pg->size_class);
        page_free(h, pg);
      } else if (q == &h->full && pg->free) {
        page_unfull(h, pg);
      }
      pg = next;
    }
  }
  heap_purge(h, force);
}

void free_list_damaged(Page* pg, Block* b) {
  fatal("heap corruption: the free block %p (a page of %zu-byte blocks) was written after "
        "it was freed, or overrun: its free-list link is damaged",
        b, static_cast<size_t>(pg->block_size));
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
