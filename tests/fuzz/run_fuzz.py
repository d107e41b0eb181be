#!/usr/bin/env python3
"""`ninja fuzz`: runs each libFuzzer target of $builddir/fuzz briefly on its seed corpus
(tests/fuzz/corpus/<name>/), in a scratch copy so the committed corpus stays small."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--seconds', type=int, default=int(os.environ.get('FUZZ_SECONDS', 20)))
    args = ap.parse_args()
    fdir = os.path.join(ROOT, args.builddir, 'fuzz')
    failed = 0
    names = sorted(f for f in os.listdir(fdir) if f.endswith('_fuzzer')) if os.path.isdir(fdir) else []
    for name in names:
        seed = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', name[:-len('_fuzzer')])
        with tempfile.TemporaryDirectory() as work:
            corpus = os.path.join(work, 'corpus')
            if os.path.isdir(seed):
                shutil.copytree(seed, corpus)
            else:
                os.makedirs(corpus)
            print(f'fuzz: {name} for {args.seconds}s', flush=True)
            r = subprocess.run([os.path.join(fdir, name), corpus, f'-max_total_time={args.seconds}',
                                '-rss_limit_mb=2048', '-timeout=10', f'-artifact_prefix={work}/'],
                               capture_output=True, text=True)
            tail = r.stderr.strip().splitlines()[-3:]
            print('    ' + '\n    '.join(tail))
            if r.returncode != 0:
                failed += 1
                for f in os.listdir(work):
                    if f.startswith(('crash-', 'timeout-', 'leak-', 'oom-')):
                        keep = os.path.join(ROOT, args.builddir, f'{name}-{f}')
                        shutil.copy(os.path.join(work, f), keep)
                        print(f'    reproducer: {keep}')
    print(f'fuzz: {len(names)} targets, {failed} failed')
    return 1 if failed or not names else 0


if __name__ == '__main__':
    sys.exit(main())
