// The io module: whole files in and out. A host can leave it out (RuntimeOptions::io);
// nothing else in the runtime touches the file system. Plain POSIX calls, so that no memory
// but the runtime's is involved.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vm/array.h"
#include "vm/buffer.h"
#include "vm/builtins.h"

namespace hako::vm {

namespace {

bool io_error(Runtime& rt, const char* fn, const char* what, String* path, int err) {
  std::string_view p = path->view();
  return rt.error("io.%s: cannot %s '%.*s': %s", fn, what,
                  static_cast<int>(p.size() > 200 ? 200 : p.size()), p.data(), std::strerror(err));
}

bool path_arg(Args args, String** path) {
  if (!args.get_string(0, path)) return false;
  if (std::strlen((*path)->data()) != (*path)->size())
    return args.bad_arg(0, "path contains a NUL byte");
  return true;
}

// Reads the whole file into *out (a string value).
bool read_all(Runtime& rt, const char* fn, String* path, Value* out) {
  int fd = ::open(path->data(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(rt, fn, "open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return io_error(rt, fn, "read", path, EISDIR);
  }
  Buffer b(rt);
  size_t chunk = S_ISREG(st.st_mode) && st.st_size > 0 ? size_t(st.st_size) + 1 : 1 << 16;
  bool ok = true;
  for (;;) {
    if (!b.reserve(chunk)) {
      ok = false;
      break;
    }
    ssize_t n = ::read(fd, b.end(), chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = io_error(rt, fn, "read", path, errno);
      break;
    }
    if (n == 0) break;
    b.commit(size_t(n));
    if (!rt.charge(n >> 6)) {
      ok = false;
      break;
    }
    chunk = 1 << 16;
  }
  ::close(fd);
  if (!ok) return false;
  String* s = b.to_string();
  if (!s) return false;
  *out = Value::string(s);
  return true;
}

bool io_read_file(Runtime& rt, Args args, Value* ret) {
  String* path;
  return path_arg(args, &path) && read_all(rt, "read_file", path, ret);
}

bool io_write_file(Runtime& rt, Args args, Value*) {
  String *path, *text;
  if (!path_arg(args, &path) || !args.get_string(1, &text)) return false;
  if (!rt.charge(static_cast<int64_t>(text->size() >> 6))) return false;
  int fd = ::open(path->data(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return io_error(rt, "write_file", "open", path, errno);
  const char* p = text->data();
  size_t left = text->size();
  while (left) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return io_error(rt, "write_file", "write", path, e);
    }
    p += n;
    left -= size_t(n);
  }
  if (::close(fd) != 0) return io_error(rt, "write_file", "write", path, errno);
  return true;
}

// lines(path): the lines without their "\n" (a "\r" stays); a last line without "\n"
// counts, and a final "\n" does not start an empty one.
bool io_lines(Runtime& rt, Args args, Value* ret) {
  String* path;
  Local text(rt);
  Value t;
  if (!path_arg(args, &path) || !read_all(rt, "lines", path, &t)) return false;
  text.set(t);
  Local result(rt);
  Array* a = rt.new_array(0);
  if (!a) return false;
  result.set(Value::array(a));
  std::string_view s = t.as_string()->view();
  for (size_t pos = 0; pos < s.size();) {
    size_t nl = s.find('\n', pos);
    size_t end = nl == std::string_view::npos ? s.size() : nl;
    String* line = rt.new_string(s.substr(pos, end - pos));
    if (!line || !array_push(rt, a, Value::string(line))) return false;
    pos = end + 1;
  }
  *ret = result.get();
  return true;
}

const NativeReg kIo[] = {
    {"read_file", io_read_file}, {"write_file", io_write_file}, {"lines", io_lines}};

}  // namespace

bool open_io(Runtime& rt) { return open_lib(rt, "io", kIo); }

}  // namespace hako::vm
