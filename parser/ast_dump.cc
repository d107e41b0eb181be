#include "parser/ast_dump.h"

#include "parser/numbers.h"
#include "parser/utf8.h"

namespace hako::ast {

namespace {

// Recursion follows the tree, whose height the parser bounds (ParseOptions::max_height).
class Dumper {
 public:
  Dumper(TextBuffer* out, const DumpOptions& opt) : out_(out), opt_(opt) {}

  bool ok() const { return ok_; }

  void chunk(const Ast& ast) {
    put("Chunk ");
    put(ast.file());
    started_ = true;
    for (const Stmt* s : ast.main()->body->stmts) stmt(*s, 1);
    put("\n");
  }

 private:
  void function(const Function& fn, const char* what, int depth) {
    line(depth);
    put(what);
    if (!fn.name.empty()) {
      put(" ");
      put(fn.name);
    }
    put("(");
    for (uint32_t i = 0; i < fn.params.size; ++i) {
      if (i) put(", ");
      put(fn.params[i].name);
    }
    put(")");
    at(fn.pos);
    block(*fn.body, depth + 1);
  }

  void put(std::string_view s) { ok_ = ok_ && out_->append(s); }
  void line(int depth) {
    if (started_) put("\n");
    started_ = true;
    for (int i = 0; i < depth; ++i) put("  ");
  }
  void at(Pos p) {
    if (opt_.positions) ok_ = ok_ && out_->appendf(" @%u:%u", p.line, p.col);
  }
  void quoted(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    put("\"");
    auto* p = reinterpret_cast<const unsigned char*>(s.data());
    auto* end = p + s.size();
    while (p < end) {
      unsigned c = *p;
      size_t n = c >= 0x80 ? utf8_sequence(p, end) : 1;
      if (c >= 0x80 && n) {
        put(std::string_view(reinterpret_cast<const char*>(p), n));
        p += n;
        continue;
      }
      char buf[4] = {'\\', 0, 0, 0};
      switch (c) {
        case '"':
          put("\\\"");
          break;
        case '\\':
          put("\\\\");
          break;
        case '\n':
          put("\\n");
          break;
        case '\t':
          put("\\t");
          break;
        case '\r':
          put("\\r");
          break;
        case '\0':
          put("\\0");
          break;
        default:
          if (c >= 0x20 && c < 0x7f) {
            put(std::string_view(reinterpret_cast<const char*>(p), 1));
          } else {
            buf[1] = 'x';
            buf[2] = hex[c >> 4];
            put(std::string_view(buf, 3));
            put(std::string_view(&hex[c & 15], 1));
          }
      }
      ++p;
    }
    put("\"");
  }

  void block(const Block& b, int depth) {
    line(depth);
    put("Block");
    at(b.pos);
    for (const Stmt* s : b.stmts) stmt(*s, depth + 1);
  }

  void stmt(const Stmt& s, int depth) {
    switch (s.kind) {
      case StmtKind::Block:
        block(s.as<Block>(), depth);
        return;
      case StmtKind::Fn:
        function(*s.as<FnStmt>().fn, "Fn", depth);
        return;
      default:
        break;
    }
    line(depth);
    put(stmt_kind_name(s.kind));
    switch (s.kind) {
      case StmtKind::Expr:
        at(s.pos);
        expr(*s.as<ExprStmt>().expr, depth + 1);
        break;
      case StmtKind::Let: {
        auto& l = s.as<LetStmt>();
        put(" ");
        put(l.name);
        at(s.pos);
        if (l.init) expr(*l.init, depth + 1);
        break;
      }
      case StmtKind::Assign: {
        auto& a = s.as<AssignStmt>();
        put(" ");
        put(assign_op_text(a.op));
        at(s.pos);
        expr(*a.target, depth + 1);
        expr(*a.value, depth + 1);
        break;
      }
      case StmtKind::If: {
        auto& i = s.as<IfStmt>();
        at(s.pos);
        for (const IfClause& c : i.clauses) {
          line(depth + 1);
          put("Clause");
          at(c.pos);
          expr(*c.cond, depth + 2);
          block(*c.body, depth + 2);
        }
        if (i.otherwise) {
          line(depth + 1);
          put("Else");
          block(*i.otherwise, depth + 2);
        }
        break;
      }
      case StmtKind::While: {
        auto& w = s.as<WhileStmt>();
        at(s.pos);
        expr(*w.cond, depth + 1);
        block(*w.body, depth + 1);
        break;
      }
      case StmtKind::ForRange: {
        auto& f = s.as<ForRangeStmt>();
        put(" ");
        put(f.var);
        at(s.pos);
        expr(*f.start, depth + 1);
        expr(*f.stop, depth + 1);
        if (f.step) expr(*f.step, depth + 1);
        block(*f.body, depth + 1);
        break;
      }
      case StmtKind::ForIn: {
        auto& f = s.as<ForInStmt>();
        put(" ");
        if (!f.key.empty()) {
          put(f.key);
          put(", ");
        }
        put(f.value);
        at(s.pos);
        expr(*f.iterable, depth + 1);
        block(*f.body, depth + 1);
        break;
      }
      case StmtKind::Return:
        at(s.pos);
        if (s.as<ReturnStmt>().value) expr(*s.as<ReturnStmt>().value, depth + 1);
        break;
      default:
        at(s.pos);
        break;  // Break, Continue
    }
  }

  void exprs(const List<Expr*>& list, int depth) {
    for (const Expr* e : list) expr(*e, depth);
  }

  void expr(const Expr& e, int depth) {
    if (e.kind == ExprKind::Fn) {
      function(*e.as<FnExpr>().fn, "FnExpr", depth);
      return;
    }
    line(depth);
    put(expr_kind_name(e.kind));
    switch (e.kind) {
      case ExprKind::Bool:
        put(e.as<BoolExpr>().value ? " true" : " false");
        break;
      case ExprKind::Int:
        ok_ = ok_ && out_->appendf(" %lld", (long long)e.as<IntExpr>().value);
        break;
      case ExprKind::Float: {
        char buf[kDoubleChars];
        put(" ");
        put(std::string_view(buf, format_double(e.as<FloatExpr>().value, buf)));
        break;
      }
      case ExprKind::String:
        put(" ");
        quoted(e.as<StringExpr>().value);
        break;
      case ExprKind::Name:
        put(" ");
        put(e.as<NameExpr>().name);
        break;
      case ExprKind::Unary:
        put(" ");
        put(unary_op_text(e.as<UnaryExpr>().op));
        break;
      case ExprKind::Binary:
        put(" ");
        put(binary_op_text(e.as<BinaryExpr>().op));
        break;
      case ExprKind::Field:
        put(" ");
        put(e.as<FieldExpr>().name);
        break;
      case ExprKind::Method:
        put(" ");
        put(e.as<MethodExpr>().name);
        break;
      default:
        break;
    }
    at(e.pos);
    switch (e.kind) {
      case ExprKind::Array:
        exprs(e.as<ArrayExpr>().items, depth + 1);
        break;
      case ExprKind::Map:
        for (const MapEntry& m : e.as<MapExpr>().entries) {
          line(depth + 1);
          put(m.key_kind == KeyKind::Name     ? "Entry name"
              : m.key_kind == KeyKind::String ? "Entry string"
                                              : "Entry computed");
          expr(*m.key, depth + 2);
          expr(*m.value, depth + 2);
        }
        break;
      case ExprKind::Unary:
        expr(*e.as<UnaryExpr>().operand, depth + 1);
        break;
      case ExprKind::Binary:
        expr(*e.as<BinaryExpr>().lhs, depth + 1);
        expr(*e.as<BinaryExpr>().rhs, depth + 1);
        break;
      case ExprKind::Index:
        expr(*e.as<IndexExpr>().object, depth + 1);
        expr(*e.as<IndexExpr>().index, depth + 1);
        break;
      case ExprKind::Field:
        expr(*e.as<FieldExpr>().object, depth + 1);
        break;
      case ExprKind::Call:
        expr(*e.as<CallExpr>().callee, depth + 1);
        exprs(e.as<CallExpr>().args, depth + 1);
        break;
      case ExprKind::Method:
        expr(*e.as<MethodExpr>().object, depth + 1);
        exprs(e.as<MethodExpr>().args, depth + 1);
        break;
      default:
        break;
    }
  }

  TextBuffer* out_;
  DumpOptions opt_;
  bool ok_ = true;
  bool started_ = false;
};

}  // namespace

bool dump(const Ast& ast, TextBuffer* out, const DumpOptions& opt) {
  if (!ast.main()) return false;
  Dumper d(out, opt);
  d.chunk(ast);
  return d.ok();
}

}  // namespace hako::ast
