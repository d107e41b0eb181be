#!/usr/bin/env python3
"""Fragmentation: what memory hakmem and the peers keep when long-lived blocks sit among dead
short-lived ones.

    bench/frag/run.py [--builddir build/release] [--quick | --runs N]
                      [--shapes burst,lru,vm,redis] [--allocators glibc,mimalloc,hakmem,...]
                      [--csv FILE] [--record]

Shapes: `burst` and `lru` (alloc_bench's fragmentation workloads: RSS after the work and
after a light phase, against the live bytes), `vm` (the Hako VM running samples whose
temporaries interleave with long-lived maps and strings: wall time, peak RSS, faults, the
same output everywhere) and `redis` (redis-server filled with ~1 M keys of 16 B-4 KiB, 70 %
of them deleted: used_memory, used_memory_rss and the fragmentation ratio before and after,
then redis-benchmark's requests per second). Allocators: glibc, jemalloc, mimalloc,
tcmalloc (Debian's, found with `ldconfig -p`) and three hakmem rows: hakmem-noplace
(HAKMEM_PLACEMENT=off), hakmem (a fresh process each run) and hakmem+profile (HAKMEM_PROFILE
private to this invocation and shape, deleted at the start and warmed by 2 untimed runs).
Round r runs each allocator once, the first one rotating; medians, spread, ratios to
mimalloc (redis: also to jemalloc); every run proves which allocator served it. Runs,
tables and recording come from bench/alloc/run.py, redis-server's start, stop and preload
proof from bench/programs/run.py (both imported). Standard library only.
"""

import argparse
import collections
import csv
import datetime
import hashlib
import importlib.util
import json
import os
import random
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
sys.dont_write_bytecode = True  # leave no __pycache__ in bench/alloc/ or bench/programs/
sys.path.insert(0, os.path.join(ROOT, 'bench', 'alloc'))
import run as ab  # noqa: E402  bench/alloc/run.py: peers, runs, tables, recording

if os.path.dirname(os.path.abspath(ab.__file__)) != os.path.join(ROOT, 'bench', 'alloc'):
    sys.exit(f'frag: imported {ab.__file__}, not bench/alloc/run.py')
_spec = importlib.util.spec_from_file_location(
    'bench_programs', os.path.join(ROOT, 'bench', 'programs', 'run.py'))
pr = importlib.util.module_from_spec(_spec)  # bench/programs/run.py: Watcher, RedisServer
_spec.loader.exec_module(pr)

SECTION = '## Fragmentation (bench/frag)'
SHAPES = ['burst', 'lru', 'vm', 'redis']
ALLOCATORS = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc', 'hakmem-noplace', 'hakmem',
              'hakmem+profile']
HAKMEM_ROWS = {'hakmem-noplace': {'HAKMEM_PLACEMENT': 'off'}, 'hakmem': {},
               'hakmem+profile': {}}  # +profile: HAKMEM_PROFILE, per shape
PROFILED = 'hakmem+profile'
WARMUPS = 2
REF = 'mimalloc'
SEED = 20240501

# alloc_bench's arguments: (full, --quick).
ALLOC_BENCH_ARGS = {'burst': ([], []), 'lru': ([], ['--ops', '1000000'])}
# The VM samples: name, the factor on samples/sizes.txt's SMALL size for --quick (chosen so
# that a run takes >= 0.2 s here; the full size is the BENCH one).
VM_SAMPLES = [('word_freq', 80), ('json_roundtrip', 100), ('havlak', 24)]
VM_MIN_SECONDS = 0.2
# redis: keys (full, --quick), values of 16 B-4 KiB (log-uniform), the share deleted.
REDIS_KEYS = (1_000_000, 250_000)
REDIS_VALUE = (16, 4096)
REDIS_DELETE = 0.7
REDIS_CRON_WAIT = 0.3   # > 2 periods of redis's 100 ms cron, which samples used_memory_rss
REDIS_LAZY_WAIT = 1.0
REDIS_BENCH_ARGS = ['-q', '-t', 'set,get', '-n', '200000', '-r', '1000000', '-d', '256',
                    '-c', '8', '-P', '16']
REDIS_TESTS = ['set', 'get']

BURST_TARGETS = [('rss_after_kb', 'RSS after the light phase', 0.25),
                 ('peak_rss_kb', 'peak RSS', 0.8), ('seconds', 'time', 1.0)]
# Seen with hakmem at this commit: redis-server rewrites the memory of its argv and environ
# strings for its process title (setproctitle; `set-proc-title yes` is redis's default), and
# hakmem keeps the pointers getenv() gave it at start for HAKMEM_REPORT and HAKMEM_PROFILE,
# so at exit it finds empty paths. Not worked around here (`--set-proc-title no` makes both
# work): the benchmark runs redis as shipped.
REDIS_ENV_NOTE = ('The empty paths come from redis-server rewriting the memory of its argv '
                  'and environ strings for its process title (setproctitle, on by default): '
                  'hakmem keeps the pointers getenv() returned at start for HAKMEM_REPORT and '
                  'HAKMEM_PROFILE, so at exit they point at cleared memory (with '
                  '`--set-proc-title no` both are written). A hakmem bug, not worked around '
                  'here: the server runs as shipped')
RedisInfo = collections.namedtuple('RedisInfo', 'used rss ratio vmrss')


class RunError(Exception):
    pass


def mib(kb):
    return ab.fmt(ab.mib(kb))


def b2kb(b):
    return None if b is None else b / 1024.0


# --------------------------------------------------------------------------------------
# Allocators.

def find_allocators(args, hakmem_lib, notes):
    wanted = args.allocators.split(',') if args.allocators else ALLOCATORS
    for w in wanted:
        if w not in ALLOCATORS:
            sys.exit(f'frag: unknown allocator {w!r} (known: {", ".join(ALLOCATORS)})')
    out = []
    for name in wanted:
        if name == 'glibc':
            out.append(ab.Allocator(name, name, None))
        elif name in ab.PEERS:
            soname, pkg = ab.PEERS[name]
            path = ab.ldconfig_lib(soname)
            if path:
                out.append(ab.Allocator(name, name, path))
            else:
                notes.append(f'{name} skipped: {soname} not in ldconfig -p (apt-get install '
                             f'{pkg})')
        elif hakmem_lib:
            out.append(ab.Allocator(name, 'hakmem', hakmem_lib, HAKMEM_ROWS[name]))
        else:
            notes.append(f'{name} skipped: libhakmem.so is not built (run ninja)')
    return out


def pin(builddir, tmp, notes):
    """Copies of libhakmem.so, alloc_bench and hako in a scratch directory, used for every
    run: others rebuild build/*/ while a benchmark runs, and every run must use the same
    build. Returns {name: path of the copy or None}."""
    d = os.path.join(tmp, 'bin')
    os.makedirs(d)
    pinned = {}
    for name, rel in (('libhakmem.so', 'libhakmem.so'), ('alloc_bench', 'bench/alloc_bench'),
                      ('hako', 'hako')):
        src = os.path.join(builddir, rel)
        if not os.path.exists(src):
            pinned[name] = None
            continue
        dst = os.path.join(d, name)
        shutil.copy2(src, dst)
        with open(dst, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        mtime = datetime.datetime.fromtimestamp(os.path.getmtime(src)).strftime(
            '%Y-%m-%d %H:%M')
        notes.append(f'{os.path.relpath(src, ROOT)} (built {mtime}, sha256 {digest}…) runs '
                     f'from a copy in a scratch directory')
        pinned[name] = dst
    dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'alloc'], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        notes.append('alloc/ has uncommitted changes: hakmem may be built from them, not from '
                     'the commit named below')
    return pinned


# --------------------------------------------------------------------------------------
# Cells: the runs of one (shape or sample, allocator).

class Cell:
    def __init__(self):
        self.runs, self.warm, self.failed, self.skipped = [], [], None, None

    def values(self, key):
        return [r[key] for r in self.runs if r.get(key) is not None]

    def med(self, key):
        xs = self.values(key)
        return statistics.median(xs) if xs else None

    def spread(self, key):
        xs = self.values(key)
        if len(xs) < 2 or not statistics.median(xs):
            return None
        return 100.0 * (max(xs) - min(xs)) / statistics.median(xs)

    def usable(self):
        return bool(self.runs) and not self.failed and not self.skipped


def fmt_spread(c, key):
    s = c.spread(key)
    return '—' if s is None else f'{s:.0f}%'


def ratio_to(cells, name, ref, key):
    c, rc = cells.get(name), cells.get(ref)
    if not c or not rc or not c.usable() or not rc.usable():
        return None
    return ab.ratio(c.med(key), rc.med(key))


class Ctx:
    """What every shape needs: arguments, scratch directory, pinned binaries, allocators,
    progress, and every run for the CSV."""

    def __init__(self, args, tmp, bins, allocs, runs, notes):
        self.args, self.tmp, self.bins, self.allocs = args, tmp, bins, allocs
        self.runs, self.notes = runs, notes
        self.all_runs, self.failed, self.progress = [], 0, None
        self.symbols = {}

    def profile(self, key):
        """The hakmem+profile row's profile for `key` (a shape or shape/sample): deleted
        at the start, private to this invocation (it lives in its scratch directory)."""
        path = os.path.join(self.tmp, f'profile-{key.replace("/", "-")}.prof')
        for stale in (path, path + '.lock'):
            if os.path.exists(stale):
                os.remove(stale)
        return path

    def report_path(self):
        fd, path = tempfile.mkstemp(prefix='report-', suffix='.json', dir=self.tmp)
        os.close(fd)
        os.remove(path)
        return path


def drive(ctx, key, label, allocs, run_one, cells, untimed=None):
    """The runs of one shape (or sample): the untimed runs first (hakmem+profile's
    warm-ups, and `untimed(alloc)` more for others), then round r runs each allocator once,
    the first one rotating. `run_one(alloc, tag)` returns a run's dict or raises
    RunError."""
    def one(a, tag):
        c = cells[a.name]
        if c.failed or c.skipped:
            ctx.progress.step(f'{label} {tag} {a.name}: '
                              f'{"skipped" if c.skipped else "failed before"}')
            return None
        try:
            res = run_one(a, tag)
        except (RunError, ab.RunError, pr.RunError) as e:
            ctx.progress.clear()
            print(f'frag: FAILED: {e}', flush=True)
            c.failed = str(e)
            ctx.failed += 1
            return None
        res.update(shape=key, allocator=a.name, run=tag)
        ctx.all_runs.append(res)
        ctx.progress.step(f'{label} {tag} {a.name}: {res["shown"]} (others used '
                          f'{res.get("others_cores", 0):.1f} cores)')
        return res

    for a in allocs:
        n = WARMUPS if a.name == PROFILED else (untimed(a) if untimed else 0)
        for w in range(n):
            res = one(a, f'warm-up {w + 1}' if a.name == PROFILED else 'probe')
            if res:
                cells[a.name].warm.append(res)
    for r in range(ctx.runs):
        for i in range(len(allocs)):
            a = allocs[(i + r) % len(allocs)]
            res = one(a, f'run {r + 1}/{ctx.runs}')
            if res:
                cells[a.name].runs.append(res)
    ctx.progress.clear()


def steps_of(allocs, runs, untimed=0):
    return sum(runs + (WARMUPS if a.name == PROFILED else untimed) for a in allocs)


# --------------------------------------------------------------------------------------
# hakmem's report: backend and mode, and the sites' lifetime classes.

def read_report(path, want_backend, what):
    try:
        with open(path) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise RunError(f'{what}: no readable HAKMEM_REPORT at {path}: {e}')
    finally:
        if os.path.exists(path):
            os.remove(path)
    cfg = rep.get('config', {})
    if cfg.get('backend') != want_backend or cfg.get('mode') != 'evolving':
        sys.exit(f'\nfrag: ABORT: {what}: hakmem\'s report says backend '
                 f'{cfg.get("backend")!r}, mode {cfg.get("mode")!r}; want {want_backend!r}, '
                 f'\'evolving\'. No figures are reported for a run that measured the wrong '
                 f'allocator.')
    return rep


def site_classes(ctx, rep, binary=None, prefix='', share=0.01):
    """{site name: lifetime class} of the sites with at least `share` of the allocations;
    implicit sites of `binary` are named by the function of their return address (of the
    names at that address, one starting with `prefix` first)."""
    sites = [s for s in rep.get('sites', []) if s.get('allocs')]
    total = sum(s['allocs'] for s in sites) or 1
    out = {}
    for s in sorted(sites, key=lambda s: -s['allocs']):
        if s['allocs'] < share * total:
            continue
        name = symbolize(ctx, s['name'], binary, prefix)
        out[name] = s.get('lifetime_class', {}).get('class', '?')
    return out


def symbols(ctx, binary):
    """The functions of `binary`: sorted [(address, [names])], from nm. g++ folds identical
    functions into one (alloc_bench's burst_short_site and lru_entry_site are the same
    code), so one address can have several names."""
    if binary not in ctx.symbols:
        by_addr = collections.defaultdict(list)
        try:
            out = subprocess.run(['nm', '-C', '--defined-only', binary], capture_output=True,
                                 text=True).stdout
        except OSError:
            out = ''
        for line in out.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[1] in 'tT':
                fn = re.sub(r'\(anonymous namespace\)::', '', parts[2])
                fn = re.sub(r'\(.*$', '', fn).strip()
                if fn and fn not in by_addr[int(parts[0], 16)]:
                    by_addr[int(parts[0], 16)].append(fn)
        ctx.symbols[binary] = sorted(by_addr.items())
    return ctx.symbols[binary]


def symbolize(ctx, name, binary, prefix=''):
    """`alloc_bench+0x32e9` -> `burst_short_site (alloc_bench+0x32e9)`."""
    m = re.match(r'(.+)\+0x([0-9a-f]+)$', name)
    if not binary or not m or m.group(1) != os.path.basename(binary):
        return name
    off = int(m.group(2), 16)
    fns = [names for addr, names in symbols(ctx, binary) if addr <= off]
    if not fns:
        return name
    names = fns[-1]
    pick = next((n for n in names if n.startswith(prefix)), names[0]) if prefix else names[0]
    return f'{pick} ({name})'


def classes_note(cells, allocs):
    """Under a table: the hakmem rows' sites and the lifetime class each run gave them."""
    parts = []
    for a in allocs:
        c = cells.get(a.name)
        if a.base != 'hakmem' or not c:
            continue
        runs = [r for r in c.warm + c.runs if r.get('classes') is not None]
        if not runs:
            continue
        seen = collections.OrderedDict()
        for r in runs:
            for site, cls in r['classes'].items():
                seen.setdefault(site, collections.Counter())[cls] += 1
        if not seen:
            parts.append(f'{a.name}: no site with ≥ 1 % of the allocations')
            continue
        parts.append(f'{a.name}: ' + '; '.join(
            f'{site} ' + ', '.join(f'{cls} {n}' for cls, n in cnt.most_common())
            for site, cnt in seen.items()))
    if not parts:
        return ''
    return ('Lifetime classes at exit (HAKMEM_REPORT; sites with ≥ 1 % of the allocations; '
            'how many of the runs, warm-ups included, gave each class): '
            + ' — '.join(parts) + '.\n')


def profile_note(cells, profile_sites, show, path=None):
    c = cells.get(PROFILED)
    if not c:
        return ''
    warm = '; '.join(f'warm-up {i + 1}: {show(r)}' for i, r in enumerate(c.warm))
    sites = ''
    if path and not os.path.exists(path):
        sites = (' **The profile file was never written** (see what hakmem said below): every '
                 'run of this row started without a profile, as the `hakmem` row does.')
    elif len(profile_sites) == 2:
        sites = (f' The profile held {profile_sites[0]} sites after the warm-ups and '
                 f'{profile_sites[1]} at the end.')
    return (f'{PROFILED}: HAKMEM_PROFILE pointing at a file private to this invocation and '
            f'shape, deleted at the start and warmed by {WARMUPS} untimed runs '
            f'({warm or "none succeeded"}); '
            f'it keeps learning during the measured runs (each run loads the profile at start '
            f'and saves what it learned at exit), so its runs are not independent.'
            f'{sites}\n')


def hakmem_said_note(cells, allocs):
    """What hakmem printed at exit in the hakmem rows' runs, and in how many runs."""
    parts = []
    for a in allocs:
        c = cells.get(a.name)
        if a.base != 'hakmem' or not c:
            continue
        runs = c.warm + c.runs
        said = collections.Counter(r['hakmem_said'] for r in runs if r.get('hakmem_said'))
        for text, n in said.items():
            parts.append(f'{a.name}, {n} of {len(runs)} runs: `{text}`')
        missing = sum(1 for r in runs if r.get('no_report'))
        if missing:
            parts.append(f'{a.name}: no HAKMEM_REPORT written in {missing} of {len(runs)} runs')
    if not parts:
        return ''
    empty = any('  (errno' in r.get('hakmem_said', '') for a in allocs if a.name in cells
                for r in cells[a.name].warm + cells[a.name].runs)
    return ('hakmem at exit (the server\'s output and log): ' + '; '.join(parts) + '.'
            + (' ' + REDIS_ENV_NOTE + '.' if empty else '') + '\n')


def count_profile_sites(path):
    try:
        with open(path) as f:
            return sum(1 for line in f if line.startswith('site '))
    except OSError:
        return 0


def noise_note(runs, load_before, single=True):
    if not runs:
        return ''
    others = [r['others_cores'] for r in runs if r.get('others_cores') is not None]
    busy = sum(1 for x in others if x > 0.25)
    note = (f'Other processes used {statistics.median(others):.2f} cores (median; '
            f'{os.cpu_count()} cores here) during these runs; more than a quarter of a core '
            f'in {busy} of {len(others)} runs. Load average before: {load_before:.2f}.')
    if single:
        ratios = [r['cpu_seconds'] / r['seconds'] for r in runs
                  if r.get('seconds') and r.get('cpu_seconds') is not None]
        if ratios:
            lost = sum(1 for x in ratios if x < 0.9)
            note += (f' CPU/wall median {statistics.median(ratios):.2f}; runs that got < 90% '
                     f'of a core: {lost} of {len(ratios)}.')
    return note + '\n'


def failed_rows(c, width, name):
    if c.skipped:
        return [name, 'not measured'] + [''] * (width - 2)
    if c.failed:
        return [name, 'FAILED'] + [''] * (width - 2)
    return None


# --------------------------------------------------------------------------------------
# burst and lru: alloc_bench.

def first_keys(pairs):
    """JSON object with duplicate keys: the first value keeps the key, later ones get #2,
    #3 (alloc_bench's lru prints rss_end_kb twice: its own, after the requests, and main's,
    after everything was freed)."""
    d = {}
    for k, v in pairs:
        if k in d:
            n = 2
            while f'{k}#{n}' in d:
                n += 1
            d[f'{k}#{n}'] = v
        else:
            d[k] = v
    return d


def run_alloc_bench(ctx, shape, alloc, profile):
    binary = ctx.bins['alloc_bench']
    args = ALLOC_BENCH_ARGS[shape][1 if ctx.args.quick else 0]
    cmd = [binary, shape] + args
    env = ab.clean_env()
    env.update(alloc.env)
    report = None
    if alloc.base == 'hakmem':
        report = ctx.report_path()
        env['HAKMEM_REPORT'] = report  # written at exit, after every figure was taken
        if alloc.name == PROFILED:
            env['HAKMEM_PROFILE'] = profile
    if alloc.preload:
        env['LD_PRELOAD'] = alloc.preload
    shown = (' '.join(f'{k}={v}' for k, v in env.items() if k.startswith(('HAKMEM_', 'LD_PRE')))
             + ' ' + shlex.join(cmd))
    p = ab.run_process(cmd, env, ctx.args.timeout)
    stderr = p.stderr.strip()
    if p.code != 0:
        why = 'timed out' if p.code == -9 else f'exit status {p.code}'
        raise RunError(f'{shape} under {alloc.name}: {why}\n  command: {shown}\n  stderr '
                       f'(end): {pr.tail(stderr, 2000)}')
    lines = [ln for ln in p.stdout.decode(errors='replace').splitlines() if ln.startswith('{')]
    if not lines:
        raise RunError(f'{shape} under {alloc.name}: no JSON line in the output\n  command: '
                       f'{shown}')
    r = json.loads(lines[-1], object_pairs_hook=first_keys)
    r['stderr'] = stderr
    ab.check_allocator(r, alloc)  # `allocator`: the mapping that holds malloc
    if report:
        rep = read_report(report, 'hakmem', f'{shape} under {alloc.name}')
        r['classes'] = site_classes(ctx, rep, binary, shape + '_')
    r['faults'] = r['minflt'] + r['majflt']
    r['others_cores'] = p.others_cores
    r['frag'] = r['rss_after_kb'] / r['live_kb'] if r.get('live_kb') else None
    r['shown'] = (f'{r["seconds"]:.3f} s, after light {r["rss_after_kb"] / 1024:.0f} MiB, '
                  f'peak {r["peak_rss_kb"] / 1024:.0f} MiB')
    del r['stderr']
    return r


def alloc_bench_shape(ctx, shape):
    load_before = os.getloadavg()[0]
    cells = {a.name: Cell() for a in ctx.allocs}
    profile = ctx.profile(shape)
    sites = []

    def run_one(a, tag):
        r = run_alloc_bench(ctx, shape, a, profile)
        if a.name == PROFILED and tag == f'warm-up {WARMUPS}':
            sites.append(count_profile_sites(profile))
        return r
    drive(ctx, shape, shape, ctx.allocs, run_one, cells)
    if os.path.exists(profile):
        sites.append(count_profile_sites(profile))

    # Every run computes the same blocks: the checksums must agree.
    checks = collections.Counter(r['check'] for c in cells.values() for r in c.warm + c.runs)
    if len(checks) > 1:
        want = checks.most_common(1)[0][0]
        for name, c in cells.items():
            bad = [r for r in c.warm + c.runs if r['check'] != want]
            if bad:
                c.failed = (f'{shape} under {name}: check {bad[0]["check"]}, the other runs '
                            f'{want} (the blocks\' contents differ)')
                print(f'frag: FAILED: {c.failed}', flush=True)
                ctx.failed += 1

    mid = 'rss_bursts_kb' if shape == 'burst' else 'rss_end_kb'
    mid_title = 'RSS after the bursts' if shape == 'burst' else 'RSS at the end'
    head = ['allocator', 'time (s)', 'spread', 'peak RSS (MiB)', f'{mid_title} (MiB)',
            'RSS after light phase (MiB)', 'live (MiB)', 'after light / live',
            'page faults', f'time ×{REF}', f'peak RSS ×{REF}', f'after light ×{REF}']
    rows = []
    for a in ctx.allocs:
        c = cells[a.name]
        bad = failed_rows(c, len(head), a.name)
        if bad:
            rows.append(bad)
            continue
        rows.append([a.name, ab.fmt(c.med('seconds')), fmt_spread(c, 'seconds'),
                     mib(c.med('peak_rss_kb')), mib(c.med(mid)), mib(c.med('rss_after_kb')),
                     mib(c.med('live_kb')), ab.fmt(c.med('frag')), ab.fmt(c.med('faults')),
                     ab.fmt_ratio(ratio_to(cells, a.name, REF, 'seconds')),
                     ab.fmt_ratio(ratio_to(cells, a.name, REF, 'peak_rss_kb')),
                     ab.fmt_ratio(ratio_to(cells, a.name, REF, 'rss_after_kb'))])
    args = ALLOC_BENCH_ARGS[shape][1 if ctx.args.quick else 0]
    if shape == 'burst':
        what = ('8 bursts of 64 MiB of short-lived blocks (64-512 B and 640-2048 B in turn) '
                'from one call site, one block in 16 long-lived from another in the same '
                'sizes; the short ones die at the end of each burst; then 300 ms of light '
                'activity')
    else:
        what = ('an LRU cache of 50 000 entries (64 B-1 KiB, skewed keys, evicting on a miss) '
                'with 2-8 short-lived request buffers (64 B-4 KiB) per request from other '
                f'call sites; {"1 M" if args else "2 M"} requests; then 300 ms of light '
                'activity')
    work = 'bursts' if shape == 'burst' else 'requests'
    text = (f'### {shape} — {what}\n\nMedians; ratios > 1 are slower or bigger than {REF}. '
            f'Time and page faults: alloc_bench\'s timed region (the {work}, '
            f'not the light phase); peak RSS: the process\'s VmHWM; {mid_title}: '
            f'/proc/self/statm right after the last {work[:-1]}; '
            f'RSS after light phase: at the end of the 300 ms light phase, the long-lived '
            f'blocks still live; live: the long-lived blocks\' bytes.\n\n'
            + ab.markdown(head, rows))
    text += (f'\nCommand: `alloc_bench {" ".join([shape] + args)}` (LD_PRELOAD of the allocator; '
             f'glibc: none). ')
    text += profile_note(cells, sites, lambda r: (
        f'{r["seconds"]:.3f} s, peak {r["peak_rss_kb"] / 1024:.0f} MiB, after light '
        f'{r["rss_after_kb"] / 1024:.0f} MiB'))
    text += classes_note(cells, ctx.allocs)
    text += noise_note([r for c in cells.values() for r in c.runs], load_before)
    if shape == 'burst':
        text += '\n' + burst_targets(cells)
    return text, cells


def burst_targets(cells):
    rows = []
    names = [n for n in ('hakmem', PROFILED) if n in cells]
    if not names or REF not in cells:
        return ''
    for key, title, limit in BURST_TARGETS:
        row = [f'{title} ≤ {limit:g}× {REF}']
        for n in names:
            r = ratio_to(cells, n, REF, key)
            row.append('—' if r is None else
                       f'{"met" if r <= limit else "MISSED"} ({r:.2f}×)')
        rows.append(row)
    return ('#### burst targets\n\n' + ab.markdown(['target'] + names, rows))


# --------------------------------------------------------------------------------------
# vm: the Hako VM, hakmem linked in; peers through HAKMEM_BACKEND=system and LD_PRELOAD.

def read_sizes():
    sizes = {}
    with open(os.path.join(ROOT, 'samples', 'sizes.txt')) as f:
        for line in f:
            w = line.split('#', 1)[0].split()
            if w:
                sizes[w[0]] = (int(w[1]), int(w[2]), w[3:])
    return sizes


def vm_allocator(a):
    """How the Hako VM runs on `a`: hako is linked with hakmem, so hakmem's rows are its
    own allocator (nothing preloaded) and a peer is reached with HAKMEM_BACKEND=system
    (hak_* forwards to malloc) and the peer by LD_PRELOAD (glibc: none), as
    bench/scenarios does."""
    if a.base == 'hakmem':
        return ab.Allocator(a.name, a.base, None, a.env), 'hakmem'
    return ab.Allocator(a.name, a.base, a.preload, {'HAKMEM_BACKEND': 'system'}), 'system'


def run_vm(ctx, alloc, backend, cmd, profile, report, what):
    env = ab.clean_env()
    env.update(alloc.env)
    if alloc.name == PROFILED:
        env['HAKMEM_PROFILE'] = profile
    if report:
        env['HAKMEM_REPORT'] = report
    if alloc.preload:
        env['LD_PRELOAD'] = alloc.preload
    got = {}

    def keep(out, err):
        got['out'], got['err'] = out, err
        return None
    # bench/programs' run_steps: wait4's figures, and /proc/PID/maps of the hako process
    # polled while it runs (the preloaded peer and no other allocator; none for glibc and
    # hakmem), a run in which no hako process was seen stops everything.
    res = pr.run_steps(what, alloc, [pr.Step(cmd, ctx.tmp, env, keep)], ['hako'],
                       ctx.args.timeout)
    gc = [ln for ln in got['err'].splitlines() if ln.startswith('hako-gc: ')]
    if not gc:
        raise RunError(f'{what} under {alloc.name}: no "hako-gc:" line on stderr\n  '
                       f'command: {shlex.join(cmd)}\n  stderr (end): {pr.tail(got["err"])}')
    f = dict(x.split('=', 1) for x in gc[-1].split()[1:] if '=' in x)
    r = {'seconds': res['seconds'], 'cpu_seconds': res['cpu_seconds'],
         'faults': res['minflt'] + res['majflt'], 'minflt': res['minflt'],
         'majflt': res['majflt'], 'peak_rss_kb': int(f['peak_rss_kb']),
         'gc_cycles': int(f['cycles']), 'others_cores': res['others_cores'],
         'stdout_sha': hashlib.sha256(got['out'].encode()).hexdigest()[:16],
         'stdout': got['out']}
    if report:
        rep = read_report(report, backend, f'{what} under {alloc.name}')
        if backend == 'hakmem':
            r['classes'] = site_classes(ctx, rep)
    r['shown'] = f'{r["seconds"]:.3f} s, peak {r["peak_rss_kb"] / 1024:.0f} MiB'
    return r


def vm_shape(ctx):
    hako = ctx.bins['hako']
    sizes = read_sizes()
    allocs = ctx.allocs
    scratch = os.path.join(ctx.tmp, 'vm-scratch.json')
    texts, all_cells = [], {}
    for sample, factor in VM_SAMPLES:
        small, bench, extra = sizes[sample]
        n = small * factor if ctx.args.quick else bench
        path = os.path.join(ROOT, 'samples', sample + '.hako')
        cmd = [hako, 'run', '--gc-stats', path, str(n)] + [x.replace('{tmp}', scratch)
                                                           for x in extra]
        label = f'vm {sample}'
        load_before = os.getloadavg()[0]
        cells = {a.name: Cell() for a in allocs}
        profile = ctx.profile(f'vm/{sample}')
        sites = []

        def run_one(a, tag, cmd=cmd, profile=profile, sample=sample, sites=sites):
            va, backend = vm_allocator(a)
            # The untimed runs (probe, warm-ups) write hakmem's report: it names the backend
            # and mode the process ran with (the proof that HAKMEM_BACKEND=system took);
            # writing it costs milliseconds at exit, so the timed runs go without.
            report = ctx.report_path() if not tag.startswith('run') else None
            r = run_vm(ctx, va, backend, cmd, profile, report, f'vm {sample}')
            if a.name == PROFILED and tag == f'warm-up {WARMUPS}':
                sites.append(count_profile_sites(profile))
            return r
        drive(ctx, f'vm/{sample}', label, allocs, run_one, cells, untimed=lambda a: 1)
        if os.path.exists(profile):
            sites.append(count_profile_sites(profile))
        # The program's output is deterministic: the same under every allocator.
        outs = collections.Counter(r['stdout_sha'] for c in cells.values()
                                   for r in c.warm + c.runs)
        same = len(outs) <= 1
        if not same:
            want_sha = outs.most_common(1)[0][0]
            want = next(r['stdout'] for c in cells.values() for r in c.warm + c.runs
                        if r['stdout_sha'] == want_sha)
            for name, c in cells.items():
                bad = [r for r in c.warm + c.runs if r['stdout_sha'] != want_sha]
                if bad:
                    wl, gl = want.splitlines(), bad[0]['stdout'].splitlines()
                    i = next((k for k in range(max(len(wl), len(gl)))
                              if k >= len(wl) or k >= len(gl) or wl[k] != gl[k]), 0)
                    c.failed = (f'vm {sample} under {name}: stdout differs from the other '
                                f'allocators\' at line {i + 1}: want '
                                f'{wl[i] if i < len(wl) else "(end)"!r}, got '
                                f'{gl[i] if i < len(gl) else "(end)"!r}\n  command: '
                                f'{shlex.join(cmd)}')
                    print(f'frag: FAILED: {c.failed}', flush=True)
                    ctx.failed += 1
        for c in cells.values():
            for r in c.warm + c.runs:
                r.pop('stdout', None)
        head = ['allocator', 'time (s)', 'spread', 'CPU (s)', 'peak RSS (MiB)', 'page faults',
                f'time ×{REF}', f'peak RSS ×{REF}', f'faults ×{REF}']
        rows = []
        for a in allocs:
            c = cells[a.name]
            bad = failed_rows(c, len(head), a.name)
            if bad:
                rows.append(bad)
                continue
            rows.append([a.name, ab.fmt(c.med('seconds')), fmt_spread(c, 'seconds'),
                         ab.fmt(c.med('cpu_seconds')), mib(c.med('peak_rss_kb')),
                         ab.fmt(c.med('faults')),
                         ab.fmt_ratio(ratio_to(cells, a.name, REF, 'seconds')),
                         ab.fmt_ratio(ratio_to(cells, a.name, REF, 'peak_rss_kb')),
                         ab.fmt_ratio(ratio_to(cells, a.name, REF, 'faults'))])
        shown = shlex.join(['hako', 'run', '--gc-stats', f'samples/{sample}.hako', str(n)]
                           + [x.replace('{tmp}', 'TMP') for x in extra])
        size_note = (f'samples/sizes.txt\'s SMALL size {small} × {factor}' if ctx.args.quick
                     else 'samples/sizes.txt\'s BENCH size')
        text = (f'#### vm: {sample} — `{shown}` ({size_note})\n\n' + ab.markdown(head, rows))
        fast = [name for name, c in cells.items() if c.usable()
                and c.med('seconds') < VM_MIN_SECONDS]
        if fast:
            text += (f'\nNote: median under {VM_MIN_SECONDS} s for {", ".join(fast)}: '
                     f'process start and exit weigh more than the work.\n')
        text += '\n' + profile_note(cells, sites, lambda r: (
            f'{r["seconds"]:.3f} s, peak {r["peak_rss_kb"] / 1024:.0f} MiB'))
        text += classes_note(cells, allocs)
        text += (f'Output: {"the same" if same else "NOT the same"} under every allocator '
                 f'({len(outs)} distinct stdout{"s" if len(outs) != 1 else ""} over '
                 f'{sum(outs.values())} runs, probes and warm-ups included).\n')
        text += noise_note([r for c in cells.values() for r in c.runs], load_before)
        texts.append(text)
        all_cells[sample] = cells
    checked = []
    for a in allocs:
        va, backend = vm_allocator(a)
        checked.append(f'{a.name}: ' + (f'HAKMEM_BACKEND=system, LD_PRELOAD={va.preload}'
                                        if va.preload else 'HAKMEM_BACKEND=system, nothing '
                                        'preloaded (glibc\'s malloc)' if backend == 'system'
                                        else 'hakmem (linked in), nothing preloaded'
                                        + (', ' + ' '.join(f'{k}={v}' for k, v in va.env.items())
                                           if va.env else '')))
    intro = ('### vm — the Hako VM running samples whose temporaries interleave with '
             'long-lived maps and strings\n\n'
             '`hako` is linked with hakmem, so the hakmem rows are its own allocator under '
             'settings of the environment; a peer runs with `HAKMEM_BACKEND=system` (every '
             'hak_* call forwards to `malloc`) and the peer\'s library by LD_PRELOAD, glibc '
             'with nothing preloaded — as bench/scenarios runs its peers. ' + '; '.join(checked)
             + '. Time: wall time of the whole process (wait4: start to exit); CPU: user + '
             'system; page faults: minor + major of the whole process (wait4); peak RSS: the '
             'process\'s own VmHWM, printed by `--gc-stats` at exit — not wait4\'s ru_maxrss, '
             'which cannot read below this Python\'s RSS at the fork. Medians; ratios > 1 are '
             f'slower or bigger than {REF}. Proof of the allocator: every run\'s '
             '/proc/PID/maps, polled while it runs, holds the preloaded peer and no other '
             'allocator library (none for glibc and the hakmem rows), and each allocator\'s '
             'untimed probe run (hakmem+profile: its warm-ups) writes hakmem\'s report, whose '
             'backend (system or hakmem) and mode must be the intended ones.\n')
    return intro + '\n' + '\n'.join(texts), all_cells


# --------------------------------------------------------------------------------------
# redis: fill, delete 70 %, INFO memory, then redis-benchmark.

def write_redis_inputs(tmp, keys):
    """The SET and DEL pipelines (RESP), generated once per invocation from a fixed seed:
    keys frag:0000000..., values of 16 B-4 KiB (log-uniform), then a random 70 % of the
    keys in a random order."""
    rng = random.Random(SEED)
    letters = bytes(random.Random(SEED + 2).choice(b'abcdefghijklmnopqrstuvwxyz0123456789')
                    for _ in range(2 * REDIS_VALUE[1]))
    lo, hi = REDIS_VALUE
    sets, dels = os.path.join(tmp, 'redis-set.resp'), os.path.join(tmp, 'redis-del.resp')
    total = 0
    with open(sets, 'wb', buffering=1 << 20) as f:
        parts = []
        for i in range(keys):
            size = int(lo * (hi / lo) ** rng.random())
            off = (i * 7919) % hi
            key = b'frag:%07d' % i
            parts.append(b'*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n'
                         % (len(key), key, size, letters[off:off + size]))
            total += size
            if len(parts) >= 10000:
                f.write(b''.join(parts))
                parts = []
        f.write(b''.join(parts))
    victims = random.Random(SEED + 1).sample(range(keys), int(REDIS_DELETE * keys))
    with open(dels, 'wb', buffering=1 << 20) as f:
        for j in range(0, len(victims), 10000):
            f.write(b''.join(b'*2\r\n$3\r\nDEL\r\n$12\r\nfrag:%07d\r\n' % i
                             for i in victims[j:j + 10000]))
    return sets, dels, len(victims), total


def pipeline(port, path, count, reply, timeout):
    """Sends the commands of the file `path` over one connection while reading the
    replies: there must be `count`, each exactly `reply`. Returns the seconds it took."""
    t0 = time.monotonic()
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        errors = []

        def send():
            try:
                with open(path, 'rb') as f:
                    s.sendfile(f)
            except OSError as e:
                errors.append(e)
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        want, got = len(reply) * count, 0
        pattern = reply * ((1 << 20) // len(reply) + 2)
        while got < want:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise RunError(f'the server closed the connection after {got // len(reply)} '
                               f'of {count} replies')
            pos = got % len(reply)
            if pattern[pos:pos + len(chunk)] != chunk:
                k = next(i for i in range(len(chunk)) if chunk[i] != pattern[pos + i])
                raise RunError(f'reply {(got + k) // len(reply) + 1} of {count} is not '
                               f'{reply!r}: {chunk[max(0, k - 8):k + 120]!r}')
            got += len(chunk)
        sender.join(timeout)
        if errors:
            raise RunError(f'sending {os.path.basename(path)}: {errors[0]}')
    return time.monotonic() - t0


def info_memory(port, pid):
    """INFO memory's used_memory, used_memory_rss, mem_fragmentation_ratio, and the
    server's VmRSS read at the same moment."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as s:
        s.sendall(b'*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n')
        f = s.makefile('rb')
        head = f.readline()
        if not head.startswith(b'$'):
            raise RunError(f'INFO memory: unexpected reply {head[:200]!r}')
        body = f.read(int(head[1:]) + 2).decode(errors='replace')
    vmrss = pr.status_kb(pid, 'VmRSS')
    fields = dict(line.split(':', 1) for line in body.splitlines() if ':' in line)
    try:
        return RedisInfo(int(fields['used_memory']), int(fields['used_memory_rss']),
                         float(fields['mem_fragmentation_ratio']), vmrss)
    except (KeyError, ValueError) as e:
        raise RunError(f'INFO memory: no {e} in {body[:500]!r}')


def self_cpu():
    t = os.times()
    return t.user + t.system


def run_redis(ctx, rd, alloc, profile, tag):
    _, preload, expect = pr.redis_preload(alloc, rd['linked'])
    env = dict(alloc.env)
    report = None
    if alloc.base == 'hakmem':
        report = ctx.report_path()
        env['HAKMEM_REPORT'] = report  # written at exit, after every figure was taken
        if alloc.name == PROFILED:
            env['HAKMEM_PROFILE'] = profile
    a2 = ab.Allocator(alloc.name, alloc.base, alloc.preload, env)
    t = ctx.args.timeout
    what = f'redis under {alloc.name}'
    r = {}
    with pr.RedisServer(rd['server'], a2, preload, expect, rd['linked'], ctx.tmp,
                        what='redis') as srv:
        try:
            busy0, cpu0, me0 = ab.busy_cpu_seconds(), pr.proc_cpu_seconds(srv.pid), self_cpu()
            w0 = time.monotonic()
            r['populate_s'] = pipeline(srv.port, rd['sets'], rd['keys'], b'+OK\r\n', t)
            time.sleep(REDIS_CRON_WAIT)
            full = info_memory(srv.port, srv.pid)
            r['delete_s'] = pipeline(srv.port, rd['dels'], rd['deleted'], b':1\r\n', t)
            time.sleep(REDIS_CRON_WAIT)
            after = info_memory(srv.port, srv.pid)
            time.sleep(REDIS_LAZY_WAIT)
            later = info_memory(srv.port, srv.pid)
            p = ab.run_process([rd['client'], '-h', '127.0.0.1', '-p', str(srv.port)]
                               + REDIS_BENCH_ARGS, ab.clean_env(), t)
            w1 = time.monotonic()
            busy1, cpu1, me1 = ab.busy_cpu_seconds(), pr.proc_cpu_seconds(srv.pid), self_cpu()
            end = info_memory(srv.port, srv.pid)
            r['peak_rss_kb'] = pr.status_kb(srv.pid, 'VmHWM')
        except (RunError, OSError) as e:
            raise RunError(f'{what}: {e}\n  server: {srv.shown}\n  its output and log '
                           f'(end):\n{srv.log()}')
        srv.check_maps()
        out = p.stdout.decode(errors='replace')
        if p.code != 0:
            raise RunError(f'{what}: redis-benchmark exit status {p.code}\n  output (end):\n'
                           f'{pr.tail(out + p.stderr)}\n  server log (end):\n{srv.log()}')
        rps = pr.parse_redis_benchmark(out)
        missing = [x for x in REDIS_TESTS if x not in rps]
        if missing:
            raise RunError(f'{what}: no result for {", ".join(missing)} in redis-benchmark\'s '
                           f'output:\n{pr.tail(out)}')
        if srv.exited():
            raise RunError(f'{what}: the server exited during the run (exit status '
                           f'{srv.proc.returncode})\n  command: {srv.shown}\n  its output and '
                           f'log (end):\n{srv.log()}')
    # What hakmem said at exit (the end of the server's output and log).
    r['hakmem_said'] = ' | '.join(dict.fromkeys(
        ln.strip() for ln in srv.exit_log.splitlines() if ln.startswith('hakmem:')))
    if report and os.path.exists(report):
        rep = read_report(report, 'hakmem', what)
        r['classes'] = site_classes(ctx, rep)
    elif report:  # the preload was proved by the maps; the report is only informative
        r['classes'] = None
        r['no_report'] = True
    cli = p.rusage.ru_utime + p.rusage.ru_stime
    r.update({
        'used_full': full.used, 'rss_full': full.rss, 'ratio_full': full.ratio,
        'vmrss_full_kb': full.vmrss,
        'used_after': after.used, 'rss_after': after.rss, 'ratio_after': after.ratio,
        'vmrss_after_kb': after.vmrss,
        'used_later': later.used, 'rss_later': later.rss, 'ratio_later': later.ratio,
        'vmrss_later_kb': later.vmrss,
        'used_end': end.used, 'rss_end': end.rss,
        'rps_set': rps['set'], 'rps_get': rps['get'],
        'rps_geomean': ab.geomean([rps[x] for x in REDIS_TESTS]),
        'bench_seconds': p.seconds,
        'server_cpu_seconds': cpu1 - cpu0,
        'faults': (srv.rusage.ru_minflt + srv.rusage.ru_majflt) if srv.rusage else None,
        'others_cores': max(0.0, busy1 - busy0 - (cpu1 - cpu0) - cli - (me1 - me0))
        / max(w1 - w0, 1e-3)})
    r['inv_rps'] = 1.0 / r['rps_geomean']
    r['shown'] = (f'RSS {full.rss / 2**20:.0f} → {later.rss / 2**20:.0f} MiB, '
                  f'{r["rps_geomean"] / 1e3:.0f} k req/s')
    return r


def redis_prepare(ctx):
    for p in ('redis-server', 'redis-benchmark'):
        if not shutil.which(p):
            return None, f'redis skipped: {p} is missing (apt-get install redis-server redis-tools)'
    server = shutil.which('redis-server')
    rd = {'server': server, 'client': shutil.which('redis-benchmark'),
          'linked': pr.redis_linked(server), 'keys': REDIS_KEYS[1 if ctx.args.quick else 0]}
    t0 = time.monotonic()
    rd['sets'], rd['dels'], rd['deleted'], rd['value_bytes'] = write_redis_inputs(
        ctx.tmp, rd['keys'])
    rd['gen_s'] = time.monotonic() - t0
    return rd, None


def redis_shape(ctx, rd):
    load_before = os.getloadavg()[0]
    allocs = [a for a in ctx.allocs if pr.redis_preload(a, rd['linked'])[0]]
    cells = {a.name: Cell() for a in ctx.allocs}
    for a in ctx.allocs:
        if a not in allocs:
            cells[a.name].skipped = 'glibc is not measurable under redis'
    profile = ctx.profile('redis')
    sites = []

    def run_one(a, tag):
        r = run_redis(ctx, rd, a, profile, tag)
        if a.name == PROFILED and tag == f'warm-up {WARMUPS}':
            sites.append(count_profile_sites(profile))
        return r
    drive(ctx, 'redis', 'redis', allocs, run_one, cells)
    if os.path.exists(profile):
        sites.append(count_profile_sites(profile))

    refs = [x for x in ('jemalloc', REF) if x in cells and cells[x].usable()]
    head = ['allocator', 'used_memory full (MiB)', 'RSS full (MiB)', 'used_memory after (MiB)',
            'RSS after (MiB)', 'ratio after', 'RSS +1 s (MiB)', 'ratio +1 s']
    head += [f'RSS +1 s ×{x}' for x in ('jemalloc', REF)]
    rows = []
    for a in ctx.allocs:
        c = cells[a.name]
        bad = failed_rows(c, len(head), a.name)
        if bad:
            rows.append(bad)
            continue
        rows.append([a.name, mib(b2kb(c.med('used_full'))), mib(b2kb(c.med('rss_full'))),
                     mib(b2kb(c.med('used_after'))), mib(b2kb(c.med('rss_after'))),
                     ab.fmt(c.med('ratio_after')), mib(b2kb(c.med('rss_later'))),
                     ab.fmt(c.med('ratio_later'))]
                    + [ab.fmt_ratio(ratio_to(cells, a.name, x, 'rss_later'))
                       for x in ('jemalloc', REF)])
    head2 = ['allocator', 'SET req/s', 'GET req/s', 'geomean', 'spread', 'server CPU (s)',
             'fill (s)', 'delete (s)', 'page faults'] + [f'req/s ×{x}' for x in ('jemalloc', REF)]
    rows2 = []
    for a in ctx.allocs:
        c = cells[a.name]
        bad = failed_rows(c, len(head2), a.name)
        if bad:
            rows2.append(bad)
            continue
        inv = [ratio_to(cells, a.name, x, 'inv_rps') for x in ('jemalloc', REF)]
        rows2.append([a.name, ab.fmt_si(c.med('rps_set')), ab.fmt_si(c.med('rps_get')),
                      ab.fmt_si(c.med('rps_geomean')), fmt_spread(c, 'inv_rps'),
                      ab.fmt(c.med('server_cpu_seconds')), ab.fmt(c.med('populate_s')),
                      ab.fmt(c.med('delete_s')), ab.fmt(c.med('faults'))]
                     + [ab.fmt_ratio(1 / x if x else None) for x in inv])
    keys = rd['keys']
    text = (f'### redis — {keys:,} keys of {REDIS_VALUE[0]} B-{REDIS_VALUE[1] // 1024} KiB, '
            f'{REDIS_DELETE:.0%} deleted, then redis-benchmark\n\n'
            f'`redis-server --bind 127.0.0.1 --port PORT --save \'\' --appendonly no --dir TMP` '
            f'({ab.package_version("redis-server") or "?"}) under the allocator, a new server '
            f'each run. Fill: {keys:,} SETs of keys `frag:NNNNNNN` with values of '
            f'{REDIS_VALUE[0]}-{REDIS_VALUE[1]} B (log-uniform, '
            f'{rd["value_bytes"] / 2**20:.0f} MiB '
            f'in all; seed {SEED}), pipelined over one connection; INFO memory ("full"); '
            f'then DEL of a random {REDIS_DELETE:.0%} ({rd["deleted"]:,} keys, in a random '
            f'order), pipelined; INFO memory ("after"); {REDIS_LAZY_WAIT:g} s later again '
            f'("+1 s": allocators that give memory back lazily); then `redis-benchmark '
            f'{" ".join(REDIS_BENCH_ARGS)}` (nothing preloaded in the client) on the '
            f'server as it is. Every reply of the fill and the deletion is checked (`+OK`, '
            f'`:1`). Each INFO is read {REDIS_CRON_WAIT:g} s after the pipeline ends: '
            f'redis samples used_memory_rss (and the ratio, RSS / used_memory) in its 100 ms '
            f'cron, so a reading taken at once can be stale. used_memory is redis\'s own count '
            f'through malloc_usable_size, so it includes each allocator\'s size-class rounding '
            f'and differs between allocators; compare RSS. Medians; ratios of RSS > 1 are '
            f'bigger, of req/s < 1 slower.\n\nMemory:\n\n' + ab.markdown(head, rows)
            + '\nThroughput (redis-benchmark, after the deletion; compared by 1 / geomean of '
            'SET and GET; spread of that), the server\'s CPU during it, and fill and delete '
            'times of the pipelines; page faults: the server\'s, start to exit (wait4):\n\n'
            + ab.markdown(head2, rows2))
    text += '\n' + profile_note(cells, sites, lambda r: (
        f'RSS full {r["rss_full"] / 2**20:.0f} MiB, +1 s {r["rss_later"] / 2**20:.0f} MiB, '
        f'{r["rps_geomean"] / 1e3:.0f} k req/s'), profile)
    text += classes_note(cells, ctx.allocs)
    text += hakmem_said_note(cells, ctx.allocs)
    if any('libjemalloc' in p for p in rd['linked']):
        text += pr.REDIS_GLIBC_NOTE + '. '
    runs = [r for c in cells.values() for r in c.runs]
    text += noise_note(runs, load_before, single=False).rstrip('\n')
    text += (' redis-benchmark and this script (the pipelines) run on the same 2 cores. '
             f'Preload verified in every run (the server\'s /proc/PID/maps at start and after '
             f'the benchmark). Inputs generated in {rd["gen_s"]:.1f} s, before the runs.\n')
    text += '\n' + redis_targets(cells)
    return text, cells


def redis_targets(cells):
    names = [n for n in ('hakmem', PROFILED) if n in cells]
    if not names:
        return ''
    rows = []

    def cell(n, ref, key, better, limit, fmt):
        c, rc = cells.get(n), cells.get(ref)
        if not c or not rc or not c.usable() or not rc.usable():
            return '—'
        a, b = c.med(key), rc.med(key)
        ok = better(a, b * limit)
        return f'{"met" if ok else "MISSED"} ({fmt(a, b)})'

    rss = lambda a, b: f'{a / 2**20:.0f} MiB against {b / 2**20:.0f}, {a / b:.2f}×'  # noqa: E731
    thr = lambda a, b: f'{a / b:.2f}×'  # noqa: E731
    rows.append(['used_memory_rss after the deletion (+1 s) ≤ jemalloc\'s']
                + [cell(n, 'jemalloc', 'rss_later', lambda a, b: a <= b, 1.0, rss)
                   for n in names])
    for ref in ('jemalloc', REF):
        rows.append([f'throughput (req/s geomean) ≥ 0.97× {ref}']
                    + [cell(n, ref, 'rps_geomean', lambda a, b: a >= b, 0.97, thr)
                       for n in names])
    return '#### redis targets\n\n' + ab.markdown(['target'] + names, rows)


# --------------------------------------------------------------------------------------
# Summary, CSV, main.

def summary(allocs, results):
    head = ['allocator']
    cols = []
    if 'burst' in results:
        cols.append(('burst after light', lambda n: ratio_to(results['burst'], n, REF,
                                                             'rss_after_kb')))
        cols.append(('burst peak', lambda n: ratio_to(results['burst'], n, REF, 'peak_rss_kb')))
        cols.append(('burst time', lambda n: ratio_to(results['burst'], n, REF, 'seconds')))
    if 'lru' in results:
        cols.append(('lru after light', lambda n: ratio_to(results['lru'], n, REF,
                                                           'rss_after_kb')))
        cols.append(('lru time', lambda n: ratio_to(results['lru'], n, REF, 'seconds')))
    if 'vm' in results:
        vm = results['vm']

        def vmgeo(key):
            def f(n):
                xs = [ratio_to(cells, n, REF, key) for cells in vm.values()]
                return ab.geomean(xs) if all(x is not None for x in xs) and xs else None
            return f
        cols.append(('vm peak RSS (geomean)', vmgeo('peak_rss_kb')))
        cols.append(('vm time (geomean)', vmgeo('seconds')))
    if 'redis' in results:
        cols.append(('redis RSS +1 s', lambda n: ratio_to(results['redis'], n, REF,
                                                          'rss_later')))
        cols.append(('redis req/s', lambda n: (lambda x: 1 / x if x else None)(
            ratio_to(results['redis'], n, REF, 'inv_rps'))))
    head += [t for t, _ in cols]
    rows = [[a.name] + [ab.fmt_ratio(f(a.name)) for _, f in cols] for a in allocs]
    return (f'### Summary — ratios to {REF}\n\nMedians over {REF}\'s from the sections below '
            f'(RSS and time: lower is better; redis req/s: higher is better); — where a row '
            f'was not measured or failed.\n\n' + ab.markdown(head, rows))


def write_csv(path, runs):
    skip = {'shown', 'classes', 'stdout', 'stderr'}
    keys = ['shape', 'allocator', 'run']
    for r in runs:
        for k in r:
            if k not in keys and k not in skip:
                keys.append(k)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(keys)
        for r in runs:
            w.writerow([r.get(k, '') for k in keys])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    ap.add_argument('--quick', action='store_true',
                    help='3 runs, smaller sizes (about 3 minutes)')
    ap.add_argument('--runs', type=int, help='measured runs per allocator (default 5; --quick: '
                    '3); hakmem+profile has 2 warm-up runs more')
    ap.add_argument('--shapes', help='comma-separated: ' + ','.join(SHAPES))
    ap.add_argument('--allocators', help='comma-separated, of ' + ','.join(ALLOCATORS)
                    + ' (default: all)')
    ap.add_argument('--csv', help='write every run (warm-ups and probes too) to this CSV file')
    ap.add_argument('--record', action='store_true',
                    help='write the tables to docs/BENCHMARKS.md (section "Fragmentation")')
    ap.add_argument('--timeout', type=float, default=600, help='seconds per process')
    args = ap.parse_args()
    command = 'python3 bench/frag/run.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    os.chdir(ROOT)
    shapes = args.shapes.split(',') if args.shapes else SHAPES
    for s in shapes:
        if s not in SHAPES:
            sys.exit(f'frag: unknown shape {s!r} (known: {", ".join(SHAPES)})')
    runs = args.runs or (3 if args.quick else 5)
    if runs < 1:
        sys.exit('frag: --runs must be at least 1')
    tmp = tempfile.mkdtemp(prefix='bench-frag-')
    try:
        return measure(args, command, shapes, runs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args, command, shapes, runs, tmp):
    notes = []
    bins = pin(args.builddir, tmp, notes)
    if any(s in ('burst', 'lru') for s in shapes) and not bins['alloc_bench']:
        sys.exit(f'frag: {args.builddir}/bench/alloc_bench does not exist; build it first '
                 f'(ninja)')
    allocs = find_allocators(args, bins['libhakmem.so'], notes)
    if not allocs:
        sys.exit('frag: no allocator to run')
    if REF not in [a.name for a in allocs]:
        notes.append(f'{REF} is not among the allocators: no ratios to it')
    leaked = sorted(k for k in os.environ if k.startswith(ab.CONFIG_PREFIXES))
    if leaked:
        notes.append('cleared from the environment of every run: ' + ', '.join(leaked))
    ctx = Ctx(args, tmp, bins, allocs, runs, notes)

    rd = None
    if 'redis' in shapes:
        rd, why = redis_prepare(ctx)
        if why:
            notes.append(why)
            shapes = [s for s in shapes if s != 'redis']
    if 'vm' in shapes and not bins['hako']:
        notes.append(f'vm skipped: {args.builddir}/hako does not exist (run ninja)')
        shapes = [s for s in shapes if s != 'vm']

    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    load0 = os.getloadavg()[0]
    header = [f'Fragmentation: {len(shapes)} shapes ({", ".join(shapes)}) × {len(allocs)} '
              f'allocators ({", ".join(a.name for a in allocs)}) × {runs} runs, interleaved; '
              f'{"quick" if args.quick else "full"} sizes.',
              f'Load average at start: {load0:.2f}'
              + (' — the machine is busy: expect noise' if load0 >= 1 else '')]
    for a in allocs:
        how = (f'LD_PRELOAD={a.preload}' if a.preload else 'nothing preloaded (glibc\'s malloc)')
        if a.env:
            how += ' with ' + ' '.join(f'{k}={v}' for k, v in a.env.items())
        if a.name == PROFILED:
            how += (f' with HAKMEM_PROFILE=TMP/profile-SHAPE.prof (deleted at the start, '
                    f'{WARMUPS} untimed warm-up runs)')
        header.append(f'{a.name}: {how} (vm: see its section)')
    print('\n'.join(header + ['note: ' + n for n in notes]), flush=True)

    total = 0
    for s in shapes:
        if s in ('burst', 'lru'):
            total += steps_of(allocs, runs)
        elif s == 'vm':
            total += len(VM_SAMPLES) * steps_of(allocs, runs, untimed=1)
        else:
            total += steps_of([a for a in allocs if pr.redis_preload(a, rd['linked'])[0]],
                              runs)
    ctx.progress = ab.Progress(total)

    sections, results = [], {}
    for s in shapes:
        if s in ('burst', 'lru'):
            text, cells = alloc_bench_shape(ctx, s)
        elif s == 'vm':
            text, cells = vm_shape(ctx)
        else:
            text, cells = redis_shape(ctx, rd)
        results[s] = cells
        sections.append(text)
        print('\n' + text, flush=True)

    summ = summary(allocs, results)
    load1 = os.getloadavg()[0]
    print('\n' + summ)
    print(f'Load average at start {load0:.2f}, at end {load1:.2f}.'
          + (f' {ctx.failed} FAILED (see above).' if ctx.failed else ''))
    if args.csv:
        write_csv(args.csv, ctx.all_runs)
        print(f'frag: wrote every run to {args.csv}')
    if args.record:
        body = '\n'.join([
            SECTION, '',
            f'Measured {date} with `{command}` (from the top of the tree, after '
            f'`./configure.py && ninja`).', ''] + ab.machine_lines() + [
            f'- {header[0]}', f'- Load average: {load0:.2f} at start, {load1:.2f} at end.'] +
            [f'- {h}' for h in header[2:]] +
            [f'- Note: {n}' for n in notes] + ['', summ] + sections)
        ab.record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), body, SECTION)
        print('frag: recorded in docs/BENCHMARKS.md')
    return 1 if ctx.failed else 0


if __name__ == '__main__':
    sys.exit(main())
