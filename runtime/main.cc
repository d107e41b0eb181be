// The `hako` command line. Each subcommand is a function in the table below; `run` and the
// REPL join it as the VM arrives.
//
// Exit status: 0 success, 1 the input is wrong (an invalid JSON document, a Lua error), 2 a usage
// or I/O error, 3 a compile error (file:line:col: message lines on stderr).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "hakmem.h"
#include "parser/ast_dump.h"
#include "parser/json.h"
#include "parser/parser.h"
#include "parser/text_buffer.h"
#include "runtime/lua_command.h"
#include "vm/bytecode_dump.h"
#include "vm/compile.h"

namespace {

constexpr int kOk = 0, kInvalid = 1, kUsage = 2, kCompileError = 3;

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

// hako lua FILE.lua [ARGS]: a Lua 5.4 program on hakmem (runtime/lua_command.h).
int lua(int argc, char** argv) { return hako::lua::command(argc + 2, argv - 2, 2); }

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);  // the arguments after the command's name
  const char* args;
  const char* help;
};

const Command kCommands[] = {
    {"json-check", json_check, "FILE", "check that FILE is strict JSON (exit 0 yes, 1 no)"},
    {"--dump-ast", dump_ast, "[--positions] FILE", "print the syntax tree of a Hako file"},
    {"--dump-mir", dump_mir, "[-O0|-O1] [--verify] FILE",
     "print the MIR of a Hako file's functions (--verify: check it after each pass)"},
    {"--dump-bytecode", dump_bytecode, "[-O0|-O1] [--verify] FILE",
     "print the bytecode of a Hako file"},
    {"lua", lua, "FILE.lua [ARGS]", "run a Lua 5.4 program on hakmem (hako lua --help)"},
};

void usage(FILE* out) {
  std::fprintf(out, "usage: hako COMMAND [ARGS]\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-15s %-27s %s\n", c.name, c.args, c.help);
  }
  std::fprintf(out, "  %-15s %-27s %s\n", "--help", "", "show this message");
  std::fprintf(out,
               "\nexit status: 0 ok, 1 invalid input, 2 usage or I/O error, 3 compile error\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return kUsage;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(stdout);
    return kOk;
  }
  for (const Command& c : kCommands) {
    if (cmd == c.name) return c.run(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "hako: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return kUsage;
}
