#include "parser/ast.h"

namespace hako::ast {

Ast::Ast() : nodes_(HAK_SITE("ast.node"), 4096), strings_(HAK_SITE("ast.string"), 1024) {}

void Ast::clear() {
  nodes_.release();
  strings_.release();
  main_ = nullptr;
  file_ = {};
}

const char* expr_kind_name(ExprKind k) {
  static const char* const names[] = {"Nil",    "Bool",  "Int",   "Float", "String",
                                      "Name",   "Array", "Map",   "Fn",    "Unary",
                                      "Binary", "Index", "Field", "Call",  "Method"};
  return names[static_cast<int>(k)];
}

const char* stmt_kind_name(StmtKind k) {
  static const char* const names[] = {"Expr",     "Let",   "Assign", "Fn",    "If",       "While",
                                      "ForRange", "ForIn", "Return", "Break", "Continue", "Block"};
  return names[static_cast<int>(k)];
}

const char* unary_op_text(UnaryOp op) { return op == UnaryOp::Neg ? "-" : "!"; }

const char* binary_op_text(BinaryOp op) {
  static const char* const texts[] = {
      "||", "&&", "==", "!=", "<", "<=", ">", ">=", "..", "+", "-", "*", "/", "//", "%", "**"};
  return texts[static_cast<int>(op)];
}

const char* assign_op_text(AssignOp op) {
  static const char* const texts[] = {"=", "+=", "-=", "*=", "/=", "..="};
  return texts[static_cast<int>(op)];
}

}  // namespace hako::ast
