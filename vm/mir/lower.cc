// Lowering: the driver, code and blocks, names and scopes, functions. Statements:
// lower_stmt.cc; expressions: lower_expr.cc.
#include <cstdio>
#include <new>

#include "vm/bytecode.h"
#include "vm/mir/lower_impl.h"

namespace hako::mir {

bool lower(const ast::Ast& ast, const LowerOptions& opt, GlobalTable* globals, Sink* sink,
           Errors* errors) {
  Lowerer l(ast, opt, globals, sink, errors);
  return l.run();
}

Lowerer::Lowerer(const ast::Ast& ast, const LowerOptions& opt, GlobalTable* globals, Sink* sink,
                 Errors* errors)
    : ast_(ast), opt_(opt), globals_(globals), sink_(sink), errors_(errors) {
  if (opt_.max_errors == 0) opt_.max_errors = 1;
}

Lowerer::~Lowerer() {
  for (State* s : states_) {
    s->~State();
    hak_free(s);
  }
}

bool Lowerer::run() {
  first_error_ = errors_->size();
  const ast::Function& main = *ast_.main();
  for (std::string_view name : opt_.predefined) {
    globals_->declare(name, GlobalTable::State::Predefined);
  }
  // The chunk's own statements declare globals (usable in functions anywhere, and in the
  // chunk's code after the declaration).
  for (const ast::Stmt* s : main.body->stmts) {
    std::string_view name;
    ast::Pos pos = s->pos;
    if (s->kind == ast::StmtKind::Let) {
      name = s->as<ast::LetStmt>().name;
      pos = s->as<ast::LetStmt>().name_pos;
    } else if (s->kind == ast::StmtKind::Fn) {
      name = s->as<ast::FnStmt>().fn->name;
    } else {
      continue;
    }
    GlobalTable::Entry* e = globals_->declare(name, GlobalTable::State::Later, pos.line, pos.col);
    e->in_chunk = true;
  }
  chunk(main);
  return errors_->size() == first_error_;
}

// ---- Errors -------------------------------------------------------------------------------

void Lowerer::error(ast::Pos p, const char* fmt, ...) {
  if (too_many_errors_) return;
  Error e;
  e.line = p.line;
  e.col = p.col;
  if (errors_->size() - first_error_ + 1 >= opt_.max_errors) {
    snprintf(e.message, sizeof e.message, "too many errors; stopping here");
    too_many_errors_ = true;
  } else {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
  }
  errors_->push_back(e);
}

// ---- Code ---------------------------------------------------------------------------------

Instr& Lowerer::emit(Op op, uint32_t d, uint32_t a, uint32_t b, uint32_t c) {
  State& s = st();
  if (s.cur == kNoBlock) start(s.fn.new_block());  // code after a jump: unreachable
  Instr in;
  in.op = op;
  in.line = line_;
  in.d = d;
  in.a = a;
  in.b = b;
  in.c = c;
  s.fn.code.push_back(in);
  if (is_term(op)) {
    s.fn.blocks[s.cur].end = static_cast<uint32_t>(s.fn.code.size());
    s.cur = kNoBlock;
  }
  return s.fn.code.back();
}

void Lowerer::start(BlockId b) {
  State& s = st();
  if (s.cur != kNoBlock) emit(Op::Jmp, b);
  s.fn.blocks[b].begin = static_cast<uint32_t>(s.fn.code.size());
  s.cur = b;
  s.layout.push_back(b);
}

void Lowerer::jump(BlockId b) {
  if (open()) emit(Op::Jmp, b);
}

uint32_t Lowerer::take_list(size_t mark) {
  uint32_t start =
      fn().add_list(scratch_.data() + mark, static_cast<uint32_t>(scratch_.size() - mark));
  scratch_.resize(mark);
  return start;
}

// Blocks were numbered as they were made; number them in the order they were started (the
// layout), which is also the order of their code.
void Lowerer::finish_blocks() {
  State& s = st();
  Function& f = s.fn;
  size_t n = f.blocks.size();
  perm_.assign(n, kNoBlock);
  for (size_t i = 0; i < s.layout.size(); ++i) perm_[s.layout[i]] = static_cast<BlockId>(i);
  blocks_tmp_.clear();
  for (BlockId b : s.layout) blocks_tmp_.push_back(f.blocks[b]);
  f.blocks.assign(blocks_tmp_.begin(), blocks_tmp_.end());
  for (Block& b : f.blocks) {
    Instr& t = f.code[b.end - 1];
    const OpInfo& oi = info(t.op);
    if (oi.d == Field::T) t.d = perm_[t.d];
    if (oi.b == Field::T) t.b = perm_[t.b];
    if (oi.c == Field::T) t.c = perm_[t.c];
  }
}

// ---- Names --------------------------------------------------------------------------------

Lowerer::Var Lowerer::find(uint32_t depth, std::string_view name) {
  State& s = *states_[depth];
  uint32_t top =
      depth == depth_ ? static_cast<uint32_t>(locals_.size()) : states_[depth + 1]->local_base;
  for (uint32_t i = top; i-- > s.local_base;) {
    const Local& l = locals_[i];
    if (same_name(l.name, name)) {
      Var v;
      v.kind = Var::Kind::Local;
      v.boxed = l.boxed;
      v.index = l.reg;
      v.local = i;
      return v;
    }
  }
  if (depth == 0) {
    Var v;
    v.kind = Var::Kind::Global;
    return v;
  }
  Vec<Upval, "mir.func">& ups = s.fn.upvals;
  for (uint32_t i = 0; i < ups.size(); ++i) {
    if (same_name(ups[i].name, name)) {
      Var v;
      v.kind = Var::Kind::Upval;
      v.boxed = ups[i].boxed;
      v.index = i;
      return v;
    }
  }
  Var outer = find(depth - 1, name);
  if (outer.kind != Var::Kind::Local && outer.kind != Var::Kind::Upval) return outer;
  Upval u;
  u.name = name;
  u.boxed = outer.boxed;
  u.index = outer.index;
  if (outer.kind == Var::Kind::Upval) {
    u.kind = Upval::Kind::Upval;
  } else if (locals_[outer.local].self_depth == depth) {
    u.kind = Upval::Kind::Self;
  } else {
    u.kind = Upval::Kind::Local;
  }
  ups.push_back(u);
  Var v;
  v.kind = Var::Kind::Upval;
  v.boxed = u.boxed;
  v.index = static_cast<uint32_t>(ups.size() - 1);
  return v;
}

Lowerer::Var Lowerer::resolve(std::string_view name, ast::Pos pos) {
  Var v = find(depth_, name);
  if (v.kind == Var::Kind::Upval && v.index >= kMaxList) {
    error(pos, "too many variables captured by one function (more than %u)", kMaxList);
  }
  if (v.kind != Var::Kind::Global) return v;
  GlobalTable::Entry* e = globals_->find(name);
  char q[48];
  if (!e) {
    quote_text(name, 24, q, sizeof q);
    error(pos, "undeclared variable '%s'", q);
    v.kind = Var::Kind::None;
    return v;
  }
  if (e->state == GlobalTable::State::Later && depth_ == 0) {
    // The chunk's own code runs in order: the global is not there yet.
    quote_text(name, 24, q, sizeof q);
    error(pos, "undeclared variable '%s' (it is declared later, at %u:%u)", q, e->line, e->col);
    v.kind = Var::Kind::None;
    return v;
  }
  v.index = globals_->index(e);
  if (v.index > bc::kMaxBx) error(pos, "too many global names (more than %u)", bc::kMaxBx + 1);
  return v;
}

void Lowerer::declare_init(std::string_view name, const void* key, Reg value, Reg fresh_from) {
  if (boxed_.has(key)) {
    Reg box = tmp();
    emit(Op::NewBox, box, value);
    declare(name, box, true);
    return;
  }
  if (value < fresh_from) {  // another variable's register: copy it
    Reg r = tmp();
    emit(Op::Move, r, value);
    value = r;
  }
  declare(name, value, false);
}

Reg Lowerer::read(const Var& v, Reg dst) {
  switch (v.kind) {
    case Var::Kind::Local:
      if (v.boxed) {
        Reg r = target(dst);
        emit(Op::GetBox, r, v.index);
        return r;
      }
      if (dst && dst != v.index) {
        emit(Op::Move, dst, v.index);
        return dst;
      }
      return v.index;
    case Var::Kind::Upval: {
      Reg r = target(dst);
      emit(v.boxed ? Op::GetUpBox : Op::GetUpval, r, v.index);
      return r;
    }
    case Var::Kind::Global: {
      Reg r = target(dst);
      emit(Op::GetGlobal, r, v.index);
      return r;
    }
    case Var::Kind::None:
      break;
  }
  return constant(Const::nil(), dst);  // after an error: anything will do
}

void Lowerer::write(const Var& v, Reg value) {
  switch (v.kind) {
    case Var::Kind::Local:
      if (v.boxed) {
        emit(Op::SetBox, 0, v.index, value);
      } else if (value != v.index) {
        emit(Op::Move, v.index, value);
      }
      break;
    case Var::Kind::Upval:
      // The resolver boxes every captured variable that is assigned.
      if (v.boxed) emit(Op::SetUpBox, 0, v.index, value);
      break;
    case Var::Kind::Global:
      emit(Op::SetGlobal, 0, v.index, value);
      break;
    case Var::Kind::None:
      break;
  }
}

// ---- Functions ----------------------------------------------------------------------------

void Lowerer::chunk(const ast::Function& main) {
  auto* mem = static_cast<State*>(hak_alloc_at(sizeof(State), HAK_SITE("mir.func")));
  if (!mem) throw std::bad_alloc();
  states_.push_back(new (mem) State());
  State& s = st();
  s.fn.name = main.name;
  s.fn.line = main.pos.line;
  s.fn.col = main.pos.col;
  line_ = main.pos.line;
  start(s.fn.new_block());
  for (const ast::Stmt* x : main.body->stmts) {
    boxed_.analyze(x);
    stmt(x, true);
  }
  line_ = main.body->end.line;
  if (open()) emit(Op::RetNil);
  finish_blocks();
  if (errors_->size() == first_error_) sink_->function_done(s.fn, 0);
}

uint32_t Lowerer::function(const ast::Function& f) {
  uint32_t saved_line = line_;
  ++depth_;
  if (depth_ == states_.size()) {
    auto* mem = static_cast<State*>(hak_alloc_at(sizeof(State), HAK_SITE("mir.func")));
    if (!mem) throw std::bad_alloc();
    states_.push_back(new (mem) State());
  }
  State& s = st();
  s.fn.clear();
  s.layout.clear();
  s.cur = kNoBlock;
  s.local_base = static_cast<uint32_t>(locals_.size());
  s.loop_base = static_cast<uint32_t>(loops_.size());
  Function& F = s.fn;
  F.name = f.name;
  F.line = f.pos.line;
  F.col = f.pos.col;
  line_ = f.pos.line;
  if (f.params.size > kMaxList) error(f.pos, "too many parameters (more than %u)", kMaxList);
  F.nparams = f.params.size;
  for (uint32_t i = 0; i < f.params.size; ++i) F.new_reg();
  start(F.new_block());
  for (uint32_t i = 0; i < f.params.size; ++i) {
    const ast::Param& p = f.params[i];
    if (boxed_.has(&p)) {
      Reg box = tmp();
      emit(Op::NewBox, box, i + 1);
      declare(p.name, box, true);
    } else {
      declare(p.name, i + 1, false);
    }
  }
  for (const ast::Stmt* x : f.body->stmts) stmt(x, false);
  line_ = f.body->end.line;
  if (open()) emit(Op::RetNil);
  finish_blocks();
  for (const Upval& u : F.upvals) {
    if (u.kind == Upval::Kind::Local) scratch_.push_back(u.index);
  }
  if (errors_->size() == first_error_) sink_->function_done(F, depth_);
  locals_.resize(s.local_base);
  loops_.resize(s.loop_base);
  --depth_;
  line_ = saved_line;
  return fn().nchildren++;
}

Reg Lowerer::closure(const ast::Function& f, Reg dst) {
  size_t mark = scratch_.size();
  uint32_t index = function(f);
  auto n = static_cast<uint32_t>(scratch_.size() - mark);
  uint32_t list = take_list(mark);
  Reg r = target(dst);
  emit(Op::Closure, r, index, n, list);
  return r;
}

}  // namespace hako::mir
