// hakmem internals: the shapes of segments, pages and heaps, and the inline fast paths.
//
// Memory layout
//   segment (32 MiB, aligned to 32 MiB)                       large block mapping
//   +--------+--------+--------+-----   ----+--------+         +--------+------------------+
//   | meta   | page 1 | page 2 (3 slices)   | ...    |         | header | block ...        |
//   +--------+--------+--------+-----   ----+--------+         +--------+------------------+
//   slice 0 holds the Segment header and one Page descriptor per 64 KiB slice. A page is a
//   span of slices holding blocks of one size class; its descriptor is found from a block
//   pointer by masking (segment) and shifting (slice index), no lookup table. A large block
//   mapping is aligned the same way, so `free` tells the two apart by one field.
//   g_segmap (one byte per 32 MiB of address space) says which granules are ours, so a
//   pointer hakmem never returned is detected before any of its memory is read.
#pragma once

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <atomic>

#include "hakmem.h"

#if defined(__GNUC__)
#define HAK_LIKELY(x) __builtin_expect(!!(x), 1)
#define HAK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HAK_NOINLINE __attribute__((noinline))
#define HAK_INLINE inline __attribute__((always_inline))
#define HAK_COLD __attribute__((cold, noinline))
// __thread, not thread_local: no dynamic-initialization wrapper on every access.
#define HAK_TLS __thread __attribute__((tls_model("initial-exec")))
#endif

#ifndef HAK_DEBUG
#define HAK_DEBUG 0
#endif

namespace hak {

// ---- Geometry -------------------------------------------------------------------------

constexpr size_t kSegmentShift = 25;
constexpr size_t kSegmentSize = size_t{1} << kSegmentShift;  // 32 MiB
constexpr uintptr_t kSegmentMask = kSegmentSize - 1;
constexpr size_t kSliceShift = 16;
constexpr size_t kSliceSize = size_t{1} << kSliceShift;  // 64 KiB
constexpr size_t kSlices = kSegmentSize / kSliceSize;    // 512, slice 0 is metadata
constexpr size_t kOsPage = 4096;
constexpr size_t kAddressBits = 47;
constexpr size_t kSegmapSize = size_t{1} << (kAddressBits - kSegmentShift);

constexpr size_t kSmallMax = 1024;              // served by Heap::direct
constexpr size_t kMediumFast = 64 * 1024;       // served inline by Heap::first
// The largest size class: a quarter of a segment. Blocks up to it (and up to their site's
// mmap threshold) live in one-block pages, so the slices a freed one gives back serve the
// next block of any size, still resident, as mimalloc's large pages do.
constexpr size_t kMediumMax = size_t{8} << 20;
constexpr size_t kMaxAlloc = PTRDIFF_MAX - 2 * kSegmentSize;
constexpr size_t kMinThreshold = 64 * 1024;
constexpr unsigned kThresholdSteps = 8;  // 64 KiB << step, step 0..7 (up to kMediumMax)

// ---- Size classes: 8, then 16-byte steps to 128, then 4 per power of two to 8 MiB ----

constexpr unsigned kClasses = 73;

constexpr HAK_INLINE unsigned size_class(size_t n) {
  if (n <= 8) return 0;
  if (n <= 128) return static_cast<unsigned>((n + 15) >> 4);
  size_t w = n - 1;
  unsigned b = 63u - static_cast<unsigned>(__builtin_clzll(w));
  return 9 + (b - 7) * 4 + static_cast<unsigned>((w >> (b - 2)) & 3);
}

constexpr size_t class_size(unsigned c) {
  if (c == 0) return 8;
  if (c <= 8) return size_t{16} * c;
  unsigned b = 7 + (c - 9) / 4, k = (c - 9) % 4;
  return (size_t{1} << b) + (k + 1) * (size_t{1} << (b - 2));
}

// Slices per page for a class: one 64 KiB slice for small blocks, room for about 8 blocks
// up to 64 KiB, and one block above (as mimalloc's large pages: the page comes and goes
// with its block, and the slices it frees serve the next page of any size, resident).
// (+4: the block's site id and, secure, its live bit.)
constexpr size_t class_slices(unsigned c) {
  static_assert(kMediumMax + kSliceSize <= (kSlices / 2) * kSliceSize, "big pages fit twice");
  size_t bs = class_size(c);
  if (bs <= kSmallMax) return 1;
  size_t blocks = bs <= 64 * 1024 ? 8 : 1;
  return (blocks * (bs + 4) + 8 + kSliceSize - 1) / kSliceSize;
}

// ---- Variants ----------------------------------------------------------------------------
//
// The default library keeps on its fast paths only what a fast allocator needs; the secure
// variant (libhakmem-secure, built with -DHAK_SECURE=1, like mimalloc's secure mode) adds
// a live bit per block (exact double-free and interior-pointer detection on every free)
// and free-list links encoded with a per-page secret. docs/ALLOCATOR.md says what each
// catches and what it costs.
#ifndef HAK_SECURE
#define HAK_SECURE 0
#endif
constexpr bool kSecure = HAK_SECURE != 0;

// ---- Blocks and free lists -------------------------------------------------------------

struct Block {
  Block* next;  // encoded with the page's key in the secure variant
};

struct Heap;
struct Segment;

// Page flags (Page::flags; changes go through page_set_flags so the owner word follows).
enum : uint8_t {
  kPageInUse = 1,
  kPageInFull = 2,        // in the heap's full queue; remote frees go to Heap::delayed
  kPageTagged = 4,        // the site array is initialized (some block has a site)
  kPageLong = 8,          // a page of long-lived sites' blocks (lifetime.h)
  kPageReleased = 32,     // some of its OS pages went back (page_release_sparse)
  kPageSwept = 64,        // on its heap's sampled_pages list (heap_sweep_samples)
  kPageSampledMany = 16,  // more sampled blocks than Page::sample_idx holds: every free
                          // looks in the sample table (else the owner looks on collect)
};

// thread_free low bits.
enum : uintptr_t { kTfNotify = 1, kTfMask = 1 };
// Page::owner is the owner token of the page's heap | kOwnerSlow. The token is the thread
// pointer of the thread using the heap (one instruction to read, like mimalloc's thread
// id), or kOwnerAbandoned while no thread has the heap; 0 for a page not in use.
// kOwnerSlow: frees into this page need the slow path (it is full, tagged or sampled).
enum : uintptr_t { kOwnerSlow = 1, kOwnerAbandoned = 2 };
constexpr uint8_t kSlowFlags = kPageInFull | kPageTagged | kPageSampledMany;

// A page descriptor. Lives in the metadata slices of its segment, one per slice; a page
// spanning several slices uses the descriptor of its first (Segment::slice_page maps every
// slice to it).
struct alignas(64) Page {
  // First cache line: everything the allocation and local-free fast paths touch.
  Block* free;        // blocks ready for allocation
  Block* local_free;  // blocks freed by the owner since the last refill
  uint32_t used;      // blocks handed out and not yet returned to this page
  uint32_t capacity;  // blocks carved so far
  size_t block_size;  // (a word: the sampling countdown subtracts it directly)
  // The owner token | kOwnerSlow. A free whose thread's token equals it exactly is a plain
  // local free.
  std::atomic<uintptr_t> owner;
  uint8_t* start;                      // first block
  std::atomic<uintptr_t> thread_free;  // blocks freed by other threads (| kTfNotify)
  uint64_t div_magic;                  // block_size as a multiplier: exact division and tests
  // Second line: bookkeeping.
  uintptr_t key;                 // free-list encoding secret (secure variant)
  uint64_t* live;                // one bit per block, handed out and not freed (secure)
  uint32_t reserved;             // blocks that fit
  uint32_t used_synced;          // `used` when the heap's live bytes last counted this page
  uint32_t slice_count;          // slices in this page
  std::atomic<uint8_t> flags;    // kPage*: any thread may change them (atomically)
  uint8_t size_class;
  uint16_t sample_idx[3];  // 1 + index of up to three sampled blocks (atomic)
  uint16_t samples;        // sampled blocks in the page (atomic updates)
  uint8_t sparse_ticks;    // sparse-page looks it has stayed sparse and idle through
  Page* next;              // page queue links
  Page* prev;
  // A site page's site: every block of the page is that site's (Heap::tags), 0 for the
  // pages shared by plain and cold tagged blocks.
  uint16_t site;
  uint8_t in_slots;  // tag slots that hand out its blocks
  uint8_t pad_[5];
};
static_assert(sizeof(Page) == 128, "a page descriptor is two cache lines");

// A shared page's site id per block (after the blocks), see kPageTagged.
HAK_INLINE uint16_t* page_sites(const Page* pg) {
  return reinterpret_cast<uint16_t*>(pg->start + size_t{pg->slice_count} * kSliceSize) -
         pg->reserved;
}

constexpr HAK_INLINE uintptr_t rotl(uintptr_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }
constexpr HAK_INLINE uintptr_t rotr(uintptr_t x, unsigned r) { return (x >> r) | (x << (64 - r)); }
// Free-list links: plain pointers, or (secure) encoded so that a use-after-free write or
// an overflow into a freed block cannot plant a pointer the allocator will follow.
HAK_INLINE Block* encode(const Page* p, const Block* q) {
  if constexpr (!kSecure) return const_cast<Block*>(q);
  return reinterpret_cast<Block*>(rotl(reinterpret_cast<uintptr_t>(q) ^ p->key, 17) + p->key);
}
HAK_INLINE Block* decode(const Page* p, const Block* e) {
  if constexpr (!kSecure) return const_cast<Block*>(e);
  return reinterpret_cast<Block*>(rotr(reinterpret_cast<uintptr_t>(e) - p->key, 17) ^ p->key);
}

// Lemire's divisibility test: offset % block_size == 0 without dividing.
constexpr uint64_t div_magic(uint32_t d) { return UINT64_MAX / d + 1; }
HAK_INLINE bool divisible(uint32_t offset, uint64_t magic) {
  return static_cast<uint64_t>(offset) * magic <= magic - 1;
}
// Lemire's fast division: offset / block_size for 32-bit offsets.
HAK_INLINE uint32_t block_index(const Page* p, uintptr_t u) {
  uint32_t off = static_cast<uint32_t>(u - reinterpret_cast<uintptr_t>(p->start));
  return static_cast<uint32_t>((static_cast<__uint128_t>(p->div_magic) * off) >> 64);
}
// Live bits (secure variant only). The owner sets and clears them (a relaxed load and
// store: no lock prefix); another thread may read them.
HAK_INLINE bool live_test(const Page* p, uint32_t idx) {
  return (__atomic_load_n(&p->live[idx / 64], __ATOMIC_RELAXED) >> (idx % 64)) & 1;
}
HAK_INLINE void live_set(Page* p, uint32_t idx) {
  uint64_t* w = &p->live[idx / 64];
  __atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) | (uint64_t{1} << (idx % 64)),
                   __ATOMIC_RELAXED);
}
HAK_INLINE void live_clear(Page* p, uint32_t idx) {
  uint64_t* w = &p->live[idx / 64];
  __atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) & ~(uint64_t{1} << (idx % 64)),
                   __ATOMIC_RELAXED);
}

// Is u the start of a block this page has carved?
// (capacity is read atomically: a remote freer may look while the owner extends the page.)
HAK_INLINE bool is_block_start(const Page* p, uintptr_t u) {
  uintptr_t off = u - reinterpret_cast<uintptr_t>(p->start);
  uint32_t cap = __atomic_load_n(&p->capacity, __ATOMIC_RELAXED);
  return off < static_cast<uintptr_t>(cap) * p->block_size &&
         divisible(static_cast<uint32_t>(off), p->div_magic);
}

// ---- Segments and large blocks ---------------------------------------------------------

enum : uint32_t { kKindSegment = 0x5E6u, kKindLarge = 0x1A6u };

struct SegmentHead {
  uintptr_t cookie;  // address ^ g_secret: proves the header is ours
  uint32_t kind;
  uint32_t pad_;
};

struct Segment {
  uintptr_t cookie;
  uint32_t kind;
  uint32_t free_slices;
  // The page of every slice: free's one lookup from a pointer to its page. Slices of no
  // page map to their own descriptor, which is not in use (owner 0).
  Page* slice_page[kSlices];
  Heap* heap;
  Segment* next;  // heap's segment list
  Segment* prev;
  uint64_t free_map[kSlices / 64];   // 1 = slice free
  uint64_t dirty_map[kSlices / 64];  // 1 = free and maybe resident (not yet purged)
  uint64_t aged_map[kSlices / 64];   // 1 = dirty since the segment's last purge tick
  uint64_t purge_at_ns;              // the next purge tick (aged slices go back then)
  uint32_t used_pages;
  uint32_t pad_;
  uint64_t live_words[kSlices];  // secure: the live bits of pages of up to 64 blocks
  // OS pages given back inside pages in use (page_release_sparse), one bit each.
  uint64_t released_map[kSlices * (kSliceSize / kOsPage) / 64];
  Page pages[kSlices];
};
// Slices holding the metadata are never pages.
constexpr size_t kFirstSlice = (sizeof(Segment) + kSliceSize - 1) / kSliceSize;
static_assert(kFirstSlice <= 2, "segment metadata takes at most two slices");

enum : uint32_t { kLargeLive = 0x11fe, kLargeCached = 0xcace, kLargeFree = 0xdead };
// LargeBlock::flags: never used since it was mapped; populated at mapping; THP advised.
enum : uint32_t { kLargeFresh = 1, kLargePopulated = 2, kLargeHuge = 4 };

struct LargeBlock {
  uintptr_t cookie;
  uint32_t kind;
  std::atomic<uint32_t> state;
  size_t map_size;  // bytes mapped, from the header on
  size_t size;      // usable bytes from `block`
  uint8_t* block;   // the user pointer
  hak_site_t site;
  uint32_t size_class;  // BigCache class of map_size
  LargeBlock* next;     // BigCache ring link
  uint64_t freed_ns;
  uint32_t sampled;
  uint32_t flags;
};
static_assert(sizeof(LargeBlock) <= kOsPage, "large header fits in one OS page");

// ---- Heaps -----------------------------------------------------------------------------

struct PageQueue {
  Page* first;
  Page* last;
};

constexpr size_t kDirect = kSmallMax / 8 + 1;
// The block size of n <= kSmallMax bytes, by (n + 7) / 8 (class boundaries are multiples
// of 8), without size_class's arithmetic.
inline constexpr auto kSmallClassSize = [] {
  struct Table {
    uint16_t v[kDirect];
    constexpr uint16_t operator[](size_t i) const { return v[i]; }
  } t{};
  for (size_t i = 0; i < kDirect; ++i) t.v[i] = static_cast<uint16_t>(class_size(size_class(i * 8)));
  return t;
}();

// ---- Tag slots and site pages --------------------------------------------------------
//
// A tag is known where the program allocates, so its blocks need not share pages with
// anyone's: a tagged allocation of up to kSmallMax bytes is served from pages of its own
// site and size class (site pages), through a tag slot of the thread's heap that holds the
// page for one (site, exact size). The fast path is the plain one's pop plus a count; the
// site's statistics are derived, in batches, from the slot's count (allocations, bytes,
// sizes: all of the same exact size) and from the pages' used counts (live blocks; frees
// = allocations - live). Frees of site pages' blocks are plain frees. A (site, class) that
// has allocated few blocks in a heap stays in the shared pages, each block's site in its
// page's site array (kPageTagged), until kColdAllocs.
//
// The slots are arrays (each indexed by the slot number, as the fast path's addressing
// scales it): slot i serves allocations of exactly n[i] bytes at site[i] from page[i], and
// count[i] says how many it handed out since its last flush (tag_slot_flush). An empty
// slot is (0, 0, the empty page): an allocation that matches it finds no free block.
constexpr unsigned kTagSlots = 256;  // two ways: a (site, size) lives at i or i ^ 1
struct TagSlots {
  uint32_t site[kTagSlots];
  size_t n[kTagSlots];
  Page* page[kTagSlots];
  uint64_t count[kTagSlots];
  // HAKMEM_SAMPLE=all keys slots by size class (page.cc, malloc_placed): the requested
  // bytes of the slot's counted allocations minus count * n, added in when it is flushed.
  int64_t bytes_adj[kTagSlots];
};
HAK_INLINE unsigned tag_slot_index(hak_site_t site, size_t n) {
  return static_cast<unsigned>(site + n) % kTagSlots;
}
// A slot's blocks reach its site's statistics at least every kTagBatch allocations.
constexpr uint64_t kTagBatch = 256;
constexpr uint32_t kColdAllocs = 32;

// The pages of one (site, class) in one heap: Heap::squeues, by key site << 8 | class.
struct SiteQueue {
  uint32_t key;   // 0: empty entry
  uint32_t cold;  // allocations it made through the shared pages
  PageQueue q;
};

struct Heap {
  // Profiling: bytes (usable sizes) until the next sampled allocation; the heap has
  // allocated sampled_total - sample_left bytes in all. (First: the fast path's other line.)
  int64_t sample_left = 0;
  uint64_t sampled_total = 0;
  // The fast path serves n <= direct_max from `direct`, n <= fast_max from `first`. Both
  // are 0 while the heap has long-lived implicit sites to recognise (lifetime.h): every
  // allocation then takes malloc_generic's placement path. (Compared with memory, not a
  // constant: the same instructions as before placement existed.)
  size_t direct_max = kSmallMax;
  size_t fast_max = kMediumFast;
  Page* direct[kDirect] = {};  // by (n+7)/8 for n <= kSmallMax: first page of class
  Page* first[kClasses] = {};  // first page of each class (or the empty page)
  PageQueue queues[kClasses] = {};
  PageQueue full = {};  // full pages of both sets
  // The pages of long-lived sites' blocks (kPageLong), as the three above.
  Page* direct_long[kDirect] = {};
  Page* first_long[kClasses] = {};
  PageQueue queues_long[kClasses] = {};
  // Return addresses of the long implicit sites (by (ra >> 4) % 64), as of life_gen.
  uintptr_t ra_long[64] = {};
  // HAKMEM_SAMPLE=all at depth 0: return address -> implicit site, direct-mapped (a hot
  // call site is looked up in the site table once per thread).
  uintptr_t ra_key[64] = {};
  uint16_t ra_site[64] = {};
  uint32_t life_gen = 0;
  // Pages of this heap holding samples: their local frees are looked at now and then, so
  // that a sampled block's death is seen soon after its free (heap_sweep_samples), not
  // when the page is next refilled.
  uint32_t nsampled = 0;
  Page* sampled_pages[256] = {};
  uint64_t next_sparse_ns = 0;  // the next look for sparse pages (heap_release_sparse)
  // Placement by lifetime pays here: the heap's pages were seen less than half full (dead
  // blocks around survivors), and have not stayed full since. Set and cleared by
  // heap_release_sparse; full_looks counts its looks in a row at pages above 70 % full.
  bool placement_pays = false;
  uint8_t full_looks = 0;
  bool pays_from_profile = false;  // placement_pays was set once for g_life_profile_long
  std::atomic<Block*> delayed{nullptr};  // remote frees into full pages
  Segment* segments = nullptr;
  uint64_t next_purge_ns = 0;
  size_t dirty_slices = 0;
  Heap* next_pool = nullptr;  // free / abandoned pool
  Heap* next_all = nullptr;   // every heap ever made
  uint64_t rng = 0;           // page keys
  uint64_t sample_rng = 0;    // sampling intervals (HAKMEM_SEED makes it repeatable)
  uint32_t state = 0;         // kHeapActive, kHeapAbandoned, kHeapPooled
  int32_t purge_countdown = 0;  // slow-path calls until the purge clock is read again
  uintptr_t token = kOwnerAbandoned;  // what its pages' owner words hold (see Page::owner)
  // Bytes in this heap's small and medium blocks that are handed out, as of each page's
  // last count (heap_sync_live): frees are not counted on the fast path; pages are counted
  // when they are refilled, fill up or empty, and all of them when the KPIs are read.
  int64_t live_bytes = 0;
  uint64_t samples_taken = 0;
  // Tagged allocations' slots and the site pages' queues (an open-addressed table of
  // squeue_cap entries, mapped on first use, kept when the heap is reused).
  TagSlots tags = {};
  SiteQueue* squeues = nullptr;
  uint32_t squeue_cap = 0;
  uint32_t squeue_count = 0;

  Heap() = default;
  // The empty heap: every direct entry points at an empty page, so the fast path needs no
  // test for "no heap yet" (it simply misses).
  constexpr explicit Heap(Page* empty) {
    for (auto& d : direct) d = empty;
    for (auto& f : first) f = empty;
    for (auto& d : direct_long) d = empty;
    for (auto& f : first_long) f = empty;
    for (auto& p : tags.page) p = empty;
  }
};

enum : uint32_t { kHeapActive = 1, kHeapAbandoned = 2, kHeapPooled = 3 };

// ---- Process state (the allocator's one place of global mutable state) ------------------

struct Config {
  bool system_backend;
  size_t threshold;  // mmap threshold in bytes (a step)
  uint64_t purge_delay_ns;
  size_t purge_cap_slices;  // dirty slices a heap may keep before purging at once (1 GiB)
};

extern Config g_config;
extern uintptr_t g_secret;
extern uint8_t g_segmap[kSegmapSize];  // see segmap_set
HAK_INLINE uint8_t segmap_at(size_t g) { return __atomic_load_n(&g_segmap[g], __ATOMIC_ACQUIRE); }
// The free fast path's map: for each granule that a segment starts, its slice table
// biased so that the pointer's 64 KiB slice number indexes it directly
// (slice_page - (base >> kSliceShift)); nullptr for every other granule.
extern Page* const* g_slice_map[kSegmapSize];
HAK_INLINE Page* const* slice_map_at(size_t g) {
#if defined(__SANITIZE_THREAD__)
  return __atomic_load_n(&g_slice_map[g], __ATOMIC_RELAXED);
#else
  // A plain read: the entry of a block the caller holds cannot change while the block is
  // live, and for any other pointer either value leads to a checked slow path.
  return g_slice_map[g];
#endif
}
extern Heap g_empty_heap;
extern Page g_empty_page;
extern HAK_TLS Heap* tl_heap;
// Pages this thread handed out that fault in when first touched (fresh mappings, purged
// slices): the tuner charges a site the ones its allocations got.
extern HAK_TLS uint64_t tl_fresh_pages;
extern std::atomic<int> g_init_state;

// ---- Internal functions ----------------------------------------------------------------

void init_process();
HAK_INLINE void ensure_init() {
  if (HAK_UNLIKELY(g_init_state.load(std::memory_order_acquire) != 2)) init_process();
}
Heap* heap_for_thread();  // tl_heap, made on first use; nullptr: system backend

// The allocation slow paths, for the thread's heap: pg is the page the fast path looked at
// (nullptr if none).
void* malloc_generic(size_t n, hak_site_t site, void* ra, Page* pg);
// lng: from the long-lived sites' pages (lifetime.h).
void* malloc_slow(Heap* h, size_t n, hak_site_t site, void* ra, bool lng);
// The heap's filter of long-lived implicit sites, and its fast path's limits, as of now.
void heap_refresh_life(Heap* h);
void heap_sweep_samples(Heap* h);
// Gives back the OS pages holding only free blocks inside the heap's sparse pages: a
// page a few long-lived blocks pin need not stay resident whole (page.cc).
void heap_release_sparse(Heap* h);
void reclaim_abandoned(bool all);
void free_generic(void* p);  // a pointer outside every segment (large, foreign, NULL)
// A free into a segment that the fast path did not finish: another thread's page, one of
// this thread's pages whose owner word has the slow bit, a block the fast path would not
// take (secure: not a live block start; default: the head of the local list, a double
// free), or a pointer that is no block in use.
void free_in_segment(Page* pg, Block* b);
void free_remote(Page* pg, Block* b);
// The owner's page went empty, or was full and got a block back.
void page_free_slow(Page* pg);
size_t usable_size(const void* p);
void collect_heap(Heap* h, bool force);
void heap_drain_delayed(Heap* h);
void heap_page_queue_remove(Heap* h, Page* pg);
void heap_sync_live(Heap* h);  // page_sync_live for every page of the heap
// A thread takes the heap (token: its thread_token()) or leaves it (kOwnerAbandoned): the
// owner word of every page of the heap follows.
void heap_set_owner(Heap* h, uintptr_t token);

// A run of `slices` for a new page; a one-block page maps only its first slice.
Page* segment_page_alloc(Heap* h, size_t slices, bool one_block);
void segment_page_free(Heap* h, Page* pg);
void heap_purge(Heap* h, bool force);

// *fresh (when given) says whether the memory is untouched zero pages. `site` is never 0:
// large blocks are always counted exactly.
void* large_alloc(size_t n, size_t alignment, hak_site_t site, bool* fresh = nullptr);
hak_site_t large_site(hak_site_t site, void* ra);  // the site itself, or the implicit one
bool large_is_fresh(void* p);  // a large block straight from mmap (reads as zeros)
void large_free(LargeBlock* lb, void* p);
void* large_realloc(LargeBlock* lb, void* p, size_t n, hak_site_t site);
LargeBlock* large_of(uintptr_t u);
bool large_recently_freed(const void* p);  // its mapping was given back a moment ago

void bigcache_lock(bool lock);
void bigcache_lock_reinit();

// OS layer.
void* os_map_aligned(size_t size, size_t alignment);
void os_populate(void* p, size_t size);  // fault the pages in now
void os_unmap(void* p, size_t size);
bool os_write_all(int fd, const char* p, size_t n);  // all of it, through EINTR
// Something other than a regular file is there (a device like /dev/null, a FIFO, a
// directory): it must be written in place, never replaced by a rename or moved aside.
bool os_is_special(const char* path);
void os_purge(void* p, size_t size);
void os_hugepage(void* p, size_t size, bool on);
uint64_t now_ns();
// g_segmap values: 0 not ours, 1 a segment starts here, 2 a large mapping starts here,
// k >= 3 inside a large mapping that starts k-2 granules before.
enum : uint8_t { kMapNone = 0, kMapSegment = 1, kMapLarge = 2 };
void segmap_set(uintptr_t base, size_t size, uint8_t kind);
extern std::atomic<size_t> g_mapped_bytes, g_segments, g_large_blocks, g_purged_bytes;
extern std::atomic<size_t> g_heaps_active, g_heaps_abandoned;
extern std::atomic<size_t> g_large_live_bytes;  // usable bytes of live large blocks

// A lock held for a few dozen instructions and taken rarely (once per sample): a
// test-and-set that yields when busy costs one atomic each way; a pthread mutex cost ~50
// instructions more per sampled allocation and free (bench/alloc large under callgrind).
class SpinLock {
 public:
  void lock() {
    while (held_.exchange(true, std::memory_order_acquire))
      while (held_.load(std::memory_order_relaxed)) sched_yield();
  }
  bool try_lock() { return !held_.exchange(true, std::memory_order_acquire); }
  void unlock() { held_.store(false, std::memory_order_release); }
  void reinit() { held_.store(false, std::memory_order_relaxed); }  // a forked child

 private:
  std::atomic<bool> held_{false};
};

// Messages and fatal errors (never allocate).
void message(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// A copy of the environment variable `name` in buf (nullptr when unset or empty; too long
// for buf: said once, nullptr). Settings read after start-up must be copied: a program may
// overwrite its environment's memory (redis-server writes its process title over it).
const char* env_keep(const char* name, char* buf, size_t cap);
// A HAKMEM_REPORT or HAKMEM_PROFILE path with %p (the process id), %e (the program's name)
// and %% expanded into out; false (and a message) when it does not fit.
bool expand_path(const char* in, char* out, size_t cap);
// The process's live bytes (heaps and large blocks) and allocated bytes, now.
void heaps_totals(uint64_t* allocated, uint64_t* live);
extern std::atomic<uint64_t> g_peak_live;  // the most live bytes at any page sync
[[noreturn]] void fatal(const char* fmt, ...) __attribute__((format(printf, 1, 2), cold));
uint64_t random_u64();

void page_set_flags(Page* pg, uint8_t add, uint8_t remove);

// The segment and page of a pointer known to be inside a live segment.
HAK_INLINE Segment* segment_of(uintptr_t u) {
  return reinterpret_cast<Segment*>(u & ~kSegmentMask);
}
HAK_INLINE Page* page_of(const Segment* s, uintptr_t u) {
  return s->slice_page[(u >> kSliceShift) & (kSlices - 1)];
}
HAK_INLINE Page* page_of(uintptr_t u) { return page_of(segment_of(u), u); }

// The clock of lifetimes (lifetime.h): bytes the heap has allocated. Any thread may read it.
HAK_INLINE uint64_t heap_clock(const Heap* h) {
  return __atomic_load_n(&h->sampled_total, __ATOMIC_RELAXED) -
         static_cast<uint64_t>(__atomic_load_n(&h->sample_left, __ATOMIC_RELAXED));
}

// The calling thread's owner token: its thread pointer (never 0, 1 or 2: it is aligned).
#if defined(__x86_64__) || defined(__aarch64__)
HAK_INLINE uintptr_t thread_token() {
  return reinterpret_cast<uintptr_t>(__builtin_thread_pointer());
}
#else
extern HAK_TLS uint64_t tl_token_anchor;
HAK_INLINE uintptr_t thread_token() { return reinterpret_cast<uintptr_t>(&tl_token_anchor); }
#endif
HAK_INLINE Heap* page_heap(const Page* p) {
  return segment_of(reinterpret_cast<uintptr_t>(p))->heap;
}

// Debug builds fill freed blocks with a pattern and check it when they are handed out.
constexpr uint8_t kPoisonFree = 0xDB;
void debug_poison(Page* pg, Block* b);
void debug_check_poison(Page* pg, Block* b);

[[noreturn]] void free_list_damaged(Page* pg, Block* b);

// The owner takes block b, the head of pg's free list: the common tail of every allocation
// path. Returns the block's index in the secure variant (its live bit is set), else 0.
HAK_INLINE uint32_t page_pop(Page* pg, Block* b) {
  Block* next = decode(pg, b->next);
  // Secure: a link that points outside this page's blocks was written after the free (or
  // by an overflow): name it instead of handing out what it points at. (As mimalloc's
  // secure mode: a range check; the encoding makes a planted pointer land outside.)
  if (kSecure && next &&
      HAK_UNLIKELY(reinterpret_cast<uintptr_t>(next) - reinterpret_cast<uintptr_t>(pg->start) >=
                   uintptr_t{pg->reserved} * pg->block_size))
    free_list_damaged(pg, b);
  pg->free = next;
  pg->used++;
  if (HAK_DEBUG >= 2) debug_check_poison(pg, b);
  if constexpr (!kSecure) return 0;
  uint32_t idx = block_index(pg, reinterpret_cast<uintptr_t>(b));
  live_set(pg, idx);
  return idx;
}

// A site page's change of live blocks, counted for its site (stats.cc): the owner's count
// of the page, or (-1) another thread's free.
void site_page_count(hak_site_t site, int64_t blocks, size_t block_size);
// HAKMEM_SAMPLE=all: d more requested bytes for site (an allocation counted at its class's
// size on a slow path).
void exact_bytes_adjust(hak_site_t site, int64_t d);

// The heaps' live bytes summed (changed where Heap::live_bytes is, at page syncs: one
// atomic add per page refill, not per block), and the peak of it plus the large blocks'.
extern std::atomic<int64_t> g_live_small;
void live_peak_note(int64_t small_live);
HAK_INLINE void heap_live_add(Heap* h, int64_t d) {
  __atomic_store_n(&h->live_bytes, h->live_bytes + d, __ATOMIC_RELAXED);
  int64_t now = g_live_small.fetch_add(d, std::memory_order_relaxed) + d;
  if (d > 0) live_peak_note(now);
}

// Counts the handed-out blocks of a page into Heap::live_bytes (the owner only), and a site
// page's into its site's live count. (Modulo 2^32: a site page's blocks freed by other
// threads were counted by them, and leave used_synced when the owner collects them, maybe
// before their allocation was synced.)
HAK_INLINE void page_sync_live(Heap* h, Page* pg) {
  uint32_t used = pg->used;
  if (used == pg->used_synced) return;
  int64_t blocks = static_cast<int32_t>(used - pg->used_synced);
  heap_live_add(h, blocks * static_cast<int64_t>(pg->block_size));
  if (pg->site) site_page_count(pg->site, blocks, pg->block_size);
  pg->used_synced = used;
}

// The owner took back `count` blocks that other threads freed: a site page's were counted
// by their freers (site_page_count), so they leave the page's synced count here.
HAK_INLINE void page_took_remote(Page* pg, uint32_t count) {
  pg->used -= count;
  if (!pg->site) return;
  pg->used_synced -= count;
  heap_live_add(page_heap(pg), -static_cast<int64_t>(count) * static_cast<int64_t>(pg->block_size));
}

// Tag slots (page.cc): the slow path of a tagged allocation, a slot's counts to its site's
// statistics and the heap's clock (stats.cc), and every slot's and site page's counts
// (before statistics are read; when a heap is collected).
// found: the first way is the slot of (site, n), and its page ran out (else no slot yet, or
// n > kSmallMax). (The fast path's arguments in their registers, the flag last.)
void* tag_alloc_slow(size_t n, hak_site_t site, void* ra, bool found);
void tag_slot_flush(Heap* h, unsigned i);
void heap_flush_tags(Heap* h);

// The owner puts a freed block (its live bit, if any, already cleared) on pg's local list:
// the common tail of every local free; the caller decrements pg->used.
HAK_INLINE void page_push_local(Page* pg, Block* b) {
  if (HAK_DEBUG >= 2) debug_poison(pg, b);
  b->next = encode(pg, pg->local_free);
  pg->local_free = b;
}

}  // namespace hak
