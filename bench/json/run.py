#!/usr/bin/env python3
"""JSON parse throughput into a DOM: Hako against RapidJSON, simdjson and nlohmann::json.

    bench/json/run.py --builddir build/release [--quick] [FILE.json ...]

Runs $builddir/bench/json_bench (see its header for the method) and prints its Markdown
table. Peers that configure.py did not find are skipped with a note. Quick mode (what
`ninja bench` uses) takes a few seconds; the full run is what docs/BENCHMARKS.md quotes.
"""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(builddir):
    env = {}
    path = os.path.join(builddir, 'config.env')
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.strip().partition('=')
                env[k] = v
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('files', nargs='*', help='JSON files to measure besides the generated ones')
    args = ap.parse_args()
    builddir = os.path.join(ROOT, args.builddir)
    exe = os.path.join(builddir, 'bench', 'json_bench')
    if not os.path.exists(exe):
        print(f'json bench: {exe} is not built (run ninja)')
        return 1
    cfg = config(builddir)
    for key, name in (('HAVE_RAPIDJSON', 'RapidJSON'), ('HAVE_SIMDJSON', 'simdjson'),
                      ('HAVE_NLOHMANN_JSON', 'nlohmann::json')):
        if cfg.get(key) == '0':
            print(f'note: {name} was not found by configure.py: skipped')
    if cfg.get('MODE', 'release') != 'release':
        print(f'note: a {cfg.get("MODE")} build: the figures mean little')
    cmd = [exe] + (['--quick'] if args.quick else []) + args.files
    print('$ ' + ' '.join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd),
          flush=True)
    return subprocess.call(cmd)


if __name__ == '__main__':
    sys.exit(main())
