// The interpreter loop, one source for two builds (Lua's lvm.c with ljumptab.h): included
// by interp.cc with HAKO_VM_USE_SWITCH 0 (computed goto: a jump table of label addresses,
// each instruction ends with its own indirect jump) and by interp_switch.cc with 1 (a plain
// switch in a for loop), naming the function HAKO_VM_LOOP. docs/VM.md, "The interpreter".
//
// State in locals: pc (the next instruction), base (R[0]), k (constants), cl (the running
// closure), budget (rt.budget, counted down per instruction and synchronized around
// anything else that charges). The rules that keep it safe:
//  - base is a pointer into the value stack, which moves when it grows: after anything that
//    may grow it (a call's frame setup, a native, which may call back into the VM) base is
//    recomputed from the frame's index (RELOAD_BASE).
//  - rt.top is base + nregs while a frame runs, so a collection (any allocation) marks every
//    register; a call's arguments are copied above top only after the room for them exists.
//  - Errors are return values: a failing operation raised already, and `goto error` unwinds
//    this loop's frames (recording the traceback) and returns false. Nothing longjmps.
//  - Calls from Hako to Hako push a frame and continue in this loop; only natives (and the
//    closures they call through Runtime::call) nest C++ calls.

#ifndef HAKO_VM_LOOP
#error "include vm/interp_loop.h from interp.cc or interp_switch.cc only"
#endif

#if HAKO_VM_USE_SWITCH
#define vmdispatch(o) switch (o)
#define vmcase(l) case bc::Op::l:
#define vmbreak break
#else
#define vmdispatch(o) goto* kDispatch[static_cast<uint8_t>(o)];
#define vmcase(l) L_##l:
#define vmbreak \
  vmfetch();    \
  vmdispatch(bc::op(i))
#endif

// Fetches the next instruction and charges it to the budget.
#define vmfetch()                                           \
  do {                                                      \
    i = *pc++;                                              \
    if (HAKO_UNLIKELY(--budget < 0)) goto budget_exhausted; \
  } while (0)

#define RA (base + bc::A(i))
#define RB (base + bc::B(i))
#define RC (base + bc::C(i))
#define KB (k + bc::B(i))
#define KC (k + bc::C(i))
// Operations that may charge the budget (natives, long concatenations) see rt.budget.
#define SAVE_BUDGET() (rt.budget = budget)
#define LOAD_BUDGET() (budget = rt.budget)
#define RELOAD_BASE() (base = rt.stack + rt.frames[rt.nframes - 1].base)
// A conditional: the JMP after it is taken when `cond` equals the k bit.
#define COND_JUMP(cond)                        \
  do {                                         \
    if ((cond) == static_cast<bool>(bc::k(i))) \
      pc += bc::sJ(*pc) + 1;                   \
    else                                       \
      ++pc;                                    \
  } while (0)

// The arithmetic families: int op int, and float (or mixed) op float, inline; errors in
// vm::arith. IOP(x, y) and FOP(x, y) compute; `c` is the right operand as a Value.
#define ARITH_BODY(AOP, IOP, FOP, rb, c)                 \
  do {                                                   \
    Value vb_ = *(rb), vc_ = (c);                        \
    if (vb_.tag == kInt && vc_.tag == kInt) {            \
      int64_t x = vb_.i, y = vc_.i;                      \
      IOP;                                               \
    } else if (vb_.is_number() && vc_.is_number()) {     \
      double x = vb_.as_number(), y = vc_.as_number();   \
      *RA = Value::number(FOP);                          \
    } else if (!arith(rt, ArithOp::AOP, vb_, vc_, RA)) { \
      goto error;                                        \
    }                                                    \
  } while (0)
// Immediates are ints, so the float case converts them.
#define ARITHI_BODY(AOP, IOP, FOP, rb, imm)                               \
  do {                                                                    \
    Value vb_ = *(rb);                                                    \
    int64_t imm_ = (imm);                                                 \
    if (vb_.tag == kInt) {                                                \
      int64_t x = vb_.i, y = imm_;                                        \
      IOP;                                                                \
    } else if (vb_.tag == kFloat) {                                       \
      double x = vb_.f, y = static_cast<double>(imm_);                    \
      *RA = Value::number(FOP);                                           \
    } else if (!arith(rt, ArithOp::AOP, vb_, Value::integer(imm_), RA)) { \
      goto error;                                                         \
    }                                                                     \
  } while (0)

#define INT_RESULT(e) *RA = Value::integer(e)
#define FLOAT_RESULT(e) *RA = Value::number(e)
// / and ** give floats for ints too.
#define INT_DIV *RA = Value::number(static_cast<double>(x) / static_cast<double>(y))
#define INT_POW *RA = Value::number(float_pow(static_cast<double>(x), static_cast<double>(y)))
#define INT_IDIV                          \
  if (HAKO_UNLIKELY(y == 0)) {            \
    rt.error("integer division by zero"); \
    goto error;                           \
  }                                       \
  *RA = Value::integer(int_floordiv(x, y))
#define INT_MOD                         \
  if (HAKO_UNLIKELY(y == 0)) {          \
    rt.error("integer modulo by zero"); \
    goto error;                         \
  }                                     \
  *RA = Value::integer(int_mod(x, y))

#define ARITH_OPS(X)                                 \
  X(ADD, kAdd, INT_RESULT(int_add(x, y)), x + y)     \
  X(SUB, kSub, INT_RESULT(int_sub(x, y)), x - y)     \
  X(MUL, kMul, INT_RESULT(int_mul(x, y)), x* y)      \
  X(DIV, kDiv, INT_DIV, x / y)                       \
  X(IDIV, kFloorDiv, INT_IDIV, float_floordiv(x, y)) \
  X(MOD, kMod, INT_MOD, float_mod(x, y))             \
  X(POW, kPow, INT_POW, float_pow(x, y))

// Ordering: int/int and float/float inline, the rest (mixed, strings, errors) out of line.
#define ORDER(res, va, vb, OP, SLOW)               \
  do {                                             \
    Value x_ = (va), y_ = (vb);                    \
    if (x_.tag == kInt && y_.tag == kInt)          \
      res = x_.i OP y_.i;                          \
    else if (x_.tag == kFloat && y_.tag == kFloat) \
      res = x_.f OP y_.f;                          \
    else if (!SLOW(rt, x_, y_, &res))              \
      goto error;                                  \
  } while (0)
#define EQUAL(res, va, vb)                                                   \
  do {                                                                       \
    Value x_ = (va), y_ = (vb);                                              \
    res = (x_.tag == kInt && y_.tag == kInt) ? x_.i == y_.i : equal(x_, y_); \
  } while (0)

// RETURN and RETURN0: pop the frame; an entry frame returns to C++, any other resumes its
// caller, which receives the value in the register its CALL named.
#define DO_RETURN(value)                  \
  do {                                    \
    const Value* rv_ = (value);           \
    Frame* f_ = rt.frames + --rt.nframes; \
    if (HAKO_UNLIKELY(f_->entry)) {       \
      rt.budget = budget;                 \
      rt.top = rt.stack + f_->base;       \
      *ret = *rv_;                        \
      return true;                        \
    }                                     \
    Frame* c_ = f_ - 1;                   \
    cl = c_->cl;                          \
    base = rt.stack + c_->base;           \
    pc = c_->pc;                          \
    k = cl->proto->consts;                \
    setobj(base + f_->ret, rv_);          \
    rt.top = base + cl->proto->nregs;     \
  } while (0)

namespace hako::vm::interp {

bool HAKO_VM_LOOP(Runtime& rt, Value* ret) {
#if !HAKO_VM_USE_SWITCH
  static const void* const kDispatch[] = {
#define HAKO_OP_LABEL(name, fmt, a, b, c, doc) &&L_##name,
      HAKO_OPCODES(HAKO_OP_LABEL)
#undef HAKO_OP_LABEL
  };
#endif
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "register lists are read as bytes");

  Closure* cl;
  const bc::Instr* pc;
  Value* base;
  const Value* k;
  int64_t budget = rt.budget;
  bc::Instr i;

  {
    const Frame& f = rt.frames[rt.nframes - 1];
    cl = f.cl;
    pc = f.pc;
    base = rt.stack + f.base;
    k = cl->proto->consts;
  }

#if HAKO_VM_USE_SWITCH
  for (;;) {
    vmfetch();
#else
  {
    vmfetch();
#endif
    vmdispatch(bc::op(i)) {
      // ---- Loads and moves.
      vmcase(MOVE) {
        setobj(RA, RB);
        vmbreak;
      }
      vmcase(LOADI) {
        *RA = Value::integer(bc::sBx(i));
        vmbreak;
      }
      vmcase(LOADF) {
        *RA = Value::number(bc::sBx(i));
        vmbreak;
      }
      vmcase(LOADK) {
        setobj(RA, k + bc::Bx(i));
        vmbreak;
      }
      vmcase(LOADNIL) {
        *RA = Value();
        vmbreak;
      }
      vmcase(LOADTRUE) {
        *RA = Value::boolean(true);
        vmbreak;
      }
      vmcase(LOADFALSE) {
        *RA = Value::boolean(false);
        vmbreak;
      }

      // ---- Globals (Bx is a position in the globals map: load.cc), upvalues, boxes.
      vmcase(GETGLOBAL) {
        *RA = rt.globals()->entries[bc::Bx(i)].value();
        vmbreak;
      }
      vmcase(SETGLOBAL) {
        rt.globals()->entries[bc::Bx(i)].set_value(*RA);
        vmbreak;
      }
      vmcase(GETUPVAL) {
        setobj(RA, cl->upvals() + bc::B(i));
        vmbreak;
      }
      vmcase(GETUPBOX) {
        setobj(RA, &cl->upvals()[bc::B(i)].as_box()->value);
        vmbreak;
      }
      vmcase(SETUPBOX) {
        setobj(&cl->upvals()[bc::B(i)].as_box()->value, RA);
        vmbreak;
      }
      vmcase(NEWBOX) {
        Box* b = rt.new_box(*RB);
        if (HAKO_UNLIKELY(!b)) goto error;
        *RA = Value::box(b);
        vmbreak;
      }
      vmcase(GETBOX) {
        setobj(RA, &RB->as_box()->value);
        vmbreak;
      }
      vmcase(SETBOX) {
        setobj(&RA->as_box()->value, RB);
        vmbreak;
      }
      vmcase(CLOSURE) {
        if (HAKO_UNLIKELY(!closure(rt, cl, base, cl->proto->protos[bc::Bx(i)], RA))) goto error;
        vmbreak;
      }

      // ---- Arrays, maps, indexing.
      vmcase(NEWARRAY) {
        unsigned n = bc::C(i);
        if (HAKO_UNLIKELY(
                !new_array_list(rt, base, reinterpret_cast<const uint8_t*>(pc), n, bc::B(i), RA)))
          goto error;
        pc += (n + 3) / 4;
        vmbreak;
      }
      vmcase(APPEND) {
        unsigned n = bc::C(i);
        if (HAKO_UNLIKELY(!append_list(rt, *RA, base, reinterpret_cast<const uint8_t*>(pc), n)))
          goto error;
        pc += (n + 3) / 4;
        vmbreak;
      }
      vmcase(NEWMAP) {
        Map* m = rt.new_map(bc::B(i));
        if (HAKO_UNLIKELY(!m)) goto error;
        *RA = Value::map(m);
        vmbreak;
      }
      vmcase(GETINDEX) {
        Value o = *RB, key = *RC;
        if (o.tag == kArray && key.tag == kInt) {
          Array* a = o.as_array();
          if (HAKO_LIKELY(static_cast<uint64_t>(key.i) < a->len)) {
            setobj(RA, a->items + key.i);
            vmbreak;
          }
        } else if (o.tag == kMap) {
          *RA = map_get(rt, o.as_map(), key);
          vmbreak;
        }
        if (!get_index(rt, o, key, RA)) goto error;
        vmbreak;
      }
      vmcase(GETINDEXI) {
        Value o = *RB;
        unsigned idx = bc::C(i);
        if (o.tag == kArray && idx < o.as_array()->len) {
          setobj(RA, o.as_array()->items + idx);
          vmbreak;
        }
        if (!get_index(rt, o, Value::integer(idx), RA)) goto error;
        vmbreak;
      }
      vmcase(GETFIELD) {
        Value o = *RB;
        if (HAKO_LIKELY(o.tag == kMap)) {
          Map* m = o.as_map();
          uint16_t* hint = field_hint(k, bc::C(i));
          const MapEntry* e = m->entries + *hint;
          if (HAKO_LIKELY(*hint < m->used && e->key_bits == KC->bits && e->key_tag == kString)) {
            *RA = e->value();
            vmbreak;
          }
          int32_t at = map_find_str(rt, m, KC->as_string());
          if (at >= 0) {
            *hint = static_cast<uint16_t>(at);
            *RA = m->entries[at].value();
          } else {
            *RA = Value();
          }
          vmbreak;
        }
        if (!get_index(rt, o, *KC, RA)) goto error;
        vmbreak;
      }
      vmcase(SETINDEX) {
        Value o = *RA, key = *RB;
        if (o.tag == kArray && key.tag == kInt &&
            static_cast<uint64_t>(key.i) < o.as_array()->len) {
          setobj(o.as_array()->items + key.i, RC);
          vmbreak;
        }
        if (!set_index(rt, o, key, *RC)) goto error;
        vmbreak;
      }
      vmcase(SETINDEXI) {
        Value o = *RA;
        unsigned idx = bc::B(i);
        if (o.tag == kArray && idx < o.as_array()->len) {
          setobj(o.as_array()->items + idx, RC);
          vmbreak;
        }
        if (!set_index(rt, o, Value::integer(idx), *RC)) goto error;
        vmbreak;
      }
      vmcase(SETFIELD) {
        Value o = *RA;
        if (HAKO_LIKELY(o.tag == kMap)) {
          Map* m = o.as_map();
          uint16_t* hint = field_hint(k, bc::B(i));
          MapEntry* e = m->entries + *hint;
          if (HAKO_LIKELY(*hint < m->used && e->key_bits == KB->bits && e->key_tag == kString)) {
            e->set_value(*RC);
            vmbreak;
          }
          int32_t at = map_find_str(rt, m, KB->as_string());
          if (at < 0) {
            if (!map_set(rt, m, *KB, *RC)) goto error;
            at = static_cast<int32_t>(m->used - 1);  // a new key goes last
          } else {
            m->entries[at].set_value(*RC);
          }
          *hint = static_cast<uint16_t>(at);
          vmbreak;
        }
        if (!set_index(rt, o, *KB, *RC)) goto error;
        vmbreak;
      }

      // ---- Arithmetic: register, constant and immediate right operands.
#define ARITH_CASES(OP, AOP, IOP, FOP)         \
  vmcase(OP) {                                 \
    ARITH_BODY(AOP, IOP, FOP, RB, *RC);        \
    vmbreak;                                   \
  }                                            \
  vmcase(OP##K) {                              \
    ARITH_BODY(AOP, IOP, FOP, RB, *KC);        \
    vmbreak;                                   \
  }                                            \
  vmcase(OP##I) {                              \
    ARITHI_BODY(AOP, IOP, FOP, RB, bc::sC(i)); \
    vmbreak;                                   \
  }
      ARITH_OPS(ARITH_CASES)
#undef ARITH_CASES
      vmcase(UNM) {
        Value v = *RB;
        if (v.tag == kInt)
          *RA = Value::integer(int_neg(v.i));
        else if (v.tag == kFloat)
          *RA = Value::number(-v.f);
        else if (!negate(rt, v, RA))
          goto error;
        vmbreak;
      }
      vmcase(NOT) {
        *RA = Value::boolean(!RB->truthy());
        vmbreak;
      }
      vmcase(CONCAT) {
        unsigned n = bc::C(i);
        SAVE_BUDGET();
        bool ok = concat_list(rt, base, reinterpret_cast<const uint8_t*>(pc), n, RA);
        LOAD_BUDGET();
        if (HAKO_UNLIKELY(!ok)) goto error;
        pc += (n + 3) / 4;
        vmbreak;
      }

      // ---- Comparisons as values.
      vmcase(EQ) {
        bool r;
        EQUAL(r, *RB, *RC);
        *RA = Value::boolean(r);
        vmbreak;
      }
      vmcase(NE) {
        bool r;
        EQUAL(r, *RB, *RC);
        *RA = Value::boolean(!r);
        vmbreak;
      }
      vmcase(LT) {
        bool r;
        ORDER(r, *RB, *RC, <, less_than);
        *RA = Value::boolean(r);
        vmbreak;
      }
      vmcase(LE) {
        bool r;
        ORDER(r, *RB, *RC, <=, less_equal);
        *RA = Value::boolean(r);
        vmbreak;
      }

      // ---- Conditionals and jumps.
      vmcase(BEQ) {
        bool r;
        EQUAL(r, *RA, *RB);
        COND_JUMP(r);
        vmbreak;
      }
      vmcase(BLT) {
        bool r;
        ORDER(r, *RA, *RB, <, less_than);
        COND_JUMP(r);
        vmbreak;
      }
      vmcase(BLE) {
        bool r;
        ORDER(r, *RA, *RB, <=, less_equal);
        COND_JUMP(r);
        vmbreak;
      }
      vmcase(BEQK) {
        bool r;
        EQUAL(r, *RA, k[bc::Bk(i)]);
        COND_JUMP(r);
        vmbreak;
      }
#define COMPARE_IMM(OP, IOP, SLOW, SWAP)                                                           \
  vmcase(OP) {                                                                                     \
    Value v = *RA;                                                                                 \
    int64_t imm = bc::sBk(i);                                                                      \
    bool r;                                                                                        \
    if (v.tag == kInt)                                                                             \
      r = v.i IOP imm;                                                                             \
    else if (v.tag == kFloat)                                                                      \
      r = v.f IOP static_cast<double>(imm);                                                        \
    else if (SWAP ? !SLOW(rt, Value::integer(imm), v, &r) : !SLOW(rt, v, Value::integer(imm), &r)) \
      goto error;                                                                                  \
    COND_JUMP(r);                                                                                  \
    vmbreak;                                                                                       \
  }
      vmcase(BEQI) {
        Value v = *RA;
        int64_t imm = bc::sBk(i);
        bool r = v.tag == kInt ? v.i == imm : (v.tag == kFloat && v.f == static_cast<double>(imm));
        COND_JUMP(r);
        vmbreak;
      }
      COMPARE_IMM(BLTI, <, less_than, false)
      COMPARE_IMM(BLEI, <=, less_equal, false)
      COMPARE_IMM(BGTI, >, less_than, true)
      COMPARE_IMM(BGEI, >=, less_equal, true)
#undef COMPARE_IMM
      vmcase(BTEST) {
        COND_JUMP(RA->truthy());
        vmbreak;
      }
      vmcase(JMP) {
        pc += bc::sJ(i);
        vmbreak;
      }

      // ---- Calls. The callee's frame starts above the caller's registers: its function
      // in stack[top], its registers from top + 1.
      vmcase(CALL) {
        Value fv = *RB;
        unsigned n = bc::C(i);
        const auto* regs = reinterpret_cast<const uint8_t*>(pc);
        if (HAKO_LIKELY(fv.tag == kClosure)) {
          Closure* ncl = fv.as_closure();
          Proto* np = ncl->proto;
          if (HAKO_UNLIKELY(rt.stack_end - rt.top <= np->nregs || rt.nframes == rt.frames_cap)) {
            if (!grow_for_call(rt, size_t(np->nregs) + 1)) goto error;
            RELOAD_BASE();
          }
          Value* fp = rt.top;
          fp[0] = fv;
          unsigned np_ = np->nparams, m = n < np_ ? n : np_;
          for (unsigned j = 0; j < m; ++j) setobj(fp + 1 + j, base + regs[j]);
          for (unsigned j = m; j < np_; ++j) fp[1 + j] = Value();
          Frame* f = rt.frames + rt.nframes - 1;
          f->pc = pc + (n + 3) / 4;
          ++f;
          ++rt.nframes;
          f->cl = ncl;
          f->base = static_cast<uint32_t>(fp + 1 - rt.stack);
          f->ret = static_cast<uint8_t>(bc::A(i));
          f->entry = 0;
          cl = ncl;
          base = fp + 1;
          pc = np->code;
          k = np->consts;
          rt.top = base + np->nregs;
          vmbreak;
        }
        if (HAKO_LIKELY(fv.tag == kNative)) {
          if (HAKO_UNLIKELY(static_cast<size_t>(rt.stack_end - rt.top) <= n)) {
            if (!rt.ensure_stack(size_t(n) + 1)) goto error;
            RELOAD_BASE();
          }
          Value* fp = rt.top;
          fp[0] = fv;
          for (unsigned j = 0; j < n; ++j) setobj(fp + 1 + j, base + regs[j]);
          Value r;
          SAVE_BUDGET();
          bool ok = rt.call_native(fv.as_native(), static_cast<uint32_t>(fp + 1 - rt.stack), n, &r);
          LOAD_BUDGET();
          RELOAD_BASE();
          if (HAKO_UNLIKELY(!ok)) goto error;
          *RA = r;
          pc += (n + 3) / 4;
          vmbreak;
        }
        call_error(rt, fv);
        goto error;
      }
      vmcase(RETURN) {
        DO_RETURN(RA);
        vmbreak;
      }
      vmcase(RETURN0) {
        static constexpr Value kNilValue;
        DO_RETURN(&kNilValue);
        vmbreak;
      }

      // ---- Loops.
      vmcase(FORPREP) {
        Value* ra = RA;
        bool skip;
        if (HAKO_LIKELY(ra[0].tag == kInt && ra[1].tag == kInt && ra[2].tag == kInt &&
                        ra[2].i != 0)) {
          uint64_t n = ::hako::arith::range_count(ra[0].i, ra[1].i, ra[2].i);
          skip = n == 0;
          ra[1].i = static_cast<int64_t>(n - 1);
          setobj(ra + 3, ra);
        } else if (!for_prep(rt, ra, &skip)) {
          goto error;
        }
        if (skip) pc += bc::sBx(i);
        vmbreak;
      }
      vmcase(FORLOOP) {
        Value* ra = RA;
        if (ra[1].i != 0) {  // iterations left, unsigned
          ra[1].i = static_cast<int64_t>(static_cast<uint64_t>(ra[1].i) - 1);
          ra[0].i = int_add(ra[0].i, ra[2].i);
          ra[3] = Value::integer(ra[0].i);
          pc += bc::sBx(i);
        }
        vmbreak;
      }
      vmcase(ITERPREP) {
        Value* ra = RA;
        if (HAKO_UNLIKELY(ra->tag != kArray && ra->tag != kMap)) {
          iter_error(rt, *ra);
          goto error;
        }
        ra[1] = Value::integer(0);
        vmbreak;
      }
      vmcase(ITERNEXT1) {
        Value* ra = RA;
        auto pos = static_cast<uint32_t>(ra[1].i);
        if (ra->tag == kArray) {
          Array* a = ra->as_array();
          if (pos < a->len) {
            setobj(ra + 2, a->items + pos);
            ra[1].i = pos + 1;
            pc += bc::sBx(i);
          }
        } else {
          Value key, val;
          if (map_next(ra->as_map(), &pos, &key, &val)) {
            ra[2] = key;
            ra[1].i = pos;
            pc += bc::sBx(i);
          }
        }
        vmbreak;
      }
      vmcase(ITERNEXT2) {
        Value* ra = RA;
        auto pos = static_cast<uint32_t>(ra[1].i);
        if (ra->tag == kArray) {
          Array* a = ra->as_array();
          if (pos < a->len) {
            ra[2] = Value::integer(pos);
            setobj(ra + 3, a->items + pos);
            ra[1].i = pos + 1;
            pc += bc::sBx(i);
          }
        } else {
          Value key, val;
          if (map_next(ra->as_map(), &pos, &key, &val)) {
            ra[2] = key;
            ra[3] = val;
            ra[1].i = pos;
            pc += bc::sBx(i);
          }
        }
        vmbreak;
      }
    }
  }

budget_exhausted:
  budget = 0;
  rt.budget_exhausted();
error:
  rt.budget = budget;
  unwind(rt, pc);
  return false;
}

}  // namespace hako::vm::interp

#undef vmdispatch
#undef vmcase
#undef vmbreak
#undef vmfetch
#undef RA
#undef RB
#undef RC
#undef KB
#undef KC
#undef SAVE_BUDGET
#undef LOAD_BUDGET
#undef RELOAD_BASE
#undef COND_JUMP
#undef ARITH_BODY
#undef ARITHI_BODY
#undef INT_RESULT
#undef FLOAT_RESULT
#undef INT_DIV
#undef INT_POW
#undef INT_IDIV
#undef INT_MOD
#undef ARITH_OPS
#undef ORDER
#undef EQUAL
#undef DO_RETURN
