#!/usr/bin/env python3
"""bench/profiler: what profiling costs — hakmem's exact profile against heaptrack.

    python3 bench/profiler/run.py [--builddir build/release] [--runs 3] [--record]

Two programs: bench/alloc's churn (alloc_bench churn: one thread, 8 B-4 KiB, random
replacement) and cc1plus compiling alloc/src/page.cc (GCC's compiler proper, as g++
starts it; heaptrack follows one process, so the compiler is run directly). Each under:
libhakmem.so with HAKMEM_MODE=off (nothing recorded), as shipped (sampling), with
HAKMEM_SAMPLE=all at depth 0 (every allocation's return address) and at depth 8 (8-frame
stacks), and heaptrack (every allocation with its whole stack) over glibc's malloc.
Interleaved runs; medians of wall time and peak RSS; ratios to HAKMEM_MODE=off and of
hakmem's depth 8 to heaptrack. Issue 16's targets: SAMPLE=all at depth 0 <= 1.5x off;
at depth 8 <= 0.3x heaptrack. Standard library only (bench/alloc/run.py's helpers).
"""

import argparse
import datetime
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, 'bench', 'alloc'))
import run as ab  # noqa: E402  bench/alloc/run.py: run_process, machine_lines, record

SECTION = '## Heap profiler cost (bench/profiler)'
ROWS = [('off', {'HAKMEM_MODE': 'off'}), ('sampled', {}),
        ('all, depth 0', {'HAKMEM_SAMPLE': 'all'}),
        ('all, depth 8', {'HAKMEM_SAMPLE': 'all', 'HAKMEM_SITE_DEPTH': '8'}),
        ('heaptrack', None)]


def programs(builddir):
    """name -> argv (cc1plus's from g++ -###, so it is the compiler g++ would run)."""
    churn = [os.path.join(builddir, 'bench', 'alloc_bench'), 'churn']
    probe = subprocess.run(['g++', '-###', '-O1', '-std=c++20', '-I', ROOT, '-I',
                            os.path.join(ROOT, 'alloc', 'include'), '-S',
                            os.path.join(ROOT, 'alloc', 'src', 'page.cc'), '-o', '/dev/null'],
                           capture_output=True, text=True)
    cc1 = [shlex.split(line) for line in probe.stderr.splitlines() if 'cc1plus' in line]
    out = {'churn': churn}
    if cc1:
        out['cc1plus page.cc'] = cc1[0]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default=os.path.join(ROOT, 'build', 'release'))
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--record', action='store_true')
    ap.add_argument('--timeout', type=float, default=900)
    args = ap.parse_args()
    lib = os.path.abspath(os.path.join(args.builddir, 'libhakmem.so'))
    heaptrack = shutil.which('heaptrack')
    if not os.path.exists(lib):
        sys.exit(f'profiler: {lib} does not exist; build it first (./configure.py && ninja)')
    progs = programs(os.path.abspath(args.builddir))
    rows = [(n, e) for n, e in ROWS if e is not None or heaptrack]
    cells = {}  # (prog, row) -> [(seconds, peak KiB)]
    failed = {}  # (prog, row) -> why (heaptrack's failures are results too)
    load0 = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc)
    with tempfile.TemporaryDirectory(prefix='bench-profiler-') as tmp:
        step, total = 0, args.runs * len(progs) * len(rows)
        for r in range(args.runs):
            for prog, argv in progs.items():
                order = rows[r % len(rows):] + rows[:r % len(rows)]
                for name, extra in order:
                    env = ab.clean_env()
                    if extra is None:
                        cmd = [heaptrack, '-o', os.path.join(tmp, f'ht{step}')] + argv
                    else:
                        env.update(extra, LD_PRELOAD=lib)
                        cmd = argv
                    p = ab.run_process(cmd, env, args.timeout, cwd=tmp)
                    if p.code != 0:
                        if extra is not None:  # hakmem's own failure ends the benchmark
                            sys.exit(f'profiler: {prog} under {name} failed ({p.code}): '
                                     f'{p.stderr[-400:]}')
                        why = p.stderr.strip().splitlines()[-1:] or [f'exit {p.code}']
                        failed[(prog, name)] = f'exit {p.code}: {why[0][:120]}'
                        print(f'[{step + 1}/{total}] {prog} {name}: FAILED ({failed[(prog, name)]})')
                        step += 1
                        continue
                    # heaptrack's own process tree: its peak is the largest child's
                    step += 1
                    cells.setdefault((prog, name), []).append((p.seconds, p.rusage.ru_maxrss))
                    print(f'[{step}/{total}] {prog} {name}: {p.seconds:.2f} s '
                          f'(others used {p.others_cores:.1f} cores)', flush=True)
                    for f in os.listdir(tmp):
                        if f.startswith('ht'):
                            os.remove(os.path.join(tmp, f))
    med = {k: (statistics.median(s for s, _ in v), statistics.median(m for _, m in v))
           for k, v in cells.items()}
    lines = [SECTION, '',
             f'Measured {started:%Y-%m-%d %H:%M} UTC with `python3 bench/profiler/run.py '
             f'--runs {args.runs}{" --record" if args.record else ""}`.', '']
    lines += ab.machine_lines()
    lines += [f'- heaptrack: {ab.package_version("heaptrack") or "not installed"}; load average '
              f'{load0:.2f} at start, {os.getloadavg()[0]:.2f} at end', '',
              'Medians of interleaved runs; wall time, and peak RSS (the process\'s VmHWM; '
              'under heaptrack the profiled program\'s, heaptrack\'s own writer aside).', '']
    head = ['program'] + [f'{n} (s)' for n, _ in rows] + [
        'all d0 ÷ off', 'all d8 ÷ heaptrack' if heaptrack else 'all d8 ÷ off']
    table = [head, [':--'] + ['--:'] * (len(head) - 1)]
    verdicts = []
    def cell(prog, n, i, f):
        return f(med[(prog, n)][i]) if (prog, n) in med else 'failed'

    for prog in progs:
        row = [prog] + [cell(prog, n, 0, lambda v: f'{v:.2f}') for n, _ in rows]
        off = med[(prog, 'off')][0]
        d0 = med[(prog, 'all, depth 0')][0] / off
        ref = med.get((prog, 'heaptrack'), (None,))[0] if heaptrack else off
        d8 = med[(prog, 'all, depth 8')][0] / ref if ref else None
        row += [f'{d0:.2f}×', f'{d8:.2f}×' if d8 is not None else 'n/a']
        table.append(row)
        v = (f'- {prog}: HAKMEM_SAMPLE=all at depth 0 ≤ 1.5× off: '
             f'{"met" if d0 <= 1.5 else "MISSED"} ({d0:.2f}×)')
        if heaptrack and d8 is not None:
            v += f'; at depth 8 ≤ 0.3× heaptrack: {"met" if d8 <= 0.3 else "MISSED"} ({d8:.2f}×)'
        elif heaptrack:
            v += f'; heaptrack failed ({failed.get((prog, "heaptrack"), "?")}): no ratio'
        verdicts.append(v)
    table_rss = [['program'] + [f'{n} (MiB)' for n, _ in rows],
                 [':--'] + ['--:'] * len(rows)]
    for prog in progs:
        table_rss.append([prog] + [cell(prog, n, 1, lambda v: f'{v / 1024:.1f}') for n, _ in rows])
    lines += ['| ' + ' | '.join(r) + ' |' for r in table] + ['']
    lines += ['| ' + ' | '.join(r) + ' |' for r in table_rss] + ['', 'Targets (issue 16):', '']
    lines += verdicts + ['']
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.record:
        ab.record(os.path.join(ROOT, 'docs', 'BENCHMARKS.md'), text, SECTION)
        print('profiler: recorded in docs/BENCHMARKS.md')
    return 0


if __name__ == '__main__':
    sys.exit(main())
