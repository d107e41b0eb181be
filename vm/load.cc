// Loading a compiled unit (vm/bytecode.h) into a runtime: each bc::Proto becomes a Proto
// object the collector manages, its constants values (strings interned), its global numbers
// positions in the runtime's globals map, so that GETGLOBAL is an array index at run time.
#include <cstring>

#include "vm/interp.h"
#include "vm/map.h"

namespace hako::vm {

namespace {

class Loader {
 public:
  Loader(Runtime& rt, const bc::Unit& unit) : rt_(rt), unit_(unit) {}
  ~Loader() { rt_.free(gpos_, nglobals_ * sizeof(uint16_t)); }

  // The positions of the unit's globals in the globals map, added (nil) where missing.
  bool resolve_globals() {
    auto names = unit_.globals();
    nglobals_ = names.size();
    if (nglobals_ == 0) return true;
    gpos_ = static_cast<uint16_t*>(rt_.alloc(nglobals_ * sizeof(uint16_t), HAK_SITE("vm.load")));
    if (!gpos_) return rt_.oom();
    Map* g = rt_.globals();
    for (size_t j = 0; j < nglobals_; ++j) {
      String* name = rt_.new_string(names[j]);
      if (!name) return false;
      Value key = Value::string(name);
      int32_t at = map_find(rt_, g, key);
      if (at < 0) {
        if (!map_set(rt_, g, key, Value())) return false;
        at = map_find(rt_, g, key);
      }
      if (at > 0xffff) return rt_.error("too many globals (more than 65536 names)");
      gpos_[j] = static_cast<uint16_t>(at);
    }
    return true;
  }

  // Fills p (reachable already) from bp, and its nested protos.
  bool fill(Proto* p, const bc::Proto& bp) {
    auto n32 = [](size_t n) { return static_cast<uint32_t>(n); };
    if (!rt_.proto_reserve(p, n32(bp.code.size()), n32(bp.k.size()), n32(bp.protos.size()),
                           n32(bp.upvals.size()), n32(bp.lines.size())))
      return false;
    p->nparams = bp.nparams;
    p->nregs = bp.nregs;
    p->line = bp.line;
    std::memcpy(p->code, bp.code.data(), bp.code.size() * sizeof(uint32_t));
    for (uint32_t pc = 0; pc < p->ncode; pc += bc::instr_length(p->code + pc)) {
      bc::Instr ins = p->code[pc];
      bc::Op op = bc::op(ins);
      if (op == bc::Op::GETGLOBAL || op == bc::Op::SETGLOBAL)
        p->code[pc] = bc::make_abx(op, bc::A(ins), gpos_[bc::Bx(ins)]);
    }
    for (size_t j = 0; j < bp.lines.size(); ++j) p->lines[j] = {bp.lines[j].pc, bp.lines[j].line};
    for (size_t j = 0; j < bp.upvals.size(); ++j) {
      const bc::UpvalDesc& u = bp.upvals[j];
      p->upvals[j].kind = u.kind == bc::UpvalKind::Local   ? UpvalKind::kLocal
                          : u.kind == bc::UpvalKind::Upval ? UpvalKind::kUpval
                                                           : UpvalKind::kSelf;
      p->upvals[j].index = u.index;
    }
    p->source = source_;
    if (!bp.name.empty() && !(p->name = rt_.new_string(bp.name))) return false;
    for (size_t j = 0; j < bp.k.size(); ++j)
      if (!constant(bp.k[j], &p->consts[j])) return false;
    for (size_t j = 0; j < bp.protos.size(); ++j) {
      Proto* child = rt_.new_proto();
      if (!child) return false;
      p->protos[j] = child;  // reachable before it allocates
      if (!fill(child, *bp.protos[j])) return false;
    }
    return true;
  }

  bool constant(const bc::Constant& c, Value* out) {
    switch (c.kind) {
      case bc::Constant::Kind::Nil:
        *out = Value();
        return true;
      case bc::Constant::Kind::False:
        *out = Value::boolean(false);
        return true;
      case bc::Constant::Kind::True:
        *out = Value::boolean(true);
        return true;
      case bc::Constant::Kind::Int:
        *out = Value::integer(c.i);
        return true;
      case bc::Constant::Kind::Float:
        *out = Value::number(c.f);
        return true;
      case bc::Constant::Kind::String: {
        String* s = rt_.new_string(c.str());
        if (!s) return false;
        *out = Value::string(s);
        return true;
      }
    }
    return true;
  }

  Runtime& rt_;
  const bc::Unit& unit_;
  uint16_t* gpos_ = nullptr;
  size_t nglobals_ = 0;
  String* source_ = nullptr;
};

}  // namespace

bool load(Runtime& rt, const bc::Unit& unit) {
  if (!unit.main()) return rt.error("load: the unit holds no chunk");
  // One stack slot holds what is being built: the file name, the main proto, the closure.
  if (!rt.push(Value())) return false;
  uint32_t slot = rt.top_index() - 1;
  Loader ld(rt, unit);
  bool ok = false;
  do {
    String* file = rt.new_string(unit.file());
    if (!file) break;
    rt.stack[slot] = Value::string(file);
    ld.source_ = file;
    if (!ld.resolve_globals()) break;
    Proto* main = rt.new_proto();
    if (!main) break;
    main->source = file;  // keeps the name alive from now on
    rt.stack[slot] = Value::object(main, kProto);
    if (!ld.fill(main, *unit.main())) break;
    Closure* c = rt.new_closure(main, 0);
    if (!c) break;
    rt.stack[slot] = Value::closure(c);
    ok = true;
  } while (false);
  if (!ok) rt.top = rt.stack + slot;
  return ok;
}

}  // namespace hako::vm
