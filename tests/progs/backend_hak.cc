// Linked with libhakmem.a. Prints which backend serves hak_* and who owns a block, so a
// script can check HAKMEM_BACKEND=system together with an LD_PRELOAD peer.
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "hakmem.h"

int main() {
  void* p = hak_malloc(100);
  void* q = hak_calloc(10, 10);
  q = hak_realloc(q, 5000);
  void* a = hak_aligned_alloc(256, 1000);
  if (!p || !q || !a || reinterpret_cast<uintptr_t>(a) % 256) return 1;
  // With the system backend, malloc_usable_size (the process's) must know these blocks.
  size_t u = strcmp(hak_backend(), "system") == 0 ? malloc_usable_size(p) : hak_usable_size(p);
  // mimalloc, when preloaded, can say whether a pointer is its own.
  auto mi_check =
      reinterpret_cast<bool (*)(const void*)>(dlsym(RTLD_DEFAULT, "mi_is_in_heap_region"));
  printf("backend=%s usable_ok=%d mimalloc_owns=%s\n", hak_backend(), u >= 100,
         mi_check ? (mi_check(p) ? "yes" : "no") : "n/a");
  hak_free(p);
  hak_free(q);
  hak_free(a);
  return 0;
}
