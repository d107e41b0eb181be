#!/usr/bin/env python3
"""`ninja bench`: runs every benchmark suite under bench/*/run.py (quick unless --full),
one after the other, and reports which ran."""

import argparse
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--quick', action='store_true')
    args = ap.parse_args()
    os.chdir(ROOT)
    suites = sorted(glob.glob('bench/*/run.py'))
    if not suites:
        print('bench: no benchmark suites yet')
        return 0
    bad = 0
    for s in suites:
        print(f'bench: {s}', flush=True)
        cmd = [sys.executable, s, '--builddir', args.builddir] + (['--quick'] if args.quick else [])
        bad += subprocess.call(cmd) != 0
    print(f'bench: {len(suites)} suites, {bad} failed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
