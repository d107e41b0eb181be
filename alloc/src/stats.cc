// Per-thread statistics tables, the allocation sampler (lifetimes, latency, estimates for
// plain malloc), and the merged views the report and the tuner read.
#include "alloc/src/stats.h"

#include "alloc/src/lifetime.h"
#include "alloc/src/mathx.h"
#include "alloc/src/tuner.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <algorithm>

namespace hak {

uint8_t g_mode = kModeEvolving;
int64_t g_sample_mean = 512 * 1024;
bool g_sample_all = false;
HAK_TLS ThreadStats* tl_stats = nullptr;
HAK_TLS uint32_t tl_in_hook = 0;
std::atomic<int64_t> g_live[kMaxSites];  // (timeline.cc reads it too)

namespace {

pthread_mutex_t g_stats_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_key_t g_stats_key;
ThreadStats* g_all_stats;  // live and retired tables
ThreadStats g_retired;     // counters of exited threads, folded in
std::atomic<int64_t> g_peak[kMaxSites];

// A bump arena for tables (mmap'd, never returned: tables are reused by new threads).
uint8_t* g_arena;
size_t g_arena_left;

void* arena_alloc(size_t n) {
  n = (n + 63) & ~size_t{63};
  if (g_arena_left < n) {
    size_t chunk = n > (size_t{1} << 20) ? n : size_t{1} << 20;
    void* p = mmap(nullptr, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    g_arena = static_cast<uint8_t*>(p);
    g_arena_left = chunk;
  }
  void* p = g_arena;
  g_arena += n;
  g_arena_left -= n;
  return p;
}

void add_stats(SiteStats& d, const SiteStats& s) {
  d.allocs += peek(s.allocs), d.frees += peek(s.frees), d.bytes += peek(s.bytes);
  d.freed_bytes += peek(s.freed_bytes), d.reallocs += peek(s.reallocs);
  d.live_delta += peek(s.live_delta);
  if (peek(s.peak_live) > d.peak_live) d.peak_live = peek(s.peak_live);
  d.est_allocs += s.est_allocs, d.est_frees += s.est_frees;
  d.est_bytes += s.est_bytes, d.est_freed += s.est_freed, d.samples += peek(s.samples);
  d.est_usable += s.est_usable;
  d.life_n += peek(s.life_n), d.life_sum_ns += peek(s.life_sum_ns);
  if (peek(s.life_max_ns) > d.life_max_ns) d.life_max_ns = peek(s.life_max_ns);
  for (unsigned b = 0; b < kSizeBins; ++b) d.size_hist[b] += peek(s.size_hist[b]);
  for (unsigned b = 0; b < kLifeBins; ++b) d.life_hist[b] += peek(s.life_hist[b]);
  d.large_allocs += peek(s.large_allocs), d.large_cycles += peek(s.large_cycles);
  d.bigcache_hits += peek(s.bigcache_hits), d.bigcache_misses += peek(s.bigcache_misses);
  d.page_allocs += peek(s.page_allocs), d.page_usable += peek(s.page_usable);
  d.page_live += peek(s.page_live), d.page_live_usable += peek(s.page_live_usable);
}

// Folds an exiting thread's table into the retired one (under g_stats_lock).
void fold(ThreadStats* into, ThreadStats* from) {
  for (size_t c = 0; c < kMaxSites / kSitesPerChunk; ++c) {
    SiteStats* src = from->chunks[c];
    if (!src) continue;
    if (!into->chunks[c]) {
      into->chunks[c] = static_cast<SiteStats*>(arena_alloc(sizeof(SiteStats) * kSitesPerChunk));
      if (!into->chunks[c]) continue;
    }
    for (size_t i = 0; i < kSitesPerChunk; ++i) add_stats(into->chunks[c][i], src[i]);
  }
  for (unsigned b = 0; b < kLatBins; ++b) into->lat_hist[b] += from->lat_hist[b];
  if (from->lat_max > into->lat_max) into->lat_max = from->lat_max;
}

void thread_stats_done(void* arg) {
  ThreadStats* t = static_cast<ThreadStats*>(arg);
  if (tl_stats == t) tl_stats = nullptr;
  pthread_mutex_lock(&g_stats_lock);
  // Flush live deltas to the globals, then keep the rest of the counters.
  for (size_t c = 0; c < kMaxSites / kSitesPerChunk; ++c)
    if (SiteStats* ch = t->chunks[c])
      for (size_t i = 0; i < kSitesPerChunk; ++i) flush_live(c * kSitesPerChunk + i, &ch[i]);
  fold(&g_retired, t);
  for (auto& c : t->chunks)
    if (c) memset(static_cast<void*>(c), 0, sizeof(SiteStats) * kSitesPerChunk);
  memset(t->lat_hist, 0, sizeof t->lat_hist);
  t->lat_max = 0;
  t->active = 0;
  pthread_mutex_unlock(&g_stats_lock);
}

// ---- Sampled allocations: a table from address to when and where it was allocated ------

struct Sample {
  uintptr_t ptr;  // 0 empty, 1 deleted
  uint64_t t_cycles;
  float weight;
  uint16_t site;
  uint8_t exact;  // counted exactly already (tagged, or a large block): no estimates
  uint8_t aged;   // counted long for its site while alive (lifetime.h): not again at death
  uint32_t size;
  const Heap* heap;  // the allocating heap, whose clock measures the lifetime in bytes
  uint64_t clock;    // its clock at the allocation
  uint64_t seq;      // samples taken before it (its cohort: lifetime.h)
};
std::atomic<uint64_t> g_sample_seq{0};
// Live samples, by block address: an open-addressing table that grows with them (a sample
// stands for ~g_sample_mean bytes, so even a large heap has few). Its slots are spread over
// the table by hashing, so a fixed big table would end up resident, page by page.
constexpr size_t kMinSampleSlots = 256, kMaxSampleSlots = size_t{1} << 16;
// The sample table's lock: held for a few dozen instructions, taken once per sample (one
// allocation in 512 KiB, but nearly every block bigger than that).
SpinLock g_sample_lock;
Sample* g_samples;
size_t g_sample_slots;  // a power of two, or 0 before the first sample
size_t g_sample_count;  // live samples
size_t g_sample_tombs;  // deleted slots (ptr 1), cleared by a rebuild
std::atomic<uint64_t> g_samples_dropped;

size_t sample_slot(uintptr_t p, size_t slots) {
  return static_cast<size_t>((p * 0x9E3779B97F4A7C15ull) >> 32) & (slots - 1);
}

// A new table of `slots` with the live samples (no tombstones). False when mmap fails.
bool sample_rebuild(size_t slots) {
  void* m = mmap(nullptr, slots * sizeof(Sample), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return false;
  auto* t = static_cast<Sample*>(m);
  for (size_t i = 0; i < g_sample_slots; ++i) {
    if (g_samples[i].ptr <= 1) continue;
    size_t j = sample_slot(g_samples[i].ptr, slots);
    while (t[j].ptr) j = (j + 1) & (slots - 1);
    t[j] = g_samples[i];
  }
  if (g_samples) munmap(g_samples, g_sample_slots * sizeof(Sample));
  g_samples = t;
  g_sample_slots = slots;
  g_sample_tombs = 0;
  return true;
}

bool sample_insert(const Sample& s) {
  g_sample_lock.lock();
  bool ok = false;
  if (2 * (g_sample_count + g_sample_tombs + 1) > g_sample_slots) {  // load <= 1/2
    size_t slots = kMinSampleSlots;
    while (slots < 4 * (g_sample_count + 1) && slots < kMaxSampleSlots) slots *= 2;
    if (slots != g_sample_slots || g_sample_tombs) sample_rebuild(slots);
  }
  if (g_samples && 2 * (g_sample_count + g_sample_tombs + 1) <= g_sample_slots) {
    for (size_t i = sample_slot(s.ptr, g_sample_slots);; i = (i + 1) & (g_sample_slots - 1)) {
      if (g_samples[i].ptr <= 1) {
        if (g_samples[i].ptr == 1) --g_sample_tombs;
        g_samples[i] = s;
        ++g_sample_count;
        ok = true;
        break;
      }
    }
  }
  g_sample_lock.unlock();
  if (!ok) g_samples_dropped.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

bool sample_take(uintptr_t p, Sample* out) {
  g_sample_lock.lock();
  bool found = false;
  if (g_samples) {
    for (size_t i = sample_slot(p, g_sample_slots);; i = (i + 1) & (g_sample_slots - 1)) {
      if (g_samples[i].ptr == 0) break;
      if (g_samples[i].ptr == p) {
        *out = g_samples[i];
        g_samples[i].ptr = 1;  // tombstone
        --g_sample_count;
        ++g_sample_tombs;
        found = true;
        break;
      }
    }
  }
  g_sample_lock.unlock();
  return found;
}

unsigned lat_bin(uint64_t v) {
  if (v < 8) return static_cast<unsigned>(v);
  unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(v));
  unsigned b = 4 * e + static_cast<unsigned>((v >> (e - 2)) & 3);
  return b < kLatBins ? b : kLatBins - 1;
}

uint64_t next_interval(Heap* h) {
  // Exponential with mean g_sample_mean (so samples are a Poisson process over bytes).
  uint64_t& r = h->sample_rng;
  r ^= r << 13, r ^= r >> 7, r ^= r << 17;
  double u = (static_cast<double>(r >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  double v = -ln(u) * static_cast<double>(g_sample_mean);
  return v < 1 ? 1 : v > 1e12 ? uint64_t{1000000000000} : static_cast<uint64_t>(v);
}

uint64_t g_tsc0, g_ns0;

}  // namespace

SiteStats* site_stats_slow(hak_site_t site) {
  if (site >= kMaxSites) site = kSiteOther;
  ThreadStats* t = tl_stats;
  if (!t) {
    // A table of an exited thread (zeroed when it exited), or a new one.
    pthread_mutex_lock(&g_stats_lock);
    for (t = g_all_stats; t && t->active; t = t->next_all) {
    }
    if (!t && (t = static_cast<ThreadStats*>(arena_alloc(sizeof(ThreadStats))))) {
      t->next_all = g_all_stats;
      g_all_stats = t;
    }
    if (t) t->active = 1;
    pthread_mutex_unlock(&g_stats_lock);
    if (!t) return nullptr;
    tl_stats = t;
    pthread_setspecific(g_stats_key, t);
  }
  if (!t->chunks[site / kSitesPerChunk]) {
    pthread_mutex_lock(&g_stats_lock);
    void* c = arena_alloc(sizeof(SiteStats) * kSitesPerChunk);
    pthread_mutex_unlock(&g_stats_lock);
    if (!c) return nullptr;
    __atomic_store_n(&t->chunks[site / kSitesPerChunk], static_cast<SiteStats*>(c),
                     __ATOMIC_RELEASE);
  }
  return t->chunks[site / kSitesPerChunk] + site % kSitesPerChunk;
}

void flush_live(hak_site_t site, SiteStats* s) {
  int64_t d = peek(s->live_delta);
  int64_t live = g_live[site].fetch_add(d, std::memory_order_relaxed) + d;
  __atomic_store_n(&s->live_delta, int64_t{0}, __ATOMIC_RELAXED);
  __atomic_store_n(&s->live_base, live, __ATOMIC_RELAXED);
  int64_t pk = g_peak[site].load(std::memory_order_relaxed);
  while (live > pk && !g_peak[site].compare_exchange_weak(pk, live, std::memory_order_relaxed)) {
  }
}

void tag_slot_flush(Heap* h, unsigned i) {
  uint64_t c = h->tags.count[i];
  if (c == 0) return;
  h->tags.count[i] = 0;
  int64_t adj = h->tags.bytes_adj[i];  // (HAKMEM_SAMPLE=all: see TagSlots)
  h->tags.bytes_adj[i] = 0;
  hak_site_t site = h->tags.site[i];
  size_t n = h->tags.n[i];
  uint64_t usable = c * class_size(size_class(n));
  // The heap's clock (lifetimes are measured in it) and sampling countdown.
  __atomic_store_n(&h->sample_left, h->sample_left - static_cast<int64_t>(usable),
                   __ATOMIC_RELAXED);
  if (g_mode == kModeOff) return;
  SiteStats* s = site_stats(site);
  if (!s) return;
  bump(s->allocs, c);
  bump(s->bytes, c * n + static_cast<uint64_t>(adj));
  bump(s->size_hist[log2_bin(n, kSizeBins)], c);
  bump(s->page_allocs, c);
  bump(s->page_usable, usable);
}

void exact_bytes_adjust(hak_site_t site, int64_t d) {
  if (SiteStats* s = site_stats(site)) bump(s->bytes, static_cast<uint64_t>(d));
}

void site_page_count(hak_site_t site, int64_t blocks, size_t block_size) {
  if (g_mode == kModeOff) return;
  SiteStats* s = site_stats(site);
  if (!s) return;
  int64_t bytes = blocks * static_cast<int64_t>(block_size);
  bump(s->page_live, blocks);
  bump(s->page_live_usable, bytes);
  live_change(site, s, bytes);
}

void sample_reset_heap(Heap* h) {
  if (g_mode == kModeOff) {
    // Never: profiling is off. (Other threads read both through heap_clock.)
    __atomic_store_n(&h->sample_left, INT64_MAX / 2, __ATOMIC_RELAXED);
    __atomic_store_n(&h->sampled_total, uint64_t{INT64_MAX / 2}, __ATOMIC_RELAXED);
    return;
  }
  uint64_t v = next_interval(h);
  __atomic_store_n(&h->sample_left, static_cast<int64_t>(v), __ATOMIC_RELAXED);
  __atomic_store_n(&h->sampled_total, v, __ATOMIC_RELAXED);
}

namespace {

// Every 32 samples: the live samples past the lifetime horizon whose cohorts (the samples
// taken just before them) have mostly died count long for their sites.
void life_scan_samples() {
  constexpr uint64_t kCohort = 128;
  // The live samples' sequence numbers, sorted, in a scratch mapping (no malloc here).
  static uint64_t* seqs;
  static size_t seqs_cap;
  g_sample_lock.lock();
  if (seqs_cap < g_sample_count) {
    size_t cap = (g_sample_count + 1023) & ~size_t{1023};
    void* m = mmap(nullptr, cap * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
      if (seqs) munmap(seqs, seqs_cap * sizeof(uint64_t));
      seqs = static_cast<uint64_t*>(m);
      seqs_cap = cap;
    }
  }
  if (seqs_cap >= g_sample_count) {
    size_t n = 0;
    for (size_t i = 0; i < g_sample_slots; ++i)
      if (g_samples[i].ptr > 1) seqs[n++] = g_samples[i].seq;
    std::sort(seqs, seqs + n);
    for (size_t i = 0; i < g_sample_slots; ++i) {
      Sample& s = g_samples[i];
      if (s.ptr <= 1 || s.aged || s.seq < kCohort) continue;
      uint64_t clock = heap_clock(s.heap);
      if (clock < s.clock) continue;
      size_t alive = static_cast<size_t>(std::lower_bound(seqs, seqs + n, s.seq) -
                                         std::lower_bound(seqs, seqs + n, s.seq - kCohort));
      double dead = 1.0 - static_cast<double>(alive) / static_cast<double>(kCohort);
      if (life_alive(s.site, clock - s.clock, dead)) s.aged = 1;
    }
  }
  g_sample_lock.unlock();
}

uint8_t g_life_seeded[kMaxSites];  // the profile's counts were added for this site

// A sample of `site` was taken by heap h: lifetime bookkeeping that rides on samples (they
// come one per 512 KiB of allocation, so the fast paths never see it).
void life_note_sample(Heap* h, hak_site_t site) {
  if (site < kMaxSites && !__atomic_load_n(&g_life_seeded[site], __ATOMIC_RELAXED)) {
    __atomic_store_n(&g_life_seeded[site], uint8_t{1}, __ATOMIC_RELAXED);
    if (profile_path())
      if (const ProfileSite* ps = profile_find(hak_site_name(site)))
        life_seed(site, ps->life_short, ps->life_long);
  }
  static std::atomic<uint32_t> samples{0};
  if (samples.fetch_add(1, std::memory_order_relaxed) % 32 == 31) life_scan_samples();
  if (h->life_gen != g_life_gen.load(std::memory_order_relaxed) && g_mode == kModeEvolving)
    heap_refresh_life(h);
}

}  // namespace

void sample_alloc(Heap* h, void* p, size_t n, size_t usable, hak_site_t site, void* ra,
                  uint64_t t0, hak_site_t implicit) {
  uint64_t t1 = t0 ? cycles() : 0;
  // The next sample is an exponential interval past this allocation: one draw, however
  // far past the sampling point the allocation reached (the process is memoryless, and a
  // block counts once whatever number of points fell in it). The heap's running total
  // keeps allocated = sampled_total - sample_left.
  uint64_t v = g_mode == kModeOff ? uint64_t{INT64_MAX / 2} : next_interval(h);
  __atomic_store_n(&h->sampled_total, h->sampled_total + v - static_cast<uint64_t>(h->sample_left),
                   __ATOMIC_RELAXED);
  __atomic_store_n(&h->sample_left, static_cast<int64_t>(v), __ATOMIC_RELAXED);
  if (g_mode == kModeOff || !p || tl_in_hook) return;
  ++tl_in_hook;
  bump(h->samples_taken, uint64_t{1});
  // This allocation had probability 1 - exp(-usable/mean) to be chosen: it stands for
  // 1/p allocations (the unbiased estimator TCMalloc's heap profiler uses).
  double weight = 1.0;
  if (usable < 16 * static_cast<size_t>(g_sample_mean)) {  // 1 - p < 2e-7 above
    double prob = one_minus_exp_neg(static_cast<double>(usable) / static_cast<double>(g_sample_mean));
    weight = prob > 0 ? 1.0 / prob : 1.0;
  }
  bool tagged = site != 0;
  if (!tagged) site = implicit ? implicit : implicit_site(ra);
  // Large blocks are counted exactly already (their site is in their header).
  uintptr_t pu = reinterpret_cast<uintptr_t>(p);
  bool exact =
      tagged || segmap_at(pu >> kSegmentShift) != kMapSegment;
  if (SiteStats* s = site_stats(site)) {
    if (!exact) {
      s->est_allocs += weight;
      s->est_bytes += weight * static_cast<double>(n);
      s->est_usable += weight * static_cast<double>(usable);
      bump(s->size_hist[log2_bin(n, kSizeBins)], static_cast<uint64_t>(weight + 0.5));
    }
    bump(s->samples, uint64_t{1});
  }
  if (t0 && tl_stats) {
    uint64_t lat = t1 - t0;
    ThreadStats* t = tl_stats;
    t->lat_hist[lat_bin(lat)] += weight;
    if (lat > t->lat_max) __atomic_store_n(&t->lat_max, lat, __ATOMIC_RELAXED);
  }
  Sample smp{reinterpret_cast<uintptr_t>(p),
             cycles(),
             static_cast<float>(weight),
             static_cast<uint16_t>(site),
             static_cast<uint8_t>(exact),
             0,
             static_cast<uint32_t>(usable > UINT32_MAX ? UINT32_MAX : usable),
             h,
             heap_clock(h),
             g_sample_seq.fetch_add(1, std::memory_order_relaxed)};
  life_note_sample(h, site);
  if (sample_insert(smp)) {
    // Mark the block so that its free looks the sample up.
    uintptr_t u = reinterpret_cast<uintptr_t>(p);
    uint8_t m = segmap_at(u >> kSegmentShift);
    if (m == kMapSegment) {
      Page* pg = page_of(segment_of(u), u);
      uint16_t mark = static_cast<uint16_t>(block_index(pg, u) + 1);
      bool kept = false;
      for (uint16_t& slot : pg->sample_idx) {
        if (__atomic_load_n(&slot, __ATOMIC_RELAXED) == 0) {
          __atomic_store_n(&slot, mark, __ATOMIC_RELAXED);
          kept = true;
          break;
        }
      }
      if (__atomic_add_fetch(&pg->samples, 1u, __ATOMIC_RELAXED) == 1 && h->nsampled < 256 &&
          !(pg->flags.load(std::memory_order_relaxed) & kPageSwept)) {
        h->sampled_pages[h->nsampled++] = pg;  // swept for deaths (heap_sweep_samples)
        pg->flags.fetch_or(kPageSwept, std::memory_order_relaxed);
      }
      if (!kept) page_set_flags(pg, kPageSampledMany, 0);
    } else if (LargeBlock* lb = large_of(u)) {
      lb->sampled = 1;
    }
  }
  --tl_in_hook;
}

// The owner collects freed blocks of a page with samples (free lists are walked then
// anyway, or the page is about to go): a block in the page's sample slots is looked up.
// The free fast path never looks, so a page with a sample costs its other frees nothing;
// the lifetime is measured when the page takes the block back.
bool take_slot(Page* pg, Block* b) {
  uint16_t mark = static_cast<uint16_t>(block_index(pg, reinterpret_cast<uintptr_t>(b)) + 1);
  for (uint16_t& slot : pg->sample_idx) {
    if (__atomic_load_n(&slot, __ATOMIC_RELAXED) == mark) {
      __atomic_store_n(&slot, uint16_t{0}, __ATOMIC_RELAXED);
      return true;
    }
  }
  return false;
}

void sample_collect(Page* pg, Block* head) {
  // The sampled blocks' addresses, so that the walk compares pointers (a list may be long).
  uintptr_t want[3];
  unsigned k = 0;
  for (uint16_t& slot : pg->sample_idx)
    if (uint16_t m = __atomic_load_n(&slot, __ATOMIC_RELAXED))
      want[k++] = reinterpret_cast<uintptr_t>(pg->start) + (m - 1u) * pg->block_size;
  if (k == 0) return;  // more samples than slots: their frees look them up (note_free)
  for (Block* b = head; b; b = decode(pg, b->next)) {
    uintptr_t u = reinterpret_cast<uintptr_t>(b);
    if (u != want[0] && (k < 2 || u != want[1]) && (k < 3 || u != want[2])) continue;
    if (take_slot(pg, b)) sample_free(b, pg->block_size);
    if (--k == 0) break;
    for (unsigned i = 0; i < 3; ++i)
      if (i < k && want[i] == u) want[i] = want[k];
  }
}

void sample_note_free(Page* pg, Block* b) {
  take_slot(pg, b);
  sample_free(b, pg->block_size);
}

void sample_free(void* p, size_t usable) {
  (void)usable;
  Sample s;
  uintptr_t u = reinterpret_cast<uintptr_t>(p);
  if (!sample_take(u, &s)) return;
  uint8_t m = segmap_at(u >> kSegmentShift);
  if (m == kMapSegment) {
    // Pages with more samples than slots look up every free, by whichever thread: the
    // count is atomic for them.
    Page* pg = page_of(segment_of(u), u);
    if (__atomic_sub_fetch(&pg->samples, 1u, __ATOMIC_RELAXED) == 0 &&
        (pg->flags.load(std::memory_order_relaxed) & kPageSampledMany))
      page_set_flags(pg, 0, kPageSampledMany);
  }
  if (g_mode == kModeOff || tl_in_hook) return;
  ++tl_in_hook;
  // Its lifetime in bytes of its thread's allocation (a heap reused by another thread
  // since has a younger clock: no measure then).
  uint64_t clock = heap_clock(s.heap);
  if (!s.aged && clock >= s.clock) life_dead(s.site, clock - s.clock);
  uint64_t life =
      static_cast<uint64_t>(static_cast<double>(cycles() - s.t_cycles) / cycles_per_ns());
  if (SiteStats* st = site_stats(s.site)) {
    bump(st->life_n, uint64_t{1});
    bump(st->life_sum_ns, life);
    if (life > peek(st->life_max_ns)) __atomic_store_n(&st->life_max_ns, life, __ATOMIC_RELAXED);
    bump(st->life_hist[log2_bin(life, kLifeBins)], uint64_t{1});
    if (!s.exact) {
      st->est_frees += s.weight;
      st->est_freed += static_cast<double>(s.weight) * s.size;
    }
  }
  --tl_in_hook;
}

// Cycles per ns, from the counter and the clock since start (a monotonic clock read: cheap,
// and precise enough after a tenth of a millisecond).
// The rate is measured again when the last measure is 2^24 cycles old (~5 ms): every
// sampled free converts a lifetime with it, and the clock read costs more than the rest.
std::atomic<uint64_t> g_rate_at{0};
std::atomic<double> g_rate{2.5};

double cycles_per_ns() {
  uint64_t c = cycles();
  if (c - g_rate_at.load(std::memory_order_relaxed) < (uint64_t{1} << 24))
    return g_rate.load(std::memory_order_relaxed);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
  if (ns < g_ns0 + 100000 || c <= g_tsc0) return 2.5;  // too soon to tell: a typical rate
  double rate = static_cast<double>(c - g_tsc0) / static_cast<double>(ns - g_ns0);
  g_rate.store(rate, std::memory_order_relaxed);
  g_rate_at.store(c, std::memory_order_relaxed);
  return rate;
}

// fork: every lock of this file is held across fork, then released (or remade in the child).
void stats_fork(int phase) {
  if (phase == 0) {
    pthread_mutex_lock(&g_stats_lock);
    g_sample_lock.lock();
  } else if (phase == 1) {
    g_sample_lock.unlock();
    pthread_mutex_unlock(&g_stats_lock);
  } else {
    g_sample_lock.reinit();
    pthread_mutex_init(&g_stats_lock, nullptr);
  }
}

void stats_init() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  g_tsc0 = cycles();
  g_ns0 = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
  pthread_key_create(&g_stats_key, thread_stats_done);
}

// ---- Merged views ----------------------------------------------------------------------

// Sums every thread's counters (and the retired ones) for `site` into *out; the live and
// peak bytes are the flushed global counts plus every thread's unflushed change.
void stats_merge_site(hak_site_t site, SiteStats* out, int64_t* live, int64_t* peak) {
  if (tl_heap != &g_empty_heap) heap_flush_tags(tl_heap);  // the caller's own, exact
  memset(static_cast<void*>(out), 0, sizeof *out);
  pthread_mutex_lock(&g_stats_lock);
  auto add = [&](ThreadStats* t) {
    SiteStats* c = __atomic_load_n(&t->chunks[site / kSitesPerChunk], __ATOMIC_ACQUIRE);
    if (c) add_stats(*out, c[site % kSitesPerChunk]);
  };
  for (ThreadStats* t = g_all_stats; t; t = t->next_all)
    if (t->active) add(t);
  add(&g_retired);
  pthread_mutex_unlock(&g_stats_lock);
  // Site pages' frees: their blocks handed out less those live. (Another thread's batch
  // not yet counted can make it lag, never lead: clamped.)
  int64_t frees = static_cast<int64_t>(out->page_allocs) - out->page_live;
  int64_t freed = static_cast<int64_t>(out->page_usable) - out->page_live_usable;
  out->frees += frees > 0 ? static_cast<uint64_t>(frees) : 0;
  out->freed_bytes += freed > 0 ? static_cast<uint64_t>(freed) : 0;
  *live = g_live[site].load(std::memory_order_relaxed) + out->live_delta;
  int64_t pk = g_peak[site].load(std::memory_order_relaxed);
  if (out->peak_live > pk) pk = out->peak_live;
  *peak = pk > *live ? pk : *live;
}

void stats_latency(double* hist, uint64_t* max_cycles) {
  memset(hist, 0, sizeof(double) * kLatBins);
  *max_cycles = 0;
  pthread_mutex_lock(&g_stats_lock);
  auto add = [&](ThreadStats* t) {
    for (unsigned b = 0; b < kLatBins; ++b) hist[b] += t->lat_hist[b];
    if (peek(t->lat_max) > *max_cycles) *max_cycles = peek(t->lat_max);
  };
  for (ThreadStats* t = g_all_stats; t; t = t->next_all)
    if (t->active) add(t);
  add(&g_retired);
  pthread_mutex_unlock(&g_stats_lock);
}

uint64_t lat_bin_low(unsigned b) {  // the inverse of lat_bin: bin b's smallest value
  if (b < 8) return b;
  unsigned e = b / 4, sub = b % 4;
  return static_cast<uint64_t>(4 + sub) << (e - 2);
}

uint64_t stats_samples_dropped() { return g_samples_dropped.load(std::memory_order_relaxed); }

}  // namespace hak
