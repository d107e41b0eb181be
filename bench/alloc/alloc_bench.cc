// alloc_bench: allocator workloads, each printing one JSON line of metrics.
//
//   alloc_bench WORKLOAD [--ops N] [--seconds S] [--threads N] [--live N] [--seed N] ...
//
// The program uses only the standard malloc/free/realloc (and what std::thread needs), so
// every allocator — glibc, or hakmem, jemalloc, mimalloc, tcmalloc by LD_PRELOAD — is
// applied the same way. Its own bookkeeping (slot arrays, batch queues) comes from mmap,
// so the allocator under test sees only the workload. Each workload is deterministic for
// a seed, touches the memory it gets, checks every block before freeing it, and keeps
// I/O out of the timed region. The "allocator" field names the library whose mapping (in
// /proc/self/maps) holds the address `malloc` resolves to: proof that a preload took.
//
// Workloads (bench/alloc/README.md has the why of each):
//   churn         one thread, 8 B-4 KiB, live blocks replaced at random (1 in 8 by realloc)
//   pairs         one thread, malloc/free pairs of 16-256 B, nothing written: the fast path
//   larson        threads replace random blocks of a slot array; each round a new thread
//                 takes over the array and frees its exited predecessor's blocks
//                 (--sized 1: operator new and C++14 sized operator delete)
//   prodcons      producers allocate and write blocks, consumers read and free them
//   xmalloc       xmalloc-test: every thread allocates batches of small blocks for the
//                 others and frees the batches the others allocated for it
//   rptest        rpmalloc's benchmark: per-thread working sets of 16 B-64 KiB blocks,
//                 1 in 8 retired blocks freed by the next thread
//   falseshare    cache-scratch: one thread allocates small blocks, others free them and
//                 then allocate and write small blocks of their own, intensively
//   cachethrash   cache-thrash: threads allocate and write small blocks of their own,
//                 intensively
//   glibc-simple  glibc's bench-malloc-simple: one thread allocates N blocks of one size
//                 and frees them, N and the size fixed per round
//   glibc-thread  glibc's bench-malloc-thread: threads replace random blocks (8 B-4 KiB)
//                 of their own working sets
//   large         256 KiB-4 MiB blocks: allocate, touch every page, free; a few stay live
//   malloc-large  mimalloc-bench's malloc-large: 5-25 MiB blocks, 20 live, every page
//                 written, one replaced at a time
//   mleak         churn that leaks 1 in 128 of the blocks it retires: memory grows slowly
//   peak          ~512 MiB of small and medium blocks, all freed, then ~300 ms of light
//                 activity; RSS after that is what the allocator kept
//   burst         bench/frag: bursts of short-lived blocks interleaved with a few
//                 long-lived ones from another call site; the short ones die per burst
//   lru           bench/frag: an LRU cache of long-lived entries beside short-lived
//                 request buffers
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <iterator>
#include <latch>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace {

// ---- Errors ----------------------------------------------------------------------------

[[noreturn]] void die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("alloc_bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

// ---- Random numbers: splitmix64, fast and good enough to pick sizes and slots ----------

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  size_t range(size_t lo, size_t hi) { return lo + below(hi - lo + 1); }
  // Log-uniform in [lo, hi]: as many blocks per octave, the shape of real size mixes.
  size_t log_range(size_t lo, size_t hi) {
    double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    double l = log(static_cast<double>(lo)), h = log(static_cast<double>(hi));
    auto n = static_cast<size_t>(exp(l + u * (h - l)));
    return n < lo ? lo : n > hi ? hi : n;
  }
};

uint64_t mix(uint64_t a, uint64_t b) {
  Rng r(a * 0xD6E8FEB86659FD93ull ^ b);
  return r.next() | 1;  // never 0, so a zeroed block never passes a check
}

// The size mix of a typical C/C++ program: ~60% <= 64 B, ~25% <= 256 B, ~10% <= 1 KiB,
// ~5% <= 4 KiB.
size_t mixed_size(Rng& rng) {
  uint64_t r = rng.below(100);
  if (r < 60) return rng.range(8, 64);
  if (r < 85) return rng.range(65, 256);
  if (r < 95) return rng.range(257, 1024);
  return rng.range(1025, 4096);
}

// ---- Block contents: written whole, checked at the head, middle and tail ---------------
//
// A block of n >= 8 bytes holds its 8-byte tag at the head and (n >= 16) at the tail, and
// the tag's low byte everywhere else. A check reads those three places.

uint8_t expected_byte(size_t i, size_t n, uint64_t tag) {
  if (i < 8) return static_cast<uint8_t>(tag >> (8 * i));
  if (n >= 16 && i >= n - 8) return static_cast<uint8_t>(tag >> (8 * (i - (n - 8))));
  return static_cast<uint8_t>(tag);
}

void fill_block(void* p, size_t n, uint64_t tag) {
  auto* b = static_cast<uint8_t*>(p);
  memset(b, static_cast<uint8_t>(tag), n);
  memcpy(b, &tag, 8);
  if (n >= 16) memcpy(b + n - 8, &tag, 8);
}

[[noreturn]] void corrupted(const char* where, const void* p, size_t n, uint64_t tag) {
  die("%s: block %p of %zu bytes does not hold what was written (tag %016llx): corruption", where,
      p, n, static_cast<unsigned long long>(tag));
}

// Returns the head word, for a checksum that keeps the reads alive.
uint64_t check_block(const void* p, size_t n, uint64_t tag, const char* where) {
  const auto* b = static_cast<const uint8_t*>(p);
  uint64_t head, tail = tag;
  memcpy(&head, b, 8);
  if (n >= 16) memcpy(&tail, b + n - 8, 8);
  if (head != tag || tail != tag || b[n / 2] != expected_byte(n / 2, n, tag))
    corrupted(where, p, n, tag);
  return head;
}

// The whole block, byte by byte: what a consumer that reads its messages does.
uint64_t read_block(const void* p, size_t n, uint64_t tag, const char* where) {
  const auto* b = static_cast<const uint8_t*>(p);
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += b[i];
  check_block(p, n, tag, where);
  uint64_t want = 0;
  for (size_t i = 0; i < 8; ++i) want += expected_byte(i, n, tag);
  if (n >= 16)
    for (size_t i = n - 8; i < n; ++i) want += expected_byte(i, n, tag);
  want += (n - (n >= 16 ? 16 : 8)) * static_cast<uint8_t>(tag);
  if (sum != want) corrupted(where, p, n, tag);
  return sum;
}

// Large blocks: one word per 4 KiB page (every page the block spans gets written), plus
// the tail word.
constexpr size_t kPage = 4096;

void fill_pages(void* p, size_t n, uint64_t tag) {
  auto* b = static_cast<uint8_t*>(p);
  for (size_t off = 0; off + 8 <= n; off += kPage) {
    uint64_t w = tag ^ off;
    memcpy(b + off, &w, 8);
  }
  memcpy(b + n - 8, &tag, 8);
}

uint64_t check_pages(const void* p, size_t n, uint64_t tag, const char* where) {
  const auto* b = static_cast<const uint8_t*>(p);
  uint64_t sum = 0, w;
  for (size_t off = 0; off + 8 <= n; off += kPage) {
    memcpy(&w, b + off, 8);
    // A page word that the tail word overlaps holds part of the tail instead.
    if (off + 8 <= n - 8 && w != (tag ^ off)) corrupted(where, p, n, tag);
    sum += w;
  }
  memcpy(&w, b + n - 8, 8);
  if (w != tag) corrupted(where, p, n, tag);
  return sum + w;
}

// ---- Bookkeeping memory straight from the OS, so the allocator under test never sees it

template <class T>
class OsArray {
 public:
  explicit OsArray(size_t n) : n_(n), bytes_((n * sizeof(T) + kPage - 1) / kPage * kPage) {
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap of %zu bytes for bookkeeping failed", bytes_);
    p_ = static_cast<T*>(p);
    memset(p, 0, bytes_);  // fault it in now, outside any timed region
  }
  ~OsArray() { release(); }
  OsArray(const OsArray&) = delete;
  OsArray& operator=(const OsArray&) = delete;
  void release() {
    if (p_) munmap(p_, bytes_);
    p_ = nullptr;
  }
  T& operator[](size_t i) { return p_[i]; }
  size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  size_t n_, bytes_;
};

struct Slot {
  void* p;
  size_t n;
  uint64_t tag;
};

// A new block of n bytes in s, written whole with a fresh tag (the workload's name says who
// failed).
void new_block(Slot& s, size_t n, uint64_t tag, const char* who) {
  s.n = n;
  s.tag = tag;
  s.p = malloc(n);
  if (!s.p) die("%s: malloc(%zu) failed", who, n);
  fill_block(s.p, n, tag);
}

// ---- Measuring -------------------------------------------------------------------------

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void sleep_s(double s) {
  timespec ts{static_cast<time_t>(s), static_cast<long>((s - floor(s)) * 1e9)};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

struct Usage {
  double wall = 0, cpu = 0;
  long minflt = 0, majflt = 0;
};

Usage usage_now() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  Usage u;
  u.wall = now_s();
  u.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  u.minflt = ru.ru_minflt;
  u.majflt = ru.ru_majflt;
  return u;
}

Usage usage_since(const Usage& start) {
  Usage u = usage_now();
  u.wall -= start.wall;
  u.cpu -= start.cpu;
  u.minflt -= start.minflt;
  u.majflt -= start.majflt;
  return u;
}

long rss_kb() {
  FILE* f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2) die("cannot read /proc/self/statm");
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// The high-water mark of this process's memory. Not getrusage's ru_maxrss: that one keeps
// the peak of the image the process was exec'd from (a Python runner's 17 MiB, say).
long peak_rss_kb() {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) die("cannot read /proc/self/status");
  char line[256];
  long kb = -1;
  while (kb < 0 && fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld kB", &kb) != 1) kb = -1;
  fclose(f);
  if (kb < 0) die("no VmHWM in /proc/self/status");
  return kb;
}

// ---- Which allocator serves malloc -----------------------------------------------------

struct AllocatorId {
  char name[32] = "unknown";
  char path[512] = "";
};

// The mapping that holds the address `malloc` resolves to names the allocator.
AllocatorId detect_allocator() {
  AllocatorId id;
  auto addr = reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, "malloc"));
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) die("cannot read /proc/self/maps");
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    int off = 0;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || off == 0) continue;
    if (addr < lo || addr >= hi) continue;
    char* path = line + off;
    path[strcspn(path, "\n")] = 0;
    snprintf(id.path, sizeof id.path, "%s", path);
    break;
  }
  fclose(f);
  static const struct {
    const char* needle;
    const char* name;
  } known[] = {{"libhakmem", "hakmem"},        {"libmimalloc", "mimalloc"},
               {"libjemalloc", "jemalloc"},    {"libtcmalloc", "tcmalloc"},
               {"libc_malloc_debug", "glibc"}, {"/libc.so", "glibc"}};
  for (const auto& k : known)
    if (strstr(id.path, k.needle)) {
      snprintf(id.name, sizeof id.name, "%s", k.name);
      break;
    }
  return id;
}

// ---- Options and the result line -------------------------------------------------------

struct Options {
  uint64_t ops = 0;          // fixed-work workloads: operations; 0 = the workload's default
  double seconds = 0;        // larson, prodcons, xmalloc, rptest: duration
  unsigned threads = 0;      // multi-threaded workloads; prodcons: producers (= consumers)
  size_t live = 0;           // live blocks (per thread for larson, rptest, glibc-thread)
  uint64_t round_ops = 0;    // larson: operations before a thread hands over its array
  uint64_t iterations = 0;   // falseshare, cachethrash: allocations per thread
  uint64_t repetitions = 0;  // falseshare, cachethrash: write passes over each block
  size_t size_mb = 0;        // peak: megabytes allocated
  double idle_ms = 0;        // peak: light activity after the release
  uint64_t seed = 42;
  int null_alloc = 0;  // pairs: the loop without the allocator calls
  int sized = 0;       // larson: operator new and sized operator delete instead of malloc/free
};

// A call site of its own: a function whose malloc returns into it (not a tail call), so
// that its return address names it. The asm comment carries the name, so that no two
// sites have the same code (g++ would fold them into one function, one site).
#define CALL_SITE(name)                                        \
  __attribute__((noinline)) void* name(size_t n) {             \
    void* p = malloc(n);                                       \
    __asm__ volatile("# site " #name : : "r"(p) : "memory");   \
    return p;                                                  \
  }

class Result {
 public:
  explicit Result(const char* workload) : workload_(workload) {}
  void set(const char* key, double v) { add(key, v, true); }
  void set_int(const char* key, long long v) { add(key, static_cast<double>(v), false); }
  bool has(const char* key) const {
    for (int i = 0; i < count_; ++i)
      if (strcmp(fields_[i].key, key) == 0) return true;
    return false;
  }
  void print(const AllocatorId& id) const {
    printf("{\"workload\":\"%s\",\"allocator\":\"%s\",\"malloc_from\":\"", workload_, id.name);
    for (const char* c = id.path; *c; ++c) {
      if (*c == '"' || *c == '\\') putchar('\\');
      if (static_cast<unsigned char>(*c) >= 0x20) putchar(*c);
    }
    putchar('"');
    for (int i = 0; i < count_; ++i) {
      if (fields_[i].real)
        printf(",\"%s\":%.6g", fields_[i].key, fields_[i].v);
      else
        printf(",\"%s\":%lld", fields_[i].key, static_cast<long long>(fields_[i].v));
    }
    printf("}\n");
  }

  // The common metrics of a timed region with `ops` operations.
  void timed(const Usage& u, uint64_t ops) {
    set("seconds", u.wall);
    set_int("ops", static_cast<long long>(ops));
    set("ops_per_s", u.wall > 0 ? static_cast<double>(ops) / u.wall : 0);
    set("cpu_seconds", u.cpu);
    set_int("minflt", u.minflt);
    set_int("majflt", u.majflt);
  }

 private:
  struct Field {
    const char* key;
    double v;
    bool real;
  };
  void add(const char* key, double v, bool real) {
    if (count_ == kMax) die("too many result fields");
    fields_[count_++] = {key, v, real};
  }
  static constexpr int kMax = 32;
  const char* workload_;
  Field fields_[kMax];
  int count_ = 0;
};

// ---- churn -----------------------------------------------------------------------------

void churn(const Options& o, Result& res) {
  const uint64_t ops = o.ops ? o.ops : 20'000'000;
  const size_t live = o.live ? o.live : 16384;
  Rng rng(o.seed);
  OsArray<Slot> slots(live);
  uint64_t gen = 0, sum = 0;
  auto fresh = [&](Slot& s) { new_block(s, mixed_size(rng), mix(o.seed, ++gen), "churn"); };
  for (size_t i = 0; i < live; ++i) fresh(slots[i]);

  Usage start = usage_now();
  for (uint64_t i = 0; i < ops; ++i) {
    Slot& s = slots[rng.below(live)];
    sum += check_block(s.p, s.n, s.tag, "churn");
    if (rng.below(8) == 0) {
      // realloc: the common prefix must survive; then the block is rewritten as new.
      size_t n = mixed_size(rng), keep = n < s.n ? n : s.n;
      void* p = realloc(s.p, n);
      if (!p) die("churn: realloc(%zu) failed", n);
      const auto* b = static_cast<const uint8_t*>(p);
      if (memcmp(b, &s.tag, 8) != 0 || b[keep - 1] != expected_byte(keep - 1, s.n, s.tag))
        corrupted("churn realloc", p, n, s.tag);
      s.p = p;
      s.n = n;
      s.tag = mix(o.seed, ++gen);
      fill_block(s.p, s.n, s.tag);
    } else {
      free(s.p);
      fresh(s);
    }
  }
  Usage u = usage_since(start);

  for (size_t i = 0; i < live; ++i) {
    sum += check_block(slots[i].p, slots[i].n, slots[i].tag, "churn");
    free(slots[i].p);
  }
  res.timed(u, ops);
  res.set_int("live", static_cast<long long>(live));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- pairs -----------------------------------------------------------------------------
//
// The fast path alone: malloc/free pairs of 16-256 B, each replacing a random slot of 1,024
// live blocks; nothing is written. `pairs_loop` is a C symbol so that
// `valgrind --tool=callgrind --toggle-collect=pairs_loop` counts this loop and nothing else;
// with `--null 1` it runs the same loop without calling the allocator (the loop's own
// instructions, to subtract).

}  // namespace

extern "C" __attribute__((noinline)) uint64_t pairs_loop(void** slots, size_t live, uint64_t ops,
                                                         uint64_t seed, int null_alloc) {
  Rng rng(seed);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < ops; ++i) {
    void*& s = slots[rng.below(live)];
    size_t n = 16 + rng.below(241);
    if (null_alloc) {
      // The same data flow without the calls: the compiler cannot drop it.
      __asm__ volatile("" : "+r"(s) : "r"(n));
    } else {
      free(s);
      s = malloc(n);
      if (__builtin_expect(s == nullptr, 0)) return 0;
    }
    sum += reinterpret_cast<uintptr_t>(s) >> 4;
  }
  return sum;
}

namespace {

void pairs(const Options& o, Result& res) {
  const uint64_t ops = o.ops ? o.ops : 50'000'000;
  const size_t live = o.live ? o.live : 1024;
  OsArray<void*> slots(live);
  Rng rng(o.seed);
  for (size_t i = 0; i < live; ++i) {
    slots[i] = malloc(16 + rng.below(241));
    if (!slots[i]) die("pairs: malloc failed");
  }
  Usage start = usage_now();
  uint64_t sum = pairs_loop(&slots[0], live, ops, o.seed, o.null_alloc);
  Usage u = usage_since(start);
  if (!o.null_alloc && sum == 0) die("pairs: malloc failed");
  for (size_t i = 0; i < live; ++i) free(slots[i]);
  res.timed(u, ops);
  res.set_int("live", static_cast<long long>(live));
}

// ---- larson ----------------------------------------------------------------------------
//
// Larson & Krishnan's server simulation. Each lane is a slot array worked on by a chain
// of threads: a thread replaces random blocks (8-1000 B) for a round, then starts its
// successor on the same array and exits. The successor frees blocks that the exited
// thread allocated, so an allocator must handle frees into a dead thread's heap.
//
// With --sized 1 the blocks come from `operator new` and go back through C++14's sized
// `operator delete(p, n)`: an allocator that uses the size it is given needs no lookup
// of the block's size class on free (glibc's libstdc++ just calls free).

void* larson_alloc(bool sized, size_t n) { return sized ? ::operator new(n) : malloc(n); }

void larson_free(bool sized, void* p, size_t n) {
  if (sized)
    ::operator delete(p, n);
  else
    free(p);
}

struct alignas(64) LarsonLane {
  Slot* slots;
  size_t nslots;
  uint64_t round_ops;
  uint64_t seed;
  bool sized;
  Rng rng{0};
  uint64_t gen = 0, ops = 0, rounds = 0, sum = 0;
  pthread_t pred{};  // the previous thread of this lane, joined by its successor
  bool has_pred = false;
  std::atomic<bool>* stop;
  std::mutex* done_mu;
  std::condition_variable* done_cv;
  int* done;
};

void* larson_thread(void* arg) {
  auto* lane = static_cast<LarsonLane*>(arg);
  const pthread_t pred = lane->pred;
  const bool has_pred = lane->has_pred;
  for (uint64_t i = 0; i < lane->round_ops; ++i) {
    if ((i & 1023) == 0 && lane->stop->load(std::memory_order_relaxed)) break;
    Slot& s = lane->slots[lane->rng.below(lane->nslots)];
    lane->sum += check_block(s.p, s.n, s.tag, "larson");
    larson_free(lane->sized, s.p, s.n);
    s.n = lane->rng.range(8, 1000);
    s.tag = mix(lane->seed, ++lane->gen);
    s.p = larson_alloc(lane->sized, s.n);
    if (!s.p) die("larson: malloc(%zu) failed", s.n);
    fill_block(s.p, s.n, s.tag);
    ++lane->ops;
  }
  ++lane->rounds;
  if (has_pred) pthread_join(pred, nullptr);
  lane->pred = pthread_self();
  lane->has_pred = true;
  if (lane->stop->load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lk(*lane->done_mu);
    ++*lane->done;
    lane->done_cv->notify_one();
    return nullptr;
  }
  // From here on the lane belongs to the successor.
  pthread_t next;
  if (pthread_create(&next, nullptr, larson_thread, lane) != 0) die("larson: pthread_create");
  return nullptr;
}

void larson(const Options& o, Result& res) {
  const unsigned threads = o.threads ? o.threads : 4;
  const size_t per = o.live ? o.live : 5000;
  const double seconds = o.seconds > 0 ? o.seconds : 2.0;
  OsArray<Slot> slots(per * threads);
  OsArray<LarsonLane> lanes(threads);
  std::atomic<bool> stop{false};
  std::mutex done_mu;
  std::condition_variable done_cv;
  int done = 0;
  // As in the original, the main thread allocates the first blocks: the lanes' first
  // frees are already cross-thread.
  Rng init(o.seed);
  for (size_t i = 0; i < per * threads; ++i) {
    Slot& s = slots[i];
    s.n = init.range(8, 1000);
    s.tag = mix(o.seed, ~i);
    s.p = larson_alloc(o.sized, s.n);
    if (!s.p) die("larson: malloc failed");
    fill_block(s.p, s.n, s.tag);
  }
  for (unsigned t = 0; t < threads; ++t) {
    LarsonLane* lane = new (&lanes[t]) LarsonLane;
    lane->slots = &slots[t * per];
    lane->nslots = per;
    lane->round_ops = o.round_ops ? o.round_ops : 10 * per;
    lane->seed = o.seed + 1000 * (t + 1);
    lane->sized = o.sized;
    lane->rng = Rng(lane->seed);
    lane->stop = &stop;
    lane->done_mu = &done_mu;
    lane->done_cv = &done_cv;
    lane->done = &done;
  }

  Usage start = usage_now();
  for (unsigned t = 0; t < threads; ++t) {
    pthread_t th;
    if (pthread_create(&th, nullptr, larson_thread, &lanes[t]) != 0) die("pthread_create");
  }
  sleep_s(seconds);
  stop.store(true, std::memory_order_relaxed);
  {
    std::unique_lock<std::mutex> lk(done_mu);
    done_cv.wait(lk, [&] { return done == static_cast<int>(threads); });
  }
  for (unsigned t = 0; t < threads; ++t) pthread_join(lanes[t].pred, nullptr);
  Usage u = usage_since(start);

  uint64_t ops = 0, rounds = 0, sum = 0;
  for (unsigned t = 0; t < threads; ++t) {
    ops += lanes[t].ops;
    rounds += lanes[t].rounds;
    sum += lanes[t].sum;
  }
  for (size_t i = 0; i < per * threads; ++i) {
    sum += check_block(slots[i].p, slots[i].n, slots[i].tag, "larson");
    larson_free(o.sized, slots[i].p, slots[i].n);
  }
  res.timed(u, ops);
  res.set_int("threads", threads);
  res.set_int("sized", o.sized);
  res.set_int("thread_rounds", static_cast<long long>(rounds));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- prodcons --------------------------------------------------------------------------
//
// Producers allocate and write blocks in batches of 64 and queue the batches; consumers
// take any batch, read every byte of every block and free it: all frees are cross-thread.
// The queue is bounded (producers wait when it is full), so memory stays bounded too.

constexpr int kBatch = 64;

struct Batch {
  int count;
  Slot blocks[kBatch];
};

class BatchQueue {
 public:
  explicit BatchQueue(size_t batches) : pool_(batches), full_(batches), empty_(batches) {
    for (size_t i = 0; i < batches; ++i) empty_.push(&pool_[i]);
  }
  Batch* take_empty() { return take(empty_, cv_empty_); }
  Batch* take_full() { return take(full_, cv_full_); }
  void put_full(Batch* b) { put(full_, cv_full_, b); }
  void put_empty(Batch* b) { put(empty_, cv_empty_, b); }
  void close() {
    std::lock_guard<std::mutex> lk(mu_);
    closed_ = true;
    cv_full_.notify_all();
    cv_empty_.notify_all();
  }

 private:
  struct Ring {
    explicit Ring(size_t cap) : items(cap) {}
    OsArray<Batch*> items;
    size_t head = 0, count = 0;
    void push(Batch* b) { items[(head + count++) % items.size()] = b; }
    Batch* pop() {
      Batch* b = items[head];
      head = (head + 1) % items.size();
      --count;
      return b;
    }
  };
  // nullptr once the queue is closed and `r` is empty.
  Batch* take(Ring& r, std::condition_variable& cv) {
    std::unique_lock<std::mutex> lk(mu_);
    cv.wait(lk, [&] { return r.count > 0 || closed_; });
    return r.count > 0 ? r.pop() : nullptr;
  }
  void put(Ring& r, std::condition_variable& cv, Batch* b) {
    std::lock_guard<std::mutex> lk(mu_);
    r.push(b);
    cv.notify_one();
  }
  std::mutex mu_;
  std::condition_variable cv_full_, cv_empty_;
  bool closed_ = false;
  OsArray<Batch> pool_;
  Ring full_, empty_;
};

void prodcons(const Options& o, Result& res) {
  const unsigned pairs = o.threads ? o.threads : 2;
  const double seconds = o.seconds > 0 ? o.seconds : 2.0;
  BatchQueue queue(8 * pairs);
  std::atomic<bool> stop{false};
  struct alignas(64) Counter {
    uint64_t ops = 0, sum = 0;
  };
  OsArray<Counter> produced(pairs), consumed(pairs);
  std::vector<std::thread> producers, consumers;
  producers.reserve(pairs);
  consumers.reserve(pairs);

  Usage start = usage_now();
  for (unsigned t = 0; t < pairs; ++t) {
    producers.emplace_back([&, t] {
      Rng rng(o.seed + 7919 * (t + 1));
      uint64_t gen = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        Batch* b = queue.take_empty();
        if (!b) break;
        for (int i = 0; i < kBatch; ++i) {
          Slot& s = b->blocks[i];
          s.n = mixed_size(rng);
          s.tag = mix(o.seed + t, ++gen);
          s.p = malloc(s.n);
          if (!s.p) die("prodcons: malloc(%zu) failed", s.n);
          fill_block(s.p, s.n, s.tag);
        }
        b->count = kBatch;
        produced[t].ops += kBatch;
        queue.put_full(b);
      }
    });
    consumers.emplace_back([&, t] {
      while (Batch* b = queue.take_full()) {
        for (int i = 0; i < b->count; ++i) {
          Slot& s = b->blocks[i];
          consumed[t].sum += read_block(s.p, s.n, s.tag, "prodcons");
          free(s.p);
        }
        consumed[t].ops += static_cast<uint64_t>(b->count);
        queue.put_empty(b);
      }
    });
  }
  sleep_s(seconds);
  stop.store(true, std::memory_order_relaxed);
  for (auto& th : producers) th.join();
  // Producers are done; consumers drain what is queued, then see the queue closed. A
  // producer waiting for an empty batch cannot exist any more, so closing is safe.
  queue.close();
  for (auto& th : consumers) th.join();
  Usage u = usage_since(start);

  uint64_t made = 0, freed = 0, sum = 0;
  for (unsigned t = 0; t < pairs; ++t) {
    made += produced[t].ops;
    freed += consumed[t].ops;
    sum += consumed[t].sum;
  }
  if (made != freed)
    die("prodcons: %llu blocks made but %llu freed", static_cast<unsigned long long>(made),
        static_cast<unsigned long long>(freed));
  res.timed(u, freed);
  res.set_int("producers", pairs);
  res.set_int("consumers", pairs);
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- Handing blocks between threads without a lock -------------------------------------
//
// A mailbox is a stack that any thread pushes onto and only its owner empties, all at
// once. Push is a CAS loop and take_all an exchange: no lock is held while the allocator
// runs, and a node that comes back to the top while a push's CAS holds it is still the
// right `next` (no ABA). Each head has a cache line of its own.

template <class T>  // T has a `T* next`
class Mailbox {
 public:
  void push(T* x) {
    T* head = head_.load(std::memory_order_relaxed);
    do {
      x->next = head;
    } while (!head_.compare_exchange_weak(head, x, std::memory_order_release,
                                          std::memory_order_relaxed));
  }
  // Everything pushed so far, newest first; nullptr if nothing.
  T* take_all() { return head_.exchange(nullptr, std::memory_order_acquire); }

 private:
  alignas(64) std::atomic<T*> head_{nullptr};
};

// The phases of a multi-threaded workload whose setup and teardown stay out of the timed
// region: each worker builds its working set, then waits for the clock; after its timed
// loop it waits until every worker is done before it frees what it holds. (std::latch
// waits on a futex and never calls the allocator.)
class Phases {
 public:
  explicit Phases(unsigned threads) : ready_(threads), done_(threads) {}
  // Worker side.
  void worker_ready() {
    ready_.count_down();
    go_.wait();
  }
  void worker_done() {
    done_.count_down();
    teardown_.wait();
  }
  // Main thread: the start of the timed region, once every worker is ready.
  Usage start() {
    ready_.wait();
    Usage u = usage_now();
    go_.count_down();
    return u;
  }
  // Main thread: the timed region, once every worker is done; the workers may tear down.
  Usage finish(const Usage& start) {
    done_.wait();
    Usage u = usage_since(start);
    teardown_.count_down();
    return u;
  }

 private:
  std::latch ready_, go_{1}, done_, teardown_{1};
};

// ---- xmalloc ---------------------------------------------------------------------------
//
// The shape of xmalloc-test: every thread both allocates and frees, and frees only what
// other threads allocated. A thread allocates a batch of 64 small blocks (8-512 B, 70%
// <= 64 B), writes them and posts the batch to another thread's mailbox (the targets
// rotate over all the others); before each batch it frees the batches in its own mailbox.
// Unlike prodcons there are no roles and no lock: every heap gets remote frees from all
// the other threads while its owner allocates from it. A thread has 256 batch records;
// when all of its are in flight it frees what it received until its receivers give some
// back, which bounds memory. Fixed duration, as larson.

struct XBatch {
  XBatch* next;
  unsigned owner;
  Slot blocks[kBatch];
};

struct alignas(64) XThread {
  Mailbox<XBatch> inbox;     // batches other threads allocated, for this one to free
  Mailbox<XBatch> returned;  // this thread's batch records, given back by their receivers
  uint64_t made = 0, freed = 0, sum = 0, stalls = 0;
};

// Mostly small: 70% 8-64 B, 20% 65-256 B, 10% 257-512 B.
size_t small_size(Rng& rng) {
  uint64_t r = rng.below(100);
  if (r < 70) return rng.range(8, 64);
  if (r < 90) return rng.range(65, 256);
  return rng.range(257, 512);
}

void xmalloc(const Options& o, Result& res) {
  const unsigned threads = o.threads ? o.threads : 4;
  const double seconds = o.seconds > 0 ? o.seconds : 2.0;
  constexpr size_t kRecords = 256;
  if (threads < 2) die("xmalloc: every free is by another thread: --threads must be >= 2");
  OsArray<XThread> th(threads);
  for (unsigned t = 0; t < threads; ++t) new (&th[t]) XThread;
  OsArray<XBatch> records(threads * kRecords);
  std::atomic<bool> stop{false};
  // Frees a list of batches into `me`'s counters and gives the records back to their owners.
  auto free_batches = [&](XThread& me, XBatch* b) {
    while (b) {
      XBatch* next = b->next;
      for (int i = 0; i < kBatch; ++i) {
        Slot& s = b->blocks[i];
        me.sum += check_block(s.p, s.n, s.tag, "xmalloc");
        free(s.p);
      }
      me.freed += kBatch;
      th[b->owner].returned.push(b);
      b = next;
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(threads);

  Usage start = usage_now();
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      XThread& me = th[t];
      Rng rng(o.seed + 7919 * (t + 1));
      XBatch* spare = nullptr;  // this thread's records at hand
      for (size_t i = 0; i < kRecords; ++i) {
        XBatch* b = &records[t * kRecords + i];
        b->owner = t;
        b->next = spare;
        spare = b;
      }
      uint64_t gen = 0, sent = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        free_batches(me, me.inbox.take_all());
        if (!spare) spare = me.returned.take_all();
        if (!spare) {
          ++me.stalls;
          std::this_thread::yield();
          continue;
        }
        XBatch* b = spare;
        spare = b->next;
        for (int i = 0; i < kBatch; ++i) {
          Slot& s = b->blocks[i];
          s.n = small_size(rng);
          s.tag = mix(o.seed + t, ++gen);
          s.p = malloc(s.n);
          if (!s.p) die("xmalloc: malloc(%zu) failed", s.n);
          fill_block(s.p, s.n, s.tag);
        }
        me.made += kBatch;
        th[(t + 1 + sent++ % (threads - 1)) % threads].inbox.push(b);
      }
    });
  }
  sleep_s(seconds);
  stop.store(true, std::memory_order_relaxed);
  for (auto& w : workers) w.join();
  // What is still in the mailboxes: freed here, by a thread that allocated none of it.
  for (unsigned t = 0; t < threads; ++t) free_batches(th[t], th[t].inbox.take_all());
  Usage u = usage_since(start);

  uint64_t made = 0, freed = 0, sum = 0, stalls = 0;
  for (unsigned t = 0; t < threads; ++t) {
    made += th[t].made;
    freed += th[t].freed;
    sum += th[t].sum;
    stalls += th[t].stalls;
  }
  if (made != freed)
    die("xmalloc: %llu blocks made but %llu freed", static_cast<unsigned long long>(made),
        static_cast<unsigned long long>(freed));
  res.timed(u, freed);
  res.set_int("threads", threads);
  res.set_int("stalls", static_cast<long long>(stalls));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- rptest ----------------------------------------------------------------------------
//
// The shape of rpmalloc's benchmark: each thread keeps a working set of 1024 blocks of
// random sizes (log-uniform 16 B-8 KiB; 1 in 16 log-uniform 8-64 KiB), written whole.
// Every iteration it frees what its inbox holds, allocates a batch of 32 blocks, then
// retires 32 of its older blocks chosen at random: 28 freed at once and 4 (1 in 8) posted
// to the next thread's inbox, freed there. Many size classes, a working set larger than
// L2, and a steady share of remote frees from every thread. Fixed duration: the threads
// feed one another, and with more threads than cores a fixed amount of work would end
// when the thread the scheduler favoured least got through its share; a duration
// measures what all of them did together. A thread posts through its own 1024 parcels
// and waits (freeing its inbox) when all are in flight.

constexpr int kRpBatch = 32, kRpPass = 4;

struct RpParcel {
  RpParcel* next;
  unsigned owner;
  Slot blocks[kRpPass];
};

struct alignas(64) RpThread {
  Mailbox<RpParcel> inbox;     // blocks the previous thread allocated, for this one to free
  Mailbox<RpParcel> returned;  // this thread's parcels, given back by the next thread
  uint64_t ops = 0, remote = 0, sum = 0, stalls = 0;
};

size_t rp_size(Rng& rng) {
  return rng.below(16) == 0 ? rng.log_range(8 << 10, 64 << 10) : rng.log_range(16, 8 << 10);
}

void rptest(const Options& o, Result& res) {
  const unsigned threads = o.threads ? o.threads : 4;
  const double seconds = o.seconds > 0 ? o.seconds : 2.0;
  const size_t live = o.live ? o.live : 1024;
  constexpr size_t kParcels = 1024;
  if (threads < 2) die("rptest: 1 in 8 frees is by the next thread: --threads must be >= 2");
  if (live < kRpBatch) die("rptest: --live must be at least %d", kRpBatch);
  OsArray<RpThread> th(threads);
  for (unsigned t = 0; t < threads; ++t) new (&th[t]) RpThread;
  OsArray<RpParcel> parcels(threads * kParcels);
  OsArray<Slot> sets(threads * live);
  std::atomic<bool> stop{false};
  Phases phases(threads);
  // Frees a list of parcels into `me`'s checksum and gives them back; returns the blocks.
  auto free_parcels = [&](RpThread& me, RpParcel* p) {
    uint64_t n = 0;
    while (p) {
      RpParcel* next = p->next;
      for (int i = 0; i < kRpPass; ++i) {
        Slot& s = p->blocks[i];
        me.sum += check_block(s.p, s.n, s.tag, "rptest");
        free(s.p);
      }
      n += kRpPass;
      th[p->owner].returned.push(p);
      p = next;
    }
    return n;
  };
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      RpThread& me = th[t];
      RpThread& next = th[(t + 1) % threads];
      Slot* set = &sets[t * live];
      Rng rng(o.seed + 7919 * (t + 1));
      uint64_t gen = 0;
      auto fresh = [&](Slot& s) { new_block(s, rp_size(rng), mix(o.seed + t, ++gen), "rptest"); };
      RpParcel* spare = nullptr;
      for (size_t i = 0; i < kParcels; ++i) {
        RpParcel* p = &parcels[t * kParcels + i];
        p->owner = t;
        p->next = spare;
        spare = p;
      }
      for (size_t i = 0; i < live; ++i) fresh(set[i]);
      phases.worker_ready();

      while (!stop.load(std::memory_order_relaxed)) {
        me.remote += free_parcels(me, me.inbox.take_all());
        if (!spare) spare = me.returned.take_all();
        if (!spare) {
          ++me.stalls;
          std::this_thread::yield();
          continue;
        }
        RpParcel* out = spare;
        spare = out->next;
        Slot batch[kRpBatch];
        for (auto& s : batch) fresh(s);
        // Retire kRpBatch of the older blocks: swap each victim with the last older one.
        size_t older = live;
        for (int k = 0; k < kRpBatch; ++k) {
          size_t j = rng.below(older);
          Slot victim = set[j];
          set[j] = set[--older];
          if (k < kRpPass) {
            out->blocks[k] = victim;
          } else {
            me.sum += check_block(victim.p, victim.n, victim.tag, "rptest");
            free(victim.p);
          }
        }
        for (int k = 0; k < kRpBatch; ++k) set[older + k] = batch[k];
        next.inbox.push(out);
        me.ops += kRpBatch;
      }

      phases.worker_done();  // no thread posts any more: the inbox is final
      free_parcels(me, me.inbox.take_all());
      for (size_t i = 0; i < live; ++i) {
        me.sum += check_block(set[i].p, set[i].n, set[i].tag, "rptest");
        free(set[i].p);
      }
    });
  }
  Usage start = phases.start();
  sleep_s(seconds);
  stop.store(true, std::memory_order_relaxed);
  Usage u = phases.finish(start);
  for (auto& w : workers) w.join();

  uint64_t ops = 0, remote = 0, sum = 0, stalls = 0;
  for (unsigned t = 0; t < threads; ++t) {
    ops += th[t].ops;
    remote += th[t].remote;
    sum += th[t].sum;
    stalls += th[t].stalls;
  }
  res.timed(u, ops);
  res.set_int("threads", threads);
  res.set("remote_share", ops ? static_cast<double>(remote) / static_cast<double>(ops) : 0);
  res.set_int("stalls", static_cast<long long>(stalls));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- falseshare ------------------------------------------------------------------------
//
// Hoard's cache-scratch: the main thread allocates one small block per worker (neighbours
// on one cache line in every allocator) and hands them out. Each worker frees its block,
// then repeatedly allocates a block of the same size, writes it many times and frees it.
// An allocator that gives a worker back the block just freed (or its cache-line
// neighbour) makes workers on different cores write to one cache line.

constexpr size_t kScratchSize = 8;

struct alignas(64) ScratchOut {
  uint64_t sum = 0;
  uintptr_t line = 0;  // the cache line of the worker's first block
};

// Hoard's worker loop, shared with cachethrash: `iterations` times, allocate 8 B, write it
// `repetitions` passes, check and free it.
void scratch_worker(uint64_t iterations, uint64_t repetitions, ScratchOut& out, const char* where) {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    auto* p = static_cast<uint8_t*>(malloc(kScratchSize));
    if (!p) die("%s: malloc failed", where);
    if (i == 0) out.line = reinterpret_cast<uintptr_t>(p) / 64;
    volatile uint8_t* v = p;  // every write reaches memory, as in the original
    uint8_t first[kScratchSize];
    for (size_t k = 0; k < kScratchSize; ++k) first[k] = v[k];
    for (uint64_t r = 0; r < repetitions; ++r)
      for (size_t k = 0; k < kScratchSize; ++k) v[k] = static_cast<uint8_t>(v[k] + k + 1);
    // Byte k went up by k+1 on every pass: anything else means another thread wrote
    // into this block.
    for (size_t k = 0; k < kScratchSize; ++k) {
      if (v[k] != static_cast<uint8_t>(first[k] + repetitions * (k + 1)))
        corrupted(where, p, kScratchSize, 0);
      sum += v[k];
    }
    free(p);
  }
  out.sum = sum;
}

// The result of falseshare and cachethrash. Diagnosis: workers whose first block shares a
// cache line with another worker's first block or (falseshare) with the block another
// worker was given and may have got back.
void scratch_result(OsArray<ScratchOut>& out, unsigned threads, uint8_t* const* given,
                    const Usage& u, uint64_t passes, Result& res) {
  uint64_t sum = 0;
  long shared = 0;
  for (unsigned t = 0; t < threads; ++t) {
    sum += out[t].sum;
    bool hit = false;
    for (unsigned s = 0; s < threads; ++s)
      if (s != t && (out[s].line == out[t].line ||
                     (given && reinterpret_cast<uintptr_t>(given[s]) / 64 == out[t].line)))
        hit = true;
    shared += hit;
  }
  res.timed(u, passes * kScratchSize * threads);
  res.set_int("threads", threads);
  res.set_int("workers_on_shared_lines", shared);
  res.set_int("check", static_cast<long long>(sum));
}

void falseshare(const Options& o, Result& res) {
  const unsigned threads = o.threads ? o.threads : 4;
  const uint64_t iterations = o.iterations ? o.iterations : 1000;
  const uint64_t repetitions = o.repetitions ? o.repetitions : 20000;
  OsArray<uint8_t*> given(threads);
  for (unsigned t = 0; t < threads; ++t) {
    given[t] = static_cast<uint8_t*>(malloc(kScratchSize));
    if (!given[t]) die("falseshare: malloc failed");
    memset(given[t], 0, kScratchSize);
  }
  OsArray<ScratchOut> out(threads);
  std::vector<std::thread> workers;
  workers.reserve(threads);

  Usage start = usage_now();
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      free(given[t]);
      scratch_worker(iterations, repetitions, out[t], "falseshare");
    });
  }
  for (auto& th : workers) th.join();
  Usage u = usage_since(start);

  scratch_result(out, threads, &given[0], u, iterations * repetitions, res);
}

// ---- cachethrash -----------------------------------------------------------------------
//
// Hoard's cache-thrash: falseshare's workers without the main thread's blocks. Each worker
// repeatedly allocates 8 B, writes it many times and frees it, all thread-local. An
// allocator that carves neighbouring blocks of one cache line out for different threads
// (one shared free list or arena for all of them) makes the cores fight over that line;
// `workers_on_shared_lines` counts the workers whose first block shares a line with
// another worker's.

void cachethrash(const Options& o, Result& res) {
  const unsigned threads = o.threads ? o.threads : 4;
  const uint64_t iterations = o.iterations ? o.iterations : 5000;
  const uint64_t repetitions = o.repetitions ? o.repetitions : 20000;
  OsArray<ScratchOut> out(threads);
  std::vector<std::thread> workers;
  workers.reserve(threads);

  Usage start = usage_now();
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back(
        [&, t] { scratch_worker(iterations, repetitions, out[t], "cachethrash"); });
  for (auto& th : workers) th.join();
  Usage u = usage_since(start);

  scratch_result(out, threads, nullptr, u, iterations * repetitions, res);
}

// ---- glibc-simple ----------------------------------------------------------------------
//
// The shape of glibc's bench-malloc-simple: one thread allocates N blocks of one size,
// then frees them in the order it allocated them, round after round, for each N of 25,
// 100, 400 and 1600 and each size of 16, 64, 256 and 1024 B: the same number of pairs
// for each of the 16. All blocks of a round are of one size class and allocated back to
// back, so it measures the fast paths when a run of allocations (then of frees) hits the
// same free list, and what growing and emptying that list costs. Each block is written
// whole and checked, as everywhere here.

void glibc_simple(const Options& o, Result& res) {
  const uint64_t ops = o.ops ? o.ops : 40'000'000;
  static constexpr size_t kCounts[] = {25, 100, 400, 1600};
  static constexpr size_t kSizes[] = {16, 64, 256, 1024};
  constexpr uint64_t kCombos = std::size(kCounts) * std::size(kSizes);
  OsArray<Slot> blocks(kCounts[std::size(kCounts) - 1]);
  uint64_t gen = 0, sum = 0, done = 0;

  Usage start = usage_now();
  for (size_t count : kCounts) {
    for (size_t size : kSizes) {
      for (uint64_t r = 0, rounds = ops / kCombos / count; r < rounds; ++r) {
        for (size_t i = 0; i < count; ++i) {
          Slot& s = blocks[i];
          s.n = size;
          s.tag = mix(o.seed, ++gen);
          s.p = malloc(size);
          if (!s.p) die("glibc-simple: malloc(%zu) failed", size);
          fill_block(s.p, s.n, s.tag);
        }
        for (size_t i = 0; i < count; ++i) {
          sum += check_block(blocks[i].p, blocks[i].n, blocks[i].tag, "glibc-simple");
          free(blocks[i].p);
        }
        done += count;
      }
    }
  }
  Usage u = usage_since(start);
  res.timed(u, done);
  res.set("ns_per_pair", done ? u.wall * 1e9 / static_cast<double>(done) : 0);
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- glibc-thread ----------------------------------------------------------------------
//
// The shape of glibc's bench-malloc-thread: each of T threads replaces random blocks of
// its own working set of 1024 (free one, allocate one of a random size, log-uniform 8 B-
// 4 KiB, and write it), a fixed number of times. Nothing crosses threads: it measures
// whether the thread-local paths scale, or threads meet on shared state (a lock, an
// arena, a shared counter). Fixed work, compared by time; with more threads than cores
// the time is the total work over the cores the machine gives.

void glibc_thread(const Options& o, Result& res) {
  const unsigned threads = o.threads ? o.threads : 4;
  const uint64_t ops = o.ops ? o.ops : 10'000'000;  // per thread
  const size_t live = o.live ? o.live : 1024;
  struct alignas(64) Out {
    uint64_t sum = 0;
  };
  OsArray<Out> out(threads);
  OsArray<Slot> sets(threads * live);
  Phases phases(threads);
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Slot* set = &sets[t * live];
      Rng rng(o.seed + 7919 * (t + 1));
      uint64_t gen = 0, sum = 0;
      auto fresh = [&](Slot& s) {
        new_block(s, rng.log_range(8, 4096), mix(o.seed + t, ++gen), "glibc-thread");
      };
      for (size_t i = 0; i < live; ++i) fresh(set[i]);
      phases.worker_ready();
      for (uint64_t i = 0; i < ops; ++i) {
        Slot& s = set[rng.below(live)];
        sum += check_block(s.p, s.n, s.tag, "glibc-thread");
        free(s.p);
        fresh(s);
      }
      phases.worker_done();
      for (size_t i = 0; i < live; ++i) {
        sum += check_block(set[i].p, set[i].n, set[i].tag, "glibc-thread");
        free(set[i].p);
      }
      out[t].sum = sum;
    });
  }
  Usage start = phases.start();
  Usage u = phases.finish(start);
  for (auto& w : workers) w.join();

  uint64_t sum = 0;
  for (unsigned t = 0; t < threads; ++t) sum += out[t].sum;
  res.timed(u, ops * threads);
  res.set_int("threads", threads);
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- large, malloc-large ---------------------------------------------------------------
//
// A few live big blocks, one replaced at random per operation; every page of a new block
// is written and checked before it is freed. The live set is built before the clock
// starts. Faults are counted inside the timed region: an allocator that keeps freed big
// blocks (or their pages) for the next one saves the mapping, the faults and the zeroing.

void replace_big_blocks(const Options& o, Result& res, const char* where, size_t (*size)(Rng&),
                        uint64_t default_ops, size_t default_live) {
  const uint64_t ops = o.ops ? o.ops : default_ops;
  const size_t live = o.live ? o.live : default_live;
  Rng rng(o.seed);
  OsArray<Slot> slots(live);
  uint64_t gen = 0, sum = 0, bytes = 0;
  auto fresh = [&](Slot& s) {
    s.n = size(rng);
    s.tag = mix(o.seed, ++gen);
    s.p = malloc(s.n);
    if (!s.p) die("%s: malloc(%zu) failed", where, s.n);
    fill_pages(s.p, s.n, s.tag);
    bytes += s.n;
  };
  for (size_t i = 0; i < live; ++i) fresh(slots[i]);

  Usage start = usage_now();
  for (uint64_t i = 0; i < ops; ++i) {
    Slot& s = slots[rng.below(live)];
    sum += check_pages(s.p, s.n, s.tag, where);
    free(s.p);
    fresh(s);
  }
  Usage u = usage_since(start);

  for (size_t i = 0; i < live; ++i) {
    sum += check_pages(slots[i].p, slots[i].n, slots[i].tag, where);
    free(slots[i].p);
  }
  res.timed(u, ops);
  res.set("faults_per_op", static_cast<double>(u.minflt + u.majflt) / static_cast<double>(ops));
  res.set_int("mib_allocated", static_cast<long long>(bytes >> 20));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// large: 4 live blocks of 256 KiB-4 MiB, log-uniform: around the mmap thresholds.
void large(const Options& o, Result& res) {
  replace_big_blocks(
      o, res, "large", [](Rng& rng) { return rng.log_range(256 << 10, 4 << 20); }, 2000, 4);
}

// malloc-large, the shape of mimalloc-bench's: 20 live blocks of 5-25 MiB, uniform: all of
// them far above any size class, each a mapping of its own unless the allocator keeps
// them. Unlike mlarge (bench/bigcache) the blocks come from malloc, not calloc, so an
// allocator that reuses one need not zero it.
void malloc_large(const Options& o, Result& res) {
  replace_big_blocks(
      o, res, "malloc-large", [](Rng& rng) { return rng.range(5 << 20, 25 << 20); }, 1000, 20);
}

// ---- mleak -----------------------------------------------------------------------------
//
// The shape of mimalloc-bench's mleak: churn (1024 live blocks of the common size mix,
// one replaced at random per operation, written and checked) that leaks every 128th block
// it retires: never freed, so memory grows slowly for the whole run. The leaked
// blocks stay scattered over the pages the churn reuses, so the RSS beyond the leaked
// bytes is what the allocator cannot reuse or give back around them. They are checked at
// the end (nothing may have been handed out over them), never freed.

void mleak(const Options& o, Result& res) {
  const uint64_t ops = o.ops ? o.ops : 40'000'000;
  const size_t live = o.live ? o.live : 1024;
  constexpr uint64_t kLeakEvery = 128;
  Rng rng(o.seed);
  OsArray<Slot> slots(live);
  OsArray<Slot> leaked(ops / kLeakEvery);
  size_t nleaked = 0;
  uint64_t gen = 0, sum = 0, leaked_bytes = 0;
  auto fresh = [&](Slot& s) { new_block(s, mixed_size(rng), mix(o.seed, ++gen), "mleak"); };
  for (size_t i = 0; i < live; ++i) fresh(slots[i]);

  Usage start = usage_now();
  for (uint64_t i = 0; i < ops; ++i) {
    Slot& s = slots[rng.below(live)];
    sum += check_block(s.p, s.n, s.tag, "mleak");
    if (i % kLeakEvery == kLeakEvery - 1) {
      leaked[nleaked++] = s;
      leaked_bytes += s.n;
    } else {
      free(s.p);
    }
    fresh(s);
  }
  Usage u = usage_since(start);

  for (size_t i = 0; i < live; ++i) {
    sum += check_block(slots[i].p, slots[i].n, slots[i].tag, "mleak");
    free(slots[i].p);
  }
  for (size_t i = 0; i < nleaked; ++i)
    sum += check_block(leaked[i].p, leaked[i].n, leaked[i].tag, "mleak (leaked)");
  res.timed(u, ops);
  res.set_int("leaked_blocks", static_cast<long long>(nleaked));
  res.set("leaked_mib", static_cast<double>(leaked_bytes) / (1 << 20));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- peak ------------------------------------------------------------------------------
//
// A program's big phase: ~512 MiB in small (16-512 B) and medium (1-128 KiB) blocks, half
// the bytes each, all written; then everything freed in random order; then the program
// goes on lightly (a small working set replaced ~100 times a millisecond) for ~300 ms, as
// a server between requests would. The RSS after that is what the allocator kept.

// Half the bytes in each class: the next block is small while small ones hold no more.
size_t peak_size(Rng& rng, uint64_t& small_bytes, uint64_t& medium_bytes) {
  size_t n = small_bytes <= medium_bytes ? rng.range(16, 512) : rng.log_range(1024, 128 << 10);
  (n <= 512 ? small_bytes : medium_bytes) += n;
  return n;
}

// 16 bytes a block: with ~1 M blocks the bookkeeping is 16 MiB, the same for everyone.
struct PeakBlock {
  void* p;
  uint32_t n, id;
};

// Light activity after the work: 1000 live blocks of peak's mix, 100 replacements per
// millisecond, for `seconds`: an allocator that gives memory back on its slow paths gets
// the chance to. Returns the RSS (KiB) at its end; *ops, the replacements. Its checks stay
// out of the checksums: timing decides how many there are.
long light_phase(Rng& rng, double seconds, uint64_t seed, uint64_t first_id, const char* who,
                 uint64_t* ops) {
  constexpr size_t kLive = 1000;
  OsArray<Slot> work(kLive);
  uint64_t n_ops = 0, small_w = 0, medium_w = 0;
  const double start = now_s();
  while (now_s() - start < seconds) {
    for (int k = 0; k < 100; ++k) {
      Slot& s = work[rng.below(kLive)];
      if (s.p) {
        check_block(s.p, s.n, s.tag, who);
        free(s.p);
      }
      new_block(s, peak_size(rng, small_w, medium_w), mix(seed, first_id + ++n_ops), who);
    }
    sleep_s(0.001);
  }
  const long rss = rss_kb();
  for (size_t i = 0; i < kLive; ++i)
    if (work[i].p) {
      check_block(work[i].p, work[i].n, work[i].tag, who);
      free(work[i].p);
    }
  *ops = n_ops;
  return rss;
}

void peak(const Options& o, Result& res) {
  const uint64_t target = static_cast<uint64_t>(o.size_mb ? o.size_mb : 512) << 20;
  const double idle_s = (o.idle_ms > 0 ? o.idle_ms : 300) / 1000.0;
  const uint64_t seed = o.seed;
  auto tag_of = [seed](uint64_t id) { return mix(seed, id); };
  // A dry run of the size sequence gives the block count, so the bookkeeping is exact
  // and faulted in before the clock starts.
  size_t count = 0;
  {
    Rng dry(seed);
    uint64_t small = 0, medium = 0;
    while (small + medium < target) peak_size(dry, small, medium), ++count;
  }
  OsArray<PeakBlock> blocks(count);
  Rng rng(seed);
  uint64_t small_bytes = 0, medium_bytes = 0, sum = 0;
  const long rss_start = rss_kb();

  Usage start = usage_now();
  for (size_t i = 0; i < count; ++i) {
    PeakBlock& b = blocks[i];
    b.n = static_cast<uint32_t>(peak_size(rng, small_bytes, medium_bytes));
    b.id = static_cast<uint32_t>(i);
    b.p = malloc(b.n);
    if (!b.p) die("peak: malloc(%u) failed", b.n);
    fill_block(b.p, b.n, tag_of(b.id));
  }
  Usage alloc = usage_since(start);
  const long rss_peak = rss_kb();

  for (size_t i = count; i > 1; --i) {  // Fisher-Yates: free in random order
    size_t j = rng.below(i);
    PeakBlock tmp = blocks[i - 1];
    blocks[i - 1] = blocks[j];
    blocks[j] = tmp;
  }
  Usage mid = usage_now();
  for (size_t i = 0; i < count; ++i) {
    sum += check_block(blocks[i].p, blocks[i].n, tag_of(blocks[i].id), "peak");
    free(blocks[i].p);
  }
  Usage release = usage_since(mid);
  blocks.release();
  const long rss_freed = rss_kb();

  uint64_t light_ops = 0;
  const long rss_after = light_phase(rng, idle_s, seed, count, "peak (light)", &light_ops);

  Usage total = alloc;
  total.wall += release.wall;
  total.cpu += release.cpu;
  total.minflt += release.minflt;
  total.majflt += release.majflt;
  res.timed(total, count);
  res.set("alloc_seconds", alloc.wall);
  res.set("free_seconds", release.wall);
  res.set_int("mib_allocated", static_cast<long long>((small_bytes + medium_bytes) >> 20));
  res.set_int("bookkeeping_kb", static_cast<long long>(count * sizeof(PeakBlock) >> 10));
  res.set_int("rss_start_kb", rss_start);
  res.set_int("rss_peak_kb", rss_peak);
  res.set_int("rss_freed_kb", rss_freed);
  res.set_int("rss_after_kb", rss_after);
  res.set_int("light_ops", static_cast<long long>(light_ops));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- burst (bench/frag) ----------------------------------------------------------------
//
// The fragmentation shape of servers and runtimes: bursts of short-lived blocks (request
// buffers, temporaries) from one call site, interleaved with a few long-lived ones (cache
// entries, interned strings) from another, in the same size classes; at the end of each
// burst the short-lived blocks die and the long-lived ones stay. Bursts alternate between
// two size ranges (64-512 B and 640-2048 B). A long-lived block pins the page it shares
// with dead ones: an allocator that mixes the two keeps its RSS near the peak. The two
// sites are two functions, so their return addresses differ (what a site-aware allocator
// can learn from). After the bursts, peak's light phase.

CALL_SITE(burst_short_site)
CALL_SITE(burst_long_site)

void burst(const Options& o, Result& res) {
  const unsigned bursts = o.iterations ? static_cast<unsigned>(o.iterations) : 8;
  const uint64_t per_burst = static_cast<uint64_t>(o.size_mb ? o.size_mb : 64) << 20;
  const uint64_t long_every = o.repetitions ? o.repetitions : 16;
  const double idle_s = (o.idle_ms > 0 ? o.idle_ms : 300) / 1000.0;
  // Bookkeeping sized by a dry run of the size sequence (faulted in before the clock).
  auto size_of = [](Rng& r, unsigned b) {
    return b % 2 == 0 ? r.range(64, 512) : r.range(640, 2048);
  };
  size_t max_short = 0, total_long = 0;
  {
    Rng dry(o.seed);
    for (unsigned b = 0; b < bursts; ++b) {
      size_t shorts = 0;
      for (uint64_t bytes = 0, i = 1; bytes < per_burst; ++i) {
        size_t n = size_of(dry, b);
        if (i % long_every == 0) {
          ++total_long;
        } else {
          ++shorts;
          bytes += n;
        }
      }
      if (shorts > max_short) max_short = shorts;
    }
  }
  OsArray<Slot> shorts(max_short), longs(total_long);
  Rng rng(o.seed);
  uint64_t gen = 0, sum = 0, long_bytes = 0;
  size_t nlong = 0;
  const long rss_start = rss_kb();
  long rss_top = 0;

  Usage start = usage_now();
  for (unsigned b = 0; b < bursts; ++b) {
    size_t nshort = 0;
    for (uint64_t bytes = 0, i = 1; bytes < per_burst; ++i) {
      size_t n = size_of(rng, b);
      bool is_long = i % long_every == 0;
      Slot& s = is_long ? longs[nlong++] : shorts[nshort++];
      s.n = n;
      s.tag = mix(o.seed, ++gen);
      s.p = is_long ? burst_long_site(n) : burst_short_site(n);
      if (!s.p) die("burst: malloc(%zu) failed", n);
      fill_block(s.p, n, s.tag);
      if (is_long)
        long_bytes += n;
      else
        bytes += n;
    }
    long r = rss_kb();
    if (r > rss_top) rss_top = r;
    for (size_t i = 0; i < nshort; ++i) {  // the burst is over: its temporaries die
      sum += check_block(shorts[i].p, shorts[i].n, shorts[i].tag, "burst");
      free(shorts[i].p);
    }
  }
  Usage u = usage_since(start);
  const long rss_bursts = rss_kb();
  uint64_t light_ops = 0;
  const long rss_after = light_phase(rng, idle_s, o.seed, gen, "burst (light)", &light_ops);
  for (size_t i = 0; i < nlong; ++i) {
    sum += check_block(longs[i].p, longs[i].n, longs[i].tag, "burst");
    free(longs[i].p);
  }
  res.timed(u, gen);
  res.set_int("bursts", bursts);
  res.set_int("live_kb", static_cast<long long>(long_bytes >> 10));
  res.set_int("rss_start_kb", rss_start);
  res.set_int("rss_top_kb", rss_top);
  res.set_int("rss_bursts_kb", rss_bursts);
  res.set_int("rss_after_kb", rss_after);
  res.set_int("light_ops", static_cast<long long>(light_ops));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- lru (bench/frag) ------------------------------------------------------------------
//
// A cache server: an LRU cache of long-lived entries (64 B-1 KiB) that evicts its least
// recently used entry when a miss inserts a new one, and per request a few short-lived
// buffers (64 B-4 KiB) that die when the request ends, from other call sites but in the
// same size classes. Keys are skewed (a few hot, many cold), so entries live from a few
// requests to the whole run. RSS is taken at the end (live: the entries) and after
// peak's light phase.

CALL_SITE(lru_entry_site)
CALL_SITE(lru_buffer_site)

struct LruEntry {
  void* p;
  uint32_t n, key;
  int32_t prev, next;  // the LRU list (most recent at head), -1 at the ends
  uint64_t tag;
};

void lru(const Options& o, Result& res) {
  const uint64_t requests = o.ops ? o.ops : 2'000'000;
  const size_t capacity = o.live ? o.live : 50'000;
  const uint32_t keys = static_cast<uint32_t>(capacity * 8);
  const double idle_s = (o.idle_ms > 0 ? o.idle_ms : 300) / 1000.0;
  OsArray<LruEntry> entries(capacity);
  OsArray<int32_t> where(keys);  // key -> entry + 1, 0 when not cached
  int32_t head = -1, tail = -1;
  size_t used = 0;
  auto unlink = [&](int32_t e) {
    LruEntry& x = entries[e];
    (x.prev >= 0 ? entries[x.prev].next : head) = x.next;
    (x.next >= 0 ? entries[x.next].prev : tail) = x.prev;
  };
  auto push_front = [&](int32_t e) {
    entries[e].prev = -1;
    entries[e].next = head;
    (head >= 0 ? entries[head].prev : tail) = e;
    head = e;
  };
  Rng rng(o.seed);
  uint64_t gen = 0, sum = 0, hits = 0, live_bytes = 0;
  Slot buffers[8];

  Usage start = usage_now();
  for (uint64_t r = 0; r < requests; ++r) {
    unsigned nbuf = 2 + static_cast<unsigned>(rng.below(7));
    for (unsigned i = 0; i < nbuf; ++i) {
      Slot& b = buffers[i];
      b.n = rng.log_range(64, 4096);
      b.tag = mix(o.seed, ++gen);
      b.p = lru_buffer_site(b.n);
      if (!b.p) die("lru: malloc(%zu) failed", b.n);
      fill_block(b.p, b.n, b.tag);
    }
    // Skewed keys: squaring a uniform number puts most requests on the low keys.
    double u = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
    uint32_t key = static_cast<uint32_t>(u * u * keys);
    if (int32_t e = where[key]; e > 0) {
      LruEntry& x = entries[e - 1];
      sum += check_block(x.p, x.n, x.tag, "lru");
      unlink(e - 1);
      push_front(e - 1);
      ++hits;
    } else {
      int32_t slot;
      if (used < capacity) {
        slot = static_cast<int32_t>(used++);
      } else {  // evict the least recently used entry
        slot = tail;
        LruEntry& old = entries[slot];
        sum += check_block(old.p, old.n, old.tag, "lru");
        where[old.key] = 0;
        live_bytes -= old.n;
        free(old.p);
        unlink(slot);
      }
      LruEntry& x = entries[slot];
      x.n = static_cast<uint32_t>(rng.log_range(64, 1024));
      x.key = key;
      x.tag = mix(o.seed, ++gen);
      x.p = lru_entry_site(x.n);
      if (!x.p) die("lru: malloc(%u) failed", x.n);
      fill_block(x.p, x.n, x.tag);
      live_bytes += x.n;
      where[key] = slot + 1;
      push_front(slot);
    }
    for (unsigned i = 0; i < nbuf; ++i) {
      sum += check_block(buffers[i].p, buffers[i].n, buffers[i].tag, "lru");
      free(buffers[i].p);
    }
  }
  Usage u = usage_since(start);
  const long rss_end = rss_kb();
  uint64_t light_ops = 0;
  const long rss_after = light_phase(rng, idle_s, o.seed, gen, "lru (light)", &light_ops);
  for (size_t e = 0; e < used; ++e) {
    sum += check_block(entries[e].p, entries[e].n, entries[e].tag, "lru");
    free(entries[e].p);
  }
  res.timed(u, requests);
  res.set_int("entries", static_cast<long long>(used));
  res.set_int("hits", static_cast<long long>(hits));
  res.set_int("live_kb", static_cast<long long>(live_bytes >> 10));
  res.set_int("rss_end_kb", rss_end);
  res.set_int("rss_after_kb", rss_after);
  res.set_int("light_ops", static_cast<long long>(light_ops));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- vm2m: the original hakmem's VM scenario --------------------------------------------
//
// 2 MiB buffers allocated, touched and freed from three call sites, round after round: a
// per-site cache of large blocks hands back the same faulted-in mapping.

CALL_SITE(vm_site_a)
CALL_SITE(vm_site_b)
CALL_SITE(vm_site_c)

void vm2m(const Options& o, Result& res) {
  const uint64_t rounds = o.ops ? o.ops : 2000;
  const size_t n = size_t{2} << 20;
  void* (*sites[3])(size_t) = {vm_site_a, vm_site_b, vm_site_c};
  uint64_t sum = 0;
  Usage start = usage_now();
  for (uint64_t r = 0; r < rounds; ++r) {
    void* p[3];
    for (int s = 0; s < 3; ++s) {
      p[s] = sites[s](n);
      if (!p[s]) die("vm2m: malloc(%zu) failed", n);
      fill_pages(p[s], n, mix(r, static_cast<uint64_t>(s)));
    }
    for (int s = 0; s < 3; ++s) {
      sum += check_pages(p[s], n, mix(r, static_cast<uint64_t>(s)), "vm2m");
      free(p[s]);
    }
  }
  Usage u = usage_since(start);
  res.timed(u, rounds * 3);
  res.set("faults_per_op",
          static_cast<double>(u.minflt + u.majflt) / static_cast<double>(rounds * 3));
  res.set_int("check", static_cast<long long>(sum & 0xffffffffff));
}

// ---- mlarge: malloc-large style ----------------------------------------------------------
//
// Blocks of 5-25 MiB, up to 20 live, zero-filled (calloc) and used (a write to every page),
// one freed and another allocated at a time. Keeping freed blocks for reuse saves the
// mapping and the page faults; handing them back saves RSS.

void mlarge(const Options& o, Result& res) {
  const uint64_t ops = o.ops ? o.ops : 2000;
  const size_t live = o.live ? o.live : 20;
  Rng rng(o.seed);
  OsArray<Slot> slots(live);
  uint64_t gen = 0, sum = 0;
  auto fresh = [&](Slot& s) {
    s.n = rng.range(5u << 20, 25u << 20);
    s.tag = mix(o.seed, ++gen);
    s.p = calloc(1, s.n);
    if (!s.p) die("mlarge: calloc(%zu) failed", s.n);
    auto* b = static_cast<uint8_t*>(s.p);
    for (size_t i = 0; i < s.n; i += 4096) {
      if (b[i] != 0) die("mlarge: calloc memory is not zero at %zu", i);
      b[i] = static_cast<uint8_t>(s.tag + i / 4096);
    }
  };
  auto check = [&](const Slot& s) {
    const auto* b = static_cast<const uint8_t*>(s.p);
    for (size_t i = 0; i < s.n; i += 4096)
      if (b[i] != static_cast<uint8_t>(s.tag + i / 4096)) die("mlarge: block changed at %zu", i);
    return static_cast<uint64_t>(b[0]);
  };
  Usage start = usage_now();
  for (size_t i = 0; i < live; ++i) fresh(slots[i]);
  for (uint64_t i = 0; i < ops; ++i) {
    Slot& s = slots[rng.below(live)];
    sum += check(s);
    free(s.p);
    fresh(s);
  }
  Usage u = usage_since(start);
  for (size_t i = 0; i < live; ++i) {
    sum += check(slots[i]);
    free(slots[i].p);
  }
  res.timed(u, ops);
  res.set("faults_per_op", static_cast<double>(u.minflt + u.majflt) / static_cast<double>(ops));
  res.set_int("check", static_cast<long long>(sum));
}

// ---- main ------------------------------------------------------------------------------

struct Workload {
  const char* name;
  void (*run)(const Options&, Result&);
};
constexpr Workload kWorkloads[] = {
    {"churn", churn},
    {"burst", burst},
    {"lru", lru},
    {"pairs", pairs},
    {"larson", larson},
    {"prodcons", prodcons},
    {"xmalloc", xmalloc},
    {"rptest", rptest},
    {"falseshare", falseshare},
    {"cachethrash", cachethrash},
    {"glibc-simple", glibc_simple},
    {"glibc-thread", glibc_thread},
    {"large", large},
    {"malloc-large", malloc_large},
    {"mleak", mleak},
    {"peak", peak},
    {"vm2m", vm2m},
    {"mlarge", mlarge},
};

[[noreturn]] void usage() {
  fprintf(stderr,
          "usage: alloc_bench WORKLOAD [options]\n"
          "workloads: churn pairs larson prodcons xmalloc rptest falseshare cachethrash\n"
          "           glibc-simple glibc-thread large malloc-large mleak peak (bench/alloc)\n"
          "           vm2m mlarge (bench/bigcache)  burst lru (bench/frag)\n"
          "options (0 or absent = the workload's default):\n"
          "  --ops N          churn, pairs, glibc-simple, large, malloc-large, mleak, mlarge:\n"
          "                   operations; glibc-thread: operations per thread; vm2m: rounds;\n"
          "                   lru: requests\n"
          "  --seconds S      larson, prodcons, xmalloc, rptest: duration\n"
          "  --threads N      larson: lanes; prodcons: producers (= consumers); xmalloc,\n"
          "                   rptest, glibc-thread: threads; falseshare, cachethrash: workers\n"
          "  --live N         live blocks (larson: per lane; rptest, glibc-thread: per thread;\n"
          "                   lru: the cache's entries)\n"
          "  --round-ops N    larson: operations before a thread hands over its array\n"
          "  --iterations N   falseshare, cachethrash: allocations per worker; burst: bursts\n"
          "  --repetitions N  falseshare, cachethrash: write passes over each block; burst:\n"
          "                   one block in N is long-lived\n"
          "  --size-mb N      peak: megabytes allocated; burst: short-lived megabytes a burst\n"
          "  --idle-ms N      peak, burst, lru: light activity after the work\n"
          "  --seed N         random seed (default 42)\n"
          "  --null 1         pairs: the loop alone, without calling the allocator\n"
          "  --sized 1        larson: operator new and sized operator delete(p, n)\n");
  exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 2; i < argc; ++i) {
    const char* k = argv[i];
    if (i + 1 >= argc) usage();
    const char* v = argv[++i];
    char* end = nullptr;
    double d = strtod(v, &end);
    if (*end || d < 0) die("%s: not a non-negative number: %s", k, v);
    auto u = static_cast<uint64_t>(d);
    if (!strcmp(k, "--ops"))
      o.ops = u;
    else if (!strcmp(k, "--seconds"))
      o.seconds = d;
    else if (!strcmp(k, "--threads"))
      o.threads = static_cast<unsigned>(u);
    else if (!strcmp(k, "--live"))
      o.live = u;
    else if (!strcmp(k, "--round-ops"))
      o.round_ops = u;
    else if (!strcmp(k, "--iterations"))
      o.iterations = u;
    else if (!strcmp(k, "--repetitions"))
      o.repetitions = u;
    else if (!strcmp(k, "--size-mb"))
      o.size_mb = u;
    else if (!strcmp(k, "--idle-ms"))
      o.idle_ms = d;
    else if (!strcmp(k, "--seed"))
      o.seed = u;
    else if (!strcmp(k, "--null"))
      o.null_alloc = u != 0;
    else if (!strcmp(k, "--sized"))
      o.sized = u != 0;
    else
      usage();
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  const Workload* w = nullptr;
  for (const auto& k : kWorkloads)
    if (!strcmp(argv[1], k.name)) w = &k;
  if (!w) usage();
  Options o = parse(argc, argv);
  AllocatorId id = detect_allocator();
  Result res(w->name);
  w->run(o, res);
  res.set_int("peak_rss_kb", peak_rss_kb());
  // (A workload that took its own, before its light phase, keeps it.)
  if (strcmp(w->name, "peak") != 0 && !res.has("rss_end_kb")) res.set_int("rss_end_kb", rss_kb());
  res.print(id);
  return 0;
}
