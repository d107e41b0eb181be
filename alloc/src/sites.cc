// The site registry. Explicit sites are keyed by name; implicit ones by the caller's return
// address, or by a hash of HAKMEM_SITE_DEPTH frames (LLVM libunwind, loaded on first use)
// so that allocations reaching malloc through a wrapper are told apart. Names live in a
// static pool; implicit sites are named (dladdr + demangling) when first asked.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/src/stats.h"

#ifndef HAK_LIBUNWIND_PATH
#define HAK_LIBUNWIND_PATH "/usr/lib/llvm-14/lib/libunwind.so.1"
#endif

namespace hak {

int g_site_depth = 0;

namespace {

constexpr uint32_t kBuckets = 8192;  // open addressing, names and implicit keys apart
constexpr size_t kNamePool = 512 * 1024;
constexpr int kMaxFrames = 8;

struct SiteInfo {
  const char* name;  // nullptr for an implicit site not yet named
  const char* file;
  int line;
  uint8_t implicit;
  uint8_t nframes;
  uint64_t key;
  uintptr_t frames[kMaxFrames];
};

pthread_mutex_t g_sites_lock = PTHREAD_MUTEX_INITIALIZER;
SiteInfo g_sites[kMaxSites] = {{"none", "", 0, 0, 0, 0, {}}, {"other", "", 0, 0, 0, 0, {}}};
std::atomic<uint32_t> g_site_count{2};
std::atomic<uint64_t> g_site_overflow{0};
uint16_t g_name_buckets[kBuckets];
uint16_t g_key_buckets[kBuckets];
char g_pool[kNamePool];
size_t g_pool_used;

uint32_t hash_name(const char* s) {
  uint32_t h = 2166136261u;
  for (; *s; ++s) h = (h ^ static_cast<uint8_t>(*s)) * 16777619u;
  return h;
}

uint32_t hash_key(uint64_t k) { return static_cast<uint32_t>((k * 0x9E3779B97F4A7C15ull) >> 40); }

const char* intern(const char* s, size_t n) {
  if (g_pool_used + n + 1 > kNamePool) return nullptr;
  char* p = g_pool + g_pool_used;
  memcpy(p, s, n);
  p[n] = 0;
  g_pool_used += n + 1;
  return p;
}

// A new site (under the lock); kSiteOther when the table is full.
hak_site_t add_site(const SiteInfo& info) {
  uint32_t n = g_site_count.load(std::memory_order_relaxed);
  if (n >= kMaxSites) {
    g_site_overflow.fetch_add(1, std::memory_order_relaxed);
    return kSiteOther;
  }
  g_sites[n] = info;
  g_site_count.store(n + 1, std::memory_order_release);
  return n;
}

// ---- Unwinding through LLVM libunwind, loaded with dlopen (RTLD_LOCAL): its _Unwind_*
// never replace the process's own unwinder, and programs that do not ask pay nothing.

struct Unwinder {
  int (*getcontext)(void*);
  int (*init_local)(void*, void*);
  int (*step)(void*);
  int (*get_reg)(void*, int, uintptr_t*);
};
Unwinder g_unw;
std::atomic<int> g_unw_state{0};  // 0 not tried, 1 ready, 2 unavailable

bool unwinder_ready() {
  int st = g_unw_state.load(std::memory_order_acquire);
  if (st != 0) return st == 1;
  void* lib = dlopen(HAK_LIBUNWIND_PATH, RTLD_NOW | RTLD_LOCAL);
  Unwinder u{};
  if (lib) {
    u.getcontext = reinterpret_cast<int (*)(void*)>(dlsym(lib, "unw_getcontext"));
    u.init_local = reinterpret_cast<int (*)(void*, void*)>(dlsym(lib, "unw_init_local"));
    u.step = reinterpret_cast<int (*)(void*)>(dlsym(lib, "unw_step"));
    u.get_reg = reinterpret_cast<int (*)(void*, int, uintptr_t*)>(dlsym(lib, "unw_get_reg"));
  }
  bool ok = u.getcontext && u.init_local && u.step && u.get_reg;
  if (ok)
    g_unw = u;
  else
    message("HAKMEM_SITE_DEPTH needs LLVM libunwind (%s): using return addresses",
            HAK_LIBUNWIND_PATH);
  g_unw_state.store(ok ? 1 : 2, std::memory_order_release);
  return ok;
}

// The frames from the caller (whose return address is ra) outwards; 0 if ra is not found.
int capture(void* ra, uintptr_t* frames, int depth) {
  alignas(16) uint8_t ctx[1024], cursor[1024];  // >= unw_context_t, unw_cursor_t
  if (g_unw.getcontext(ctx) != 0 || g_unw.init_local(cursor, ctx) != 0) return 0;
  int n = 0;
  bool found = false;
  for (int i = 0; i < 64 && n < depth; ++i) {
    uintptr_t ip = 0;
    if (g_unw.get_reg(cursor, -1 /* UNW_REG_IP */, &ip) != 0) break;
    if (!found && ip == reinterpret_cast<uintptr_t>(ra)) found = true;
    if (found) frames[n++] = ip;
    if (g_unw.step(cursor) <= 0) break;
  }
  return found ? n : 0;
}

// Per-thread memo of implicit keys, so a hot call site takes the lock once.
struct KeyCache {
  uint64_t key[64];
  uint16_t site[64];
};
HAK_TLS KeyCache* tl_keys = nullptr;
KeyCache g_key_caches[256];
std::atomic<uint32_t> g_key_caches_used{0};

}  // namespace

hak_site_t implicit_site(void* ra) {
  uintptr_t frames[kMaxFrames];
  int nf = 0;
  if (g_site_depth > 0 && unwinder_ready())
    nf = capture(ra, frames, g_site_depth < kMaxFrames ? g_site_depth : kMaxFrames);
  if (nf == 0) {
    frames[0] = reinterpret_cast<uintptr_t>(ra);
    nf = 1;
  }
  uint64_t key = 0xcbf29ce484222325ull;
  for (int i = 0; i < nf; ++i) key = (key ^ frames[i]) * 0x100000001b3ull;
  key |= 1;  // never 0 (an empty cache entry)

  KeyCache* kc = tl_keys;
  if (!kc) {
    uint32_t i = g_key_caches_used.fetch_add(1, std::memory_order_relaxed);
    if (i < 256) tl_keys = kc = &g_key_caches[i];  // later threads go to the table directly
  }
  size_t slot = key % 64;
  if (kc && kc->key[slot] == key) return kc->site[slot];

  pthread_mutex_lock(&g_sites_lock);
  hak_site_t id = 0;
  uint32_t h = hash_key(key);
  for (uint32_t i = 0; i < kBuckets; ++i) {
    uint16_t& b = g_key_buckets[(h + i) & (kBuckets - 1)];
    if (b == 0) {
      SiteInfo info{};
      info.implicit = 1;
      info.nframes = static_cast<uint8_t>(nf);
      info.key = key;
      memcpy(info.frames, frames, sizeof(uintptr_t) * static_cast<size_t>(nf));
      id = add_site(info);
      if (id != kSiteOther) b = static_cast<uint16_t>(id);
      break;
    }
    if (g_sites[b].key == key) {
      id = b;
      break;
    }
  }
  pthread_mutex_unlock(&g_sites_lock);
  if (id == 0) id = kSiteOther;
  if (kc) {
    kc->key[slot] = key;
    kc->site[slot] = static_cast<uint16_t>(id);
  }
  return id;
}

void sites_fork(int phase) {
  if (phase == 0)
    pthread_mutex_lock(&g_sites_lock);
  else if (phase == 1)
    pthread_mutex_unlock(&g_sites_lock);
  else
    pthread_mutex_init(&g_sites_lock, nullptr);
}

uint64_t site_overflow_count() { return g_site_overflow.load(std::memory_order_relaxed); }
uint32_t site_count() { return g_site_count.load(std::memory_order_acquire); }
bool site_is_implicit(hak_site_t s) { return s < site_count() && g_sites[s].implicit; }
uintptr_t site_return_address(hak_site_t s) {
  if (s >= site_count() || !g_sites[s].implicit || g_sites[s].nframes != 1) return 0;
  return g_sites[s].frames[0];
}
void site_location(hak_site_t s, const char** file, int* line) {
  *file = s < site_count() ? g_sites[s].file : "";
  *line = s < site_count() ? g_sites[s].line : 0;
}

namespace {

// "symbol+0x1c" (demangled) for one address, into buf.
void name_frame(uintptr_t ip, char* buf, size_t size) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(ip - 1), &info) && info.dli_sname) {
    // The C++ runtime's demangler when the process has one (libhakmem.so links no
    // libstdc++: a C program's symbols need none).
    using Demangle = char* (*)(const char*, char*, size_t*, int*);
    static std::atomic<void*> demangle{nullptr};
    static std::atomic<bool> looked{false};
    if (!looked.load(std::memory_order_acquire)) {
      demangle.store(dlsym(RTLD_DEFAULT, "__cxa_demangle"), std::memory_order_relaxed);
      looked.store(true, std::memory_order_release);
    }
    int status = -1;
    auto dm = reinterpret_cast<Demangle>(demangle.load(std::memory_order_relaxed));
    char* dem = dm ? dm(info.dli_sname, nullptr, nullptr, &status) : nullptr;
    const char* sym = status == 0 && dem ? dem : info.dli_sname;
    snprintf(buf, size, "%s+0x%lx", sym,
             static_cast<unsigned long>(ip - reinterpret_cast<uintptr_t>(info.dli_saddr)));
    free(dem);
  } else if (dladdr(reinterpret_cast<void*>(ip - 1), &info) && info.dli_fname) {
    const char* base = strrchr(info.dli_fname, '/');
    snprintf(buf, size, "%s+0x%lx", base ? base + 1 : info.dli_fname,
             static_cast<unsigned long>(ip - reinterpret_cast<uintptr_t>(info.dli_fbase)));
  } else {
    snprintf(buf, size, "0x%lx", static_cast<unsigned long>(ip));
  }
}

}  // namespace

}  // namespace hak

extern "C" {

HAK_API hak_site_t hak_site_register(const char* name, const char* file, int line) {
  using namespace hak;
  if (!name || !*name) return kSiteOther;
  size_t len = strnlen(name, 256);
  uint32_t h = hash_name(name);
  pthread_mutex_lock(&g_sites_lock);
  hak_site_t id = kSiteOther;
  for (uint32_t i = 0; i < kBuckets; ++i) {
    uint16_t& b = g_name_buckets[(h + i) & (kBuckets - 1)];
    if (b == 0) {
      const char* copy = intern(name, len);
      if (copy) {
        id = add_site(SiteInfo{copy, file ? file : "", line, 0, 0, 0, {}});
        if (id != kSiteOther) b = static_cast<uint16_t>(id);
      } else {
        g_site_overflow.fetch_add(1, std::memory_order_relaxed);
      }
      break;
    }
    if (strncmp(g_sites[b].name, name, len) == 0 && g_sites[b].name[len] == 0) {
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
  SiteInfo& s = g_sites[site];
  if (const char* n = __atomic_load_n(&s.name, __ATOMIC_ACQUIRE)) return n;
  // Name an implicit site: its frames, innermost first ("f+0x1c < g+0x22").
  ++tl_in_hook;  // demangling allocates: no sampling inside
  char buf[1024];
  size_t used = 0;
  for (int i = 0; i < s.nframes && used + 8 < sizeof buf; ++i) {
    if (i) used += static_cast<size_t>(snprintf(buf + used, sizeof buf - used, " < "));
    name_frame(s.frames[i], buf + used, sizeof buf - used);
    used = strlen(buf);
  }
  buf[sizeof buf - 1] = 0;
  pthread_mutex_lock(&g_sites_lock);
  if (!s.name) {
    const char* copy = intern(buf, strlen(buf));
    __atomic_store_n(&s.name, copy ? copy : "(names pool full)", __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&g_sites_lock);
  --tl_in_hook;
  return s.name;
}

}  // extern "C"
