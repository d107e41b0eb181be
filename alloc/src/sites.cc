// The site registry: explicit tags by name. Names are copied into a static pool, so a
// caller's string may be temporary. Never allocates through malloc.
#include <pthread.h>
#include <string.h>

#include "alloc/src/internal.h"

namespace hak {

namespace {

constexpr uint32_t kMaxSites = 4096;   // id 0: none; id 1: "other" (the table was full)
constexpr uint32_t kBuckets = 8192;    // open addressing over names
constexpr size_t kNamePool = 256 * 1024;

struct SiteInfo {
  const char* name;
  const char* file;
  int line;
};

pthread_mutex_t g_sites_lock = PTHREAD_MUTEX_INITIALIZER;
SiteInfo g_sites[kMaxSites] = {{"none", "", 0}, {"other", "", 0}};
std::atomic<uint32_t> g_site_count{2};
uint16_t g_buckets[kBuckets];
char g_pool[kNamePool];
size_t g_pool_used;

uint32_t hash_name(const char* s) {
  uint32_t h = 2166136261u;
  for (; *s; ++s) h = (h ^ static_cast<uint8_t>(*s)) * 16777619u;
  return h;
}

const char* intern(const char* s) {
  size_t n = strlen(s) + 1;
  if (n > 256 || g_pool_used + n > kNamePool) return nullptr;
  char* p = g_pool + g_pool_used;
  memcpy(p, s, n);
  g_pool_used += n;
  return p;
}

}  // namespace

}  // namespace hak

extern "C" {

HAK_API hak_site_t hak_site_register(const char* name, const char* file, int line) {
  using namespace hak;
  if (!name || !*name) return 1;
  uint32_t h = hash_name(name);
  pthread_mutex_lock(&g_sites_lock);
  hak_site_t id = 1;
  for (uint32_t i = 0; i < kBuckets; ++i) {
    uint16_t& b = g_buckets[(h + i) & (kBuckets - 1)];
    if (b == 0) {
      uint32_t n = g_site_count.load(std::memory_order_relaxed);
      const char* copy = n < kMaxSites ? intern(name) : nullptr;
      if (copy) {
        g_sites[n] = {copy, file ? file : "", line};
        b = static_cast<uint16_t>(n);
        g_site_count.store(n + 1, std::memory_order_release);
        id = n;
      }
      break;
    }
    if (strcmp(g_sites[b].name, name) == 0) {
      id = b;
      break;
    }
  }
  pthread_mutex_unlock(&g_sites_lock);
  return id;
}

HAK_API const char* hak_site_name(hak_site_t site) {
  using namespace hak;
  if (site >= g_site_count.load(std::memory_order_acquire)) return "?";
  return g_sites[site].name;
}

}  // extern "C"
