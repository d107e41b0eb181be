#!/usr/bin/env python3
"""The allocator benchmark: hakmem against glibc, jemalloc, mimalloc and tcmalloc.

    bench/alloc/run.py --builddir build/release [--quick | --runs N]
                       [--workloads churn,larson] [--allocators hakmem,mimalloc]
                       [--env-variant hakmem-off:HAKMEM_MODE=off] [--csv FILE] [--record]
    bench/alloc/run.py --instructions [--allocators ...] [--record]

Runs every workload of alloc_bench under every allocator, interleaved (round r runs each
allocator once, the starting one rotating), and reports medians and ratios to mimalloc.
Peers are preloaded from the .so that `ldconfig -p` names; each run's JSON line says
which library's mapping holds `malloc`, and a run whose allocator is not the intended one
stops everything. Page faults of the whole process come from wait4; peak RSS is the
process's own VmHWM, because wait4's ru_maxrss also counts this Python's RSS from before
the exec. Standard library only.

--instructions counts instead: the `pairs` loop under `valgrind --tool=callgrind`, once
per allocator and once without allocator calls, as instructions per malloc/free pair.
"""

import argparse
import collections
import csv
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTION = '## Allocator (bench/alloc)'
INSTRUCTIONS_SECTION = '## Allocator fast path (bench/alloc --instructions)'

SINGLE_THREADED = ('churn', 'glibc-simple', 'mleak', 'large', 'malloc-large', 'peak',
                   'vm2m', 'mlarge')  # vm2m, mlarge: bench/bigcache
# A "time" workload does fixed work and is compared by its time; a "throughput" one runs
# for a fixed time and is compared by the inverse of its throughput. `full` and `quick`
# are the arguments of a full and a --quick run; `program` is alloc_bench's workload and
# its fixed arguments when the entry is a variant of one (default: the entry's name).
Workload = collections.namedtuple('Workload', 'kind full quick program', defaults=(None,))
WORKLOADS = {
    'churn': Workload('time', ['--ops', '10000000'], ['--ops', '5000000']),
    'glibc-simple': Workload('time', ['--ops', '40000000'], ['--ops', '20000000']),
    'mleak': Workload('time', ['--ops', '40000000'], ['--ops', '20000000']),
    'larson': Workload('throughput', ['--seconds', '2'], ['--seconds', '1']),
    'larson-sized': Workload('throughput', ['--seconds', '2'], ['--seconds', '1'],
                             program=['larson', '--sized', '1']),
    'prodcons': Workload('throughput', ['--seconds', '2'], ['--seconds', '1']),
    'xmalloc': Workload('throughput', ['--seconds', '2'], ['--seconds', '1']),
    'rptest': Workload('throughput', ['--seconds', '2'], ['--seconds', '1']),
    'glibc-thread': Workload('time', ['--ops', '10000000'], ['--ops', '5000000']),
    'falseshare': Workload('time', ['--iterations', '2000'], ['--iterations', '1000']),
    'cachethrash': Workload('time', ['--iterations', '5000'], ['--iterations', '2500']),
    'large': Workload('time', ['--ops', '60000'], ['--ops', '8000']),
    'malloc-large': Workload('time', ['--ops', '1000'], ['--ops', '300']),
    'peak': Workload('time', ['--size-mb', '512'], ['--size-mb', '512']),
}
WHAT = {
    'churn': 'one thread, 8 B-4 KiB (60% <= 64 B), 16 Ki live blocks replaced at random',
    'glibc-simple': 'glibc\'s bench-malloc-simple: one thread allocates N blocks of one size '
                    '(16-1024 B), then frees them in order; N of 25-1600',
    'mleak': 'churn over 1024 live blocks of 8 B-4 KiB that leaks 1 in 128 retired blocks',
    'larson': '4 threads replace blocks of 8-1000 B; each round a new thread takes over '
              'the array and frees its exited predecessor\'s blocks',
    'larson-sized': 'larson with operator new and C++14 sized operator delete(p, n)',
    'prodcons': '2 producers allocate and write 8 B-4 KiB blocks, 2 consumers read and '
                'free them',
    'xmalloc': 'xmalloc-test: 4 threads each allocate batches of 8-512 B blocks for the '
               'others and free the batches the others allocated',
    'rptest': 'rpmalloc\'s benchmark: 4 threads replace batches of 16 B-64 KiB blocks in '
              'working sets of 1024; 1 in 8 is freed by the next thread',
    'glibc-thread': 'glibc\'s bench-malloc-thread: 4 threads replace random 8 B-4 KiB blocks '
                    'of their own working sets of 1024',
    'falseshare': 'cache-scratch: 4 workers each free an 8 B block the main thread '
                  'allocated, then allocate, write intensively and free 8 B blocks',
    'cachethrash': 'cache-thrash: 4 workers allocate, write intensively and free 8 B blocks '
                   'of their own',
    'large': '256 KiB-4 MiB blocks, 4 live, every page touched',
    'malloc-large': 'mimalloc-bench\'s malloc-large: 5-25 MiB blocks, 20 live, one replaced '
                    'at a time, every page written',
    'peak': '512 MiB of small and medium blocks, all freed, then 300 ms of light activity',
}
# The peers: the Debian sonames (gperftools' tcmalloc, not Google's newer TCMalloc).
PEERS = {
    'jemalloc': ('libjemalloc.so.2', 'libjemalloc2'),
    'mimalloc': ('libmimalloc.so.2', 'libmimalloc2.0'),
    'tcmalloc': ('libtcmalloc_minimal.so.4', 'libtcmalloc-minimal4'),
}
# Workload-specific medians shown as extra columns: (JSON key, column title).
EXTRA_COLUMNS = {
    'mleak': [('leaked_mib', 'leaked (MiB)')],
    'falseshare': [('workers_on_shared_lines', 'workers on shared lines')],
    'cachethrash': [('workers_on_shared_lines', 'workers on shared lines')],
    'large': [('faults_per_op', 'faults/op')],
    'malloc-large': [('faults_per_op', 'faults/op')],
}
ALLOCATORS = ['hakmem', 'glibc', 'jemalloc', 'mimalloc', 'tcmalloc']  # the default set
# hakmem's builds in --builddir: name -> file. The secure build is the same allocator, so
# its runs' `allocator` field says hakmem (the base that check_allocator compares with).
HAKMEM_BUILDS = {'hakmem': 'libhakmem.so', 'hakmem-secure': 'libhakmem-secure.so'}
KNOWN_ALLOCATORS = ALLOCATORS + ['hakmem-secure']
# Settings that would change an allocator's defaults; cleared so each runs as shipped.
CONFIG_PREFIXES = ('LD_PRELOAD', 'MALLOC_', 'MIMALLOC_', 'HAKMEM_', 'TCMALLOC_', 'JE_',
                   'GLIBC_TUNABLES')


class Allocator:
    def __init__(self, name, base, preload, env=None):
        self.name, self.base, self.preload = name, base, preload
        self.env = dict(env or {})


def ldconfig_lib(soname):
    """Path of a shared library by soname, from the linker cache (never a guessed path)."""
    try:
        out = subprocess.run(['/sbin/ldconfig', '-p'], capture_output=True, text=True).stdout
    except OSError:
        return None
    arch = {'x86_64': 'x86-64', 'aarch64': 'AArch64'}.get(os.uname().machine, '')
    for line in out.splitlines():
        name, _, rest = line.strip().partition(' ')
        if name == soname and '=>' in rest and arch in rest.split('=>')[0]:
            return rest.split('=>')[1].strip()
    return None


def package_version(pkg):
    r = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', pkg], capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 else ''


def find_allocators(args, notes, default=ALLOCATORS):
    """The allocators to run: --allocators, or `default` (those of it that exist), then
    the --env-variant ones. (bench/bigcache/run.py calls this too.)"""
    wanted = args.allocators.split(',') if args.allocators else default
    for w in wanted:
        if w not in KNOWN_ALLOCATORS:
            sys.exit(f'alloc: unknown allocator {w!r} (known: {", ".join(KNOWN_ALLOCATORS)})')
    found = {}
    for name in KNOWN_ALLOCATORS:
        if name in HAKMEM_BUILDS:
            path = os.path.abspath(os.path.join(args.builddir, HAKMEM_BUILDS[name]))
            if os.path.exists(path):
                found[name] = Allocator(name, 'hakmem', path)
            elif name == 'hakmem' or name in wanted:
                notes.append(f'{name} skipped: {path} does not exist (run ninja)')
        elif name == 'glibc':
            found[name] = Allocator(name, name, None)
        else:
            soname, pkg = PEERS[name]
            path = ldconfig_lib(soname)
            if path:
                found[name] = Allocator(name, name, path)
            else:
                notes.append(f'{name} skipped: {soname} not in ldconfig -p '
                             f'(apt-get install {pkg})')
    chosen = [found[w] for w in wanted if w in found]
    # Variants: the same preload as their base allocator, with settings in the environment.
    variants = {}
    for spec in args.env_variant:
        name, sep, setting = spec.partition(':')
        var, eq, _ = setting.partition('=')
        if not sep or not eq or not var:
            sys.exit(f'alloc: --env-variant {spec!r}: want NAME:VAR=VALUE')
        base = max((a for a in KNOWN_ALLOCATORS if name == a or name.startswith(a + '-')),
                   key=len, default=None)
        if base is None:
            sys.exit(f'alloc: --env-variant {spec!r}: the name must start with an '
                     f'allocator name and a dash ({", ".join(KNOWN_ALLOCATORS)}), e.g. '
                     f'hakmem-off')
        if base not in found:
            notes.append(f'{name} skipped: {base} is not available')
            continue
        if name not in variants:
            variants[name] = Allocator(name, found[base].base, found[base].preload)
            chosen.append(variants[name])
        var, _, value = setting.partition('=')
        variants[name].env[var] = value
    return chosen


def setup_allocators(args, default, tool):
    """The allocators of a run (find_allocators), the one ratios are to (--baseline, else
    glibc, else the first), and notes: what is missing, what was cleared from the
    environment. Exits with `tool`'s name when no allocator is left."""
    notes = []
    allocs = find_allocators(args, notes, default)
    if not allocs:
        sys.exit(f'{tool}: no allocator to run')
    names = [a.name for a in allocs]
    ref = args.baseline if args.baseline in names else None
    if ref is None:
        ref = 'glibc' if 'glibc' in names else names[0]
        notes.append(f'{args.baseline} is not available: ratios are to {ref}')
    leaked = sorted(k for k in os.environ if k.startswith(CONFIG_PREFIXES))
    if leaked:
        notes.append('cleared from the environment of every run: ' + ', '.join(leaked))
    return allocs, ref, notes


# --------------------------------------------------------------------------------------
# Running one measurement.

class RunError(Exception):
    pass


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES)}


def busy_cpu_seconds():
    """CPU time the whole machine has spent busy (all cores), from /proc/stat."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: all but idle and iowait; steal is
    # another guest on the same host, as much a competitor as a local process.
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf('SC_CLK_TCK')


Process = collections.namedtuple(
    'Process', 'code stdout stderr rusage seconds others_cores')


def run_process(cmd, env, timeout, cwd=None):
    """Runs cmd to its end (killed after `timeout` seconds): its exit code, stdout (bytes),
    stderr (text), rusage from wait4 (the whole process: faults, CPU time), wall seconds,
    and the cores that other processes kept busy meanwhile (what MEASURING.md says to
    check)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0, t0 = busy_cpu_seconds(), time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
        t1, busy1 = time.monotonic(), busy_cpu_seconds()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode(errors='replace')
    cpu = ru.ru_utime + ru.ru_stime
    return Process(os.waitstatus_to_exitcode(status), stdout, stderr, ru, t1 - t0,
                   max(0.0, busy1 - busy0 - cpu) / max(t1 - t0, 1e-3))


def run_program(cmd, label, alloc, timeout):
    """Runs cmd (alloc_bench, or a tool that runs it) under `alloc`: the JSON line the
    program printed last, with the process's figures and its stderr added."""
    env = clean_env()
    env.update(alloc.env)
    if alloc.preload:
        env['LD_PRELOAD'] = alloc.preload
    p = run_process(cmd, env, timeout)
    stderr = p.stderr.strip()
    if p.code != 0:
        why = 'timed out' if p.code == -9 else f'exit status {p.code}'
        raise RunError(f'{label} under {alloc.name}: {why}: {stderr[-2000:]}')
    lines = [ln for ln in p.stdout.decode(errors='replace').splitlines() if ln.startswith('{')]
    if not lines:
        raise RunError(f'{label} under {alloc.name}: no JSON line in the output')
    r = json.loads(lines[-1])
    r['proc_minflt'] = p.rusage.ru_minflt
    r['proc_majflt'] = p.rusage.ru_majflt
    r['proc_cpu_seconds'] = p.rusage.ru_utime + p.rusage.ru_stime
    r['proc_seconds'] = p.seconds  # the whole process: start to exit
    r['others_cores'] = p.others_cores
    r['stderr'] = stderr
    return r


def program_of(workload):
    """alloc_bench's workload and fixed arguments for an entry of WORKLOADS (or for a
    workload only bench/bigcache runs, e.g. vm2m)."""
    w = WORKLOADS.get(workload)
    return (w.program if w and w.program else None) or [workload]


def size_args(workload, quick):
    w = WORKLOADS[workload]
    return w.quick if quick else w.full


def run_once(binary, workload, wargs, alloc, timeout):
    """One run of a workload with its size arguments `wargs` (bench/bigcache/run.py calls
    this too)."""
    r = run_program([binary] + program_of(workload) + wargs, workload, alloc, timeout)
    r['workload'] = workload  # the entry: larson-sized, not the program's larson
    return r


def check_allocator(r, alloc):
    """The run must have used the intended allocator; anything else stops the benchmark."""
    got = r.get('allocator')
    if got != alloc.base:
        said = r['stderr'].splitlines()[0] if r['stderr'] else ''
        sys.exit(f'\nalloc: ABORT: {r["workload"]} under {alloc.name!r} was served by '
                 f'{got!r} (malloc resolved into {r.get("malloc_from") or "?"}), not '
                 f'{alloc.base!r}.\nalloc: LD_PRELOAD={alloc.preload or "(none)"} did not '
                 f'take; no figures are reported for a run that measured the wrong '
                 f'allocator.' + (f'\nalloc: the program said: {said}' if said else ''))


# --------------------------------------------------------------------------------------
# Numbers into tables.

def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def time_metric(kind, r):
    """Lower is better: seconds, or seconds per operation for throughput workloads."""
    if kind == 'time':
        return r['seconds']
    return 1.0 / r['ops_per_s'] if r.get('ops_per_s') else None


class Cell:
    """The runs of one (workload, allocator) and their medians."""

    def __init__(self, kind):
        self.kind, self.runs, self.failed = kind, [], None

    def med(self, key):
        xs = [r[key] for r in self.runs if r.get(key) is not None]
        return statistics.median(xs) if xs else None

    def time(self):
        xs = [time_metric(self.kind, r) for r in self.runs]
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    def spread(self):
        """(max - min) / median of the compared metric, in percent."""
        xs = [time_metric(self.kind, r) for r in self.runs]
        xs = [x for x in xs if x is not None]
        if len(xs) < 2:
            return None
        return 100.0 * (max(xs) - min(xs)) / statistics.median(xs)

    def faults(self):
        xs = [r['minflt'] + r['majflt'] for r in self.runs]
        return statistics.median(xs) if xs else None


def fmt(x, digits=3):
    if x is None:
        return '—'
    if x == 0:
        return '0'
    if abs(x) >= 1000:
        return f'{x:,.0f}'
    return f'{x:.{digits}g}'


def fmt_si(x):
    """3 significant digits with k/M/G: throughputs span 1e4 to 1e9."""
    if x is None:
        return '—'
    for div, unit in ((1e9, ' G'), (1e6, ' M'), (1e3, ' k')):
        if abs(x) >= div:
            return f'{x / div:.3g}{unit}'
    return f'{x:.3g}'


def fmt_ratio(x):
    return '—' if x is None else f'{x:.2f}×'


def mib(kb):
    return None if kb is None else kb / 1024.0


def ratio(a, b):
    return a / b if a is not None and b else None


def workload_table(workload, cells, allocs, ref):
    kind = WORKLOADS[workload].kind
    extra = EXTRA_COLUMNS.get(workload, [])
    head = ['allocator', 'time (s)', 'ops/s', 'spread', 'peak RSS (MiB)', 'page faults']
    head += [title for _, title in extra]
    if workload == 'peak':
        head += ['RSS after release (MiB)']
    head += [f'time ×{ref}', f'peak RSS ×{ref}']
    if workload == 'peak':
        head += [f'after release ×{ref}']
    rows = []
    rc = cells.get((workload, ref))
    for a in allocs:
        c = cells.get((workload, a.name))
        if c is None:
            continue
        if c.failed:
            rows.append([a.name, 'FAILED'] + [''] * (len(head) - 2))
            continue
        row = [a.name, fmt(c.med('seconds')), fmt_si(c.med('ops_per_s')),
               f'{c.spread():.0f}%' if c.spread() is not None else '—',
               fmt(mib(c.med('peak_rss_kb'))), fmt(c.faults())]
        row += [fmt(c.med(key)) for key, _ in extra]
        if workload == 'peak':
            row.append(fmt(mib(c.med('rss_after_kb'))))
        usable = rc is not None and not rc.failed
        row += [fmt_ratio(ratio(c.time(), rc.time()) if usable else None),
                fmt_ratio(ratio(c.med('peak_rss_kb'), rc.med('peak_rss_kb'))
                          if usable else None)]
        if workload == 'peak':
            row.append(fmt_ratio(ratio(c.med('rss_after_kb'), rc.med('rss_after_kb'))
                                 if usable else None))
        rows.append(row)
    compared = 'time' if kind == 'time' else '1 / throughput'
    title = (f'### {workload} — {WHAT[workload]}\n\nCompared by {compared}; medians; '
             f'ratios > 1 are slower or bigger than {ref}. Page faults: minor + major, '
             f'in the timed region.\n')
    return title + '\n' + markdown(head, rows)


def summary_table(workloads, cells, allocs, ref):
    head = ['allocator'] + [f'{w}' for w in workloads] + [
        'time geomean', 'peak RSS geomean']
    has_peak = 'peak' in workloads
    if has_peak:
        head += ['RSS after release', 'after release (MiB)']
    rows = []
    for a in allocs:
        trs, mrs = [], []
        row = [a.name]
        for w in workloads:
            c, rc = cells.get((w, a.name)), cells.get((w, ref))
            if not c or c.failed or not rc or rc.failed:
                row.append('—')
                continue
            tr = ratio(c.time(), rc.time())
            trs.append(tr)
            mrs.append(ratio(c.med('peak_rss_kb'), rc.med('peak_rss_kb')))
            row.append(fmt_ratio(tr))
        complete = len(trs) == len(workloads)
        row += [fmt_ratio(geomean(trs)) + ('' if complete else ' (partial)'),
                fmt_ratio(geomean(mrs)) + ('' if complete else ' (partial)')]
        if has_peak:
            c, rc = cells.get(('peak', a.name)), cells.get(('peak', ref))
            ok = c and not c.failed and rc and not rc.failed
            row += [fmt_ratio(ratio(c.med('rss_after_kb'), rc.med('rss_after_kb')))
                    if ok else '—', fmt(mib(c.med('rss_after_kb'))) if ok else '—']
        rows.append(row)
    by_throughput = [w for w in workloads if WORKLOADS[w].kind == 'throughput']
    title = (f'### Summary — ratios to {ref} (lower is better)\n\nPer workload: median time '
             + (f'(for {", ".join(by_throughput)}: 1 / throughput) ' if by_throughput else '')
             + f'over {ref}\'s. Geomeans over the '
             f'{len(workloads)} workloads; peak RSS is the whole process\'s high-water '
             f'mark (VmHWM); RSS after release is the peak workload\'s, after its light '
             f'phase.\n')
    return title + '\n' + markdown(head, rows)


def markdown(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]

    def line(cells, pad=' '):
        return '| ' + ' | '.join(str(c).ljust(w, pad) if i == 0 else str(c).rjust(w, pad)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + ' |'
    sep = '|' + '|'.join('-' * (w + 1) + ':' if i else ':' + '-' * (w + 1)
                         for i, w in enumerate(widths)) + '|'
    return '\n'.join([line(head), sep] + [line(r) for r in rows]) + '\n'


def noise_note(workload, cells, allocs, load_before):
    """How much of the machine others used during the runs, and how much CPU ours got."""
    runs = [r for a in allocs for c in [cells.get((workload, a.name))]
            if c and not c.failed for r in c.runs]
    if not runs:
        return ''
    others = [r['others_cores'] for r in runs]
    busy = sum(1 for x in others if x > 0.25)
    note = (f'Other processes used {statistics.median(others):.2f} cores (median; '
            f'{os.cpu_count()} cores here) during these runs; more than a quarter of a '
            f'core in {busy} of {len(runs)} runs. Load average before: {load_before:.2f} '
            f'(it includes this benchmark\'s own threads of the last minute).')
    ratios = [r['cpu_seconds'] / r['seconds'] for r in runs if r['seconds'] > 0]
    if workload in SINGLE_THREADED:
        lost = sum(1 for x in ratios if x < 0.9)
        note += f' Runs that got < 90% of a core: {lost} of {len(ratios)}.'
    else:
        note += f' CPU time / wall time of the runs, median: {statistics.median(ratios):.2f}.'
    return note + '\n'


# --------------------------------------------------------------------------------------
# Recording.

def machine_lines():
    uname = subprocess.run(['uname', '-a'], capture_output=True, text=True).stdout.strip()
    model = ''
    try:
        for line in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines():
            if line.startswith('Model name:'):
                model = line.split(':', 1)[1].strip()
    except OSError:
        pass
    mem = ''
    try:
        with open('/proc/meminfo') as f:
            kb = int(f.readline().split()[1])
            mem = f'{kb / 1048576:.1f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    versions = ', '.join(f'{n} {package_version(p) or "?"}' for n, (_, p) in PEERS.items())
    glibc = platform.libc_ver()[1]
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return [f'- Machine: `{uname}`', f'- CPU: {model or "?"}, {os.cpu_count()} cores, '
            f'{mem} RAM', f'- Peers: glibc {glibc}, {versions} (Debian packages)',
            f'- hakmem: commit {commit or "?"}']


def record(path, text, section=SECTION):
    """Writes `text` (which starts with the `section` heading) into the Markdown file at
    `path`, replacing that section if it is there and keeping every other one."""
    old = ''
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if not old:
        old = ('# Benchmarks\n\nMeasured results, each with its machine, date and command. '
               'Re-run the command to refresh a section.\n')
    start = old.find(section)
    if start < 0:
        new = old.rstrip('\n') + '\n\n' + text
    else:
        end = old.find('\n## ', start + len(section))
        new = old[:start] + text + (old[end + 1:] if end >= 0 else '')
    with open(path, 'w') as f:
        f.write(new)


def write_csv(path, cells):
    keys = ['workload', 'allocator', 'run', 'seconds', 'ops', 'ops_per_s', 'cpu_seconds',
            'others_cores', 'minflt', 'majflt', 'peak_rss_kb', 'proc_minflt', 'proc_majflt',
            'rss_peak_kb', 'rss_freed_kb', 'rss_after_kb', 'malloc_from']
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(keys)
        for (workload, name), c in cells.items():
            for i, r in enumerate(c.runs):
                w.writerow([workload, name, i + 1] + [r.get(k, '') for k in keys[3:]])


# --------------------------------------------------------------------------------------
# --instructions: the fast path counted in instructions.

INSTRUCTIONS_OPS = 1000000


def callgrind_ir(binary, alloc, null, timeout):
    """Runs `alloc_bench pairs` under callgrind, counting only while pairs_loop runs (the
    loop, and malloc and free with all they call): the program's JSON line and the total
    instructions (Ir) of the loop."""
    args = ['pairs', '--ops', str(INSTRUCTIONS_OPS)] + (['--null', '1'] if null else [])
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'callgrind.out')
        # LD_PRELOAD reaches the program: valgrind adds its own preloads to it.
        cmd = ['valgrind', '--tool=callgrind', '-q', '--toggle-collect=pairs_loop',
               f'--callgrind-out-file={out}', binary] + args
        r = run_program(cmd, ' '.join(args) + ' under callgrind', alloc, timeout)
        totals = {}
        try:
            with open(out) as f:
                for line in f:
                    key, sep, value = line.partition(':')
                    if sep and key in ('summary', 'totals') and value.split():
                        totals[key] = int(value.split()[0])  # Ir is the first (only) event
        except OSError as e:
            raise RunError(f'{" ".join(args)} under {alloc.name}: no callgrind output: {e}')
    ir = totals.get('totals', totals.get('summary'))
    if ir is None:
        raise RunError(f'{" ".join(args)} under {alloc.name}: no summary or totals line in '
                       f'the callgrind output')
    return r, ir


def callgrind_functions(out):
    """Self instructions per function name in a callgrind output file (Ir, the only event):
    `fn=` lines name the function (or, compressed, `fn=(id) name` then `fn=(id)`), cost
    lines follow; `calls=` lines precede a call's cost line, which is inclusive and not the
    caller's own."""
    names, costs, fn, skip = {}, {}, None, False
    with open(out) as f:
        for line in f:
            if line.startswith('fn='):
                ref = line[3:].strip()
                if ref.startswith('('):
                    key, _, name = ref.partition(')')
                    name = name.strip() or names.get(key, key)
                    names[key] = name
                    fn = name
                else:
                    fn = ref
                continue
            if line.startswith('calls='):
                skip = True
                continue
            if fn and line[:1].isdigit() or (fn and line[:1] in '+-*'):
                parts = line.split()
                if skip:
                    skip = False
                    continue
                if len(parts) >= 2:
                    costs[fn] = costs.get(fn, 0) + int(parts[1])
    return costs


def tagged_instructions(builddir, timeout):
    """bench/tag_bench under callgrind: the null, plain and tagged loops' instructions, and
    of them the allocator's (everything but the loop function's own). A table and the
    figures; None when the program is not built."""
    binary = os.path.join(builddir, 'bench', 'tag_bench')
    if not os.path.exists(binary):
        return None, None
    glibc = Allocator('glibc', 'glibc', None)
    res = {}
    for mode in ('null', 'plain', 'tagged'):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, 'callgrind.out')
            cmd = ['valgrind', '--tool=callgrind', '-q', '--compress-strings=no',
                   '--toggle-collect=tag_pairs_loop_*', f'--callgrind-out-file={out}', binary,
                   mode, '--ops', str(INSTRUCTIONS_OPS)]
            r = run_program(cmd, f'tag_bench {mode} under callgrind', glibc, timeout)
            if r.get('backend') != 'hakmem':
                raise RunError(f'tag_bench {mode}: backend {r.get("backend")}, not hakmem')
            funcs = callgrind_functions(out)
        total = sum(funcs.values())
        loop = funcs.get(f'tag_pairs_loop_{mode}', 0)
        res[mode] = (total, loop)
    null = res['null'][0] / INSTRUCTIONS_OPS
    head = ['calls', 'Ir in the loop', 'per iteration', 'net per pair (− the loop alone)',
            'the allocator\'s (− the loop\'s own)']
    rows, fig = [], {}
    for mode, label in (('plain', '`hak_free` + `hak_malloc(n)`'),
                        ('tagged', '`hak_free` + `hak_alloc_at(n, tag)`')):
        total, loop = res[mode]
        per = total / INSTRUCTIONS_OPS
        alloc_only = (total - loop) / INSTRUCTIONS_OPS
        fig[mode] = (per - null, alloc_only)
        rows.append([label, f'{total:,}', f'{per:.1f}', f'{per - null:.1f}', f'{alloc_only:.1f}'])
    rows.append(['(loop alone, `null`)', f'{res["null"][0]:,}', f'{null:.1f}', '—', '—'])
    text = (f'### Tagged against plain — `tag_bench plain|tagged|null --ops {INSTRUCTIONS_OPS}` '
            f'under callgrind\n\n'
            f'hakmem linked (not preloaded): the same loop of pairs as above (16-256 B, 1,024 '
            f'live) calls `hak_free` and `hak_malloc`, or `hak_free` and `hak_alloc_at` with '
            f'one tag, counted with `--toggle-collect=tag_pairs_loop_*`. Net = per iteration '
            f'− the loop without the calls; the allocator\'s = everything but the loop '
            f'function\'s own instructions (so the caller\'s work for the extra argument is '
            f'not in it). Target (issue 15): a tagged pair costs no more than a plain one: '
            f'{fig["tagged"][1]:.1f} against {fig["plain"][1]:.1f} allocator instructions '
            f'({fig["tagged"][1] / fig["plain"][1]:.3f}×): '
            f'{"met" if fig["tagged"][1] <= fig["plain"][1] else "MISSED"}.\n\n'
            + markdown(head, rows))
    return text, fig


def instructions(args, binary, command):
    if not shutil.which('valgrind'):
        sys.exit('alloc: --instructions needs valgrind (apt-get install valgrind)')
    secure = os.path.join(args.builddir, HAKMEM_BUILDS['hakmem-secure'])
    default = ALLOCATORS + (['hakmem-secure'] if os.path.exists(secure) else [])
    allocs, ref, notes = setup_allocators(args, default, 'alloc')
    names = [a.name for a in allocs]
    valgrind = subprocess.run(['valgrind', '--version'], capture_output=True,
                              text=True).stdout.strip()
    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    for n in notes:
        print('note: ' + n, flush=True)

    # The loop alone, without allocator calls: the same for every allocator (run under
    # glibc, no preload).
    progress = Progress(len(allocs) + 1)
    glibc = Allocator('glibc', 'glibc', None)
    try:
        r, null_ir = callgrind_ir(binary, glibc, True, args.timeout)
    except RunError as e:
        sys.exit(f'alloc: FAILED: {e}')
    check_allocator(r, glibc)
    null_per = null_ir / INSTRUCTIONS_OPS
    progress.step(f'pairs --null 1: {null_per:.1f} instructions per iteration')
    counted, failed = {}, {}
    for a in allocs:
        try:
            r, ir = callgrind_ir(binary, a, False, args.timeout)
        except RunError as e:
            progress.clear()
            print(f'alloc: FAILED: {e}', flush=True)
            failed[a.name] = str(e)
            continue
        check_allocator(r, a)
        counted[a.name] = ir
        progress.step(f'pairs under {a.name}: {ir / INSTRUCTIONS_OPS:.1f} instructions per '
                      f'iteration')
    progress.clear()

    net = {n: ir / INSTRUCTIONS_OPS - null_per for n, ir in counted.items()}
    head = ['allocator', 'Ir in pairs_loop', 'per iteration', 'net per malloc/free pair',
            f'net ×{ref}']
    rows = []
    for a in allocs:
        if a.name in failed:
            rows.append([a.name, 'FAILED', '', '', ''])
            continue
        ir = counted[a.name]
        rows.append([a.name, f'{ir:,}', f'{ir / INSTRUCTIONS_OPS:.1f}', f'{net[a.name]:.1f}',
                     fmt_ratio(ratio(net[a.name], net.get(ref)))])
    rows.append(['(loop alone, --null 1)', f'{null_ir:,}', f'{null_per:.1f}', '—', '—'])
    text = (f'### Instructions per malloc/free pair — `alloc_bench pairs --ops '
            f'{INSTRUCTIONS_OPS}` under callgrind\n\n'
            f'`valgrind --tool=callgrind --toggle-collect=pairs_loop`, the allocator by '
            f'LD_PRELOAD: only what runs while `pairs_loop` is on the stack is counted, the '
            f'loop and malloc and free with all they call. Each of the {INSTRUCTIONS_OPS:,} '
            f'iterations frees a random one of 1,024 live blocks and allocates 16-256 B in '
            f'its place; nothing is written. Net = per iteration − the loop alone '
            f'(`--null 1`: the same loop without the calls). The net figure still includes '
            f'what the loop pays for each call to malloc and free (the call, the PLT jump, '
            f'the return), the same for every allocator. Callgrind counts instructions, not '
            f'time: the counts do not depend on what else the shared machine is doing '
            f'(glibc\'s and mimalloc\'s repeat exactly; jemalloc\'s and hakmem\'s vary by '
            f'about 0.01% and 0.2% between runs: jemalloc\'s with addresses, hakmem\'s with its '
            f'sampler, which draws its intervals at random unless HAKMEM_SEED fixes them), but '
            f'they see no cache misses, mispredicted branches '
            f'or costly atomics. {valgrind}.\n\n' + markdown(head, rows))
    try:
        tagged, _ = tagged_instructions(args.builddir, args.timeout)
    except RunError as e:
        print(f'alloc: FAILED: {e}', flush=True)
        failed['tag_bench'] = str(e)
        tagged = None
    if tagged:
        text += '\n\n' + tagged
    print('\n' + text, flush=True)
    if args.record:
        body = '\n'.join([
            INSTRUCTIONS_SECTION, '',
            f'Measured {date} with `{command}` (from the top of the tree, after '
            f'`./configure.py && ninja`).', ''] + machine_lines() +
            [f'- Note: {n}' for n in notes] + ['', text])
        record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), body, INSTRUCTIONS_SECTION)
        print('alloc: recorded in docs/BENCHMARKS.md')
    return 1 if failed else 0


# --------------------------------------------------------------------------------------

class Progress:
    def __init__(self, total):
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()

    def step(self, text):
        self.done += 1
        msg = f'[{self.done}/{self.total}] {text}'
        if self.tty:
            sys.stderr.write('\r\033[K' + msg)
        else:
            sys.stderr.write(msg + '\n')
        sys.stderr.flush()

    def clear(self):
        if self.tty:
            sys.stderr.write('\r\033[K')
            sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    ap.add_argument('--quick', action='store_true',
                    help='3 runs of shorter workloads (about 3 minutes)')
    ap.add_argument('--runs', type=int, help='runs per allocator (default 7; --quick: 3)')
    ap.add_argument('--workloads', help='comma-separated: ' + ','.join(WORKLOADS))
    ap.add_argument('--allocators', help='comma-separated, of ' + ','.join(KNOWN_ALLOCATORS)
                    + ' (default: ' + ','.join(ALLOCATORS) + '; --instructions: those and '
                    'hakmem-secure if it was built)')
    ap.add_argument('--env-variant', action='append', default=[], metavar='NAME:VAR=VAL',
                    help='also run NAME (e.g. hakmem-off: the hakmem preload) with VAR=VAL '
                         'in its environment; repeat for more settings')
    ap.add_argument('--baseline', default='mimalloc', help='ratios are to this allocator')
    ap.add_argument('--csv', help='write every run to this CSV file')
    ap.add_argument('--record', action='store_true',
                    help='write the tables to docs/BENCHMARKS.md (section "Allocator", or '
                         'with --instructions "Allocator fast path")')
    ap.add_argument('--timeout', type=float, default=300, help='seconds per run')
    ap.add_argument('--instructions', action='store_true',
                    help='instead of the workloads: instructions per malloc/free pair, '
                         'counted by callgrind in the pairs loop')
    args = ap.parse_args()
    command = 'python3 bench/alloc/run.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    os.chdir(ROOT)

    binary = os.path.join(args.builddir, 'bench', 'alloc_bench')
    if not os.path.exists(binary):
        sys.exit(f'alloc: {binary} does not exist; build it first (./configure.py && ninja)')
    if args.instructions:
        return instructions(args, binary, command)
    workloads = args.workloads.split(',') if args.workloads else list(WORKLOADS)
    for w in workloads:
        if w not in WORKLOADS:
            sys.exit(f'alloc: unknown workload {w!r} (known: {", ".join(WORKLOADS)})')
    runs = args.runs or (3 if args.quick else 7)
    allocs, ref, notes = setup_allocators(args, ALLOCATORS, 'alloc')
    names = [a.name for a in allocs]

    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    load0 = os.getloadavg()[0]
    header = [f'Allocator benchmark: {len(workloads)} workloads × {len(allocs)} allocators '
              f'({", ".join(names)}) × {runs} runs, interleaved; '
              f'{"quick" if args.quick else "full"} sizes.',
              f'Load average at start: {load0:.2f}' +
              (' — the machine is busy: expect noise' if load0 >= 1 else '')]
    for a in allocs:
        if a.env:
            header.append(f'{a.name}: LD_PRELOAD={a.preload} with '
                          + ' '.join(f'{k}={v}' for k, v in a.env.items()))
    print('\n'.join(header + ['note: ' + n for n in notes]), flush=True)

    cells = {}
    sections = []
    progress = Progress(len(workloads) * runs * len(allocs))
    failed = 0
    for w in workloads:
        kind = WORKLOADS[w].kind
        load_before = os.getloadavg()[0]
        for a in allocs:
            cells[(w, a.name)] = Cell(kind)
        for r in range(runs):
            for i in range(len(allocs)):
                a = allocs[(i + r) % len(allocs)]
                c = cells[(w, a.name)]
                if c.failed:
                    continue
                try:
                    res = run_once(binary, w, size_args(w, args.quick), a, args.timeout)
                except RunError as e:
                    progress.clear()
                    print(f'alloc: FAILED: {e}', flush=True)
                    c.failed = str(e)
                    failed += 1
                    continue
                check_allocator(res, a)
                c.runs.append(res)
                shown = (f'{res["seconds"]:.3f} s' if kind == 'time'
                         else f'{res["ops_per_s"] / 1e6:.2f} Mops/s')
                progress.step(f'{w} run {r + 1}/{runs} {a.name}: {shown} '
                              f'(others used {res["others_cores"]:.1f} cores)')
        progress.clear()
        text = (workload_table(w, cells, allocs, ref) + '\n'
                + f'Arguments: `alloc_bench {" ".join(program_of(w) + size_args(w, args.quick))}`. '
                + noise_note(w, cells, allocs, load_before))
        sections.append(text)
        print('\n' + text, flush=True)

    summary = summary_table(workloads, cells, allocs, ref)
    load1 = os.getloadavg()[0]
    print('\n' + summary)
    print(f'Load average at start {load0:.2f}, at end {load1:.2f}.'
          + (f' {failed} workload/allocator pairs FAILED (see above).' if failed else ''))
    if args.csv:
        write_csv(args.csv, cells)
        print(f'alloc: wrote every run to {args.csv}')
    if args.record:
        body = '\n'.join([
            SECTION, '',
            f'Measured {date} with `{command}` (from the top of the tree, after '
            f'`./configure.py && ninja`).', ''] + machine_lines() + [
            f'- {header[0]}', f'- Load average: {load0:.2f} at start, {load1:.2f} at end.'] +
            [f'- Note: {n}' for n in notes] + ['', summary] + sections)
        record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), body)
        print('alloc: recorded in docs/BENCHMARKS.md')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
