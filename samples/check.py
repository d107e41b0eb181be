#!/usr/bin/env python3
"""Runs the sample programs at their small size and compares with the goldens.

  samples/check.py                  Lua twins (lua5.4) against tests/golden/samples
  samples/check.py --hako "CMD"     Hako twins, run as `CMD samples/NAME.hako SIZE`
                                    (CMD is split like a shell command line)
  samples/check.py --lua "CMD"      Lua twins run by CMD instead of lua5.4, e.g.
                                    "build/release/hako lua"
  samples/check.py --update         rewrite the goldens from the Lua twins
  samples/check.py --bench [--hako "CMD"]
                                    run at the bench size, print wall times
  samples/check.py ... NAME...      only these programs (any mode)

Sizes come from samples/sizes.txt. The goldens are made by the Lua twins, so
they are verified twice: by Lua here, by the Hako VM later. Ends with the
line "N passed, N failed"; exits 1 on a failure, 77 when lua5.4 is missing.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOLDEN = os.path.join(ROOT, "tests", "golden", "samples")


def read_sizes():
    programs = []
    with open(os.path.join(HERE, "sizes.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                programs.append((line[0], line[1], line[2], line[3:]))
    return programs


def command(args, name, size, extra, scratch):
    if args.hako:
        cmd = shlex.split(args.hako) + [os.path.join(HERE, name + ".hako")]
    else:
        cmd = shlex.split(args.lua or "lua5.4") + [os.path.join(HERE, name + ".lua")]
    cmd.append(size)
    cmd += [e.replace("{tmp}", scratch) for e in extra]
    return cmd


def golden(name):
    """The expected output of NAME at its small size, or None when there is no golden."""
    try:
        with open(os.path.join(GOLDEN, name + ".small.out"), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def first_difference(got, want):
    """None when the outputs (bytes) are equal, else (line number, wanted line, got line)."""
    if got == want:
        return None
    g = got.decode(errors="replace").splitlines()
    w = want.decode(errors="replace").splitlines()
    i = next((i for i in range(max(len(g), len(w)))
              if i >= len(g) or i >= len(w) or g[i] != w[i]), 0)
    return (i + 1, w[i] if i < len(w) else "<end>", g[i] if i < len(g) else "<end>")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hako", metavar="CMD",
                    help="run the Hako twins with this command, e.g. 'build/release/hako run'")
    ap.add_argument("--lua", metavar="CMD",
                    help="run the Lua twins with this command instead of lua5.4")
    ap.add_argument("--update", action="store_true", help="rewrite the goldens (Lua only)")
    ap.add_argument("--bench", action="store_true", help="run at the bench size, print times")
    ap.add_argument("names", nargs="*", help="programs to run (default: all)")
    args = ap.parse_args()

    if args.hako and args.lua:
        sys.exit("--hako and --lua: one or the other")
    if args.update and (args.hako or args.lua):
        sys.exit("--update makes the goldens with lua5.4 only")
    if not args.hako and not args.lua and shutil.which("lua5.4") is None:
        print("skipped: lua5.4 is not installed")
        sys.exit(77)

    programs = read_sizes()
    known = {p[0] for p in programs}
    for n in args.names:
        if n not in known:
            sys.exit("unknown program: " + n)
    if args.names:
        programs = [p for p in programs if p[0] in args.names]

    os.makedirs(GOLDEN, exist_ok=True)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="hako-samples-") as tmp:
        for name, small, bench, extra in programs:
            size = bench if args.bench else small
            scratch = os.path.join(tmp, name + ".scratch")
            cmd = command(args, name, size, extra, scratch)
            start = time.monotonic()
            run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            elapsed = time.monotonic() - start
            if run.returncode != 0:
                failed += 1
                print("FAIL %-15s exit %d: %s" % (name, run.returncode,
                                                 run.stderr.decode(errors="replace").strip()))
                continue
            if args.bench:
                passed += 1
                print("%-15s %-8s %6.2f s" % (name, size, elapsed))
                continue
            golden_file = os.path.join(GOLDEN, name + ".small.out")
            if args.update:
                with open(golden_file, "wb") as f:
                    f.write(run.stdout)
                passed += 1
                print("wrote  %s (%d bytes)" % (os.path.relpath(golden_file, ROOT),
                                               len(run.stdout)))
                continue
            want = golden(name)
            if want is None:
                failed += 1
                print("FAIL %-15s no golden file %s" % (name, os.path.relpath(golden_file, ROOT)))
                continue
            diff = first_difference(run.stdout, want)
            if diff is None:
                passed += 1
                print("ok   %-15s %-6s %.3f s" % (name, small, elapsed))
            else:
                failed += 1
                print("FAIL %-15s output differs from the golden at line %d" % (name, diff[0]))
                print("     want: %r" % diff[1])
                print("     got:  %r" % diff[2])
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
