#!/usr/bin/env python3
"""Compile throughput and peak memory: Hako's compiler at -O0 and -O1 against Lua 5.4's
loader on generated programs of the same shape (bench/compile/gen.py).

    bench/compile/run.py --builddir build/release [--quick] [--rounds N] [--record]

For each size (10k and 100k lines; --quick: 10k only, fewer rounds), the Hako program and
its Lua twin are generated, then each round runs, as separate processes in a rotating
order (interleaved, so that a noisy neighbour hurts all alike):

  compile_bench -O0 / -O1 FILE.hako   Hako: parse + MIR + passes + regalloc + bytecode
  compile_bench --lua FILE.lua        Lua 5.4: lua_load (parse + code), what luac -p does
  compile_bench --parse-only          Hako's parser alone (the front end's share)

each compiling the file a few times (after a warm-up) and reporting its median CPU time
(and wall time). The table shows the median over the rounds, lines per second, the ratio to Lua (target for
-O1: at most 1.5), and the peak RSS of a process that compiles once (VmHWM), next to that
of `luac5.4 -p`. --record replaces the "## Compile (bench/compile)" section of
docs/BENCHMARKS.md with the result (machine, date and command included).
"""

import argparse
import datetime
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
sys.path.insert(0, HERE)
import gen  # noqa: E402

CONFIGS = [  # (label, compile_bench arguments, file kind)
    ('hako -O0', ['-O0'], 'hako'),
    ('hako -O1', ['-O1'], 'hako'),
    ('lua 5.4 (lua_load)', ['--lua'], 'lua'),
    ('hako parser alone', ['--parse-only'], 'hako'),
]


def run_bench(exe, args, path, reps, warmup):
    out = subprocess.run([exe] + args + ['--reps', str(reps), '--warmup', str(warmup), path],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f'compile bench: {" ".join(args)} {path} failed:\n{out.stderr}')
    return dict(kv.split('=', 1) for kv in out.stdout.split())


def luac_peak_kb(path):
    """Peak RSS of `luac5.4 -p path`, through GNU time (a small parent)."""
    if not (shutil.which('luac5.4') and os.path.exists('/usr/bin/time')):
        return None
    r = subprocess.run(['/usr/bin/time', '-f', '%M', 'luac5.4', '-p', path],
                       capture_output=True, text=True)
    try:
        return int(r.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines():
            if line.startswith('Model name:'):
                cpu = line.split(':', 1)[1].strip()
    except OSError:
        pass
    mem = ''
    try:
        with open('/proc/meminfo') as f:
            kb = int(f.readline().split()[1])
            mem = f', {kb / 2**20:.1f} GiB RAM'
    except (OSError, ValueError):
        pass
    return f'{cpu}, {os.cpu_count()} cores{mem}'


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
                            ':!docs/BENCHMARKS.md'],  # the file this run rewrites
                           capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return r.stdout.strip() + (' (with local changes)' if dirty else '')


def table(rows):
    head = ['program', 'compiler', 'CPU time (ms)', 'lines/s', '× Lua', 'wall × Lua', 'spread',
            'peak RSS (MiB)', 'RSS × Lua']
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join([':---', ':---'] + ['---:'] * (len(head) - 2)) + '|']
    for r in rows:
        out.append('| ' + ' | '.join(r) + ' |')
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--quick', action='store_true', help='10k lines only, 3 rounds')
    ap.add_argument('--rounds', type=int, help='rounds (default 7, quick 3)')
    ap.add_argument('--record', action='store_true',
                    help='write the result into docs/BENCHMARKS.md')
    args = ap.parse_args()
    builddir = os.path.join(ROOT, args.builddir)
    exe = os.path.join(builddir, 'bench', 'compile_bench')
    if not os.path.exists(exe):
        print(f'compile bench: {exe} is not built (run ninja)')
        return 1
    rounds = args.rounds or (3 if args.quick else 7)
    sizes = [(10_000, 10, 2)] if args.quick else [(10_000, 15, 3), (100_000, 5, 1)]
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines, reps, warmup in sizes:
            hako, lua = os.path.join(tmp, f'g{lines}.hako'), os.path.join(tmp, f'g{lines}.lua')
            h, l = gen.generate(lines, 1)
            with open(hako, 'w') as f:
                f.write(h)
            with open(lua, 'w') as f:
                f.write(l)
            nlines = h.count('\n')
            times = {c[0]: [] for c in CONFIGS}
            walls = {c[0]: [] for c in CONFIGS}
            for r in range(rounds):
                order = CONFIGS[r % len(CONFIGS):] + CONFIGS[:r % len(CONFIGS)]
                for label, cargs, kind in order:
                    res = run_bench(exe, cargs, hako if kind == 'hako' else lua, reps, warmup)
                    times[label].append(float(res['cpu_median_s']))
                    walls[label].append(float(res['median_s']))
            peak = {label: int(run_bench(exe, cargs, hako if kind == 'hako' else lua, 1, 0)
                               ['peak_rss_kb']) for label, cargs, kind in CONFIGS}
            lua_t = statistics.median(times['lua 5.4 (lua_load)'])
            lua_w = statistics.median(walls['lua 5.4 (lua_load)'])
            lua_rss = peak['lua 5.4 (lua_load)']
            for label, _, _ in CONFIGS:
                t = statistics.median(times[label])
                spread = 100 * (max(times[label]) - min(times[label])) / t
                w = statistics.median(walls[label])
                rows.append([f'{lines // 1000}k ({nlines} lines)', label, f'{t * 1000:.1f}',
                             f'{nlines / t / 1e6:.2f} M', f'**{t / lua_t:.2f}×**',
                             f'{w / lua_w:.2f}×', f'{spread:.0f}%',
                             f'{peak[label] / 1024:.1f}', f'{peak[label] / lua_rss:.2f}×'])
            lp = luac_peak_kb(lua)
            if lp:
                rows.append([f'{lines // 1000}k ({nlines} lines)', '`luac5.4 -p` (process)', '', '',
                             '', '', '', f'{lp / 1024:.1f}', f'{lp / lua_rss:.2f}×'])
    load_after = os.getloadavg()[0]
    cmd = 'bench/compile/run.py --builddir ' + args.builddir + (' --quick' if args.quick else '')
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    lua_version = version(['lua5.4', '-v']).split('  ')[0]
    text = f'''## Compile (bench/compile)

Measured {now} with
`{cmd}`
(from the top of the tree, after `./configure.py && ninja`; it runs
`{args.builddir}/bench/compile_bench`).

- Machine: `{' '.join(platform.uname()[:3])}`; {machine()}; shared with
  other work: load average {load_before:.2f} at the start, {load_after:.2f} at the end.
- Compilers: {version(['g++', '--version'])}, `-O2`; {lua_version} (Debian liblua5.4, linked
  into the benchmark: `lua_load` of the source text, what `luac5.4 -p` does).
- hakmem/Hako: commit {commit()}; `hako::compile` (parse, lower to MIR, the passes of
  -O0 or -O1, register allocation, bytecode), verifier off, a fresh unit per compilation,
  memory through hakmem (default mode). Lua: a fresh `lua_State` per load, its default allocator.
- Programs: `bench/compile/gen.py --lines N --seed 1`, a Hako program and its Lua twin of the
  same shape, line for line: top-level functions with numeric loops and if/else chains, map
  literals and their iteration, arrays, closures capturing loop variables, method calls,
  string building and compound assignments, then a few calls.
- Method: {rounds} rounds; each runs every compiler as its own process, in a rotating order,
  compiling the file {', '.join(f'{r} times ({n // 1000}k lines)' for n, r, _ in sizes)} after a
  warm-up and reporting the median of this thread's CPU time (a shared machine
  disturbs it less than wall time; the wall-time ratio is shown too); the table gives the
  median over the rounds, and the spread (max − min) / median of the CPU times. Peak RSS:
  the VmHWM of a process that compiles once (the same binary for Hako and Lua, so the
  baseline is shared), and of `luac5.4 -p`.
- Target: Hako -O1 at most 1.5× Lua's time.

{table(rows)}

"hako parser alone" is the front end's share of the Hako time (parsing into the syntax tree,
which Lua's one-pass compiler does not build); the rest is the MIR stage. Most of Hako's
peak memory is that tree (site `ast.node`: about 16 MiB for 100k lines); the MIR stage keeps
only the functions being lowered, and the bytecode unit is about 6 MiB.
'''
    print(text)
    if args.record:
        path = os.path.join(ROOT, 'docs', 'BENCHMARKS.md')
        with open(path) as f:
            doc = f.read()
        pat = re.compile(r'^## Compile \(bench/compile\)\n.*?(?=^## |\Z)', re.S | re.M)
        if pat.search(doc):
            doc = pat.sub(lambda m: text + '\n', doc)
        else:
            doc = doc.rstrip('\n') + '\n\n' + text
        with open(path, 'w') as f:
            f.write(doc)
        print(f'recorded in {os.path.relpath(path, ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
