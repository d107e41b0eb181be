#!/usr/bin/env python3
"""The Lua bridge's overhead: Lua 5.4 samples run by `hako lua` on hakmem, against the same
`hako lua` on glibc and on mimalloc (HAKMEM_BACKEND=system, the peer by LD_PRELOAD), and
lua5.4 itself for reference.

    bench/lua/run.py --builddir build/release [--quick | --runs N]
                     [--samples binary_trees,word_freq] [--allocators hakmem,glibc,...]
                     [--record]

Samples run at their bench size (samples/sizes.txt), through bench/lua/run_sample.lua,
which reports the allocator libraries mapped in the process (a run whose preload did not
take, or that has one it should not, stops everything) and the process's peak RSS. Before
the timed runs, one untimed run per allocator writes hakmem's JSON report, which must name
the intended backend (and, on hakmem, Lua's six sites). Runs are interleaved per sample
(round r runs each allocator once, the first one rotating); medians; every run's output
must equal the others'. Target (issue 9): hakmem ≤ 1.00× the best of glibc and mimalloc,
per sample and in geomean. Runs, tables and recording come from bench/alloc/run.py.
Standard library only.
"""

import argparse
import datetime
import importlib.util
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = '## Lua bridge (bench/lua)'


def _import(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ab = _import('alloc_harness', 'bench/alloc/run.py')
samples_check = _import('samples_check', 'samples/check.py')

# Allocation-heavy samples (samples/README.md says what each does).
SAMPLES = ['binary_trees', 'word_freq', 'string_builder', 'json_roundtrip', 'closures',
           'sort_big']
QUICK_SAMPLES = ['binary_trees', 'string_builder', 'closures']
PEERS = ['glibc', 'mimalloc']  # the target is against the better of these
# name: (program and its options, environment, soname to LD_PRELOAD). The hakmem-* variants
# show where hakmem's time goes: -baseline without the tuner, -off without any accounting,
# -untagged with Lua's blocks untagged (`hako lua --no-tags`: no exact per-site accounting).
ALLOCATORS = {
    'hakmem': (['hako', 'lua'], {}, None),
    'hakmem-baseline': (['hako', 'lua'], {'HAKMEM_MODE': 'baseline'}, None),
    'hakmem-off': (['hako', 'lua'], {'HAKMEM_MODE': 'off'}, None),
    'hakmem-untagged': (['hako', 'lua', '--no-tags'], {}, None),
    'glibc': (['hako', 'lua'], {'HAKMEM_BACKEND': 'system'}, None),
    'mimalloc': (['hako', 'lua'], {'HAKMEM_BACKEND': 'system'}, 'libmimalloc.so.2'),
    'jemalloc': (['hako', 'lua'], {'HAKMEM_BACKEND': 'system'}, 'libjemalloc.so.2'),
    'tcmalloc': (['hako', 'lua'], {'HAKMEM_BACKEND': 'system'}, 'libtcmalloc_minimal.so.4'),
    'lua5.4': (['lua5.4'], {}, None),
}
DEFAULT = ['hakmem', 'glibc', 'mimalloc', 'lua5.4']
TARGET = 1.00


class Allocator:
    def __init__(self, name, argv, env, preload):
        self.name, self.argv, self.env, self.preload = name, argv, env, preload
        self.backend = None if argv[0].endswith('lua5.4') else env.get('HAKMEM_BACKEND',
                                                                         'hakmem')

    def expect_mapped(self):
        """What run_sample.lua must see: the preloaded library's short name (the names it
        looks for are prefixes: libtcmalloc_minimal shows as libtcmalloc), or none."""
        if not self.preload:
            return 'none'
        name = os.path.basename(self.preload).split('.so')[0]
        return 'libtcmalloc' if name.startswith('libtcmalloc') else name


def find_allocators(args, notes):
    hako = os.path.abspath(os.path.join(args.builddir, 'hako'))
    out = []
    for name in args.allocators.split(','):
        if name not in ALLOCATORS:
            sys.exit(f'lua: unknown allocator {name!r} (known: {", ".join(ALLOCATORS)})')
        (prog, *opts), env, soname = ALLOCATORS[name]
        path = hako if prog == 'hako' else shutil.which(prog)
        if not path:
            notes.append(f'{name} skipped: {prog} is not installed')
            continue
        argv = [path] + opts
        preload = None
        if soname:
            preload = ab.ldconfig_lib(soname)
            if not preload:
                notes.append(f'{name} skipped: {soname} not in ldconfig -p')
                continue
        out.append(Allocator(name, argv, env, preload))
    return out


class RunError(Exception):
    pass


def run_once(alloc, sample, sample_args, tmp, timeout, report=None):
    """One run of a sample: wall and CPU seconds, faults, peak RSS, mapped libraries, output."""
    env = ab.clean_env()
    env.update(alloc.env)
    if alloc.preload:
        env['LD_PRELOAD'] = alloc.preload
    if report:
        env['HAKMEM_REPORT'] = report
    scratch = os.path.join(tmp, 'scratch.json')
    cmd = alloc.argv + [os.path.join(HERE, 'run_sample.lua'),
                        os.path.join(ROOT, 'samples', sample + '.lua')]
    cmd += [a.replace('{tmp}', scratch) for a in sample_args]
    p = ab.run_process(cmd, env, timeout, cwd=tmp)
    stdout, stderr, ru = p.stdout, p.stderr, p.rusage
    if p.code != 0:
        why = 'timed out' if p.code == -9 else f'exit status {p.code}'
        raise RunError(f'{sample} under {alloc.name}: {why}: {stderr.strip()[-1500:]}')
    said = [ln for ln in stderr.splitlines() if ln.startswith('bench-lua: ')]
    if not said:
        raise RunError(f'{sample} under {alloc.name}: run_sample.lua said nothing: '
                       f'{stderr.strip()[-500:]}')
    fields = dict(f.split('=', 1) for f in said[-1].split()[1:])
    cpu = ru.ru_utime + ru.ru_stime
    return {'seconds': p.seconds, 'cpu_seconds': cpu, 'minflt': ru.ru_minflt,
            'peak_rss_kb': int(fields['vmhwm_kb']) if fields['vmhwm_kb'].isdigit() else None,
            'mapped': fields['mapped'], 'stdout': stdout,
            'others_cores': p.others_cores}


def check_run(r, alloc, sample):
    """The process must have had the intended allocator mapped (and no other)."""
    if r['mapped'] != alloc.expect_mapped():
        sys.exit(f'\nlua: ABORT: {sample} under {alloc.name}: the process mapped '
                 f'{r["mapped"]!r}, want {alloc.expect_mapped()!r} '
                 f'(LD_PRELOAD={alloc.preload or "(none)"}); no figures are reported for a '
                 f'run that measured the wrong allocator.')


def verify_backend(alloc, tmp, timeout):
    """An untimed run with a JSON report: the backend hakmem says it ran on."""
    if alloc.backend is None:
        return f'{alloc.name}: {alloc.argv[0]}, malloc from glibc (nothing preloaded)'
    report = os.path.join(tmp, 'report.json')
    r = run_once(alloc, 'binary_trees', ['12'], tmp, timeout, report=report)
    check_run(r, alloc, 'binary_trees')
    with open(report) as f:
        rep = json.load(f)
    os.remove(report)
    backend = rep['config']['backend']
    if backend != alloc.backend:
        sys.exit(f'lua: ABORT: {alloc.name}: hakmem ran on the {backend!r} backend, want '
                 f'{alloc.backend!r}')
    lua_sites = sorted(s['name'] for s in rep['sites'] if s['name'].startswith('lua.'))
    tagged = rep['config']['mode'] != 'off' and '--no-tags' not in alloc.argv
    if backend == 'hakmem' and len(lua_sites) != (6 if tagged else 0):
        sys.exit(f'lua: ABORT: {alloc.name}: the report has Lua sites {lua_sites}, want '
                 f'{"six" if tagged else "none"}')
    what = f'backend {backend}, mode {rep["config"]["mode"]}'
    if alloc.preload:
        what += f', {r["mapped"]} mapped from LD_PRELOAD={alloc.preload}'
    elif backend == 'system':
        what += ', malloc from glibc (nothing preloaded)'
    else:
        what += f', Lua\'s sites in the report: {", ".join(lua_sites) or "none"}'
    return f'{alloc.name}: `hako lua`, {what}'


# --------------------------------------------------------------------------------------

def med(runs, key):
    xs = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(xs) if xs else None


def spread(runs):
    xs = [r['seconds'] for r in runs]
    return 100.0 * (max(xs) - min(xs)) / statistics.median(xs) if len(xs) > 1 else None


def best_peer(cells, sample, key='seconds'):
    times = [(med(cells[(sample, p)], key), p) for p in PEERS if (sample, p) in cells
             and cells[(sample, p)]]
    times = [t for t in times if t[0]]
    return min(times) if times else (None, None)


def verdict(q):
    return '—' if q is None else ('met' if q <= TARGET else 'MISSED')


def time_table(samples, cells, allocs, sizes):
    """Medians per runner; hakmem against each peer and against the better one (the
    target), the other hakmem variants against the better one."""
    names = [a.name for a in allocs]
    t = {(smp, n): med(cells[(smp, n)], 'seconds') for smp in samples for n in names}
    cols = []  # (title, subject, reference): reference None is the best peer
    if 'hakmem' in names:
        cols += [(f'hakmem ÷ {p}', 'hakmem', p) for p in PEERS + ['lua5.4'] if p in names]
    cols += [(f'{n} ÷ best', n, None) for n in names if n.startswith('hakmem')]
    if 'hakmem' in names:  # the same by CPU time: steadier when others load the machine
        cols.append(('hakmem ÷ best, CPU time', 'hakmem', 'cpu'))
    head = (['sample (size)'] + [f'{n} (s)' for n in names] + [c[0] for c in cols] +
            [f'target ≤ {TARGET:.2f}×', 'spread (max)'])
    rows, ratios = [], {c[0]: [] for c in cols}
    for smp in samples:
        best, _ = best_peer(cells, smp)
        row = [f'{smp} ({sizes[smp]})'] + [ab.fmt(t[(smp, n)]) for n in names]
        for title, subj, ref in cols:
            if ref == 'cpu':
                q = ab.ratio(med(cells[(smp, subj)], 'cpu_seconds'),
                             best_peer(cells, smp, 'cpu_seconds')[0])
            else:
                q = ab.ratio(t[(smp, subj)], best if ref is None else t[(smp, ref)])
            ratios[title].append(q)
            row.append(ab.fmt_ratio(q))
        row.append(verdict(ab.ratio(t[(smp, 'hakmem')], best)) if 'hakmem' in names else '—')
        sp = [x for x in (spread(cells[(smp, n)]) for n in names if cells[(smp, n)])
              if x is not None]
        row.append(f'{max(sp):.0f}%' if sp else '—')
        rows.append(row)
    gm = {title: ab.geomean(qs) for title, qs in ratios.items()}
    rows.append(['geomean'] + [''] * len(names) + [ab.fmt_ratio(gm[c[0]]) for c in cols] +
                [verdict(gm.get('hakmem ÷ best')), ''])
    return ab.markdown(head, rows)


def other_table(samples, cells, allocs):
    """CPU time, peak RSS and page faults: what an allocator may trade for speed."""
    names = [a.name for a in allocs]
    head = ['sample'] + [f'{n} CPU (s)' for n in names] + [
        f'{n} peak RSS (MiB)' for n in names] + [f'{n} faults' for n in names]
    rows = []
    for smp in samples:
        c = [cells[(smp, n)] for n in names]
        rows.append([smp] + [ab.fmt(med(x, 'cpu_seconds')) for x in c] +
                    [ab.fmt(ab.mib(med(x, 'peak_rss_kb'))) for x in c] +
                    [ab.fmt(med(x, 'minflt')) for x in c])
    return ab.markdown(head, rows)


def noise_note(samples, cells, allocs, load0):
    runs = [r for s in samples for a in allocs for r in cells[(s, a.name)]]
    if not runs:
        return ''
    others = [r['others_cores'] for r in runs]
    busy = sum(1 for x in others if x > 0.25)
    lost = sum(1 for r in runs if r['cpu_seconds'] < 0.9 * r['seconds'])
    return (f'Other processes used {statistics.median(others):.2f} cores (median; '
            f'{os.cpu_count()} cores here) during the runs; more than a quarter of a core in '
            f'{busy} of {len(runs)} runs. Runs that got < 90% of a core: {lost} of '
            f'{len(runs)}. Load average before: {load0:.2f}.')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    ap.add_argument('--quick', action='store_true',
                    help=f'3 runs of {", ".join(QUICK_SAMPLES)} (about 1 minute)')
    ap.add_argument('--runs', type=int, help='runs per allocator and sample (default 7; '
                    '--quick: 3)')
    ap.add_argument('--samples', help='comma-separated, of: ' + ','.join(SAMPLES))
    ap.add_argument('--allocators', default=','.join(DEFAULT),
                    help='comma-separated, of: ' + ','.join(ALLOCATORS))
    ap.add_argument('--record', action='store_true',
                    help=f'write the tables to docs/BENCHMARKS.md ("{SECTION[3:]}")')
    ap.add_argument('--timeout', type=float, default=300, help='seconds per run')
    args = ap.parse_args()
    command = 'python3 bench/lua/run.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    os.chdir(ROOT)
    if not os.path.exists(os.path.join(args.builddir, 'hako')):
        sys.exit(f'lua: {args.builddir}/hako does not exist; build it first '
                 f'(./configure.py && ninja)')
    runs = args.runs or (3 if args.quick else 7)
    samples = (args.samples.split(',') if args.samples else
               QUICK_SAMPLES if args.quick else SAMPLES)
    sizes, extras = {}, {}
    for name, _small, bench, extra in samples_check.read_sizes():
        sizes[name], extras[name] = bench, extra
    for s in samples:
        if s not in sizes:
            sys.exit(f'lua: unknown sample {s!r}')
    notes = []
    allocs = find_allocators(args, notes)
    if not allocs:
        sys.exit('lua: no allocator to run')
    leaked = sorted(k for k in os.environ if k.startswith(ab.CONFIG_PREFIXES))
    if leaked:
        notes.append('cleared from the environment of every run: ' + ', '.join(leaked))

    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    load0 = os.getloadavg()[0]
    header = (f'Lua bridge benchmark: {len(samples)} samples × {len(allocs)} runners '
              f'({", ".join(a.name for a in allocs)}) × {runs} runs, interleaved; bench sizes.')
    print(header + f'\nLoad average at start: {load0:.2f}'
          + (' — the machine is busy: expect noise' if load0 >= 1 else ''), flush=True)
    tmp = tempfile.mkdtemp(prefix='hako-bench-lua-')
    cells = {(s, a.name): [] for s in samples for a in allocs}
    failed = 0
    try:
        checked = [verify_backend(a, tmp, args.timeout) for a in allocs]
        for line in checked:
            print('checked: ' + line, flush=True)
        progress = ab.Progress(len(samples) * runs * len(allocs))
        for smp in samples:
            want = None
            sample_args = [sizes[smp]] + extras[smp]
            dead = set()
            for r in range(runs):
                for i in range(len(allocs)):
                    a = allocs[(i + r) % len(allocs)]
                    if a.name in dead:
                        continue
                    try:
                        res = run_once(a, smp, sample_args, tmp, args.timeout)
                    except RunError as e:
                        progress.clear()
                        print(f'lua: FAILED: {e}', flush=True)
                        dead.add(a.name)
                        failed += 1
                        continue
                    check_run(res, a, smp)
                    if want is None:
                        want = res['stdout']
                    elif res['stdout'] != want:
                        progress.clear()
                        print(f'lua: FAILED: {smp} under {a.name} printed something else',
                              flush=True)
                        dead.add(a.name)
                        failed += 1
                        continue
                    del res['stdout']
                    cells[(smp, a.name)].append(res)
                    progress.step(f'{smp} run {r + 1}/{runs} {a.name}: {res["seconds"]:.3f} s '
                                  f'(others used {res["others_cores"]:.1f} cores)')
            for n in dead:
                cells[(smp, n)] = []
        progress.clear()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    load1 = os.getloadavg()[0]
    times = time_table(samples, cells, allocs, sizes)
    others = other_table(samples, cells, allocs)
    noise = noise_note(samples, cells, allocs, load0)
    text = ['### Time', '',
            f'Wall time, median of {runs} runs; ratios of medians. Best = the faster of '
            f'{" and ".join(PEERS)} for that sample (by CPU time in the CPU column: user + '
            f'system seconds, which other load disturbs less). Spread = the largest '
            f'(max − min) / median of wall time among the runners.', '', times, noise, '',
            'hakmem-untagged is `hako lua --no-tags`: the same allocator without exact '
            'per-site accounting. What the tags cost per call (callgrind) and why: '
            'docs/LUA.md, "What the tags cost".', '',
            '### CPU time, peak RSS, page faults (medians)', '', others]
    print('\n' + '\n'.join(text))
    print(f'Load average at start {load0:.2f}, at end {load1:.2f}.'
          + (f' {failed} sample/runner pairs FAILED (see above).' if failed else ''))
    if args.record:
        body = '\n'.join(
            [SECTION, '',
             f'Measured {date} with `{command}` (from the top of the tree, after '
             f'`./configure.py && ninja`).', ''] + ab.machine_lines() +
            [f'- {header}',
             f'- Load average: {load0:.2f} at start, {load1:.2f} at end (2 shared cores).'] +
            [f'- Checked before timing: {c}' for c in checked] +
            [f'- Note: {n}' for n in notes] + [''] + text)
        ab.record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), body.rstrip('\n') + '\n',
                  SECTION)
        print('lua: recorded in docs/BENCHMARKS.md')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
