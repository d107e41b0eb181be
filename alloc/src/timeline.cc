// The report's timeline (timeline.h).
#include "alloc/src/timeline.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc/src/internal.h"
#include "alloc/src/stats.h"

namespace hak {

bool g_timeline_on = false;

extern std::atomic<int64_t> g_live[kMaxSites];  // stats.cc: the sites' exact live bytes

namespace {

TimePoint g_points[kTimePoints];
unsigned g_count;
uint64_t g_step_ns, g_start_ns;
std::atomic<uint64_t> g_next_ns{0};
SpinLock g_lock;

size_t rss_now() {  // /proc/self/statm's resident pages
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char* p = strchr(buf, ' ');
  return p ? static_cast<size_t>(strtoull(p + 1, nullptr, 10)) * kOsPage : 0;
}

void take(TimePoint& p, uint64_t now) {
  p.t_ns = now - g_start_ns;
  p.rss = rss_now();
  uint64_t allocated, live;
  heaps_totals(&allocated, &live);
  p.live = live;
  memset(p.site, 0, sizeof p.site);
  memset(p.site_live, 0, sizeof p.site_live);
  uint32_t n = site_count();
  for (hak_site_t s = 1; s < n; ++s) {  // the kTimeSites largest, by insertion
    int64_t l = g_live[s].load(std::memory_order_relaxed);
    if (l <= p.site_live[kTimeSites - 1]) continue;
    unsigned j = kTimeSites - 1;
    for (; j > 0 && p.site_live[j - 1] < l; --j) {
      p.site[j] = p.site[j - 1];
      p.site_live[j] = p.site_live[j - 1];
    }
    p.site[j] = static_cast<uint16_t>(s);
    p.site_live[j] = l;
  }
}

}  // namespace

void timeline_note(uint64_t now, bool force) {
  uint64_t next = g_next_ns.load(std::memory_order_relaxed);
  if (force ? g_mode == kModeOff : (now < next || !g_timeline_on)) return;
  if (!g_lock.try_lock()) return;  // another thread is taking this point
  if (g_step_ns == 0) {
    g_start_ns = now;
    g_step_ns = g_config.purge_delay_ns ? g_config.purge_delay_ns : 50'000'000;
  }
  if (g_count == kTimePoints) {  // full: keep every other point, twice the spacing
    for (unsigned i = 0; i < kTimePoints / 2; ++i) g_points[i] = g_points[2 * i];
    g_count = kTimePoints / 2;
    g_step_ns *= 2;
  }
  ++tl_in_hook;
  take(g_points[g_count++], now);
  --tl_in_hook;
  g_next_ns.store(now + g_step_ns, std::memory_order_relaxed);
  g_lock.unlock();
}

unsigned timeline_copy(TimePoint* out, uint64_t* step_ns) {
  // (Not lock(): a child forked while another thread took a point would wait forever.)
  int tries = 0;
  while (!g_lock.try_lock())
    if (++tries > 1000) return 0;
    else sched_yield();
  unsigned n = g_count;
  memcpy(out, g_points, sizeof(TimePoint) * n);
  *step_ns = g_step_ns;
  g_lock.unlock();
  return n;
}

}  // namespace hak
