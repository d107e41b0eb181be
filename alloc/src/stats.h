// Per-site statistics and KPIs.
//
// What is exact and what is sampled (docs/REPORT.md says the same to users):
//  - Tagged allocations (hak_alloc_at & co.) and every large block: exact counts, bytes,
//    live and peak bytes, size histogram, reallocs. Small tagged blocks of a busy site live
//    in pages of its own (site pages): their allocations are counted in the thread's tag
//    slot and reach these counters in batches (the slot's page refilled, statistics read,
//    the thread gone), their live blocks when the owner counts the page's blocks; a block
//    another thread frees is counted at its free. Other tagged blocks keep their site in
//    their shared page's site array, or the large block's header, counted at each call.
//  - Plain malloc/new of small and medium blocks: attributed by sampling, about one
//    allocation per 512 KiB allocated (TCMalloc's sampler), each sample weighted by the
//    inverse of its probability, so counts and bytes are unbiased estimates. This keeps the
//    fast path at one subtraction and a branch.
//  - Sampled allocations of any kind give lifetimes (looked up on free) and latency.
// Counters are per thread (written only by their thread, read by the report), merged on
// read; profiling never takes a lock on the fast path.
#pragma once

#include "alloc/src/internal.h"

namespace hak {

enum : uint8_t { kModeOff = 0, kModeBaseline = 1, kModeEvolving = 2 };

constexpr uint32_t kMaxSites = 4096;  // 0 none, 1 "other" (the table was full)
constexpr hak_site_t kSiteOther = 1;
constexpr unsigned kSizeBins = 48;  // log2 of the requested size
constexpr unsigned kLifeBins = 48;  // log2 of the lifetime in ns
constexpr unsigned kLatBins = 256;  // log-linear latency: 4 steps per power of two of ns
constexpr unsigned kSitesPerChunk = 16;
// HAKMEM_SAMPLE: the mean bytes between samples (default 512 KiB), or `all`: every
// allocation's site counted exactly (its blocks are counted as a tag's are, in pages of
// their own: page.cc, malloc_exact); lifetimes and latency stay sampled.
extern int64_t g_sample_mean;
extern bool g_sample_all;

// Relaxed atomic updates of counters that only their own thread writes: plain loads and
// stores in the code, but well-defined when the report reads them from another thread.
template <class T>
HAK_INLINE void bump(T& x, T v) {
  __atomic_store_n(&x, __atomic_load_n(&x, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}
template <class T>
HAK_INLINE T peek(const T& x) {
  return __atomic_load_n(&x, __ATOMIC_RELAXED);
}

struct SiteStats {
  uint64_t allocs, frees, bytes, freed_bytes, reallocs;  // exact part
  // Live bytes (usable sizes): the site's global count as of this thread's last flush, plus
  // this thread's change since. Exact for one thread; within the flush step otherwise.
  int64_t live_base, live_delta, peak_live;
  double est_allocs, est_frees, est_bytes, est_freed;  // sampled part (weights)
  double est_usable;  // usable bytes of the sampled allocations (est_freed's unit)
  uint64_t samples;
  uint64_t life_n, life_sum_ns, life_max_ns;
  uint64_t size_hist[kSizeBins];
  uint64_t life_hist[kLifeBins];
  uint64_t large_allocs, large_cycles;  // exact latency of large allocations (for the tuner)
  uint64_t bigcache_hits, bigcache_misses;
  // Site pages (tag slots, internal.h): blocks handed out (and their usable bytes), and the
  // change of the live ones; the frees are the difference, summed over threads.
  uint64_t page_allocs, page_usable;
  int64_t page_live, page_live_usable;
};
constexpr int64_t kLiveFlush = 256 * 1024;

struct ThreadStats {
  SiteStats* chunks[kMaxSites / kSitesPerChunk];
  double lat_hist[kLatBins];  // weighted by the samples' weights
  uint64_t lat_max;
  ThreadStats* next_all;
  uint32_t active;
};

extern HAK_TLS ThreadStats* tl_stats;
extern HAK_TLS uint32_t tl_in_hook;  // >0 while hakmem itself is inside a profiling hook
extern uint8_t g_mode;
HAK_INLINE bool sample_all() { return g_sample_all && g_mode != kModeOff; }

SiteStats* site_stats_slow(hak_site_t site);
HAK_INLINE SiteStats* site_stats(hak_site_t site) {
  if (ThreadStats* t = tl_stats)
    if (SiteStats* c = t->chunks[site / kSitesPerChunk]) return c + site % kSitesPerChunk;
  return site_stats_slow(site);
}

HAK_INLINE unsigned log2_bin(uint64_t v, unsigned bins) {
  unsigned b = v ? 64u - static_cast<unsigned>(__builtin_clzll(v)) : 0;
  return b < bins ? b : bins - 1;
}

void flush_live(hak_site_t site, SiteStats* s);

// A growth (d >= 0) or a shrink (d >= 0 bytes less) of a site's live bytes: a shrink
// cannot raise the peak, and each flushes on its own side only.
HAK_INLINE void live_grow(hak_site_t site, SiteStats* s, int64_t d) {
  int64_t delta = peek(s->live_delta) + d;
  __atomic_store_n(&s->live_delta, delta, __ATOMIC_RELAXED);
  int64_t live = peek(s->live_base) + delta;
  if (live > peek(s->peak_live)) __atomic_store_n(&s->peak_live, live, __ATOMIC_RELAXED);
  if (HAK_UNLIKELY(delta > kLiveFlush)) flush_live(site, s);
}
HAK_INLINE void live_shrink(hak_site_t site, SiteStats* s, int64_t d) {
  int64_t delta = peek(s->live_delta) - d;
  __atomic_store_n(&s->live_delta, delta, __ATOMIC_RELAXED);
  if (HAK_UNLIKELY(delta < -kLiveFlush)) flush_live(site, s);
}
HAK_INLINE void live_change(hak_site_t site, SiteStats* s, int64_t d) {
  if (d >= 0)
    live_grow(site, s, d);
  else
    live_shrink(site, s, -d);
}

// An exactly counted allocation (tagged, or large).
HAK_INLINE void count_alloc(hak_site_t site, size_t n, size_t usable) {
  if (HAK_UNLIKELY(g_mode == kModeOff)) return;
  SiteStats* s = site_stats(site);
  if (HAK_UNLIKELY(!s)) return;
  bump(s->allocs, uint64_t{1});
  bump(s->bytes, static_cast<uint64_t>(n));
  bump(s->size_hist[log2_bin(n, kSizeBins)], uint64_t{1});
  live_grow(site, s, static_cast<int64_t>(usable));
}

HAK_INLINE void count_free(hak_site_t site, size_t usable) {
  if (HAK_UNLIKELY(g_mode == kModeOff)) return;
  SiteStats* s = site_stats(site);
  if (HAK_UNLIKELY(!s)) return;
  bump(s->frees, uint64_t{1});
  bump(s->freed_bytes, static_cast<uint64_t>(usable));
  live_shrink(site, s, static_cast<int64_t>(usable));
}

// Sampling: the heap's countdown went below zero. Records the sample (and its latency, when
// t0 is the cycle count from before the allocation) and starts the next interval. `site`
// is the tag (0: plain); `implicit`, when not 0, the plain allocation's site already looked
// up from `ra`.
void sample_alloc(Heap* h, void* p, size_t n, size_t usable, hak_site_t site, void* ra,
                  uint64_t t0, hak_site_t implicit = 0);
// A freed block from a page or large block marked as holding samples.
void sample_free(void* p, size_t usable);
void sample_note_free(Page* pg, Block* b);   // a free in a page with more samples than slots
void sample_collect(Page* pg, Block* head);  // the owner takes back blocks of a sampled page
void sample_reset_heap(Heap* h);             // a heap's first countdown (and after a mode change)

// Implicit sites: from the caller's return address, or HAKMEM_SITE_DEPTH frames.
hak_site_t implicit_site(void* ra);
uint32_t site_count();
// The return address of an implicit site of one frame (HAKMEM_SITE_DEPTH 0); else 0.
uintptr_t site_return_address(hak_site_t s);
extern int g_site_depth;

// Cycle counter for latencies, and its rate (measured against the clock).
HAK_INLINE uint64_t cycles() {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
  uint64_t v;
  __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#else
  return now_ns();
#endif
}
double cycles_per_ns();

void stats_fork(int phase);  // 0 before fork, 1 in the parent after, 2 in the child
void sites_fork(int phase);
void stats_init();       // after the config is read (allocates nothing)
void report_register();  // the report at exit, when HAKMEM_REPORT is set
int report_to(const char* target);
extern uint64_t g_seed;  // HAKMEM_SEED (0: random)

}  // namespace hak
