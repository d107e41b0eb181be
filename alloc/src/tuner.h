// Per-site policy and the UCB1 tuner.
//
// A policy says, for one call site, where its blocks above 64 KiB go and how:
//   mmap threshold step   64 KiB << step, step 0..5 (blocks above it are mapped directly)
//   bigcache              keep freed large blocks for reuse by the same site
//   thp                   transparent huge pages advice for its large blocks
//   prefault              map its large blocks populated (MAP_POPULATE)
// An arm is one policy: 6 x 2 x 2 x 2 = 48 arms. In evolving mode each busy site runs a
// bandit over them: every epoch (HAKMEM_TUNE epoch=, default 32 allocations above 64 KiB)
// gives the arm that was in use a reward, and UCB1 (mean + sqrt(c ln N / n), untried arms
// first) picks the arm of the next epoch among the committed arm and its neighbours (one
// step of the threshold, or one flag flipped). The committed arm changes only when another
// is at least 8 % better three epochs running, and not within a cooldown of the last
// switch (the original hakmem's safety rules).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace hak {

constexpr unsigned kSteps = 8;  // = kThresholdSteps
constexpr unsigned kArms = kSteps * 8;

struct Policy {
  uint8_t step;      // threshold: 64 KiB << step
  uint8_t bigcache;  // 0/1
  uint8_t thp;       // 0/1
  uint8_t prefault;  // 0/1
};

inline unsigned arm_of(Policy p) {
  return p.step + kSteps * (p.bigcache + 2u * p.thp + 4u * p.prefault);
}
inline Policy policy_of_arm(unsigned a) {
  unsigned f = a / kSteps;
  return Policy{static_cast<uint8_t>(a % kSteps), static_cast<uint8_t>(f & 1),
                static_cast<uint8_t>((f >> 1) & 1), static_cast<uint8_t>((f >> 2) & 1)};
}
inline size_t threshold_of(Policy p) { return size_t{64 * 1024} << p.step; }

// The policy of sites nobody tuned (and of every site in baseline mode): 8 MiB (blocks up
// to it share the segments' freed slices), and above it the site's freed blocks cached for
// reuse (docs/TUNING.md says what was measured); the tuner moves from here.
constexpr Policy kDefaultPolicy = {7, 1, 0, 0};

struct TunerSettings {
  double c = 2.0;                  // UCB1 exploration constant
  double hysteresis = 0.08;        // a new arm must be this much better ...
  unsigned hysteresis_epochs = 3;  // ... this many epochs running
  unsigned cooldown = 8;           // epochs after a switch before the next
  unsigned epoch_allocs = 32;      // allocations above 64 KiB per epoch
  double w_time = 1.0;             // weight of ns spent in the site's allocations and frees
  double w_fault = 1000.0;         // ns per page handed out that faults in when touched
  double w_rss = 64.0;             // ns per MiB held idle by the site's cache
  bool allow_thp = true;           // false when the kernel has THP off: no point exploring it
  // Safety: a neighbour tried at least twice whose mean reward is below this fraction of
  // the committed arm's (with rewards ref / cost: about four times dearer) is not explored
  // again while that holds. UCB1 alone would re-check it ~2 ln N times, and on a site
  // whose bad arm faults in every page one such check costs as much as many good epochs.
  // 0: plain UCB1.
  double prune = 0.25;
};

// The bandit of one site. Pure: no allocator state, so tests feed it known rewards.
class Bandit {
 public:
  struct Arm {
    double n = 0;     // trials (fractional when merged from profiles)
    double mean = 0;  // mean reward
  };

  void reset(unsigned committed, uint64_t seed);
  // The arm to use for the next epoch: UCB1 among the committed arm and its neighbours.
  unsigned choose(const TunerSettings& s);
  // The reward of an epoch run with `arm`; may move the committed arm (hysteresis).
  void update(unsigned arm, double reward, const TunerSettings& s);
  // The candidates of `arm`: itself and its neighbours. Returns how many.
  static unsigned neighbours(unsigned arm, bool allow_thp, unsigned out[6]);
  double score(unsigned arm, const TunerSettings& s) const;
  double score(unsigned arm, const TunerSettings& s, double log_total) const;
  // The tried arm with the best mean among the committed arm and its neighbours (the
  // committed arm itself when none beats it).
  unsigned best_neighbour(const TunerSettings& s) const;

  unsigned committed() const { return committed_; }
  unsigned switches() const { return switches_; }
  double total() const;
  const Arm& arm(unsigned a) const { return arms_[a]; }
  Arm& arm(unsigned a) { return arms_[a]; }
  void set_committed(unsigned a) { committed_ = a; }

 private:
  Arm arms_[kArms];
  unsigned committed_ = 0;
  unsigned challenger_ = kArms;  // the arm beating the committed one, and for how long
  unsigned streak_ = 0;
  unsigned since_switch_ = 1u << 30;
  unsigned switches_ = 0;
  uint64_t rng_ = 1;
};

// Epoch cost -> reward in (0, 1]: ref / cost, capped at 1, where ref is what a good epoch of
// the site costs (the 10th percentile of its last 32). Good arms score near 1 and an arm
// twenty times dearer near 0.05: the gap UCB1 needs to stop trying bad arms early (with a
// mid-range reference every arm scores near 0.5 and exploration never settles).
inline double reward_of(double cost, double ref) {
  if (ref <= 0) return 0.5;
  return cost <= ref ? 1.0 : ref / cost;
}

}  // namespace hak

// ---- The allocator's side (tuner.cc, profile.cc) ---------------------------------------

#include <atomic>

#include "hakmem.h"

namespace hak {

extern TunerSettings g_tune;
extern Policy g_default_policy;

// The policy of a site (the default one until the tuner picks another).
Policy policy_for(hak_site_t site);
void policy_set(hak_site_t site, Policy p);  // fixed by hand (tests; baseline experiments)
// An allocation of `bytes` above 64 KiB by `site`, which took `cycles` and handed out
// `fresh_pages` that fault in when touched: counts towards its epoch, ends epochs.
void tune_alloc(hak_site_t site, size_t bytes, uint64_t cycles, uint64_t fresh_pages);
// A large block of `site` freed (unmapped, or cached with evictions) in `cycles`.
void tune_free(hak_site_t site, uint64_t cycles);

struct TunerState {
  unsigned committed, current, switches;
  uint64_t epochs, loaded_epochs;
  double cost_ref, last_cost;
  bool from_profile;
  Bandit::Arm arms[kArms];
  Bandit::Arm loaded[kArms];
};
bool tuner_state(hak_site_t site, TunerState* out);
void tuner_fork(int phase);
void tuner_configure();  // HAKMEM_TUNE, HAKMEM_THP (at start)

// HAKMEM_PROFILE: what earlier runs learned, by site name.
struct ProfileSite {
  const char* name;
  unsigned committed;
  uint64_t epochs;
  double cost_ref;
  Bandit::Arm arms[kArms];
  double life_short, life_long;  // lifetime counts (lifetime.h), a `life` line
};
const ProfileSite* profile_find(const char* name);
void profile_load();  // at start (when HAKMEM_PROFILE is set)
void profile_save();  // at exit: merged with what other processes saved meanwhile
const char* profile_path();

}  // namespace hak
