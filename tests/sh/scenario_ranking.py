#!/usr/bin/env python3
"""bench/scenarios/ranking.py: bootstrap intervals of medians, and places shared by
allocators whose intervals overlap (a difference the noise can make decides no place)."""

import importlib.util
import os
import sys

root = os.environ.get('ROOT') or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location('ranking',
                                              os.path.join(root, 'bench/scenarios/ranking.py'))
rk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rk)
failed = 0


def check(name, ok, detail=''):
    global failed
    print(f'TEST-RESULT: {"pass" if ok else "fail"} {name}')
    if not ok:
        failed += 1
        print('  ' + detail)


# Intervals: the median is inside, a constant sample has a zero-width interval, the same
# runs give the same interval (fixed seed).
xs = [1.00, 1.02, 0.99, 1.05, 1.01, 0.98, 1.03, 1.00, 1.04, 0.97]
m, lo, hi = rk.median_ci(xs)
check('median inside its interval', lo <= m <= hi and lo < hi, (m, lo, hi))
check('the same runs, the same interval', rk.median_ci(xs) == (m, lo, hi))
check('a constant sample', rk.median_ci([2.0] * 7) == (2.0, 2.0, 2.0))
check('one run', rk.median_ci([3.0]) == (3.0, 3.0, 3.0))
check('no run', rk.median_ci([]) == (None, None, None))

# Two allocators 1 % apart in noise of 5 %: tied, one place and the same points.
a = [1.00 + 0.05 * ((i * 7) % 11 - 5) / 5 for i in range(11)]
b = [x * 1.01 for x in a]
c = [x * 1.5 for x in a]  # clearly slower
pts = rk.grouped_points({'a': rk.median_ci(a), 'b': rk.median_ci(b), 'c': rk.median_ci(c)})
check('overlapping intervals share the first place',
      pts['a'][1] == pts['b'][1] == 1 and pts['a'][0] == pts['b'][0] == 2.5 and pts['a'][2] == 2,
      pts)
check('a clear loss is a place of its own', pts['c'] == (1, 3, 1), pts)
# Far apart with tight runs: every place its own.
tight = {n: rk.median_ci([v, v * 1.001, v * 0.999]) for n, v in (('x', 1.0), ('y', 2.0), ('z', 3.0))}
pts = rk.grouped_points(tight)
check('clear wins rank apart', (pts['x'], pts['y'], pts['z']) == ((3, 1, 1), (2, 2, 1), (1, 3, 1)),
      pts)
# A ratio's interval holds the ratio of the medians.
r, lo, hi = rk.ratio_ci(c, a)
check('ratio interval', lo <= r <= hi and abs(r - 1.5) < 1e-9, (r, lo, hi))
sys.exit(1 if failed else 0)
