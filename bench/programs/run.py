#!/usr/bin/env python3
"""Real programs under LD_PRELOAD: hakmem against glibc, jemalloc, mimalloc and tcmalloc.

    bench/programs/run.py [--builddir build/release] [--quick | --runs N]
                          [--programs gxx,python,redis,lua] [--allocators hakmem,mimalloc]
                          [--lua-testes DIR] [--env-variant hakmem-off:HAKMEM_MODE=off]
                          [--csv FILE] [--record]

Programs: `gxx` (g++ compiling the project's three largest C++ files with its release
flags), `python` (Debian's python3, PYTHONMALLOC=malloc, running CPython test modules),
`redis` (redis-server measured by redis-benchmark on 127.0.0.1) and `lua` (Lua 5.4.4's
own test suite under Debian's lua5.4 with --lua-testes DIR or $LUA_TESTES; without it,
the project's Lua samples, labelled as such). Round r runs each allocator once, the first
one rotating; medians, spread and ratios to mimalloc. Every run proves its preload: the
measured process's /proc/PID/maps must hold the intended library and no other allocator
(a run that does not, or whose stderr says "cannot be preloaded", stops everything).
Peers come from `ldconfig -p`; allocator settings are cleared from the environment.
Tables, runs and recording come from bench/alloc/run.py (imported). Standard library only.
"""

import argparse
import collections
import csv
import datetime
import hashlib
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # leave no __pycache__ in bench/alloc/
sys.path.insert(0, os.path.join(ROOT, 'bench', 'alloc'))
import run as ab  # noqa: E402  bench/alloc/run.py: peers, runs, tables, recording

if os.path.dirname(os.path.abspath(ab.__file__)) != os.path.join(ROOT, 'bench', 'alloc'):
    sys.exit(f'programs: imported {ab.__file__}, not bench/alloc/run.py')

SECTION = '## Real programs under LD_PRELOAD (bench/programs)'
PROGRAMS = ['gxx', 'python', 'redis', 'lua']
ALLOCATORS = ['hakmem', 'glibc', 'jemalloc', 'mimalloc', 'tcmalloc']
# Libraries that replace malloc: any of them mapped in a measured process that is not the
# intended one means the run measured something else.
ALLOC_LIB_PREFIXES = ('libhakmem', 'libmimalloc', 'libjemalloc', 'libtcmalloc',
                      'libc_malloc_debug')
POLL_SECONDS = 0.05


class RunError(Exception):
    pass


def abort(msg):
    sys.exit('\nprograms: ABORT: ' + msg + '\nprograms: no figures are reported for a run '
             'that measured the wrong allocator.')


def status_kb(pid, key):
    """A `kB` field of /proc/PID/status (VmHWM, VmRSS), or None."""
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def mapped_allocators(pid):
    """The allocator libraries mapped in process `pid` (real paths), or None when its maps
    cannot be read or ld.so has not finished mapping it (libc is not mapped yet: ld.so maps
    every LD_PRELOAD object before the program's own libraries)."""
    try:
        with open(f'/proc/{pid}/maps') as f:
            text = f.read()
    except OSError:
        return None
    libs, libc = set(), False
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        path = parts[5].strip()
        if path.endswith(' (deleted)'):
            path = path[:-len(' (deleted)')]
        base = os.path.basename(path)
        libc = libc or base.startswith('libc.so')
        if base.startswith(ALLOC_LIB_PREFIXES):
            libs.add(os.path.realpath(path))
    return libs if libc else None


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tids = os.listdir(f'/proc/{p}/task')
        except OSError:
            continue
        for t in tids:
            try:
                with open(f'/proc/{p}/task/{t}/children') as f:
                    kids = [int(x) for x in f.read().split()]
            except (OSError, ValueError):
                continue
            out += kids
            todo += kids
    return out


class Watcher:
    """While a program runs, polls this process's descendants every POLL_SECONDS: for each
    whose executable's name starts with one of `targets`, the allocator libraries it maps
    and its VmHWM. The proof that a preload took is read from the measured process itself,
    not from a stand-in."""

    def __init__(self, targets):
        self.targets = tuple(targets)
        self.procs = {}  # pid -> {'exe', 'libs' (None until read), 'hwm_kb'}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self):
        me = os.getpid()
        while not self._stop.is_set():
            for pid in descendants(me):
                try:
                    exe = os.path.basename(os.readlink(f'/proc/{pid}/exe'))
                except OSError:
                    continue
                if not exe.startswith(self.targets):
                    continue
                p = self.procs.setdefault(pid, {'exe': exe, 'libs': None, 'hwm_kb': None})
                if p['exe'] != exe:  # the pid now runs something else
                    continue
                libs = mapped_allocators(pid)
                if libs is not None:
                    p['libs'] = (p['libs'] or set()) | libs
                hwm = status_kb(pid, 'VmHWM')
                if hwm:
                    p['hwm_kb'] = max(p['hwm_kb'] or 0, hwm)
            self._stop.wait(POLL_SECONDS)

    def seen(self):
        return [p for p in self.procs.values() if p['libs'] is not None]


def check_mapped(what, alloc, libs, expect, allowed=frozenset()):
    """`libs` (mapped in the measured process) must hold every library of `expect` and
    nothing else but those of `allowed` (libraries the program links itself)."""
    missing = expect - libs
    extra = libs - expect - allowed
    if missing or extra:
        abort(f'{what} under {alloc.name}: /proc/PID/maps of the measured process '
              + (f'lacks {", ".join(sorted(missing))}' if missing else '')
              + ('; ' if missing and extra else '')
              + (f'has {", ".join(sorted(extra))}' if extra else '')
              + f' (LD_PRELOAD={alloc.preload or "(none)"}).')


def expect_of(alloc):
    return {os.path.realpath(alloc.preload)} if alloc.preload else set()


def check_preload_stderr(what, alloc, stderr):
    for line in stderr.splitlines():
        if 'cannot be preloaded' in line:
            abort(f'{what} under {alloc.name}: ld.so said: {line.strip()}')


def program_env(alloc, extra=None, drop=()):
    env = ab.clean_env()
    for k in list(env):
        if k.startswith(drop):
            del env[k]
    env.update(alloc.env)
    env.update(extra or {})
    if alloc.preload:
        env['LD_PRELOAD'] = alloc.preload
    return env


def tail(text, n=2500):
    text = text.strip()
    return text if len(text) <= n else '…' + text[-n:]


Step = collections.namedtuple('Step', 'cmd cwd env check')


def run_steps(what, alloc, steps, targets, timeout, allowed=frozenset()):
    """Runs `steps` one after the other under `alloc`: the run's wall and CPU seconds, page
    faults (sums), peak RSS (the largest ru_maxrss), and for each step the proof that the
    measured process (`targets`: its executable's name) mapped the intended library."""
    res = {'seconds': 0.0, 'cpu_seconds': 0.0, 'minflt': 0, 'majflt': 0, 'peak_rss_kb': 0,
           'floor_kb': 0, 'others_core_seconds': 0.0, 'observed': 0, 'watched_hwm_kb': 0}
    for st in steps:
        # wait4's ru_maxrss of a child starts at this process's own high-water mark: the
        # child's memory before its exec was ours.
        res['floor_kb'] = max(res['floor_kb'], status_kb('self', 'VmHWM') or 0)
        with Watcher(targets) as w:
            p = ab.run_process(st.cmd, st.env, timeout, cwd=st.cwd)
        check_preload_stderr(what, alloc, p.stderr)
        out = p.stdout.decode(errors='replace')
        if p.code != 0:
            why = 'timed out' if p.code == -9 else f'exit status {p.code}'
            raise RunError(f'{what} under {alloc.name}: {why}\n  command: '
                           f'{"LD_PRELOAD=" + alloc.preload + " " if alloc.preload else ""}'
                           f'{shlex.join(st.cmd)}\n  cwd: {st.cwd}\n  output (end):\n'
                           f'{tail(out + chr(10) + p.stderr)}')
        if st.check:
            bad = st.check(out, p.stderr)
            if bad:
                raise RunError(f'{what} under {alloc.name}: {bad}\n  command: '
                               f'{shlex.join(st.cmd)}\n  output (end):\n'
                               f'{tail(out + chr(10) + p.stderr)}')
        seen = w.seen()
        if not seen:
            abort(f'{what} under {alloc.name}: no {"/".join(targets)} process was seen '
                  f'while `{shlex.join(st.cmd)}` ran ({p.seconds:.2f} s), so its preload '
                  f'could not be checked.')
        for proc in seen:
            check_mapped(f'{what} ({proc["exe"]})', alloc, proc['libs'], expect_of(alloc),
                         allowed)
            res['watched_hwm_kb'] = max(res['watched_hwm_kb'], proc['hwm_kb'] or 0)
        ru = p.rusage
        res['observed'] += len(seen)
        res['seconds'] += p.seconds
        res['cpu_seconds'] += ru.ru_utime + ru.ru_stime
        res['minflt'] += ru.ru_minflt
        res['majflt'] += ru.ru_majflt
        res['peak_rss_kb'] = max(res['peak_rss_kb'], ru.ru_maxrss)
        res['others_core_seconds'] += p.others_cores * p.seconds
    res['others_cores'] = res.pop('others_core_seconds') / max(res['seconds'], 1e-3)
    return res


# --------------------------------------------------------------------------------------
# The programs.

class Program:
    name = ''
    kind = 'time'        # 'time': fixed work, compared by time; 'throughput': by 1/rate
    single = True        # one busy thread at a time: CPU/wall should be ~1
    label = ''

    def prepare(self, args, tmp, notes):
        """None when ready, or why this program is skipped."""
        return None

    def run(self, alloc, timeout):
        raise NotImplementedError


def ninja_vars(path):
    """Top-level variables of a build.ninja and the `extra` of each `cxx` edge's input."""
    top, extra, edge = {}, {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            if line.startswith('build '):
                m = re.match(r'build (\S+): cxx (\S+)', line)
                edge = m.group(2) if m else None
                if edge:
                    extra.setdefault(edge, '')
                continue
            if line.startswith('  '):
                k, _, v = line.strip().partition(' = ')
                if edge and k == 'extra':
                    extra[edge] = v
                continue
            edge = None
            k, sep, v = line.partition(' = ')
            if sep:
                top[k.strip()] = v
    return top, extra


class Gxx(Program):
    name = 'gxx'
    label = 'gxx'

    def prepare(self, args, tmp, notes):
        ninja = os.path.join(ROOT, 'build.ninja')
        if not os.path.exists(ninja):
            return 'build.ninja is missing (./configure.py writes it)'
        top, extra = ninja_vars(ninja)
        self.cxx = shutil.which(top.get('cxx', 'g++'))
        if not self.cxx or 'g++' not in os.path.basename(self.cxx):
            return f'build.ninja\'s compiler is {top.get("cxx")!r}, not g++'
        self.flags = shlex.split(top.get('cxxflags', ''))
        if not self.flags:
            return 'build.ninja has no cxxflags'
        ninja_builddir = top.get('builddir', '')
        if os.path.normpath(ninja_builddir) != os.path.normpath(args.builddir):
            notes.append(f'gxx: the flags are build.ninja\'s, for {ninja_builddir} '
                         f'(not --builddir {args.builddir})')
        # The project's largest C++ files that build.ninja compiles with the `cxx` rule
        # (generated sources live in the build tree and are not candidates).
        files = [f for f in extra if f.startswith(('vm/', 'runtime/', 'parser/'))
                 and f.endswith('.cc') and os.path.exists(os.path.join(ROOT, f))]
        files.sort(key=lambda f: (-os.path.getsize(os.path.join(ROOT, f)), f))
        self.files = files[:2 if args.quick else 3]
        if not self.files:
            return 'no C++ file of vm/, runtime/ or parser/ in build.ninja'
        self.extra = {f: shlex.split(extra[f]) for f in self.files}
        self.out = os.path.join(tmp, 'gxx')
        os.makedirs(self.out)
        sizes = ', '.join(f'{f} ({os.path.getsize(os.path.join(ROOT, f)) / 1024:.0f} KiB)'
                          for f in self.files)
        self.describe = (f'`{os.path.basename(self.cxx)} {" ".join(self.flags)} -c FILE -o '
                         f'TMP/FILE.o` (build.ninja\'s release flags, run from the top of '
                         f'the tree), one g++ after the other for the {len(self.files)} '
                         f'largest C++ files of vm/, runtime/ and parser/: {sizes}')
        self.what = (f'g++ compiling the project\'s {len(self.files)} largest C++ files '
                     f'with -O2 -g (cc1plus allocates heavily)')
        return None

    def run(self, alloc, timeout):
        steps = []
        for f in self.files:
            obj = os.path.join(self.out, f.replace('/', '_')[:-3] + '.o')
            cmd = [self.cxx] + self.flags + self.extra[f] + ['-c', f, '-o', obj]
            steps.append(Step(cmd, ROOT, program_env(alloc), None))
        return run_steps('gxx', alloc, steps, ['cc1plus'], timeout)


class Python(Program):
    name = 'python'
    label = 'python'
    FULL = ['test_json', 'test_set', 'test_unicode', 'test_re', 'test_pickle', 'test_ast',
            'test_email', 'test_decimal']
    QUICK = ['test_json', 'test_set', 'test_unicode', 'test_ast']

    def prepare(self, args, tmp, notes):
        self.python = '/usr/bin/python3'  # Debian's: the one its testsuite package is for
        if not os.path.exists(self.python):
            return '/usr/bin/python3 is missing (apt-get install python3)'
        r = subprocess.run([self.python, '-c', 'import sys; print("%d.%d" % '
                            'sys.version_info[:2]); print(sys.prefix)'],
                           capture_output=True, text=True, env=ab.clean_env())
        ver, _, prefix = r.stdout.strip().partition('\n')
        pkg = f'libpython{ver}-testsuite'
        if not ab.package_version(pkg) or not os.path.exists(
                os.path.join(prefix, 'lib', f'python{ver}', 'test', 'test_json')):
            return f'CPython\'s test modules are not installed (apt-get install {pkg})'
        self.modules = self.QUICK if args.quick else self.FULL
        self.cwd = os.path.join(tmp, 'python')
        os.makedirs(self.cwd)
        self.cmd = [self.python, '-m', 'test', '-q'] + self.modules
        self.describe = (f'`PYTHONMALLOC=malloc {shlex.join(self.cmd)}` ({pkg} '
                         f'{ab.package_version(pkg)}; PYTHON* variables of the caller '
                         f'removed), in a scratch directory')
        self.what = (f'Debian\'s CPython {ver} running {len(self.modules)} of its test '
                     f'modules with PYTHONMALLOC=malloc (every object from malloc)')
        return None

    @staticmethod
    def check(out, err):
        if 'Tests result: SUCCESS' not in out + err:
            return 'the test run did not end with "Tests result: SUCCESS"'
        return None

    def run(self, alloc, timeout):
        env = program_env(alloc, {'PYTHONMALLOC': 'malloc'}, drop=('PYTHON',))
        return run_steps('python', alloc, [Step(self.cmd, self.cwd, env, self.check)],
                         ['python3'], timeout)


class Lua(Program):
    name = 'lua'
    SAMPLES_FULL = ['binary_trees', 'word_freq', 'string_builder', 'json_roundtrip',
                    'closures', 'sort_big']
    SAMPLES_QUICK = ['binary_trees', 'string_builder']

    def prepare(self, args, tmp, notes):
        self.lua = shutil.which('lua5.4')
        if not self.lua:
            return 'lua5.4 is missing (apt-get install lua5.4)'
        version = subprocess.run([self.lua, '-v'], capture_output=True,
                                 text=True).stdout.split()
        self.version = version[1] if len(version) > 1 else '?'
        self.testes = args.lua_testes or os.environ.get('LUA_TESTES')
        if self.testes:
            self.testes = os.path.abspath(self.testes)
            if not os.path.exists(os.path.join(self.testes, 'all.lua')):
                return f'--lua-testes {self.testes}: no all.lua there'
            self.label = 'lua (testes)'
            self.cmd = [self.lua, '-e', '_U=true', 'all.lua']
            self.describe = (f'`{shlex.join(self.cmd)}` in {self.testes} (Lua\'s own test '
                             f'suite in user mode; Debian\'s lua5.4 is {self.version})')
            self.what = f'Lua {self.version}\'s test suite (all.lua, user mode) under lua5.4'
            return None
        # No test suite given: the project's Lua samples at their bench sizes instead.
        notes.append('lua: Lua\'s test suite was not given (--lua-testes DIR or '
                     'LUA_TESTES=DIR: the testes/ folder of the Lua release that lua5.4 is, '
                     f'{self.version}); the `lua` program runs the project\'s Lua samples '
                     'instead, labelled "lua (samples)"')
        self.label = 'lua (samples)'
        sizes = {}
        with open(os.path.join(ROOT, 'samples', 'sizes.txt')) as f:
            for line in f:
                w = line.split('#', 1)[0].split()
                if w:
                    sizes[w[0]] = [w[2]] + w[3:]
        self.samples = self.SAMPLES_QUICK if args.quick else self.SAMPLES_FULL
        self.cwd = os.path.join(tmp, 'lua')
        os.makedirs(self.cwd)
        scratch = os.path.join(self.cwd, 'scratch.json')
        self.cmds = [[self.lua, os.path.join(ROOT, 'samples', s + '.lua')]
                     + [a.replace('{tmp}', scratch) for a in sizes[s]] for s in self.samples]
        self.describe = ('the project\'s Lua samples at their bench sizes (samples/sizes.txt), '
                         'one lua5.4 process after the other: '
                         + ', '.join(f'`{s} {" ".join(c[2:])}`'.replace(scratch, 'TMP')
                                     for s, c in zip(self.samples, self.cmds))
                         + ' — NOT Lua\'s test suite (see --lua-testes)')
        self.what = (f'the project\'s Lua samples (samples/*.lua) under lua5.4 '
                     f'{self.version}, as a stand-in for Lua\'s test suite')
        return None

    @staticmethod
    def check_testes(out, err):
        return None if 'final OK' in out else 'all.lua did not print "final OK"'

    def run(self, alloc, timeout):
        env = program_env(alloc)
        if self.testes:
            steps = [Step(self.cmd, self.testes, env, self.check_testes)]
        else:
            steps = [Step(c, self.cwd, env, None) for c in self.cmds]
        return run_steps('lua', alloc, steps, ['lua5.4'], timeout)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def redis_command(port, *words, timeout=5.0):
    """One command to redis on 127.0.0.1:port (RESP): its first reply line, or None."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
            s.sendall(('*%d\r\n' % len(words)
                       + ''.join('$%d\r\n%s\r\n' % (len(w), w) for w in words)).encode())
            return s.makefile('rb').readline().decode(errors='replace').strip()
    except OSError:
        return None


def proc_cpu_seconds(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        return 0.0


REDIS_GLIBC_NOTE = (
    'Debian\'s redis-server is linked with jemalloc, so its "jemalloc" row is the plain '
    'binary (nothing preloaded). glibc is not measurable here: the only way to put glibc\'s '
    'malloc under it is to preload glibc\'s libc_malloc_debug.so.0, whose wrappers add '
    'debugging costs to every call (checks for malloc hooks, mcheck, mtrace and MALLOC_CHECK_ '
    'before calling glibc\'s malloc: +26 instructions per malloc and +36 per free under '
    'callgrind, +40% on glibc\'s own path in alloc_bench pairs), so the glibc row is left '
    'out of the redis table')


def redis_linked(server):
    """The allocator libraries (real paths) that the redis-server binary is linked with:
    Debian's is linked with jemalloc, so without a preload it runs on it."""
    ldd = subprocess.run(['ldd', server], capture_output=True, text=True).stdout
    linked = set()
    for line in ldd.splitlines():
        m = re.search(r'=>\s*(\S+)', line)
        if m and os.path.basename(m.group(1)).startswith(ALLOC_LIB_PREFIXES):
            linked.add(os.path.realpath(m.group(1)))
    return linked


def redis_preload(alloc, linked):
    """Whether `alloc` is measurable under a redis-server linked with `linked`, the library
    to preload for it, and the allocator libraries the server's maps must hold."""
    jemalloc_linked = any('libjemalloc' in p for p in linked)
    if alloc.base == 'glibc' and jemalloc_linked:
        return False, None, set()
    if alloc.base == 'jemalloc' and jemalloc_linked and not alloc.env:
        return True, None, {p for p in linked if 'libjemalloc' in p}  # the plain binary
    preload = alloc.preload
    return True, preload, {os.path.realpath(preload)} if preload else set()


class RedisServer:
    """redis-server on 127.0.0.1 under an allocator, as a context manager. Entering starts
    it (a free port, no persistence, a scratch directory of its own under `tmp`), waits
    until it answers PING and proves the preload: no "cannot be preloaded" on its stderr,
    and its /proc/PID/maps holds every library of `expect` and no other allocator but those
    of `linked` (a wrong allocator stops everything; a server that does not start raises
    RunError). Leaving shuts it down (SHUTDOWN NOSAVE, killed after 20 s) and keeps its
    rusage from wait4 (`rusage`: None when it had exited by itself) and the end of its
    output and log (`exit_log`: what it, or a preloaded library, said at exit); the scratch
    directory is removed unless an exception is on its way out. (bench/frag/run.py uses it
    too.)"""

    def __init__(self, server, alloc, preload, expect, linked, tmp, what='redis'):
        self.server, self.alloc, self.preload = server, alloc, preload
        self.expect, self.linked, self.tmp, self.what = expect, linked, tmp, what
        self.proc = self.rusage = self.returncode = None
        self.exit_log = ''

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix='redis-', dir=self.tmp)
        self.port = free_port()
        env = ab.clean_env()
        env.update(self.alloc.env)
        if self.preload:
            env['LD_PRELOAD'] = self.preload
        cmd = [self.server, '--port', str(self.port), '--bind', '127.0.0.1', '--save', '',
               '--appendonly', 'no', '--dir', self.dir, '--daemonize', 'no', '--logfile',
               os.path.join(self.dir, 'log')]
        self.shown = (f'{"LD_PRELOAD=" + self.preload + " " if self.preload else ""}'
                      f'{shlex.join(cmd)}')
        err = open(os.path.join(self.dir, 'stderr'), 'w')
        self.proc = subprocess.Popen(cmd, stdout=err, stderr=err, env=env, cwd=self.dir)
        err.close()
        self.pid = self.proc.pid
        try:
            t0 = time.monotonic()
            while self.command('PING', timeout=1.0) != '+PONG':
                if self.proc.poll() is not None:
                    break
                if time.monotonic() - t0 > 30:
                    break
                time.sleep(0.05)
            if self.proc.poll() is not None or self.command('PING') != '+PONG':
                raise RunError(f'{self.what} under {self.alloc.name}: the server did not '
                               f'start (exit status {self.proc.poll()})\n  command: '
                               f'{self.shown}\n  its output and log (end):\n{self.log()}')
            with open(os.path.join(self.dir, 'stderr')) as f:
                check_preload_stderr('redis-server', self.alloc, f.read())
            libs = mapped_allocators(self.pid)
            if libs is None:
                abort(f'redis-server under {self.alloc.name}: cannot read '
                      f'/proc/{self.pid}/maps')
            check_mapped('redis-server', self.alloc, libs, self.expect, self.linked)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        if exc_type is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def command(self, *words, timeout=5.0):
        return redis_command(self.port, *words, timeout=timeout)

    def check_maps(self):
        """The preload proof again (e.g. after the work): the maps, if still readable."""
        libs = mapped_allocators(self.pid)
        if libs is not None:
            check_mapped('redis-server', self.alloc, libs, self.expect, self.linked)

    def exited(self):
        return self.proc.poll() is not None

    def log(self):
        text = ''
        for name in ('stderr', 'log'):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    text += f.read()
            except OSError:
                pass
        return tail(text, 2000)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.command('SHUTDOWN', 'NOSAVE')
        killer = threading.Timer(20, self.proc.kill)
        killer.start()
        try:
            _, status, self.rusage = os.wait4(self.pid, 0)
        finally:
            killer.cancel()
        self.returncode = self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.exit_log = self.log()


class Redis(Program):
    name = 'redis'
    label = 'redis'
    kind = 'throughput'
    single = False
    TESTS = ['set', 'get', 'lpush', 'lpop', 'incr', 'hset', 'sadd']

    def prepare(self, args, tmp, notes):
        for p in ('redis-server', 'redis-benchmark'):
            if not shutil.which(p):
                return f'{p} is missing (apt-get install redis-server redis-tools)'
        self.server = shutil.which('redis-server')
        self.client = shutil.which('redis-benchmark')
        self.n = 100000 if args.quick else 500000
        self.tmp = tmp
        self.linked = redis_linked(self.server)
        self.bench_args = ['-q', '-t', ','.join(self.TESTS), '-n', str(self.n), '-r',
                           '100000', '-d', '256', '-c', '8', '-P', '16']
        self.describe = (f'`redis-server --bind 127.0.0.1 --port PORT --save \'\' '
                         f'--appendonly no --dir TMP` '
                         f'({ab.package_version("redis-server") or "?"}) under the '
                         f'allocator, then `redis-benchmark {" ".join(self.bench_args)}` '
                         f'(no preload); one server per run')
        self.what = ('redis-server, driven by redis-benchmark over 127.0.0.1: 7 commands, '
                     '256-byte values, 100 k random keys')
        if any('libjemalloc' in p for p in self.linked):
            notes.append('redis: ' + REDIS_GLIBC_NOTE)
        return None

    def allocator_ok(self, alloc):
        """Whether this allocator is measured here, and the preload it uses."""
        ok, preload, _ = redis_preload(alloc, self.linked)
        return ok, preload

    def run(self, alloc, timeout):
        _, preload, expect = redis_preload(alloc, self.linked)
        with RedisServer(self.server, alloc, preload, expect, self.linked, self.tmp) as srv:
            cpu0, busy0 = proc_cpu_seconds(srv.pid), ab.busy_cpu_seconds()
            p = ab.run_process([self.client, '-h', '127.0.0.1', '-p', str(srv.port)]
                               + self.bench_args, ab.clean_env(), timeout)
            busy1, cpu1 = ab.busy_cpu_seconds(), proc_cpu_seconds(srv.pid)
            hwm = status_kb(srv.pid, 'VmHWM')
            srv.check_maps()
            out = p.stdout.decode(errors='replace')
            if p.code != 0:
                raise RunError(f'redis under {alloc.name}: redis-benchmark exit status '
                               f'{p.code}\n  output (end):\n{tail(out + p.stderr)}\n  '
                               f'server log (end):\n{srv.log()}')
            rps = parse_redis_benchmark(out)
            missing = [t for t in self.TESTS if t not in rps]
            if missing:
                raise RunError(f'redis under {alloc.name}: no result for '
                               f'{", ".join(missing)} in redis-benchmark\'s output:\n'
                               f'{tail(out)}')
            if srv.exited():
                raise RunError(f'redis under {alloc.name}: the server exited during the '
                               f'benchmark (exit status {srv.proc.returncode})\n  command: '
                               f'{srv.shown}\n  its output and log (end):\n{srv.log()}')
        ru = srv.rusage
        cli_cpu = p.rusage.ru_utime + p.rusage.ru_stime
        others = max(0.0, busy1 - busy0 - cli_cpu - (cpu1 - cpu0)) / max(p.seconds, 1e-3)
        return {'seconds': p.seconds, 'rps': rps,
                'rps_geomean': ab.geomean([rps[t] for t in self.TESTS]),
                'cpu_seconds': cpu1 - cpu0,  # the server's, during the benchmark
                'client_cpu_seconds': cli_cpu,
                'peak_rss_kb': hwm, 'floor_kb': 0, 'observed': 1,
                'minflt': ru.ru_minflt if ru else None,
                'majflt': ru.ru_majflt if ru else None,
                'others_cores': others}


def parse_redis_benchmark(out):
    """redis-benchmark -q's requests per second per test (lower-case names)."""
    rps = {}
    for piece in re.split(r'[\r\n]', out):
        m = re.match(r'\s*([A-Z_]+)(?: \([^)]*\))?: ([\d.]+) requests per second', piece)
        if m:
            rps[m.group(1).lower()] = float(m.group(2))
    return rps


# --------------------------------------------------------------------------------------
# Tables.

class Cell:
    def __init__(self, kind):
        self.kind, self.runs, self.failed, self.skipped = kind, [], None, None

    def med(self, key):
        xs = [r[key] for r in self.runs if r.get(key) is not None]
        return statistics.median(xs) if xs else None

    def metric(self, r):
        if self.kind == 'time':
            return r['seconds']
        return 1.0 / r['rps_geomean'] if r.get('rps_geomean') else None

    def time(self):
        xs = [x for x in map(self.metric, self.runs) if x is not None]
        return statistics.median(xs) if xs else None

    def spread(self):
        xs = [x for x in map(self.metric, self.runs) if x is not None]
        if len(xs) < 2:
            return None
        return 100.0 * (max(xs) - min(xs)) / statistics.median(xs)

    def faults(self):
        xs = [r['minflt'] + r['majflt'] for r in self.runs if r.get('minflt') is not None]
        return statistics.median(xs) if xs else None

    def usable(self):
        return bool(self.runs) and not self.failed and not self.skipped


def program_table(prog, cells, allocs, ref):
    redis = prog.kind == 'throughput'
    head = ['allocator', 'time (s)', 'server CPU (s)' if redis else 'CPU (s)']
    if redis:
        head += ['req/s geomean']
    head += ['spread', 'peak RSS (MiB)', 'page faults', f'time ×{ref}',
             f'peak RSS ×{ref}']
    rows = []
    rc = cells.get((prog.name, ref))
    rc = rc if rc and rc.usable() else None
    for a in allocs:
        c = cells[(prog.name, a.name)]
        if c.skipped:
            rows.append([a.name, 'not measured'] + [''] * (len(head) - 2))
            continue
        if c.failed:
            rows.append([a.name, 'FAILED'] + [''] * (len(head) - 2))
            continue
        row = [a.name, ab.fmt(c.med('seconds')), ab.fmt(c.med('cpu_seconds'))]
        if redis:
            row.append(ab.fmt_si(c.med('rps_geomean')))
        row += [f'{c.spread():.0f}%' if c.spread() is not None else '—',
                ab.fmt(ab.mib(c.med('peak_rss_kb'))), ab.fmt(c.faults()),
                ab.fmt_ratio(ab.ratio(c.time(), rc.time()) if rc else None),
                ab.fmt_ratio(ab.ratio(c.med('peak_rss_kb'), rc.med('peak_rss_kb'))
                             if rc else None)]
        rows.append(row)
    compared = 'time' if prog.kind == 'time' else '1 / (geomean of the requests per second)'
    text = (f'### {prog.label} — {prog.what}\n\nCompared by {compared}; medians; ratios > 1 '
            f'are slower or bigger than {ref}. ')
    if redis:
        text += ('Time: redis-benchmark\'s wall time; CPU: the server\'s during it; peak '
                 'RSS: the server\'s VmHWM before shutdown; page faults: the server\'s, '
                 'start to exit (wait4).\n')
    else:
        text += ('Time: wall, start to exit, summed over the steps; CPU: user + system of '
                 'the process and every child it waited for (wait4), summed; peak RSS: the '
                 'largest ru_maxrss of a step (the biggest single process'
                 + (': for g++ that is cc1plus' if prog.name == 'gxx' else '')
                 + '); page faults: minor + major, with children.\n')
    text += '\n' + ab.markdown(head, rows)
    if redis:
        head2 = ['allocator'] + [t.upper() for t in prog.TESTS] + ['geomean']
        rows2 = []
        for a in allocs:
            c = cells[(prog.name, a.name)]
            if not c.usable():
                continue
            rows2.append([a.name] + [ab.fmt_si(statistics.median(r['rps'][t] for r in c.runs))
                                     for t in prog.TESTS] + [ab.fmt_si(c.med('rps_geomean'))])
        if rows2:
            text += '\nRequests per second (medians):\n\n' + ab.markdown(head2, rows2)
    return text


def notes_under(prog, cells, allocs, load_before):
    runs = [r for a in allocs for c in [cells[(prog.name, a.name)]] if c.usable()
            for r in c.runs]
    if not runs:
        return ''
    others = [r['others_cores'] for r in runs]
    busy = sum(1 for x in others if x > 0.25)
    note = (f'Other processes used {statistics.median(others):.2f} cores (median; '
            f'{os.cpu_count()} cores here) during these runs; more than a quarter of a core '
            f'in {busy} of {len(runs)} runs. Load average before: {load_before:.2f}.')
    if prog.single:
        ratios = [r['cpu_seconds'] / r['seconds'] for r in runs if r['seconds'] > 0]
        lost = sum(1 for x in ratios if x < 0.9)
        note += (f' CPU/wall median {statistics.median(ratios):.2f}; runs that got < 90% of '
                 f'a core: {lost} of {len(ratios)}.')
        floor = max(r['floor_kb'] for r in runs)
        low = sum(1 for r in runs if r['peak_rss_kb'] <= floor * 1.05)
        note += (f' ru_maxrss cannot read lower than this runner\'s own peak RSS '
                 f'({floor / 1024:.1f} MiB: the child\'s memory before its exec was ours)'
                 + (f'; {low} runs are at that floor, so their peak RSS is not measured'
                    if low else '; every run is above it') + '.')
    else:
        note += (' redis-benchmark itself runs on the same 2 cores (its CPU, median: '
                 f'{statistics.median(r["client_cpu_seconds"] for r in runs):.2f} s).')
    checked = sum(r['observed'] for r in runs)
    note += (f' Preload verified in every run ({checked} measured processes\' '
             f'/proc/PID/maps).')
    return note + '\n'


def summary_table(progs, cells, allocs, ref):
    head = ['allocator'] + [p.label for p in progs] + ['time geomean', 'peak RSS geomean']
    rows = []
    for a in allocs:
        trs, mrs, row = [], [], [a.name]
        for p in progs:
            c, rc = cells[(p.name, a.name)], cells[(p.name, ref)]
            if not c.usable() or not rc.usable():
                row.append('—')
                continue
            tr = ab.ratio(c.time(), rc.time())
            trs.append(tr)
            mrs.append(ab.ratio(c.med('peak_rss_kb'), rc.med('peak_rss_kb')))
            row.append(ab.fmt_ratio(tr))
        partial = '' if len(trs) == len(progs) or not trs else ' (partial)'
        row += [ab.fmt_ratio(ab.geomean(trs)) + partial,
                ab.fmt_ratio(ab.geomean(mrs)) + partial]
        rows.append(row)
    title = (f'### Summary — ratios to {ref} (lower is better)\n\nPer program: median time '
             f'(redis: 1 / requests per second) over {ref}\'s; geomeans over the programs '
             f'measured for that allocator ("partial" when some are missing).\n')
    return title + '\n' + ab.markdown(head, rows)


def write_csv(path, progs, cells, allocs):
    keys = ['seconds', 'cpu_seconds', 'peak_rss_kb', 'minflt', 'majflt', 'others_cores',
            'floor_kb', 'rps_geomean']
    tests = Redis.TESTS
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['program', 'allocator', 'run'] + keys + [f'rps_{t}' for t in tests])
        for p in progs:
            for a in allocs:
                for i, r in enumerate(cells[(p.name, a.name)].runs):
                    w.writerow([p.label, a.name, i + 1] + [r.get(k, '') for k in keys]
                               + [r.get('rps', {}).get(t, '') for t in tests])


# --------------------------------------------------------------------------------------

def pin_hakmem(allocs, tmp, notes):
    """hakmem's library is copied into the scratch directory and preloaded from there:
    others rebuild build/*/libhakmem.so while a benchmark runs, and every run must load the
    same build."""
    d = os.path.join(tmp, 'lib')
    os.makedirs(d, exist_ok=True)
    pinned = {}
    for a in allocs:
        if a.base == 'hakmem' and a.preload:
            src = a.preload
            if src not in pinned:
                dst = os.path.join(d, os.path.basename(src))
                shutil.copy2(src, dst)
                with open(dst, 'rb') as f:
                    digest = hashlib.sha256(f.read()).hexdigest()[:12]
                mtime = datetime.datetime.fromtimestamp(os.path.getmtime(src)).strftime(
                    '%Y-%m-%d %H:%M')
                notes.append(f'{os.path.relpath(src, ROOT)} (built {mtime}, sha256 '
                             f'{digest}…) is preloaded from a copy in a scratch directory')
                pinned[src] = dst
            a.preload = pinned[src]
    dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'alloc'], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    if dirty and any(a.base == 'hakmem' for a in allocs):
        notes.append('alloc/ has uncommitted changes: the hakmem library may be built from '
                     'them, not from the commit named below')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    ap.add_argument('--quick', action='store_true',
                    help='2 runs of smaller workloads (about 2-3 minutes)')
    ap.add_argument('--runs', type=int, help='runs per allocator (default 5; --quick: 2)')
    ap.add_argument('--programs', help='comma-separated: ' + ','.join(PROGRAMS))
    ap.add_argument('--allocators', help='comma-separated, of '
                    + ','.join(ab.KNOWN_ALLOCATORS) + ' (default: ' + ','.join(ALLOCATORS)
                    + ')')
    ap.add_argument('--env-variant', action='append', default=[], metavar='NAME:VAR=VAL',
                    help='also run NAME (e.g. hakmem-off: the hakmem preload) with VAR=VAL '
                         'in its environment; repeat for more settings')
    ap.add_argument('--baseline', default='mimalloc', help='ratios are to this allocator')
    ap.add_argument('--lua-testes', metavar='DIR',
                    help='the testes/ folder of the Lua release lua5.4 is (default: '
                         '$LUA_TESTES; without either, `lua` runs the project\'s samples)')
    ap.add_argument('--csv', help='write every run to this CSV file')
    ap.add_argument('--record', action='store_true',
                    help='write the tables to docs/BENCHMARKS.md (section "Real programs '
                         'under LD_PRELOAD")')
    ap.add_argument('--timeout', type=float, default=600, help='seconds per process')
    args = ap.parse_args()
    command = 'python3 bench/programs/run.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    os.chdir(ROOT)

    names = args.programs.split(',') if args.programs else PROGRAMS
    for n in names:
        if n not in PROGRAMS:
            sys.exit(f'programs: unknown program {n!r} (known: {", ".join(PROGRAMS)})')
    runs = args.runs or (2 if args.quick else 5)
    allocs, ref, notes = ab.setup_allocators(args, ALLOCATORS, 'programs')

    tmp = tempfile.mkdtemp(prefix='bench-programs-')
    try:
        return measure(args, command, names, runs, allocs, ref, notes, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args, command, names, runs, allocs, ref, notes, tmp):
    pin_hakmem(allocs, tmp, notes)
    progs = []
    classes = {'gxx': Gxx, 'python': Python, 'redis': Redis, 'lua': Lua}
    for n in names:
        p = classes[n]()
        why = p.prepare(args, tmp, notes)
        if why:
            notes.append(f'{n} skipped: {why}')
        else:
            progs.append(p)
    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    load0 = os.getloadavg()[0]
    header = [f'Real programs under LD_PRELOAD: {len(progs)} programs '
              f'({", ".join(p.label for p in progs) or "none"}) × {len(allocs)} allocators '
              f'({", ".join(a.name for a in allocs)}) × {runs} runs, interleaved; '
              f'{"quick" if args.quick else "full"} sizes.',
              f'Load average at start: {load0:.2f}'
              + (' — the machine is busy: expect noise' if load0 >= 1 else '')]
    for a in allocs:
        header.append(f'{a.name}: ' + (f'LD_PRELOAD={a.preload}' if a.preload else
                                       'nothing preloaded (glibc\'s malloc)')
                      + (' with ' + ' '.join(f'{k}={v}' for k, v in a.env.items())
                         if a.env else ''))
    print('\n'.join(header + ['note: ' + n for n in notes]), flush=True)
    if not progs:
        print('programs: nothing to run')
        return 0

    cells, sections, failed = {}, [], 0
    total = sum(runs * len(allocs) for p in progs)
    progress = ab.Progress(total)
    for p in progs:
        load_before = os.getloadavg()[0]
        for a in allocs:
            cells[(p.name, a.name)] = Cell(p.kind)
            if isinstance(p, Redis) and not p.allocator_ok(a)[0]:
                cells[(p.name, a.name)].skipped = 'glibc is not measurable under redis'
        for r in range(runs):
            for i in range(len(allocs)):
                a = allocs[(i + r) % len(allocs)]
                c = cells[(p.name, a.name)]
                if c.failed or c.skipped:
                    progress.step(f'{p.label} run {r + 1}/{runs} {a.name}: '
                                  f'{"skipped" if c.skipped else "failed before"}')
                    continue
                try:
                    res = p.run(a, args.timeout)
                except RunError as e:
                    progress.clear()
                    print(f'programs: FAILED: {e}', flush=True)
                    c.failed = str(e)
                    failed += 1
                    continue
                c.runs.append(res)
                shown = (f'{res["rps_geomean"] / 1e3:.0f} k req/s' if p.kind == 'throughput'
                         else f'{res["seconds"]:.2f} s')
                progress.step(f'{p.label} run {r + 1}/{runs} {a.name}: {shown}, peak '
                              f'{(res["peak_rss_kb"] or 0) / 1024:.0f} MiB (others used '
                              f'{res["others_cores"]:.1f} cores)')
        progress.clear()
        text = (program_table(p, cells, allocs, ref) + '\n' + f'Command: {p.describe}. '
                + notes_under(p, cells, allocs, load_before))
        sections.append(text)
        print('\n' + text, flush=True)

    summary = summary_table(progs, cells, allocs, ref)
    load1 = os.getloadavg()[0]
    print('\n' + summary)
    print(f'Load average at start {load0:.2f}, at end {load1:.2f}.'
          + (f' {failed} program/allocator pairs FAILED (see above).' if failed else ''))
    if args.csv:
        write_csv(args.csv, progs, cells, allocs)
        print(f'programs: wrote every run to {args.csv}')
    if args.record:
        body = '\n'.join([
            SECTION, '',
            f'Measured {date} with `{command}` (from the top of the tree, after '
            f'`./configure.py && ninja`).', ''] + ab.machine_lines() + [
            f'- {header[0]}', f'- Load average: {load0:.2f} at start, {load1:.2f} at end.'] +
            [f'- Note: {n}' for n in notes] + ['', summary] + sections)
        ab.record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), body, SECTION)
        print('programs: recorded in docs/BENCHMARKS.md')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
