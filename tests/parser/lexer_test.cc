#include "parser/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hako {
namespace {

std::vector<Tok> kinds(const std::string& src) {
  Lexer lx(src);
  std::vector<Tok> out;
  for (Token t = lx.next();; t = lx.next()) {
    out.push_back(t.kind);
    if (t.kind == Tok::Eof) break;
  }
  return out;
}

TEST(Lexer, KeywordsIdentifiersAndPunctuation) {
  EXPECT_EQ(kinds("let x = fn(a) { return a; };"),
            (std::vector<Tok>{Tok::KwLet, Tok::Ident, Tok::Assign, Tok::KwFn, Tok::LParen,
                              Tok::Ident, Tok::RParen, Tok::LBrace, Tok::KwReturn, Tok::Ident,
                              Tok::Semi, Tok::RBrace, Tok::Semi, Tok::Eof}));
  EXPECT_EQ(kinds("letter fnord _x1"),
            (std::vector<Tok>{Tok::Ident, Tok::Ident, Tok::Ident, Tok::Eof}));
}

TEST(Lexer, Numbers) {
  EXPECT_EQ(kinds("42 0x2A 1_000_000 1.5 1e10 2.5e-3 1.0"),
            (std::vector<Tok>{Tok::Int, Tok::Int, Tok::Int, Tok::Float, Tok::Float, Tok::Float,
                              Tok::Float, Tok::Eof}));
  Lexer lx(".5");
  Token t = lx.next();
  EXPECT_EQ(t.kind, Tok::Error);
  EXPECT_STREQ(t.error, "a float needs a digit before the point (write 0.5)");
  EXPECT_EQ(kinds("12abc"), (std::vector<Tok>{Tok::Error, Tok::Eof}));
}

TEST(Lexer, StringsAndEscapes) {
  EXPECT_EQ(kinds(R"("a\n\t\\\"" 'b\'' "\x41\u{1F600}")"),
            (std::vector<Tok>{Tok::String, Tok::String, Tok::String, Tok::Eof}));
  // Escapes are checked when the parser decodes the string (string_literal.h), which can
  // point at the bad one; for the lexer any backslash pair is part of the string.
  EXPECT_EQ(kinds(R"("bad \q escape" 'it''s')"),
            (std::vector<Tok>{Tok::String, Tok::String, Tok::String, Tok::Eof}));
  Lexer open("\"no end\nlet");
  Token t = open.next();
  EXPECT_EQ(t.kind, Tok::Error);
  EXPECT_STREQ(t.error, "unterminated string");
  EXPECT_EQ(open.next().kind, Tok::KwLet);  // resumes on the next line
  Lexer backslash_at_end("'abc\\");
  EXPECT_EQ(backslash_at_end.next().kind, Tok::Error);
  EXPECT_EQ(backslash_at_end.next().kind, Tok::Eof);
}

TEST(Lexer, NonAsciiOutsideStringsIsOneError) {
  Lexer lx("x \xC3\xA9\xE2\x82\xAC y\n// caf\xC3\xA9\n");
  EXPECT_EQ(lx.next().kind, Tok::Ident);
  Token t = lx.next();
  EXPECT_EQ(t.kind, Tok::Error);
  EXPECT_EQ(t.length, 5u);
  EXPECT_STREQ(t.error,
               "unexpected non-ASCII text (outside strings and comments, source is ASCII)");
  EXPECT_EQ(lx.next().kind, Tok::Ident);
  EXPECT_EQ(lx.next().kind, Tok::Eof);  // UTF-8 in a comment is fine
}

TEST(Lexer, CommentsAndFloorDivision) {
  EXPECT_EQ(kinds("a // b\n// comment\nx; // c\n/* x\n y */ 1"),
            (std::vector<Tok>{Tok::Ident, Tok::SlashSlash, Tok::Ident, Tok::Ident, Tok::Semi,
                              Tok::Int, Tok::Eof}));
  Lexer lx("/* never closed");
  EXPECT_EQ(lx.next().kind, Tok::Error);
  EXPECT_EQ(lx.next().kind, Tok::Eof);
}

TEST(Lexer, LinesAndColumns) {
  std::string src = "let a;\n  /* two\nlines */ b\n";
  Lexer lx(src);
  Token t = lx.next();
  EXPECT_EQ(t.line, 1u);
  EXPECT_EQ(t.col, 1u);
  lx.next();
  lx.next();
  t = lx.next();
  EXPECT_EQ(lx.text(t), "b");
  EXPECT_EQ(t.line, 3u);
  EXPECT_EQ(t.col, 10u);
}

TEST(Lexer, NulByteInsideIsAnErrorNotTheEnd) {
  std::string src("a\0b", 3);
  EXPECT_EQ(kinds(src), (std::vector<Tok>{Tok::Ident, Tok::Error, Tok::Ident, Tok::Eof}));
}

}  // namespace
}  // namespace hako
