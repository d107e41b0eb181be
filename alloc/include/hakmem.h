/* hakmem — a call-site-aware memory allocator. The public C ABI.
 *
 * Every function is thread-safe. Errors follow glibc: NULL with errno = ENOMEM for sizes
 * that cannot be served (including calloc overflow), EINVAL for bad alignments; an invalid
 * or double free aborts with a one-line message naming the pointer.
 *
 * Configuration is read once, from the environment, at the first allocation:
 *   HAKMEM_BACKEND=hakmem|system   system forwards hak_* to the process's malloc (so a peer
 *                                  preloaded with LD_PRELOAD is measured through this API)
 *   HAKMEM_THRESHOLD=64K..2M       the mmap threshold (one of the six steps)
 *   HAKMEM_PURGE_MS=N              delay before freed pages go back to the OS (default 50)
 *   HAKMEM_MODE, HAKMEM_REPORT, HAKMEM_PROFILE, HAKMEM_SITE_DEPTH, HAKMEM_THP, HAKMEM_SEED
 *                                  profiling, reports and tuning (docs/REPORT.md)
 * Unknown values are reported once on stderr and the default is used.
 */
#ifndef HAKMEM_H
#define HAKMEM_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define HAK_API __attribute__((visibility("default")))
#define HAK_NODISCARD __attribute__((warn_unused_result))
#else
#define HAK_API
#define HAK_NODISCARD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Allocation ----------------------------------------------------------------------- */

/* A call site: 0 means "no explicit site" (the caller's return address is used). */
typedef uint32_t hak_site_t;

HAK_API HAK_NODISCARD void* hak_malloc(size_t size);
HAK_API HAK_NODISCARD void* hak_calloc(size_t count, size_t size);
HAK_API HAK_NODISCARD void* hak_realloc(void* ptr, size_t size);
HAK_API HAK_NODISCARD void* hak_aligned_alloc(size_t alignment, size_t size);
HAK_API void hak_free(void* ptr);
HAK_API size_t hak_usable_size(const void* ptr);

/* The same, attributed to an explicit site (see HAK_SITE). */
HAK_API HAK_NODISCARD void* hak_alloc_at(size_t size, hak_site_t site);
HAK_API HAK_NODISCARD void* hak_calloc_at(size_t count, size_t size, hak_site_t site);
HAK_API HAK_NODISCARD void* hak_realloc_at(void* ptr, size_t size, hak_site_t site);
HAK_API HAK_NODISCARD void* hak_aligned_alloc_at(size_t alignment, size_t size, hak_site_t site);

/* ---- Sites ---------------------------------------------------------------------------- */

/* Registers (or finds) the site called `name`; the first registration's file and line are
 * kept. Returns the site's id, never 0. A full site table returns the `other` site. */
HAK_API hak_site_t hak_site_register(const char* name, const char* file, int line);
/* The name of a site ("json.string", or "symbol+0x1c" for an implicit one). */
HAK_API const char* hak_site_name(hak_site_t site);

/* HAK_SITE("json.string") is the site id of that tag, resolved once per call site. */
#define HAK_SITE(name)                                                             \
  __extension__({                                                                  \
    static hak_site_t hak_site_cache_;                                             \
    hak_site_t hak_site_id_ = __atomic_load_n(&hak_site_cache_, __ATOMIC_RELAXED); \
    if (__builtin_expect(hak_site_id_ == 0, 0)) {                                  \
      hak_site_id_ = hak_site_register((name), __FILE__, __LINE__);                \
      __atomic_store_n(&hak_site_cache_, hak_site_id_, __ATOMIC_RELAXED);          \
    }                                                                              \
    hak_site_id_;                                                                  \
  })

/* ---- Control -------------------------------------------------------------------------- */

/* The six mmap-threshold steps: 64 KiB, 128 KiB, 256 KiB, 512 KiB, 1 MiB, 2 MiB. Blocks
 * above the threshold are mapped directly (and cached per site). Returns 0, or -1 with
 * errno = EINVAL for a size that is not a step. */
HAK_API int hak_set_mmap_threshold(size_t bytes);
HAK_API size_t hak_mmap_threshold(void);

/* Gives freed memory back to the OS now, instead of after the purge delay. */
HAK_API void hak_collect(void);

/* "hakmem" or "system". */
HAK_API const char* hak_backend(void);

/* ---- Profiling: KPIs, per-site statistics, reports (docs/REPORT.md) ------------------ */

typedef struct hak_kpi {
  uint64_t latency_p50_ns, latency_p95_ns, latency_p99_ns, latency_max_ns;
  double latency_samples; /* allocations the percentiles stand for (sample weights) */
  uint64_t minor_faults, major_faults;
  size_t rss_bytes, peak_rss_bytes;
  size_t live_bytes; /* usable bytes of blocks not yet freed (exact) */
  size_t allocated_bytes, freed_bytes;
  double fragmentation; /* rss_bytes / live_bytes; 0 (n/a) below 1 MiB live */
  size_t peak_live_bytes;    /* the most live bytes seen (looked at every purge delay) */
  double peak_fragmentation; /* peak_rss_bytes / peak_live_bytes; 0 below 1 MiB */
} hak_kpi_t;
HAK_API void hak_get_kpi(hak_kpi_t* out);

#define HAK_SIZE_BINS 48
typedef struct hak_site_stats {
  hak_site_t site;
  const char* name;
  const char* file; /* where an explicit site was first registered */
  int line;
  int implicit;  /* named by return address(es), not by a tag */
  int estimated; /* the counts include sampled estimates (plain malloc) */
  uint64_t allocs, frees, bytes, reallocs;
  int64_t live_bytes, peak_live_bytes;
  uint64_t samples; /* sampled allocations */
  uint64_t lifetime_samples, lifetime_mean_ns, lifetime_p50_ns, lifetime_max_ns;
  uint64_t size_hist[HAK_SIZE_BINS];    /* [k]: allocations of 2^(k-1) <= size < 2^k bytes */
  uint64_t large_allocs, large_mean_ns; /* blocks above the mmap threshold */
  uint64_t bigcache_hits, bigcache_misses;
  /* The site's policy for blocks above 64 KiB (HAKMEM_MODE=evolving tunes it). */
  size_t policy_threshold; /* blocks above it are mapped directly */
  int policy_bigcache, policy_thp, policy_prefault;
  int tuned;          /* the tuner runs for this site */
  unsigned tuner_arm; /* committed arm (0..63) */
  uint64_t tuner_epochs, tuner_switches;
  /* Lifetime class from the sampled blocks: 0 not known, 1 short-lived, 2 long-lived
   * (placed on pages of their own in evolving mode), and the counts behind it. */
  int life_class;
  double life_short, life_long;
  uint64_t lifetime_hist[HAK_SIZE_BINS]; /* [k]: sampled lifetimes of 2^(k-1) <= ns < 2^k */
} hak_site_stats_t;
/* Merged statistics of one site: 0, or -1 for an unknown site. */
HAK_API int hak_get_site_stats(hak_site_t site, hak_site_stats_t* out);
/* Sites registered so far (explicit and implicit), largest id + 1. */
HAK_API hak_site_t hak_site_count(void);

/* "off", "baseline" or "evolving" (HAKMEM_MODE). */
HAK_API const char* hak_mode(void);

/* Writes the report to HAKMEM_REPORT (stderr when unset): 0, or -1 if it could not. */
HAK_API int hak_report(void);
/* Writes the report to "stderr", "stdout" or a file (JSON if it ends in .json, else text);
 * a file is written to a temporary name and renamed, so it is never seen half-written. */
HAK_API int hak_report_to(const char* target);

/* Process-wide counters (cheap: no walk over the heap). */
typedef struct hak_os_stats {
  size_t mapped_bytes;    /* address space mapped from the OS */
  size_t segments;        /* segments mapped */
  size_t large_blocks;    /* live directly mapped blocks */
  size_t purged_bytes;    /* total returned to the OS with madvise/munmap */
  size_t heaps_active;    /* thread heaps in use */
  size_t heaps_abandoned; /* heaps of exited threads waiting to be reclaimed */
} hak_os_stats_t;
HAK_API void hak_os_stats(hak_os_stats_t* out);

#ifdef __cplusplus
} /* extern "C" */

#include <cstddef>
#include <new>

namespace hak {

/* A string usable as a template argument: hak::allocator<T, "json.string">. */
template <std::size_t N>
struct site_name {
  char str[N];
  constexpr site_name(const char (&s)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) str[i] = s[i];
  }
};

/* An STL allocator whose allocations are attributed to the site `Name`. Stateless. */
template <class T, site_name Name>
struct allocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = allocator<U, Name>;
  };
  allocator() noexcept = default;
  template <class U>
  allocator(const allocator<U, Name>&) noexcept {}  // NOLINT: implicit by design

  static hak_site_t site() {
    static const hak_site_t id = hak_site_register(Name.str, __FILE__, __LINE__);
    return id;
  }
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / 2 / sizeof(T)) throw std::bad_array_new_length();
    void* p = alignof(T) > 16 ? hak_aligned_alloc_at(alignof(T), n * sizeof(T), site())
                              : hak_alloc_at(n * sizeof(T), site());
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { hak_free(p); }
  friend bool operator==(const allocator&, const allocator&) noexcept { return true; }
};

/* The same with the site chosen at run time (one site id per allocator object). */
template <class T>
struct site_allocator {
  using value_type = T;
  hak_site_t site;
  explicit site_allocator(hak_site_t s) noexcept : site(s) {}
  template <class U>
  site_allocator(const site_allocator<U>& o) noexcept : site(o.site) {}  // NOLINT
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / 2 / sizeof(T)) throw std::bad_array_new_length();
    void* p = alignof(T) > 16 ? hak_aligned_alloc_at(alignof(T), n * sizeof(T), site)
                              : hak_alloc_at(n * sizeof(T), site);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { hak_free(p); }
  template <class U>
  friend bool operator==(const site_allocator& a, const site_allocator<U>& b) noexcept {
    return a.site == b.site;
  }
};

}  // namespace hak
#endif /* __cplusplus */

#endif /* HAKMEM_H */
