#!/usr/bin/env python3
"""The Hako VM against Lua 5.4 and LuaJIT's interpreter on the sample programs, and
json.parse / json.stringify against Lua 5.4 with lua-cjson.

    bench/vm/run.py --builddir build/release [--quick] [--runs N] [--record] [NAME...]

Programs: every sample of samples/sizes.txt (or the NAMEs) at its bench size, as
`hako run NAME.hako SIZE`, `lua5.4 NAME.lua SIZE` and `luajit -joff NAME.lua SIZE` (the
Lua twin; LuaJIT cannot run the twins that need Lua 5.4's integers or `//`), in the same
invocation, interleaved (hako, lua, luajit, hako, lua, ...), N runs each (default 5;
--quick: 1 run at the small size). Each run goes through GNU time: CPU time (user + sys),
wall time and peak RSS (max RSS). The table gives medians and ratios to Lua 5.4 (targets:
geometric mean of the CPU-time ratios <= 1.0, of the peak-RSS ratios <= 1.2). Every run's
output must equal Lua 5.4's (the twins print identical bytes at any size): a difference
fails the benchmark.

JSON: the documents of bench/vm_runtime (records, numbers, text; about 4 MiB each, written
by `runtime_bench --write-docs`), parsed and stringified from a Hako program
(bench/vm/json_bench.hako: json.parse into Hako values, json.stringify out of them) and
from its Lua twin (bench/vm/json_bench.lua: cjson.decode into Lua tables, cjson.encode out
of them). Each process does the operation K times; the cost of one is the difference of
the median CPU times at K and at 0, divided by K (so reading the file and starting the VM
do not count). MB/s with MB = 10^6 bytes of JSON; target: Hako >= 1.0x cjson.

--record replaces the "## VM (bench/vm)" section of docs/BENCHMARKS.md with the result
(machine, date and command included).
"""

import argparse
import datetime
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_sizes():
    programs = []
    with open(os.path.join(ROOT, 'samples', 'sizes.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if line:
                programs.append((line[0], line[1], line[2], line[3:]))
    return programs


class Run:
    def __init__(self, ok, out, cpu, wall, rss_kb, err=''):
        self.ok, self.out, self.cpu, self.wall, self.rss_kb, self.err = ok, out, cpu, wall, rss_kb, err


def timed(cmd, cwd=None):
    """Runs cmd under GNU time: (exit ok, stdout, CPU s, wall s, max RSS KiB)."""
    with tempfile.NamedTemporaryFile('r', suffix='.time') as tf:
        p = subprocess.run(['/usr/bin/time', '-o', tf.name, '-f', '%U %S %e %M'] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
        fields = tf.read().split()
    try:
        u, s, e, m = fields[-4:]
        return Run(p.returncode == 0, p.stdout, float(u) + float(s), float(e), int(m),
                   p.stderr.decode(errors='replace')[-300:])
    except (ValueError, IndexError):
        return Run(False, p.stdout, 0, 0, 0, 'no timing')


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float('nan')


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines():
            if line.startswith('Model name:'):
                cpu = line.split(':', 1)[1].strip()
    except OSError:
        pass
    return f'{cpu}, {os.cpu_count()} cores'


def version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).splitlines()[0].strip()
    except (OSError, IndexError):
        return '?'


def commit():
    r = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True,
                       cwd=ROOT)
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no', '--', '.',
                            ':!docs/BENCHMARKS.md'], capture_output=True, text=True,
                           cwd=ROOT).stdout.strip()
    return r.stdout.strip() + (' (with local changes)' if dirty else '')


def bench_programs(hako, names, runs, quick, tmp, log):
    luajit = shutil.which('luajit')
    rows, failed = [], 0
    ratios = {'cpu': [], 'wall': [], 'rss': [], 'jit_cpu': [], 'jit_rss': []}
    for name, small, bench, extra in read_sizes():
        if names and name not in names:
            continue
        size = small if quick else bench
        runners = [('hako', [hako, 'run', os.path.join(ROOT, 'samples', name + '.hako')]),
                   ('lua', ['lua5.4', os.path.join(ROOT, 'samples', name + '.lua')])]
        if luajit:
            runners.append(('luajit', [luajit, '-joff', os.path.join(ROOT, 'samples', name + '.lua')]))
        res = {r: [] for r, _ in runners}
        for i in range(runs):
            for label, cmd in runners:
                scratch = os.path.join(tmp, f'{name}.{label}.scratch')
                res[label].append(timed(cmd + [size] + [e.replace('{tmp}', scratch) for e in extra]))
        want = res['lua'][0].out
        bad = [f'{label} run {i + 1}: ' + ('exit status/ ' + r.err.strip() if not r.ok else 'output differs from Lua 5.4\'s')
               for label in ('hako', 'lua') for i, r in enumerate(res[label])
               if not r.ok or r.out != want]
        if bad:
            failed += 1
            log(f'{name}: FAILED: ' + '; '.join(bad))
            continue
        # (GNU time counts in 10 ms: a floor keeps --quick's tiny runs from dividing by 0.)
        med = {label: (max(statistics.median(r.cpu for r in rs), 0.01),
                       max(statistics.median(r.wall for r in rs), 0.01),
                       statistics.median(r.rss_kb for r in rs)) for label, rs in res.items()
               if all(r.ok and r.out == want for r in rs)}
        h, l = med['hako'], med['lua']
        ratios['cpu'].append(h[0] / l[0])
        ratios['wall'].append(h[1] / l[1])
        ratios['rss'].append(h[2] / l[2])
        row = [name, size, f'{h[0]:.2f}', f'{l[0]:.2f}', f'**{h[0] / l[0]:.2f}**',
               f'{h[1] / l[1]:.2f}']
        if 'luajit' in med:
            j = med['luajit']
            ratios['jit_cpu'].append(h[0] / j[0])
            ratios['jit_rss'].append(h[2] / j[2])
            row += [f'{j[0]:.2f}', f'{h[0] / j[0]:.2f}']
        else:
            row += ['n/a', '']
        row += [f'{h[2] / 1024:.1f}', f'{l[2] / 1024:.1f}', f'**{h[2] / l[2]:.2f}**']
        row += [f'{med["luajit"][2] / 1024:.1f}' if 'luajit' in med else 'n/a']
        spread = (max(r.cpu for r in res['hako']) - min(r.cpu for r in res['hako'])) / h[0]
        row += [f'{100 * spread:.0f}%']
        rows.append(row)
        log(f'{name}: hako {h[0]:.2f}s {h[2] // 1024} MiB, lua {l[0]:.2f}s {l[2] // 1024} MiB, '
            f'time {h[0] / l[0]:.2f}, rss {h[2] / l[2]:.2f}')
    head = ['program', 'size', 'Hako CPU s', 'Lua CPU s', 'time × Lua', 'wall × Lua',
            'LuaJIT -joff CPU s', 'time × LuaJIT', 'Hako MiB', 'Lua MiB', 'RSS × Lua',
            'LuaJIT MiB', 'Hako spread']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join([':---'] + ['---:'] * (len(head) - 1)) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    lines.append(f'| **geometric mean** ({len(rows)}) | | | | **{geomean(ratios["cpu"]):.2f}** | '
                 f'{geomean(ratios["wall"]):.2f} | | {geomean(ratios["jit_cpu"]):.2f} '
                 f'({len(ratios["jit_cpu"])}) | | | **{geomean(ratios["rss"]):.2f}** | | |')
    return '\n'.join(lines), ratios, failed


def json_calls(quick):
    return 2 if quick else 40  # GNU time counts 10 ms: 40 calls of 10-40 ms each


def bench_json(builddir, hako, runs, quick, tmp, log):
    rb = os.path.join(builddir, 'bench', 'runtime_bench')
    if subprocess.run([rb, '--write-docs', tmp]).returncode != 0:
        log('json: runtime_bench --write-docs failed')
        return '', [], 1
    have_cjson = subprocess.run(['lua5.4', '-e', 'require("cjson")'],
                                capture_output=True).returncode == 0
    k = json_calls(quick)
    script = {'hako': [hako, 'run', os.path.join(HERE, 'json_bench.hako')],
              'cjson': ['lua5.4', os.path.join(HERE, 'json_bench.lua')]}
    rows, ratios = [], []
    for doc in ('records', 'numbers', 'text'):
        path = os.path.join(tmp, doc + '.json')
        size = os.path.getsize(path)
        mbs = {}
        for mode in ('parse', 'stringify'):
            for who in script:
                if who == 'cjson' and not have_cjson:
                    continue
                at = {0: [], k: []}
                for i in range(runs):
                    for n in (k, 0):
                        r = timed(script[who] + [path, mode, str(n)])
                        if not r.ok:
                            log(f'json: {who} {mode} {doc} failed: {r.err}')
                            return '', [], 1
                        at[n].append(r.cpu)
                per = (statistics.median(at[k]) - statistics.median(at[0])) / k
                mbs[(mode, who)] = size / per / 1e6 if per > 0 else float('nan')
        row = [doc, f'{size / 1e6:.1f} MB']
        for mode in ('parse', 'stringify'):
            h, c = mbs[(mode, 'hako')], mbs.get((mode, 'cjson'))
            row += [f'{h:.0f}', f'{c:.0f}' if c else 'n/a', f'**{h / c:.2f}**' if c else '']
            if c:
                ratios.append(h / c)
        rows.append(row)
        log(f'json {doc}: ' + ', '.join(f'{m} {w} {v:.0f} MB/s' for (m, w), v in mbs.items()))
    head = ['document', 'size', 'Hako json.parse', 'cjson.decode', 'ratio', 'Hako json.stringify',
            'cjson.encode', 'ratio']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join([':---'] + ['---:'] * (len(head) - 1)) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines), ratios, 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--quick', action='store_true', help='one run of each at its small size')
    ap.add_argument('--runs', type=int, help='runs of each program (default 5)')
    ap.add_argument('--record', action='store_true', help='write the result into docs/BENCHMARKS.md')
    ap.add_argument('--no-json', action='store_true', help='the programs only')
    ap.add_argument('names', nargs='*', help='samples to run (default: all)')
    args = ap.parse_args()
    builddir = os.path.join(ROOT, args.builddir)
    hako = os.path.join(builddir, 'hako')
    if not os.path.exists(hako):
        print(f'vm bench: {hako} is not built (run ninja)')
        return 1
    if not shutil.which('lua5.4') or not os.path.exists('/usr/bin/time'):
        print('vm bench: needs lua5.4 and GNU time (apt-get install lua5.4 time)')
        return 1
    runs = args.runs or (1 if args.quick else 5)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    load_before = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    with tempfile.TemporaryDirectory(prefix='hako-vm-bench-') as tmp:
        prog_table, ratios, failed = bench_programs(hako, args.names, runs, args.quick, tmp, log)
        json_table, json_ratios, jfailed = ('', [], 0) if args.no_json else bench_json(
            builddir, hako, runs, args.quick, tmp, log)
    load_after = os.getloadavg()[0]
    cmd = 'bench/vm/run.py --builddir ' + args.builddir + (' --quick' if args.quick else '') + \
        (f' --runs {args.runs}' if args.runs else '') + (' ' + ' '.join(args.names) if args.names else '')
    k = json_calls(args.quick)
    text = f'''## VM (bench/vm)

Measured {started} with `{cmd}` (from the top of the tree, after `./configure.py && ninja`).

- Machine: `{' '.join(platform.uname()[:3])}`; {machine()}; shared with other work: load
  average {load_before:.2f} at the start, {load_after:.2f} at the end.
- Hako: commit {commit()}, `hako run` (release build, g++ `-O2`, hakmem in its default mode).
  Peers: {version(['lua5.4', '-v']).split('  ')[0]} (Debian `lua5.4`) and
  {version(['luajit', '-v']).split(' -- ')[0]} with `-joff` (its interpreter alone), running
  the Lua twins.
- Method: each program at its bench size (samples/sizes.txt), {runs} runs of each
  interpreter, interleaved, through GNU time; medians of the CPU time (user + sys: a shared
  machine disturbs it less than wall time; the wall-time ratio is beside it) and of the peak
  RSS. Every run's output equals Lua 5.4's. Ratios are Hako / peer (lower is better);
  "spread" is (max − min) / median of Hako's CPU times. LuaJIT runs only the twins without
  Lua 5.4's integers and `//`.
- Targets: geometric mean of the time ratios to Lua 5.4 ≤ 1.0; of the peak-RSS ratios ≤ 1.2.

{prog_table}

What limits the figures: the small programs' peak RSS (about 3.2 MiB against Lua's 2.5) is
Hako's larger executable — parser, MIR compiler, VM and the allocator with its profiler,
about 0.9 MB of code and constants that the kernel maps in 64 KiB chunks — a fixed ~0.6 MiB
on top of the heap; where the heap is what counts, Hako is at or below Lua (24-byte map
entries with 1-byte indexes, closures that copy values instead of allocating upvalue
objects: closures, 0.63×). `life` (1.4×) frees a whole grid per generation, and the
collector runs when the heap doubles (as Lua's does) but all at once, so its peaks are a
grid higher. Time: arithmetic loops with globals (mandelbrot, spectral_norm) are closest to
Lua; LuaJIT's interpreter, hand-written assembly, stays ahead of Hako on the twins it runs.

json.parse and json.stringify from Hako programs (bench/vm/json_bench.hako) against
Lua 5.4 with lua-cjson (bench/vm/json_bench.lua) on the documents of bench/vm_runtime,
MB/s (10^6 bytes of JSON per second; higher is better): the CPU time of K = {k} calls minus that
of none, over K, medians of {runs} processes. Hako's parse builds maps in document order and
interned short strings; its stringify writes floats in their shortest round-trip form
(cjson: `%.14g`) and checks UTF-8 (cjson does not). Target: ≥ 1.0× cjson.

{json_table}
'''
    print(text)
    if args.record:
        path = os.path.join(ROOT, 'docs', 'BENCHMARKS.md')
        with open(path) as f:
            doc = f.read()
        pat = re.compile(r'^## VM \(bench/vm\)\n.*?(?=^## |\Z)', re.S | re.M)
        if pat.search(doc):
            doc = pat.sub(lambda m: text + '\n', doc)
        else:
            doc = doc.rstrip('\n') + '\n\n' + text
        with open(path, 'w') as f:
            f.write(doc)
        print(f'recorded in {os.path.relpath(path, ROOT)}')
    return 1 if failed or jfailed else 0


if __name__ == '__main__':
    sys.exit(main())
