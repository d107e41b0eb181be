#!/usr/bin/env python3
"""BigCache and the UCB1 tuner (issue 5): hakmem's per-site cache of large blocks and its
per-site policy, against glibc, jemalloc, mimalloc and tcmalloc, and the tuner's
convergence across runs.

    bench/bigcache/run.py --builddir build/release [--quick | --runs N] [--warmup K]
                          [--parts compare,tune] [--workloads vm2m,mlarge]
                          [--tune-workloads mlarge,vm2m,large] [--tune-runs 10]
                          [--arm-runs N] [--allocators hakmem-evolving,mimalloc,...]
                          [--profile-dir DIR] [--record]

Two parts, both by default:

compare  the workloads vm2m and mlarge of alloc_bench under hakmem in three settings
         (evolving: the tuner, cold, no profile; evolving+profile: a profile per workload,
         warmed by K untimed runs and still learning during the measured ones; baseline:
         the fixed default policy) and under glibc, jemalloc, mimalloc and tcmalloc,
         interleaved; medians, ratios to mimalloc, and the issue's targets beside them.
tune     per workload: 10 runs of evolving mode with a fresh profile, one line per run
         (convergence you can watch); then the fixed arms (HAKMEM_MODE=baseline with
         HAKMEM_THRESHOLD and HAKMEM_POLICY) and evolving, interleaved, and evolving's time
         as a ratio to the best fixed arm's.

Running, checking which allocator served malloc, the tables and the recording come from
bench/alloc/run.py, imported. Every hakmem run writes a JSON report (HAKMEM_REPORT), from
which come the BigCache hit rate (over the sites: hits / (hits + misses), where a miss is
any large allocation the cache did not serve) and the policy each site committed to.
Standard library only.
"""

import argparse
import collections
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


def _import_alloc_harness():
    path = os.path.join(ROOT, 'bench', 'alloc', 'run.py')
    spec = importlib.util.spec_from_file_location('alloc_harness', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ab = _import_alloc_harness()

SECTION = '## BigCache and tuner (bench/bigcache)'

# name: (arguments for a full run, arguments for --quick, what it does)
WORKLOADS = {
    'vm2m': (['--ops', '2000'], ['--ops', '500'],
             '2 MiB blocks allocated, touched and freed from three call sites, round after '
             'round (--ops rounds of 3 blocks)'),
    'mlarge': (['--ops', '1000'], ['--ops', '200'],
               '5-25 MiB blocks, up to 20 live, calloc\'ed and every page written, one '
               'freed and one allocated at a time'),
    'large': (['--ops', '5000'], ['--ops', '2000'],
              '256 KiB-4 MiB blocks, 4 live, one replaced at a time, every page written '
              '(bench/alloc\'s workload)'),
}
COMPARE_WORKLOADS = ['vm2m', 'mlarge']
TUNE_WORKLOADS = ['mlarge', 'vm2m', 'large']
TUNE_WORKLOADS_QUICK = ['mlarge', 'vm2m']

# hakmem's settings in the comparison; the profile path is filled in per workload.
HAKMEM_VARIANTS = {
    'hakmem-evolving': {'HAKMEM_MODE': 'evolving'},
    'hakmem-evolving+profile': {'HAKMEM_MODE': 'evolving', 'HAKMEM_PROFILE': None},
    'hakmem-baseline': {'HAKMEM_MODE': 'baseline'},
}
PEERS = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc']
COMPARE_ALLOCATORS = list(HAKMEM_VARIANTS) + PEERS
REF = 'mimalloc'

# The policy steps (alloc/src/tuner.h): mmap threshold 64 KiB << step.
THRESHOLDS = ['64K', '128K', '256K', '512K', '1M', '2M', '4M', '8M']


class Target:
    """One of the issue's targets: `key`'s median for an allocator against `bound`, times
    the reference allocator's median when `relative`; lower is better unless `at_least`."""

    def __init__(self, text, key, bound, relative=True, at_least=False):
        self.text, self.key, self.bound = text, key, bound
        self.relative, self.at_least = relative, at_least


TARGETS = {
    'vm2m': [Target(f'page faults/op ≤ {REF}\'s', 'faults_per_op', 1.0),
             Target(f'time ≤ {REF}\'s', 'seconds', 1.0),
             Target('BigCache hit rate ≥ 90 %', 'hit_rate', 0.90, relative=False,
                    at_least=True)],
    'mlarge': [Target(f'time ≤ 0.35× {REF}\'s', 'seconds', 0.35),
               Target(f'peak RSS ≤ 1.2× {REF}\'s', 'peak_rss_kb', 1.2)],
}
TARGET_SUBJECTS = ['hakmem-evolving', 'hakmem-evolving+profile']
TUNE_TARGET = 1.05  # evolving after 10 runs: within 5 % of the best fixed arm


# --------------------------------------------------------------------------------------
# Policies and hakmem's reports.

def policy_text(threshold, bigcache, thp, prefault):
    """'1M bigcache thp': the mmap threshold, then the flags that are on."""
    step = max(0, min(len(THRESHOLDS) - 1, (threshold >> 16).bit_length() - 1))
    flags = [name for name, on in (('bigcache', bigcache), ('thp', thp),
                                   ('prefault', prefault)) if on]
    return ' '.join([THRESHOLDS[step]] + flags)


def arm_number(step, bigcache, thp, prefault):
    """alloc/src/tuner.h's arm_of()."""
    return step + len(THRESHOLDS) * (bigcache + 2 * thp + 4 * prefault)


class FixedArm:
    """A policy held fixed for every site: HAKMEM_MODE=baseline with the policy as default."""

    def __init__(self, step, bigcache, thp=0, prefault=0):
        self.step, self.bigcache, self.thp, self.prefault = step, bigcache, thp, prefault

    def text(self):
        return policy_text(64 << 10 << self.step, self.bigcache, self.thp, self.prefault)

    def number(self):
        return arm_number(self.step, self.bigcache, self.thp, self.prefault)

    def env(self):
        return {'HAKMEM_MODE': 'baseline', 'HAKMEM_THRESHOLD': THRESHOLDS[self.step],
                'HAKMEM_POLICY': f'bigcache={self.bigcache},thp={self.thp},'
                                 f'prefault={self.prefault}'}

    def but(self, **flags):
        d = dict(step=self.step, bigcache=self.bigcache, thp=self.thp, prefault=self.prefault)
        d.update(flags)
        return FixedArm(**d)


def site_summary(s):
    p = s.get('policy', {})
    t = s.get('tuner')
    threshold = p.get('mmap_threshold', 1 << 20)
    step = max(0, (threshold >> 16).bit_length() - 1)
    flags = [int(bool(p.get(k))) for k in ('bigcache', 'thp', 'prefault')]
    return {
        'name': s['name'],
        'large_allocs': s.get('large', {}).get('allocs', 0),
        'policy': policy_text(threshold, *flags),
        'arm': t['committed_arm'] if t else arm_number(step, *flags),
        'epochs': t['epochs'] if t else None,
        'loaded_epochs': t.get('loaded_epochs') if t else None,
        'switches': t['switches'] if t else None,
        'from_profile': t['from_profile'] if t else None,
        'trials': {a['arm']: a['trials'] for a in t['arms']} if t else {},
    }


def read_report(path):
    """What a run's JSON report says about BigCache and the sites' policies."""
    with open(path) as f:
        rep = json.load(f)
    sites = rep.get('sites', [])
    hits = sum(s['bigcache']['hits'] for s in sites)
    misses = sum(s['bigcache']['misses'] for s in sites)
    out = {'bc_hits': hits, 'bc_misses': misses,
           'hit_rate': hits / (hits + misses) if hits + misses else None,
           'bc_lookups_missed': rep['bigcache']['misses'],
           'bc_evictions': rep['bigcache']['evictions'], 'mode': rep['config']['mode']}
    # The busy sites: those the tuner saw (all of them in baseline mode), by allocations
    # (not large ones: under a 2M threshold a site's 2 MiB blocks come from the heap).
    tuned = [s for s in sites if s.get('tuner')] or sites
    if tuned:
        top = max(tuned, key=lambda s: (s['allocs'], s.get('large', {}).get('allocs', 0)))
        out['site'] = site_summary(top)
        busy = [s for s in tuned if s['allocs'] >= top['allocs'] / 10]
        out['busy_sites'] = sorted((site_summary(s) for s in busy), key=lambda x: x['name'])
    return out


# --------------------------------------------------------------------------------------
# Running.

class Context:
    def __init__(self, args):
        self.args = args
        self.binary = os.path.join(args.builddir, 'bench', 'alloc_bench')
        self.hakmem_so = os.path.abspath(os.path.join(args.builddir, 'libhakmem.so'))
        self.tmp = tempfile.mkdtemp(prefix='hakmem-bigcache-')
        self.profile_dir = args.profile_dir or self.tmp
        os.makedirs(self.profile_dir, exist_ok=True)
        self.notes = []
        self.said = collections.Counter()  # what hakmem printed on stderr
        self.failed = 0

    def wargs(self, workload):
        full, quick, _ = WORKLOADS[workload]
        return quick if self.args.quick else full

    def hakmem(self, name, env):
        return ab.Allocator(name, 'hakmem', self.hakmem_so, env)

    def profile(self, name):
        """A fresh profile path: whatever an earlier invocation left there is removed."""
        path = os.path.join(self.profile_dir, name + '.prof')
        for p in (path, path + '.lock'):
            if os.path.exists(p):
                os.remove(p)
        return path

    def measure(self, workload, alloc):
        """One run; for hakmem also its report's figures. Raises ab.RunError."""
        run_as, report = alloc, None
        if alloc.base == 'hakmem':
            report = os.path.join(self.tmp, 'report.json')
            run_as = ab.Allocator(alloc.name, alloc.base, alloc.preload,
                                  dict(alloc.env, HAKMEM_REPORT=report))
        r = ab.run_once(self.binary, workload, self.wargs(workload), run_as, self.args.timeout)
        ab.check_allocator(r, alloc)
        if report:
            if not os.path.exists(report):
                raise ab.RunError(f'{workload} under {alloc.name}: no report in {report}')
            r.update(read_report(report))
            os.remove(report)
            for line in r['stderr'].splitlines():
                self.said[line.strip()] += 1
        return r

    def interleave(self, workload, allocs, runs, cells, progress, label=''):
        """Round r runs every allocator once, the first one rotating; failures are kept in
        the cell and the others go on."""
        for r in range(runs):
            for i in range(len(allocs)):
                a = allocs[(i + r) % len(allocs)]
                c = cells[(workload, a.name)]
                if c.failed:
                    continue
                try:
                    res = self.measure(workload, a)
                except ab.RunError as e:
                    progress.clear()
                    print(f'bigcache: FAILED: {e}', flush=True)
                    c.failed = str(e)
                    self.failed += 1
                    continue
                c.runs.append(res)
                progress.step(f'{label}{workload} run {r + 1}/{runs} {a.name}: '
                              f'{res["seconds"]:.3f} s (others used '
                              f'{res["others_cores"]:.1f} cores)')
        progress.clear()

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def new_cells(workload, allocs):
    return {(workload, a.name): ab.Cell('time') for a in allocs}


# --------------------------------------------------------------------------------------
# Figures.

fmt, fmt_ratio, ratio, markdown = ab.fmt, ab.fmt_ratio, ab.ratio, ab.markdown


def fmt_pct(x):
    return '—' if x is None else f'{100 * x:.1f} %'


def fmt_s(x):
    return '—' if x is None else f'{x:.4g}'


def fmt_cores(x):
    return '—' if x is None else f'{x:.2f}'


def run_span(first, last):
    return f'run {first}' if first == last else f'runs {first}–{last}'


def usable(c):
    return c is not None and not c.failed and c.runs


def med(c, key):
    return c.med(key) if usable(c) else None


def show(key, v):
    """A median with its unit."""
    if key == 'hit_rate':
        return fmt_pct(v)
    if key == 'seconds':
        return f'{fmt_s(v)} s'
    if key == 'peak_rss_kb':
        return f'{fmt(ab.mib(v))} MiB'
    return fmt(v)


def common_policy(c):
    """The busiest site's committed policy most runs ended with, and in how many."""
    pols = collections.Counter(r['site']['policy'] for r in c.runs if r.get('site'))
    if not pols:
        return '—'
    pol, n = pols.most_common(1)[0]
    return f'{pol} ({n}/{len(c.runs)})'


def compare_table(workload, cells, allocs):
    head = ['allocator', 'time (s)', 'spread', 'faults/op', 'peak RSS (MiB)', f'time ×{REF}',
            f'faults ×{REF}', f'peak RSS ×{REF}', 'BigCache hit rate',
            'busiest site\'s policy (runs)']
    rc = cells.get((workload, REF))
    rows = []
    for a in allocs:
        c = cells[(workload, a.name)]
        if not usable(c):
            rows.append([a.name, 'FAILED'] + [''] * (len(head) - 2))
            continue
        hakmem = a.base == 'hakmem'
        spread = c.spread()
        rows.append([
            a.name, fmt_s(c.time()), '—' if spread is None else f'{spread:.0f}%',
            fmt(c.med('faults_per_op')), fmt(ab.mib(c.med('peak_rss_kb'))),
            fmt_ratio(ratio(c.time(), med(rc, 'seconds'))),
            fmt_ratio(ratio(c.med('faults_per_op'), med(rc, 'faults_per_op'))),
            fmt_ratio(ratio(c.med('peak_rss_kb'), med(rc, 'peak_rss_kb'))),
            fmt_pct(c.med('hit_rate')) if hakmem else '',
            common_policy(c) if hakmem else ''])
    return markdown(head, rows)


def target_table(workload, cells):
    subjects = [s for s in TARGET_SUBJECTS if (workload, s) in cells]
    rc = cells.get((workload, REF))
    head = ['target'] + subjects
    rows = []
    for t in TARGETS.get(workload, []):
        ref = med(rc, t.key) if t.relative else None
        text = t.text + (f' ({show(t.key, ref)})' if ref is not None else '')
        row = [text]
        for s in subjects:
            v = med(cells[(workload, s)], t.key)
            bound = t.bound * ref if t.relative and ref is not None else (
                None if t.relative else t.bound)
            if v is None or bound is None:
                row.append('—')
                continue
            met = v >= bound if t.at_least else v <= bound
            shown = show(t.key, v) + (f' = {v / ref:.2f}×' if t.relative and ref else '')
            row.append(f'{shown}: {"met" if met else "MISSED"}')
        rows.append(row)
    return markdown(head, rows) if rows else ''


# --------------------------------------------------------------------------------------
# Part 1: the scenario comparison.

def compare(ctx, workload, wanted):
    wargs = ctx.wargs(workload)
    allocs, missing = [], []
    peers = {a.name: a for a in ab.find_allocators(
        argparse.Namespace(builddir=ctx.args.builddir, allocators=','.join(PEERS),
                           env_variant=[]), missing)}
    profile = None
    for name in wanted:
        if name in HAKMEM_VARIANTS:
            if not os.path.exists(ctx.hakmem_so):
                missing.append(f'{name} skipped: {ctx.hakmem_so} does not exist')
                continue
            env = dict(HAKMEM_VARIANTS[name])
            if 'HAKMEM_PROFILE' in env:
                env['HAKMEM_PROFILE'] = profile = ctx.profile(f'compare-{workload}')
            allocs.append(ctx.hakmem(name, env))
        elif name in peers:
            allocs.append(peers[name])
    for m in missing:
        if m not in ctx.notes:
            ctx.notes.append(m)
    runs, k = ctx.args.runs, ctx.args.warmup
    progress = ab.Progress(len(allocs) * runs + (k if profile else 0))
    load_before = os.getloadavg()[0]
    warm = []
    if profile:
        evo = next(a for a in allocs if a.env.get('HAKMEM_PROFILE'))
        for i in range(k):
            try:
                r = ctx.measure(workload, evo)
            except ab.RunError as e:
                progress.clear()
                print(f'bigcache: FAILED (warm-up): {e}', flush=True)
                ctx.failed += 1
                break
            warm.append(r)
            progress.step(f'{workload} warm-up {i + 1}/{k} {evo.name}: {r["seconds"]:.3f} s, '
                          f'{r.get("site", {}).get("policy", "?")}')
        progress.clear()
    cells = new_cells(workload, allocs)
    ctx.interleave(workload, allocs, runs, cells, progress)

    what = WORKLOADS[workload][2]
    out = [f'### {workload} — {what}', '',
           f'`alloc_bench {workload} {" ".join(wargs)}`; {runs} runs of each, interleaved; '
           f'medians. Faults/op and time are those of the timed region; peak RSS is the '
           f'process\'s VmHWM. Ratios > 1 are slower or bigger than {REF}. BigCache hit '
           f'rate: over all sites, hits / (hits + misses), a miss being any large '
           f'allocation the cache did not serve. Policy: mmap threshold and the flags that '
           f'are on, committed by the busiest site (most allocations) at exit.', '',
           compare_table(workload, cells, allocs)]
    if profile:
        pols = collections.Counter(r['site']['policy'] for r in warm if r.get('site'))
        out.append(f'hakmem-evolving+profile: {len(warm)} untimed warm-up runs before the '
                   f'measured ones (times ' + ', '.join(fmt_s(r['seconds']) for r in warm)
                   + ' s; committed policies at their ends: '
                   + ', '.join(f'{p} ×{n}' for p, n in pols.most_common()) + '); the '
                   'profile kept learning during the measured runs.\n')
    targets = target_table(workload, cells)
    if targets:
        out += [f'Targets (issue 5) — hakmem-evolving is the target\'s subject; '
                f'hakmem-evolving+profile shows what a warmed profile gives:', '', targets]
    out.append(ab.noise_note(workload, cells, allocs, load_before))
    return '\n'.join(out)


# --------------------------------------------------------------------------------------
# Part 2: the tuner's convergence, and the fixed arms.

def tune_run_row(i, r, prev):
    """One line of the convergence table; `prev` maps site names to the previous run's
    (epochs, trials), for what this run added."""
    s = r.get('site')
    if not s:
        return [str(i), fmt_s(r['seconds']), fmt(r['faults_per_op']),
                fmt(ab.mib(r['peak_rss_kb']))] + ['—'] * 6
    e0, t0 = prev.get(s['name'], (0, {}))
    if s['loaded_epochs'] is not None:  # what the profile gave at start
        e0 = s['loaded_epochs']
    epochs_run = s['epochs'] - e0 if s['epochs'] is not None else None
    added = {a: n - t0.get(a, 0) for a, n in s['trials'].items()}
    total = sum(added.values())
    on_committed = added.get(s['arm'], 0) / total if total > 0 else None
    arms = ' '.join(str(b['arm']) for b in r.get('busy_sites', []))
    return [str(i), fmt_s(r['seconds']), fmt(r['faults_per_op']),
            fmt(ab.mib(r['peak_rss_kb'])), fmt_pct(r.get('hit_rate')),
            f'{s["arm"]}: {s["policy"]}', arms,
            f'{fmt(epochs_run)} / {fmt(s["epochs"])}', fmt_pct(on_committed),
            str(s['switches'])]


def arms_table(workload, cells, allocs, best_time):
    head = ['arm', 'policy', 'time (s)', 'spread', 'faults/op', 'peak RSS (MiB)',
            'BigCache hit rate', '× best fixed']
    rows = []
    for a in allocs:
        c = cells[(workload, a.name)]
        if not usable(c):
            rows.append([a.name, '', 'FAILED'] + [''] * (len(head) - 3))
            continue
        spread = c.spread()
        if a.name == EVOLVING:
            number, pol = a.name, 'committed: ' + common_policy(c)
        else:
            number, _, pol = a.name.partition(': ')
        rows.append([number, pol, fmt_s(c.time()), '—' if spread is None else f'{spread:.0f}%',
                     fmt(c.med('faults_per_op')), fmt(ab.mib(c.med('peak_rss_kb'))),
                     fmt_pct(c.med('hit_rate')), fmt_ratio(ratio(c.time(), best_time))])
    return markdown(head, rows)


EVOLVING = 'evolving'  # in the tables of the tuning part: evolving mode with the profile


def arm_allocator(ctx, arm):
    return ctx.hakmem(f'{arm.number()}: {arm.text()}', arm.env())


def tune(ctx, workload):
    wargs = ctx.wargs(workload)
    n, arm_runs = ctx.args.tune_runs, ctx.args.arm_runs
    profile = ctx.profile(f'tune-{workload}')
    evo = ctx.hakmem(EVOLVING, {'HAKMEM_MODE': 'evolving', 'HAKMEM_PROFILE': profile})
    base_arms = [FixedArm(step, bc) for bc in (0, 1) for step in range(len(THRESHOLDS))]
    progress = ab.Progress(n + arm_runs * (len(base_arms) + 1) + arm_runs * 4)
    load_before = os.getloadavg()[0]

    # 10 runs with a fresh profile.
    rows, evo_runs, prev = [], [], {}
    for i in range(1, n + 1):
        try:
            r = ctx.measure(workload, evo)
        except ab.RunError as e:
            progress.clear()
            print(f'bigcache: FAILED: {e}', flush=True)
            ctx.failed += 1
            rows.append([str(i), 'FAILED'] + [''] * 8)
            evo_runs.append(None)
            continue
        rows.append(tune_run_row(i, r, prev))
        evo_runs.append(r)
        prev = {s['name']: (s['epochs'] or 0, s['trials']) for s in r.get('busy_sites', [])}
        progress.step(f'tune {workload} run {i}/{n}: {r["seconds"]:.3f} s, '
                      f'{r.get("site", {}).get("policy", "?")}')
    progress.clear()
    conv = markdown(['run', 'time (s)', 'faults/op', 'peak RSS (MiB)', 'BigCache hit rate',
                     'committed arm (busiest site)', 'arms of the busy sites',
                     'epochs run / total', 'epochs on that arm', 'switches'], rows)

    # The 12 base arms and evolving, interleaved; then the best of them, with prefault and
    # with thp, and evolving again.
    allocs_a = [arm_allocator(ctx, a) for a in base_arms] + [evo]
    cells_a = new_cells(workload, allocs_a)
    ctx.interleave(workload, allocs_a, arm_runs, cells_a, progress, 'arms: ')
    timed = [(cells_a[(workload, arm_allocator(ctx, a).name)], a) for a in base_arms]
    timed = [(c.time(), a) for c, a in timed if usable(c)]
    if not timed:
        return f'### Tuning {workload}\n\nEvery fixed arm FAILED.\n'
    best_a = min(timed, key=lambda x: x[0])[1]
    arms_b = [best_a, best_a.but(prefault=1), best_a.but(thp=1)]
    allocs_b = [arm_allocator(ctx, a) for a in arms_b] + [evo]
    cells_b = new_cells(workload, allocs_b)
    ctx.interleave(workload, allocs_b, arm_runs, cells_b, progress, 'best arms: ')
    fixed_b = [(cells_b[(workload, x.name)], x) for x in allocs_b[:-1]]
    fixed_b = [(c.time(), x) for c, x in fixed_b if usable(c)]
    best_time, best = min(fixed_b, key=lambda x: x[0]) if fixed_b else (None, None)
    best_time_a = min(t for t, _ in timed)

    def median_of(runs, key):
        xs = [r[key] for r in runs if r]
        return statistics.median(xs) if xs else None

    best_runs = cells_b[(workload, best.name)].runs if best else []
    lines = [[f'best fixed arm, {best.name if best else "—"}', fmt_s(best_time),
              fmt(median_of(best_runs, 'faults_per_op')), '1.00×',
              fmt_cores(median_of(best_runs, 'others_cores')), '']]
    for label, runs in ((f'evolving, run {n}', evo_runs[-1:]),
                        (f'evolving, {run_span(max(1, n - 2), n)}', evo_runs[-3:]),
                        (f'evolving, {run_span(n + arm_runs + 1, n + 2 * arm_runs)}, '
                         f'interleaved with the best arms', cells_b[(workload, evo.name)].runs)):
        t = median_of(runs, 'seconds')
        q = ratio(t, best_time)
        verdict = '—' if q is None else ('met' if q <= TUNE_TARGET else 'MISSED')
        lines.append([label, fmt_s(t), fmt(median_of(runs, 'faults_per_op')), fmt_ratio(q),
                      fmt_cores(median_of(runs, 'others_cores')), verdict])
    summary = markdown(['', 'time (s), median', 'faults/op', '× best fixed arm',
                        'cores used by others', f'target ≤ {TUNE_TARGET:.2f}×'], lines)

    what = WORKLOADS[workload][2]
    out = [
        f'### Tuning {workload} — {what}', '',
        f'`alloc_bench {workload} {" ".join(wargs)}`, {n} runs in evolving mode with a fresh '
        f'profile (HAKMEM_PROFILE), one after the other. Per run: the busiest site\'s '
        f'committed arm at exit, the arms of all busy sites (≥ 10 % of its '
        f'allocations), the epochs it ran in this run and in all, the share of this run\'s '
        f'epochs spent on the committed arm (the rest explored), and switches in this run.',
        '', conv,
        f'Fixed arms (HAKMEM_MODE=baseline, HAKMEM_THRESHOLD and HAKMEM_POLICY; arm numbers '
        f'as in alloc/src/tuner.h): the {len(base_arms)} arms thresholds × BigCache with thp and prefault '
        f'off, and evolving (continuing the profile), {arm_runs} runs each, interleaved; '
        f'medians. × best is to the best of these ({fmt_s(best_time_a)} s).', '',
        arms_table(workload, cells_a, allocs_a, best_time_a),
        ab.noise_note(workload, cells_a, allocs_a, load_before),
        f'The best of them with prefault and with thp, and evolving again, {arm_runs} runs '
        f'each, interleaved:', '',
        arms_table(workload, cells_b, allocs_b, best_time),
        ab.noise_note(workload, cells_b, allocs_b, load_before),
        f'Target (issue 5): after 10 runs with a profile, evolving within 5 % of the best '
        f'fixed arm (the fastest of the three just above, by its median there). Runs 1–{n} '
        f'were measured before the fixed arms, so their ratios also carry any change in the '
        f'machine\'s load (the cores other processes kept busy are beside them); the '
        f'interleaved line is the fair comparison.', '',
        summary]
    return '\n'.join(out)


# --------------------------------------------------------------------------------------

def parse_list(text, known, what):
    items = text.split(',')
    for x in items:
        if x not in known:
            sys.exit(f'bigcache: unknown {what} {x!r} (known: {", ".join(known)})')
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    ap.add_argument('--quick', action='store_true',
                    help='short workloads, 3 runs, 2 per fixed arm (a few minutes)')
    ap.add_argument('--runs', type=int, help='comparison runs per allocator (default 7; '
                    '--quick: 3)')
    ap.add_argument('--warmup', type=int, default=5,
                    help='untimed runs that warm hakmem-evolving+profile\'s profile')
    ap.add_argument('--parts', default='compare,tune', help='compare, tune or both')
    ap.add_argument('--workloads', default=','.join(COMPARE_WORKLOADS),
                    help='of the comparison: ' + ','.join(WORKLOADS))
    ap.add_argument('--allocators', default=','.join(COMPARE_ALLOCATORS),
                    help='of the comparison: ' + ','.join(COMPARE_ALLOCATORS))
    ap.add_argument('--tune-workloads', help='default ' + ','.join(TUNE_WORKLOADS)
                    + ' (--quick: ' + ','.join(TUNE_WORKLOADS_QUICK) + ')')
    ap.add_argument('--tune-runs', type=int, default=10,
                    help='evolving runs with a fresh profile')
    ap.add_argument('--arm-runs', type=int, help='runs per fixed arm (default 3; --quick: 2)')
    ap.add_argument('--profile-dir', help='keep the profiles here (default: a temporary '
                    'directory); profiles of the same name there are replaced')
    ap.add_argument('--record', action='store_true',
                    help=f'write the tables to docs/BENCHMARKS.md ("{SECTION[3:]}")')
    ap.add_argument('--timeout', type=float, default=600, help='seconds per run')
    args = ap.parse_args()
    command = ('python3 bench/bigcache/run.py '
               + ' '.join(shlex.quote(a) for a in sys.argv[1:]))
    os.chdir(ROOT)
    args.runs = args.runs or (3 if args.quick else 7)
    args.arm_runs = args.arm_runs or (2 if args.quick else 3)
    parts = parse_list(args.parts, ['compare', 'tune'], 'part')
    workloads = parse_list(args.workloads, list(WORKLOADS), 'workload')
    wanted = parse_list(args.allocators, COMPARE_ALLOCATORS, 'allocator')
    tune_workloads = parse_list(
        args.tune_workloads or ','.join(TUNE_WORKLOADS_QUICK if args.quick else TUNE_WORKLOADS),
        list(WORKLOADS), 'workload')

    ctx = Context(args)
    if not os.path.exists(ctx.binary):
        sys.exit(f'bigcache: {ctx.binary} does not exist; build it first '
                 f'(./configure.py && ninja)')
    if 'tune' in parts and not os.path.exists(ctx.hakmem_so):
        sys.exit(f'bigcache: {ctx.hakmem_so} does not exist; build it first')
    leaked = sorted(k for k in os.environ if k.startswith(ab.CONFIG_PREFIXES))
    if leaked:
        ctx.notes.append('cleared from the environment of every run: ' + ', '.join(leaked))
    with open('/sys/kernel/mm/transparent_hugepage/enabled') as f:
        thp = f.read().strip()

    date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    load0 = os.getloadavg()[0]
    header = (f'BigCache and tuner benchmark, {"quick" if args.quick else "full"} sizes: '
              + ('; '.join(
                  ([f'comparison of {", ".join(workloads)} under {", ".join(wanted)}, '
                    f'{args.runs} runs each, interleaved (profile warmed by {args.warmup} '
                    f'runs)'] if 'compare' in parts else []) +
                  ([f'tuning {", ".join(tune_workloads)}: {args.tune_runs} evolving runs '
                    f'with a fresh profile, then {args.arm_runs} runs per fixed arm'] if
                   'tune' in parts else []))) + '.')
    print(header + f'\nLoad average at start: {load0:.2f}'
          + (' — the machine is busy: expect noise' if load0 >= 1 else ''), flush=True)

    sections = []
    try:
        if 'compare' in parts:
            for w in workloads:
                sections.append(compare(ctx, w, wanted))
                print('\n' + sections[-1], flush=True)
        if 'tune' in parts:
            for w in tune_workloads:
                sections.append(tune(ctx, w))
                print('\n' + sections[-1], flush=True)
    finally:
        ctx.cleanup()
    said = [f'hakmem said on stderr ({n} runs): {line}' for line, n in ctx.said.items() if line]
    load1 = os.getloadavg()[0]
    tail = [f'Load average at start {load0:.2f}, at end {load1:.2f}.'] + [
        'note: ' + x for x in ctx.notes + said]
    print('\n'.join(tail))
    if args.record:
        body = '\n'.join(
            [SECTION, '',
             f'Measured {date} with `{command}` (from the top of the tree, after '
             f'`./configure.py && ninja`).', ''] + ab.machine_lines() +
            [f'- Transparent huge pages: `{thp}`', f'- {header}',
             f'- Load average: {load0:.2f} at start, {load1:.2f} at end (2 shared cores: '
             f'other sessions run here too; see the note under each table).'] +
            [f'- Note: {x}' for x in ctx.notes + said] + [''] + sections)
        ab.record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), body.rstrip('\n') + '\n',
                  SECTION)
        print('bigcache: recorded in docs/BENCHMARKS.md')
    if ctx.failed:
        print(f'bigcache: {ctx.failed} runs FAILED (see above)')
    return 1 if ctx.failed else 0


if __name__ == '__main__':
    sys.exit(main())
