// Process start-up, configuration, thread heaps (made, abandoned at thread exit, adopted or
// reclaimed by other threads) and fork safety.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc/src/lifetime.h"
#include "alloc/src/stats.h"
#include "alloc/src/tuner.h"

extern "C" {
// Defined (as 1) only in libhakmem.so: malloc itself is hakmem, so "system" cannot be.
extern int hak_override_active __attribute__((weak));
}
extern char** environ;

namespace hak {

Config g_config = {false, kMediumMax, 50'000'000, 16384};
uintptr_t g_secret;
std::atomic<int> g_init_state{0};
Page g_empty_page;
constinit Heap g_empty_heap(&g_empty_page);
HAK_TLS Heap* tl_heap = &g_empty_heap;
HAK_TLS uint64_t tl_fresh_pages;
std::atomic<size_t> g_heaps_active, g_heaps_abandoned;
uint64_t g_seed;

namespace {

pthread_key_t g_heap_key;
pthread_mutex_t g_heap_lock = PTHREAD_MUTEX_INITIALIZER;
Heap* g_pool_free;       // clean heaps, ready to reuse
Heap* g_pool_abandoned;  // heaps of exited threads that still own memory
Heap* g_all_heaps;
uint8_t* g_heap_chunk;  // heap structs are carved from mmap'd chunks, never freed
size_t g_heap_chunk_left;
std::atomic<uint64_t> g_last_reclaim_ns{0};

// ---- Configuration ---------------------------------------------------------------------

bool parse_size(const char* s, size_t* out) {
  size_t v = 0;
  if (!*s) return false;
  for (; *s >= '0' && *s <= '9'; ++s) {
    if (v > (SIZE_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<size_t>(*s - '0');
  }
  unsigned shift = 0;
  if (*s == 'K' || *s == 'k')
    shift = 10, ++s;
  else if (*s == 'M' || *s == 'm')
    shift = 20, ++s;
  else if (*s == 'G' || *s == 'g')
    shift = 30, ++s;
  if (v > (SIZE_MAX >> shift)) return false;
  v <<= shift;
  if (*s == 'i' && s[1] == 'B') s += 2;  // "64KiB"
  *out = v;
  return *s == 0;
}

bool env_is(const char* name, const char* value) {
  const char* v = getenv(name);
  return v && strcmp(v, value) == 0;
}

void read_config() {
  if (const char* v = getenv("HAKMEM_BACKEND")) {
    if (strcmp(v, "system") == 0) {
      if (&hak_override_active && hak_override_active)
        message("HAKMEM_BACKEND=system is ignored in libhakmem.so (malloc is hakmem here)");
      else
        g_config.system_backend = true;
    } else if (strcmp(v, "hakmem") != 0) {
      message("HAKMEM_BACKEND=%s is not hakmem or system; using hakmem", v);
    }
  }
  if (const char* v = getenv("HAKMEM_THRESHOLD")) {
    size_t t = 0;
    bool ok = parse_size(v, &t) && t >= kMinThreshold && t <= kMediumMax && (t & (t - 1)) == 0;
    if (ok)
      g_config.threshold = t;
    else
      message("HAKMEM_THRESHOLD=%s is not one of 64K 128K 256K 512K 1M 2M 4M 8M; using 8M", v);
  }
  if (const char* v = getenv("HAKMEM_MODE")) {
    if (strcmp(v, "off") == 0)
      g_mode = kModeOff;
    else if (strcmp(v, "baseline") == 0)
      g_mode = kModeBaseline;
    else if (strcmp(v, "evolving") == 0)
      g_mode = kModeEvolving;
    else
      message("HAKMEM_MODE=%s is not off, baseline or evolving; using evolving", v);
  }
  if (const char* v = getenv("HAKMEM_SAMPLE")) {
    size_t mean = 0;
    if (strcmp(v, "all") == 0)
      g_sample_all = true;
    else if (parse_size(v, &mean) && mean >= 1024 && mean <= (size_t{1} << 30))
      g_sample_mean = static_cast<int64_t>(mean);
    else
      message("HAKMEM_SAMPLE=%s is not all or a byte count from 1K to 1G; using 512K", v);
  }
  if (const char* v = getenv("HAKMEM_SITE_DEPTH")) {
    size_t d = 0;
    if (parse_size(v, &d) && d <= 8)
      g_site_depth = static_cast<int>(d);
    else
      message("HAKMEM_SITE_DEPTH=%s is not a depth from 0 to 8; using 0", v);
  }
  if (const char* v = getenv("HAKMEM_SEED")) {
    size_t seed = 0;
    if (parse_size(v, &seed))
      g_seed = seed ? seed : 1;
    else
      message("HAKMEM_SEED=%s is not a number; using a random seed", v);
  }
  if (const char* v = getenv("HAKMEM_PURGE_MS")) {
    size_t ms = 0;
    if (parse_size(v, &ms) && ms <= 3600'000)
      g_config.purge_delay_ns = ms * 1'000'000;
    else
      message("HAKMEM_PURGE_MS=%s is not a number of milliseconds; using 50", v);
  }
  // A misspelt variable is a silent misconfiguration: name it once.
  static const char* const known[] = {"HAKMEM_BACKEND",    "HAKMEM_THRESHOLD", "HAKMEM_PURGE_MS",
                                      "HAKMEM_MODE",       "HAKMEM_REPORT",    "HAKMEM_PROFILE",
                                      "HAKMEM_SITE_DEPTH", "HAKMEM_THP",       "HAKMEM_SEED",
                                      "HAKMEM_TUNE",       "HAKMEM_QUIET",     "HAKMEM_POLICY",
                                      "HAKMEM_PLACEMENT",  "HAKMEM_SAMPLE"};
  for (char** e = environ; e && *e; ++e) {
    if (strncmp(*e, "HAKMEM_", 7) != 0) continue;
    bool found = false;
    for (const char* k : known) {
      size_t n = strlen(k);
      if (strncmp(*e, k, n) == 0 && (*e)[n] == '=') found = true;
    }
    if (!found && !env_is("HAKMEM_QUIET", "1")) {
      const char* eq = strchr(*e, '=');
      char name[64];
      size_t n = eq ? static_cast<size_t>(eq - *e) : strlen(*e);
      n = n < sizeof name - 1 ? n : sizeof name - 1;
      memcpy(name, *e, n);
      name[n] = 0;
      message("unknown setting %s is ignored", name);
    }
  }
}

}  // namespace

const char* env_keep(const char* name, char* buf, size_t cap) {
  const char* v = getenv(name);
  if (!v || !*v) return nullptr;
  size_t n = strlen(v);
  if (n >= cap) {
    message("%s is longer than %zu bytes: ignored", name, cap - 1);
    return nullptr;
  }
  memcpy(buf, v, n + 1);
  return buf;
}

namespace {

// ---- Heap structs ----------------------------------------------------------------------

Heap* heap_struct_new() {
  constexpr size_t size = (sizeof(Heap) + 63) & ~size_t{63};
  if (g_heap_chunk_left < size) {
    constexpr size_t chunk = 256 * 1024;
    void* p = mmap(nullptr, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    g_heap_chunk = static_cast<uint8_t*>(p);
    g_heap_chunk_left = chunk;
  }
  Heap* h = reinterpret_cast<Heap*>(g_heap_chunk);
  g_heap_chunk += size;
  g_heap_chunk_left -= size;
  h->next_all = g_all_heaps;
  g_all_heaps = h;
  return h;
}

void heap_reset(Heap* h) {
  Heap* all = h->next_all;
  SiteQueue* squeues = h->squeues;  // (a pooled heap has no pages: its queues are empty)
  uint32_t squeue_cap = h->squeue_cap;
  g_live_small.fetch_sub(h->live_bytes, std::memory_order_relaxed);  // (0 but for drift)
  memset(static_cast<void*>(h), 0, sizeof *h);
  h->next_all = all;
  if (squeues) memset(static_cast<void*>(squeues), 0, squeue_cap * sizeof(SiteQueue));
  h->squeues = squeues;
  h->squeue_cap = squeue_cap;
  for (auto& d : h->direct) d = &g_empty_page;
  for (auto& f : h->first) f = &g_empty_page;
  for (auto& d : h->direct_long) d = &g_empty_page;
  for (auto& f : h->first_long) f = &g_empty_page;
  for (auto& p : h->tags.page) p = &g_empty_page;
  h->direct_max = kSmallMax;
  h->fast_max = kMediumFast;
  if (sample_all()) h->direct_max = h->fast_max = 0;  // every allocation counted: page.cc
  h->rng = random_u64();
  static std::atomic<uint64_t> heaps_made{0};
  uint64_t k = heaps_made.fetch_add(1, std::memory_order_relaxed) + 1;
  h->sample_rng = g_seed ? g_seed * 0x9E3779B97F4A7C15ull + k * 0xBF58476D1CE4E5B9ull : h->rng;
  h->sample_rng |= 1;
  h->next_purge_ns = UINT64_MAX;
  sample_reset_heap(h);
}

void thread_done(void* arg) {
  Heap* h = static_cast<Heap*>(arg);
  if (tl_heap == h) tl_heap = &g_empty_heap;
  // Free empty pages but keep them resident for the purge delay: a thread that starts
  // soon adopts this heap and reuses them without faults (thread pools, larson). If no
  // thread comes, reclaim_abandoned purges them later.
  collect_heap(h, false);
  // Its pages are nobody's now: a thread that later gets the same thread pointer must not
  // take their frees for its own.
  heap_set_owner(h, kOwnerAbandoned);
  pthread_mutex_lock(&g_heap_lock);
  if (h->segments == nullptr) {
    h->state = kHeapPooled;
    h->next_pool = g_pool_free;
    g_pool_free = h;
  } else {
    h->state = kHeapAbandoned;
    h->next_pool = g_pool_abandoned;
    g_pool_abandoned = h;
    g_heaps_abandoned.fetch_add(1, std::memory_order_relaxed);
  }
  g_heaps_active.fetch_sub(1, std::memory_order_relaxed);
  pthread_mutex_unlock(&g_heap_lock);
}

// ---- fork: hold every lock across fork; in the child, other threads' heaps are orphans --

void fork_prepare() {
  tuner_fork(0);
  sites_fork(0);
  stats_fork(0);
  life_fork(0);
  bigcache_lock(true);
  pthread_mutex_lock(&g_heap_lock);
}
void fork_parent() {
  pthread_mutex_unlock(&g_heap_lock);
  bigcache_lock(false);
  life_fork(1);
  stats_fork(1);
  sites_fork(1);
  tuner_fork(1);
}
void fork_child() {
  pthread_mutex_init(&g_heap_lock, nullptr);
  bigcache_lock_reinit();
  stats_fork(2);
  life_fork(2);
  sites_fork(2);
  tuner_fork(2);
  for (Heap* h = g_all_heaps; h; h = h->next_all) {
    if (h->state == kHeapActive && h != tl_heap) {
      heap_set_owner(h, kOwnerAbandoned);  // its thread is gone; another may get its pointer
      h->state = kHeapAbandoned;
      h->next_pool = g_pool_abandoned;
      g_pool_abandoned = h;
      g_heaps_active.fetch_sub(1, std::memory_order_relaxed);
      g_heaps_abandoned.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace

void init_process() {
  int expected = 0;
  if (g_init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    // Nothing here may allocate: malloc is not ready until the state is 2.
    g_secret = random_u64() | 1;
    read_config();
    tuner_configure();
    life_configure();
    pthread_key_create(&g_heap_key, thread_done);
    stats_init();
    g_init_state.store(2, std::memory_order_release);
    // Malloc works from here on; these may allocate.
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    profile_load();
    if (profile_path()) atexit(profile_save);
    report_register();
    return;
  }
  while (g_init_state.load(std::memory_order_acquire) != 2) sched_yield();
}

Heap* heap_for_thread() {
  ensure_init();
  if (g_config.system_backend) return nullptr;
  if (tl_heap != &g_empty_heap) return tl_heap;
  pthread_mutex_lock(&g_heap_lock);
  Heap* h = g_pool_abandoned;
  if (h) {  // adopt an exited thread's heap with its memory
    g_pool_abandoned = h->next_pool;
    g_heaps_abandoned.fetch_sub(1, std::memory_order_relaxed);
  } else if ((h = g_pool_free)) {
    g_pool_free = h->next_pool;
    heap_reset(h);
  } else if ((h = heap_struct_new())) {
    heap_reset(h);
  }
  if (h) {
    h->state = kHeapActive;
    h->next_pool = nullptr;
    g_heaps_active.fetch_add(1, std::memory_order_relaxed);
  }
  pthread_mutex_unlock(&g_heap_lock);
  if (!h) return nullptr;
  heap_set_owner(h, thread_token());  // an adopted heap's pages become this thread's
  tl_heap = h;
  pthread_setspecific(g_heap_key, h);
  return h;
}

namespace {

// Collects one abandoned heap as its temporary owner: back to the clean pool if nothing is
// left in it, else to the end of the abandoned line.
// `force` (hak_collect) purges every freed slice at once; otherwise only the slices whose
// purge delay has passed go back, as in a live heap (the heap may be adopted again soon,
// by a thread pool or a program that starts a thread per task).
bool reclaim_one(bool force) {
  pthread_mutex_lock(&g_heap_lock);
  Heap* h = g_pool_abandoned;
  if (h) g_pool_abandoned = h->next_pool;
  pthread_mutex_unlock(&g_heap_lock);
  if (!h) return false;
  collect_heap(h, force);
  pthread_mutex_lock(&g_heap_lock);
  if (h->segments == nullptr) {
    h->state = kHeapPooled;
    h->next_pool = g_pool_free;
    g_pool_free = h;
    g_heaps_abandoned.fetch_sub(1, std::memory_order_relaxed);
  } else {
    h->next_pool = nullptr;
    Heap** tail = &g_pool_abandoned;
    while (*tail) tail = &(*tail)->next_pool;
    *tail = h;
  }
  pthread_mutex_unlock(&g_heap_lock);
  return true;
}

}  // namespace

// Gives back what abandoned heaps no longer use: all of them (hak_collect), or one, at most
// every 10 ms, by a thread that is about to map a new segment.
void reclaim_abandoned(bool all) {
  if (all) {
    for (size_t n = g_heaps_abandoned.load(std::memory_order_relaxed); n > 0; --n)
      if (!reclaim_one(true)) break;
    return;
  }
  uint64_t now = now_ns(), last = g_last_reclaim_ns.load(std::memory_order_relaxed);
  // (The counter, not the list head: the list is read only under the lock.)
  if (now - last < 10'000'000 || g_heaps_abandoned.load(std::memory_order_relaxed) == 0 ||
      !g_last_reclaim_ns.compare_exchange_strong(last, now))
    return;
  reclaim_one(false);
}

// Bytes allocated in all (the sampling countdowns count every block handed out) and live
// now: the caller's own heap counted exactly, other threads' as of their pages' last count
// (Heap::live_bytes), large blocks exactly.
std::atomic<uint64_t> g_peak_live{0};

void heaps_totals(uint64_t* allocated, uint64_t* live) {
  if (tl_heap != &g_empty_heap) heap_flush_tags(tl_heap);
  uint64_t a = 0;
  int64_t l = static_cast<int64_t>(g_large_live_bytes.load(std::memory_order_relaxed));
  pthread_mutex_lock(&g_heap_lock);
  for (Heap* h = g_all_heaps; h; h = h->next_all) {
    int64_t left = __atomic_load_n(&h->sample_left, __ATOMIC_RELAXED);
    a += __atomic_load_n(&h->sampled_total, __ATOMIC_RELAXED) - static_cast<uint64_t>(left);
    l += __atomic_load_n(&h->live_bytes, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&g_heap_lock);
  *allocated = a;
  *live = l > 0 ? static_cast<uint64_t>(l) : 0;
}

std::atomic<int64_t> g_live_small{0};

void live_peak_note(int64_t small_live) {
  int64_t l = small_live + static_cast<int64_t>(g_large_live_bytes.load(std::memory_order_relaxed));
  uint64_t now = l > 0 ? static_cast<uint64_t>(l) : 0;
  uint64_t peak = g_peak_live.load(std::memory_order_relaxed);
  while (now > peak && !g_peak_live.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

}  // namespace hak

extern "C" {

HAK_API void hak_os_stats(hak_os_stats_t* out) {
  using namespace hak;
  out->mapped_bytes = g_mapped_bytes.load(std::memory_order_relaxed);
  out->segments = g_segments.load(std::memory_order_relaxed);
  out->large_blocks = g_large_blocks.load(std::memory_order_relaxed);
  out->purged_bytes = g_purged_bytes.load(std::memory_order_relaxed);
  out->heaps_active = g_heaps_active.load(std::memory_order_relaxed);
  out->heaps_abandoned = g_heaps_abandoned.load(std::memory_order_relaxed);
}

HAK_API const char* hak_backend(void) {
  hak::ensure_init();
  return hak::g_config.system_backend ? "system" : "hakmem";
}

HAK_API int hak_set_mmap_threshold(size_t bytes) {
  hak::ensure_init();
  for (unsigned s = 0; s < hak::kThresholdSteps; ++s) {
    if (bytes == hak::kMinThreshold << s) {
      __atomic_store_n(&hak::g_config.threshold, bytes, __ATOMIC_RELAXED);
      return 0;
    }
  }
  errno = EINVAL;
  return -1;
}

HAK_API size_t hak_mmap_threshold(void) {
  hak::ensure_init();
  return __atomic_load_n(&hak::g_config.threshold, __ATOMIC_RELAXED);
}

}  // extern "C"
