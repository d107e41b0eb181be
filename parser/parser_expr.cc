// Hako expressions: precedence climbing over the binary operators, then prefix operators,
// `**`, postfix forms and primaries (docs/LANGUAGE.md, "Syntax"). Chains of the
// right-associative operators (`..`, `**`) are folded in a loop, not by recursion.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "parser/numbers.h"
#include "parser/parser_impl.h"
#include "parser/string_literal.h"

namespace hako {

namespace {

struct BinaryInfo {
  ast::BinaryOp op;
  int prec;  // higher binds tighter
};

constexpr int kConcatPrec = 4;  // `..` is right-associative
constexpr int kPowPrec = 8;     // `**` too, handled by power()

bool binary_info(Tok t, BinaryInfo* out) {
  using B = ast::BinaryOp;
  switch (t) {
    case Tok::OrOr:
      *out = {B::Or, 1};
      return true;
    case Tok::AndAnd:
      *out = {B::And, 2};
      return true;
    case Tok::EqEq:
      *out = {B::Eq, 3};
      return true;
    case Tok::NotEq:
      *out = {B::Ne, 3};
      return true;
    case Tok::Lt:
      *out = {B::Lt, 3};
      return true;
    case Tok::Le:
      *out = {B::Le, 3};
      return true;
    case Tok::Gt:
      *out = {B::Gt, 3};
      return true;
    case Tok::Ge:
      *out = {B::Ge, 3};
      return true;
    case Tok::DotDot:
      *out = {B::Concat, kConcatPrec};
      return true;
    case Tok::Plus:
      *out = {B::Add, 5};
      return true;
    case Tok::Minus:
      *out = {B::Sub, 5};
      return true;
    case Tok::Star:
      *out = {B::Mul, 6};
      return true;
    case Tok::Slash:
      *out = {B::Div, 6};
      return true;
    case Tok::SlashSlash:
      *out = {B::IDiv, 6};
      return true;
    case Tok::Percent:
      *out = {B::Mod, 6};
      return true;
    default:
      return false;
  }
}

// Tokens that bind tighter than a prefix minus: `-2 ** 2` is -(2 ** 2), `-x.y` is -(x.y).
bool binds_tighter_than_prefix(Tok t) {
  return t == Tok::StarStar || t == Tok::LParen || t == Tok::LBracket || t == Tok::Dot ||
         t == Tok::Colon;
}

}  // namespace

ast::Expr* Parser::expression() { return binary(1); }

ast::Expr* Parser::make_binary(ast::BinaryOp op, ast::Pos p, ast::Expr* lhs, ast::Expr* rhs) {
  auto* e = node<ast::BinaryExpr>(p, std::max(lhs->height, rhs->height) + 1u);
  if (!e) return nullptr;
  e->op = op;
  e->lhs = lhs;
  e->rhs = rhs;
  return e;
}

ast::Expr* Parser::binary(int min_prec) {
  ast::Expr* lhs = unary();
  BinaryInfo info;
  while (lhs && binary_info(tok_.kind, &info) && info.prec >= min_prec) {
    if (info.prec == kConcatPrec) {
      lhs = right_chain(lhs, info.prec);
      continue;
    }
    Token op = tok_;
    advance();
    // Left-associative: the right operand takes only tighter operators. The recursion is
    // bounded by the number of precedence levels.
    ast::Expr* rhs = binary(info.prec + 1);
    if (!rhs) return nullptr;
    lhs = make_binary(info.op, pos(op), lhs, rhs);
  }
  return lhs;
}

// `first .. a .. b` (or `first ** a ** b`, from power()): the operands in a list, then folded
// from the right.
ast::Expr* Parser::right_chain(ast::Expr* first, int prec) {
  const Tok op_tok = prec == kConcatPrec ? Tok::DotDot : Tok::StarStar;
  const ast::BinaryOp op = prec == kConcatPrec ? ast::BinaryOp::Concat : ast::BinaryOp::Pow;
  size_t mark = exprs_.size();
  exprs_.push_back(first);
  Vec<ast::Pos> ops;
  while (at(op_tok)) {
    ops.push_back(pos(tok_));
    advance();
    ast::Expr* rhs;
    if (op_tok == Tok::DotDot) {
      rhs = binary(prec + 1);
    } else {
      rhs = at(Tok::Minus) || at(Tok::Bang) ? unary() : postfix();  // 2 ** -1
    }
    if (!rhs) {
      exprs_.resize(mark);
      return nullptr;
    }
    exprs_.push_back(rhs);
  }
  ast::Expr* result = exprs_.back();
  for (size_t i = ops.size(); i-- > 0 && result;) {
    result = make_binary(op, ops[i], exprs_[mark + i], result);
  }
  exprs_.resize(mark);
  return result;
}

ast::Expr* Parser::unary() {
  if (!at(Tok::Minus) && !at(Tok::Bang)) return power();
  Nest nest(this);
  if (!nest) return nullptr;
  Token op = tok_;
  advance();
  // A negative number literal is one literal: that is how -9223372036854775808 fits.
  if (op.kind == Tok::Minus && (at(Tok::Int) || at(Tok::Float)) &&
      !binds_tighter_than_prefix(peek().kind)) {
    Token lit = tok_;
    ast::Expr* e = lit.kind == Tok::Int ? integer_literal(lit, true) : float_literal(lit);
    advance();
    if (e) {
      e->pos = pos(op);
      if (e->kind == ast::ExprKind::Float) e->as<ast::FloatExpr>().value *= -1;
    }
    return e;
  }
  ast::Expr* operand = unary();
  if (!operand) return nullptr;
  auto* e = node<ast::UnaryExpr>(pos(op), operand->height + 1u);
  if (!e) return nullptr;
  e->op = op.kind == Tok::Minus ? ast::UnaryOp::Neg : ast::UnaryOp::Not;
  e->operand = operand;
  return e;
}

// postfix [`**` unary]: tighter than prefix operators on its left, looser on its right.
ast::Expr* Parser::power() {
  ast::Expr* base = postfix();
  if (!base || !at(Tok::StarStar)) return base;
  return right_chain(base, kPowPrec);
}

bool Parser::arguments(ast::List<ast::Expr*>* out, uint32_t* height) {
  size_t mark = exprs_.size();
  if (!at(Tok::RParen)) {
    do {
      ast::Expr* e = expression();
      if (!e) {
        exprs_.resize(mark);
        return false;
      }
      exprs_.push_back(e);
      *height = std::max(*height, e->height + 1u);
    } while (accept(Tok::Comma));
  }
  if (!expect(Tok::RParen, "after the arguments")) {
    exprs_.resize(mark);
    return false;
  }
  return take(&exprs_, mark, out);
}

ast::Expr* Parser::postfix() {
  ast::Expr* e = primary();
  while (e) {
    Token t = tok_;
    switch (t.kind) {
      case Tok::LParen: {
        Nest nest(this);
        if (!nest) return nullptr;
        advance();
        ast::List<ast::Expr*> args;
        uint32_t height = e->height + 1u;
        if (!arguments(&args, &height)) return nullptr;
        auto* call = node<ast::CallExpr>(pos(t), height);
        if (!call) return nullptr;
        call->callee = e;
        call->args = args;
        e = call;
        break;
      }
      case Tok::LBracket: {
        Nest nest(this);
        if (!nest) return nullptr;
        advance();
        ast::Expr* index = expression();
        if (!index || !expect(Tok::RBracket, "after the index")) return nullptr;
        auto* ix = node<ast::IndexExpr>(pos(t), std::max(e->height, index->height) + 1u);
        if (!ix) return nullptr;
        ix->object = e;
        ix->index = index;
        e = ix;
        break;
      }
      case Tok::Dot: {
        advance();
        if (!at(Tok::Ident)) {
          char got[64];
          error_at(tok_, "expected a field name after '.', got %s",
                   describe(tok_, got, sizeof got));
          return nullptr;
        }
        auto* f = node<ast::FieldExpr>(pos(t), e->height + 1u);
        if (!f) return nullptr;
        f->object = e;
        f->name = name(tok_);
        advance();
        e = f;
        break;
      }
      case Tok::Colon: {
        advance();
        if (!at(Tok::Ident)) {
          char got[64];
          error_at(tok_, "expected a method name after ':', got %s",
                   describe(tok_, got, sizeof got));
          return nullptr;
        }
        Token method = tok_;
        advance();
        if (!at(Tok::LParen)) {
          char got[64];
          error_at(tok_, "expected '(' after the method name (obj:name(...) is a call), got %s",
                   describe(tok_, got, sizeof got));
          return nullptr;
        }
        Nest nest(this);
        if (!nest) return nullptr;
        advance();
        ast::List<ast::Expr*> args;
        uint32_t height = e->height + 1u;
        if (!arguments(&args, &height)) return nullptr;
        auto* m = node<ast::MethodExpr>(pos(t), height);
        if (!m) return nullptr;
        m->object = e;
        m->name = name(method);
        m->args = args;
        e = m;
        break;
      }
      default:
        return e;
    }
  }
  return e;
}

ast::Expr* Parser::primary() {
  Token t = tok_;
  switch (t.kind) {
    case Tok::KwNil:
      advance();
      return node<ast::NilExpr>(pos(t));
    case Tok::KwTrue:
    case Tok::KwFalse: {
      advance();
      auto* b = node<ast::BoolExpr>(pos(t));
      if (b) b->value = t.kind == Tok::KwTrue;
      return b;
    }
    // Literals are read before moving on, so that their errors come in source order.
    case Tok::Int: {
      ast::Expr* e = integer_literal(t, false);
      advance();
      return e;
    }
    case Tok::Float: {
      ast::Expr* e = float_literal(t);
      advance();
      return e;
    }
    case Tok::String: {
      ast::Expr* e = string_literal(t);
      advance();
      return e;
    }
    case Tok::Ident: {
      advance();
      auto* n = node<ast::NameExpr>(pos(t));
      if (n) n->name = name(t);
      return n;
    }
    case Tok::LParen: {
      Nest nest(this);
      if (!nest) return nullptr;
      advance();
      ast::Expr* e = expression();
      if (!e || !expect(Tok::RParen, "to close the parenthesis")) return nullptr;
      return e;
    }
    case Tok::LBracket:
      return array_literal();
    case Tok::LBrace:
      return map_literal();
    case Tok::KwFn: {
      advance();
      if (at(Tok::Ident)) {
        error_at(tok_,
                 "a function expression has no name (declare it with 'fn NAME(...) {...}' "
                 "as a statement, or write 'let NAME = fn(...) {...};')");
        return nullptr;
      }
      ast::Function* fn = function(t, {});
      if (!fn) return nullptr;
      auto* e = node<ast::FnExpr>(pos(t), fn->height + 1u);
      if (e) e->fn = fn;
      return e;
    }
    case Tok::Question:
      error_at(t, "'?' is reserved");
      return nullptr;
    case Tok::Error:
      return nullptr;  // the lexer's message was reported
    default: {
      char got[64];
      error_at(t, "expected an expression, got %s", describe(t, got, sizeof got));
      return nullptr;
    }
  }
}

ast::Expr* Parser::array_literal() {
  Nest nest(this);
  if (!nest) return nullptr;
  Token open = tok_;
  advance();
  size_t mark = exprs_.size();
  uint32_t height = 1;
  while (!at(Tok::RBracket)) {
    ast::Expr* e = expression();
    if (!e) {
      exprs_.resize(mark);
      return nullptr;
    }
    exprs_.push_back(e);
    height = std::max(height, e->height + 1u);
    if (accept(Tok::Comma)) continue;
    if (!at(Tok::RBracket)) {
      char got[64];
      error_at(tok_, "expected ',' or ']' after an array element, got %s",
               describe(tok_, got, sizeof got));
      exprs_.resize(mark);
      return nullptr;
    }
  }
  advance();
  auto* a = node<ast::ArrayExpr>(pos(open), height);
  if (!a || !take(&exprs_, mark, &a->items)) {
    exprs_.resize(mark);
    return nullptr;
  }
  return a;
}

ast::Expr* Parser::map_literal() {
  Nest nest(this);
  if (!nest) return nullptr;
  Token open = tok_;
  advance();
  size_t mark = entries_.size();
  uint32_t height = 1;
  auto fail = [&] {
    entries_.resize(mark);
    return nullptr;
  };
  while (!at(Tok::RBrace)) {
    Token k = tok_;
    ast::MapEntry entry{};
    if (at(Tok::Ident)) {
      advance();
      auto* s = node<ast::StringExpr>(pos(k));
      if (!s) return fail();
      s->value = name(k);
      entry.key_kind = ast::KeyKind::Name;
      entry.key = s;
    } else if (at(Tok::String)) {
      entry.key_kind = ast::KeyKind::String;
      entry.key = string_literal(k);
      advance();
    } else if (at(Tok::LBracket)) {
      Nest inner(this);
      if (!inner) return fail();
      advance();
      entry.key_kind = ast::KeyKind::Computed;
      entry.key = expression();
      if (entry.key && !expect(Tok::RBracket, "after the map key")) return fail();
    } else {
      char got[64];
      error_at(tok_, "expected a map key (a name, a string or [expression]), got %s%s",
               describe(tok_, got, sizeof got),
               at(Tok::Int) || at(Tok::Float) ? " (write [1] for a number key)" : "");
      return fail();
    }
    if (!entry.key || !expect(Tok::Colon, "after the map key")) return fail();
    entry.value = expression();
    if (!entry.value) return fail();
    entries_.push_back(entry);
    height = std::max({height, entry.key->height + 1u, entry.value->height + 1u});
    if (accept(Tok::Comma)) continue;
    if (!at(Tok::RBrace)) {
      char got[64];
      error_at(tok_, "expected ',' or '}' after a map entry, got %s",
               describe(tok_, got, sizeof got));
      return fail();
    }
  }
  advance();
  auto* m = node<ast::MapExpr>(pos(open), height);
  if (!m || !take(&entries_, mark, &m->entries)) return fail();
  return m;
}

// ---- Literals ---------------------------------------------------------------------------

// An integer literal; `negated` when a '-' is folded into it (then 2^63 fits). A literal
// that does not fit in int64 is an error, not a float.
ast::Expr* Parser::integer_literal(const Token& t, bool negated) {
  std::string_view s = text(t);
  unsigned base = s.size() > 1 && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
  uint64_t v = 0;
  bool overflow = false;
  for (size_t i = base == 16 ? 2 : 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') continue;
    unsigned d = c <= '9' ? unsigned(c - '0') : (unsigned(c) | 0x20) - 'a' + 10;
    overflow |= __builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v);
  }
  uint64_t limit = uint64_t{INT64_MAX} + (negated ? 1 : 0);
  auto* e = node<ast::IntExpr>(pos(t));
  if (!e) return nullptr;
  if (overflow || v > limit) {
    char q[48];
    quote_text(s, 30, q, sizeof q);
    bool was_panic = panic_;
    error_at(t, "integer literal %s%s does not fit in 64 bits (the range is -2^63 to 2^63-1)",
             negated ? "-" : "", q);
    panic_ = was_panic;  // the syntax is fine: go on
    v = 0;
  }
  e->value = negated ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return e;
}

ast::Expr* Parser::float_literal(const Token& t) {
  std::string_view s = text(t);
  Vec<char> digits;
  if (s.find('_') != std::string_view::npos) {
    for (char c : s) {
      if (c != '_') digits.push_back(c);
    }
    s = std::string_view(digits.data(), digits.size());
  }
  auto* e = node<ast::FloatExpr>(pos(t));
  if (!e) return nullptr;
  if (!parse_double(s.data(), s.data() + s.size(), &e->value)) {
    bool was_panic = panic_;
    error_at(t, "float literal out of range (too large for a double)");
    panic_ = was_panic;
    e->value = 0;
  }
  return e;
}

ast::Expr* Parser::string_literal(const Token& t) {
  auto* e = node<ast::StringExpr>(pos(t));
  if (!e) return nullptr;
  size_t bad_at = 0;
  char msg[sizeof(Error::message)];
  if (!decode_string(text(t), &ast_->strings(), &e->value, &bad_at, msg, sizeof msg)) {
    if (std::strcmp(msg, "out of memory") == 0) {
      out_of_memory();
      return nullptr;
    }
    // A string is on one line: the escape is bad_at bytes to the right.
    bool was_panic = panic_;
    error_at(ast::Pos{t.line, t.col + static_cast<uint32_t>(bad_at)}, t.offset + bad_at, "%s", msg);
    panic_ = was_panic;
  }
  return e;
}

}  // namespace hako
