// Helpers for the Hako parser tests: parse, and show the result as a short s-expression or
// as the errors.
#pragma once

#include <cstdio>
#include <string>

#include "parser/ast.h"
#include "parser/ast_dump.h"
#include "parser/parser.h"
#include "parser/text_buffer.h"

namespace hako::testing {

// "L:C: message" lines, one per error.
inline std::string error_lines(const Errors& errors) {
  std::string out;
  for (const Error& e : errors) {
    out += std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message + "\n";
  }
  return out;
}

// An expression as (op operands...): the shape of the tree, compactly.
inline std::string sexpr(const ast::Expr& e);

inline std::string sexpr_list(const char* head, const ast::List<ast::Expr*>& items,
                              std::string first = "") {
  std::string out = std::string("(") + head;
  if (!first.empty()) out += " " + first;
  for (const ast::Expr* x : items) out += " " + sexpr(*x);
  return out + ")";
}

inline std::string sexpr(const ast::Expr& e) {
  using namespace ast;
  switch (e.kind) {
    case ExprKind::Nil:
      return "nil";
    case ExprKind::Bool:
      return e.as<BoolExpr>().value ? "true" : "false";
    case ExprKind::Int:
      return std::to_string(e.as<IntExpr>().value);
    case ExprKind::Float: {
      char b[64];
      snprintf(b, sizeof b, "%.17gf", e.as<FloatExpr>().value);
      return b;
    }
    case ExprKind::String:
      return "\"" + std::string(e.as<StringExpr>().value) + "\"";
    case ExprKind::Name:
      return std::string(e.as<NameExpr>().name);
    case ExprKind::Array:
      return sexpr_list("array", e.as<ArrayExpr>().items);
    case ExprKind::Map: {
      std::string out = "(map";
      for (const MapEntry& m : e.as<MapExpr>().entries) {
        const char* k = m.key_kind == KeyKind::Name     ? "name"
                        : m.key_kind == KeyKind::String ? "str"
                                                        : "expr";
        out += std::string(" (") + k + " " + sexpr(*m.key) + " " + sexpr(*m.value) + ")";
      }
      return out + ")";
    }
    case ExprKind::Fn: {
      const Function& f = *e.as<FnExpr>().fn;
      std::string out = "(fn " + std::string(f.name.empty() ? "_" : f.name) + " (";
      for (uint32_t i = 0; i < f.params.size; ++i)
        out += (i ? " " : "") + std::string(f.params[i].name);
      return out + ") " + std::to_string(f.body->stmts.size) + " stmts)";
    }
    case ExprKind::Unary:
      return std::string("(") + unary_op_text(e.as<UnaryExpr>().op) + " " +
             sexpr(*e.as<UnaryExpr>().operand) + ")";
    case ExprKind::Binary:
      return std::string("(") + binary_op_text(e.as<BinaryExpr>().op) + " " +
             sexpr(*e.as<BinaryExpr>().lhs) + " " + sexpr(*e.as<BinaryExpr>().rhs) + ")";
    case ExprKind::Index:
      return "(index " + sexpr(*e.as<IndexExpr>().object) + " " + sexpr(*e.as<IndexExpr>().index) +
             ")";
    case ExprKind::Field:
      return "(field " + sexpr(*e.as<FieldExpr>().object) + " " +
             std::string(e.as<FieldExpr>().name) + ")";
    case ExprKind::Call:
      return sexpr_list("call", e.as<CallExpr>().args, sexpr(*e.as<CallExpr>().callee));
    case ExprKind::Method:
      return sexpr_list(
          "method", e.as<MethodExpr>().args,
          sexpr(*e.as<MethodExpr>().object) + " " + std::string(e.as<MethodExpr>().name));
  }
  return "?";
}

// `let _ = SRC;` parsed; the s-expression of SRC, or "error: L:C: message" (the first one).
inline std::string expr(const std::string& src) {
  ast::Ast ast;
  Errors errors;
  std::string text = "let _ = " + src + ";";
  if (!parse("t.hako", text, &ast, &errors)) {
    std::string lines = error_lines(errors);
    return "error: " + lines.substr(0, lines.find('\n'));
  }
  const auto& let = ast.main()->body->stmts[0]->as<ast::LetStmt>();
  return sexpr(*let.init);
}

// The dump of SRC without its "Chunk" line, or the errors ("L:C: message" lines).
inline std::string dump(const std::string& src, bool positions = false) {
  ast::Ast ast;
  Errors errors;
  if (!parse("t.hako", src, &ast, &errors)) return error_lines(errors);
  TextBuffer buf(HAK_SITE("test.dump"));
  ast::DumpOptions opt;
  opt.positions = positions;
  if (!ast::dump(ast, &buf, opt)) return "dump failed";
  std::string out(buf.view());
  return out.substr(out.find('\n') + 1);
}

// The errors of SRC, "" when it parses.
inline std::string errors(const std::string& src, const ParseOptions& opt = {}) {
  ast::Ast ast;
  Errors errors;
  parse("t.hako", src, &ast, &errors, opt);
  return error_lines(errors);
}

}  // namespace hako::testing
