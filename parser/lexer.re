// The Hako lexer (re2c). Token rules follow docs/LANGUAGE.md, "Lexical structure".
#include "parser/lexer.h"

namespace hako {

const char* token_name(Tok t) {
  static const char* const names[] = {
#define HAKO_TOKEN_NAME(name, text) text,
      HAKO_TOKENS(HAKO_TOKEN_NAME)
#undef HAKO_TOKEN_NAME
  };
  return names[static_cast<int>(t)];
}

Token Lexer::make(Tok kind, const char* start, const char* end, const char* error) {
  Token t;
  t.kind = kind;
  t.offset = static_cast<uint32_t>(start - src_.data());
  t.length = static_cast<uint32_t>(end - start);
  t.line = line_;
  t.col = static_cast<uint32_t>(start - line_start_) + 1;
  t.error = error;
  prev_ends_operand_ = kind == Tok::Ident || kind == Tok::Int || kind == Tok::Float ||
                       kind == Tok::String || kind == Tok::RParen || kind == Tok::RBracket ||
                       kind == Tok::KwNil || kind == Tok::KwTrue || kind == Tok::KwFalse;
  return t;
}

void Lexer::count_lines(const char* from, const char* to) {
  for (const char* p = from; p < to; ++p) {
    if (*p == '\n') {
      ++line_;
      line_start_ = p + 1;
    }
  }
}

Token Lexer::next() {
  const char* const lim = src_.data() + src_.size();
  for (;;) {
    const char* start = cur_;
    const char* mar = cur_;
    (void)mar;
    /*!re2c
      re2c:api:style = free-form;
      re2c:define:YYCTYPE = "unsigned char";
      re2c:define:YYCURSOR = "cur_";
      re2c:define:YYMARKER = "mar";
      re2c:define:YYLIMIT = "lim";
      re2c:yyfill:enable = 0;
      re2c:eof = 0;

      dec   = [0-9] ("_"? [0-9])*;
      hex   = "0" [xX] [0-9a-fA-F] ("_"? [0-9a-fA-F])*;
      exp   = [eE] [+-]? [0-9]+;
      float = dec ("." [0-9]+ exp? | exp);
      ident = [a-zA-Z_] [a-zA-Z0-9_]*;
      // Escapes are checked and decoded by decode_string(), which can say which one is bad.
      dstr  = "\"" ([^"\\\n] | "\\" [^\n])* "\"";
      sstr  = "'" ([^'\\\n] | "\\" [^\n])* "'";

      $ { return make(Tok::Eof, start, cur_); }
      [ \t\r]+ { continue; }
      "\n" { count_lines(start, cur_); prev_ends_operand_ = false; continue; }
      "//" [^\n\x00]* {
        // `//` after an operand on the same line is floor division, else a comment
        // (docs/LANGUAGE.md, "Lexical structure").
        if (prev_ends_operand_) { cur_ = start + 2; return make(Tok::SlashSlash, start, cur_); }
        continue;
      }
      "/*" ([^*\x00] | "*"+ [^*/\x00])* "*"+ "/" { count_lines(start, cur_); continue; }
      "/*" { cur_ = lim; return make(Tok::Error, start, start + 2, "unterminated block comment"); }

      "let"      { return make(Tok::KwLet, start, cur_); }
      "fn"       { return make(Tok::KwFn, start, cur_); }
      "return"   { return make(Tok::KwReturn, start, cur_); }
      "if"       { return make(Tok::KwIf, start, cur_); }
      "else"     { return make(Tok::KwElse, start, cur_); }
      "while"    { return make(Tok::KwWhile, start, cur_); }
      "for"      { return make(Tok::KwFor, start, cur_); }
      "in"       { return make(Tok::KwIn, start, cur_); }
      "break"    { return make(Tok::KwBreak, start, cur_); }
      "continue" { return make(Tok::KwContinue, start, cur_); }
      "nil"      { return make(Tok::KwNil, start, cur_); }
      "true"     { return make(Tok::KwTrue, start, cur_); }
      "false"    { return make(Tok::KwFalse, start, cur_); }
      ident      { return make(Tok::Ident, start, cur_); }

      dec | hex  { return make(Tok::Int, start, cur_); }
      float      { return make(Tok::Float, start, cur_); }
      (dec | hex) [a-zA-Z_0-9]+ { return make(Tok::Error, start, cur_, "malformed number"); }
      "." [0-9]  { return make(Tok::Error, start, cur_, "a float needs a digit before the point (write 0.5)"); }

      dstr | sstr { return make(Tok::String, start, cur_); }
      ["'] { for (; cur_ < lim && *cur_ != '\n'; ++cur_) {}
             return make(Tok::Error, start, start + 1, "unterminated string"); }

      "+"  { return make(Tok::Plus, start, cur_); }
      "-"  { return make(Tok::Minus, start, cur_); }
      "*"  { return make(Tok::Star, start, cur_); }
      "/"  { return make(Tok::Slash, start, cur_); }
      "%"  { return make(Tok::Percent, start, cur_); }
      "**" { return make(Tok::StarStar, start, cur_); }
      ".." { return make(Tok::DotDot, start, cur_); }
      "==" { return make(Tok::EqEq, start, cur_); }
      "!=" { return make(Tok::NotEq, start, cur_); }
      "<"  { return make(Tok::Lt, start, cur_); }
      "<=" { return make(Tok::Le, start, cur_); }
      ">"  { return make(Tok::Gt, start, cur_); }
      ">=" { return make(Tok::Ge, start, cur_); }
      "&&" { return make(Tok::AndAnd, start, cur_); }
      "||" { return make(Tok::OrOr, start, cur_); }
      "!"  { return make(Tok::Bang, start, cur_); }
      "="  { return make(Tok::Assign, start, cur_); }
      "+=" { return make(Tok::PlusAssign, start, cur_); }
      "-=" { return make(Tok::MinusAssign, start, cur_); }
      "*=" { return make(Tok::StarAssign, start, cur_); }
      "/=" { return make(Tok::SlashAssign, start, cur_); }
      "..=" { return make(Tok::DotDotAssign, start, cur_); }
      "("  { return make(Tok::LParen, start, cur_); }
      ")"  { return make(Tok::RParen, start, cur_); }
      "["  { return make(Tok::LBracket, start, cur_); }
      "]"  { return make(Tok::RBracket, start, cur_); }
      "{"  { return make(Tok::LBrace, start, cur_); }
      "}"  { return make(Tok::RBrace, start, cur_); }
      ","  { return make(Tok::Comma, start, cur_); }
      ";"  { return make(Tok::Semi, start, cur_); }
      ":"  { return make(Tok::Colon, start, cur_); }
      "."  { return make(Tok::Dot, start, cur_); }
      "?"  { return make(Tok::Question, start, cur_); }
      [\x80-\xFF]+ { return make(Tok::Error, start, cur_, "unexpected non-ASCII text (outside strings and comments, source is ASCII)"); }
      *    { return make(Tok::Error, start, cur_, "unexpected character"); }
    */
  }
}

}  // namespace hako
