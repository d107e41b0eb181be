// Plain malloc from two functions (run under LD_PRELOAD=libhakmem.so): 12,345 blocks of
// 48 B from one, kept, half of them freed; 777 blocks of 200,000 B from the other, each
// freed at once. With HAKMEM_SAMPLE=all the report must count both exactly (issue 16).
#include <stdio.h>
#include <stdlib.h>

namespace {

__attribute__((noinline)) void* alpha_site(size_t n) {
  void* p = malloc(n);
  __asm__ volatile("" ::: "memory");
  return p;
}
// (Not the same code as alpha_site: g++'s identical code folding would make the two
// functions one, and their return addresses one site.)
__attribute__((noinline)) void* beta_site(size_t n) {
  void* p = malloc(n);
  __asm__ volatile("nop" ::: "memory");
  return p;
}

}  // namespace

int main() {
  static void* keep[12345];
  for (void*& p : keep) p = alpha_site(48);
  for (int i = 0; i < 777; ++i) free(beta_site(200000));
  for (int i = 0; i < 12345; i += 2) free(keep[i]);
  puts("done");
  return 0;
}
