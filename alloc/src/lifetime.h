// Lifetime classes per site, learned online from the sampled blocks, and the placement they
// drive (LLAMA's idea, Maas et al., ASPLOS 2020: blocks of one lifetime class together, so
// that the pages of short-lived blocks empty out together and long-lived ones pack).
//
// Lifetimes are counted in bytes: what the allocating thread allocated while the block
// lived (its heap's clock), so that "long" means long relative to the allocation around
// the block, not to the wall clock. The horizon H is the median lifetime of the last 256
// sampled blocks that died (at least 256 KiB; nothing is counted before 64 have died). A
// sampled block that dies within 2H counts short for its site, one that dies later counts
// long, and so does one still alive past H when three in four of the 128 samples taken just
// before it have died: it outlived what was allocated around it. A site is long with at
// least 4 such counts and twice as many long as short ones; it goes back to short when the
// short ones outnumber the long. (Deaths of small blocks are seen when the owner looks at
// its sampled pages' local frees, every 64 slow-path calls.)
//
// Placement (HAKMEM_PLACEMENT, on by default in evolving mode): a long site's blocks come
// from pages of their own (Heap::direct_long and the long page queues). Tagged blocks above
// kSmallMax look their class up (smaller ones have pages of their own site: tag slots,
// internal.h); plain malloc from a long implicit site (its return address, at
// HAKMEM_SITE_DEPTH 0) is recognised by a per-heap filter of return addresses that only a
// heap with such a site consults (its fast path then takes a miss path; without one it
// pays nothing). Classes are kept in the profile (HAKMEM_PROFILE) across runs.
#pragma once

#include "alloc/src/stats.h"

namespace hak {

enum : uint8_t { kLifeUnknown = 0, kLifeShort = 1, kLifeLong = 2 };

extern uint8_t g_site_life[kMaxSites];  // per site (relaxed reads and writes)
extern bool g_placement;                // HAKMEM_PLACEMENT (read once at start)
// Bumped when the set of long implicit sites changes: heaps refresh their filters.
extern std::atomic<uint32_t> g_life_gen;
// A profile made a site long: heaps start with placement on (Heap::placement_pays), as the
// run that learned it ended with it on, instead of waiting for the first sparse pages.
extern std::atomic<bool> g_life_profile_long;

HAK_INLINE bool site_is_long(hak_site_t site) {
  return __atomic_load_n(&g_site_life[site], __ATOMIC_RELAXED) == kLifeLong;
}

// A sampled block of `site` died after `lifetime` bytes of its thread's allocation.
void life_dead(hak_site_t site, uint64_t lifetime);
// A sampled block still alive at `age` bytes, of which cohort_dead of the samples taken
// just before it have died: counted long when it is past the horizon and at least three in
// four of its cohort are dead (it outlived what was allocated around it). Returns whether
// it was counted.
bool life_alive(hak_site_t site, uint64_t age, double cohort_dead);
uint64_t life_horizon();
// A site's counts, and what a profile brought (added to them when the site is first seen).
void life_counts(hak_site_t site, double* short_n, double* long_n);
void life_seed(hak_site_t site, double short_n, double long_n);
// The return addresses of the long implicit sites (up to max); the generation they are of.
unsigned life_long_ras(uintptr_t* out, unsigned max, uint32_t* gen);
void life_configure();  // HAKMEM_PLACEMENT
// The lock across fork (taken after stats_fork's): 0 before, 1 in the parent, 2 in the child.
void life_fork(int phase);

}  // namespace hak
