// Exceptions under the preload: operator new's bad_alloc reaches the caller, the new-handler
// is called first, and ordinary throws unwind through frames as usual (the allocator must
// not bring its own unwinder, nor its own copy of the C++ runtime: libhakmem.so finds
// std::__throw_bad_alloc and std::get_new_handler in the program's).
#include <cstdio>
#include <new>
#include <stdexcept>
#include <vector>

namespace {
int handler_calls = 0;
void handler() {
  // Called while operator new fails: give up after the second call.
  if (++handler_calls == 2) std::set_new_handler(nullptr);
}
}  // namespace

int main() {
  int ok = 0;
  try {
    std::vector<char> v;
    v.reserve(size_t{1} << 62);
  } catch (const std::bad_alloc&) {
    ++ok;
  }
  try {
    std::vector<int> v(1000, 1);
    throw std::runtime_error("x");
  } catch (const std::runtime_error&) {
    ++ok;
  }
  auto* p = new (std::nothrow) char[size_t{1} << 62];
  ok += p == nullptr;
  std::set_new_handler(handler);
  try {
    auto* q = new char[size_t{1} << 62];
    delete[] q;
  } catch (const std::bad_alloc&) {
    ok += handler_calls == 2;
  }
  printf("%d\n", ok);
  return ok == 4 ? 0 : 1;
}
