// The interpreter: the computed-goto build of the loop (interp_loop.h), its slow paths, the
// call hook, tracebacks. Loading units is in load.cc.
#include "vm/interp.h"

#include <cstdio>
#include <cstring>

#include "vm/array.h"
#include "vm/interp_impl.h"
#include "vm/map.h"

#define HAKO_VM_LOOP execute_goto
#define HAKO_VM_USE_SWITCH (!HAKO_VM_HAVE_GOTO)
#include "vm/interp_loop.h"
#undef HAKO_VM_LOOP
#undef HAKO_VM_USE_SWITCH

namespace hako::vm {

namespace interp {

bool call_error(Runtime& rt, Value f) { return rt.error("cannot call %s", type_name(f)); }

bool grow_for_call(Runtime& rt, size_t slots) {
  return rt.ensure_stack(slots) && rt.ensure_frame();
}

namespace {

// A range() bound: an int, or a float with an int value (as the range builtin takes them).
bool range_arg(Runtime& rt, Value* v, unsigned n) {
  int64_t x;
  if (v->is_int()) return true;
  if (v->is_float() && float_to_int(v->f, &x)) {
    *v = Value::integer(x);
    return true;
  }
  if (v->is_float())
    return rt.error("bad argument #%u to 'range' (number has no integer representation)", n);
  return rt.error("bad argument #%u to 'range' (int expected, got %s)", n, type_name(*v));
}

}  // namespace

bool for_prep(Runtime& rt, Value* ra, bool* skip) {
  for (unsigned j = 0; j < 3; ++j)
    if (!range_arg(rt, ra + j, j + 1)) return false;
  if (ra[2].i == 0) return rt.error("bad argument #3 to 'range' (step cannot be zero)");
  uint64_t n = ::hako::arith::range_count(ra[0].i, ra[1].i, ra[2].i);
  *skip = n == 0;
  ra[1].i = static_cast<int64_t>(n - 1);
  setobj(ra + 3, ra);
  return true;
}

bool iter_error(Runtime& rt, Value v) {
  return rt.error("cannot iterate over %s (for-in takes an array or a map)", type_name(v));
}

bool concat_list(Runtime& rt, const Value* base, const uint8_t* regs, unsigned n, Value* out) {
  // The operands stay rooted in their registers; concat reads copies.
  Value vals[256];
  for (unsigned j = 0; j < n; ++j) setobj(vals + j, base + regs[j]);
  return concat(rt, vals, n, out);
}

bool new_array_list(Runtime& rt, const Value* base, const uint8_t* regs, unsigned n, unsigned hint,
                    Value* out) {
  Array* a = rt.new_array(hint > n ? hint : n);
  if (!a) return false;
  for (unsigned j = 0; j < n; ++j) setobj(a->items + j, base + regs[j]);
  a->len = n;
  *out = Value::array(a);
  return true;
}

bool append_list(Runtime& rt, Value arr, const Value* base, const uint8_t* regs, unsigned n) {
  Array* a = arr.as_array();
  if (!array_reserve(rt, a, size_t(a->len) + n)) return false;
  for (unsigned j = 0; j < n; ++j) setobj(a->items + a->len++, base + regs[j]);
  return true;
}

bool closure(Runtime& rt, Closure* cl, Value* base, Proto* p, Value* out) {
  Closure* c = rt.new_closure(p, p->nupvals);  // p is reachable from cl, cl from its slot
  if (!c) return false;
  Value* up = c->upvals();
  for (uint32_t j = 0; j < p->nupvals; ++j) {
    const UpvalDesc& d = p->upvals[j];
    switch (d.kind) {
      case UpvalKind::kLocal:
        setobj(up + j, base + d.index);
        break;
      case UpvalKind::kUpval:
        setobj(up + j, cl->upvals() + d.index);
        break;
      case UpvalKind::kSelf:
        up[j] = Value::closure(c);
        break;
    }
  }
  *out = Value::closure(c);
  return true;
}

void unwind(Runtime& rt, const bc::Instr* pc) {
  for (bool running = true;; running = false) {
    const Frame& f = rt.frames[--rt.nframes];
    Proto* p = f.cl->proto;
    const bc::Instr* at = running ? pc : f.pc;  // after the instruction that was running
    rt.add_trace(p, static_cast<uint32_t>(at - 1 - p->code));
    if (f.entry) break;
  }
}

}  // namespace interp

bool interp_call(Runtime& rt, uint32_t func_slot, uint32_t nargs, Value* ret) {
  Closure* cl = rt.stack[func_slot].as_closure();
  Proto* p = cl->proto;
  uint32_t base = func_slot + 1;
  // top is base + nargs; the frame needs base + nregs.
  size_t need = p->nregs > nargs ? p->nregs - nargs : 0;
  if (!rt.ensure_stack(need) || !rt.ensure_frame()) return false;
  for (uint32_t j = nargs; j < p->nparams; ++j) rt.stack[base + j] = Value();
  Frame& f = rt.frames[rt.nframes++];
  f.cl = cl;
  f.pc = p->code;
  f.base = base;
  f.ret = 0;
  f.entry = 1;
  rt.top = rt.stack + base + p->nregs;
  return rt.options().switch_dispatch ? interp::execute_switch(rt, ret)
                                      : interp::execute_goto(rt, ret);
}

bool run_loaded(Runtime& rt, Value* ret) {
  uint32_t slot = rt.top_index() - 1;
  Value r;
  bool ok = rt.call(slot, 0, &r);
  rt.top = rt.stack + slot;
  if (ret) *ret = r;
  return ok;
}

uint32_t line_at(const Proto* p, uint32_t pc) {
  uint32_t lo = 0, hi = p->nlines;  // the last run starting at or before pc
  if (hi == 0) return 0;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (p->lines[mid].pc <= pc)
      lo = mid;
    else
      hi = mid;
  }
  return p->lines[lo].line;
}

bool append_traceback(Runtime& rt, Buffer& out) {
  uint32_t n = rt.trace_count();
  for (uint32_t i = 0; i < n; ++i) {
    TraceEntry e;
    if (!rt.trace_entry(i, &e)) {  // the middle of a deep one
      uint32_t skipped = n - Runtime::kTraceHead - Runtime::kTraceTail;
      char buf[64];
      int len = std::snprintf(buf, sizeof buf, "  ... (%u more)\n", skipped);
      if (!out.append({buf, static_cast<size_t>(len)})) return false;
      i += skipped - 1;
      continue;
    }
    std::string_view file = e.proto->source ? e.proto->source->view() : "?";
    std::string_view name = e.proto->name ? e.proto->name->view() : "<anonymous>";
    char line[16];
    int len = std::snprintf(line, sizeof line, ":%u", line_at(e.proto, e.pc));
    if (!out.append("  ") || !out.append(file) || !out.append({line, static_cast<size_t>(len)}) ||
        !out.append(" in function ") || !out.append(name) || !out.append('\n'))
      return false;
  }
  return true;
}

}  // namespace hako::vm
