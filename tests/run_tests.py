#!/usr/bin/env python3
"""Runs every test of the project and ends with one line: `N passed, N failed`.

- GoogleTest binaries: $builddir/tests/*_test (each test case counts once).
- Script tests: tests/sh/*.sh and tests/sh/*.py. Exit 0 passes, 77 skips, anything else
  fails. A script that checks many cases prints `TEST-RESULT: pass|fail|skip NAME` per case;
  those lines are counted instead of the script itself.
Environment given to scripts: ROOT, BUILDDIR (absolute), MODE, PYTHON.
Exit status: 0 when nothing failed.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Result:
    def __init__(self, name):
        self.name = name
        self.passed, self.failed, self.skipped = [], [], []
        self.output = ''
        self.seconds = 0.0


def run_gtest(path, timeout, env):
    r = Result(os.path.basename(path))
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, 'report.json')
        start = time.time()
        try:
            p = subprocess.run([path, f'--gtest_output=json:{report}'], capture_output=True,
                               text=True, timeout=timeout, env=env, cwd=ROOT)
            r.output = p.stdout + p.stderr
            code = p.returncode
        except subprocess.TimeoutExpired as e:
            r.output = f'timed out after {timeout}s\n' + (e.stdout or b'').decode(errors='replace')
            code = -1
        r.seconds = time.time() - start
        cases = []
        if os.path.exists(report):
            with open(report) as f:
                data = json.load(f)
            for suite in data.get('testsuites', []):
                for case in suite.get('testsuite', []):
                    name = f"{suite['name']}.{case['name']}"
                    if case.get('result') == 'SKIPPED' or case.get('status') == 'NOTRUN':
                        r.skipped.append(name)
                    elif case.get('failures'):
                        r.failed.append(name)
                    else:
                        r.passed.append(name)
                    cases.append(name)
        if code != 0 and not r.failed:
            # A crash or timeout outside any case still fails the binary.
            r.failed.append(f'{r.name} (exit status {code})')
    return r


def run_script(path, timeout, env):
    r = Result(os.path.relpath(path, ROOT))
    cmd = ['bash', path] if path.endswith('.sh') else [env['PYTHON'], path]
    start = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           cwd=ROOT)
        r.output = p.stdout + p.stderr
        code = p.returncode
    except subprocess.TimeoutExpired as e:
        r.output = f'timed out after {timeout}s\n' + (e.stdout or b'').decode(errors='replace')
        code = -1
    r.seconds = time.time() - start
    counted = False
    for line in r.output.splitlines():
        if line.startswith('TEST-RESULT: '):
            parts = line.split(' ', 2)
            if len(parts) == 3:
                counted = True
                {'pass': r.passed, 'fail': r.failed, 'skip': r.skipped}.get(
                    parts[1], r.failed).append(f'{r.name}: {parts[2]}')
    if not counted:
        {0: r.passed, 77: r.skipped}.get(code, r.failed).append(r.name)
    elif code not in (0, 77) and not r.failed:
        r.failed.append(f'{r.name} (exit status {code})')
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--mode', default='release')
    ap.add_argument('-j', '--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('--timeout', type=int, default=300)
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('filter', nargs='*', help='run only tests whose name contains one of these')
    args = ap.parse_args()

    builddir = os.path.abspath(args.builddir)
    env = dict(os.environ, ROOT=ROOT, BUILDDIR=builddir, MODE=args.mode,
               PYTHON=sys.executable)
    jobs = []
    tdir = os.path.join(builddir, 'tests')
    if os.path.isdir(tdir):
        for f in sorted(os.listdir(tdir)):
            p = os.path.join(tdir, f)
            if f.endswith('_test') and os.access(p, os.X_OK):
                jobs.append((run_gtest, p))
    sdir = os.path.join(ROOT, 'tests', 'sh')
    if os.path.isdir(sdir):
        for f in sorted(os.listdir(sdir)):
            if f.endswith(('.sh', '.py')):
                jobs.append((run_script, os.path.join(sdir, f)))
    if args.filter:
        jobs = [j for j in jobs if any(s in os.path.basename(j[1]) for s in args.filter)]

    passed = failed = skipped = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(fn, path, args.timeout, env) for fn, path in jobs]
        for fut in concurrent.futures.as_completed(futs):
            r = fut.result()
            passed += len(r.passed)
            failed += len(r.failed)
            skipped += len(r.skipped)
            status = 'FAIL' if r.failed else 'ok'
            print(f'[{status}] {r.name}: {len(r.passed)} passed, {len(r.failed)} failed'
                  + (f', {len(r.skipped)} skipped' if r.skipped else '')
                  + f' ({r.seconds:.1f}s)', flush=True)
            for name in r.failed:
                print(f'    FAILED: {name}')
            if r.failed or args.verbose:
                print('    ' + r.output[-6000:].replace('\n', '\n    '))
            for name in r.skipped:
                print(f'    skipped: {name}')
    if skipped:
        print(f'({skipped} skipped: a dependency or mode they need is missing)')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed or passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
