// The UCB1 bandit (pure), the per-site tuner that feeds it epochs of measured costs, and the
// site policies the allocation paths read.
#include "alloc/src/tuner.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc/src/bigcache.h"
#include "alloc/src/mathx.h"
#include "alloc/src/stats.h"

namespace hak {

// ---- Bandit ----------------------------------------------------------------------------

void Bandit::reset(unsigned committed, uint64_t seed) {
  for (Arm& a : arms_) a = Arm{};
  committed_ = committed;
  challenger_ = kArms;
  streak_ = 0;
  since_switch_ = 1u << 30;
  switches_ = 0;
  rng_ = seed | 1;
}

unsigned Bandit::neighbours(unsigned arm, bool allow_thp, unsigned out[6]) {
  Policy p = policy_of_arm(arm);
  unsigned n = 0;
  out[n++] = arm;
  if (p.step > 0) out[n++] = arm - 1;
  if (p.step + 1u < kSteps) out[n++] = arm + 1;
  Policy q = p;
  q.bigcache ^= 1;
  out[n++] = arm_of(q);
  if (allow_thp) {
    q = p;
    q.thp ^= 1;
    out[n++] = arm_of(q);
  }
  q = p;
  q.prefault ^= 1;
  out[n++] = arm_of(q);
  return n;
}

double Bandit::total() const {
  double t = 0;
  for (const Arm& a : arms_) t += a.n;
  return t;
}

double Bandit::score(unsigned arm, const TunerSettings& s) const {
  double N = total();
  return score(arm, s, ln(N > 1 ? N : 1));
}

double Bandit::score(unsigned arm, const TunerSettings& s, double log_total) const {
  const Arm& a = arms_[arm];
  if (a.n <= 0) return __builtin_inf();
  return a.mean + sqrt_pos(s.c * log_total / a.n);
}

unsigned Bandit::choose(const TunerSettings& s) {
  unsigned cand[6];
  unsigned n = neighbours(committed_, s.allow_thp, cand);
  // Untried candidates first, in order (the committed arm, then its neighbours).
  for (unsigned i = 0; i < n; ++i)
    if (arms_[cand[i]].n <= 0) return cand[i];
  // ln N once for all the candidates (N sums every arm).
  double N = total();
  double log_total = ln(N > 1 ? N : 1);
  unsigned best = cand[0];
  double best_score = score(best, s, log_total);
  const Arm& c = arms_[committed_];
  for (unsigned i = 1; i < n; ++i) {
    const Arm& a = arms_[cand[i]];
    if (a.n >= 2 && a.mean < s.prune * c.mean) continue;  // known to be far dearer
    double sc = score(cand[i], s, log_total);
    // Exact ties are broken by the seeded generator: deterministic given HAKMEM_SEED.
    if (sc > best_score ||
        (sc == best_score && ((rng_ = rng_ * 6364136223846793005ull + 1) >> 63))) {
      best = cand[i];
      best_score = sc;
    }
  }
  return best;
}

unsigned Bandit::best_neighbour(const TunerSettings& s) const {
  unsigned cand[6];
  unsigned n = neighbours(committed_, s.allow_thp, cand);
  unsigned best = committed_;
  for (unsigned i = 1; i < n; ++i)
    if (arms_[cand[i]].n > 0 && arms_[cand[i]].mean > arms_[best].mean) best = cand[i];
  return best;
}

void Bandit::update(unsigned arm, double reward, const TunerSettings& s) {
  Arm& a = arms_[arm];
  a.n += 1;
  a.mean += (reward - a.mean) / a.n;
  ++since_switch_;
  // Hysteresis: the best-by-mean arm must beat the committed one by the margin for several
  // epochs running, and not within the cooldown of the last switch.
  unsigned best = best_neighbour(s);
  // The streak counts the challenger's own epochs: each must keep it ahead by the margin.
  const Arm& c = arms_[committed_];
  if (best != committed_ && (c.n <= 0 || arms_[best].mean >= c.mean * (1 + s.hysteresis))) {
    if (best != challenger_) {
      challenger_ = best;
      streak_ = 0;
    }
    if (arm == challenger_) ++streak_;
  } else {
    streak_ = 0;
    challenger_ = kArms;
  }
  if (streak_ >= s.hysteresis_epochs && since_switch_ > s.cooldown) {
    committed_ = challenger_;
    challenger_ = kArms;
    streak_ = 0;
    since_switch_ = 0;
    ++switches_;
  }
}

// ---- Site tuners -----------------------------------------------------------------------

TunerSettings g_tune;
Policy g_default_policy = kDefaultPolicy;   // HAKMEM_POLICY may change it
std::atomic<uint32_t> g_policy[kMaxSites];  // 0: the default policy, else arm + 1

namespace {

struct SiteTuner {
  Bandit bandit;
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> cycles{0};       // spent in the site's large allocations and frees
  std::atomic<uint64_t> fresh_pages{0};  // pages its allocations handed out unfaulted
  std::atomic<uint32_t> allocs{0};
  // Read by every allocating thread without the lock (tune_alloc), so atomics (relaxed).
  std::atomic<unsigned> allocs_at_end{1};  // the length of the epoch that just ended
  std::atomic<unsigned> epoch_len{8};      // the length of this one (see next_epoch_len)
  unsigned current = 0;                    // the arm in use this epoch
  double cost_ref = 0;     // the 10th percentile of recent epoch costs (rewards are ref/cost)
  double recent[32] = {};  // the last epoch costs, for that percentile
  unsigned nrecent = 0;
  uint64_t epochs = 0;
  double last_cost = 0;
  // What the profile gave at start, so that saving adds only this run's trials.
  Bandit::Arm loaded[kArms];
  uint64_t loaded_epochs = 0;
  bool from_profile = false;
};

pthread_mutex_t g_tuner_lock = PTHREAD_MUTEX_INITIALIZER;
SiteTuner* g_tuners[kMaxSites];
uint8_t* g_tuner_arena;
size_t g_tuner_left;

SiteTuner* tuner_new() {
  size_t size = (sizeof(SiteTuner) + 63) & ~size_t{63};
  if (g_tuner_left < size) {
    void* p = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    g_tuner_arena = static_cast<uint8_t*>(p);
    g_tuner_left = 1 << 20;
  }
  SiteTuner* t = new (g_tuner_arena) SiteTuner();
  g_tuner_arena += size;
  g_tuner_left -= size;
  return t;
}

// The committed arm runs full epochs; trying another costs what that arm costs, so its
// epochs are shorter: a quarter for a first look at an arm, half for another not yet
// judged against the committed one, and in proportion to its mean reward
// against the committed arm's for one known to be worse (UCB1 keeps re-checking bad arms
// a few times; a known-bad arm is re-checked with a few allocations, not thirty-two).
// Likewise a committed arm that a neighbour already beats runs epochs in proportion to
// its mean against that neighbour's, while the hysteresis makes sure of the neighbour: a
// cold site whose default policy is far too dear (every page of every block faulted in)
// does not pay full epochs of it until the switch.
unsigned next_epoch_len(const SiteTuner* t) {
  unsigned full = g_tune.epoch_allocs;
  const Bandit::Arm& a = t->bandit.arm(t->current);
  if (a.n <= 0) return (full + 3) / 4;  // a first look, at any arm
  if (t->current == t->bandit.committed()) {
    double best = t->bandit.arm(t->bandit.best_neighbour(g_tune)).mean;
    if (best <= a.mean * (1 + g_tune.hysteresis)) return full;
    unsigned len = static_cast<unsigned>(static_cast<double>(full) * a.mean / best);
    return len < 2 ? 2 : len;
  }
  const Bandit::Arm& c = t->bandit.arm(t->bandit.committed());
  if (c.n <= 0 || c.mean <= 0) return (full + 1) / 2;
  double f = a.mean / c.mean;
  unsigned len = static_cast<unsigned>(static_cast<double>(full) / 2 * (f < 1 ? f : 1));
  return len < 2 ? 2 : len;
}

SiteTuner* tuner_of(hak_site_t site) {
  if (SiteTuner* t = __atomic_load_n(&g_tuners[site], __ATOMIC_ACQUIRE)) return t;
  // The profile may know this site: its name is needed (which may allocate), so look it
  // up before taking the lock.
  const ProfileSite* prof = profile_find(hak_site_name(site));
  pthread_mutex_lock(&g_tuner_lock);
  SiteTuner* t = g_tuners[site];
  if (!t && (t = tuner_new())) {
    unsigned start = arm_of(g_default_policy);
    t->bandit.reset(start, g_seed ? g_seed + site : random_u64());
    if (prof) {
      t->bandit.set_committed(prof->committed < kArms ? prof->committed : start);
      for (unsigned a = 0; a < kArms; ++a) t->bandit.arm(a) = t->loaded[a] = prof->arms[a];
      t->cost_ref = prof->cost_ref;
      t->epochs = t->loaded_epochs = prof->epochs;
      t->from_profile = true;
    }
    t->current = t->bandit.choose(g_tune);
    t->epoch_len.store(next_epoch_len(t), std::memory_order_relaxed);
    __atomic_store_n(&g_tuners[site], t, __ATOMIC_RELEASE);
    g_policy[site].store(t->current + 1, std::memory_order_relaxed);
  }
  pthread_mutex_unlock(&g_tuner_lock);
  return t;
}

// An epoch's cost is the site's own: the time of its large allocations and frees (mmap,
// munmap, madvise, the cache, prefaulting), the page faults its blocks will take when
// touched (pages handed out fresh or purged: counted, since they happen later in the
// program's own code), and the memory its cache holds idle. Nothing another site or
// thread does in the meantime enters it (a process-wide clock would charge one site's
// exploration to all the others tuning at the same time). Per KiB the site allocated:
// epochs of few big blocks and of many small ones compare.
void epoch_end(hak_site_t site, SiteTuner* t) {
  uint64_t bytes = t->bytes.exchange(0, std::memory_order_relaxed);
  double ns =
      static_cast<double>(t->cycles.exchange(0, std::memory_order_relaxed)) / cycles_per_ns();
  double fresh = static_cast<double>(t->fresh_pages.exchange(0, std::memory_order_relaxed));
  double held = static_cast<double>(bigcache_site_bytes(site)) / (1024.0 * 1024.0);
  double kib = bytes > 1024 ? static_cast<double>(bytes) / 1024.0 : 1.0;
  pthread_mutex_lock(&g_tuner_lock);  // two threads may end the same site's epoch at once
  double cost = (g_tune.w_time * ns + g_tune.w_fault * fresh + g_tune.w_rss * held) / kib;
  t->recent[t->nrecent++ % 32] = cost;
  unsigned k = t->nrecent < 32 ? t->nrecent : 32;
  if (k >= 4 || t->cost_ref <= 0) {
    // The 10th percentile of the recent costs (what a good epoch costs): the (k/10+1)-th
    // smallest, kept in a short sorted list (sorting all 32 cost ~2.5k instructions).
    unsigned m = k / 10 + 1;  // at most 4
    double low[4];
    unsigned have = 0;
    for (unsigned i = 0; i < k; ++i) {
      double x = t->recent[i];
      if (have == m && x >= low[m - 1]) continue;
      unsigned j = have < m ? have++ : m - 1;
      for (; j > 0 && low[j - 1] > x; --j) low[j] = low[j - 1];
      low[j] = x;
    }
    t->cost_ref = low[m - 1];
  }
  t->last_cost = cost;
  t->bandit.update(t->current, reward_of(cost, t->cost_ref), g_tune);
  t->current = t->bandit.choose(g_tune);
  t->epoch_len.store(next_epoch_len(t), std::memory_order_relaxed);
  ++t->epochs;
  g_policy[site].store(t->current + 1, std::memory_order_relaxed);
  pthread_mutex_unlock(&g_tuner_lock);
}

}  // namespace

Policy policy_for(hak_site_t site) {
  uint32_t v = site < kMaxSites ? g_policy[site].load(std::memory_order_relaxed) : 0;
  if (v) return policy_of_arm(v - 1);
  // Untuned: the default policy at the process-wide threshold (hak_set_mmap_threshold).
  Policy p = g_default_policy;
  size_t t = __atomic_load_n(&g_config.threshold, __ATOMIC_RELAXED);
  p.step = 0;
  while (p.step + 1u < kSteps && threshold_of(p) < t) ++p.step;
  return p;
}

void policy_set(hak_site_t site, Policy p) {
  if (site < kMaxSites) g_policy[site].store(arm_of(p) + 1, std::memory_order_relaxed);
}

void tune_alloc(hak_site_t site, size_t bytes, uint64_t cycles, uint64_t fresh_pages) {
  if (g_mode != kModeEvolving || site >= kMaxSites || tl_in_hook) return;
  ++tl_in_hook;
  if (SiteTuner* t = tuner_of(site)) {
    t->bytes.fetch_add(bytes, std::memory_order_relaxed);
    t->cycles.fetch_add(cycles, std::memory_order_relaxed);
    t->fresh_pages.fetch_add(fresh_pages, std::memory_order_relaxed);
    unsigned len = t->epoch_len.load(std::memory_order_relaxed);
    if (t->allocs.fetch_add(1, std::memory_order_relaxed) + 1 >= len) {
      t->allocs_at_end.store(len, std::memory_order_relaxed);
      t->allocs.store(0, std::memory_order_relaxed);
      epoch_end(site, t);
    }
  }
  --tl_in_hook;
}

void tune_free(hak_site_t site, uint64_t cycles) {
  if (site >= kMaxSites) return;
  // Only a site that is being tuned: its tuner exists since its first large allocation.
  if (SiteTuner* t = __atomic_load_n(&g_tuners[site], __ATOMIC_ACQUIRE))
    t->cycles.fetch_add(cycles, std::memory_order_relaxed);
}

void tuner_configure() {
  // The kernel's THP setting: with "never", advice does nothing, so it is not explored.
  int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[128] = {};
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r > 0 && strstr(buf, "[never]")) g_tune.allow_thp = false;
  }
  if (const char* v = getenv("HAKMEM_THP")) {
    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
      g_tune.allow_thp = false;
    else if (strcmp(v, "on") != 0 && strcmp(v, "1") != 0)
      message("HAKMEM_THP=%s is not on or off; using %s", v, g_tune.allow_thp ? "on" : "off");
  }
  // HAKMEM_POLICY="bigcache=1,thp=0,prefault=0": the default policy (baseline keeps it;
  // evolving starts from it). Its threshold is HAKMEM_THRESHOLD's.
  if (const char* pv = getenv("HAKMEM_POLICY")) {
    Policy p = g_default_policy;
    bool ok = true;
    for (const char* q = pv; *q && ok;) {
      const char* comma = strchr(q, ',');
      if (!comma) comma = q + strlen(q);
      size_t klen = static_cast<size_t>(comma - q);
      if (klen >= 3 && (q[klen - 1] == '0' || q[klen - 1] == '1') && q[klen - 2] == '=') {
        uint8_t bit = static_cast<uint8_t>(q[klen - 1] - '0');
        if (klen - 2 == 8 && strncmp(q, "bigcache", 8) == 0)
          p.bigcache = bit;
        else if (klen - 2 == 3 && strncmp(q, "thp", 3) == 0)
          p.thp = bit;
        else if (klen - 2 == 8 && strncmp(q, "prefault", 8) == 0)
          p.prefault = bit;
        else
          ok = false;
      } else {
        ok = false;
      }
      q = *comma ? comma + 1 : comma;
    }
    if (ok)
      g_default_policy = p;
    else
      message("HAKMEM_POLICY=%s is not like bigcache=1,thp=0,prefault=0; ignored", pv);
  }
  const char* v = getenv("HAKMEM_TUNE");
  if (!v) return;
  // "c=2,epoch=32,cooldown=8,hysteresis=0.08,streak=3,w_time=1,w_fault=1000,w_rss=64,prune=0.25"
  for (const char* p = v; *p;) {
    const char* eq = strchr(p, '=');
    const char* comma = strchr(p, ',');
    if (!comma) comma = p + strlen(p);
    char* end = nullptr;
    double x = eq && eq < comma ? strtod(eq + 1, &end) : 0;
    size_t klen = eq && eq < comma ? static_cast<size_t>(eq - p) : 0;
    auto key = [&](const char* k) { return strlen(k) == klen && strncmp(p, k, klen) == 0; };
    bool ok = end == comma && x >= 0 && x < 1e12;
    if (ok && key("c"))
      g_tune.c = x;
    else if (ok && key("epoch") && x >= 1)
      g_tune.epoch_allocs = static_cast<unsigned>(x);
    else if (ok && key("cooldown"))
      g_tune.cooldown = static_cast<unsigned>(x);
    else if (ok && key("hysteresis"))
      g_tune.hysteresis = x;
    else if (ok && key("streak") && x >= 1)
      g_tune.hysteresis_epochs = static_cast<unsigned>(x);
    else if (ok && key("w_time"))
      g_tune.w_time = x;
    else if (ok && key("w_fault"))
      g_tune.w_fault = x;
    else if (ok && key("w_rss"))
      g_tune.w_rss = x;
    else if (ok && key("prune") && x < 1)
      g_tune.prune = x;
    else {
      message("HAKMEM_TUNE=%s: cannot use the part starting at \"%s\"; it is ignored", v, p);
      break;
    }
    p = *comma ? comma + 1 : comma;
  }
}

bool tuner_state(hak_site_t site, TunerState* out) {
  SiteTuner* t = site < kMaxSites ? __atomic_load_n(&g_tuners[site], __ATOMIC_ACQUIRE) : nullptr;
  if (!t) return false;
  pthread_mutex_lock(&g_tuner_lock);
  out->committed = t->bandit.committed();
  out->current = t->current;
  out->epochs = t->epochs;
  out->switches = t->bandit.switches();
  out->cost_ref = t->cost_ref;
  out->last_cost = t->last_cost;
  out->from_profile = t->from_profile;
  for (unsigned a = 0; a < kArms; ++a) out->arms[a] = t->bandit.arm(a);
  for (unsigned a = 0; a < kArms; ++a) out->loaded[a] = t->loaded[a];
  out->loaded_epochs = t->loaded_epochs;
  pthread_mutex_unlock(&g_tuner_lock);
  return true;
}

void tuner_fork(int phase) {
  if (phase == 0)
    pthread_mutex_lock(&g_tuner_lock);
  else if (phase == 1)
    pthread_mutex_unlock(&g_tuner_lock);
  else
    pthread_mutex_init(&g_tuner_lock, nullptr);
}

}  // namespace hak
