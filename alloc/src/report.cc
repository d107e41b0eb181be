// KPIs and the report: a readable table sorted by bytes, or JSON (docs/REPORT.md). Written
// at exit when HAKMEM_REPORT is set, and on hak_report().
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "alloc/src/bigcache.h"
#include "alloc/src/lifetime.h"
#include "alloc/src/stats.h"
#include "alloc/src/timeline.h"
#include "alloc/src/tuner.h"

namespace hak {

void stats_merge_site(hak_site_t site, SiteStats* out, int64_t* live, int64_t* peak);
void stats_latency(double* hist, uint64_t* max_cycles);
uint64_t lat_bin_low(unsigned b);  // the smallest value of latency bin b
uint64_t stats_samples_dropped();
uint64_t site_overflow_count();
uint32_t site_count();
bool site_is_implicit(hak_site_t s);
void site_location(hak_site_t s, const char** file, int* line);

namespace {

// An output buffer in its own mapping: the report never depends on the heap it describes.
class Out {
 public:
  ~Out() {
    if (data_) munmap(data_, cap_);
  }
  void printf(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    for (;;) {
      va_list ap;
      va_start(ap, fmt);
      int n = data_ ? vsnprintf(data_ + len_, cap_ - len_, fmt, ap) : -1;
      va_end(ap);
      if (n >= 0 && len_ + static_cast<size_t>(n) < cap_) {
        len_ += static_cast<size_t>(n);
        return;
      }
      if (!grow(n < 0 ? 4096 : static_cast<size_t>(n) + 1)) return;
    }
  }
  void json_string(const char* s) {
    printf("\"");
    for (const unsigned char* p = reinterpret_cast<const unsigned char*>(s); *p; ++p) {
      if (*p == '"' || *p == '\\')
        printf("\\%c", *p);
      else if (*p < 0x20)
        printf("\\u%04x", *p);
      else
        printf("%c", *p);
    }
    printf("\"");
  }
  const char* data() const { return data_ ? data_ : ""; }
  size_t size() const { return len_; }

 private:
  bool grow(size_t need) {
    size_t cap = cap_ ? cap_ * 2 : 256 * 1024;
    while (cap < len_ + need + 1) cap *= 2;
    void* p = data_
                  ? mremap(data_, cap_, cap, MREMAP_MAYMOVE)
                  : mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    data_ = static_cast<char*>(p);
    cap_ = cap;
    return true;
  }
  char* data_ = nullptr;
  size_t len_ = 0, cap_ = 0;
};

const char* mode_name() {
  return g_mode == kModeOff ? "off" : g_mode == kModeEvolving ? "evolving" : "baseline";
}

// "12.3 MiB" style sizes for the text report.
const char* human(double v, char* buf, size_t n, const char* unit = "B") {
  const char* units[] = {"", "Ki", "Mi", "Gi", "Ti"};
  int u = 0;
  while ((v >= 1024 || v <= -1024) && u < 4) v /= 1024, ++u;
  if (u == 0)
    snprintf(buf, n, "%.0f %s", v, unit);
  else
    snprintf(buf, n, "%.1f %s%s", v, units[u], unit);
  return buf;
}

const char* human_ns(uint64_t ns, char* buf, size_t n) {
  if (ns < 1000)
    snprintf(buf, n, "%llu ns", static_cast<unsigned long long>(ns));
  else if (ns < 1000000)
    snprintf(buf, n, "%.1f us", static_cast<double>(ns) / 1e3);
  else if (ns < 1000000000)
    snprintf(buf, n, "%.1f ms", static_cast<double>(ns) / 1e6);
  else
    snprintf(buf, n, "%.2f s", static_cast<double>(ns) / 1e9);
  return buf;
}

// VmRSS and VmHWM from /proc/self/status, without stdio.
void read_rss(size_t* rss, size_t* peak) {
  *rss = *peak = 0;
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = 0;
  auto field = [&](const char* name) -> size_t {
    const char* p = strstr(buf, name);
    return p ? static_cast<size_t>(strtoull(p + strlen(name), nullptr, 10)) * 1024 : 0;
  };
  *rss = field("VmRSS:");
  *peak = field("VmHWM:");
}

// The q-quantile of the sampled latencies: the rank's bin found, the value interpolated
// linearly within the bin's bounds, and never above the largest sample seen (a bin's
// bound is not a measurement: a p50 above the max was possible with bin middles).
uint64_t percentile(const double* hist, double total, double q, uint64_t max_cycles, double cpn) {
  double want = total * q, seen = 0;
  for (unsigned b = 0; b < kLatBins; ++b) {
    if (hist[b] <= 0) continue;
    if (seen + hist[b] >= want) {
      double lo = static_cast<double>(lat_bin_low(b)), hi = static_cast<double>(lat_bin_low(b + 1));
      double v = lo + (hi - lo) * ((want - seen) / hist[b]);
      if (v > static_cast<double>(max_cycles)) v = static_cast<double>(max_cycles);
      return static_cast<uint64_t>(v / cpn);
    }
    seen += hist[b];
  }
  return static_cast<uint64_t>(static_cast<double>(max_cycles) / cpn);
}

// The command line, arguments separated by spaces; control characters (a newline in an
// argument) shown as \n, \t or \xHH, so the report's header stays one line.
void program_name(char* buf, size_t n) {
  buf[0] = 0;
  char raw[4096];
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t r = read(fd, raw, sizeof raw);
  close(fd);
  if (r <= 0) return;
  if (raw[r - 1] == 0) --r;  // (the last argument's terminator)
  size_t k = 0;
  for (ssize_t i = 0; i < r && k + 5 < n; ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == 0)
      buf[k++] = ' ';
    else if (c == '\n' || c == '\t')
      buf[k++] = '\\', buf[k++] = c == '\n' ? 'n' : 't';
    else if (c < 0x20 || c == 0x7f)
      k += static_cast<size_t>(snprintf(buf + k, n - k, "\\x%02x", c));
    else
      buf[k++] = static_cast<char>(c);
  }
  buf[k] = 0;
}

}  // namespace

void get_kpi(hak_kpi_t* k) {
  memset(k, 0, sizeof *k);
  double hist[kLatBins];
  uint64_t max_cycles;
  stats_latency(hist, &max_cycles);
  double total = 0;
  for (double h : hist) total += h;
  double cpn = cycles_per_ns();
  k->latency_samples = total;
  k->latency_p50_ns = percentile(hist, total, 0.50, max_cycles, cpn);
  k->latency_p95_ns = percentile(hist, total, 0.95, max_cycles, cpn);
  k->latency_p99_ns = percentile(hist, total, 0.99, max_cycles, cpn);
  k->latency_max_ns = static_cast<uint64_t>(static_cast<double>(max_cycles) / cpn);
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    k->minor_faults = static_cast<uint64_t>(ru.ru_minflt);
    k->major_faults = static_cast<uint64_t>(ru.ru_majflt);
  }
  read_rss(&k->rss_bytes, &k->peak_rss_bytes);
  uint64_t allocated, live;
  heaps_totals(&allocated, &live);
  k->allocated_bytes = allocated > live ? allocated : live;
  k->live_bytes = live;
  k->freed_bytes = k->allocated_bytes - live;
  // Against less than 1 MiB live (at exit, typically) the ratio says nothing: 0 (n/a).
  k->fragmentation = k->live_bytes >= (size_t{1} << 20) ? static_cast<double>(k->rss_bytes) /
                                                            static_cast<double>(k->live_bytes)
                                                      : 0;
  uint64_t peak = g_peak_live.load(std::memory_order_relaxed);
  k->peak_live_bytes = peak > live ? peak : live;
  k->peak_fragmentation = k->peak_live_bytes >= (size_t{1} << 20)
                              ? static_cast<double>(k->peak_rss_bytes) /
                                    static_cast<double>(k->peak_live_bytes)
                              : 0;
}

bool get_site_stats(hak_site_t site, hak_site_stats_t* o) {
  if (site == 0 || site >= site_count()) return false;
  SiteStats s;
  int64_t live, peak;
  stats_merge_site(site, &s, &live, &peak);
  memset(o, 0, sizeof *o);
  o->site = site;
  o->name = hak_site_name(site);
  site_location(site, &o->file, &o->line);
  o->implicit = site_is_implicit(site);
  o->estimated = s.est_allocs > 0;
  // Live bytes in usable sizes, as the exact part counts them (est_bytes is requested).
  double est_live = s.est_usable > 0 ? s.est_usable - s.est_freed : 0;
  o->allocs = s.allocs + static_cast<uint64_t>(s.est_allocs + 0.5);
  o->frees = s.frees + static_cast<uint64_t>(s.est_frees + 0.5);
  o->bytes = s.bytes + static_cast<uint64_t>(s.est_bytes + 0.5);
  o->reallocs = s.reallocs;
  o->live_bytes = live + static_cast<int64_t>(est_live);
  o->peak_live_bytes = peak + static_cast<int64_t>(est_live > 0 ? est_live : 0);
  if (o->peak_live_bytes < o->live_bytes) o->peak_live_bytes = o->live_bytes;
  o->samples = s.samples;
  o->lifetime_samples = s.life_n;
  o->lifetime_mean_ns = s.life_n ? s.life_sum_ns / s.life_n : 0;
  o->lifetime_max_ns = s.life_max_ns;
  uint64_t seen = 0;
  for (unsigned b = 0; b < kLifeBins && s.life_n; ++b) {
    uint64_t in = s.life_hist[b];
    if (in == 0 || (seen + in) * 2 < s.life_n) {
      seen += in;
      continue;
    }
    // Bin b holds [2^(b-1), 2^b) ns (bin 0: 0): the median interpolated within it, and
    // never above the longest lifetime seen.
    double lo = b == 0 ? 0 : static_cast<double>(uint64_t{1} << (b - 1));
    double hi = b == 0 ? 1 : lo * 2;
    double v = lo + (hi - lo) * ((static_cast<double>(s.life_n) / 2 - static_cast<double>(seen)) /
                                 static_cast<double>(in));
    o->lifetime_p50_ns = v > static_cast<double>(s.life_max_ns) ? s.life_max_ns
                                                                 : static_cast<uint64_t>(v);
    break;
  }
  memcpy(o->size_hist, s.size_hist, sizeof o->size_hist);
  static_assert(sizeof o->lifetime_hist == sizeof s.life_hist, "48 bins each");
  memcpy(o->lifetime_hist, s.life_hist, sizeof o->lifetime_hist);
  o->large_allocs = s.large_allocs;
  o->large_mean_ns =
      s.large_allocs ? static_cast<uint64_t>(static_cast<double>(s.large_cycles) /
                                             static_cast<double>(s.large_allocs) / cycles_per_ns())
                     : 0;
  o->bigcache_hits = s.bigcache_hits;
  o->bigcache_misses = s.bigcache_misses;
  Policy pol = policy_for(site);
  TunerState ts;
  if (tuner_state(site, &ts)) {
    pol = policy_of_arm(ts.committed);
    o->tuned = ts.epochs > 0;  // (a tuner that ran no epoch has chosen nothing)
    o->tuner_arm = ts.committed;
    o->tuner_epochs = ts.epochs;
    o->tuner_switches = ts.switches;
  }
  o->life_class = __atomic_load_n(&g_site_life[site], __ATOMIC_RELAXED);
  life_counts(site, &o->life_short, &o->life_long);
  o->policy_threshold = threshold_of(pol);
  o->policy_bigcache = pol.bigcache;
  o->policy_thp = pol.thp;
  o->policy_prefault = pol.prefault;
  return true;
}

namespace {

// Sites with any activity, sorted by bytes (largest first).
size_t collect_sites(hak_site_stats_t* out, size_t max) {
  size_t n = 0;
  uint32_t count = site_count();
  for (hak_site_t s = 1; s < count && n < max; ++s) {
    if (get_site_stats(s, &out[n]) && (out[n].allocs || out[n].frees || out[n].samples)) ++n;
  }
  // Insertion sort: the report is rare and the list short.
  for (size_t i = 1; i < n; ++i) {
    hak_site_stats_t x = out[i];
    size_t j = i;
    for (; j > 0 && out[j - 1].bytes < x.bytes; --j) out[j] = out[j - 1];
    out[j] = x;
  }
  return n;
}

void write_text(Out& o, const hak_kpi_t& k, hak_site_stats_t* sites, size_t n) {
  char prog[512], a[32], b[32], c[32], d[32], e[32];
  program_name(prog, sizeof prog);
  hak_os_stats_t os;
  hak_os_stats(&os);
  BigCacheStats bc;
  bigcache_stats(&bc);
  o.printf("hakmem report: pid %d: %s\n", static_cast<int>(getpid()), prog);
  o.printf("mode %s, backend %s, mmap threshold %s, site depth %d, purge delay %llu ms\n\n",
           mode_name(), g_config.system_backend ? "system" : "hakmem",
           human(static_cast<double>(g_config.threshold), a, sizeof a), g_site_depth,
           static_cast<unsigned long long>(g_config.purge_delay_ns / 1000000));
  o.printf("allocation latency  p50 %s  p95 %s  p99 %s  max %s  (%.0f allocations, sampled)\n",
           human_ns(k.latency_p50_ns, a, sizeof a), human_ns(k.latency_p95_ns, b, sizeof b),
           human_ns(k.latency_p99_ns, c, sizeof c), human_ns(k.latency_max_ns, d, sizeof d),
           k.latency_samples);
  o.printf("page faults         minor %llu  major %llu\n",
           static_cast<unsigned long long>(k.minor_faults),
           static_cast<unsigned long long>(k.major_faults));
  o.printf("memory              RSS %s (peak %s)  live %s  allocated %s  freed %s\n",
           human(static_cast<double>(k.rss_bytes), a, sizeof a),
           human(static_cast<double>(k.peak_rss_bytes), b, sizeof b),
           human(static_cast<double>(k.live_bytes), c, sizeof c),
           human(static_cast<double>(k.allocated_bytes), d, sizeof d),
           human(static_cast<double>(k.freed_bytes), e, sizeof e));
  // (At exit little may be live: the ratio at the peak is the one that says something.)
  char frag[48] = "n/a (less than 1 MiB live)", pfrag[48] = "n/a";
  if (k.fragmentation > 0) snprintf(frag, sizeof frag, "%.2f", k.fragmentation);
  if (k.peak_fragmentation > 0) snprintf(pfrag, sizeof pfrag, "%.2f", k.peak_fragmentation);
  o.printf("fragmentation       at peak %s (peak RSS / peak live %s), now %s (RSS / live)\n",
           pfrag, human(static_cast<double>(k.peak_live_bytes), a, sizeof a), frag);
  o.printf(
      "os                  mapped %s in %zu segments and %zu large blocks, purged %s, "
      "heaps %zu active %zu abandoned\n",
      human(static_cast<double>(os.mapped_bytes), a, sizeof a), os.segments, os.large_blocks,
      human(static_cast<double>(os.purged_bytes), b, sizeof b), os.heaps_active,
      os.heaps_abandoned);
  uint64_t lookups = bc.hits + bc.misses;
  o.printf(
      "bigcache            hits %llu  misses %llu  (hit rate %.1f %%)  held %s in %zu blocks\n",
      static_cast<unsigned long long>(bc.hits), static_cast<unsigned long long>(bc.misses),
      lookups ? 100.0 * static_cast<double>(bc.hits) / static_cast<double>(lookups) : 0.0,
      human(static_cast<double>(bc.bytes_held), a, sizeof a), bc.blocks_held);
  o.printf(
      "sites               %zu with activity, %llu overflowed into \"other\", %llu samples "
      "dropped\n\n",
      n, static_cast<unsigned long long>(site_overflow_count()),
      static_cast<unsigned long long>(stats_samples_dropped()));
  o.printf("%-40s %12s %12s %10s %10s %10s %8s %9s %10s %5s  %s\n", "site", "allocs", "frees",
           "bytes", "live", "peak", "reallocs", "mean", "lifetime", "class",
           "policy (bigcache hits)");
  for (size_t i = 0; i < n; ++i) {
    const hak_site_stats_t& s = sites[i];
    char name[64];
    snprintf(name, sizeof name, "%s%s", s.estimated ? "~" : "", s.name);
    char pol[96] = "";
    if (s.tuned || s.large_allocs) {
      char t[32];
      uint64_t lookups = s.bigcache_hits + s.bigcache_misses;
      snprintf(pol, sizeof pol, "%s%s%s%s%s",
               human(static_cast<double>(s.policy_threshold), t, sizeof t),
               s.policy_bigcache ? " bigcache" : "", s.policy_thp ? " thp" : "",
               s.policy_prefault ? " prefault" : "", s.tuned ? " (tuned)" : "");
      if (lookups) {
        size_t len = strlen(pol);
        snprintf(pol + len, sizeof pol - len, " (%.0f%%)",
                 100.0 * static_cast<double>(s.bigcache_hits) / static_cast<double>(lookups));
      }
    }
    static const char* const kClass[] = {"-", "short", "long"};
    // An estimated site's counts carry the ~ too, each of them: 28 allocations and 9 frees
    // with 538 KiB live are estimates from a few samples, not a contradiction.
    const char* est = s.estimated ? "~" : "";
    char na[24], nf[24], lv[40];
    snprintf(na, sizeof na, "%s%llu", est, static_cast<unsigned long long>(s.allocs));
    snprintf(nf, sizeof nf, "%s%llu", est, static_cast<unsigned long long>(s.frees));
    snprintf(lv, sizeof lv, "%s%s", est, human(static_cast<double>(s.live_bytes), b, sizeof b));
    o.printf("%-40.40s %12s %12s %10s %10s %10s %8llu %9s %10s %5s  %s\n", name, na, nf,
             human(static_cast<double>(s.bytes), a, sizeof a), lv,
             human(static_cast<double>(s.peak_live_bytes), c, sizeof c),
             static_cast<unsigned long long>(s.reallocs),
             human(s.allocs ? static_cast<double>(s.bytes) / static_cast<double>(s.allocs) : 0, d,
                   sizeof d),
             s.lifetime_samples ? human_ns(s.lifetime_p50_ns, e, sizeof e) : "-",
             kClass[s.life_class < 3 ? s.life_class : 0], pol);
  }
  o.printf(
      "(~ marks estimates from samples: plain malloc of small blocks, one sample per %s "
      "allocated; HAKMEM_SAMPLE=all counts them exactly)\n",
      human(static_cast<double>(g_sample_mean), a, sizeof a));
}

// A site's policy, and its tuner's state when it has one.
void write_policy_json(Out& o, const hak_site_stats_t& s) {
  o.printf(
      ", \"policy\": {\"mmap_threshold\": %zu, \"bigcache\": %s, \"thp\": %s, "
      "\"prefault\": %s}",
      s.policy_threshold, s.policy_bigcache ? "true" : "false", s.policy_thp ? "true" : "false",
      s.policy_prefault ? "true" : "false");
  TunerState ts;
  if (!tuner_state(s.site, &ts)) return;
  o.printf(
      ", \"tuner\": {\"committed_arm\": %u, \"current_arm\": %u, \"epochs\": %llu, "
      "\"switches\": %u, \"from_profile\": %s, \"cost_ref_ns\": %.1f, "
      "\"last_cost_ns\": %.1f, \"loaded_epochs\": %llu, \"arms\": [",
      ts.committed, ts.current, static_cast<unsigned long long>(ts.epochs), ts.switches,
      ts.from_profile ? "true" : "false", ts.cost_ref, ts.last_cost,
      static_cast<unsigned long long>(ts.loaded_epochs));
  bool first = true;
  for (unsigned arm = 0; arm < kArms; ++arm) {
    if (ts.arms[arm].n <= 0) continue;
    Policy p = policy_of_arm(arm);
    o.printf(
        "%s{\"arm\": %u, \"mmap_threshold\": %zu, \"bigcache\": %s, \"thp\": %s, "
        "\"prefault\": %s, \"trials\": %.1f, \"mean_reward\": %.4f}",
        first ? "" : ", ", arm, threshold_of(p), p.bigcache ? "true" : "false",
        p.thp ? "true" : "false", p.prefault ? "true" : "false", ts.arms[arm].n, ts.arms[arm].mean);
    first = false;
  }
  o.printf("]}");
}

// The timeline (timeline.h): [t_ms, rss, live, {"site id": live bytes, ...}] per point.
void write_timeline_json(Out& o) {
  size_t bytes = sizeof(TimePoint) * kTimePoints;
  void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return;
  TimePoint* pts = static_cast<TimePoint*>(m);
  uint64_t step = 0;
  timeline_note(now_ns(), true);  // (where the run ended)
  unsigned n = timeline_copy(pts, &step);
  o.printf("  \"timeline\": {\"step_ms\": %.1f, \"points\": [", static_cast<double>(step) / 1e6);
  for (unsigned i = 0; i < n; ++i) {
    const TimePoint& p = pts[i];
    o.printf("%s\n    [%.1f, %llu, %llu, {", i ? "," : "", static_cast<double>(p.t_ns) / 1e6,
             static_cast<unsigned long long>(p.rss), static_cast<unsigned long long>(p.live));
    for (unsigned j = 0; j < kTimeSites && p.site[j]; ++j)
      o.printf("%s\"%u\": %lld", j ? ", " : "", p.site[j], static_cast<long long>(p.site_live[j]));
    o.printf("}]");
  }
  o.printf("]},\n");
  munmap(m, bytes);
}

void write_json(Out& o, const hak_kpi_t& k, hak_site_stats_t* sites, size_t n) {
  char prog[512];
  program_name(prog, sizeof prog);
  hak_os_stats_t os;
  hak_os_stats(&os);
  BigCacheStats bc;
  bigcache_stats(&bc);
  o.printf("{\n  \"hakmem_report\": 1,\n  \"program\": ");
  o.json_string(prog);
  o.printf(",\n  \"pid\": %d,\n  \"time\": %lld,\n", static_cast<int>(getpid()),
           static_cast<long long>(time(nullptr)));
  o.printf(
      "  \"config\": {\"mode\": \"%s\", \"backend\": \"%s\", \"mmap_threshold\": %zu, "
      "\"site_depth\": %d, \"purge_delay_ms\": %llu},\n",
      mode_name(), g_config.system_backend ? "system" : "hakmem", g_config.threshold, g_site_depth,
      static_cast<unsigned long long>(g_config.purge_delay_ns / 1000000));
  o.printf(
      "  \"kpi\": {\"latency_ns\": {\"p50\": %llu, \"p95\": %llu, \"p99\": %llu, \"max\": %llu}, "
      "\"latency_samples\": %.1f, \"minor_faults\": %llu, \"major_faults\": %llu, "
      "\"rss_bytes\": %zu, \"peak_rss_bytes\": %zu, \"live_bytes\": %zu, "
      "\"allocated_bytes\": %zu, \"freed_bytes\": %zu, \"fragmentation\": %.4f, "
      "\"peak_live_bytes\": %zu, \"peak_fragmentation\": %.4f},\n",
      static_cast<unsigned long long>(k.latency_p50_ns),
      static_cast<unsigned long long>(k.latency_p95_ns),
      static_cast<unsigned long long>(k.latency_p99_ns),
      static_cast<unsigned long long>(k.latency_max_ns), k.latency_samples,
      static_cast<unsigned long long>(k.minor_faults),
      static_cast<unsigned long long>(k.major_faults), k.rss_bytes, k.peak_rss_bytes, k.live_bytes,
      k.allocated_bytes, k.freed_bytes, k.fragmentation, k.peak_live_bytes, k.peak_fragmentation);
  o.printf(
      "  \"os\": {\"mapped_bytes\": %zu, \"segments\": %zu, \"large_blocks\": %zu, "
      "\"purged_bytes\": %zu, \"heaps_active\": %zu, \"heaps_abandoned\": %zu},\n",
      os.mapped_bytes, os.segments, os.large_blocks, os.purged_bytes, os.heaps_active,
      os.heaps_abandoned);
  o.printf(
      "  \"bigcache\": {\"hits\": %llu, \"misses\": %llu, \"evictions\": %llu, "
      "\"bytes_held\": %zu, \"blocks_held\": %zu},\n",
      static_cast<unsigned long long>(bc.hits), static_cast<unsigned long long>(bc.misses),
      static_cast<unsigned long long>(bc.evictions), bc.bytes_held, bc.blocks_held);
  write_timeline_json(o);
  o.printf("  \"site_overflow\": %llu,\n  \"samples_dropped\": %llu,\n  \"sites\": [",
           static_cast<unsigned long long>(site_overflow_count()),
           static_cast<unsigned long long>(stats_samples_dropped()));
  for (size_t i = 0; i < n; ++i) {
    const hak_site_stats_t& s = sites[i];
    o.printf("%s\n    {\"id\": %u, \"name\": ", i ? "," : "", s.site);
    o.json_string(s.name);
    o.printf(", \"kind\": \"%s\", \"file\": ", s.implicit ? "implicit" : "tag");
    o.json_string(s.file ? s.file : "");
    o.printf(
        ", \"line\": %d, \"estimated\": %s, \"allocs\": %llu, \"frees\": %llu, "
        "\"bytes\": %llu, \"live_bytes\": %lld, \"peak_live_bytes\": %lld, "
        "\"reallocs\": %llu, \"samples\": %llu, \"size_histogram\": {",
        s.line, s.estimated ? "true" : "false", static_cast<unsigned long long>(s.allocs),
        static_cast<unsigned long long>(s.frees), static_cast<unsigned long long>(s.bytes),
        static_cast<long long>(s.live_bytes), static_cast<long long>(s.peak_live_bytes),
        static_cast<unsigned long long>(s.reallocs), static_cast<unsigned long long>(s.samples));
    bool first = true;
    for (unsigned b = 0; b < HAK_SIZE_BINS; ++b) {
      if (!s.size_hist[b]) continue;
      o.printf("%s\"%llu\": %llu", first ? "" : ", ",
               static_cast<unsigned long long>(uint64_t{1} << b),
               static_cast<unsigned long long>(s.size_hist[b]));
      first = false;
    }
    o.printf("}, \"lifetime_histogram\": {");  // upper bound in ns: sampled lifetimes
    first = true;
    for (unsigned b = 0; b < HAK_SIZE_BINS; ++b) {
      if (!s.lifetime_hist[b]) continue;
      o.printf("%s\"%llu\": %llu", first ? "" : ", ",
               static_cast<unsigned long long>(uint64_t{1} << b),
               static_cast<unsigned long long>(s.lifetime_hist[b]));
      first = false;
    }
    o.printf(
        "}, \"lifetime_ns\": {\"samples\": %llu, \"mean\": %llu, \"p50\": %llu, \"max\": %llu}, "
        "\"lifetime_class\": {\"class\": \"%s\", \"short\": %.6g, \"long\": %.6g}, "
        "\"large\": {\"allocs\": %llu, \"mean_ns\": %llu}, "
        "\"bigcache\": {\"hits\": %llu, \"misses\": %llu}",
        static_cast<unsigned long long>(s.lifetime_samples),
        static_cast<unsigned long long>(s.lifetime_mean_ns),
        static_cast<unsigned long long>(s.lifetime_p50_ns),
        static_cast<unsigned long long>(s.lifetime_max_ns),
        s.life_class == kLifeLong ? "long" : s.life_class == kLifeShort ? "short" : "unknown",
        s.life_short, s.life_long, static_cast<unsigned long long>(s.large_allocs),
        static_cast<unsigned long long>(s.large_mean_ns),
        static_cast<unsigned long long>(s.bigcache_hits),
        static_cast<unsigned long long>(s.bigcache_misses));
    write_policy_json(o, s);
    o.printf("}");
  }
  o.printf("\n  ]\n}\n");
}

const char* g_report_target;  // HAKMEM_REPORT, read once

void at_exit() { hak_report(); }

}  // namespace

namespace {

int g_report_fd = -1;  // HAKMEM_REPORT's standard stream, duplicated at start

// stderr, stdout and their /dev and /proc names: the stream's fd, else -1.
int stream_fd(const char* t) {
  if (!strcmp(t, "stderr") || !strcmp(t, "/dev/stderr") || !strcmp(t, "/dev/fd/2") ||
      !strcmp(t, "/proc/self/fd/2"))
    return 2;
  if (!strcmp(t, "stdout") || !strcmp(t, "/dev/stdout") || !strcmp(t, "/dev/fd/1") ||
      !strcmp(t, "/proc/self/fd/1"))
    return 1;
  return -1;
}

}  // namespace

int report_to(const char* target_in) {
  ensure_init();
  // %p and %e expanded now (a child forked after start-up has its own pid).
  char target[4096];
  if (!expand_path(target_in, target, sizeof target)) return -1;
  ++tl_in_hook;
  hak_kpi_t k;
  get_kpi(&k);
  uint32_t count = site_count();
  size_t bytes = sizeof(hak_site_stats_t) * count;
  void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  hak_site_stats_t* sites = m == MAP_FAILED ? nullptr : static_cast<hak_site_stats_t*>(m);
  size_t n = sites ? collect_sites(sites, count) : 0;
  size_t len = strlen(target);
  bool json = len >= 5 && strcmp(target + len - 5, ".json") == 0;
  int rc = 0;
  {
    Out o;
    if (json)
      write_json(o, k, sites, n);
    else
      write_text(o, k, sites, n);
    int sfd = stream_fd(target);
    if (sfd >= 0) {
      // HAKMEM_REPORT's stream goes to the copy taken at start: a program may have closed
      // its standard streams before exit (sort -n file >/dev/null, head -1).
      int fd = target_in == g_report_target && g_report_fd >= 0 ? g_report_fd : sfd;
      if (!os_write_all(fd, o.data(), o.size())) {
        message("cannot write the report to %s (%s)", target, strerror(errno));
        rc = -1;
      }
    } else if (os_is_special(target)) {
      // /dev/null, a FIFO, a terminal: written in place (a rename would replace it).
      int fd = open(target, O_WRONLY | O_CLOEXEC);
      bool ok = fd >= 0 && os_write_all(fd, o.data(), o.size());
      if (fd >= 0 && close(fd) != 0) ok = false;
      if (!ok) {
        message("cannot write the report to %s (%s)", target, strerror(errno));
        rc = -1;
      }
    } else {
      char tmp[4200];
      snprintf(tmp, sizeof tmp, "%s.tmp.%d", target, static_cast<int>(getpid()));
      int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      bool ok = fd >= 0 && os_write_all(fd, o.data(), o.size());
      if (fd >= 0 && close(fd) != 0) ok = false;
      if (ok && rename(tmp, target) != 0) ok = false;
      if (!ok) {
        int e = errno;
        unlink(tmp);
        message("cannot write the report to %s (%s)", target, strerror(e));
        rc = -1;
      }
    }
  }
  if (sites) munmap(sites, bytes);
  --tl_in_hook;
  return rc;
}

void report_register() {
  static char kept[4096];
  if (const char* t = env_keep("HAKMEM_REPORT", kept, sizeof kept)) {
    g_report_target = t;
    g_timeline_on = g_mode != kModeOff;  // (the report's timeline: timeline.h)
    int sfd = stream_fd(t);
    if (sfd >= 0) {
      g_report_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
      if (g_report_fd < 0)
        message("HAKMEM_REPORT=%s: the stream is not open at start (%s): no report", t,
                strerror(errno));
    }
    atexit(at_exit);
  }
}

}  // namespace hak

extern "C" {

HAK_API void hak_get_kpi(hak_kpi_t* out) {
  hak::ensure_init();
  ++hak::tl_in_hook;
  hak::get_kpi(out);
  --hak::tl_in_hook;
}

HAK_API int hak_get_site_stats(hak_site_t site, hak_site_stats_t* out) {
  hak::ensure_init();
  ++hak::tl_in_hook;
  bool ok = hak::get_site_stats(site, out);
  --hak::tl_in_hook;
  return ok ? 0 : -1;
}

HAK_API hak_site_t hak_site_count(void) { return hak::site_count(); }

HAK_API const char* hak_mode(void) {
  hak::ensure_init();
  return hak::mode_name();
}

HAK_API int hak_report(void) {
  return hak::report_to(hak::g_report_target ? hak::g_report_target : "stderr");
}

HAK_API int hak_report_to(const char* target) {
  if (!target || !*target) {
    errno = EINVAL;
    return -1;
  }
  return hak::report_to(target);
}

}  // extern "C"
