// Threads: remote frees under stress, heaps of exited threads, and fork.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "hakmem.h"

namespace {

// A bounded single-producer single-consumer queue of pointers.
struct Channel {
  static constexpr size_t kSize = 1024;
  std::atomic<void*> slots[kSize] = {};
  std::atomic<size_t> head{0}, tail{0};
  bool push(void* p) {
    size_t t = tail.load(std::memory_order_relaxed);
    if (t - head.load(std::memory_order_acquire) == kSize) return false;
    slots[t % kSize].store(p, std::memory_order_relaxed);
    tail.store(t + 1, std::memory_order_release);
    return true;
  }
  void* pop() {
    size_t h = head.load(std::memory_order_relaxed);
    if (h == tail.load(std::memory_order_acquire)) return nullptr;
    void* p = slots[h % kSize].load(std::memory_order_relaxed);
    head.store(h + 1, std::memory_order_release);
    return p;
  }
};

TEST(Threads, RemoteFreesUnderStress) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200000;
  std::vector<Channel> ch(kThreads);
  std::atomic<long> freed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(t);
      Channel& out = ch[t];
      Channel& in = ch[(t + 1) % kThreads];
      std::vector<void*> mine;
      for (int i = 0; i < kPerThread; ++i) {
        size_t n = 1 + rng() % (rng() % 16 == 0 ? 20000 : 300);
        auto* p = static_cast<uint32_t*>(hak_malloc(n));
        ASSERT_NE(p, nullptr);
        *static_cast<uint8_t*>(static_cast<void*>(p)) = static_cast<uint8_t>(t);
        if (rng() % 2 == 0 && out.push(p)) {
        } else {
          mine.push_back(p);
        }
        if (mine.size() > 64) {
          size_t k = rng() % mine.size();
          hak_free(mine[k]);
          mine[k] = mine.back();
          mine.pop_back();
          ++freed;
        }
        // Free what the neighbour sent: a remote free into its pages.
        while (void* q = in.pop()) {
          EXPECT_EQ(*static_cast<uint8_t*>(q), static_cast<uint8_t>((t + 1) % kThreads));
          hak_free(q);
          ++freed;
        }
      }
      for (void* p : mine) hak_free(p), ++freed;
    });
  }
  for (auto& th : ts) th.join();
  for (auto& c : ch)
    while (void* q = c.pop()) hak_free(q), ++freed;
  EXPECT_EQ(freed.load(), long{kThreads} * kPerThread);
}

TEST(Threads, ExitedThreadsHeapsAreReclaimed) {
  // Threads allocate, hand their blocks to the main thread and exit; their heaps are
  // abandoned, then adopted or collected: memory does not pile up across generations.
  hak_os_stats_t st;
  hak_collect();  // earlier tests' heaps
  hak_os_stats(&st);
  size_t base_segments = st.segments, base_abandoned = st.heaps_abandoned;
  size_t peak_segments = 0;
  for (int gen = 0; gen < 30; ++gen) {
    std::vector<void*> blocks(20000);
    std::thread t([&] {
      for (auto& b : blocks) b = hak_malloc(64);
    });
    t.join();
    for (void* b : blocks) hak_free(b);  // remote frees into an abandoned heap
    hak_collect();
    hak_os_stats(&st);
    if (st.segments > peak_segments) peak_segments = st.segments;
  }
  EXPECT_LE(peak_segments, base_segments + 4);
  EXPECT_LE(st.heaps_abandoned, base_abandoned);
  EXPECT_EQ(st.heaps_abandoned, 0u);
}

TEST(Threads, ForkInAMultithreadedProcess) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      std::vector<void*> v;
      while (!stop.load()) {
        v.push_back(hak_malloc(16 + v.size() % 5000));
        if (v.size() > 1000) {
          for (void* p : v) hak_free(p);
          v.clear();
        }
      }
      for (void* p : v) hak_free(p);
    });
  }
  for (int i = 0; i < 20; ++i) {
    void* before = hak_malloc(100);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child: allocate and free (also blocks of the parent's heaps) and exit cleanly.
      // Only hakmem allocates here: the system malloc (ASan's, in that mode) may have been
      // locked by a parent thread at the fork, which is not ours to test.
      static void* v[10000];
      for (int k = 0; k < 10000; ++k) v[k] = hak_malloc(k % 3000 + 1);
      for (void* p : v) hak_free(p);
      hak_free(before);
// A new thread in the child: not under sanitizers, whose own allocators may have been
// locked by a parent thread at the fork (TSan refuses outright).
#if !defined(HAK_SANITIZER)
      std::thread th([] { hak_free(hak_malloc(1000)); });
      th.join();
#endif
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    hak_free(before);
  }
  stop = true;
  for (auto& th : ts) th.join();
}

}  // namespace
