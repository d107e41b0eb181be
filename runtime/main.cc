// The `hako` command line: `hako [run] [OPTIONS] FILE [ARGS...]` runs a program, `hako
// [OPTIONS]` with no file is a REPL, and the subcommands in the table below do the rest.
//
// Exit status: 0 success, 1 a runtime error (or an invalid JSON document for json-check, a Lua
// error for lua), 2 a usage or I/O error, 3 a compile error (file:line:col: message lines on
// stderr).
// Program output goes to stdout, buffered, and is flushed before anything is written to
// stderr and at exit.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "hakmem.h"
#include "parser/ast_dump.h"
#include "parser/json.h"
#include "parser/parser.h"
#include "parser/text_buffer.h"
#include "runtime/compare_command.h"
#include "runtime/lua_command.h"
#include "vm/array.h"
#include "vm/bytecode_dump.h"
#include "vm/compile.h"
#include "vm/interp.h"
#include "vm/print.h"

namespace {

namespace vm = hako::vm;

constexpr int kOk = 0, kInvalid = 1, kRuntimeError = 1, kUsage = 2, kCompileError = 3;

// A whole file in memory with a NUL byte after it (what the lexers need).
class File {
 public:
  ~File() { hak_free(data_); }
  bool read(const char* path) {
    FILE* f = std::strcmp(path, "-") == 0 ? stdin : std::fopen(path, "rb");
    if (!f) {
      std::fprintf(stderr, "hako: cannot open %s: %s\n", path, std::strerror(errno));
      return false;
    }
    size_t cap = 1 << 16;
    bool ok = true;
    for (;;) {
      auto* d = static_cast<char*>(hak_realloc_at(data_, cap + 1, HAK_SITE("cli.file")));
      if (!d) {
        std::fprintf(stderr, "hako: %s: out of memory\n", path);
        ok = false;
        break;
      }
      data_ = d;
      size_ += std::fread(data_ + size_, 1, cap - size_, f);
      if (size_ < cap) break;
      cap *= 2;
    }
    if (ok && std::ferror(f)) {
      std::fprintf(stderr, "hako: cannot read %s: %s\n", path, std::strerror(errno));
      ok = false;
    }
    if (f != stdin) std::fclose(f);
    if (ok) data_[size_] = '\0';
    return ok;
  }
  std::string_view text() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

void print_error(const char* file, const hako::Error& e, bool with_offset) {
  std::fflush(stdout);
  char buf[512];
  hako::format_error(e, file, with_offset, buf, sizeof buf);
  std::fprintf(stderr, "%s\n", buf);
}

// hako json-check FILE: is FILE strict JSON (RFC 8259, docs/JSON.md)?
int json_check(int argc, char** argv) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: hako json-check FILE\n");
    return kUsage;
  }
  File f;
  if (!f.read(argv[0])) return kUsage;
  hako::Error err;
  if (!hako::json::validate(f.text(), &err)) {
    print_error(argv[0], err, true);
    return kInvalid;
  }
  return kOk;
}

// Options of the dump commands: --positions (AST), -O0/-O1 and --verify (MIR, bytecode),
// then FILE.
struct DumpArgs {
  bool positions = false;
  bool verify = false;
  int opt_level = 1;
  const char* file = nullptr;
};

bool dump_args(int argc, char** argv, bool ast, DumpArgs* out) {
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (ast && a == "--positions") {
      out->positions = true;
    } else if (!ast && (a == "-O0" || a == "-O1")) {
      out->opt_level = a[2] - '0';
    } else if (!ast && a == "--verify") {
      out->verify = true;
    } else if (!out->file && (a == "-" || a.empty() || a[0] != '-')) {
      out->file = argv[i];
    } else {
      return false;
    }
  }
  return out->file != nullptr;
}

int write_out(const hako::TextBuffer& out, bool ok) {
  if (!ok) {
    std::fprintf(stderr, "hako: out of memory\n");
    return kUsage;
  }
  std::fwrite(out.view().data(), 1, out.view().size(), stdout);
  return kOk;
}

// hako --dump-ast FILE: the syntax tree of a Hako file (parser/ast_dump.h).
int dump_ast(int argc, char** argv) {
  DumpArgs args;
  if (!dump_args(argc, argv, true, &args)) {
    std::fprintf(stderr, "usage: hako --dump-ast [--positions] FILE\n");
    return kUsage;
  }
  File f;
  if (!f.read(args.file)) return kUsage;
  hako::ast::Ast ast;
  hako::Errors errors;
  if (!hako::parse(args.file, f.text(), &ast, &errors)) {
    for (const hako::Error& e : errors) print_error(args.file, e, false);
    return kCompileError;
  }
  hako::TextBuffer out(HAK_SITE("cli.output"));
  hako::ast::DumpOptions opt;
  opt.positions = args.positions;
  return write_out(out, hako::ast::dump(ast, &out, opt));
}

// hako --dump-mir [-O0|-O1] FILE and --dump-bytecode [-O0|-O1] FILE (vm/mir/dump.h,
// vm/bytecode_dump.h).
int dump_compiled(int argc, char** argv, bool mir) {
  DumpArgs args;
  if (!dump_args(argc, argv, false, &args)) {
    std::fprintf(stderr, "usage: hako %s [-O0|-O1] [--verify] FILE\n",
                 mir ? "--dump-mir" : "--dump-bytecode");
    return kUsage;
  }
  File f;
  if (!f.read(args.file)) return kUsage;
  hako::TextBuffer out(HAK_SITE("cli.output"));
  hako::CompileOptions opt;
  opt.opt_level = args.opt_level;
  if (args.verify) opt.verify = true;
  if (mir) opt.mir_dump = &out;
  hako::bc::Unit unit;
  hako::Errors errors;
  if (!hako::compile(args.file, f.text(), &unit, &errors, opt)) {
    for (const hako::Error& e : errors) print_error(args.file, e, false);
    return kCompileError;
  }
  if (!mir) hako::bc::dump(unit, &out);
  return write_out(out, true);
}

int dump_mir(int argc, char** argv) { return dump_compiled(argc, argv, true); }
int dump_bytecode(int argc, char** argv) { return dump_compiled(argc, argv, false); }

// ---- Running programs ----------------------------------------------------------------

// The options of `run` and of the REPL.
struct RunOptions {
  int opt_level = 1;
  uint32_t gc_stress = 0;  // 0 off, else collect at every n-th allocation
  bool report = false;
  bool gc_stats = false;  // the collector's figures on stderr at exit (for hako compare)
  bool switch_dispatch = false;
  int64_t budget = -1;
  size_t memory_limit = 0;
};

bool number_option(std::string_view a, std::string_view name, uint64_t* out) {
  if (a.substr(0, name.size()) != name) return false;
  std::string digits(a.substr(name.size()));
  char* end = nullptr;
  errno = 0;
  *out = std::strtoull(digits.c_str(), &end, 10);
  return !digits.empty() && *end == '\0' && errno == 0 && digits[0] != '-';
}

// One option; false when `a` is none of them.
bool run_option(std::string_view a, RunOptions* o) {
  uint64_t n;
  if (a == "-O0" || a == "-O1")
    o->opt_level = a[2] - '0';
  else if (a == "--gc-stress")
    o->gc_stress = 1;
  else if (number_option(a, "--gc-stress=", &n) && n > 0 && n <= UINT32_MAX)
    o->gc_stress = static_cast<uint32_t>(n);
  else if (a == "--report")
    o->report = true;
  else if (a == "--gc-stats")
    o->gc_stats = true;
  else if (a == "--switch-dispatch")
    o->switch_dispatch = true;
  else if (number_option(a, "--budget=", &n))
    o->budget = static_cast<int64_t>(n > INT64_MAX ? INT64_MAX : n);
  else if (number_option(a, "--memory-limit=", &n))
    o->memory_limit = n;
  else
    return false;
  return true;
}

// A runtime for the command line, destroyed (and hakmem's report written, with --report)
// at the end of the scope.
class Session {
 public:
  explicit Session(const RunOptions& o) : opt_(o) {
    vm::RuntimeOptions ro;
    ro.gc_stress = o.gc_stress > 0;
    ro.gc_stress_every = o.gc_stress ? o.gc_stress : 1;
    ro.budget = o.budget;
    ro.memory_limit = o.memory_limit;
    ro.switch_dispatch = o.switch_dispatch;
    rt_ = vm::Runtime::create(ro);
    if (!rt_) std::fprintf(stderr, "hako: cannot create a runtime: out of memory\n");
  }
  ~Session() {
    if (rt_ && opt_.gc_stats) {  // one line for hako compare (docs/COMPARE.md)
      vm::GcStats g = rt_->gc_stats();
      hak_kpi_t k;
      hak_get_kpi(&k);
      std::fflush(stdout);
      std::fprintf(stderr,
                   "hako-gc: cycles=%llu pause_ms=%.3f heap_bytes=%zu objects=%zu "
                   "peak_rss_kb=%zu\n",
                   static_cast<unsigned long long>(g.cycles), g.pause_ms_total, g.heap_bytes,
                   g.objects, k.peak_rss_bytes >> 10);
    }
    vm::Runtime::destroy(rt_);
    std::fflush(stdout);
    if (opt_.report) hak_report_to("stderr");
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  vm::Runtime* rt() { return rt_; }

  // The global `args`: the strings after the program's file.
  bool set_args(int argc, char** argv) {
    vm::Array* a = rt_->new_array(static_cast<uint32_t>(argc));
    if (!a || !rt_->set_global("args", vm::Value::array(a))) return false;
    for (int i = 0; i < argc; ++i) {
      vm::String* s = rt_->new_string(argv[i]);
      if (!s || !vm::array_push(*rt_, a, vm::Value::string(s))) return false;
    }
    return true;
  }

  // Compiles source as `file` with the globals defined so far; false after printing the
  // errors (or, with quiet, without).
  bool compile(const char* file, std::string_view source, hako::bc::Unit* unit,
               hako::Errors* errors) {
    hako::CompileOptions co;
    co.opt_level = opt_.opt_level;
    std::vector<std::string_view> names;  // every global there is: builtins, earlier chunks
    vm::Map* g = rt_->globals();
    for (uint32_t i = 0; i < g->used; ++i)
      if (g->entries[i].live() && g->entries[i].key_tag == vm::kString)
        names.push_back(reinterpret_cast<vm::String*>(g->entries[i].key_bits)->view());
    co.globals = names;
    return hako::compile(file, source, unit, errors, co);
  }

  // Loads and runs a unit; *ret is what it returned. False after printing the error.
  bool run(const hako::bc::Unit& unit, vm::Value* ret) {
    if (vm::load(*rt_, unit) && vm::run_loaded(*rt_, ret)) return true;
    report_error();
    return false;
  }

  // "runtime error: MESSAGE" and the traceback, on stderr; the error is cleared.
  void report_error() {
    std::fflush(stdout);
    vm::Runtime& rt = *rt_;
    size_t limit = rt.options().memory_limit;
    int64_t budget = rt.budget;
    rt.set_memory_limit(0);  // room to write the message, also after "out of memory"
    rt.set_budget(-1);
    {
      vm::Local err(rt, rt.error_value());
      vm::Buffer b(rt);
      bool ok = b.append("runtime error: ") && vm::append_value(rt, b, err.get()) &&
                b.append("\n") && (rt.trace_count() == 0 || b.append("traceback:\n")) &&
                vm::append_traceback(rt, b);
      if (ok)
        std::fwrite(b.view().data(), 1, b.size(), stderr);
      else
        std::fprintf(stderr, "runtime error (and no memory to describe it)\n");
    }
    rt.clear_error();
    rt.set_memory_limit(limit);
    rt.budget = budget;
  }

 private:
  RunOptions opt_;
  vm::Runtime* rt_ = nullptr;
};

// hako [run] [OPTIONS] FILE [ARGS...]
int run_file(const RunOptions& o, const char* path, int argc, char** argv) {
  File f;
  if (!f.read(path)) return kUsage;
  Session s(o);
  if (!s.rt()) return kRuntimeError;
  hako::bc::Unit unit;
  hako::Errors errors;
  if (!s.compile(path, f.text(), &unit, &errors)) {
    for (const hako::Error& e : errors) print_error(path, e, false);
    return kCompileError;
  }
  if (!s.set_args(argc, argv)) {
    s.report_error();
    return kRuntimeError;
  }
  vm::Value ret;
  return s.run(unit, &ret) ? kOk : kRuntimeError;
}

// Whether a failed compilation only lacks the rest of its text: a block, brackets or a
// comment still open at the end of the input. (The REPL then reads another line.)
bool needs_more(const hako::Errors& errors) {
  for (const hako::Error& e : errors)
    if (std::strstr(e.message, "got end of input") ||
        std::strstr(e.message, "unterminated block comment"))
      return true;
  return false;
}

// The REPL: reads statements from stdin (a prompt when it is a terminal), runs each
// complete input as a chunk whose top-level names stay defined for the next ones, and
// prints the value of an expression (unless it is nil). Errors are reported and the
// session goes on; it ends at the end of the input.
int repl(const RunOptions& o) {
  Session s(o);
  if (!s.rt()) return kRuntimeError;
  if (!s.set_args(0, nullptr)) {
    s.report_error();
    return kRuntimeError;
  }
  bool tty = isatty(0);
  std::string text;
  char* line = nullptr;
  size_t cap = 0;
  for (;;) {
    if (tty) {
      std::fputs(text.empty() ? "> " : ".. ", stdout);
      std::fflush(stdout);
    }
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) break;
    text.append(line, static_cast<size_t>(n));
    std::string_view body = text;
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ' || body.back() == '\t' ||
                             body.back() == '\r'))
      body.remove_suffix(1);
    if (body.empty()) {
      text.clear();
      continue;
    }
    // An expression first (its value is printed), as Lua's REPL does; then statements.
    std::string_view expr = body;
    if (expr.back() == ';') expr.remove_suffix(1);
    std::string as_return = "return " + std::string(expr) + ";";
    hako::bc::Unit unit;
    hako::Errors errors;
    bool is_expr = s.compile("stdin", as_return, &unit, &errors);
    if (!is_expr) {
      errors.clear();
      if (!s.compile("stdin", text, &unit, &errors)) {
        if (needs_more(errors)) continue;
        for (const hako::Error& e : errors) print_error("stdin", e, false);
        text.clear();
        continue;
      }
    }
    text.clear();
    vm::Value ret;
    if (!s.run(unit, &ret) || !is_expr || ret.is_nil()) continue;
    vm::Runtime& rt = *s.rt();
    vm::Local keep(rt, ret);
    vm::Buffer b(rt);
    if (vm::append_value(rt, b, ret, true) && b.append('\n'))
      rt.write(b.view());
    else
      s.report_error();
  }
  std::free(line);
  if (!text.empty()) {  // the input ended inside a block, brackets or a comment
    hako::bc::Unit unit;
    hako::Errors errors;
    if (!s.compile("stdin", text, &unit, &errors))
      for (const hako::Error& e : errors) print_error("stdin", e, false);
  }
  if (tty) std::fputc('\n', stdout);
  return kOk;
}

// hako run [OPTIONS] FILE [ARGS...], hako [OPTIONS] FILE [ARGS...], and the REPL.
int run_command(int argc, char** argv, bool file_required) {
  RunOptions o;
  int i = 0;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.size() > 1 && a[0] == '-') {
      if (!run_option(a, &o)) {
        std::fprintf(stderr, "hako: unknown option '%s' (hako --help lists them)\n", argv[i]);
        return kUsage;
      }
      continue;
    }
    break;
  }
  if (i == argc) {
    if (file_required) {
      std::fprintf(stderr, "usage: hako run [OPTIONS] FILE [ARGS...]\n");
      return kUsage;
    }
    return repl(o);
  }
  return run_file(o, argv[i], argc - i - 1, argv + i + 1);
}

int run(int argc, char** argv) { return run_command(argc, argv, true); }

// hako lua FILE.lua [ARGS]: a Lua 5.4 program on hakmem (runtime/lua_command.h).
int lua(int argc, char** argv) { return hako::lua::command(argc + 2, argv - 2, 2); }

// hako compare SAMPLE...: the samples' twins under several allocators (docs/COMPARE.md).
int compare(int argc, char** argv) { return hako::compare::command(argc, argv); }

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);  // the arguments after the command's name
  const char* args;
  const char* help;
};

const Command kCommands[] = {
    {"run", run, "[OPTIONS] FILE [ARGS...]",
     "run a Hako program (args holds ARGS); also `hako [OPTIONS] FILE [ARGS...]`"},
    {"json-check", json_check, "FILE", "check that FILE is strict JSON (exit 0 yes, 1 no)"},
    {"--dump-ast", dump_ast, "[--positions] FILE", "print the syntax tree of a Hako file"},
    {"--dump-mir", dump_mir, "[-O0|-O1] [--verify] FILE",
     "print the MIR of a Hako file's functions (--verify: check it after each pass)"},
    {"--dump-bytecode", dump_bytecode, "[-O0|-O1] [--verify] FILE",
     "print the bytecode of a Hako file"},
    {"lua", lua, "FILE.lua [ARGS]", "run a Lua 5.4 program on hakmem (hako lua --help)"},
    {"compare", compare, "[OPTIONS] SAMPLE...",
     "samples' Hako and Lua twins across allocators (hako compare --help)"},
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: hako [run] [OPTIONS] FILE [ARGS...]   run a program\n"
               "       hako [OPTIONS]                        a REPL (reads stdin)\n"
               "       hako COMMAND [ARGS]\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-15s %-27s %s\n", c.name, c.args, c.help);
  }
  std::fprintf(out, "  %-15s %-27s %s\n", "--help", "", "show this message");
  std::fprintf(out,
               "\noptions of run and the REPL:\n"
               "  -O0, -O1             optimization level of the compiler (default -O1)\n"
               "  --gc-stress[=N]      collect garbage at every (N-th) allocation (finds bugs)\n"
               "  --report             write hakmem's report to stderr at exit\n"
               "  --gc-stats           the collector's cycles and pause, and the peak RSS, on\n"
               "                       stderr at exit (a line `hako-gc: cycles=N ...`)\n"
               "  --budget=N           stop after N instructions (a runtime error)\n"
               "  --memory-limit=N     heap limit in bytes (beyond it: out of memory)\n"
               "  --switch-dispatch    run the interpreter's switch loop (for testing)\n"
               "\nexit status: 0 ok, 1 runtime error (json-check: invalid JSON), 2 usage or I/O\n"
               "error, 3 compile error\n");
}

}  // namespace

int main(int argc, char** argv) {
  static char out_buf[1 << 16];
  if (!isatty(1)) std::setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
  if (argc >= 2) {
    std::string_view cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      usage(stdout);
      return kOk;
    }
    for (const Command& c : kCommands) {
      if (cmd == c.name) return c.run(argc - 2, argv + 2);
    }
  }
  return run_command(argc - 1, argv + 1, false);
}
