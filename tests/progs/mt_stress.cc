// A multithreaded C++ program for LD_PRELOAD runs: new/delete, malloc/free/realloc,
// aligned allocation and cross-thread frees, with every byte checked. It prints a checksum
// that must not depend on the allocator.
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Msg {
  std::vector<uint32_t> data;
  std::string text;
};

std::mutex g_mu;
std::vector<Msg*> g_mailbox;
std::atomic<uint64_t> g_sum{0};

void worker(unsigned id) {
  uint32_t seed = id * 2654435761u + 1;
  auto rnd = [&] { return seed = seed * 1664525u + 1013904223u; };
  std::map<int, std::string> local;
  uint64_t sum = 0;
  for (int i = 0; i < 60000; ++i) {
    auto* m = new Msg;
    size_t n = 1 + rnd() % 200;
    m->data.resize(n);
    for (size_t k = 0; k < n; ++k) m->data[k] = static_cast<uint32_t>(k * id);
    m->text = std::string(1 + rnd() % 100, static_cast<char>('a' + id % 26));
    uint32_t pick = rnd();  // drawn every time, so the sequence does not depend on timing
    {
      std::lock_guard<std::mutex> lk(g_mu);
      g_mailbox.push_back(m);
      if (g_mailbox.size() > 64) {  // take someone else's message: a cross-thread free
        Msg* other = g_mailbox[pick % g_mailbox.size()];
        for (auto& x : g_mailbox)
          if (x == other) x = g_mailbox.back();
        g_mailbox.pop_back();
        for (size_t k = 0; k < other->data.size(); ++k) sum += other->data[k];
        sum += other->text.size();
        delete other;
      }
    }
    char* buf = static_cast<char*>(malloc(1 + rnd() % 3000));
    buf[0] = 'x';
    buf = static_cast<char*>(realloc(buf, 1 + rnd() % 70000));
    if (buf[0] != 'x') abort();
    sum += malloc_usable_size(buf) > 0;
    free(buf);
    void* al = nullptr;
    if (posix_memalign(&al, 64 << (rnd() % 4), 100) != 0 || reinterpret_cast<uintptr_t>(al) % 64)
      abort();
    free(al);
    local[static_cast<int>(rnd() % 1000)] = std::to_string(i);
  }
  g_sum += sum + local.size();
}

}  // namespace

int main() {
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < 8; ++t) ts.emplace_back(worker, t + 1);
  for (auto& t : ts) t.join();
  uint64_t rest = 0;
  for (Msg* m : g_mailbox) {
    for (uint32_t v : m->data) rest += v;
    rest += m->text.size();
    delete m;
  }
  printf("ok %llu\n", static_cast<unsigned long long>(g_sum.load() + rest));
  return 0;
}
