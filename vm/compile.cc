// The compiler driver: parse, lower, and for each function as it completes (innermost
// first): verify, optimize (vm/mir/passes.cc draws the pass pipeline), allocate registers,
// emit its prototype.
//
//   source --parse--> AST --resolve (boxed variables)--> lower, function by function:
//       Function --verify--> passes (-O1) --regalloc--> emit --> bc::Proto
//   --> bc::Unit (main prototype, its nested prototypes, the global names)
#include "vm/compile.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "vm/mir/dump.h"
#include "vm/mir/emit.h"
#include "vm/mir/lower.h"
#include "vm/mir/passes.h"
#include "vm/mir/regalloc.h"
#include "vm/mir/verify.h"

namespace hako {

namespace {

constexpr std::string_view kBuiltins[] = {
    "print", "len",  "push",   "pop",   "insert", "remove", "keys",  "has",   "delete",
    "type",  "str",  "int",    "float", "range",  "clock",  "error", "pcall", "assert",
    "sort",  "math", "string", "json",  "io",     "gc",     "args",
};

class Driver final : public mir::Sink {
 public:
  Driver(bc::Unit* unit, Errors* errors, const CompileOptions& opt)
      : unit_(unit), errors_(errors), opt_(opt), strings_(unit) {}

  bool run(const ast::Ast& ast) {
    mir::Vec<std::string_view, "mir.global"> predefined(opt_.builtins.begin(), opt_.builtins.end());
    predefined.insert(predefined.end(), opt_.globals.begin(), opt_.globals.end());
    mir::LowerOptions lo;
    lo.predefined = predefined;
    lo.max_errors = opt_.parse.max_errors;
    bool ok = mir::lower(ast, lo, &globals_, this, errors_) && !failed_;
    if (!ok || !main_) return false;
    const auto& names = globals_.names();
    auto* g =
        names.empty() ? nullptr : unit_->proto_arena().alloc_array<std::string_view>(names.size());
    if (!names.empty() && !g) return oom();
    for (size_t i = 0; i < names.size(); ++i) {
      const char* p = strings_.intern(names[i]);
      if (!p) return oom();
      g[i] = std::string_view(p, names[i].size());
    }
    const char* file = strings_.intern(ast.file());
    if (!file) return oom();
    unit_->set(main_, std::string_view(file, ast.file().size()), {g, names.size()});
    return true;
  }

  void function_done(mir::Function& fn, uint32_t depth) override {
    if (failed_) return;
    Error err;
    if (opt_.verify && !mir::verify(fn, &err)) return internal(err);
    if (!mir::optimize(fn, opt_.opt_level, opt_.verify, scratch_, &err)) return internal(err);
    if (opt_.mir_dump) {
      mir::dump(fn, globals_.names(), opt_.mir_dump);
      opt_.mir_dump->append("\n");
    }
    if (!mir::allocate_registers(fn, ra_scratch_, &alloc_, &err)) return fail(err);
    if (children_.size() <= depth + 1) children_.resize(depth + 2);
    auto& kids = children_[depth + 1];
    mir::EmitContext cx{unit_, &strings_, {kids.data(), kids.size()}, &emit_scratch_};
    bc::Proto* p = mir::emit(fn, alloc_, cx, &err);
    if (!p) return fail(err);
    kids.clear();
    scratch_.strings.release();  // folded strings are in the unit now
    if (depth == 0) {
      main_ = p;
    } else {
      children_[depth].push_back(p);
    }
  }

 private:
  void fail(const Error& e) {
    errors_->push_back(e);
    failed_ = true;
  }
  void internal(const Error& e) {
    Error x = e;
    snprintf(x.message, sizeof x.message, "internal compiler error: %.134s", e.message);
    fail(x);
  }
  bool oom() {
    Error e;
    e.set(1, 1, 0, "out of memory");
    fail(e);
    return false;
  }

  bc::Unit* unit_;
  Errors* errors_;
  const CompileOptions& opt_;
  mir::StringPool strings_;
  mir::GlobalTable globals_;
  mir::Scratch scratch_;
  mir::RegallocScratch ra_scratch_;
  mir::EmitScratch emit_scratch_;
  mir::Allocation alloc_;
  mir::Vec<mir::Vec<bc::Proto*, "mir.func">, "mir.func"> children_;  // by depth
  bc::Proto* main_ = nullptr;
  bool failed_ = false;
};

}  // namespace

std::span<const std::string_view> builtin_globals() { return kBuiltins; }

bool compile_ast(const ast::Ast& ast, bc::Unit* unit, Errors* errors, const CompileOptions& opt) {
  unit->clear();
  size_t before = errors->size();
  try {
    Driver d(unit, errors, opt);
    if (d.run(ast)) return true;
  } catch (const std::bad_alloc&) {
    Error e;
    e.set(1, 1, 0, "out of memory");
    errors->push_back(e);
  }
  if (errors->size() == before) {  // cannot happen; never fail silently
    Error e;
    e.set(1, 1, 0, "internal compiler error: compilation failed without a message");
    errors->push_back(e);
  }
  // In source order (a function's own errors come when it is complete, after its nested
  // functions'), "too many errors" staying last.
  auto end = errors->end();
  if (std::strncmp(errors->back().message, "too many errors", 15) == 0) --end;
  std::stable_sort(errors->begin() + static_cast<ptrdiff_t>(before), end,
                   [](const Error& a, const Error& b) {
                     return a.line != b.line ? a.line < b.line : a.col < b.col;
                   });
  unit->clear();
  return false;
}

bool compile(std::string_view file, std::string_view source, bc::Unit* unit, Errors* errors,
             const CompileOptions& opt) {
  ast::Ast ast;
  if (!parse(file, source, &ast, errors, opt.parse)) {
    unit->clear();
    return false;
  }
  return compile_ast(ast, unit, errors, opt);
}

}  // namespace hako
