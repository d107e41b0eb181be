// The Hako parser: tokens, errors and recovery, statements. Expressions: parser_expr.cc.
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "parser/parser_impl.h"

namespace hako {

bool parse(std::string_view file, std::string_view source, ast::Ast* ast, Errors* errors,
           const ParseOptions& opt) {
  ast->clear();
  size_t before = errors->size();
  if (source.size() >= UINT32_MAX) {  // token offsets are 32-bit
    Error e;
    e.set(1, 1, 0, "source too large (4 GiB or more)");
    errors->push_back(e);
    return false;
  }
  try {
    Parser p(file, source, ast, errors, opt);
    if (p.run() && errors->size() == before) return true;
  } catch (const std::bad_alloc&) {  // from a scratch vector
    Error e;
    e.set(1, 1, 0, "out of memory");
    errors->push_back(e);
  }
  // Errors are found in source order but for a lexer error met during a lookahead; make the
  // order certain (stable: "too many errors" stays last among equals).
  std::stable_sort(errors->begin() + static_cast<ptrdiff_t>(before), errors->end(),
                   [](const Error& a, const Error& b) { return a.offset < b.offset; });
  ast->clear();
  return false;
}

Parser::Parser(std::string_view file, std::string_view src, ast::Ast* ast, Errors* errors,
               const ParseOptions& opt)
    : file_(file), src_(src), ast_(ast), errors_(errors), opt_(opt), lexer_(src) {
  if (opt_.max_height > UINT16_MAX) opt_.max_height = UINT16_MAX;
  if (opt_.max_errors == 0) opt_.max_errors = 1;
}

// ---- Tokens -----------------------------------------------------------------------------

void Parser::advance() {
  if (tok_.kind == Tok::LBrace) ++braces_;
  if (tok_.kind == Tok::RBrace && braces_ > 0) --braces_;
  prev_ = tok_;
  if (fatal_) {
    tok_.kind = Tok::Eof;
    return;
  }
  if (has_peek_) {
    tok_ = peek_;
    has_peek_ = false;
  } else {
    tok_ = lexer_.next();
  }
  if (tok_.kind == Tok::Error) {
    // The parser will fail on this token; say why first (then stay quiet until the next
    // statement, like any error).
    error_at(tok_, "%s", tok_.error);
  }
}

const Token& Parser::peek() {
  if (!has_peek_) {
    peek_ = fatal_ ? Token{} : lexer_.next();
    has_peek_ = true;
  }
  return peek_;
}

bool Parser::accept(Tok k) {
  if (!at(k)) return false;
  advance();
  return true;
}

bool Parser::expect(Tok k, const char* where) {
  if (accept(k)) return true;
  char got[64];
  error_at(tok_, "expected '%s' %s, got %s", token_name(k), where, describe(tok_, got, sizeof got));
  return false;
}

// ---- Errors -----------------------------------------------------------------------------

const char* Parser::describe(const Token& t, char* buf, size_t cap) const {
  if (t.kind == Tok::Eof) return "end of input";
  char q[48];
  quote_text(text(t), 20, q, sizeof q);
  snprintf(buf, cap, "'%s'", q);
  return buf;
}

void Parser::vreport(ast::Pos p, size_t offset, const char* fmt, va_list ap) {
  if (panic_ || fatal_) return;
  panic_ = true;
  // A second complaint about the token of the last one adds nothing.
  if (!errors_->empty() && errors_->back().offset == offset && reported_) return;
  reported_ = true;
  Error e;
  e.line = p.line;
  e.col = p.col;
  e.offset = offset;
  if (errors_->size() + 1 >= opt_.max_errors) {
    snprintf(e.message, sizeof e.message, "too many errors; stopping here");
    fatal_ = true;
  } else {
    vsnprintf(e.message, sizeof e.message, fmt, ap);
  }
  errors_->push_back(e);
}

void Parser::error_at(const Token& t, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(pos(t), t.offset, fmt, ap);
  va_end(ap);
}

void Parser::error_at(ast::Pos p, size_t offset, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(p, offset, fmt, ap);
  va_end(ap);
}

void Parser::fatal_at(const Token& t, const char* fmt, ...) {
  panic_ = false;  // a fatal error is always reported
  va_list ap;
  va_start(ap, fmt);
  vreport(pos(t), t.offset, fmt, ap);
  va_end(ap);
  fatal_ = true;
  tok_.kind = Tok::Eof;
}

bool Parser::too_deep() {
  fatal_at(tok_, "nested too deeply (more than %u levels of brackets, blocks and prefix operators)",
           opt_.max_depth);
  return false;
}

bool Parser::too_high(ast::Pos p) {
  Token t = tok_;
  t.line = p.line;
  t.col = p.col;
  fatal_at(t, "expression too complex (its syntax tree would be more than %u levels deep)",
           opt_.max_height);
  return true;
}

void Parser::out_of_memory() { fatal_at(tok_, "out of memory"); }

// Skips to where a statement can start: after a ';', or before a statement keyword or the
// '}' of the enclosing block, at the brace level where the failed statement began (so that
// braces opened inside it, by a map or a function, are skipped whole).
void Parser::synchronize(uint32_t level) {
  while (!at(Tok::Eof) && braces_ >= level) {
    if (braces_ == level) {
      switch (tok_.kind) {
        case Tok::Semi:
          advance();
          panic_ = false;
          return;
        case Tok::RBrace:
          panic_ = false;
          return;
        // A keyword that starts a line likely starts a statement; in mid-line it is more
        // likely part of the mistake (`let if = 1;`).
        case Tok::KwLet:
        case Tok::KwIf:
        case Tok::KwWhile:
        case Tok::KwFor:
        case Tok::KwReturn:
        case Tok::KwBreak:
        case Tok::KwContinue:
        case Tok::KwFn:
          if (tok_.line > prev_.line && (tok_.kind != Tok::KwFn || peek().kind == Tok::Ident)) {
            panic_ = false;
            return;
          }
          break;
        default:
          break;
      }
    }
    advance();
  }
  panic_ = false;
}

// ---- Nodes ------------------------------------------------------------------------------

template <class T>
bool Parser::take(Vec<T>* scratch, size_t mark, ast::List<T>* out) {
  size_t n = scratch->size() - mark;
  out->size = static_cast<uint32_t>(n);
  out->items = nullptr;
  if (n) {
    out->items = ast_->nodes().alloc_array<T>(n);
    if (!out->items) {
      out_of_memory();
      return false;
    }
    std::copy(scratch->begin() + static_cast<ptrdiff_t>(mark), scratch->end(), out->items);
  }
  scratch->resize(mark);
  return true;
}

template bool Parser::take(Vec<ast::Expr*>*, size_t, ast::List<ast::Expr*>*);
template bool Parser::take(Vec<ast::MapEntry>*, size_t, ast::List<ast::MapEntry>*);

std::string_view Parser::name(const Token& t) {
  const char* p = ast_->strings().copy(src_.data() + t.offset, t.length);
  if (!p) {
    out_of_memory();
    return {};
  }
  return {p, t.length};
}

// ---- Statements -------------------------------------------------------------------------

bool Parser::run() {
  advance();
  const char* file = ast_->strings().copy(file_.data(), file_.size());
  auto* body = node<ast::Block>({1, 1});
  if (!file || !body) {
    out_of_memory();
    return false;
  }
  size_t mark = stmts_.size();
  uint32_t height = 1;
  while (!at(Tok::Eof)) {
    if (at(Tok::RBrace)) {
      error_at(tok_, "unmatched '}'");
      advance();
      panic_ = false;
      continue;
    }
    ast::Stmt* s = nullptr;
    uint32_t start = tok_.offset, level = braces_;
    if (!statement(&s)) {
      synchronize(level);
      if (tok_.offset == start && !at(Tok::Eof) && !at(Tok::RBrace)) advance();  // progress
    } else if (s) {
      if (s->height + 1u > opt_.max_height && too_high(s->pos)) break;
      stmts_.push_back(s);
      if (s->height + 1u > height) height = s->height + 1u;
    }
  }
  body->end = pos(tok_);
  ast::List<ast::Stmt*> list;
  if (!take(&stmts_, mark, &list)) return false;
  body->stmts = list;
  body->height = static_cast<uint16_t>(height);
  if (height > opt_.max_height) {
    too_high(body->pos);
    return false;
  }
  auto* main = static_cast<ast::Function*>(ast_->nodes().alloc(sizeof(ast::Function), 8));
  if (!main) {
    out_of_memory();
    return false;
  }
  *main =
      ast::Function{"main", {}, body, {1, 1}, static_cast<uint16_t>(std::min(height + 1, 65535u))};
  ast_->set_main(main, std::string_view(file, file_.size()));
  return !fatal_;
}

// One statement into *out (nullptr for an empty one); false after an error.
bool Parser::statement(ast::Stmt** out) {
  *out = nullptr;
  switch (tok_.kind) {
    case Tok::KwLet:
      *out = let_statement();
      break;
    case Tok::KwFn:
      if (peek().kind == Tok::Ident) {
        *out = fn_statement();
      } else {
        *out = expression_statement();
      }
      break;
    case Tok::KwIf:
      *out = if_statement();
      break;
    case Tok::KwWhile:
      *out = while_statement();
      break;
    case Tok::KwFor:
      *out = for_statement();
      break;
    case Tok::KwReturn:
      *out = return_statement();
      break;
    case Tok::KwBreak:
    case Tok::KwContinue:
      *out = jump_statement();
      break;
    case Tok::LBrace:
      *out = block("");
      break;
    case Tok::Semi:
      advance();
      return true;
    default:
      *out = expression_statement();
      break;
  }
  return *out != nullptr;
}

// `{ statements }`; errors inside are recovered from here, so a block always ends.
ast::Block* Parser::block(const char* where) {
  Nest nest(this);
  if (!nest) return nullptr;
  Token open = tok_;
  if (!at(Tok::LBrace)) {
    char got[64];
    error_at(tok_, "expected '{' %s, got %s", where, describe(tok_, got, sizeof got));
    return nullptr;
  }
  advance();
  auto* b = node<ast::Block>(pos(open));
  if (!b) return nullptr;
  size_t mark = stmts_.size();
  uint32_t height = 1;
  while (!at(Tok::RBrace) && !at(Tok::Eof)) {
    ast::Stmt* s = nullptr;
    uint32_t start = tok_.offset, level = braces_;
    if (!statement(&s)) {
      if (fatal_) {
        stmts_.resize(mark);
        return nullptr;
      }
      synchronize(level);
      if (tok_.offset == start && !at(Tok::Eof) && !at(Tok::RBrace)) advance();  // progress
    } else if (s) {
      if (s->height + 1u > opt_.max_height && too_high(s->pos)) break;
      stmts_.push_back(s);
      if (s->height + 1u > height) height = s->height + 1u;
    }
  }
  if (!at(Tok::RBrace)) {
    error_at(tok_, "expected '}' to close the block opened at %u:%u, got end of input", open.line,
             open.col);
    stmts_.resize(mark);
    return nullptr;
  }
  b->end = pos(tok_);
  advance();
  if (height > opt_.max_height && too_high(b->pos)) return nullptr;
  b->height = static_cast<uint16_t>(height);
  ast::List<ast::Stmt*> list;
  if (!take(&stmts_, mark, &list)) return nullptr;
  b->stmts = list;
  return b;
}

template bool Parser::take(Vec<ast::Stmt*>*, size_t, ast::List<ast::Stmt*>*);
template bool Parser::take(Vec<ast::Param>*, size_t, ast::List<ast::Param>*);
template bool Parser::take(Vec<ast::IfClause>*, size_t, ast::List<ast::IfClause>*);

ast::Stmt* Parser::let_statement() {
  Token let = tok_;
  advance();
  if (!at(Tok::Ident)) {
    char got[64];
    error_at(tok_, "expected a variable name after 'let', got %s", describe(tok_, got, sizeof got));
    return nullptr;
  }
  Token name_tok = tok_;
  std::string_view var = name(tok_);
  advance();
  ast::Expr* init = nullptr;
  if (accept(Tok::Assign)) {
    init = expression();
    if (!init) return nullptr;
    // `let f = fn(...)`: the function is called f (in tracebacks and when printed).
    if (init->kind == ast::ExprKind::Fn && init->as<ast::FnExpr>().fn->name.empty()) {
      init->as<ast::FnExpr>().fn->name = var;
    }
  }
  if (!expect(Tok::Semi, "after the declaration")) return nullptr;
  auto* s = node<ast::LetStmt>(pos(let), init ? init->height + 1u : 1u);
  if (!s) return nullptr;
  s->name = var;
  s->name_pos = pos(name_tok);
  s->init = init;
  return s;
}

ast::Stmt* Parser::fn_statement() {
  Token fn_tok = tok_;
  advance();
  std::string_view fname = name(tok_);
  advance();
  ast::Function* fn = function(fn_tok, fname);
  if (!fn) return nullptr;
  auto* s = node<ast::FnStmt>(pos(fn_tok), fn->height + 1u);
  if (!s) return nullptr;
  s->fn = fn;
  return s;
}

// `(params) { body }`, after `fn` (and its name).
ast::Function* Parser::function(const Token& fn_tok, std::string_view fname) {
  if (!expect(Tok::LParen, "before the parameters")) return nullptr;
  size_t mark = params_.size();
  if (!at(Tok::RParen)) {
    do {
      if (!at(Tok::Ident)) {
        char got[64];
        error_at(tok_, "expected a parameter name, got %s", describe(tok_, got, sizeof got));
        params_.resize(mark);
        return nullptr;
      }
      std::string_view pname = text(tok_);
      for (size_t i = mark; i < params_.size(); ++i) {
        if (params_[i].name == pname) {
          char q[48];
          quote_text(pname, 24, q, sizeof q);
          bool was_panic = panic_;
          error_at(tok_, "duplicate parameter '%s'", q);
          panic_ = was_panic;  // the syntax is fine: go on
        }
      }
      params_.push_back({name(tok_), pos(tok_)});
      advance();
    } while (accept(Tok::Comma));
  }
  if (!expect(Tok::RParen, "after the parameters")) {
    params_.resize(mark);
    return nullptr;
  }
  ast::List<ast::Param> params;
  if (!take(&params_, mark, &params)) return nullptr;
  uint32_t saved_loops = loops_;
  loops_ = 0;  // `break` cannot leave a function
  ast::Block* body = block("before the function body");
  loops_ = saved_loops;
  if (!body) return nullptr;
  auto* fn = static_cast<ast::Function*>(ast_->nodes().alloc(sizeof(ast::Function), 8));
  if (!fn) {
    out_of_memory();
    return nullptr;
  }
  *fn = ast::Function{fname, params, body, pos(fn_tok), static_cast<uint16_t>(body->height + 1)};
  if (fn->height > opt_.max_height && too_high(fn->pos)) return nullptr;
  return fn;
}

ast::Stmt* Parser::if_statement() {
  Token first = tok_;
  size_t mark = clauses_.size();
  uint32_t height = 1;
  ast::Block* otherwise = nullptr;
  bool ok = false;
  // `if` and every `else if` in a loop: long chains need no recursion.
  for (;;) {
    Token if_tok = tok_;
    advance();
    if (!expect(Tok::LParen, "after 'if'")) break;
    ast::Expr* cond = expression();
    if (!cond || !expect(Tok::RParen, "after the condition")) break;
    ast::Block* body = block("after the condition of 'if'");
    if (!body) break;
    clauses_.push_back({cond, body, pos(if_tok)});
    height = std::max({height, cond->height + 1u, body->height + 1u});
    if (!accept(Tok::KwElse)) {
      ok = true;
      break;
    }
    if (at(Tok::KwIf)) continue;
    otherwise = block("after 'else'");
    if (otherwise) {
      height = std::max(height, otherwise->height + 1u);
      ok = true;
    }
    break;
  }
  ast::IfStmt* s = ok ? node<ast::IfStmt>(pos(first), height) : nullptr;
  if (!s || !take(&clauses_, mark, &s->clauses)) {
    clauses_.resize(mark);
    return nullptr;
  }
  s->otherwise = otherwise;
  return s;
}

ast::Stmt* Parser::while_statement() {
  Token w = tok_;
  advance();
  if (!expect(Tok::LParen, "after 'while'")) return nullptr;
  ast::Expr* cond = expression();
  if (!cond || !expect(Tok::RParen, "after the condition")) return nullptr;
  ++loops_;
  ast::Block* body = block("after the condition of 'while'");
  --loops_;
  if (!body) return nullptr;
  auto* s = node<ast::WhileStmt>(pos(w), std::max(cond->height, body->height) + 1u);
  if (!s) return nullptr;
  s->cond = cond;
  s->body = body;
  return s;
}

ast::Stmt* Parser::for_statement() {
  Token f = tok_;
  advance();
  if (!expect(Tok::LParen, "after 'for'")) return nullptr;
  Token vars[2];
  int nvars = 0;
  do {
    if (!at(Tok::Ident)) {
      char got[64];
      error_at(tok_, "expected a loop variable, got %s", describe(tok_, got, sizeof got));
      return nullptr;
    }
    vars[nvars++] = tok_;
    advance();
  } while (nvars < 2 && accept(Tok::Comma));
  if (nvars == 2 && text(vars[0]) == text(vars[1])) {
    char q[48];
    quote_text(text(vars[1]), 24, q, sizeof q);
    error_at(vars[1], "duplicate loop variable '%s'", q);
    return nullptr;
  }
  if (!expect(Tok::KwIn, "after the loop variables")) return nullptr;
  ast::Expr* iterable = expression();
  if (!iterable || !expect(Tok::RParen, "after the loop's iterable")) return nullptr;
  ++loops_;
  ast::Block* body = block("after 'for (...)'");
  --loops_;
  if (!body) return nullptr;
  uint32_t height = std::max(iterable->height, body->height) + 1u;

  // `for (i in range(a, b[, step]))` is a numeric loop.
  if (nvars == 1 && iterable->kind == ast::ExprKind::Call) {
    auto& call = iterable->as<ast::CallExpr>();
    if (call.callee->kind == ast::ExprKind::Name &&
        call.callee->as<ast::NameExpr>().name == "range" &&
        (call.args.size == 2 || call.args.size == 3)) {
      auto* s = node<ast::ForRangeStmt>(pos(f), height);
      if (!s) return nullptr;
      s->var = name(vars[0]);
      s->var_pos = pos(vars[0]);
      s->start = call.args[0];
      s->stop = call.args[1];
      s->step = call.args.size == 3 ? call.args[2] : nullptr;
      s->call = &call;
      s->body = body;
      return s;
    }
  }
  auto* s = node<ast::ForInStmt>(pos(f), height);
  if (!s) return nullptr;
  if (nvars == 2) {
    s->key = name(vars[0]);
    s->key_pos = pos(vars[0]);
  }
  s->value = name(vars[nvars - 1]);
  s->value_pos = pos(vars[nvars - 1]);
  s->iterable = iterable;
  s->body = body;
  return s;
}

ast::Stmt* Parser::return_statement() {
  Token r = tok_;
  advance();
  ast::Expr* value = nullptr;
  if (!at(Tok::Semi)) {
    value = expression();
    if (!value) return nullptr;
  }
  if (!expect(Tok::Semi, "after the return value")) return nullptr;
  auto* s = node<ast::ReturnStmt>(pos(r), value ? value->height + 1u : 1u);
  if (s) s->value = value;
  return s;
}

ast::Stmt* Parser::jump_statement() {
  Token t = tok_;
  bool is_break = at(Tok::KwBreak);
  advance();
  if (!expect(Tok::Semi, is_break ? "after 'break'" : "after 'continue'")) return nullptr;
  if (loops_ == 0) {
    bool was_panic = panic_;
    error_at(t, "'%s' outside a loop", is_break ? "break" : "continue");
    panic_ = was_panic;  // the statement itself is well-formed: no need to skip anything
  }
  if (is_break) return node<ast::BreakStmt>(pos(t));
  return node<ast::ContinueStmt>(pos(t));
}

// A call, or an assignment: `target op= value;`.
ast::Stmt* Parser::expression_statement() {
  Token first = tok_;
  ast::Expr* e = expression();
  if (!e) return nullptr;
  ast::AssignOp op;
  switch (tok_.kind) {
    case Tok::Assign:
      op = ast::AssignOp::Set;
      break;
    case Tok::PlusAssign:
      op = ast::AssignOp::Add;
      break;
    case Tok::MinusAssign:
      op = ast::AssignOp::Sub;
      break;
    case Tok::StarAssign:
      op = ast::AssignOp::Mul;
      break;
    case Tok::SlashAssign:
      op = ast::AssignOp::Div;
      break;
    case Tok::DotDotAssign:
      op = ast::AssignOp::Concat;
      break;
    default: {
      if (e->kind != ast::ExprKind::Call && e->kind != ast::ExprKind::Method) {
        if (!at(Tok::Semi)) {
          char got[64];
          error_at(tok_, "expected ';' after the statement, got %s",
                   describe(tok_, got, sizeof got));
        } else {
          error_at(first,
                   "this expression does nothing: only calls and assignments are statements");
        }
        return nullptr;
      }
      if (!expect(Tok::Semi, "after the statement")) return nullptr;
      auto* s = node<ast::ExprStmt>(pos(first), e->height + 1u);
      if (s) s->expr = e;
      return s;
    }
  }
  if (e->kind != ast::ExprKind::Name && e->kind != ast::ExprKind::Index &&
      e->kind != ast::ExprKind::Field) {
    error_at(first, "cannot assign to this expression (only to a variable, a[i] or a.name)");
    return nullptr;
  }
  advance();
  ast::Expr* value = expression();
  if (!value) return nullptr;
  if (tok_.kind >= Tok::Assign && tok_.kind <= Tok::DotDotAssign) {
    error_at(tok_, "an assignment is a statement, not a value: it cannot be chained");
    return nullptr;
  }
  if (!expect(Tok::Semi, "after the assignment")) return nullptr;
  auto* s = node<ast::AssignStmt>(pos(first), std::max(e->height, value->height) + 1u);
  if (!s) return nullptr;
  s->op = op;
  s->target = e;
  s->value = value;
  return s;
}

}  // namespace hako
