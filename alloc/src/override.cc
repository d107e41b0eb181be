// libhakmem.so only: hakmem becomes the process's malloc. Every entry point of the malloc
// family and every operator new/delete is replaced, from the first allocation on.
#include <errno.h>
#include <stddef.h>

#include <dlfcn.h>

#include <atomic>
#include <new>

#include "alloc/src/fastpath.h"

using namespace hak;

extern "C" {

HAK_API int hak_override_active = 1;

HAK_API void* malloc(size_t n) { return alloc_fast(n, HAK_RA); }
HAK_API void free(void* p) { free_fast(p); }
HAK_API void cfree(void* p) { free_fast(p); }
HAK_API void* calloc(size_t c, size_t n) { return calloc_impl(c, n, 0, HAK_RA); }
HAK_API void* realloc(void* p, size_t n) { return realloc_impl(p, n, 0, HAK_RA); }

HAK_API void* reallocarray(void* p, size_t c, size_t n) {
  size_t total;
  if (__builtin_mul_overflow(c, n, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc_impl(p, total, 0, HAK_RA);
}

HAK_API void* aligned_alloc(size_t a, size_t n) { return aligned_impl(a, n, 0, HAK_RA); }

namespace {
// As glibc: a non-power-of-two alignment is rounded up; tiny ones mean "any".
void* memalign_impl(size_t a, size_t n, void* ra) {
  if (a <= 16) return aligned_impl(16, n, 0, ra);
  if (a & (a - 1)) {
    if (a > (SIZE_MAX >> 1)) {
      errno = EINVAL;
      return nullptr;
    }
    a = size_t{1} << (64 - __builtin_clzll(a));
  }
  return aligned_impl(a, n, 0, ra);
}
}  // namespace

HAK_API void* memalign(size_t a, size_t n) { return memalign_impl(a, n, HAK_RA); }

HAK_API int posix_memalign(void** out, size_t a, size_t n) {
  if (a == 0 || (a & (a - 1)) || a % sizeof(void*) != 0) return EINVAL;
  int saved = errno;
  void* p = aligned_impl(a, n, 0, HAK_RA);
  if (!p) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

HAK_API void* valloc(size_t n) { return aligned_impl(4096, n, 0, HAK_RA); }

HAK_API void* pvalloc(size_t n) {
  size_t r = (n + 4095) & ~size_t{4095};
  if (r < n) {
    errno = ENOMEM;
    return nullptr;
  }
  return aligned_impl(4096, r ? r : 4096, 0, HAK_RA);
}

HAK_API size_t malloc_usable_size(void* p) { return usable_size(p); }

// glibc's internal names, which some programs and libraries call directly.
HAK_API void* __libc_malloc(size_t n) { return alloc_fast(n, HAK_RA); }
HAK_API void __libc_free(void* p) { free_fast(p); }
HAK_API void* __libc_calloc(size_t c, size_t n) { return calloc_impl(c, n, 0, HAK_RA); }
HAK_API void* __libc_realloc(void* p, size_t n) { return realloc_impl(p, n, 0, HAK_RA); }
HAK_API void* __libc_memalign(size_t a, size_t n) { return memalign_impl(a, n, HAK_RA); }
HAK_API void* __libc_valloc(size_t n) { return valloc(n); }
HAK_API void* __libc_pvalloc(size_t n) { return pvalloc(n); }
HAK_API int __posix_memalign(void** out, size_t a, size_t n) { return posix_memalign(out, a, n); }

}  // extern "C"

// ---- operator new / delete ---------------------------------------------------------------

namespace {

// The C++ runtime's own functions, found when first needed: libhakmem.so links nothing but
// libc (a preloaded library's dependencies are loaded into every process, C programs
// too), and a program that calls operator new has libstdc++ loaded already.
template <class F>
F runtime_function(std::atomic<void*>& cache, const char* name) {
  void* f = cache.load(std::memory_order_acquire);
  if (!f) {
    f = dlsym(RTLD_DEFAULT, name);
    cache.store(f, std::memory_order_release);
  }
  return reinterpret_cast<F>(f);
}

std::new_handler current_new_handler() {
  static std::atomic<void*> cache{nullptr};
  auto get = runtime_function<std::new_handler (*)()>(cache, "_ZSt15get_new_handlerv");
  return get ? get() : nullptr;
}

[[noreturn]] void throw_bad_alloc(size_t n) {
  static std::atomic<void*> cache{nullptr};
  auto raise = runtime_function<void (*)()>(cache, "_ZSt17__throw_bad_allocv");
  if (raise) raise();  // std::__throw_bad_alloc: does not return
  fatal("operator new(%zu): out of memory, and no C++ runtime to throw std::bad_alloc", n);
}

// Out of memory: the new-handler's turn, then std::bad_alloc (or NULL for nothrow). A
// handler that throws from a nothrow new propagates (this file is built without
// exceptions, so nothing here catches).
HAK_NOINLINE void* new_slow(size_t n, size_t align, bool nothrow, void* ra) {
  for (;;) {
    void* p = align ? aligned_impl(align, n, 0, ra) : alloc_fast(n, ra);
    if (p) return p;
    std::new_handler handler = current_new_handler();
    if (!handler) {
      if (nothrow) return nullptr;
      throw_bad_alloc(n);
    }
    handler();
  }
}

#define HAK_NEW_FAST(n, nothrow)                                             \
  do {                                                                       \
    void* p_ = alloc_fast(n, HAK_RA);                                        \
    return HAK_LIKELY(p_ != nullptr) ? p_ : new_slow(n, 0, nothrow, HAK_RA); \
  } while (0)

}  // namespace

HAK_API void* operator new(size_t n) { HAK_NEW_FAST(n, false); }
HAK_API void* operator new[](size_t n) { HAK_NEW_FAST(n, false); }
HAK_API void* operator new(size_t n, const std::nothrow_t&) noexcept { HAK_NEW_FAST(n, true); }
HAK_API void* operator new[](size_t n, const std::nothrow_t&) noexcept { HAK_NEW_FAST(n, true); }
HAK_API void* operator new(size_t n, std::align_val_t a) {
  return new_slow(n, static_cast<size_t>(a), false, HAK_RA);
}
HAK_API void* operator new[](size_t n, std::align_val_t a) {
  return new_slow(n, static_cast<size_t>(a), false, HAK_RA);
}
HAK_API void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_slow(n, static_cast<size_t>(a), true, HAK_RA);
}
HAK_API void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_slow(n, static_cast<size_t>(a), true, HAK_RA);
}

HAK_API void operator delete(void* p) noexcept { free_fast(p); }
HAK_API void operator delete[](void* p) noexcept { free_fast(p); }
HAK_API void operator delete(void* p, size_t) noexcept { free_fast(p); }
HAK_API void operator delete[](void* p, size_t) noexcept { free_fast(p); }
HAK_API void operator delete(void* p, const std::nothrow_t&) noexcept { free_fast(p); }
HAK_API void operator delete[](void* p, const std::nothrow_t&) noexcept { free_fast(p); }
HAK_API void operator delete(void* p, std::align_val_t) noexcept { free_fast(p); }
HAK_API void operator delete[](void* p, std::align_val_t) noexcept { free_fast(p); }
HAK_API void operator delete(void* p, size_t, std::align_val_t) noexcept { free_fast(p); }
HAK_API void operator delete[](void* p, size_t, std::align_val_t) noexcept { free_fast(p); }
HAK_API void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  free_fast(p);
}
HAK_API void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  free_fast(p);
}
