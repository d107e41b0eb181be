#!/usr/bin/env python3
"""The scenario benchmark: the project's own code doing real work, on six allocators.

    bench/scenarios/run.py --builddir build/release [--quick | --tiny] [--runs N]
                           [--scenarios json,mir,vm,mixed] [--allocators a,b,...]
                           [--json-file FILE ...] [--out DIR] [--record]

Scenarios, each one process run of scenario_bench (this folder) on a plan of work items:
  JSON   parse and re-serialize a corpus of JSON documents (generated here, deterministically,
         plus any --json-file), with a round-trip check
  MIR    compile large generated Hako programs (bench/compile/gen.py) at -O1
  VM     run sample programs (samples/*.hako) at sizes that suit
  MIXED  all three interleaved in one process (one item of each kind in turn)
Allocators: hakmem-evolving (HAKMEM_MODE=evolving, HAKMEM_PROFILE=OUT/hakmem-evolving.profile,
started fresh by every invocation and learnt over its runs), hakmem-baseline, and glibc,
jemalloc, mimalloc, tcmalloc through HAKMEM_BACKEND=system (the peer by LD_PRELOAD, from the
.so that `ldconfig -p` names; one that is not installed is skipped with a note).

N runs each (default 50; --quick 5 at smaller sizes; --tiny for tests), interleaved: round r
runs every scenario under every allocator, the order rotating. Every run must report the
intended backend, mode and malloc library (a wrong one stops everything) and the same
checksum as the others of its scenario. Per scenario and allocator: median, P95, P99 of the
process's wall time; soft and hard page faults; peak RSS (VmHWM); points (n for the fastest
median ... 1 for the slowest), summed over the scenarios into the ranking. Writes OUT/runs.csv,
OUT/report.md and, with matplotlib (Debian's /usr/bin/python3), plots (plot.py); --record
puts the report into docs/RESULTS.md. Runs and tables come from bench/alloc/run.py.
"""

import argparse
import collections
import csv
import datetime
import importlib.util
import json
import math
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = '## Scenarios (bench/scenarios)'


def _import(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ab = _import('alloc_harness', 'bench/alloc/run.py')
gen = _import('compile_gen', 'bench/compile/gen.py')
rk = _import('scenario_ranking', 'bench/scenarios/ranking.py')

SCENARIOS = ['json', 'mir', 'vm', 'mixed']
SYSTEM = {'HAKMEM_BACKEND': 'system'}
# name: (environment, soname to LD_PRELOAD). hakmem-evolving's HAKMEM_PROFILE is added in main.
ALLOCATORS = {
    'hakmem-evolving': ({'HAKMEM_MODE': 'evolving'}, None),
    'hakmem-baseline': ({'HAKMEM_MODE': 'baseline'}, None),
    'glibc': (SYSTEM, None),
    'jemalloc': (SYSTEM, 'libjemalloc.so.2'),
    'mimalloc': (SYSTEM, 'libmimalloc.so.2'),
    'tcmalloc': (SYSTEM, 'libtcmalloc_minimal.so.4'),
}
TARGET_PEER = 'mimalloc'

# The work of each scale. json: the generated documents' sizes in KiB (a geometric series,
# the shapes in turn) and how many times the list is run; mir: generated programs' lines
# and rounds; vm: (sample, args) run once each. MIXED takes one round of the json and mir
# lists and the vm samples marked True, interleaved.
SCALES = {
    'full': {
        'json_kib': [round(2 * 2 ** (k / 2)) for k in range(21)], 'json_rounds': 4,
        'mir_lines': [8000, 16000, 32000, 64000, 128000], 'mir_rounds': 2,
        'vm': [('binary_trees', ['12'], True), ('word_freq', ['80000'], False),
               ('sort_big', ['100000'], True), ('string_builder', ['20000'], False),
               ('closures', ['10000'], False), ('json_roundtrip', ['3000', '{tmp}'], False),
               ('havlak', ['2'], True), ('deltablue', ['1000'], False),
               ('calculator', ['4000'], False), ('life', ['64'], True)],
    },
    'quick': {
        'json_kib': [round(2 * 2 ** (k / 2)) for k in range(19)], 'json_rounds': 2,
        'mir_lines': [8000, 16000, 32000, 64000], 'mir_rounds': 1,
        'vm': [('binary_trees', ['11'], True), ('word_freq', ['40000'], False),
               ('sort_big', ['50000'], True), ('string_builder', ['10000'], False),
               ('closures', ['5000'], False), ('json_roundtrip', ['1500', '{tmp}'], False),
               ('havlak', ['1'], True), ('deltablue', ['500'], False),
               ('calculator', ['2000'], False), ('life', ['48'], True)],
    },
    'tiny': {
        'json_kib': [2, 8, 32], 'json_rounds': 1, 'mir_lines': [1000], 'mir_rounds': 1,
        'vm': [('binary_trees', ['6'], True), ('sort_big', ['2000'], True),
               ('json_roundtrip', ['50', '{tmp}'], False)],
    },
}


# --------------------------------------------------------------------------------------
# Inputs: the JSON corpus, the Hako programs, the plans.

WORDS = ['the', 'allocator', 'returns', 'memory', 'from', 'a', 'segment', 'page', 'fault',
         'thread', 'cache', 'large', 'block', 'request', 'parser', 'value', 'naïve', 'café',
         'größe', '日本語', 'сервер', 'emoji 🚀', '"quoted"', 'back\\slash', 'tab\there',
         'line\nbreak', 'merged', 'review', 'issue', 'release']


def ident(r, n):
    return ''.join(r.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(n))


def text(r, n):
    return ' '.join(r.choice(WORDS) for _ in range(n))


def doc_api(r, size):  # an issue tracker's list endpoint: text-heavy, pretty-printed
    out, total = [], 0
    while total < size:
        item = {'id': 10 ** 8 + r.randrange(10 ** 8), 'node_id': ident(r, 16),
                'title': text(r, r.randint(3, 12)), 'state': r.choice(['open', 'closed']),
                'user': {'login': ident(r, r.randint(4, 12)), 'id': r.randrange(10 ** 7),
                         'site_admin': r.random() < 0.05},
                'labels': [{'name': r.choice(WORDS), 'color': ident(r, 6)}
                           for _ in range(r.randint(0, 3))],
                'comments': r.randrange(200), 'closed_at': None,
                'body': text(r, r.randint(10, 120))}
        out.append(item)
        total += 120 + len(item['body']) * 2 + len(item['title'])
    return out, 2


def doc_geo(r, size):  # GeoJSON: number-heavy, compact
    feats, total = [], 0
    while total < size:
        lon, lat = r.uniform(-180, 180), r.uniform(-80, 80)
        n = r.randint(10, 120)
        ring = [[round(lon + r.random() * 0.5, 7), round(lat + r.random() * 0.5, 7)]
                for _ in range(n)]
        feats.append({'type': 'Feature', 'properties': {'name': ident(r, 8),
                      'population': r.randrange(5 * 10 ** 6), 'area': round(r.random() * 5e3, 3)},
                      'geometry': {'type': 'Polygon', 'coordinates': [ring]}})
        total += 110 + n * 26
    return {'type': 'FeatureCollection', 'features': feats}, None


def doc_catalog(r, size):  # wide objects in a category tree, one-space indent
    budget = [size]

    def category(depth):
        node = {'category': ident(r, r.randint(5, 10)), 'depth': depth, 'products': []}
        for _ in range(r.randint(2, 6)):
            if budget[0] <= 0:
                break
            attrs = {}
            for _ in range(r.randint(8, 30)):
                v = r.choice([ident(r, r.randint(3, 12)), r.randrange(10 ** 6),
                              round(r.random() * 100, 2), r.random() < 0.5, None])
                attrs['attr_' + ident(r, r.randint(3, 8))] = v
            node['products'].append({'sku': ident(r, 10), 'price': {'amount': round(
                1 + r.random() * 500, 2), 'currency': r.choice(['EUR', 'USD'])},
                'in_stock': r.random() < 0.7, 'attributes': attrs})
            budget[0] -= 90 + 45 * len(attrs)
        if depth < 6:
            node['children'] = [category(depth + 1) for _ in range(r.randint(1, 3))
                                if budget[0] > 0]
        return node
    roots = []
    while budget[0] > 0:
        roots.append(category(0))
    return roots, 1


def doc_logs(r, size):  # structured log events: small objects, many keys repeated
    out, total = [], 0
    t = 1.7e9
    while total < size:
        t += r.random() * 3
        ev = {'ts': round(t, 3), 'level': r.choice(['debug', 'info', 'info', 'warn', 'error']),
              'msg': text(r, r.randint(2, 9)), 'pid': r.randrange(1, 65536),
              'span': ident(r, 12), 'latency_us': r.randrange(10 ** 6),
              'tags': [r.choice(WORDS) for _ in range(r.randint(0, 4))]}
        out.append(ev)
        total += 140 + len(ev['msg'])
    return out, None


SHAPES = [doc_api, doc_geo, doc_catalog, doc_logs]


def make_inputs(out, scale, json_files):
    """Writes (or finds, when already there) the scale's inputs under OUT/inputs/SCALE and
    returns the plan of each scenario: lists of plan lines."""
    cfg = SCALES[scale]
    base = os.path.join(out, 'inputs', scale)
    os.makedirs(base, exist_ok=True)
    docs = []
    for i, kib in enumerate(cfg['json_kib']):
        shape = SHAPES[i % len(SHAPES)]
        path = os.path.join(base, f'doc{i:02d}_{shape.__name__[4:]}_{kib}k.json')
        if not os.path.exists(path):
            value, indent = shape(random.Random(1000 + i), kib * 1024)
            with open(path + '.tmp', 'w', encoding='utf-8') as f:
                json.dump(value, f, indent=indent, ensure_ascii=False)
            os.replace(path + '.tmp', path)
        docs.append(path)
    docs += [os.path.abspath(p) for p in json_files]
    progs = []
    for i, lines in enumerate(cfg['mir_lines']):
        path = os.path.join(base, f'prog{i}_{lines}.hako')
        if not os.path.exists(path):
            hako, _lua = gen.generate(lines, seed=i + 1)
            with open(path + '.tmp', 'w') as f:
                f.write(hako)
            os.replace(path + '.tmp', path)
        progs.append(path)
    scratch = os.path.join(out, 'scratch.json')
    vm_items = [(f'vm {os.path.join(ROOT, "samples", name + ".hako")} '
                 + ' '.join(a.replace('{tmp}', scratch) for a in args), mixed)
                for name, args, mixed in cfg['vm']]
    json_lines = [f'json {p}' for p in docs]
    mir_lines = [f'mir {p}' for p in progs]
    plans = {'json': json_lines * cfg['json_rounds'], 'mir': mir_lines * cfg['mir_rounds'],
             'vm': [line for line, _ in vm_items]}
    kinds = [json_lines, mir_lines, [line for line, mixed in vm_items if mixed]]
    plans['mixed'] = [k[i] for i in range(max(map(len, kinds))) for k in kinds if i < len(k)]
    return plans


def write_plans(out, plans, wanted):
    paths = {}
    for s in wanted:
        paths[s] = os.path.join(out, f'{s}.plan')
        with open(paths[s], 'w') as f:
            f.write('\n'.join(plans[s]) + '\n')
    return paths


def describe(scale, json_files):
    cfg = SCALES[scale]
    kib = cfg['json_kib']
    vm = ', '.join(f'{n} {a[0]}' for n, a, _ in cfg['vm'])
    mixed_vm = ', '.join(n for n, _, m in cfg['vm'] if m)
    extra = f' plus {len(json_files)} given file(s)' if json_files else ''
    return [
        f'JSON: {len(kib)} generated documents of {kib[0]} KiB to {kib[-1]} KiB{extra} '
        f'(issue-tracker API, GeoJSON, product catalog, log events in turn), each parsed into '
        f'a DOM, written compact, parsed again and compared; the list {cfg["json_rounds"]}×.',
        f'MIR: programs of bench/compile/gen.py of {", ".join(map(str, cfg["mir_lines"]))} '
        f'lines compiled at -O1 (parse, MIR, passes, bytecode); the list {cfg["mir_rounds"]}×.',
        f'VM: each sample compiled and run in a fresh runtime: {vm} (the samples that '
        f'allocate; nbody, spectral_norm, fannkuch, mandelbrot, fasta and richards time the '
        f'interpreter alone).',
        f'MIXED: one round of the JSON and MIR lists and the VM samples {mixed_vm}, one item '
        f'of each kind in turn.',
    ]


# --------------------------------------------------------------------------------------
# Allocators and runs.

class Allocator(ab.Allocator):
    def __init__(self, name, env, preload):
        super().__init__(name, name, preload, env)
        self.backend = env.get('HAKMEM_BACKEND', 'hakmem')
        self.mode = env.get('HAKMEM_MODE', 'evolving')


def find_allocators(names, profile, notes):
    out = []
    for name in names:
        if name not in ALLOCATORS:
            sys.exit(f'scenarios: unknown allocator {name!r} (known: {", ".join(ALLOCATORS)})')
        env, soname = ALLOCATORS[name]
        env = dict(env)
        if name == 'hakmem-evolving':
            env['HAKMEM_PROFILE'] = profile
        preload = None
        if soname:
            preload = ab.ldconfig_lib(soname)
            if not preload:
                pkg = ab.PEERS.get(name, ('', soname))[1]
                notes.append(f'{name} skipped: {soname} is not in ldconfig -p '
                             f'(apt-get install {pkg})')
                continue
        out.append(Allocator(name, env, preload))
    return out


def check_run(r, alloc, scenario):
    """The run must have had the intended allocator: stop everything otherwise."""
    want_lib = os.path.basename(alloc.preload).split('.so')[0] if alloc.preload else None
    libc = os.path.basename(r['malloc_from']).startswith('libc.so')
    problems = []
    if r['backend'] != alloc.backend:
        problems.append(f'backend {r["backend"]!r}, want {alloc.backend!r}')
    if alloc.backend == 'hakmem' and r['mode'] != alloc.mode:
        problems.append(f'mode {r["mode"]!r}, want {alloc.mode!r}')
    mapped = r['mapped'].split(',')
    if want_lib and (want_lib not in r['malloc_from']
                     or not any(want_lib.startswith(m) for m in mapped)):
        problems.append(f'malloc from {r["malloc_from"]}, mapped {r["mapped"]}, want {want_lib}')
    if not want_lib and (not libc or r['mapped'] != 'none'):
        problems.append(f'malloc from {r["malloc_from"]}, mapped {r["mapped"]}, want glibc\'s')
    if problems:
        sys.exit(f'\nscenarios: ABORT: {scenario} under {alloc.name}: ' + '; '.join(problems)
                 + f' (LD_PRELOAD={alloc.preload or "(none)"}); no figures are reported for a '
                 f'run that measured the wrong allocator.')


def checked_line(alloc, r):
    what = f'backend {r["backend"]}'
    if r['backend'] == 'hakmem':
        what += f', mode {r["mode"]}'
        if 'HAKMEM_PROFILE' in alloc.env:
            what += ', HAKMEM_PROFILE (fresh at start)'
    return f'{alloc.name}: {what}, malloc from {r["malloc_from"]}, mapped: {r["mapped"]}'


# --------------------------------------------------------------------------------------
# Figures.

def pct(xs, p):
    """Percentile p (0-100) by linear interpolation between the closest ranks."""
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize(runs):
    s = lambda key: [r[key] for r in runs]  # noqa: E731
    _, lo, hi = rk.median_ci(s('seconds'))
    return {'n': len(runs), 'median': statistics.median(s('seconds')), 'lo': lo, 'hi': hi,
            'times': s('seconds'),
            'p95': pct(s('seconds'), 95), 'p99': pct(s('seconds'), 99),
            'work': statistics.median(s('work_seconds')),
            'cpu': statistics.median(s('cpu_seconds')),
            'minflt': statistics.median(s('minflt')), 'majflt': statistics.median(s('majflt')),
            'rss_kb': statistics.median(s('peak_rss_kb'))}


def points(stats, scenarios, names):
    """Per scenario: n points for the fastest median down to 1; allocators whose 95 %
    intervals overlap share a place and the average of their points (ranking.py)."""
    pts = {}
    for sc in scenarios:
        cis = {n: (stats[(sc, n)]['median'], stats[(sc, n)]['lo'], stats[(sc, n)]['hi'])
               for n in names if (sc, n) in stats}
        for n, (share, place, size) in rk.grouped_points(cis).items():
            pts[(sc, n)] = (share, place, size)
    return pts


def fmt_pts(p):
    return f'{p:g}'


def ranking_table(scenarios, names, pts):
    totals = {n: sum(pts[(sc, n)][0] for sc in scenarios if (sc, n) in pts) for n in names}
    order = sorted(names, key=lambda n: -totals[n])
    head = ['allocator', 'place'] + [sc.upper() for sc in scenarios] + ['points']
    rows = []
    place = 0
    for i, n in enumerate(order):
        if i == 0 or totals[n] != totals[order[i - 1]]:  # equal totals share a place
            place = i + 1
        cells = []
        for sc in scenarios:
            p = pts.get((sc, n))
            shared = f', tied with {p[2] - 1}' if p and p[2] > 1 else ''
            cells.append(f'{fmt_pts(p[0])} (#{p[1]}{shared})' if p else '—')
        rows.append([n, str(place)] + cells + [fmt_pts(totals[n])])
    return ab.markdown(head, rows), order, totals


def scenario_table(sc, names, stats, pts):
    if not any((sc, n) in stats for n in names):
        return 'No run of this scenario succeeded (the failures are above).\n'
    present = [n for n in names if (sc, n) in stats]
    best = min(present, key=lambda n: stats[(sc, n)]['median'])
    head = ['allocator', 'median (s)', '95 % interval', 'P95 (s)', 'P99 (s)', '× best (95 %)',
            'work (s)', 'CPU (s)', 'soft faults', 'hard faults', 'peak RSS (MiB)', 'points']
    rows = []
    for n in sorted(present, key=lambda n: stats[(sc, n)]['median']):
        st = stats[(sc, n)]
        r, lo, hi = rk.ratio_ci(st['times'], stats[(sc, best)]['times'])
        rows.append([n, f'{st["median"]:.3f}', f'{st["lo"]:.3f}-{st["hi"]:.3f}',
                     f'{st["p95"]:.3f}', f'{st["p99"]:.3f}',
                     f'{r:.3f}× ({lo:.3f}-{hi:.3f})', f'{st["work"]:.3f}',
                     f'{st["cpu"]:.3f}', ab.fmt(st['minflt']), ab.fmt(st['majflt']),
                     ab.fmt(ab.mib(st['rss_kb'])), fmt_pts(pts[(sc, n)][0])])
    return ab.markdown(head, rows)


def targets(scenarios, names, stats, order, totals, pts):
    """Issue 10's and issue 15's targets, each with its verdict."""
    ev, base, peer = 'hakmem-evolving', 'hakmem-baseline', TARGET_PEER
    out = []
    if ev in names:
        alone = [sc.upper() for sc in scenarios if (sc, ev) in pts and pts[(sc, ev)][1] == 1
                 and pts[(sc, ev)][2] == 1]
        firsts = [sc.upper() for sc in scenarios if (sc, ev) in pts and pts[(sc, ev)][1] == 1]
        out.append(f'- hakmem-evolving alone in first place (its interval above no one\'s): '
                   f'{"met" if len(alone) == len(scenarios) else "MISSED"} (alone first in '
                   f'{", ".join(alone) or "none"}; first, tied or alone, in '
                   f'{", ".join(firsts) or "none"}).')
    if ev in names and base in names:
        clear = []
        for sc in scenarios:
            a, b = stats.get((sc, ev)), stats.get((sc, base))
            if a and b and a['hi'] < b['lo']:
                clear.append(sc.upper())
        out.append(f'- hakmem-evolving ahead of hakmem-baseline outside the interval in at '
                   f'least one scenario: {"met" if clear else "MISSED"}'
                   f'{" (" + ", ".join(clear) + ")" if clear else ""}.')
    if ev in names and peer in names:
        first = order[0] == ev
        out.append(f'- hakmem-evolving first in the points ranking, ahead of {peer}: '
                   f'{"met" if first and totals[ev] > totals[peer] else "MISSED"} '
                   f'({ev} {fmt_pts(totals[ev])} points, place {order.index(ev) + 1}; {peer} '
                   f'{fmt_pts(totals[peer])}, place {order.index(peer) + 1}).')
        if 'vm' in scenarios:
            a, b = stats[('vm', ev)]['minflt'], stats[('vm', peer)]['minflt']
            a += stats[('vm', ev)]['majflt']
            b += stats[('vm', peer)]['majflt']
            out.append(f'- VM page faults ≤ {peer}\'s: {"met" if a <= b else "MISSED"} '
                       f'({ab.fmt(a)} against {ab.fmt(b)}, medians of soft + hard).')
    if ev in names and base in names:
        ahead = [sc for sc in scenarios if stats[(sc, ev)]['median'] < stats[(sc, base)]['median']]
        behind = [sc.upper() for sc in scenarios if sc not in ahead]
        cmp = ', '.join(f'{sc.upper()} {stats[(sc, ev)]["median"] / stats[(sc, base)]["median"]:.3f}×'
                        for sc in scenarios)
        out.append(f'- hakmem-evolving ahead of hakmem-baseline in every scenario: '
                   f'{"met" if not behind else "MISSED (behind in " + ", ".join(behind) + ")"} '
                   f'(median time evolving ÷ baseline: {cmp}).')
    return out


def noise_note(all_runs, load0, load1):
    others = [r['others_cores'] for r in all_runs]
    lost = sum(1 for r in all_runs if r['cpu_seconds'] < 0.9 * r['seconds'])
    return (f'Other processes used {statistics.median(others):.2f} cores (median; '
            f'{os.cpu_count()} cores here) during the runs, more than half a core in '
            f'{sum(1 for x in others if x > 0.5)} of {len(all_runs)} runs; {lost} runs got less '
            f'than 90% of a core. Load average {load0:.2f} at start, {load1:.2f} at end.')


def write_csv(path, rows):
    keys = ['scenario', 'allocator', 'run', 'seconds', 'work_seconds', 'work_cpu_seconds',
            'cpu_seconds', 'minflt', 'majflt', 'peak_rss_kb', 'checksum', 'others_cores',
            'backend', 'mode', 'malloc_from', 'mapped']
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(keys)
        for r in rows:
            w.writerow([r.get(k, '') for k in keys])


def plot(out, csv_path, builddir, notes):
    """plot.py with a Python that has matplotlib (configure.py found it; Debian's, maybe not
    the one on PATH)."""
    py = None
    cfg = os.path.join(builddir, 'config.env')
    if os.path.exists(cfg):
        with open(cfg) as f:
            for line in f:
                if line.startswith('PLOT_PYTHON='):
                    py = line.strip().split('=', 1)[1] or None
    for cand in [py, '/usr/bin/python3', sys.executable]:
        if cand and os.path.exists(cand) and subprocess.run(
                [cand, '-c', 'import matplotlib'], capture_output=True).returncode == 0:
            r = subprocess.run([cand, os.path.join(HERE, 'plot.py'), csv_path, out],
                               capture_output=True, text=True)
            if r.returncode == 0:
                return r.stdout.split()
            notes.append(f'plots failed: {r.stderr.strip()[-300:]}')
            return []
    notes.append('no plots: no python3 with matplotlib (apt-get install python3-matplotlib)')
    return []


# --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    size = ap.add_mutually_exclusive_group()
    size.add_argument('--quick', action='store_true', help='5 runs at smaller sizes (~3 min)')
    size.add_argument('--tiny', action='store_true', help='tiny sizes, for tests')
    ap.add_argument('--runs', type=int, help='runs per scenario and allocator (default 50; '
                    '--quick 5; --tiny 1)')
    ap.add_argument('--scenarios', default=','.join(SCENARIOS),
                    help='comma-separated, of: ' + ','.join(SCENARIOS))
    ap.add_argument('--allocators', default=','.join(ALLOCATORS),
                    help='comma-separated, of: ' + ','.join(ALLOCATORS))
    ap.add_argument('--json-file', action='append', default=[], metavar='FILE',
                    help='a JSON document to add to the JSON corpus (repeatable)')
    ap.add_argument('--out', help='output folder (default: BUILDDIR/scenarios/SCALE, SCALE = '
                    'full, quick or tiny)')
    ap.add_argument('--record', action='store_true',
                    help='write the report to docs/RESULTS.md (machine, date, command)')
    ap.add_argument('--timeout', type=float, default=120, help='seconds per run')
    args = ap.parse_args()
    command = 'python3 bench/scenarios/run.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    json_files = [os.path.abspath(p) for p in args.json_file]
    os.chdir(ROOT)
    binary = os.path.join(args.builddir, 'bench', 'scenario_bench')
    if not os.path.exists(binary):
        sys.exit(f'scenarios: {binary} does not exist; build it first (./configure.py && ninja)')
    # Files given to the JSON scenario must be strict JSON (the project's own reader says
    # why not), before anything is run or written.
    hako = os.path.join(args.builddir, 'hako')
    for p in json_files:
        r = subprocess.run([hako, 'json-check', p], capture_output=True, text=True)
        if r.returncode != 0:
            why = r.stderr.strip() or f'hako json-check exit status {r.returncode}'
            sys.exit(f'scenarios: --json-file {p} cannot be used: {why}')
    scale = 'tiny' if args.tiny else 'quick' if args.quick else 'full'
    runs = args.runs or (1 if args.tiny else 5 if args.quick else 50)
    scenarios = args.scenarios.split(',')
    for s in scenarios:
        if s not in SCENARIOS:
            sys.exit(f'scenarios: unknown scenario {s!r} (known: {", ".join(SCENARIOS)})')
    out = os.path.abspath(args.out or os.path.join(args.builddir, 'scenarios', scale))
    os.makedirs(out, exist_ok=True)
    profile = os.path.join(out, 'hakmem-evolving.profile')
    for stale in [profile, profile + '.lock']:
        if os.path.exists(stale):
            os.remove(stale)
    notes = []
    allocs = find_allocators(args.allocators.split(','), profile, notes)
    if not allocs:
        sys.exit('scenarios: no allocator to run')
    names = [a.name for a in allocs]
    leaked = sorted(k for k in os.environ if k.startswith(ab.CONFIG_PREFIXES))
    if leaked:
        notes.append('cleared from the environment of every run: ' + ', '.join(leaked))

    plans = write_plans(out, make_inputs(out, scale, json_files), scenarios)
    what = describe(scale, json_files)
    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    load0 = os.getloadavg()[0]
    header = (f'Scenario benchmark: {len(scenarios)} scenarios × {len(allocs)} allocators '
              f'({", ".join(names)}) × {runs} runs, interleaved; {scale} sizes.')
    print(header + f'\nLoad average at start: {load0:.2f}'
          + (' — the machine is busy: expect noise' if load0 >= 1 else ''), flush=True)
    for n in notes:
        print('note: ' + n, flush=True)

    cells = {(s, a.name): [] for s in scenarios for a in allocs}
    all_runs, checked, failed = [], {}, []
    progress = ab.Progress(len(scenarios) * runs * len(allocs))
    for r in range(runs):
        for si, sc in enumerate(scenarios):
            for i in range(len(allocs)):
                a = allocs[(i + r + si) % len(allocs)]
                if any(f[0] == sc and f[1] == a.name for f in failed):
                    continue
                try:
                    res = ab.run_once(binary, plans[sc], [], a, args.timeout)
                except ab.RunError as e:
                    progress.clear()
                    print(f'scenarios: FAILED: {e}', flush=True)
                    failed.append((sc, a.name, str(e)))
                    continue
                check_run(res, a, sc)
                checked.setdefault(a.name, checked_line(a, res))
                res.update(scenario=sc, allocator=a.name, run=r + 1, seconds=res['proc_seconds'],
                           cpu_seconds=res['proc_cpu_seconds'], minflt=res['proc_minflt'],
                           majflt=res['proc_majflt'])
                cells[(sc, a.name)].append(res)
                all_runs.append(res)
                progress.step(f'round {r + 1}/{runs} {sc} {a.name}: {res["seconds"]:.3f} s, '
                              f'{res["minflt"]} faults (others used '
                              f'{res["others_cores"]:.1f} cores)')
    progress.clear()
    load1 = os.getloadavg()[0]

    # Every run of a scenario must have computed the same thing.
    agree = True
    for sc in scenarios:
        sums = collections.Counter(r['checksum'] for a in names for r in cells[(sc, a)])
        if len(sums) > 1:
            agree = False
            ref = sums.most_common(1)[0][0]
            for a in names:
                bad = [r for r in cells[(sc, a)] if r['checksum'] != ref]
                if bad:
                    failed.append((sc, a, f'checksum {bad[0]["checksum"]}, the others {ref}'))
                    cells[(sc, a)] = []
    checks = {sc: next((r['checksum'] for a in names for r in cells[(sc, a)]), None)
              for sc in scenarios}

    csv_path = os.path.join(out, 'runs.csv')
    write_csv(csv_path, all_runs)
    stats = {k: summarize(v) for k, v in cells.items() if v}
    pts = points(stats, scenarios, names)
    ranking, order, totals = ranking_table(scenarios, names, pts)
    goals = targets(scenarios, names, stats, order, totals, pts) if not failed else [
        '- not judged: some runs failed (above)']
    noise = noise_note(all_runs, load0, load1) if all_runs else ''
    with open(os.path.join(out, 'stats.json'), 'w') as f:  # for plot.py: intervals, points
        json.dump({'scenarios': scenarios, 'allocators': names,
                   'cells': [{'scenario': sc, 'allocator': n, 'median': stats[(sc, n)]['median'],
                              'lo': stats[(sc, n)]['lo'], 'hi': stats[(sc, n)]['hi'],
                              'points': pts[(sc, n)][0], 'place': pts[(sc, n)][1],
                              'tied': pts[(sc, n)][2]}
                             for sc in scenarios for n in names if (sc, n) in stats]}, f)
    pngs = plot(out, csv_path, args.builddir, notes)
    if os.path.exists(profile):
        with open(profile) as f:
            learnt = sum(1 for line in f if line.startswith('site '))
        notes.append(f'hakmem-evolving\'s profile ({os.path.relpath(profile, ROOT)}) started '
                     f'empty and ended with {learnt} sites')

    body = ['### Ranking', '',
            f'Points per scenario: {len(names)} for the fastest median wall time down to 1 for '
            f'the slowest (its place in brackets); summed. {runs} runs each. Each median has a '
            f'95 % bootstrap interval (the runs resampled 2000 times); allocators whose '
            f'intervals overlap the interval of the fastest of their group share its place '
            f'and the average of the group\'s points ("tied with k"), so a difference the '
            f'noise can make decides no place.', '', ranking,
            '### Targets (issues 10 and 15)', ''] + goals + ['']
    for sc in scenarios:
        body += [f'### {sc.upper()}', '', scenario_table(sc, names, stats, pts)]
    body += ['Time: wall time of the whole process (start to exit: loading, reading the inputs, '
             'the work, exit; for hakmem-evolving also loading and saving its profile); work: '
             'the scenario\'s own part, timed inside; CPU: user + system of the process. '
             'Faults and RSS: medians; soft = minor, hard = major page faults of the whole '
             'process (wait4), peak RSS = its VmHWM.', '', noise, '']
    body += ['### What each scenario runs', ''] + [f'- {w}' for w in what] + [
        f'- Checksums (FNV-1a of the JSON written, the bytecode, the programs\' output): '
        + ', '.join(f'{sc.upper()} {checks[sc]}' for sc in scenarios)
        + (' — the same in every run under every allocator.' if agree else ' — DISAGREE.'),
        '']
    meta = [f'- {header}'] + [f'- Checked in every run: {checked[n]}' for n in names
                              if n in checked]
    meta += [f'- Note: {n}' for n in notes] + [f'- FAILED: {f[0]} under {f[1]}: {f[2]}'
                                               for f in failed]
    report = '\n'.join(['# Scenario benchmark', '', f'Measured {date} with `{command}`.', '']
                       + ab.machine_lines() + meta + [''] + body)
    with open(os.path.join(out, 'report.md'), 'w') as f:
        f.write(report)
    print('\n' + '\n'.join(meta + [''] + body[body.index('### Targets (issues 10 and 15)'):]))
    print(f'scenarios: wrote {csv_path}, {os.path.join(out, "report.md")}'
          + (f' and {len(pngs)} plots ({", ".join(os.path.basename(p) for p in pngs)})'
             if pngs else ''))
    if args.record:
        path = os.path.join(ROOT, 'docs', 'RESULTS.md')
        if not os.path.exists(path):
            with open(path, 'w') as f:
                f.write('# Results\n\nThe project\'s headline results, each with its machine, '
                        'date and command. Re-run the command to refresh a section; the '
                        'other suites are in BENCHMARKS.md.\n')
        text_ = '\n'.join([SECTION, '', f'Measured {date} with `{command}` (from the top of the '
                           f'tree, after `./configure.py && ninja`), load average '
                           f'{load0:.2f} at start, {load1:.2f} at end (2 shared cores).', '']
                          + ab.machine_lines() + meta + [''] + body)
        ab.record(path, text_.rstrip('\n') + '\n', SECTION)
        print('scenarios: recorded in docs/RESULTS.md')
    print('\n### Ranking\n\n' + ranking, end='')
    return 1 if failed or not agree else 0


if __name__ == '__main__':
    sys.exit(main())
