#!/usr/bin/env python3
"""Atomic read-modify-writes per operation, counted: how many locked instructions the
allocator executes per block in a cross-thread workload.

    bench/alloc/atomics.py [--builddir build/release] [--allocators hakmem,mimalloc]
                           [--workload prodcons --seconds 3]

Runs an alloc_bench workload under `valgrind --tool=callgrind --dump-instr=yes` with each
allocator preloaded, takes the execution count of every instruction of the allocator's own
library (callgrind gives them by offset in the object), and adds up those that objdump
shows with a `lock` prefix or as `xchg` with memory (implicitly locked). In `prodcons`
every block is freed by a thread other than the one that allocated it, so the count per
operation is the atomic traffic of one allocation, one remote free and their share of the
owner's collection. Callgrind runs the threads one at a time: the counts are the atomics
executed, not their cost under contention (a CAS that would fail and retry on real cores
succeeds here). Standard library only; glibc is not counted (its malloc is in libc, among
everything else libc does).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import run as ab  # noqa: E402  (bench/alloc/run.py: allocators, environment, checks)

SECTION = '## Atomic operations per cross-thread block (bench/alloc/atomics.py)'

LOCKED = re.compile(r'^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(lock\b|xchg\s+\S*\(|xchg\s+%\w+,\S*\()')


def locked_offsets(lib):
    """Offsets of the locked instructions of a shared library, from objdump -d."""
    out = subprocess.run(['objdump', '-d', lib], capture_output=True, text=True, check=True).stdout
    offs = set()
    for line in out.splitlines():
        m = LOCKED.match(line)
        if m:
            offs.add(int(m.group(1), 16))
    return offs


def executed_by_offset(path, lib):
    """{offset: executions} for the instructions of `lib` in a callgrind file written with
    --dump-instr=yes (positions: instr line; the first event is Ir)."""
    names = {}  # compressed ids -> names, per kind (ob, fl, fn, cob, ...)
    counts = {}
    ob = None
    addr = 0
    skip_next = False  # the line after calls= is a call's inclusive cost, not the call's own
    real = os.path.realpath(lib)

    def name(kind, value):
        m = re.match(r'\((\d+)\)(?: (.*))?$', value)
        if not m:
            return value
        key = (kind, m.group(1))
        if m.group(2) is not None:
            names[key] = m.group(2)
        return names.get(key, '')

    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            if '=' in line and re.match(r'^[a-z]+=', line):
                kind, value = line.split('=', 1)
                if kind == 'ob':
                    ob = os.path.realpath(name('ob', value)) if name('ob', value) else None
                elif kind in ('cob', 'cfi', 'cfl', 'cfn', 'fl', 'fi', 'fe', 'fn'):
                    name('ob' if kind == 'cob' else 'fl' if kind in ('fl', 'fi', 'fe', 'cfi',
                                                                     'cfl') else 'fn', value)
                elif kind == 'calls':
                    skip_next = True
                continue
            parts = line.split()
            if not parts or not re.match(r'^(0x[0-9a-f]+|[+-]\d+|\*)$', parts[0]):
                continue
            p = parts[0]
            if p.startswith('0x'):
                addr = int(p, 16)
            elif p != '*':
                addr += int(p)
            if skip_next:
                skip_next = False
                continue
            if ob == real and len(parts) >= 3:
                counts[addr] = counts.get(addr, 0) + int(parts[2])
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--builddir', default='build/release')
    ap.add_argument('--allocators', default='hakmem,hakmem-secure,jemalloc,mimalloc,tcmalloc')
    ap.add_argument('--workload', default='prodcons')
    ap.add_argument('--seconds', default='3', help='the workload\'s duration under callgrind')
    ap.add_argument('--record', action='store_true',
                    help=f'write the table to docs/BENCHMARKS.md ("{SECTION[3:]}")')
    args = ap.parse_args()
    command = 'python3 bench/alloc/atomics.py ' + ' '.join(sys.argv[1:])
    os.chdir(ab.ROOT)
    binary = os.path.join(args.builddir, 'bench', 'alloc_bench')
    if not os.path.exists(binary):
        sys.exit(f'atomics: {binary} does not exist (ninja)')
    notes = []
    args.env_variant = []
    allocs = [a for a in ab.find_allocators(args, notes) if a.preload]
    for n in notes:
        print('note:', n)
    rows = []
    for a in allocs:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'cg.out')
            env = ab.clean_env()
            env['LD_PRELOAD'] = a.preload
            cmd = ['valgrind', '--tool=callgrind', '--dump-instr=yes',
                   f'--callgrind-out-file={out}', binary, args.workload,
                   '--seconds', args.seconds]
            p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            lines = [ln for ln in p.stdout.splitlines() if ln.startswith('{')]
            if p.returncode != 0 or not lines:
                sys.exit(f'atomics: {a.name}: {p.stderr[-1500:]}')
            import json
            r = json.loads(lines[-1])
            r['stderr'] = p.stderr
            ab.check_allocator(r, a)
            counts = executed_by_offset(out, a.preload)
        locked = locked_offsets(a.preload)
        n_locked = sum(c for off, c in counts.items() if off in locked)
        n_all = sum(counts.values())
        rows.append([a.name, f'{r["ops"]:,}', f'{n_all / r["ops"]:.1f}',
                     f'{n_locked / r["ops"]:.2f}'])
        print(f'{a.name}: {r["ops"]:,} ops, {n_all / r["ops"]:.1f} allocator instructions '
              f'and {n_locked / r["ops"]:.2f} locked ones per op', flush=True)
    table = ab.markdown(['allocator', 'operations', 'allocator instructions per op',
                         'locked instructions per op'], rows)
    print()
    print(table)
    if args.record:
        import datetime
        date = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
        text = '\n'.join([
            SECTION, '', f'Measured {date} with `{command}` (from the top of the tree, after '
            '`./configure.py && ninja`).', ''] + ab.machine_lines() + [
            '', f'`alloc_bench {args.workload} --seconds {args.seconds}` under `valgrind '
            '--tool=callgrind --dump-instr=yes`, each allocator preloaded. Per operation (a '
            'block allocated by one thread and freed by another, with its share of the '
            'owner\'s collection): the instructions executed in the allocator\'s own library, '
            'and those of them that are locked read-modify-writes (`lock`-prefixed, or `xchg` '
            'with memory). Callgrind runs the threads one at a time: these are the atomics '
            'executed, not their cost under contention (a CAS that would fail and retry on '
            'two cores succeeds here). Only the allocator\'s own library is counted: the '
            'locks jemalloc and tcmalloc take through pthread mutexes run in libc, so their '
            'figures leave those out.', '', table])
        ab.record(os.path.join(ab.ROOT, 'docs', 'BENCHMARKS.md'), text, SECTION)
        print('atomics: recorded in docs/BENCHMARKS.md')


if __name__ == '__main__':
    sys.exit(main())
