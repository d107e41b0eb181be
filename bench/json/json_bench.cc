// JSON parse throughput into a DOM: Hako's reader against RapidJSON (full precision, as
// ours rounds correctly), simdjson (DOM parser) and nlohmann::json, on three generated
// document shapes and on any JSON files named on the command line.
//
//   json_bench [--quick] [--reps N] [--ms N] [--write DIR] [FILE.json ...]
//
// Each repetition runs every parser once on a document, in a rotating order (interleaved,
// so that a noisy neighbour hurts all of them alike); a run parses the document as many
// times as fit in --ms milliseconds. The report is the median MB/s over the repetitions and
// the ratio to RapidJSON, as a Markdown table (MB = 10^6 bytes).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "parser/json_dom.h"

// Header-only peers are used when their headers are there; simdjson also needs its library,
// which configure.py links when it finds it (and then defines HAVE_SIMDJSON).
#if __has_include(<rapidjson/document.h>)
#include <rapidjson/document.h>
#define PEER_RAPIDJSON 1
#endif
#if __has_include(<simdjson.h>) && defined(HAVE_SIMDJSON)
#include <simdjson.h>
#define PEER_SIMDJSON 1
#endif
#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define PEER_NLOHMANN 1
#endif

namespace {

// ---- Deterministic documents ------------------------------------------------------------

struct Rng {
  uint64_t s;
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

// A tiny writer for the generators: indent < 0 is compact.
class Gen {
 public:
  explicit Gen(int indent) : indent_(indent) {}
  std::string out;
  void open(char c) {
    sep();
    out += c;
    ++depth_;
    first_ = true;
  }
  void close(char c) {
    --depth_;
    if (!first_) nl();
    out += c;
    first_ = false;
  }
  void key(const std::string& k) {
    sep();
    str_raw(k);
    out += indent_ < 0 ? ":" : ": ";
    after_key_ = true;
  }
  void str(const std::string& s) {
    sep();
    str_raw(s);
  }
  void num(const std::string& text) {
    sep();
    out += text;
  }
  void integer(int64_t i) { num(std::to_string(i)); }
  void real(double d, int decimals) {
    char b[64];
    snprintf(b, sizeof b, "%.*f", decimals, d);
    num(b);
  }
  void boolean(bool b) { num(b ? "true" : "false"); }
  void null() { num("null"); }

 private:
  void nl() {
    if (indent_ < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(depth_ * indent_), ' ');
  }
  void sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    if (!first_) out += ',';
    first_ = false;
    nl();
  }
  void str_raw(const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  int indent_;
  int depth_ = 0;
  bool first_ = true, after_key_ = false;
};

const char* const kWords[] = {
    "the",      "allocator",  "returns", "memory",  "from",     "a",       "segment",
    "when",     "page",       "fault",   "thread",  "cache",    "large",   "block",
    "request",  "response",   "parser",  "builds",  "document", "value",   "string",
    "naïve",    "café",       "größe",   "日本語",  "données",  "сервер",  "emoji 🚀",
    "fix",      "regression", "in",      "release", "build",    "with",    "\"quotes\"",
    "path\\to", "tabs\there", "ok",      "merged",  "review",   "comment", "issue"};

std::string sentence(Rng& r, int words) {
  std::string s;
  for (int i = 0; i < words; ++i) {
    if (i) s += r.below(12) == 0 ? "\n" : " ";
    s += kWords[r.below(sizeof kWords / sizeof *kWords)];
  }
  return s;
}

std::string ident(Rng& r, int len) {
  static const char a[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < len; ++i) s += a[r.below(36)];
  return s;
}

std::string timestamp(Rng& r) {
  char b[32];
  snprintf(b, sizeof b, "20%02u-%02u-%02uT%02u:%02u:%02uZ", 18 + r.below(6), 1 + r.below(12),
           1 + r.below(28), r.below(24), r.below(60), r.below(60));
  return b;
}

// Text-heavy API responses (an issue tracker's list endpoint), pretty-printed with 2 spaces.
std::string gen_api(size_t target) {
  Rng r{1};
  Gen g(2);
  g.open('[');
  for (int n = 0; g.out.size() < target; ++n) {
    g.open('{');
    g.key("id");
    g.integer(100000000 + n * 7);
    g.key("node_id");
    g.str("MDU6SXNzdWU" + ident(r, 12));
    g.key("url");
    g.str("https://api.example.com/repos/hakmem/hako/issues/" + std::to_string(n));
    g.key("title");
    g.str(sentence(r, 4 + r.below(8)));
    g.key("user");
    g.open('{');
    g.key("login");
    g.str(ident(r, 5 + r.below(8)));
    g.key("id");
    g.integer(r.below(9000000));
    g.key("avatar_url");
    g.str("https://avatars.example.com/u/" + std::to_string(r.below(9000000)) + "?v=4");
    g.key("site_admin");
    g.boolean(r.below(20) == 0);
    g.close('}');
    g.key("labels");
    g.open('[');
    for (uint32_t i = r.below(4); i > 0; --i) {
      g.open('{');
      g.key("name");
      g.str(kWords[r.below(20)]);
      g.key("color");
      g.str(ident(r, 6));
      g.close('}');
    }
    g.close(']');
    g.key("state");
    g.str(r.below(3) ? "open" : "closed");
    g.key("comments");
    g.integer(r.below(200));
    g.key("created_at");
    g.str(timestamp(r));
    g.key("updated_at");
    g.str(timestamp(r));
    g.key("closed_at");
    g.null();
    g.key("body");
    g.str(sentence(r, 20 + r.below(120)));
    g.close('}');
  }
  g.close(']');
  return g.out;
}

// Number-heavy GeoJSON: polygons with 7-decimal coordinates, compact.
std::string gen_geo(size_t target) {
  Rng r{2};
  Gen g(-1);
  g.open('{');
  g.key("type");
  g.str("FeatureCollection");
  g.key("features");
  g.open('[');
  while (g.out.size() < target) {
    g.open('{');
    g.key("type");
    g.str("Feature");
    g.key("properties");
    g.open('{');
    g.key("name");
    g.str(ident(r, 8));
    g.key("population");
    g.integer(r.below(5000000));
    g.key("area_km2");
    g.real(r.unit() * 5000, 3);
    g.close('}');
    g.key("geometry");
    g.open('{');
    g.key("type");
    g.str("Polygon");
    g.key("coordinates");
    g.open('[');
    g.open('[');
    double lon = -180 + r.unit() * 360, lat = -80 + r.unit() * 160;
    for (uint32_t i = 20 + r.below(200); i > 0; --i) {
      g.open('[');
      g.real(lon + r.unit() * 0.5, 7);
      g.real(lat + r.unit() * 0.5, 7);
      g.close(']');
    }
    g.close(']');
    g.close(']');
    g.close('}');
    g.close('}');
  }
  g.close(']');
  g.close('}');
  return g.out;
}

// A product catalog: wide objects (dozens of attributes) in a deep category tree, indented
// with one space.
std::string gen_catalog(size_t target) {
  Rng r{3};
  Gen g(1);
  std::function<void(int)> category = [&](int depth) {
    g.open('{');
    g.key("category");
    g.str(ident(r, 6 + r.below(6)));
    g.key("depth");
    g.integer(depth);
    g.key("products");
    g.open('[');
    for (uint32_t p = 2 + r.below(6); p > 0 && g.out.size() < target; --p) {
      g.open('{');
      g.key("sku");
      g.str(ident(r, 10));
      g.key("price");
      g.open('{');
      g.key("amount");
      g.real(1 + r.unit() * 500, 2);
      g.key("currency");
      g.str(r.below(2) ? "EUR" : "USD");
      g.close('}');
      g.key("in_stock");
      g.boolean(r.below(3) != 0);
      g.key("attributes");
      g.open('{');
      for (uint32_t a = 20 + r.below(40); a > 0; --a) {
        g.key("attr_" + ident(r, 3 + r.below(10)));
        switch (r.below(4)) {
          case 0:
            g.str(ident(r, 4 + r.below(12)));
            break;
          case 1:
            g.integer(r.below(100000));
            break;
          case 2:
            g.real(r.unit() * 100, 2);
            break;
          default:
            g.boolean(r.below(2));
            break;
        }
      }
      g.close('}');
      g.key("tags");
      g.open('[');
      for (uint32_t t = r.below(6); t > 0; --t) g.str(ident(r, 5));
      g.close(']');
      g.close('}');
    }
    g.close(']');
    g.key("children");
    g.open('[');
    if (depth < 7) {
      for (uint32_t c = 1 + r.below(3); c > 0 && g.out.size() < target; --c) category(depth + 1);
    }
    g.close(']');
    g.close('}');
  };
  g.open('[');
  while (g.out.size() < target) category(1);
  g.close(']');
  return g.out;
}

// ---- Parsers --------------------------------------------------------------------------

struct Doc {
  Doc(std::string n, std::string t) : name(std::move(n)), text(std::move(t)) {}
  std::string name;
  std::string text;
#if PEER_SIMDJSON
  simdjson::padded_string padded;
#endif
};

struct Parser {
  const char* name;
  // Parses the document once; returns a number derived from the result (so the work is
  // not optimized away), or -1 on a parse error.
  std::function<long(const Doc&)> parse;
};

std::vector<Parser> parsers() {
  std::vector<Parser> ps;
  ps.push_back({"hako", [](const Doc& d) -> long {
                  hako::json::Document doc;
                  hako::Error err;
                  if (!doc.parse(d.text, &err)) return -1;
                  return static_cast<long>(doc.root().size());
                }});
#if PEER_RAPIDJSON
  ps.push_back({"rapidjson", [](const Doc& d) -> long {
                  rapidjson::Document doc;
                  doc.Parse<rapidjson::kParseFullPrecisionFlag>(d.text.c_str());
                  if (doc.HasParseError()) return -1;
                  return doc.IsArray() ? long(doc.Size()) : long(doc.MemberCount());
                }});
#endif
#if PEER_SIMDJSON
  ps.push_back({"simdjson", [](const Doc& d) -> long {
                  // The documented way to use simdjson: one parser, reused.
                  static simdjson::dom::parser parser;
                  simdjson::dom::element root;
                  if (parser.parse(d.padded).get(root)) return -1;
                  return root.is_array() ? long(simdjson::dom::array(root).size())
                                         : long(simdjson::dom::object(root).size());
                }});
#endif
#if PEER_NLOHMANN
  ps.push_back({"nlohmann", [](const Doc& d) -> long {
                  auto j = nlohmann::json::parse(d.text, nullptr, false);
                  if (j.is_discarded()) return -1;
                  return long(j.size());
                }});
#endif
  return ps;
}

double seconds_now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// MB/s of one run: as many parses as fit in `ms` milliseconds (at least one).
double measure(const Parser& p, const Doc& d, double ms, long* check) {
  double start = seconds_now(), now = start;
  long iters = 0;
  do {
    *check = p.parse(d);
    ++iters;
    now = seconds_now();
  } while ((now - start) * 1000 < ms);
  return static_cast<double>(d.text.size()) * static_cast<double>(iters) / (now - start) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 9;
  double ms = 150;
  std::vector<Doc> docs;
  std::vector<std::string> files;
  const char* write_dir = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      reps = 3;
      ms = 40;
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, atoi(argv[++i]));
    } else if (a == "--ms" && i + 1 < argc) {
      ms = atof(argv[++i]);
    } else if (a == "--write" && i + 1 < argc) {
      write_dir = argv[++i];
    } else if (a == "-h" || a == "--help") {
      printf(
          "usage: json_bench [--quick] [--reps N] [--ms N] [--write DIR] [FILE.json ...]\n"
          "  --write DIR  also save the generated documents as DIR/<shape>.json\n");
      return 0;
    } else {
      files.push_back(a);
    }
  }
  docs.emplace_back("api (text-heavy)", gen_api(1 << 20));
  docs.emplace_back("geo (number-heavy)", gen_geo(1 << 20));
  docs.emplace_back("catalog (wide/deep)", gen_catalog(1 << 20));
  if (write_dir) {
    for (const Doc& d : docs) {
      std::string path =
          std::string(write_dir) + "/" + d.name.substr(0, d.name.find(' ')) + ".json";
      std::ofstream(path, std::ios::binary) << d.text;
    }
  }
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      fprintf(stderr, "json_bench: cannot read %s\n", f.c_str());
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    docs.emplace_back(f, ss.str());
  }
#if PEER_SIMDJSON
  for (Doc& d : docs) d.padded = simdjson::padded_string(d.text);
#endif

  std::vector<Parser> ps = parsers();
  printf("peers:");
  for (const Parser& p : ps) printf(" %s", p.name);
#if !PEER_RAPIDJSON
  printf(" (rapidjson skipped: not installed)");
#endif
#if !PEER_SIMDJSON
  printf(" (simdjson skipped: not installed)");
#endif
#if !PEER_NLOHMANN
  printf(" (nlohmann skipped: not installed)");
#endif
  printf("\nrepetitions: %d, %.0f ms per run, median MB/s (10^6 bytes/s)\n\n", reps, ms);

  printf("| document | size |");
  for (const Parser& p : ps) printf(" %s MB/s |", p.name);
  bool have_rj = ps.size() > 1 && std::strcmp(ps[1].name, "rapidjson") == 0;
  if (have_rj) printf(" hako / rapidjson |");
  printf("\n|---|---:|");
  for (size_t i = 0; i < ps.size(); ++i) printf("---:|");
  if (have_rj) printf("---:|");
  printf("\n");
  int status = 0;
  for (const Doc& d : docs) {
    std::vector<std::vector<double>> mbs(ps.size());
    std::vector<long> checks(ps.size());
    for (int rep = 0; rep < reps; ++rep) {
      for (size_t k = 0; k < ps.size(); ++k) {
        size_t i = (k + static_cast<size_t>(rep)) % ps.size();  // rotate who goes first
        mbs[i].push_back(measure(ps[i], d, ms, &checks[i]));
      }
    }
    printf("| %s | %.2f MB |", d.name.c_str(), static_cast<double>(d.text.size()) / 1e6);
    std::vector<double> med(ps.size());
    for (size_t i = 0; i < ps.size(); ++i) {
      med[i] = median(mbs[i]);
      if (checks[i] < 0) {
        printf(" rejected |");
        status = 1;
      } else {
        printf(" %.0f |", med[i]);
      }
    }
    if (have_rj) printf(" %.2fx |", med[0] / med[1]);
    printf("\n");
    fflush(stdout);
  }
  return status;
}
