// Strings: hashing, the table of interned short strings, creation.
#include <cstring>

#include "vm/runtime.h"

namespace hako::vm {

namespace {

uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint64_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t mum(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
constexpr uint64_t kP0 = 0xa0761d6478bd642full, kP1 = 0xe7037ed1a0b428dbull,
                   kP2 = 0x8ebc6af09c88c6e3ull;

}  // namespace

// wyhash's structure (multiply-fold of 64-bit words): short strings, the common keys, cost
// a few loads and two multiplications.
uint32_t Runtime::hash_bytes(const char* p, size_t n) const {
  uint64_t seed = opt_.hash_seed ^ kP0;
  uint64_t a = 0, b = 0;
  if (n <= 16) {
    if (n >= 4) {
      size_t q = (n >> 3) << 2;
      a = (load32(p) << 32) | load32(p + q);
      b = (load32(p + n - 4) << 32) | load32(p + n - 4 - q);
    } else if (n > 0) {
      a = (uint64_t{static_cast<uint8_t>(p[0])} << 16) |
          (uint64_t{static_cast<uint8_t>(p[n >> 1])} << 8) | static_cast<uint8_t>(p[n - 1]);
    }
  } else {
    size_t i = n;
    if (i > 48) {
      uint64_t s1 = seed, s2 = seed;
      do {
        seed = mum(load64(p) ^ kP1, load64(p + 8) ^ seed);
        s1 = mum(load64(p + 16) ^ kP2, load64(p + 24) ^ s1);
        s2 = mum(load64(p + 32) ^ kP0, load64(p + 40) ^ s2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= s1 ^ s2;
    }
    while (i > 16) {
      seed = mum(load64(p) ^ kP1, load64(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = load64(p + i - 16);
    b = load64(p + i - 8);
  }
  return static_cast<uint32_t>(mum(kP1 ^ n, mum(a ^ kP1, b ^ seed)));
}

uint32_t Runtime::hash_long(String* s) {
  s->extra = hash_bytes(s->data(), s->lnglen);
  s->flags |= kStrHashed;
  return s->extra;
}

void Runtime::strtab_grow() {
  uint32_t size = strtab_size_ * 2;
  auto* t = static_cast<String**>(raw_alloc(strtab_bytes(size), HAK_SITE("vm.strtab"), false));
  if (!t) return;  // longer chains, still correct
  std::memset(t, 0, strtab_bytes(size));
  for (uint32_t i = 0; i < strtab_size_; ++i) {
    for (String* s = strtab_[i]; s;) {
      String* next = s->hnext;
      String** b = &t[s->extra & (size - 1)];
      s->hnext = *b;
      *b = s;
      s = next;
    }
  }
  free(strtab_, strtab_bytes(strtab_size_));
  strtab_ = t;
  strtab_size_ = size;
}

void Runtime::strtab_remove(String* s) {
  String** p = &strtab_[s->extra & (strtab_size_ - 1)];
  while (*p != s) p = &(*p)->hnext;
  *p = s->hnext;
  --strtab_count_;
}

String* Runtime::intern(std::string_view text, uint32_t h) {
  for (String* s = strtab_[h & (strtab_size_ - 1)]; s; s = s->hnext)
    if (s->extra == h && s->aux == text.size() &&
        std::memcmp(s->data(), text.data(), text.size()) == 0)
      return s;
  // Grow before allocating: the collection an allocation may run edits the chains.
  if (strtab_count_ >= strtab_size_) strtab_grow();
  auto* s = static_cast<String*>(
      alloc_object(sizeof(String) + text.size() + 1, kString, HAK_SITE("vm.string")));
  if (!s) return nullptr;
  s->flags = kStrShort;
  s->aux = static_cast<uint8_t>(text.size());
  s->extra = h;
  if (!text.empty()) std::memcpy(s->data(), text.data(), text.size());
  s->data()[text.size()] = '\0';
  String** b = &strtab_[h & (strtab_size_ - 1)];
  s->hnext = *b;
  *b = s;
  ++strtab_count_;
  return s;
}

String* Runtime::new_string(std::string_view text) {
  if (text.size() <= kShortString) return intern(text, hash_bytes(text.data(), text.size()));
  String* s = new_long_string(text.size());
  if (s) std::memcpy(s->data(), text.data(), text.size());
  return s;
}

String* Runtime::new_long_string(size_t n) {
  HAKO_VM_ASSERT(n > kShortString);  // short strings must be interned: new_string
  if (n > (SIZE_MAX >> 2)) {
    oom();
    return nullptr;
  }
  auto* s =
      static_cast<String*>(alloc_object(sizeof(String) + n + 1, kString, HAK_SITE("vm.string")));
  if (!s) return nullptr;
  s->lnglen = n;
  s->data()[n] = '\0';
  return s;
}

}  // namespace hako::vm
