#!/usr/bin/env python3
"""`ninja tidy`: clang-tidy over the project's own sources, with the compile commands that
`ninja -t compdb` gives (written to compile_commands.json at the top, ignored by git)."""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('files', nargs='*')
    args = ap.parse_args()
    os.chdir(ROOT)
    with open('compile_commands.json', 'w') as f:
        subprocess.run(['ninja', '-t', 'compdb', 'cxx'], stdout=f, check=True)
    files = args.files or [p for p in subprocess.run(
        ['git', 'ls-files', '*.cc'], capture_output=True, text=True).stdout.split()
        if not p.startswith(('tests/', 'bench/', 'samples/'))]
    bad = 0
    for path in files:
        r = subprocess.run(['clang-tidy', '--quiet', '-p', '.', path])
        bad += r.returncode != 0
    print(f'tidy: {len(files)} files, {bad} with findings')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
