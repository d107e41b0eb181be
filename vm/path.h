// The containers that a walk over nested values (printing, json.stringify) is inside,
// innermost last: an explicit stack instead of recursion, so that depth costs memory (counted
// by the runtime) rather than C++ stack. Entered containers carry the kVisiting flag, which
// is how a walk finds cycles; the flags are cleared on the way out, whatever the outcome.
#pragma once

#include <cstring>

#include "vm/runtime.h"

namespace hako::vm {

struct PathFrame {
  Obj* o;        // an Array or a Map
  uint32_t pos;  // the next element (array) or entry (map)
  bool has_key;  // map: a key was written, its value is next
  bool first;    // nothing written yet
};

class Path {
 public:
  explicit Path(Runtime& rt) : rt_(rt) {}
  ~Path() {
    for (size_t i = 0; i < n_; ++i) frames_[i].o->flags &= ~kVisiting;
    if (frames_ != small_) rt_.free(frames_, cap_ * sizeof(PathFrame));
  }
  Path(const Path&) = delete;
  Path& operator=(const Path&) = delete;

  // False after raising "out of memory".
  bool push(Obj* o) {
    if (n_ == cap_ && !grow()) return false;
    o->flags |= kVisiting;
    frames_[n_++] = {o, 0, false, true};
    return true;
  }
  void pop() { frames_[--n_].o->flags &= ~kVisiting; }
  PathFrame& top() { return frames_[n_ - 1]; }
  bool empty() const { return n_ == 0; }

 private:
  bool grow() {
    void* p = rt_.alloc(cap_ * 2 * sizeof(PathFrame), HAK_SITE("vm.buffer"));
    if (!p) return rt_.oom();
    std::memcpy(p, frames_, n_ * sizeof(PathFrame));
    if (frames_ != small_) rt_.free(frames_, cap_ * sizeof(PathFrame));
    frames_ = static_cast<PathFrame*>(p);
    cap_ *= 2;
    return true;
  }
  Runtime& rt_;
  PathFrame small_[16];
  PathFrame* frames_ = small_;
  size_t n_ = 0, cap_ = 16;
};

}  // namespace hako::vm
