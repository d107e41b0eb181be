// HAKMEM_PROFILE: the tuner's arm statistics, kept across runs of a program.
//
//   hakmem-profile 2
//   site <length>:<name> <committed arm> <epochs> <reference cost>
//   arm <arm> <trials> <mean reward>
//   ...
//   life <short> <long>      (the site's lifetime counts, lifetime.h; optional)
//
// Saving takes an exclusive flock on PATH.lock, reads what is there now (another process
// may have saved since we loaded), adds this run's trials to it, writes PATH.tmp.PID and
// renames it over PATH. A file that does not parse is reported once, set aside as
// PATH.corrupt.PID, and ignored: the run starts from scratch, never crashes. Version 2 has
// eight threshold steps (64 arms); a version-1 profile (six steps) is set aside the same
// way, as its arm numbers mean other policies.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc/src/lifetime.h"
#include "alloc/src/stats.h"
#include "alloc/src/tuner.h"

namespace hak {

uint32_t site_count();

namespace {

constexpr size_t kMaxProfileSites = 4096;

struct Table {
  ProfileSite* sites = nullptr;
  size_t count = 0;
  char* names = nullptr;  // name storage
  size_t names_used = 0;
};

const char* g_path;
Table g_loaded;
constexpr size_t kNamesSize = 1 << 20;

bool table_init(Table* t) {
  void* a = mmap(nullptr, sizeof(ProfileSite) * kMaxProfileSites + kNamesSize,
                 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return false;
  t->sites = static_cast<ProfileSite*>(a);
  t->names = reinterpret_cast<char*>(t->sites + kMaxProfileSites);
  t->count = t->names_used = 0;
  return true;
}

void table_free(Table* t) {
  if (t->sites) munmap(t->sites, sizeof(ProfileSite) * kMaxProfileSites + kNamesSize);
  *t = Table{};
}

ProfileSite* table_add(Table* t, const char* name, size_t len) {
  if (t->count == kMaxProfileSites || t->names_used + len + 1 > kNamesSize) return nullptr;
  char* copy = t->names + t->names_used;
  memcpy(copy, name, len);
  copy[len] = 0;
  t->names_used += len + 1;
  ProfileSite* s = &t->sites[t->count++];
  memset(static_cast<void*>(s), 0, sizeof *s);
  s->name = copy;
  s->committed = arm_of(g_default_policy);
  return s;
}

ProfileSite* table_find(Table* t, const char* name) {
  for (size_t i = 0; i < t->count; ++i)
    if (strcmp(t->sites[i].name, name) == 0) return &t->sites[i];
  return nullptr;
}

// Reads the whole file into an anonymous mapping (no malloc: the allocator is loading it).
char* read_file(int fd, size_t* len) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 0 || st.st_size > (64 << 20)) return nullptr;
  size_t size = static_cast<size_t>(st.st_size);
  void* m = mmap(nullptr, size + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  char* buf = static_cast<char*>(m);
  size_t got = 0;
  while (got < size) {
    ssize_t r = pread(fd, buf + got, size - got, static_cast<off_t>(got));
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  buf[got] = 0;
  *len = got;
  return buf;
}

constexpr char kHeader[] = "hakmem-profile 2";
constexpr size_t kHeaderLen = sizeof kHeader - 1;

// Parses a profile; false (and nothing kept) if it is not a complete version-2 profile.
bool parse(const char* buf, size_t len, Table* t) {
  const char* p = buf;
  const char* end = buf + len;
  auto line_end = [&](const char* q) {
    const char* e = static_cast<const char*>(memchr(q, '\n', static_cast<size_t>(end - q)));
    return e ? e : nullptr;
  };
  const char* e = line_end(p);
  if (!e || strncmp(p, kHeader, kHeaderLen) != 0 || e != p + kHeaderLen) return false;
  p = e + 1;
  ProfileSite* cur = nullptr;
  while (p < end) {
    e = line_end(p);
    if (!e) return false;  // truncated: every line ends with a newline
    char* q;
    if (strncmp(p, "site ", 5) == 0) {
      unsigned long n = strtoul(p + 5, &q, 10);
      if (*q != ':' || n == 0 || q + 1 + n > e) return false;
      cur = table_add(t, q + 1, n);
      if (!cur) return false;
      const char* r = q + 1 + n;
      cur->committed = static_cast<unsigned>(strtoul(r, &q, 10));
      cur->epochs = strtoull(q, &q, 10);
      cur->cost_ref = strtod(q, &q);
      if (q != e || cur->committed >= kArms || !(cur->cost_ref >= 0)) return false;
    } else if (strncmp(p, "life ", 5) == 0 && cur) {
      cur->life_short = strtod(p + 5, &q);
      cur->life_long = strtod(q, &q);
      if (q != e || !(cur->life_short >= 0) || !(cur->life_long >= 0) ||
          cur->life_short > 1e9 || cur->life_long > 1e9)
        return false;
    } else if (strncmp(p, "arm ", 4) == 0 && cur) {
      unsigned long a = strtoul(p + 4, &q, 10);
      double n = strtod(q, &q);
      double mean = strtod(q, &q);
      if (q != e || a >= kArms || !(n >= 0) || !(mean >= 0 && mean <= 1)) return false;
      cur->arms[a] = Bandit::Arm{n, mean};
    } else {
      return false;
    }
    p = e + 1;
  }
  return true;
}

// *older: the file is a profile of an earlier version (its header says so).
bool load_into(const char* path, Table* t, bool* corrupt, bool* older = nullptr) {
  *corrupt = false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;  // no profile yet: fine
  size_t len = 0;
  char* buf = read_file(fd, &len);
  close(fd);
  bool ok = buf && parse(buf, len, t);
  if (older) *older = buf && len >= 17 && memcmp(buf, "hakmem-profile 1\n", 17) == 0;
  if (buf) munmap(buf, len + 1);
  if (!ok) {
    *corrupt = true;
    t->count = t->names_used = 0;
  }
  return ok;
}

}  // namespace

const char* profile_path() { return g_path; }

const ProfileSite* profile_find(const char* name) {
  return g_loaded.sites && name ? table_find(&g_loaded, name) : nullptr;
}

void profile_load() {
  static char kept[4096], expanded[4096];
  const char* path = env_keep("HAKMEM_PROFILE", kept, sizeof kept);
  if (!path || !expand_path(path, expanded, sizeof expanded)) return;  // (%p, %e)
  path = expanded;
  if (os_is_special(path)) {  // /dev/null, a directory: neither read, replaced nor moved aside
    message("HAKMEM_PROFILE=%s is not a regular file: no profile is used", path);
    return;
  }
  if (!table_init(&g_loaded)) return;
  g_path = path;
  bool corrupt, older;
  if (!load_into(path, &g_loaded, &corrupt, &older) && corrupt) {
    if (older)
      message("HAKMEM_PROFILE=%s is a profile of an older hakmem (version 1: other policies): "
              "ignored, and set aside when this run saves its own",
              path);
    else
      message("HAKMEM_PROFILE=%s is not a hakmem profile (version 2) or is damaged: ignored, "
              "and moved to %s.corrupt.%d when this run saves its own",
              path, path, static_cast<int>(getpid()));
  }
}

void profile_save() {
  if (!g_path || g_mode != kModeEvolving) return;
  ++tl_in_hook;
  char lock[4096], tmp[4096];
  snprintf(lock, sizeof lock, "%s.lock", g_path);
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", g_path, static_cast<int>(getpid()));
  // The lock file goes away when its holder is done (no PATH.lock is left behind): a
  // process that locked a file its holder had already unlinked takes the new one.
  int lfd;
  for (;;) {
    lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
      message("cannot lock %s (%s): the profile is not saved", lock, strerror(errno));
      if (lfd >= 0) close(lfd);
      --tl_in_hook;
      return;
    }
    struct stat held, named;
    if (fstat(lfd, &held) == 0 && stat(lock, &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev)
      break;
    close(lfd);
  }
  Table now;
  if (table_init(&now)) {
    bool corrupt;
    load_into(g_path, &now, &corrupt);
    if (corrupt) {  // keep the damaged file for a human, start afresh
      char aside[4096];
      snprintf(aside, sizeof aside, "%s.corrupt.%d", g_path, static_cast<int>(getpid()));
      if (rename(g_path, aside) == 0)
        message("the damaged profile %s was moved to %s; this run's profile replaces it", g_path,
                aside);
    }
    // Add this run's trials (what we have minus what we loaded) to what is there now.
    uint32_t n = site_count();
    for (hak_site_t s = 2; s < n; ++s) {  // (0 none, 1 other)
      // Lifetime counts: this run's (which began with the profile's) replace the file's.
      double ls, ll;
      life_counts(s, &ls, &ll);
      TunerState st;
      bool tuned = tuner_state(s, &st);
      if (!tuned && ls + ll <= 0) continue;
      const char* name = hak_site_name(s);
      ProfileSite* ps = table_find(&now, name);
      if (!ps && !(ps = table_add(&now, name, strlen(name)))) continue;
      if (ls + ll > 0) {
        ps->life_short = ls;
        ps->life_long = ll;
      }
      if (!tuned) continue;
      for (unsigned a = 0; a < kArms; ++a) {
        double dn = st.arms[a].n - st.loaded[a].n;
        double dsum = st.arms[a].n * st.arms[a].mean - st.loaded[a].n * st.loaded[a].mean;
        Bandit::Arm& m = ps->arms[a];
        if (dn <= 0) continue;
        double total = m.n * m.mean + dsum;
        m.n += dn;
        m.mean = total / m.n;
        if (m.mean < 0) m.mean = 0;
        if (m.mean > 1) m.mean = 1;
      }
      ps->committed = st.committed;
      ps->epochs += st.epochs - st.loaded_epochs;
      if (st.cost_ref > 0) ps->cost_ref = st.cost_ref;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0;
    char line[512];
    auto put = [&](const char* s, size_t len) { ok = ok && os_write_all(fd, s, len); };
    put(kHeader, kHeaderLen);
    put("\n", 1);
    for (size_t i = 0; i < now.count && ok; ++i) {
      const ProfileSite& ps = now.sites[i];
      size_t len = strlen(ps.name);
      int k = snprintf(line, sizeof line, "site %zu:", len);
      put(line, static_cast<size_t>(k));
      put(ps.name, len);
      k = snprintf(line, sizeof line, " %u %llu %.17g\n", ps.committed,
                   static_cast<unsigned long long>(ps.epochs), ps.cost_ref);
      put(line, static_cast<size_t>(k));
      for (unsigned a = 0; a < kArms; ++a) {
        if (ps.arms[a].n <= 0) continue;
        k = snprintf(line, sizeof line, "arm %u %.17g %.17g\n", a, ps.arms[a].n, ps.arms[a].mean);
        put(line, static_cast<size_t>(k));
      }
      if (ps.life_short + ps.life_long > 0) {
        k = snprintf(line, sizeof line, "life %.6g %.6g\n", ps.life_short, ps.life_long);
        put(line, static_cast<size_t>(k));
      }
    }
    // No fsync: the rename is atomic for every other process, and after a machine crash a
    // damaged file costs only what was learned (it is set aside at the next load). An
    // fsync cost ~5 ms at every exit, 1-2 % of a short program's run.
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (!ok || rename(tmp, g_path) != 0) {
      message("cannot save the profile %s (%s)", g_path, strerror(errno));
      unlink(tmp);
    }
    table_free(&now);
  }
  unlink(lock);  // (while holding it: see above)
  flock(lfd, LOCK_UN);
  close(lfd);
  --tl_in_hook;
}

}  // namespace hak
