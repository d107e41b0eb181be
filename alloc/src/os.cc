// The OS layer: aligned mappings, purging, the segment map, time, randomness and messages
// that never allocate.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc/src/internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

namespace hak {

uint8_t g_segmap[kSegmapSize];
Page* const* g_slice_map[kSegmapSize];
std::atomic<size_t> g_mapped_bytes, g_segments, g_large_blocks, g_purged_bytes, g_large_live_bytes;

namespace {

// Aligned mappings are first tried at a hint that walks up a region of the address space
// reserved by convention (as mimalloc does), so most cost one mmap instead of three.
constexpr uintptr_t kHintStart = uintptr_t{32} << 40;  // 32 TiB
constexpr uintptr_t kHintEnd = uintptr_t{64} << 40;
std::atomic<uintptr_t> g_hint{0};

uintptr_t next_hint(size_t size) {
  uintptr_t h = g_hint.load(std::memory_order_relaxed);
  for (;;) {
    if (h == 0 || h + size > kHintEnd) {
      // First use (or wrap-around): start at a random granule of the first TiB.
      uintptr_t start = kHintStart + ((random_u64() % 32768) << kSegmentShift);
      if (g_hint.compare_exchange_weak(h, start + size, std::memory_order_relaxed)) return start;
      continue;
    }
    if (g_hint.compare_exchange_weak(h, h + size, std::memory_order_relaxed)) return h;
  }
}

void* map_raw(void* addr, size_t size, int extra) {
  void* p = mmap(addr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | extra, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

#if defined(__SANITIZE_THREAD__)
constexpr bool kUseHints = false;  // ThreadSanitizer owns that part of the address space
#else
constexpr bool kUseHints = true;
#endif

void* os_map_aligned(size_t size, size_t alignment) {
  if (kUseHints && alignment == kSegmentSize && size < (uintptr_t{1} << 40)) {
    size_t span = (size + kSegmentMask) & ~kSegmentMask;
    uintptr_t hint = next_hint(span);
    void* p = map_raw(reinterpret_cast<void*>(hint), size, MAP_FIXED_NOREPLACE);
    if (p == reinterpret_cast<void*>(hint)) {
      g_mapped_bytes.fetch_add(size, std::memory_order_relaxed);
      return p;
    }
    if (p) munmap(p, size);  // an old kernel took the flag as a mere hint
  }
  // Over-map and trim to the alignment.
  if (size + alignment < size) return nullptr;
  uint8_t* raw = static_cast<uint8_t*>(map_raw(nullptr, size + alignment, 0));
  if (!raw) return nullptr;
  uintptr_t r = reinterpret_cast<uintptr_t>(raw);
  uintptr_t a = (r + alignment - 1) & ~(alignment - 1);
  if (a > r) munmap(raw, a - r);
  size_t tail = (r + size + alignment) - (a + size);
  if (tail) munmap(reinterpret_cast<void*>(a + size), tail);
  g_mapped_bytes.fetch_add(size, std::memory_order_relaxed);
  return reinterpret_cast<void*>(a);
}

void os_populate(void* p, size_t size) {
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  if (madvise(p, size, MADV_POPULATE_WRITE) == 0) return;
  // Kernels before 5.14: touch every page.
  for (size_t off = 0; off < size; off += kOsPage) static_cast<volatile uint8_t*>(p)[off] = 0;
}

void os_unmap(void* p, size_t size) {
  if (munmap(p, size) != 0) fatal("munmap(%p, %zu) failed (errno %d)", p, size, errno);
  g_mapped_bytes.fetch_sub(size, std::memory_order_relaxed);
  g_purged_bytes.fetch_add(size, std::memory_order_relaxed);
}

void os_purge(void* p, size_t size) {
  // MADV_DONTNEED (not MADV_FREE): RSS falls at once, and the pages read back as zero.
  madvise(p, size, MADV_DONTNEED);
  g_purged_bytes.fetch_add(size, std::memory_order_relaxed);
}

void os_hugepage(void* p, size_t size, bool on) {
#ifdef MADV_HUGEPAGE
  madvise(p, size, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
  (void)p, (void)size, (void)on;
#endif
}

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

void segmap_set(uintptr_t base, size_t size, uint8_t kind) {
  size_t g = base >> kSegmentShift;
  size_t n = (size + kSegmentMask) >> kSegmentShift;
  for (size_t i = 0; i < n && g + i < kSegmapSize; ++i) {
    uint8_t v = kind == kMapNone ? 0
                : i == 0         ? kind
                                 : static_cast<uint8_t>(i + 2 > 255 ? 255 : i + 2);
    __atomic_store_n(&g_segmap[g + i], v, __ATOMIC_RELEASE);
  }
  if (g < kSegmapSize && (kind == kMapSegment || g_slice_map[g] != nullptr)) {
    Page* const* t = nullptr;
    if (kind == kMapSegment) {
      auto* s = reinterpret_cast<const Segment*>(base);
      t = s->slice_page - (base >> kSliceShift);
    }
    __atomic_store_n(&g_slice_map[g], t, __ATOMIC_RELEASE);
  }
}

uint64_t random_u64() {
  uint64_t x = 0;
  if (getrandom(&x, sizeof x, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof x)) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x = static_cast<uint64_t>(ts.tv_nsec) ^ (reinterpret_cast<uintptr_t>(&x) << 16) ^
        static_cast<uint64_t>(getpid());
  }
  // splitmix64 finalizer: spread whatever entropy we got over all bits.
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// ---- Messages: a tiny formatter (%s %p %d %u %x, %zu %lu %lx, %%) over write(2) ---------

namespace {

struct Buf {
  char data[512];
  size_t len = 0;
  void put(char c) {
    if (len < sizeof data - 1) data[len++] = c;
  }
  void puts(const char* s) {
    for (; s && *s; ++s) put(*s);
  }
  void number(unsigned long long v, unsigned base) {
    char tmp[32];
    int i = 0;
    do {
      tmp[i++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v);
    while (i) put(tmp[--i]);
  }
};

void vformat(Buf& b, const char* fmt, va_list ap) {
  for (const char* f = fmt; *f; ++f) {
    if (*f != '%') {
      b.put(*f);
      continue;
    }
    ++f;
    bool wide = *f == 'z' || *f == 'l';  // %zu, %lu, %lx: 64-bit arguments
    if (wide) ++f;
    switch (*f) {
      case 's':
        b.puts(va_arg(ap, const char*));
        break;
      case 'p':
        b.puts("0x");
        b.number(reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16);
        break;
      case 'u':
        b.number(wide ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10);
        break;
      case 'x':
        b.number(wide ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16);
        break;
      case 'd': {
        long v = wide ? va_arg(ap, long) : va_arg(ap, int);
        if (v < 0) b.put('-');
        b.number(
            v < 0 ? 0ull - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v),
            10);
        break;
      }
      case '%':
        b.put('%');
        break;
      default:
        b.put('?');
        break;
    }
  }
}

// "hakmem: <message>\n" on stderr, in one write.
void vmessage(const char* fmt, va_list ap) {
  Buf b;
  b.puts("hakmem: ");
  vformat(b, fmt, ap);
  b.put('\n');
  os_write_all(2, b.data, b.len);
}

}  // namespace

bool expand_path(const char* in, char* out, size_t cap) {
  size_t k = 0;
  auto put = [&](const char* p, size_t n) {
    if (k + n >= cap) return false;
    memcpy(out + k, p, n);
    k += n;
    return true;
  };
  for (const char* p = in; *p; ++p) {
    bool ok;
    if (p[0] == '%' && p[1] == 'p') {
      char num[24];
      int n = snprintf(num, sizeof num, "%d", static_cast<int>(getpid()));
      ok = put(num, static_cast<size_t>(n));
      ++p;
    } else if (p[0] == '%' && p[1] == 'e') {
      const char* e = program_invocation_short_name;
      ok = put(e, strlen(e));
      ++p;
    } else if (p[0] == '%' && p[1] == '%') {
      ok = put("%", 1);
      ++p;
    } else {
      ok = put(p, 1);
    }
    if (!ok) {
      message("%s is longer than %zu bytes once expanded: not used", in, cap - 1);
      return false;
    }
  }
  out[k] = 0;
  return true;
}

bool os_is_special(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

bool os_write_all(int fd, const char* p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void message(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(fmt, ap);
  va_end(ap);
}

void fatal(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(fmt, ap);
  va_end(ap);
  abort();
}

}  // namespace hak
