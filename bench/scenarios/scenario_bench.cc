// One scenario of bench/scenarios in one process: the project's own code doing real work,
// on whatever allocator serves the hak_* interface (hakmem, or with HAKMEM_BACKEND=system the
// process's malloc, a peer by LD_PRELOAD).
//
//   scenario_bench PLAN
//
// PLAN is a text file, one work item a line, run in order (bench/scenarios/run.py writes it;
// MIXED interleaves the three kinds):
//
//   json FILE            parse FILE into a DOM, write it compact, parse that again and check
//                        both trees are equal (the round trip); the hash is of the text written
//   mir FILE             compile FILE (Hako) at -O1 to bytecode; the hash is of the code words
//   vm FILE [ARG...]     compile and run FILE in a fresh runtime with `args` = ARG...; the hash
//                        is of what it printed
//
// Inputs are read into memory before the timed part. It prints one line of JSON: the
// scenario's seconds (wall and CPU, of the timed part), a checksum over every item's hash
// (which must agree across allocators), the process's peak RSS (VmHWM), which backend and
// mode hakmem runs in, and which library `malloc` resolves into (proof that a preload took).
// Exit status 1 when an item fails (the reason on stderr), 2 on a usage or I/O error.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

#include "hakmem.h"
#include "parser/json_dom.h"
#include "parser/json_writer.h"
#include "vm/array.h"
#include "vm/compile.h"
#include "vm/interp.h"
#include "vm/print.h"
#include "vm/runtime.h"

namespace {

namespace vm = hako::vm;

// FNV-1a, 64 bits: small and the same everywhere.
struct Hash {
  uint64_t h = 0xcbf29ce484222325ull;
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
  void add_u64(uint64_t v) { add(&v, sizeof v); }
};

// A file's bytes and a NUL after them (what the lexers need), from hakmem's interface like
// everything else the scenario allocates.
struct Text {
  char* data = nullptr;
  size_t size = 0;
  std::string_view view() const { return {data, size}; }
};

bool read_text(const char* path, Text* out) {
  FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  bool ok = std::fseek(f, 0, SEEK_END) == 0;
  long n = ok ? std::ftell(f) : -1;
  ok = n >= 0 && std::fseek(f, 0, SEEK_SET) == 0;
  if (ok) {
    out->size = static_cast<size_t>(n);
    out->data = static_cast<char*>(hak_alloc_at(out->size + 1, HAK_SITE("scenario.input")));
    ok = out->data && std::fread(out->data, 1, out->size, f) == out->size;
    if (ok) out->data[out->size] = '\0';
  }
  std::fclose(f);
  return ok;
}

enum class Kind { kJson, kMir, kVm };

struct Item {
  Kind kind;
  const char* path;               // into the plan's text
  std::vector<const char*> args;  // vm: the program's args
  Text text;
};

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- The three kinds of work --------------------------------------------------------------

bool run_json(const Item& it, Hash* h) {
  hako::json::Document doc, again;
  hako::Error err;
  if (!doc.parse(it.text.view(), &err)) {
    std::fprintf(stderr, "scenario_bench: %s:%u:%u: %s\n", it.path, err.line, err.col, err.message);
    return false;
  }
  hako::json::Writer w;
  if (!w.value(doc.root())) {
    std::fprintf(stderr, "scenario_bench: %s: cannot write: %s\n", it.path, w.error());
    return false;
  }
  std::string_view out = w.text();
  // The writer's buffer has no NUL after the text; the reader wants one.
  auto* copy = static_cast<char*>(hak_alloc_at(out.size() + 1, HAK_SITE("scenario.json_text")));
  if (!copy) return false;
  std::memcpy(copy, out.data(), out.size());
  copy[out.size()] = '\0';
  bool same = again.parse(std::string_view(copy, out.size()), &err) &&
              hako::json::equal(doc.root(), again.root());
  hak_free(copy);
  if (!same) {
    std::fprintf(stderr, "scenario_bench: %s: the round trip changed the document\n", it.path);
    return false;
  }
  h->add(out.data(), out.size());
  return true;
}

void hash_proto(const hako::bc::Proto* p, Hash* h) {
  h->add(p->code.data(), p->code.size_bytes());
  h->add_u64(p->k.size() << 32 | p->nregs);
  for (const hako::bc::Proto* q : p->protos) hash_proto(q, h);
}

bool run_mir(const Item& it, Hash* h) {
  hako::bc::Unit unit;
  hako::Errors errors;
  hako::CompileOptions opt;
  opt.opt_level = 1;
  opt.verify = false;
  if (!hako::compile(it.path, it.text.view(), &unit, &errors, opt)) {
    for (const hako::Error& e : errors)
      std::fprintf(stderr, "scenario_bench: %s:%u:%u: %s\n", it.path, e.line, e.col, e.message);
    return false;
  }
  hash_proto(unit.main(), h);
  return true;
}

void hash_output(void* ud, const char* data, size_t size) {
  static_cast<Hash*>(ud)->add(data, size);
}

bool run_vm(const Item& it, Hash* h) {
  vm::RuntimeOptions ro;
  ro.output = hash_output;
  ro.output_ud = h;
  vm::Runtime* rt = vm::Runtime::create(ro);
  if (!rt) return false;
  bool ok = false;
  {
    hako::bc::Unit unit;
    hako::Errors errors;
    vm::Array* a = nullptr;
    if (!hako::compile(it.path, it.text.view(), &unit, &errors)) {
      for (const hako::Error& e : errors)
        std::fprintf(stderr, "scenario_bench: %s:%u:%u: %s\n", it.path, e.line, e.col, e.message);
    } else if ((a = rt->new_array(static_cast<uint32_t>(it.args.size()))) &&
               rt->set_global("args", vm::Value::array(a))) {
      ok = true;
      for (const char* arg : it.args) {
        vm::String* s = rt->new_string(arg);
        if (!s || !vm::array_push(*rt, a, vm::Value::string(s))) ok = false;
      }
      vm::Value ret;
      ok = ok && vm::load(*rt, unit) && vm::run_loaded(*rt, &ret);
      if (!ok) {
        vm::Buffer b(*rt);
        bool said = vm::append_value(*rt, b, rt->error_value());
        std::string_view msg = said ? b.view() : "(no memory to say)";
        std::fprintf(stderr, "scenario_bench: %s: runtime error: %.*s\n", it.path,
                     static_cast<int>(msg.size()), msg.data());
        rt->clear_error();
      }
    }
  }
  vm::Runtime::destroy(rt);
  return ok;
}

// ---- What the process runs on --------------------------------------------------------------

// The file that holds the code `malloc` resolves to (a preloaded library, or libc).
const char* malloc_from() {
  Dl_info info;
  void* fn = dlsym(RTLD_DEFAULT, "malloc");
  return fn && dladdr(fn, &info) && info.dli_fname ? info.dli_fname : "?";
}

// Which known allocator libraries are mapped, by /proc/self/maps (comma-separated, or "none").
void mapped_allocators(char* out, size_t cap) {
  static const char* const kLibs[] = {"libhakmem", "libmimalloc", "libjemalloc", "libtcmalloc",
                                      "libc_malloc_debug"};
  bool seen[sizeof kLibs / sizeof *kLibs] = {};
  if (FILE* f = std::fopen("/proc/self/maps", "r")) {
    char line[1024];
    while (std::fgets(line, sizeof line, f))
      for (size_t i = 0; i < sizeof kLibs / sizeof *kLibs; ++i)
        if (std::strstr(line, kLibs[i])) seen[i] = true;
    std::fclose(f);
  }
  out[0] = '\0';
  for (size_t i = 0; i < sizeof kLibs / sizeof *kLibs; ++i)
    if (seen[i])
      std::snprintf(out + std::strlen(out), cap - std::strlen(out), "%s%s", out[0] ? "," : "",
                    kLibs[i]);
  if (!out[0]) std::snprintf(out, cap, "none");
}

long status_kb(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  size_t n = std::strlen(field);
  while (kb < 0 && std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field, n) == 0) kb = std::atol(line + n);
  std::fclose(f);
  return kb;
}

// ---- The plan -------------------------------------------------------------------------------

// Splits the plan's text in place into items; false (after saying why) on a bad line.
bool parse_plan(char* text, std::vector<Item>* items) {
  int lineno = 0;
  for (char* line = std::strtok(text, "\n"); line; line = std::strtok(nullptr, "\n")) {
    ++lineno;
    std::vector<char*> words;
    for (char *save = nullptr, *w = strtok_r(line, " \t", &save); w;
         w = strtok_r(nullptr, " \t", &save))
      words.push_back(w);
    if (words.empty() || words[0][0] == '#') continue;
    Item it{};
    std::string_view what = words[0];
    it.kind = what == "json" ? Kind::kJson : what == "mir" ? Kind::kMir : Kind::kVm;
    if ((what != "json" && what != "mir" && what != "vm") || words.size() < 2 ||
        (it.kind != Kind::kVm && words.size() != 2)) {
      std::fprintf(stderr,
                   "scenario_bench: plan line %d: want `json|mir FILE` or `vm FILE ARG...`\n",
                   lineno);
      return false;
    }
    it.path = words[1];
    it.args.assign(words.begin() + 2, words.end());
    items->push_back(it);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: scenario_bench PLAN\n");
    return 2;
  }
  Text plan;
  std::vector<Item> items;
  if (!read_text(argv[1], &plan)) {
    std::fprintf(stderr, "scenario_bench: cannot read %s\n", argv[1]);
    return 2;
  }
  if (!parse_plan(plan.data, &items)) return 2;
  for (Item& it : items) {
    if (!read_text(it.path, &it.text)) {
      std::fprintf(stderr, "scenario_bench: cannot read %s\n", it.path);
      return 2;
    }
  }

  Hash total;
  size_t counts[3] = {};
  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (const Item& it : items) {
    Hash h;
    bool ok = it.kind == Kind::kJson  ? run_json(it, &h)
              : it.kind == Kind::kMir ? run_mir(it, &h)
                                      : run_vm(it, &h);
    if (!ok) {
      std::fprintf(stderr, "scenario_bench: %s failed\n", it.path);
      return 1;
    }
    total.add_u64(h.h);
    ++counts[static_cast<int>(it.kind)];
  }
  auto t1 = std::chrono::steady_clock::now();
  double c1 = cpu_seconds();

  for (Item& it : items) hak_free(it.text.data);
  hak_free(plan.data);
  char mapped[256];
  mapped_allocators(mapped, sizeof mapped);
  std::printf(
      "{\"work_seconds\":%.6f,\"work_cpu_seconds\":%.6f,\"checksum\":\"%016llx\","
      "\"json_items\":%zu,\"mir_items\":%zu,\"vm_items\":%zu,\"peak_rss_kb\":%ld,"
      "\"backend\":\"%s\",\"mode\":\"%s\",\"malloc_from\":\"%s\",\"mapped\":\"%s\"}\n",
      std::chrono::duration<double>(t1 - t0).count(), c1 - c0,
      static_cast<unsigned long long>(total.h), counts[0], counts[1], counts[2],
      status_kb("VmHWM:"), hak_backend(), hak_mode(), malloc_from(), mapped);
  return 0;
}
