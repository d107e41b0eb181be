// The parser's state (private to parser/): statements in parser.cc, expressions in
// parser_expr.cc.
#pragma once

#include <new>
#include <vector>

#include "parser/ast.h"
#include "parser/lexer.h"
#include "parser/parser.h"

namespace hako {

class Parser {
 public:
  Parser(std::string_view file, std::string_view src, ast::Ast* ast, Errors* errors,
         const ParseOptions& opt);
  bool run();

 private:
  template <class T>
  using Vec = std::vector<T, hak::allocator<T, "ast.scratch">>;

  // Counts one level of nesting for as long as it lives; false when too deep.
  class Nest {
   public:
    explicit Nest(Parser* p) : p_(p) { ok_ = ++p_->depth_ <= p_->opt_.max_depth || p_->too_deep(); }
    ~Nest() { --p_->depth_; }
    explicit operator bool() const { return ok_; }

   private:
    Parser* p_;
    bool ok_;
  };

  // ---- Tokens (parser.cc)
  void advance();
  const Token& peek();
  bool at(Tok k) const { return tok_.kind == k; }
  bool accept(Tok k);
  // Consumes a `k` or reports "expected K WHERE, got ..."; false then.
  bool expect(Tok k, const char* where);
  std::string_view text(const Token& t) const { return src_.substr(t.offset, t.length); }
  static ast::Pos pos(const Token& t) { return {t.line, t.col}; }

  // ---- Errors (parser.cc)
  void error_at(const Token& t, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void error_at(ast::Pos p, size_t offset, const char* fmt, ...)
      __attribute__((format(printf, 4, 5)));
  void vreport(ast::Pos p, size_t offset, const char* fmt, va_list ap);
  void fatal_at(const Token& t, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  // "'x'" or "end of input", for "got ..." in messages.
  const char* describe(const Token& t, char* buf, size_t cap) const;
  bool too_deep();
  bool too_high(ast::Pos p);
  void out_of_memory();
  void synchronize(uint32_t level);

  // ---- Nodes (parser.cc)
  template <class T>
  T* node(ast::Pos p, uint32_t height = 1) {
    if (height > opt_.max_height && too_high(p)) return nullptr;
    void* mem = ast_->nodes().alloc(sizeof(T), alignof(T));
    if (!mem) {
      out_of_memory();
      return nullptr;
    }
    T* n = new (mem) T();
    n->kind = T::kKind;
    n->pos = p;
    n->height = static_cast<uint16_t>(height);
    return n;
  }
  // Moves scratch[mark..] into the arena as a list.
  template <class T>
  bool take(Vec<T>* scratch, size_t mark, ast::List<T>* out);
  std::string_view name(const Token& t);  // an identifier, copied to the arena

  // ---- Statements (parser.cc)
  bool statement(ast::Stmt** out);
  ast::Block* block(const char* where);
  ast::Stmt* let_statement();
  ast::Stmt* fn_statement();
  ast::Stmt* if_statement();
  ast::Stmt* while_statement();
  ast::Stmt* for_statement();
  ast::Stmt* return_statement();
  ast::Stmt* jump_statement();
  ast::Stmt* expression_statement();
  ast::Function* function(const Token& fn_tok, std::string_view fname);

  // ---- Expressions (parser_expr.cc)
  ast::Expr* expression();
  ast::Expr* binary(int min_prec);
  ast::Expr* right_chain(ast::Expr* first, int prec);
  ast::Expr* unary();
  ast::Expr* power();
  ast::Expr* postfix();
  ast::Expr* primary();
  ast::Expr* array_literal();
  ast::Expr* map_literal();
  ast::Expr* integer_literal(const Token& t, bool negated);
  ast::Expr* float_literal(const Token& t);
  ast::Expr* string_literal(const Token& t);
  bool arguments(ast::List<ast::Expr*>* out, uint32_t* height);
  ast::Expr* make_binary(ast::BinaryOp op, ast::Pos p, ast::Expr* lhs, ast::Expr* rhs);

  std::string_view file_, src_;
  ast::Ast* ast_;
  Errors* errors_;
  ParseOptions opt_;
  Lexer lexer_;
  Token tok_, prev_, peek_;
  bool has_peek_ = false;
  uint32_t depth_ = 0;     // current nesting (Nest)
  uint32_t loops_ = 0;     // loops around the current statement, within its function
  uint32_t braces_ = 0;    // '{' passed minus '}' passed
  bool panic_ = false;     // an error was reported; quiet until the next statement
  bool reported_ = false;  // errors_ holds an error of this parse
  bool fatal_ = false;     // stop parsing (too deep, too high, out of memory, too many errors)
  Vec<ast::Expr*> exprs_;
  Vec<ast::Stmt*> stmts_;
  Vec<ast::MapEntry> entries_;
  Vec<ast::Param> params_;
  Vec<ast::IfClause> clauses_;
};

}  // namespace hako
