// The builder that turns reader events into a Document (private to parser/). Values wait on
// a stack until their container closes; then they are copied into the container's arena in
// one block, as RapidJSON's GenericDocument does.
#pragma once

#include <cstring>

#include "parser/json_dom.h"

namespace hako::json {

class DomBuilder {
 public:
  explicit DomBuilder(Document* doc) : doc_(doc) {}
  ~DomBuilder();
  DomBuilder(const DomBuilder&) = delete;
  DomBuilder& operator=(const DomBuilder&) = delete;

  bool null() { return push(Value()); }
  bool boolean(bool b) { return push(Value::boolean(b)); }
  bool integer(int64_t i) { return push(Value::integer(i)); }
  bool number(double d) { return push(Value::number(d)); }
  bool string(std::string_view s) {
    if (s.size() > UINT32_MAX) return oom();
    const char* p = doc_->strings_.copy(s.data(), s.size());
    return p ? push(Value::string_ref(p, static_cast<uint32_t>(s.size()))) : oom();
  }
  bool key(std::string_view k) { return string(k); }
  bool begin_array() { return true; }
  bool begin_object() { return true; }
  bool end_array(size_t n) {
    Value* items = nullptr;
    if (n) {
      items = doc_->arrays_.alloc_array<Value>(n);
      if (!items) return oom();
      top_ -= n;
      copy(items, top_, n);
    }
    return push(Value::array_ref(items, static_cast<uint32_t>(n)));
  }
  bool end_object(size_t n) {
    Member* m = nullptr;
    if (n) {
      m = doc_->objects_.alloc_array<Member>(n);
      if (!m) return oom();
      top_ -= 2 * n;  // key, value, key, value, ...: the layout of Member[n]
      copy(reinterpret_cast<Value*>(m), top_, 2 * n);
      if (n > 1 && !dedupe(m, &n)) return oom();
    }
    return push(Value::object_ref(m, static_cast<uint32_t>(n)));
  }
  const char* stop_reason() const { return "out of memory"; }

  // The document's value, once the reader succeeded.
  const Value& result() const { return stack_[0]; }

 private:
  bool push(const Value& v) {
    if (__builtin_expect(top_ == cap_, 0) && !grow()) return oom();
    *top_++ = v;
    return true;
  }
  bool grow();
  // Short arrays (a coordinate pair) are common: copy them without a call.
  static void copy(Value* to, const Value* from, size_t n) {
    if (n <= 4) {
      for (size_t i = 0; i < n; ++i) to[i] = from[i];
    } else {
      std::memcpy(static_cast<void*>(to), from, n * sizeof(Value));
    }
  }
  bool oom() { return false; }
  // Folds duplicated keys (first position, last value); false when out of memory.
  bool dedupe(Member* m, size_t* n);
  bool dedupe_slow(Member* m, size_t* n);

  Document* doc_;
  Value* stack_ = nullptr;
  Value* top_ = nullptr;
  Value* cap_ = nullptr;
  uint64_t* table_ = nullptr;  // dedupe's hash table: (hash << 32 | index + 1) per slot
  size_t table_cap_ = 0;
};

}  // namespace hako::json
