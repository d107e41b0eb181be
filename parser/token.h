// Hako tokens: the lexer's output (parser/lexer.re), the parser's input.
#pragma once

#include <cstdint>
#include <string_view>

namespace hako {

// X-macro: one list gives the enum and the names used in dumps and error messages.
// clang-format off
#define HAKO_TOKENS(X)                                                                  \
  X(Eof, "end of input") X(Error, "error")                                              \
  X(Ident, "identifier") X(Int, "integer") X(Float, "float") X(String, "string")        \
  X(KwLet, "let") X(KwFn, "fn") X(KwReturn, "return") X(KwIf, "if") X(KwElse, "else")   \
  X(KwWhile, "while") X(KwFor, "for") X(KwIn, "in") X(KwBreak, "break")                 \
  X(KwContinue, "continue") X(KwNil, "nil") X(KwTrue, "true") X(KwFalse, "false")       \
  X(Plus, "+") X(Minus, "-") X(Star, "*") X(Slash, "/") X(SlashSlash, "//")             \
  X(Percent, "%") X(StarStar, "**") X(DotDot, "..") X(EqEq, "==") X(NotEq, "!=")        \
  X(Lt, "<") X(Le, "<=") X(Gt, ">") X(Ge, ">=") X(AndAnd, "&&") X(OrOr, "||")           \
  X(Bang, "!") X(Assign, "=") X(PlusAssign, "+=") X(MinusAssign, "-=")                  \
  X(StarAssign, "*=") X(SlashAssign, "/=") X(DotDotAssign, "..=") X(LParen, "(")        \
  X(RParen, ")") X(LBracket, "[") X(RBracket, "]") X(LBrace, "{") X(RBrace, "}")        \
  X(Comma, ",") X(Semi, ";") X(Colon, ":") X(Dot, ".") X(Question, "?")
// clang-format on

enum class Tok : uint8_t {
#define HAKO_TOKEN_ENUM(name, text) name,
  HAKO_TOKENS(HAKO_TOKEN_ENUM)
#undef HAKO_TOKEN_ENUM
};

const char* token_name(Tok t);

struct Token {
  Tok kind = Tok::Eof;
  uint32_t offset = 0;          // byte offset of the first character
  uint32_t length = 0;          // bytes
  uint32_t line = 1;            // 1-based
  uint32_t col = 1;             // 1-based, in bytes
  const char* error = nullptr;  // static message when kind == Error
};

}  // namespace hako
