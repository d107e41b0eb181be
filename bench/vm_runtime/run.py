#!/usr/bin/env python3
"""The VM runtime without the interpreter: json.parse/json.stringify against lua-cjson, map
operations, GC pauses.

    bench/vm_runtime/run.py --builddir build/release [--quick]

Runs $builddir/bench/runtime_bench and prints its Markdown tables (see its header for the
method). Without lua-cjson (Debian package lua-cjson) the cjson columns are empty.
"""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--quick', action='store_true')
    args = ap.parse_args()
    exe = os.path.join(ROOT, args.builddir, 'bench', 'runtime_bench')
    if not os.path.exists(exe):
        print(f'runtime bench: {exe} is not built (run ninja)')
        return 1
    cmd = [exe] + (['--quick'] if args.quick else [])
    print('$ ' + ' '.join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd),
          flush=True)
    return subprocess.call(cmd)


if __name__ == '__main__':
    sys.exit(main())
