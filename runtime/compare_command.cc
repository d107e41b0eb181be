// Finds misc/hako-compare by walking up from the directory of the running `hako` (a build
// tree is build/<mode>/hako below the source tree; the script needs that tree's samples and
// goldens), and the Python with matplotlib that configure.py recorded beside the binary.
#include "runtime/compare_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace hako::compare {
namespace {

constexpr int kUsage = 2;
constexpr int kLevels = 4;  // how far above the binary's directory the source tree may be

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  buf[n] = '\0';
  return buf;
}

bool executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// KEY=value from the config.env that configure.py writes into the build folder.
std::string config_value(const std::string& dir, const char* key) {
  FILE* f = std::fopen((dir + "/config.env").c_str(), "r");
  if (!f) return {};
  std::string want = std::string(key) + "=", value;
  char line[4096];
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, want.c_str(), want.size()) != 0) continue;
    value = line + want.size();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  }
  std::fclose(f);
  return value;
}

std::string find_script(const std::string& bin_dir) {
  if (const char* s = std::getenv("HAKO_COMPARE_SCRIPT"); s && *s) return s;
  std::string dir = bin_dir;
  for (int i = 0; i <= kLevels && !dir.empty(); ++i) {
    if (executable(dir + "/misc/hako-compare")) return dir + "/misc/hako-compare";
    dir = dir.substr(0, dir.rfind('/'));
  }
  return {};
}

// $HAKO_PYTHON, else the one configure.py found with matplotlib, else Debian's, else PATH's.
std::string find_python(const std::string& bin_dir) {
  if (const char* s = std::getenv("HAKO_PYTHON"); s && *s) return s;
  std::string p = config_value(bin_dir, "PLOT_PYTHON");
  if (!p.empty() && executable(p)) return p;
  if (executable("/usr/bin/python3")) return "/usr/bin/python3";
  return "python3";
}

}  // namespace

int command(int argc, char** argv) {
  std::string exe = self_exe();
  size_t slash = exe.rfind('/');
  std::string bin_dir = slash == std::string::npos ? "." : exe.substr(0, slash);
  std::string script = find_script(bin_dir);
  if (script.empty()) {
    std::fprintf(stderr,
                 "hako compare: misc/hako-compare not found above %s: compare runs from a "
                 "source tree's build (it needs samples/ and the goldens); or set "
                 "HAKO_COMPARE_SCRIPT\n",
                 bin_dir.c_str());
    return kUsage;
  }
  std::string python = find_python(bin_dir);
  setenv("HAKO_BIN", exe.c_str(), 1);
  std::vector<char*> args{python.data(), script.data()};
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  std::fflush(stdout);
  execvp(python.c_str(), args.data());
  std::fprintf(stderr, "hako compare: cannot run %s: %s\n", python.c_str(), std::strerror(errno));
  return kUsage;
}

}  // namespace hako::compare
