// Exceptions under the preload: operator new's bad_alloc reaches the caller, and ordinary
// throws unwind through frames as usual (the allocator must not bring its own unwinder).
#include <cstdio>
#include <new>
#include <stdexcept>
#include <vector>

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
  printf("%d\n", ok);
  return ok == 3 ? 0 : 1;
}
