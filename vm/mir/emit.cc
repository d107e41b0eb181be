#include "vm/mir/emit.h"

#include <cmath>
#include <cstring>
#include <new>

#include "vm/mir/globals.h"

namespace hako::mir {

const char* StringPool::intern(std::string_view s) {
  if (s.empty()) return "";  // never copied (and a view of "" may have no data at all)
  if ((count_ + 1) * 2 > table_.size()) {
    Vec<Entry, "mir.const"> old;
    old.swap(table_);
    table_.assign(old.empty() ? 256 : old.size() * 2, Entry{nullptr, 0, 0});
    size_t mask = table_.size() - 1;
    for (const Entry& e : old) {
      if (!e.p) continue;
      size_t h = e.hash & mask;
      while (table_[h].p) h = (h + 1) & mask;
      table_[h] = e;
    }
  }
  auto hash = static_cast<uint32_t>(hash_string(s));
  auto len = static_cast<uint32_t>(s.size());
  size_t mask = table_.size() - 1;
  size_t h = hash & mask;
  for (; table_[h].p; h = (h + 1) & mask) {
    const Entry& e = table_[h];
    if (e.hash == hash && e.len == len && __builtin_memcmp(e.p, s.data(), len) == 0) return e.p;
  }
  char* p = unit_->const_arena().copy(s.data(), s.size());
  if (!p) return nullptr;
  table_[h] = Entry{p, len, hash};
  ++count_;
  return p;
}

namespace {

using namespace hako::bc;
using mir::Op;

constexpr uint32_t kNone = ~0u;

bool fits_s8(const Const& c) { return c.kind == Const::Kind::Int && c.i >= -128 && c.i <= 127; }
bool fits_sbk(const Const& c) {
  return c.kind == Const::Kind::Int && c.i >= kMinSBk && c.i <= kMaxSBk;
}

// The bytecode op of a MIR arithmetic op: register, constant (K) and immediate (I) forms.
struct ArithOps {
  bc::Op reg, k, imm;
};
ArithOps arith_ops(mir::Op op) {
  switch (op) {
    case mir::Op::Add:
      return {bc::Op::ADD, bc::Op::ADDK, bc::Op::ADDI};
    case mir::Op::Sub:
      return {bc::Op::SUB, bc::Op::SUBK, bc::Op::SUBI};
    case mir::Op::Mul:
      return {bc::Op::MUL, bc::Op::MULK, bc::Op::MULI};
    case mir::Op::Div:
      return {bc::Op::DIV, bc::Op::DIVK, bc::Op::DIVI};
    case mir::Op::IDiv:
      return {bc::Op::IDIV, bc::Op::IDIVK, bc::Op::IDIVI};
    case mir::Op::Mod:
      return {bc::Op::MOD, bc::Op::MODK, bc::Op::MODI};
    default:
      return {bc::Op::POW, bc::Op::POWK, bc::Op::POWI};
  }
}

// IDIVI and MODI never take 0 (the VM need not check).
bool imm_ok(mir::Op op, const Const& c) {
  return fits_s8(c) && !(c.i == 0 && (op == mir::Op::IDiv || op == mir::Op::Mod));
}

class Emitter {
 public:
  Emitter(const Function& fn, const Allocation& alloc, EmitContext& cx, Error* err)
      : fn_(fn), alloc_(alloc), cx_(cx), s_(*cx.scratch), err_(err) {}

  Proto* run() {
    s_.code.clear();
    s_.lines.clear();
    s_.fixups.clear();
    s_.korder.clear();
    s_.kmap.assign(fn_.consts.size(), kNone);
    scratch_ = static_cast<uint8_t>(alloc_.nslots);
    number_small_constants();
    size_t nb = fn_.blocks.size();
    s_.block_pc.assign(nb, 0);
    s_.next.assign(nb, kNoBlock);
    BlockId after = kNoBlock;  // the next live block in layout
    for (size_t b = nb; b-- > 0;) {
      s_.next[b] = after;
      if (!fn_.blocks[b].dead) after = static_cast<BlockId>(b);
    }
    for (BlockId b = 0; b < nb; ++b) {
      const Block& bl = fn_.blocks[b];
      if (bl.dead) continue;
      s_.block_pc[b] = pc();
      for (uint32_t i = bl.begin; i < bl.end; ++i) {
        const Instr& in = fn_.code[i];
        if (in.op == Op::Nop) continue;
        line(in.line);
        instr(in, s_.next[b]);
      }
    }
    if (!s_.lines.empty() && s_.lines.back().pc == pc()) s_.lines.pop_back();
    if (!ok_ || !patch()) return nullptr;
    return build();
  }

 private:
  uint32_t pc() const { return static_cast<uint32_t>(s_.code.size()); }
  void put(bc::Instr i) { s_.code.push_back(i); }
  uint8_t R(Reg r) const { return alloc_.slot[r]; }
  const Const& K(uint32_t c) const { return fn_.consts[c]; }

  bool fail(const char* what) {
    if (ok_) {
      std::string_view name = fn_.name.empty() ? std::string_view("function") : fn_.name;
      err_->set(fn_.line, fn_.col, 0, "'%.*s' %s", static_cast<int>(name.size()), name.data(),
                what);
    }
    ok_ = false;
    return false;
  }

  void line(uint32_t l) {
    if (s_.lines.empty() || s_.lines.back().line != l) {
      if (!s_.lines.empty() && s_.lines.back().pc == pc()) {
        s_.lines.back().line = l;  // the previous line emitted nothing
      } else {
        s_.lines.push_back(LineRun{pc(), l});
      }
    }
  }

  // The proto's index of MIR constant c.
  uint32_t kidx(uint32_t c) {
    if (s_.kmap[c] == kNone) {
      s_.kmap[c] = static_cast<uint32_t>(s_.korder.size());
      s_.korder.push_back(c);
    }
    return s_.kmap[c];
  }

  // The constant an 8-bit (or 15-bit) operand field will name, if `in` has one.
  uint32_t small_constant(const Instr& in) const {
    switch (in.op) {
      case Op::GetField:
      case Op::SetField:
        return in.b;
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::IDiv:
      case Op::Mod:
      case Op::Pow:
        if ((in.kmask & kConstB) && K(in.b).is_number() && !imm_ok(in.op, K(in.b))) return in.b;
        return kNone;
      case Op::Br:
        if ((in.kmask & kConstB) && in.cond == Cmp::Eq && !fits_sbk(K(in.b))) return in.b;
        return kNone;
      default:
        return kNone;
    }
  }

  void number_small_constants() {
    for (const Block& b : fn_.blocks) {
      if (b.dead) continue;
      for (uint32_t i = b.begin; i < b.end; ++i) {
        uint32_t c = small_constant(fn_.code[i]);
        if (c != kNone) kidx(c);
      }
    }
  }

  // R[a] := constant c.
  void load(uint8_t a, uint32_t c) {
    const Const& k = K(c);
    switch (k.kind) {
      case Const::Kind::Nil:
        put(make_abc(bc::Op::LOADNIL, a, 0, 0));
        return;
      case Const::Kind::True:
        put(make_abc(bc::Op::LOADTRUE, a, 0, 0));
        return;
      case Const::Kind::False:
        put(make_abc(bc::Op::LOADFALSE, a, 0, 0));
        return;
      case Const::Kind::Int:
        if (k.i >= kMinSBx && k.i <= kMaxSBx) {
          put(make_asbx(bc::Op::LOADI, a, static_cast<int>(k.i)));
          return;
        }
        break;
      case Const::Kind::Float:
        if (k.f >= kMinSBx && k.f <= kMaxSBx && k.f == std::floor(k.f) &&
            !(k.f == 0 && std::signbit(k.f))) {
          put(make_asbx(bc::Op::LOADF, a, static_cast<int>(k.f)));
          return;
        }
        break;
      case Const::Kind::String:
        break;
    }
    uint32_t x = kidx(c);
    if (x > kMaxBx) {
      fail("has too many constants (more than 65536)");
      return;
    }
    put(make_abx(bc::Op::LOADK, a, x));
  }

  // A register holding constant c for an operand that has no constant form.
  uint8_t in_scratch(uint32_t c) {
    used_scratch_ = true;
    load(scratch_, c);
    return scratch_;
  }

  void list(const Instr& in) {
    const Reg* regs = fn_.lists.data() + in.c;
    for (uint32_t i = 0; i < in.b; i += 4) {
      bc::Instr w = 0;
      for (uint32_t k = 0; k < 4 && i + k < in.b; ++k) w |= bc::Instr{R(regs[i + k])} << (8 * k);
      put(w);
    }
  }

  void jump(BlockId target) {
    s_.fixups.push_back(uint64_t{pc()} << 32 | target);
    put(make_sj(bc::Op::JMP, 0));
  }
  void jump_sbx(bc::Op op, uint8_t a, BlockId target) {
    s_.fixups.push_back(uint64_t{pc()} << 32 | target);
    put(make_asbx(op, a, 0));
  }

  // A conditional instruction (the condition, k to be set) choosing between blocks t and f.
  void branch(bc::Instr cond, BlockId t, BlockId f, BlockId next) {
    if (t == next) {
      put(cond);  // k = 0: jump to f when the condition is false
      jump(f);
    } else {
      put(cond | 1u << 31);
      jump(t);
      if (f != next) jump(f);
    }
  }

  void compare_branch(const Instr& in, BlockId next) {
    uint8_t a = R(in.a);
    Cmp c = in.cond;
    if (in.kmask & kConstB) {
      const Const& k = K(in.b);
      if (fits_sbk(k)) {
        static const bc::Op imm[] = {bc::Op::BEQI, bc::Op::BLTI, bc::Op::BLEI, bc::Op::BGTI,
                                     bc::Op::BGEI};
        branch(make_abk(imm[static_cast<int>(c)], a, static_cast<int>(k.i), 0), in.d, in.c, next);
        return;
      }
      if (c == Cmp::Eq && kidx(in.b) <= kMaxBk) {
        branch(make_abk(bc::Op::BEQK, a, static_cast<int>(kidx(in.b)), 0), in.d, in.c, next);
        return;
      }
      uint8_t b = in_scratch(in.b);
      reg_branch(c, a, b, in.d, in.c, next);
      return;
    }
    reg_branch(c, a, R(in.b), in.d, in.c, next);
  }

  void reg_branch(Cmp c, uint8_t a, uint8_t b, BlockId t, BlockId f, BlockId next) {
    switch (c) {
      case Cmp::Eq:
        branch(make_abk(bc::Op::BEQ, a, b, 0), t, f, next);
        break;
      case Cmp::Lt:
        branch(make_abk(bc::Op::BLT, a, b, 0), t, f, next);
        break;
      case Cmp::Le:
        branch(make_abk(bc::Op::BLE, a, b, 0), t, f, next);
        break;
      case Cmp::Gt:  // a > b is b < a
        branch(make_abk(bc::Op::BLT, b, a, 0), t, f, next);
        break;
      case Cmp::Ge:
        branch(make_abk(bc::Op::BLE, b, a, 0), t, f, next);
        break;
    }
  }

  void arith(const Instr& in) {
    ArithOps ops = arith_ops(in.op);
    uint8_t d = R(in.d), a = R(in.a);
    if (!(in.kmask & kConstB)) {
      put(make_abc(ops.reg, d, a, R(in.b)));
      return;
    }
    const Const& k = K(in.b);
    if (imm_ok(in.op, k)) {
      put(make_abc(ops.imm, d, a, static_cast<uint8_t>(static_cast<int8_t>(k.i))));
    } else if (k.is_number() && kidx(in.b) <= 255) {
      put(make_abc(ops.k, d, a, kidx(in.b)));
    } else {
      uint8_t b = in_scratch(in.b);
      put(make_abc(ops.reg, d, a, b));
    }
  }

  void instr(const Instr& in, BlockId next) {
    switch (in.op) {
      case Op::Nop:
        break;
      case Op::Move:
        if (R(in.d) != R(in.a)) put(make_abc(bc::Op::MOVE, R(in.d), R(in.a), 0));
        break;
      case Op::LoadK:
        load(R(in.d), in.a);
        break;
      case Op::GetGlobal:
        put(make_abx(bc::Op::GETGLOBAL, R(in.d), in.a));
        break;
      case Op::SetGlobal:
        put(make_abx(bc::Op::SETGLOBAL, R(in.b), in.a));
        break;
      case Op::GetUpval:
        put(make_abc(bc::Op::GETUPVAL, R(in.d), in.a, 0));
        break;
      case Op::GetUpBox:
        put(make_abc(bc::Op::GETUPBOX, R(in.d), in.a, 0));
        break;
      case Op::SetUpBox:
        put(make_abc(bc::Op::SETUPBOX, R(in.b), in.a, 0));
        break;
      case Op::NewBox:
        put(make_abc(bc::Op::NEWBOX, R(in.d), R(in.a), 0));
        break;
      case Op::GetBox:
        put(make_abc(bc::Op::GETBOX, R(in.d), R(in.a), 0));
        break;
      case Op::SetBox:
        put(make_abc(bc::Op::SETBOX, R(in.a), R(in.b), 0));
        break;
      case Op::Closure:
        closure(in);
        break;
      case Op::NewArray:
        put(make_abc(bc::Op::NEWARRAY, R(in.d), in.a, in.b));
        list(in);
        break;
      case Op::Append:
        put(make_abc(bc::Op::APPEND, R(in.a), 0, in.b));
        list(in);
        break;
      case Op::NewMap:
        put(make_abc(bc::Op::NEWMAP, R(in.d), in.a, 0));
        break;
      case Op::GetIndex:
        if (in.kmask & kConstB) {  // an int 0..255 (peephole.cc)
          put(make_abc(bc::Op::GETINDEXI, R(in.d), R(in.a), static_cast<uint8_t>(K(in.b).i)));
        } else {
          put(make_abc(bc::Op::GETINDEX, R(in.d), R(in.a), R(in.b)));
        }
        break;
      case Op::SetIndex:
        if (in.kmask & kConstB) {
          put(make_abc(bc::Op::SETINDEXI, R(in.a), static_cast<uint8_t>(K(in.b).i), R(in.c)));
        } else {
          put(make_abc(bc::Op::SETINDEX, R(in.a), R(in.b), R(in.c)));
        }
        break;
      case Op::GetField:
        if (kidx(in.b) <= 255) {
          put(make_abc(bc::Op::GETFIELD, R(in.d), R(in.a), kidx(in.b)));
        } else {
          uint8_t k = in_scratch(in.b);
          put(make_abc(bc::Op::GETINDEX, R(in.d), R(in.a), k));
        }
        break;
      case Op::SetField:
        if (kidx(in.b) <= 255) {
          put(make_abc(bc::Op::SETFIELD, R(in.a), kidx(in.b), R(in.c)));
        } else {
          uint8_t k = in_scratch(in.b);
          put(make_abc(bc::Op::SETINDEX, R(in.a), k, R(in.c)));
        }
        break;
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::IDiv:
      case Op::Mod:
      case Op::Pow:
        arith(in);
        break;
      case Op::Neg:
        put(make_abc(bc::Op::UNM, R(in.d), R(in.a), 0));
        break;
      case Op::Not:
        put(make_abc(bc::Op::NOT, R(in.d), R(in.a), 0));
        break;
      case Op::Concat:
        put(make_abc(bc::Op::CONCAT, R(in.d), 0, in.b));
        list(in);
        break;
      case Op::Eq:
        put(make_abc(bc::Op::EQ, R(in.d), R(in.a), R(in.b)));
        break;
      case Op::Ne:
        put(make_abc(bc::Op::NE, R(in.d), R(in.a), R(in.b)));
        break;
      case Op::Lt:
        put(make_abc(bc::Op::LT, R(in.d), R(in.a), R(in.b)));
        break;
      case Op::Le:
        put(make_abc(bc::Op::LE, R(in.d), R(in.a), R(in.b)));
        break;
      case Op::Call:
        put(make_abc(bc::Op::CALL, R(in.d), R(in.a), in.b));
        list(in);
        break;
      case Op::ForInit: {
        uint8_t base = R(in.d);
        const uint32_t v[3] = {in.a, in.b, in.c};
        for (int k = 0; k < 3; ++k) {
          if (in.kmask & (1u << k)) {
            load(static_cast<uint8_t>(base + k), v[k]);
          } else if (R(v[k]) != base + k) {
            put(make_abc(bc::Op::MOVE, base + k, R(v[k]), 0));
          }
        }
        break;
      }
      case Op::IterInit:
        if (R(in.d) != R(in.a)) put(make_abc(bc::Op::MOVE, R(in.d), R(in.a), 0));
        put(make_abc(bc::Op::ITERPREP, R(in.d), 0, 0));
        break;
      case Op::Jmp:
        if (in.d != next) jump(in.d);
        break;
      case Op::Test:
        branch(make_abk(bc::Op::BTEST, R(in.a), 0, 0), in.d, in.c, next);
        break;
      case Op::Br:
        compare_branch(in, next);
        break;
      case Op::Ret:
        put(make_abc(bc::Op::RETURN, R(in.a), 0, 0));
        break;
      case Op::RetNil:
        put(make_abc(bc::Op::RETURN0, 0, 0, 0));
        break;
      case Op::ForPrep:
        jump_sbx(bc::Op::FORPREP, R(in.a), in.c);  // to the exit when it runs zero times
        if (in.b != next) jump(in.b);
        break;
      case Op::ForLoop:
        jump_sbx(bc::Op::FORLOOP, R(in.a), in.b);  // back to the body
        if (in.c != next) jump(in.c);
        break;
      case Op::IterNext:
        jump_sbx(fn_.groups[in.d].npinned == 2 ? bc::Op::ITERNEXT2 : bc::Op::ITERNEXT1, R(in.a),
                 in.b);
        if (in.c != next) jump(in.c);
        break;
    }
  }

  void closure(const Instr& in) {
    if (in.a > kMaxBx) {
      fail("has too many nested functions (more than 65536)");
      return;
    }
    put(make_abx(bc::Op::CLOSURE, R(in.d), in.a));
    // The captured registers are the Local upvalues of the child, in order.
    Proto* child = cx_.children[in.a];
    auto* ups = const_cast<UpvalDesc*>(child->upvals.data());
    uint32_t k = 0;
    for (size_t i = 0; i < child->upvals.size(); ++i) {
      if (ups[i].kind == UpvalKind::Local) ups[i].index = R(fn_.lists[in.c + k++]);
    }
  }

  bool patch() {
    for (uint64_t f : s_.fixups) {
      auto at = static_cast<uint32_t>(f >> 32);
      auto target = static_cast<BlockId>(f);
      int64_t off = int64_t{s_.block_pc[target]} - (int64_t{at} + 1);
      bc::Instr& i = s_.code[at];
      if (bc::op(i) == bc::Op::JMP) {
        if (off < kMinSJ || off > kMaxSJ)
          return fail("is too long (a jump of more than 8M instructions)");
        i = make_sj(bc::Op::JMP, static_cast<int>(off));
      } else {
        if (off < kMinSBx || off > kMaxSBx) {
          return fail("has a loop too long to encode (more than 32767 instructions)");
        }
        i = make_asbx(bc::op(i), A(i), static_cast<int>(off));
      }
    }
    return true;
  }

  template <class T>
  T* copy(Arena& a, const T* src, size_t n) {
    T* p = n ? a.alloc_array<T>(n) : nullptr;
    if (n && !p) return nullptr;
    if (n) std::memcpy(static_cast<void*>(p), src, n * sizeof(T));
    return p;
  }

  Proto* build() {
    Unit& u = *cx_.unit;
    uint32_t nregs = alloc_.nslots + (used_scratch_ ? 1 : 0);
    if (nregs < fn_.nparams) nregs = fn_.nparams;
    if (nregs > static_cast<uint32_t>(kMaxRegs)) {
      fail("needs too many registers");
      return nullptr;
    }
    auto* p = static_cast<Proto*>(u.proto_arena().alloc(sizeof(Proto), alignof(Proto)));
    bc::Instr* code = copy(u.code_arena(), s_.code.data(), s_.code.size());
    LineRun* lines = copy(u.proto_arena(), s_.lines.data(), s_.lines.size());
    size_t nk = s_.korder.size();
    Constant* k = nk ? u.const_arena().alloc_array<Constant>(nk) : nullptr;
    size_t nup = fn_.upvals.size();
    UpvalDesc* ups = nup ? u.proto_arena().alloc_array<UpvalDesc>(nup) : nullptr;
    size_t nc = cx_.children.size();
    const Proto** kids = nc ? u.proto_arena().alloc_array<const Proto*>(nc) : nullptr;
    const char* name = cx_.strings->intern(fn_.name);
    if (!p || (!code && !s_.code.empty()) || (!lines && !s_.lines.empty()) || (nk && !k) ||
        (nup && !ups) || (nc && !kids) || !name) {
      fail("could not be compiled: out of memory");
      return nullptr;
    }
    for (size_t i = 0; i < nk; ++i) {
      const Const& c = K(s_.korder[i]);
      Constant out;
      out.kind = static_cast<Constant::Kind>(c.kind);
      if (c.kind == Const::Kind::Int) out.i = c.i;
      if (c.kind == Const::Kind::Float) out.f = c.f;
      if (c.kind == Const::Kind::String) {
        out.s = cx_.strings->intern(c.str());
        out.len = c.len;
        if (!out.s) {
          fail("could not be compiled: out of memory");
          return nullptr;
        }
      }
      k[i] = out;
    }
    for (size_t i = 0; i < nup; ++i) {
      const Upval& up = fn_.upvals[i];
      UpvalDesc d;
      d.kind = static_cast<UpvalKind>(up.kind);
      d.boxed = up.boxed;
      d.index = up.kind == Upval::Kind::Upval ? static_cast<uint8_t>(up.index) : 0;
      const char* nm = cx_.strings->intern(up.name);
      if (!nm) {
        fail("could not be compiled: out of memory");
        return nullptr;
      }
      d.name = std::string_view(nm, up.name.size());
      ups[i] = d;
    }
    for (size_t i = 0; i < nc; ++i) kids[i] = cx_.children[i];
    new (p) Proto();
    p->code = {code, s_.code.size()};
    p->k = {k, nk};
    p->protos = {kids, nc};
    p->upvals = {ups, nup};
    p->lines = {lines, s_.lines.size()};
    p->name = std::string_view(name, fn_.name.size());
    p->line = fn_.line;
    p->nparams = static_cast<uint8_t>(fn_.nparams);
    p->nregs = static_cast<uint8_t>(nregs);
    return p;
  }

  const Function& fn_;
  const Allocation& alloc_;
  EmitContext& cx_;
  EmitScratch& s_;
  Error* err_;
  uint8_t scratch_ = 0;
  bool used_scratch_ = false;
  bool ok_ = true;
};

}  // namespace

bc::Proto* emit(const Function& fn, const Allocation& alloc, EmitContext& cx, Error* err) {
  return Emitter(fn, alloc, cx, err).run();
}

}  // namespace hako::mir
