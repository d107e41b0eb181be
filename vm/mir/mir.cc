#include "vm/mir/mir.h"

#include <algorithm>
#include <cstring>

namespace hako::mir {

const OpInfo kOpInfo[] = {
#define HAKO_MIR_INFO(name, text, d, a, b, c, flags) \
  {text, Field::d, Field::a, Field::b, Field::c, flags},
    HAKO_MIR_OPS(HAKO_MIR_INFO)
#undef HAKO_MIR_INFO
};

const char* cmp_text(Cmp c) {
  static const char* const texts[] = {"eq", "lt", "le", "gt", "ge"};
  return texts[static_cast<int>(c)];
}

// ---- Constants ----------------------------------------------------------------------------

namespace {

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  return mix(h ^ w);
}

uint64_t bits(const Const& c) {
  uint64_t b = 0;
  if (c.kind == Const::Kind::Int) {
    b = static_cast<uint64_t>(c.i);
  } else if (c.kind == Const::Kind::Float) {
    std::memcpy(&b, &c.f, 8);
  }
  return b;
}

uint64_t hash(const Const& c) {
  if (c.kind == Const::Kind::String) return hash_bytes(c.s, c.len);
  return mix(bits(c) * 31 + static_cast<uint64_t>(c.kind) + 1);
}

bool same(const Const& x, const Const& y) {
  if (x.kind != y.kind) return false;
  if (x.kind == Const::Kind::String) return x.str() == y.str();
  return bits(x) == bits(y);
}

}  // namespace

uint32_t ConstPool::add(const Const& c) {
  if ((items_.size() + 1) * 2 > index_.size()) rehash(index_.empty() ? 64 : index_.size() * 2);
  size_t mask = index_.size() - 1;
  for (size_t h = hash(c) & mask;; h = (h + 1) & mask) {
    uint32_t slot = index_[h];
    if (slot == 0) {
      items_.push_back(c);
      index_[h] = static_cast<uint32_t>(items_.size());
      return static_cast<uint32_t>(items_.size() - 1);
    }
    if (same(items_[slot - 1], c)) return slot - 1;
  }
}

void ConstPool::rehash(size_t cap) {
  index_.assign(cap, 0);
  size_t mask = cap - 1;
  for (uint32_t i = 0; i < items_.size(); ++i) {
    size_t h = hash(items_[i]) & mask;
    while (index_[h] != 0) h = (h + 1) & mask;
    index_[h] = i + 1;
  }
}

void ConstPool::clear() {
  items_.clear();
  if (index_.size() > 64) {
    // A big table left by a big function would make every small one pay for clearing it.
    index_.assign(64, 0);
  } else {
    std::fill(index_.begin(), index_.end(), 0);
  }
}

// ---- Functions ----------------------------------------------------------------------------

void Function::clear() {
  code.clear();
  blocks.clear();
  lists.clear();
  consts.clear();
  groups.clear();
  upvals.clear();
  nregs = 1;
  nparams = 0;
  nchildren = 0;
  name = {};
  line = col = 0;
}

uint32_t Function::add_list(const Reg* regs, uint32_t n) {
  auto start = static_cast<uint32_t>(lists.size());
  lists.insert(lists.end(), regs, regs + n);
  return start;
}

BlockId Function::new_block() {
  blocks.push_back(Block{});
  return static_cast<BlockId>(blocks.size() - 1);
}

uint32_t Function::successors(BlockId b, BlockId out[2]) const {
  const Instr& t = terminator(b);
  switch (t.op) {
    case Op::Jmp:
      out[0] = t.d;
      return 1;
    case Op::Test:
    case Op::Br:
      out[0] = t.d;
      out[1] = t.c;
      return out[0] == out[1] ? 1 : 2;
    case Op::ForPrep:
    case Op::ForLoop:
    case Op::IterNext:
      out[0] = t.b;
      out[1] = t.c;
      return out[0] == out[1] ? 1 : 2;
    default:
      return 0;
  }
}

}  // namespace hako::mir
