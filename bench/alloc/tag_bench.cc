// The tagged fast path against the plain one, through hakmem's own API (linked, not
// preloaded: the same calls for both): pairs of hak_free and hak_malloc, or of hak_free
// and hak_alloc_at with one tag, of 16-256 B, each replacing a random slot of 1,024 live
// blocks; nothing is written. The loops are C symbols for
// `valgrind --tool=callgrind --toggle-collect='tag_pairs_loop_*'` (bench/alloc/run.py
// --instructions); `null` runs the loop without the calls (its own instructions).
//
//   tag_bench plain|tagged|null [--ops N]
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hakmem.h"

namespace {

enum Mode { kPlain, kTagged, kNull };

struct Rng {  // the same generator and sizes as alloc_bench's pairs
  uint64_t s;
  uint64_t next() {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return s;
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

}  // namespace

// One loop per mode, the same code but for the call (a mode test inside one loop would
// put different instructions around the two calls).
#define TAG_PAIRS_LOOP(name, CALL)                                                        \
  extern "C" __attribute__((noinline)) uint64_t name(void** slots, size_t live,            \
                                                     uint64_t ops, hak_site_t site) {      \
    Rng rng{0x9E3779B97F4A7C15ull};                                                       \
    uint64_t sum = 0;                                                                     \
    for (uint64_t i = 0; i < ops; ++i) {                                                  \
      void*& s = slots[rng.below(live)];                                                  \
      size_t n = 16 + rng.below(241);                                                     \
      CALL;                                                                               \
      sum += reinterpret_cast<uintptr_t>(s) >> 4;                                         \
    }                                                                                     \
    (void)site;                                                                           \
    return sum;                                                                           \
  }
TAG_PAIRS_LOOP(tag_pairs_loop_plain, (hak_free(s), s = hak_malloc(n)))
TAG_PAIRS_LOOP(tag_pairs_loop_tagged, (hak_free(s), s = hak_alloc_at(n, site)))
TAG_PAIRS_LOOP(tag_pairs_loop_null, __asm__ volatile("" : "+r"(s) : "r"(n)))

int main(int argc, char** argv) {
  Mode mode = kPlain;
  uint64_t ops = 10'000'000;
  if (argc < 2) {
    fprintf(stderr, "usage: tag_bench plain|tagged|null [--ops N]\n");
    return 2;
  }
  if (!strcmp(argv[1], "tagged"))
    mode = kTagged;
  else if (!strcmp(argv[1], "null"))
    mode = kNull;
  else if (strcmp(argv[1], "plain") != 0) {
    fprintf(stderr, "tag_bench: mode %s is not plain, tagged or null\n", argv[1]);
    return 2;
  }
  if (argc == 4 && !strcmp(argv[2], "--ops")) {
    char* end = nullptr;
    ops = strtoull(argv[3], &end, 10);
    if (!end || *end || ops == 0) {
      fprintf(stderr, "tag_bench: --ops %s is not a positive number\n", argv[3]);
      return 2;
    }
  } else if (argc != 2) {
    fprintf(stderr, "usage: tag_bench plain|tagged|null [--ops N]\n");
    return 2;
  }
  constexpr size_t kLive = 1024;
  hak_site_t site = HAK_SITE("bench.tagged");
  static void* slots[kLive];
  Rng rng{42};
  for (void*& s : slots) s = mode == kTagged ? hak_alloc_at(16 + rng.below(241), site)
                                             : hak_malloc(16 + rng.below(241));
  uint64_t sum = mode == kTagged ? tag_pairs_loop_tagged(slots, kLive, ops, site)
                 : mode == kPlain ? tag_pairs_loop_plain(slots, kLive, ops, site)
                                  : tag_pairs_loop_null(slots, kLive, ops, site);
  for (void* s : slots) hak_free(s);
  printf("{\"workload\":\"tag_pairs\",\"mode\":\"%s\",\"ops\":%llu,\"backend\":\"%s\","
         "\"check\":%llu}\n",
         argv[1], static_cast<unsigned long long>(ops), hak_backend(),
         static_cast<unsigned long long>(sum & 0xffffffffff));
  return 0;
}
