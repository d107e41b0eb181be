#!/usr/bin/env python3
"""`ninja demo`: the project's main job. It runs the most complete thing that exists and
says plainly what it ran: the scenario benchmark (quick) once it exists; before that, the
allocator benchmark (quick); before that, the lexer over the sample programs."""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    args = ap.parse_args()
    os.chdir(ROOT)
    steps = [
        ('bench/scenarios/run.py', 'the scenario benchmark (quick): JSON, MIR, VM and MIXED '
         'on six allocators'),
        ('bench/alloc/run.py', 'the allocator benchmark (quick): hakmem against glibc, '
         'jemalloc, mimalloc and tcmalloc'),
    ]
    for script, what in steps:
        if os.path.exists(script):
            print(f'demo: running {what}', flush=True)
            return subprocess.call([sys.executable, script, '--builddir', args.builddir,
                                    '--quick'])
    print('demo: nothing bigger exists yet; running the lexer tests')
    return subprocess.call([os.path.join(args.builddir, 'tests', 'parser_test')])


if __name__ == '__main__':
    sys.exit(main())
