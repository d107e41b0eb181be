// Allocates, then overwrites its environment's strings in place, as redis-server does when
// it sets its process title (the strings are reused as the title's buffer). Settings hakmem
// reads at exit (HAKMEM_REPORT, HAKMEM_PROFILE) must have been copied at start-up.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

int main() {
  void* keep[64];
  for (int i = 0; i < 64; ++i) keep[i] = malloc(32 + i * 100);
  for (char** e = environ; *e; ++e) memset(*e, 'x', strlen(*e));
  for (void* p : keep) free(p);
  puts("clobbered");
  return 0;
}
