// Lifetime classes per site (see lifetime.h): counts, the horizon, the long implicit sites.
#include "alloc/src/lifetime.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>

namespace hak {

uint8_t g_site_life[kMaxSites];
bool g_placement = true;
std::atomic<uint32_t> g_life_gen{0};
std::atomic<bool> g_life_profile_long{false};

namespace {

// Counts are doubles: halved together when they grow large (older evidence weighs less),
// and what a profile brought is added in.
struct Counts {
  double short_n, long_n;
};
Counts g_counts[kMaxSites];
SpinLock g_lock;  // counts, classes and the horizon: taken once per dying or aged sample

// The horizon: the median of the last lifetimes of dead samples.
constexpr unsigned kRing = 256;
constexpr uint64_t kMinHorizon = 256 * 1024;
uint64_t g_ring[kRing];
unsigned g_ring_n;  // lifetimes recorded (the ring holds the last kRing)
uint64_t g_horizon = kMinHorizon;

void classify(hak_site_t site) {
  Counts& c = g_counts[site];
  if (c.short_n + c.long_n > 1024) {
    c.short_n /= 2;
    c.long_n /= 2;
  }
  uint8_t old = g_site_life[site], now = old;
  if (c.long_n >= 4 && c.long_n >= 2 * c.short_n)
    now = kLifeLong;
  else if (old == kLifeLong ? c.short_n > c.long_n : c.short_n + c.long_n >= 4)
    now = kLifeShort;
  if (now == old) return;
  __atomic_store_n(&g_site_life[site], now, __ATOMIC_RELAXED);
  if (site_return_address(site)) g_life_gen.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void life_dead(hak_site_t site, uint64_t lifetime) {
  if (site >= kMaxSites) return;
  g_lock.lock();
  g_ring[g_ring_n++ % kRing] = lifetime;
  if (g_ring_n % 32 == 0 || g_ring_n == 64) {  // the median of what the ring holds
    uint64_t copy[kRing];
    unsigned k = g_ring_n < kRing ? g_ring_n : kRing;
    memcpy(copy, g_ring, sizeof(uint64_t) * k);
    std::nth_element(copy, copy + k / 2, copy + k);
    g_horizon = copy[k / 2] > kMinHorizon ? copy[k / 2] : kMinHorizon;
  }
  // Until the horizon stands on 64 deaths, a lifetime has nothing to be compared with.
  if (g_ring_n >= 64) {
    if (lifetime <= 2 * g_horizon)
      g_counts[site].short_n += 1;
    else
      g_counts[site].long_n += 1;
    classify(site);
  }
  g_lock.unlock();
}

bool life_alive(hak_site_t site, uint64_t age, double cohort_dead) {
  if (site >= kMaxSites) return false;
  g_lock.lock();
  bool counted = g_ring_n >= 64 && age > g_horizon && cohort_dead >= 0.75;
  if (counted) {
    g_counts[site].long_n += 1;
    classify(site);
  }
  g_lock.unlock();
  return counted;
}

uint64_t life_horizon() {
  g_lock.lock();
  uint64_t h = g_horizon;
  g_lock.unlock();
  return h;
}

void life_counts(hak_site_t site, double* short_n, double* long_n) {
  g_lock.lock();
  *short_n = site < kMaxSites ? g_counts[site].short_n : 0;
  *long_n = site < kMaxSites ? g_counts[site].long_n : 0;
  g_lock.unlock();
}

void life_seed(hak_site_t site, double short_n, double long_n) {
  if (site >= kMaxSites || !(short_n >= 0) || !(long_n >= 0)) return;
  g_lock.lock();
  g_counts[site].short_n += short_n;
  g_counts[site].long_n += long_n;
  classify(site);
  if (g_site_life[site] == kLifeLong) g_life_profile_long.store(true, std::memory_order_relaxed);
  g_lock.unlock();
}

unsigned life_long_ras(uintptr_t* out, unsigned max, uint32_t* gen) {
  *gen = g_life_gen.load(std::memory_order_relaxed);
  unsigned n = 0;
  uint32_t sites = site_count();
  for (hak_site_t s = 2; s < sites && n < max; ++s)
    if (site_is_long(s))
      if (uintptr_t ra = site_return_address(s)) out[n++] = ra;
  return n;
}

void life_fork(int phase) {
  if (phase == 0)
    g_lock.lock();
  else if (phase == 1)
    g_lock.unlock();
  else
    g_lock.reinit();
}

void life_configure() {
  if (const char* v = getenv("HAKMEM_PLACEMENT")) {
    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
      g_placement = false;
    else if (strcmp(v, "on") != 0 && strcmp(v, "1") != 0)
      message("HAKMEM_PLACEMENT=%s is not on or off; using on", v);
  }
}

}  // namespace hak
