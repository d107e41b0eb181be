// A reference interpreter for the bytecode (vm/bytecode.h, docs/BYTECODE.md), for tests
// only: it runs compiled programs so that the compiler's output can be checked by what it
// does (the same output at -O0 and -O1, the expected output), long before and independently
// of the real VM. Simple over fast: values are small structs, objects live until the
// interpreter dies (no GC), errors are C++ exceptions, calls recurse.
//
// Builtins: print str len push pop insert remove keys has delete type range int float error
// pcall assert sort clock, math.sqrt floor abs max min, string.sub rep byte char find split
// join upper lower format (%d %i %s %x %f with flags, width and precision), and what
// `globals` is given.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "parser/numbers.h"
#include "vm/arith.h"
#include "vm/bytecode.h"

namespace hako::testing {

struct Obj;

struct Value {
  enum class Kind { Nil, Bool, Int, Float, Obj };
  Kind kind = Kind::Nil;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  Obj* o = nullptr;

  static Value boolean(bool v) { return {Kind::Bool, v}; }
  static Value integer(int64_t v) { return {Kind::Int, false, v}; }
  static Value number(double v) { return {Kind::Float, false, 0, v}; }
  static Value object(Obj* p) { return {Kind::Obj, false, 0, 0, p}; }
};

struct Interp;
using Native = Value (*)(Interp&, std::vector<Value>&);

struct Obj {
  enum class Kind { String, Array, Map, Closure, Native, Box };
  Kind kind;
  std::string s;                                 // String
  std::vector<Value> items;                      // Array; Closure: upvalues
  std::vector<std::pair<Value, Value>> entries;  // Map, in insertion order
  const bc::Proto* proto = nullptr;              // Closure
  Native native = nullptr;                       // Native
  std::string name;                              // Native
  Value box;                                     // Box
  explicit Obj(Kind k) : kind(k) {}
};

struct RuntimeError : std::runtime_error {
  Value value;
  RuntimeError(const std::string& m, Value v) : std::runtime_error(m), value(v) {}
};

struct Interp {
  const bc::Unit& unit;
  std::string out;  // what print wrote
  std::map<std::string, Value> globals;
  std::vector<std::unique_ptr<Obj>> heap;
  std::vector<Value*> gslots;  // the unit's globals, resolved
  int depth = 0;
  long budget = 50'000'000;  // instructions, so that a bad jump cannot hang a test

  explicit Interp(const bc::Unit& u) : unit(u) { install_builtins(); }

  Obj* make(Obj::Kind k) {
    heap.push_back(std::make_unique<Obj>(k));
    return heap.back().get();
  }
  Value str(std::string s) {
    Obj* o = make(Obj::Kind::String);
    o->s = std::move(s);
    return Value::object(o);
  }
  [[noreturn]] void fail(const std::string& msg) { throw RuntimeError(msg, str(msg)); }

  static bool is(const Value& v, Obj::Kind k) {
    return v.kind == Value::Kind::Obj && v.o->kind == k;
  }
  static bool truthy(const Value& v) {
    return !(v.kind == Value::Kind::Nil || (v.kind == Value::Kind::Bool && !v.b));
  }
  static bool number(const Value& v) {
    return v.kind == Value::Kind::Int || v.kind == Value::Kind::Float;
  }
  static double as_float(const Value& v) {
    return v.kind == Value::Kind::Int ? static_cast<double>(v.i) : v.f;
  }

  std::string type_name(const Value& v) {
    switch (v.kind) {
      case Value::Kind::Nil:
        return "nil";
      case Value::Kind::Bool:
        return "bool";
      case Value::Kind::Int:
        return "int";
      case Value::Kind::Float:
        return "float";
      case Value::Kind::Obj:
        break;
    }
    switch (v.o->kind) {
      case Obj::Kind::String:
        return "string";
      case Obj::Kind::Array:
        return "array";
      case Obj::Kind::Map:
        return "map";
      case Obj::Kind::Box:
        return "box";
      default:
        return "function";
    }
  }

  std::string to_str(const Value& v, bool quoted = false, int level = 0) {
    switch (v.kind) {
      case Value::Kind::Nil:
        return "nil";
      case Value::Kind::Bool:
        return v.b ? "true" : "false";
      case Value::Kind::Int:
        return std::to_string(v.i);
      case Value::Kind::Float: {
        char buf[kDoubleChars];
        return std::string(buf, format_double(v.f, buf));
      }
      case Value::Kind::Obj:
        break;
    }
    Obj* o = v.o;
    switch (o->kind) {
      case Obj::Kind::String:
        return quoted ? "\"" + o->s + "\"" : o->s;
      case Obj::Kind::Array: {
        if (level > 20) return "[...]";
        std::string s = "[";
        for (size_t k = 0; k < o->items.size(); ++k) {
          s += (k ? ", " : "") + to_str(o->items[k], true, level + 1);
        }
        return s + "]";
      }
      case Obj::Kind::Map: {
        if (level > 20) return "{...}";
        std::string s = "{";
        for (size_t k = 0; k < o->entries.size(); ++k) {
          s += (k ? ", " : "") + to_str(o->entries[k].first, true, level + 1) + ": " +
               to_str(o->entries[k].second, true, level + 1);
        }
        return s + "}";
      }
      case Obj::Kind::Closure:
        return o->proto->name.empty() ? "<function>"
                                      : "<function " + std::string(o->proto->name) + ">";
      case Obj::Kind::Native:
        return "<function " + o->name + ">";
      case Obj::Kind::Box:
        return "<box>";
    }
    return "?";
  }

  bool equal(const Value& a, const Value& b) {
    if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) return a.i == b.i;
    if (number(a) && number(b)) {
      if (a.kind == Value::Kind::Int) return arith::eq_int_float(a.i, b.f);
      if (b.kind == Value::Kind::Int) return arith::eq_int_float(b.i, a.f);
      return a.f == b.f;
    }
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Value::Kind::Nil:
        return true;
      case Value::Kind::Bool:
        return a.b == b.b;
      case Value::Kind::Obj:
        if (a.o->kind == Obj::Kind::String && b.o->kind == Obj::Kind::String) {
          return a.o->s == b.o->s;
        }
        return a.o == b.o;
      default:
        return false;
    }
  }

  bool less(const Value& a, const Value& b, bool or_equal) {
    if (number(a) && number(b)) {
      if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) {
        return or_equal ? a.i <= b.i : a.i < b.i;
      }
      if (a.kind == Value::Kind::Float && b.kind == Value::Kind::Float) {
        return or_equal ? a.f <= b.f : a.f < b.f;
      }
      if (a.kind == Value::Kind::Int) {
        return or_equal ? arith::le_int_float(a.i, b.f) : arith::lt_int_float(a.i, b.f);
      }
      return or_equal ? arith::le_float_int(a.f, b.i) : arith::lt_float_int(a.f, b.i);
    }
    if (is(a, Obj::Kind::String) && is(b, Obj::Kind::String)) {
      int c = arith::compare_bytes(a.o->s.data(), a.o->s.size(), b.o->s.data(), b.o->s.size());
      return or_equal ? c <= 0 : c < 0;
    }
    fail("attempt to compare " + type_name(a) + " with " + type_name(b));
  }

  Value arith_op(bc::Op op, const Value& a, const Value& b) {
    using bc::Op;
    if (!number(a) || !number(b)) {
      fail("attempt to perform arithmetic on " + type_name(number(a) ? b : a) + " values");
    }
    if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) {
      switch (op) {
        case Op::ADD:
          return Value::integer(arith::add(a.i, b.i));
        case Op::SUB:
          return Value::integer(arith::sub(a.i, b.i));
        case Op::MUL:
          return Value::integer(arith::mul(a.i, b.i));
        case Op::IDIV:
          if (b.i == 0) fail("integer division by zero");
          return Value::integer(arith::idiv(a.i, b.i));
        case Op::MOD:
          if (b.i == 0) fail("integer modulo by zero");
          return Value::integer(arith::mod(a.i, b.i));
        default:
          break;
      }
    }
    double x = as_float(a), y = as_float(b);
    switch (op) {
      case Op::ADD:
        return Value::number(x + y);
      case Op::SUB:
        return Value::number(x - y);
      case Op::MUL:
        return Value::number(x * y);
      case Op::DIV:
        return Value::number(x / y);
      case Op::IDIV:
        return Value::number(arith::fidiv(x, y));
      case Op::MOD:
        return Value::number(arith::fmod(x, y));
      default:
        return Value::number(arith::pow(x, y));
    }
  }

  Value constant(const bc::Constant& k) {
    switch (k.kind) {
      case bc::Constant::Kind::Nil:
        return {};
      case bc::Constant::Kind::False:
        return Value::boolean(false);
      case bc::Constant::Kind::True:
        return Value::boolean(true);
      case bc::Constant::Kind::Int:
        return Value::integer(k.i);
      case bc::Constant::Kind::Float:
        return Value::number(k.f);
      case bc::Constant::Kind::String:
        return str(std::string(k.str()));
    }
    return {};
  }

  Value get(const Value& obj, const Value& key) {
    if (is(obj, Obj::Kind::Array)) {
      if (key.kind != Value::Kind::Int) fail("array index is not an int");
      auto& v = obj.o->items;
      if (key.i < 0 || static_cast<size_t>(key.i) >= v.size()) {
        fail("index " + std::to_string(key.i) + " out of range (length " +
             std::to_string(v.size()) + ")");
      }
      return v[static_cast<size_t>(key.i)];
    }
    if (is(obj, Obj::Kind::Map)) {
      for (auto& e : obj.o->entries) {
        if (equal(e.first, key)) return e.second;
      }
      return {};
    }
    if (is(obj, Obj::Kind::String) && key.kind == Value::Kind::Int) {
      const std::string& s = obj.o->s;
      if (key.i < 0 || static_cast<size_t>(key.i) >= s.size()) fail("string index out of range");
      return str(s.substr(static_cast<size_t>(key.i), 1));
    }
    fail("attempt to index a " + type_name(obj) + " value");
  }

  void set(const Value& obj, const Value& key, const Value& val) {
    if (is(obj, Obj::Kind::Array)) {
      if (key.kind != Value::Kind::Int) fail("array index is not an int");
      auto& v = obj.o->items;
      if (key.i >= 0 && static_cast<size_t>(key.i) < v.size()) {
        v[static_cast<size_t>(key.i)] = val;
      } else if (key.i >= 0 && static_cast<size_t>(key.i) == v.size()) {
        v.push_back(val);
      } else {
        fail("index " + std::to_string(key.i) + " out of range");
      }
      return;
    }
    if (is(obj, Obj::Kind::Map)) {
      if (key.kind == Value::Kind::Nil) fail("map key is nil");
      for (auto& e : obj.o->entries) {
        if (equal(e.first, key)) {
          e.second = val;
          return;
        }
      }
      obj.o->entries.emplace_back(key, val);
      return;
    }
    fail("attempt to index a " + type_name(obj) + " value");
  }

  Value call(const Value& f, std::vector<Value>& args) {
    if (is(f, Obj::Kind::Native)) return f.o->native(*this, args);
    if (!is(f, Obj::Kind::Closure)) fail("attempt to call a " + type_name(f) + " value");
    if (++depth > 3000) fail("stack overflow");
    Value r = run(f.o, args);
    --depth;
    return r;
  }

  Value run_main() {
    for (std::string_view g : unit.globals()) gslots.push_back(&globals[std::string(g)]);
    Obj* main = make(Obj::Kind::Closure);
    main->proto = unit.main();
    std::vector<Value> none;
    return run(main, none);
  }

  Value run(Obj* cl, std::vector<Value>& args);
  void install_builtins();
};

inline Value Interp::run(Obj* cl, std::vector<Value>& args) {
  using namespace bc;
  const Proto& p = *cl->proto;
  std::vector<Value> R(p.nregs);
  for (size_t k = 0; k < p.nparams && k < args.size(); ++k) R[k] = args[k];
  const Instr* code = p.code.data();
  uint32_t pc = 0;
  auto K = [&](unsigned x) { return constant(p.k[x]); };
  auto list = [&](uint32_t at, unsigned n) {
    std::vector<Value> v;
    for (unsigned k = 0; k < n; ++k) v.push_back(R[list_reg(code + at, k)]);
    return v;
  };
  // A conditional: take the following JMP when `cond` equals k.
  auto cond_jump = [&](bool cond, Instr i) {
    if (cond == (k(i) != 0)) {
      pc = pc + 2 + static_cast<uint32_t>(sJ(code[pc + 1]));
    } else {
      pc += 2;
    }
  };
  try {
    for (;;) {
      if (--budget < 0) fail("instruction budget exhausted");
      if (pc >= p.code.size()) fail("pc out of range");
      Instr i = code[pc];
      unsigned a = A(i);
      switch (op(i)) {
        case Op::MOVE:
          R[a] = R[B(i)];
          break;
        case Op::LOADI:
          R[a] = Value::integer(sBx(i));
          break;
        case Op::LOADF:
          R[a] = Value::number(sBx(i));
          break;
        case Op::LOADK:
          R[a] = K(Bx(i));
          break;
        case Op::LOADNIL:
          R[a] = Value();
          break;
        case Op::LOADTRUE:
          R[a] = Value::boolean(true);
          break;
        case Op::LOADFALSE:
          R[a] = Value::boolean(false);
          break;
        case Op::GETGLOBAL:
          R[a] = *gslots.at(Bx(i));
          break;
        case Op::SETGLOBAL:
          *gslots.at(Bx(i)) = R[a];
          break;
        case Op::GETUPVAL:
          R[a] = cl->items.at(B(i));
          break;
        case Op::GETUPBOX:
          R[a] = cl->items.at(B(i)).o->box;
          break;
        case Op::SETUPBOX:
          cl->items.at(B(i)).o->box = R[a];
          break;
        case Op::NEWBOX: {
          Obj* b = make(Obj::Kind::Box);
          b->box = R[B(i)];
          R[a] = Value::object(b);
          break;
        }
        case Op::GETBOX:
          R[a] = R[B(i)].o->box;
          break;
        case Op::SETBOX:
          R[a].o->box = R[B(i)];
          break;
        case Op::CLOSURE: {
          const Proto* np = p.protos[Bx(i)];
          Obj* c = make(Obj::Kind::Closure);
          c->proto = np;
          for (const UpvalDesc& u : np->upvals) {
            switch (u.kind) {
              case UpvalKind::Local:
                c->items.push_back(R[u.index]);
                break;
              case UpvalKind::Upval:
                c->items.push_back(cl->items.at(u.index));
                break;
              case UpvalKind::Self:
                c->items.push_back(Value::object(c));
                break;
            }
          }
          R[a] = Value::object(c);
          break;
        }
        case Op::NEWARRAY: {
          Obj* arr = make(Obj::Kind::Array);
          arr->items = list(pc, C(i));
          R[a] = Value::object(arr);
          break;
        }
        case Op::APPEND:
          for (Value& v : list(pc, C(i))) R[a].o->items.push_back(v);
          break;
        case Op::NEWMAP:
          R[a] = Value::object(make(Obj::Kind::Map));
          break;
        case Op::GETINDEX:
          R[a] = get(R[B(i)], R[C(i)]);
          break;
        case Op::GETINDEXI:
          R[a] = get(R[B(i)], Value::integer(C(i)));
          break;
        case Op::GETFIELD:
          R[a] = get(R[B(i)], K(C(i)));
          break;
        case Op::SETINDEX:
          set(R[a], R[B(i)], R[C(i)]);
          break;
        case Op::SETINDEXI:
          set(R[a], Value::integer(B(i)), R[C(i)]);
          break;
        case Op::SETFIELD:
          set(R[a], K(B(i)), R[C(i)]);
          break;
        case Op::ADD:
        case Op::SUB:
        case Op::MUL:
        case Op::DIV:
        case Op::IDIV:
        case Op::MOD:
        case Op::POW:
          R[a] = arith_op(op(i), R[B(i)], R[C(i)]);
          break;
        case Op::ADDK:
        case Op::SUBK:
        case Op::MULK:
        case Op::DIVK:
        case Op::IDIVK:
        case Op::MODK:
        case Op::POWK:
          R[a] = arith_op(static_cast<Op>(static_cast<int>(op(i)) - 7), R[B(i)], K(C(i)));
          break;
        case Op::ADDI:
        case Op::SUBI:
        case Op::MULI:
        case Op::DIVI:
        case Op::IDIVI:
        case Op::MODI:
        case Op::POWI:
          R[a] = arith_op(static_cast<Op>(static_cast<int>(op(i)) - 14), R[B(i)],
                          Value::integer(sC(i)));
          break;
        case Op::UNM:
          if (R[B(i)].kind == Value::Kind::Int) {
            R[a] = Value::integer(arith::neg(R[B(i)].i));
          } else if (R[B(i)].kind == Value::Kind::Float) {
            R[a] = Value::number(-R[B(i)].f);
          } else {
            fail("attempt to negate a " + type_name(R[B(i)]) + " value");
          }
          break;
        case Op::NOT:
          R[a] = Value::boolean(!truthy(R[B(i)]));
          break;
        case Op::CONCAT: {
          std::string s;
          for (Value& v : list(pc, C(i))) {
            if (!number(v) && !is(v, Obj::Kind::String)) {
              fail("attempt to concatenate a " + type_name(v) + " value");
            }
            s += to_str(v);
          }
          R[a] = str(s);
          break;
        }
        case Op::EQ:
          R[a] = Value::boolean(equal(R[B(i)], R[C(i)]));
          break;
        case Op::NE:
          R[a] = Value::boolean(!equal(R[B(i)], R[C(i)]));
          break;
        case Op::LT:
          R[a] = Value::boolean(less(R[B(i)], R[C(i)], false));
          break;
        case Op::LE:
          R[a] = Value::boolean(less(R[B(i)], R[C(i)], true));
          break;
        case Op::BEQ:
          cond_jump(equal(R[a], R[Bk(i)]), i);
          continue;
        case Op::BLT:
          cond_jump(less(R[a], R[Bk(i)], false), i);
          continue;
        case Op::BLE:
          cond_jump(less(R[a], R[Bk(i)], true), i);
          continue;
        case Op::BEQK:
          cond_jump(equal(R[a], K(Bk(i))), i);
          continue;
        case Op::BEQI:
          cond_jump(equal(R[a], Value::integer(sBk(i))), i);
          continue;
        case Op::BLTI:
          cond_jump(less(R[a], Value::integer(sBk(i)), false), i);
          continue;
        case Op::BLEI:
          cond_jump(less(R[a], Value::integer(sBk(i)), true), i);
          continue;
        case Op::BGTI:
          cond_jump(less(Value::integer(sBk(i)), R[a], false), i);
          continue;
        case Op::BGEI:
          cond_jump(less(Value::integer(sBk(i)), R[a], true), i);
          continue;
        case Op::BTEST:
          cond_jump(truthy(R[a]), i);
          continue;
        case Op::JMP:
          pc = pc + 1 + static_cast<uint32_t>(sJ(i));
          continue;
        case Op::CALL: {
          std::vector<Value> av = list(pc, C(i));
          Value f = R[B(i)];
          R[a] = call(f, av);
          break;
        }
        case Op::RETURN:
          return R[a];
        case Op::RETURN0:
          return {};
        case Op::FORPREP: {
          Value &start = R[a], &stop = R[a + 1], &step = R[a + 2];
          if (start.kind != Value::Kind::Int || stop.kind != Value::Kind::Int ||
              step.kind != Value::Kind::Int) {
            fail("range: arguments must be integers");
          }
          if (step.i == 0) fail("range: step is zero");
          uint64_t n = arith::range_count(start.i, stop.i, step.i);
          if (n == 0) {
            pc = pc + 1 + static_cast<uint32_t>(sBx(i));
            continue;
          }
          R[a + 1] = Value::integer(static_cast<int64_t>(n - 1));
          R[a + 3] = start;
          break;
        }
        case Op::FORLOOP:
          if (static_cast<uint64_t>(R[a + 1].i) > 0) {
            R[a + 1].i = static_cast<int64_t>(static_cast<uint64_t>(R[a + 1].i) - 1);
            R[a].i = arith::add(R[a].i, R[a + 2].i);
            R[a + 3] = R[a];
            pc = pc + 1 + static_cast<uint32_t>(sBx(i));
            continue;
          }
          break;
        case Op::ITERPREP:
          if (!is(R[a], Obj::Kind::Array) && !is(R[a], Obj::Kind::Map)) {
            fail("cannot iterate over a " + type_name(R[a]) + " value");
          }
          R[a + 1] = Value::integer(0);
          break;
        case Op::ITERNEXT1:
        case Op::ITERNEXT2: {
          Obj* o = R[a].o;
          auto at = static_cast<size_t>(R[a + 1].i);
          bool two = op(i) == Op::ITERNEXT2;
          bool more;
          if (o->kind == Obj::Kind::Array) {
            more = at < o->items.size();
            if (more && two) {
              R[a + 2] = Value::integer(static_cast<int64_t>(at));
              R[a + 3] = o->items[at];
            } else if (more) {
              R[a + 2] = o->items[at];
            }
          } else {
            more = at < o->entries.size();
            if (more) R[a + 2] = o->entries[at].first;
            if (more && two) R[a + 3] = o->entries[at].second;
          }
          if (more) {
            R[a + 1].i += 1;
            pc = pc + 1 + static_cast<uint32_t>(sBx(i));
            continue;
          }
          break;
        }
      }
      pc += instr_length(code + pc);
    }
  } catch (RuntimeError& e) {
    // Add the position once, where the error started.
    std::string m = e.what();
    if (m.rfind("line ", 0) != 0 && is(e.value, Obj::Kind::String) && e.value.o->s == m) {
      std::string pos = "line " + std::to_string(line_at(p, pc)) + ": ";
      throw RuntimeError(pos + m, str(pos + m));
    }
    throw;
  }
}

inline void Interp::install_builtins() {
  auto def = [&](const char* name, Native fn) {
    Obj* o = make(Obj::Kind::Native);
    o->native = fn;
    o->name = name;
    return Value::object(o);
  };
  auto arg = [](std::vector<Value>& a, size_t n) { return n < a.size() ? a[n] : Value(); };
  (void)arg;
  globals["print"] = def("print", [](Interp& I, std::vector<Value>& a) {
    for (size_t k = 0; k < a.size(); ++k) I.out += (k ? "\t" : "") + I.to_str(a[k]);
    I.out += "\n";
    return Value();
  });
  globals["str"] = def("str", [](Interp& I, std::vector<Value>& a) {
    return I.str(I.to_str(a.empty() ? Value() : a[0]));
  });
  globals["type"] = def("type", [](Interp& I, std::vector<Value>& a) {
    return I.str(I.type_name(a.empty() ? Value() : a[0]));
  });
  globals["len"] = def("len", [](Interp& I, std::vector<Value>& a) {
    Value v = a.empty() ? Value() : a[0];
    if (is(v, Obj::Kind::String)) return Value::integer(static_cast<int64_t>(v.o->s.size()));
    if (is(v, Obj::Kind::Array)) return Value::integer(static_cast<int64_t>(v.o->items.size()));
    if (is(v, Obj::Kind::Map)) return Value::integer(static_cast<int64_t>(v.o->entries.size()));
    I.fail("len: not a string, array or map");
  });
  globals["push"] = def("push", [](Interp& I, std::vector<Value>& a) {
    if (a.size() < 2 || !is(a[0], Obj::Kind::Array)) I.fail("push: not an array");
    a[0].o->items.push_back(a[1]);
    return Value();
  });
  globals["pop"] = def("pop", [](Interp& I, std::vector<Value>& a) {
    if (a.empty() || !is(a[0], Obj::Kind::Array) || a[0].o->items.empty()) I.fail("pop");
    Value v = a[0].o->items.back();
    a[0].o->items.pop_back();
    return v;
  });
  globals["keys"] = def("keys", [](Interp& I, std::vector<Value>& a) {
    if (a.empty() || !is(a[0], Obj::Kind::Map)) I.fail("keys: not a map");
    Obj* arr = I.make(Obj::Kind::Array);
    for (auto& e : a[0].o->entries) arr->items.push_back(e.first);
    return Value::object(arr);
  });
  globals["has"] = def("has", [](Interp& I, std::vector<Value>& a) {
    if (a.size() < 2 || !is(a[0], Obj::Kind::Map)) I.fail("has: not a map");
    for (auto& e : a[0].o->entries) {
      if (I.equal(e.first, a[1])) return Value::boolean(true);
    }
    return Value::boolean(false);
  });
  globals["delete"] = def("delete", [](Interp& I, std::vector<Value>& a) {
    if (a.size() < 2 || !is(a[0], Obj::Kind::Map)) I.fail("delete: not a map");
    auto& en = a[0].o->entries;
    for (size_t k = 0; k < en.size(); ++k) {
      if (I.equal(en[k].first, a[1])) {
        en.erase(en.begin() + static_cast<ptrdiff_t>(k));
        break;
      }
    }
    return Value();
  });
  globals["range"] = def("range", [](Interp& I, std::vector<Value>& a) {
    for (auto& v : a) {
      if (v.kind != Value::Kind::Int) I.fail("range: arguments must be integers");
    }
    int64_t start = a.size() > 0 ? a[0].i : 0, stop = a.size() > 1 ? a[1].i : 0;
    int64_t step = a.size() > 2 ? a[2].i : 1;
    if (step == 0) I.fail("range: step is zero");
    Obj* arr = I.make(Obj::Kind::Array);
    uint64_t n = arith::range_count(start, stop, step);
    for (uint64_t k = 0; k < n; ++k) {
      arr->items.push_back(
          Value::integer(arith::add(start, arith::mul(static_cast<int64_t>(k), step))));
    }
    return Value::object(arr);
  });
  globals["int"] = def("int", [](Interp& I, std::vector<Value>& a) {
    Value v = a.empty() ? Value() : a[0];
    if (v.kind == Value::Kind::Int) return v;
    if (v.kind == Value::Kind::Float) return Value::integer(static_cast<int64_t>(v.f));
    if (is(v, Obj::Kind::String)) {
      char* end = nullptr;
      long long n = std::strtoll(v.o->s.c_str(), &end, 10);
      if (end && *end == 0 && !v.o->s.empty()) return Value::integer(n);
    }
    (void)I;
    return Value();
  });
  globals["float"] = def("float", [](Interp& I, std::vector<Value>& a) {
    Value v = a.empty() ? Value() : a[0];
    (void)I;
    return number(v) ? Value::number(as_float(v)) : Value();
  });
  globals["error"] = def("error", [](Interp& I, std::vector<Value>& a) -> Value {
    Value v = a.empty() ? Value() : a[0];
    throw RuntimeError("error: " + I.to_str(v), v);
  });
  globals["assert"] = def("assert", [](Interp& I, std::vector<Value>& a) {
    if (a.empty() || !truthy(a[0])) {
      Value m = a.size() > 1 ? a[1] : I.str("assertion failed");
      throw RuntimeError("error: " + I.to_str(m), m);
    }
    return a[0];
  });
  globals["pcall"] = def("pcall", [](Interp& I, std::vector<Value>& a) {
    Obj* m = I.make(Obj::Kind::Map);
    std::vector<Value> rest(a.begin() + (a.empty() ? 0 : 1), a.end());
    int depth = I.depth;
    try {
      Value r = I.call(a.empty() ? Value() : a[0], rest);
      m->entries.emplace_back(I.str("ok"), Value::boolean(true));
      m->entries.emplace_back(I.str("value"), r);
    } catch (RuntimeError& e) {
      I.depth = depth;
      m->entries.emplace_back(I.str("ok"), Value::boolean(false));
      m->entries.emplace_back(I.str("error"), e.value);
    }
    return Value::object(m);
  });
  Obj* math = make(Obj::Kind::Map);
  math->entries.emplace_back(str("sqrt"), def("sqrt", [](Interp&, std::vector<Value>& a) {
                               return Value::number(std::sqrt(as_float(a.at(0))));
                             }));
  math->entries.emplace_back(str("floor"), def("floor", [](Interp&, std::vector<Value>& a) {
                               Value v = a.at(0);
                               return v.kind == Value::Kind::Int
                                          ? v
                                          : Value::integer(static_cast<int64_t>(std::floor(v.f)));
                             }));
  math->entries.emplace_back(str("abs"), def("abs", [](Interp&, std::vector<Value>& a) {
                               Value v = a.at(0);
                               return v.kind == Value::Kind::Int
                                          ? Value::integer(v.i < 0 ? -v.i : v.i)
                                          : Value::number(std::fabs(v.f));
                             }));
  globals["math"] = Value::object(math);
  Obj* string = make(Obj::Kind::Map);
  string->entries.emplace_back(
      str("sub"), def("sub", [](Interp& I, std::vector<Value>& a) {
        const std::string& s = a.at(0).o->s;
        auto n = static_cast<int64_t>(s.size());
        int64_t i = a.at(1).i, j = a.size() > 2 ? a[2].i : n;
        if (i < 0) i += n;
        if (j < 0) j += n;
        i = std::max<int64_t>(0, std::min(i, n));
        j = std::max<int64_t>(i, std::min(j, n));
        return I.str(s.substr(static_cast<size_t>(i), static_cast<size_t>(j - i)));
      }));
  string->entries.emplace_back(str("rep"), def("rep", [](Interp& I, std::vector<Value>& a) {
                                 std::string r;
                                 for (int64_t k = 0; k < a.at(1).i; ++k) r += a.at(0).o->s;
                                 return I.str(r);
                               }));
  globals["string"] = Value::object(string);
  auto sfn = [&](const char* name, Native fn) {
    string->entries.emplace_back(str(name), def(name, fn));
  };
  auto mfn = [&](const char* name, Native fn) {
    math->entries.emplace_back(str(name), def(name, fn));
  };
  mfn("max", [](Interp& I, std::vector<Value>& a) {
    Value m = a.at(0);
    for (auto& v : a)
      if (I.less(m, v, false)) m = v;
    return m;
  });
  mfn("min", [](Interp& I, std::vector<Value>& a) {
    Value m = a.at(0);
    for (auto& v : a)
      if (I.less(v, m, false)) m = v;
    return m;
  });
  sfn("byte", [](Interp& I, std::vector<Value>& a) {
    const std::string& s = a.at(0).o->s;
    int64_t i = a.size() > 1 ? a[1].i : 0;
    if (i < 0 || static_cast<size_t>(i) >= s.size()) I.fail("string.byte: index out of range");
    return Value::integer(static_cast<unsigned char>(s[static_cast<size_t>(i)]));
  });
  sfn("char", [](Interp& I, std::vector<Value>& a) {
    return I.str(std::string(1, static_cast<char>(a.at(0).i)));
  });
  sfn("upper", [](Interp& I, std::vector<Value>& a) {
    std::string s = a.at(0).o->s;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return I.str(s);
  });
  sfn("lower", [](Interp& I, std::vector<Value>& a) {
    std::string s = a.at(0).o->s;
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return I.str(s);
  });
  sfn("find", [](Interp&, std::vector<Value>& a) {
    const std::string& s = a.at(0).o->s;
    size_t start = a.size() > 2 ? static_cast<size_t>(a[2].i) : 0;
    size_t at = s.find(a.at(1).o->s, start);
    return at == std::string::npos ? Value() : Value::integer(static_cast<int64_t>(at));
  });
  sfn("split", [](Interp& I, std::vector<Value>& a) {
    const std::string& s = a.at(0).o->s;
    const std::string& sep = a.at(1).o->s;
    Obj* arr = I.make(Obj::Kind::Array);
    size_t at = 0;
    for (;;) {
      size_t n = sep.empty() ? std::string::npos : s.find(sep, at);
      if (n == std::string::npos) break;
      arr->items.push_back(I.str(s.substr(at, n - at)));
      at = n + sep.size();
    }
    arr->items.push_back(I.str(s.substr(at)));
    return Value::object(arr);
  });
  sfn("join", [](Interp& I, std::vector<Value>& a) {
    std::string r;
    auto& items = a.at(0).o->items;
    for (size_t k = 0; k < items.size(); ++k) r += (k ? a.at(1).o->s : "") + I.to_str(items[k]);
    return I.str(r);
  });
  sfn("format", [](Interp& I, std::vector<Value>& a) {
    const std::string& f = a.at(0).o->s;
    std::string r;
    size_t arg = 1;
    for (size_t k = 0; k < f.size(); ++k) {
      if (f[k] != '%') {
        r += f[k];
        continue;
      }
      size_t j = k + 1;
      while (j < f.size() && std::string("-+ 0#.123456789").find(f[j]) != std::string::npos) ++j;
      if (j >= f.size()) break;
      char conv = f[j];
      std::string spec = f.substr(k, j - k);
      k = j;
      if (conv == '%') {
        r += '%';
        continue;
      }
      Value v = arg < a.size() ? a[arg++] : Value();
      char buf[512];
      if (conv == 'd' || conv == 'i' || conv == 'x') {
        int64_t n = v.kind == Value::Kind::Float ? static_cast<int64_t>(v.f) : v.i;
        snprintf(buf, sizeof buf, (spec + "ll" + conv).c_str(), static_cast<long long>(n));
      } else if (conv == 'f' || conv == 'g' || conv == 'e') {
        snprintf(buf, sizeof buf, (spec + conv).c_str(), as_float(v));
      } else {
        snprintf(buf, sizeof buf, (spec + 's').c_str(), I.to_str(v).c_str());
      }
      r += buf;
    }
    return I.str(r);
  });
  globals["insert"] = def("insert", [](Interp& I, std::vector<Value>& a) {
    auto& v = a.at(0).o->items;
    int64_t i = a.at(1).i;
    if (i < 0 || static_cast<size_t>(i) > v.size()) I.fail("insert: index out of range");
    v.insert(v.begin() + i, a.at(2));
    return Value();
  });
  globals["remove"] = def("remove", [](Interp& I, std::vector<Value>& a) {
    auto& v = a.at(0).o->items;
    int64_t i = a.at(1).i;
    if (i < 0 || static_cast<size_t>(i) >= v.size()) I.fail("remove: index out of range");
    Value r = v[static_cast<size_t>(i)];
    v.erase(v.begin() + i);
    return r;
  });
  globals["sort"] = def("sort", [](Interp& I, std::vector<Value>& a) {
    auto& v = a.at(0).o->items;
    Value less = a.size() > 1 ? a[1] : Value();
    std::stable_sort(v.begin(), v.end(), [&](const Value& x, const Value& y) {
      if (less.kind == Value::Kind::Nil) return I.less(x, y, false);
      std::vector<Value> args = {x, y};
      return truthy(I.call(less, args));
    });
    return Value();
  });
  globals["clock"] = def("clock", [](Interp&, std::vector<Value>&) { return Value::number(0.0); });
}

}  // namespace hako::testing
