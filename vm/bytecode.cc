#include "vm/bytecode.h"

namespace hako::bc {

Unit::Unit()
    : code_(HAK_SITE("bytecode.code"), 4096),
      const_(HAK_SITE("bytecode.const"), 1024),
      proto_(HAK_SITE("bytecode.proto"), 1024) {}

void Unit::clear() {
  code_.release();
  const_.release();
  proto_.release();
  main_ = nullptr;
  file_ = {};
  globals_ = {};
}

uint32_t line_at(const Proto& p, uint32_t pc) {
  // The last run that starts at or before pc.
  size_t lo = 0, hi = p.lines.size();
  if (hi == 0) return 0;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (p.lines[mid].pc <= pc) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return p.lines[lo].line;
}

}  // namespace hako::bc
