#include "vm/mir/regalloc.h"

#include <algorithm>

namespace hako::mir {

namespace {

constexpr uint32_t kUnset = ~0u;

class Allocator {
 public:
  Allocator(const Function& fn, RegallocScratch& s, Allocation* out, Error* err)
      : fn_(fn), s_(s), out_(out), err_(err) {}

  bool run() {
    positions();
    if (nglobals_) liveness();
    s_.width.assign(fn_.nregs, 1);
    for (const Group& g : fn_.groups) {  // the group holds its pinned registers' intervals
      s_.width[g.base] = g.width;
      for (uint32_t k = 0; k < g.npinned; ++k) {
        Reg p = g.pinned[k];
        s_.pinned[p] = 1;
        if (s_.start[p] == kUnset) continue;
        if (s_.start[g.base] == kUnset || s_.start[p] < s_.start[g.base]) {
          s_.start[g.base] = s_.start[p];
        }
        if (s_.end[g.base] == kUnset || s_.end[p] > s_.end[g.base]) s_.end[g.base] = s_.end[p];
      }
    }
    return scan();
  }

 private:
  // A register appears at position p of block b.
  void occur(Reg r, uint32_t p, BlockId b, bool def) {
    if (s_.start[r] == kUnset) {
      s_.start[r] = s_.end[r] = p;
      s_.block[r] = b;
      s_.global[r] = !def;  // used before defined here: live on entry to the block
      return;
    }
    if (s_.block[r] != b) s_.global[r] = 1;
    if (p < s_.start[r]) s_.start[r] = p;
    if (p > s_.end[r]) s_.end[r] = p;
  }

  void positions() {
    size_t nr = fn_.nregs, nb = fn_.blocks.size();
    s_.start.assign(nr, kUnset);
    s_.end.assign(nr, kUnset);
    s_.block.assign(nr, 0);
    s_.global.assign(nr, 0);
    s_.pinned.assign(nr, 0);
    s_.bstart.assign(nb, 0);
    s_.bend.assign(nb, 0);
    uint32_t k = 0;
    for (BlockId b = 0; b < nb; ++b) {
      const Block& bl = fn_.blocks[b];
      if (bl.dead) continue;
      s_.bstart[b] = 2 * k;
      for (uint32_t i = bl.begin; i < bl.end; ++i) {
        const Instr& in = fn_.code[i];
        if (in.op == Op::Nop) continue;
        uint32_t use = 2 * k, def = (info(in.op).flags & kEarly) ? 2 * k : 2 * k + 1;
        for_each_use(fn_, in, [&](const Reg& r) { occur(r, use, b, false); });
        for_each_def(fn_, in, [&](const Reg& r) { occur(r, def, b, true); });
        ++k;
      }
      s_.bend[b] = 2 * k - 1;
    }
    s_.gidx.assign(nr, kUnset);
    nglobals_ = 0;
    s_.greg.clear();
    for (Reg r = 1; r < nr; ++r) {
      if (s_.global[r]) {
        s_.gidx[r] = nglobals_++;
        s_.greg.push_back(r);
      }
    }
  }

  // Backward dataflow over the registers that cross blocks:
  //   out(b) = union of in(s) over successors;  in(b) = use(b) | (out(b) - def(b)).
  void liveness() {
    size_t nb = fn_.blocks.size();
    words_ = (nglobals_ + 63) / 64;
    s_.live.assign(4 * nb * words_, 0);
    for (BlockId b = 0; b < nb; ++b) {
      const Block& bl = fn_.blocks[b];
      if (bl.dead) continue;
      uint64_t* use = set(b, kUse);
      uint64_t* def = set(b, kDef);
      for (uint32_t i = bl.begin; i < bl.end; ++i) {
        const Instr& in = fn_.code[i];
        for_each_use(fn_, in, [&](const Reg& r) {
          uint32_t g = s_.gidx[r];
          if (g != kUnset && !has(def, g)) put(use, g);
        });
        for_each_def(fn_, in, [&](const Reg& r) {
          uint32_t g = s_.gidx[r];
          if (g != kUnset) put(def, g);
        });
      }
    }
    bool changed = true;
    while (changed) {
      changed = false;
      for (size_t b = nb; b-- > 0;) {
        if (fn_.blocks[b].dead) continue;
        uint64_t* out = set(b, kOut);
        BlockId succ[2];
        uint32_t n = fn_.successors(static_cast<BlockId>(b), succ);
        for (uint32_t k = 0; k < n; ++k) {
          const uint64_t* in = set(succ[k], kIn);
          for (size_t w = 0; w < words_; ++w) out[w] |= in[w];
        }
        uint64_t* in = set(b, kIn);
        const uint64_t* use = set(b, kUse);
        const uint64_t* def = set(b, kDef);
        for (size_t w = 0; w < words_; ++w) {
          uint64_t v = use[w] | (out[w] & ~def[w]);
          if (v != in[w]) {
            in[w] = v;
            changed = true;
          }
        }
      }
    }
    // Widen the intervals over the blocks where they are live.
    for (BlockId b = 0; b < nb; ++b) {
      if (fn_.blocks[b].dead) continue;
      widen(set(b, kIn), s_.bstart[b], true);
      widen(set(b, kOut), s_.bend[b], false);
    }
  }

  void widen(const uint64_t* bits, uint32_t pos, bool at_start) {
    for (size_t w = 0; w < words_; ++w) {
      for (uint64_t v = bits[w]; v; v &= v - 1) {
        uint32_t g = static_cast<uint32_t>(w * 64) + static_cast<uint32_t>(__builtin_ctzll(v));
        Reg r = global_reg(g);
        if (at_start) {
          if (pos < s_.start[r]) s_.start[r] = pos;
        } else if (pos > s_.end[r]) {
          s_.end[r] = pos;
        }
      }
    }
  }

  Reg global_reg(uint32_t g) { return s_.greg[g]; }

  enum { kIn, kOut, kUse, kDef };
  uint64_t* set(size_t b, int which) { return &s_.live[(4 * b + which) * words_]; }
  static bool has(const uint64_t* s, uint32_t g) { return s[g / 64] >> (g % 64) & 1; }
  static void put(uint64_t* s, uint32_t g) { s[g / 64] |= uint64_t{1} << (g % 64); }

  // Linear scan, as one sweep over the positions: intervals are bucketed by their start and
  // by their end (no sorting, no scanning of the active set). At position p, first the
  // intervals that ended before p give their slots back, then those starting at p take the
  // lowest free ones, in register order (so parameters come first).
  bool scan() {
    uint32_t npos = 0;
    for (Reg r = 1; r < fn_.nregs; ++r) {
      if (s_.start[r] != kUnset && s_.end[r] + 1 > npos) npos = s_.end[r] + 1;
    }
    auto& starts = s_.starts;  // head of the list of registers starting at p (0: none)
    auto& ends = s_.ends;
    auto& next = s_.next;  // next[2r]: the next register starting where r does; [2r+1] ending
    starts.assign(npos + 1, 0);
    ends.assign(npos + 1, 0);
    next.assign(2 * size_t{fn_.nregs}, 0);
    for (Reg r = fn_.nregs; r-- > 1;) {  // pushed from the top: each list in register order
      if (s_.start[r] == kUnset || s_.pinned[r]) continue;
      next[2 * r] = starts[s_.start[r]];
      starts[s_.start[r]] = r;
    }
    out_->slot.assign(fn_.nregs, kNoSlot);
    out_->nslots = 0;
    uint64_t free_bits[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    for (uint32_t p = 0; p < npos; ++p) {
      if (p > 0) {
        for (Reg a = ends[p - 1]; a; a = next[2 * a + 1])
          release(free_bits, out_->slot[a], width(a));
      }
      for (Reg r = starts[p]; r; r = next[2 * r]) {
        uint32_t w = width(r);
        uint32_t slot;
        if (r <= fn_.nparams && (free_bits[(r - 1) / 64] >> ((r - 1) % 64) & 1)) {
          slot = r - 1;  // where the argument arrives (always free if the argument is read)
        } else {
          slot = find_free(free_bits, w);
          if (slot == kUnset) return too_many();
        }
        for (uint32_t k = 0; k < w; ++k) free_bits[(slot + k) / 64] &= ~(1ull << ((slot + k) % 64));
        out_->slot[r] = static_cast<uint8_t>(slot);
        if (slot + w > out_->nslots) out_->nslots = slot + w;
        uint32_t e = s_.end[r];
        next[2 * r + 1] = ends[e];
        ends[e] = r;
      }
    }
    for (const Group& g : fn_.groups) {
      uint8_t base = out_->slot[g.base];
      for (uint32_t k = 0; k < g.npinned; ++k) {
        out_->slot[g.pinned[k]] =
            base == kNoSlot ? kNoSlot : static_cast<uint8_t>(base + g.offset[k]);
      }
    }
    return true;
  }

  uint32_t width(Reg r) const { return s_.width[r]; }

  static void release(uint64_t* bits, uint32_t slot, uint32_t w) {
    for (uint32_t k = 0; k < w; ++k) bits[(slot + k) / 64] |= 1ull << ((slot + k) % 64);
  }

  // The lowest slot s with s..s+w-1 free and below kMaxSlots, or kUnset.
  static uint32_t find_free(const uint64_t* bits, uint32_t w) {
    if (w == 1) {
      for (uint32_t i = 0; i < 4; ++i) {
        if (bits[i]) {
          uint32_t s = i * 64 + static_cast<uint32_t>(__builtin_ctzll(bits[i]));
          return s < kMaxSlots ? s : kUnset;
        }
      }
      return kUnset;
    }
    for (uint32_t s = 0; s + w <= kMaxSlots;) {
      uint32_t k = 0;
      while (k < w && (bits[(s + k) / 64] >> ((s + k) % 64) & 1)) ++k;
      if (k == w) return s;
      s += k + 1;
    }
    return kUnset;
  }

  bool too_many() {
    std::string_view name = fn_.name.empty() ? std::string_view("function") : fn_.name;
    err_->set(fn_.line, fn_.col, 0,
              "'%.*s' needs more than %u registers at once: split it into smaller functions",
              static_cast<int>(name.size()), name.data(), kMaxSlots);
    return false;
  }

  const Function& fn_;
  RegallocScratch& s_;
  Allocation* out_;
  Error* err_;
  uint32_t nglobals_ = 0;
  size_t words_ = 0;
};

}  // namespace

bool allocate_registers(const Function& fn, RegallocScratch& s, Allocation* out, Error* err) {
  return Allocator(fn, s, out, err).run();
}

}  // namespace hako::mir
