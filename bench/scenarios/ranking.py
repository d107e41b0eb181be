"""Medians with bootstrap confidence intervals, and a ranking that tells ties from wins.

A median of a few noisy runs differs from another by chance; ranking by medians alone let
1 % decide places. Each allocator's median gets a 95 % bootstrap interval (the runs
resampled with replacement, 2000 times, with a fixed seed: the same runs give the same
intervals); allocators whose intervals overlap the interval of the fastest allocator of
their group share its place and the average of the group's points. Standard library only
(run.py and plot.py both use it).
"""

import random
import statistics

RESAMPLES = 2000


def median_ci(xs, level=0.95, seed=1):
    """(median, low, high): the median of xs and its bootstrap interval."""
    xs = list(xs)
    if not xs:
        return None, None, None
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(RESAMPLES))
    lo = meds[int((1 - level) / 2 * (RESAMPLES - 1))]
    hi = meds[int((1 + level) / 2 * (RESAMPLES - 1))]
    return statistics.median(xs), lo, hi


def ratio_ci(xs, ys, level=0.95, seed=2):
    """(median(xs) / median(ys), low, high), both resampled."""
    if not xs or not ys:
        return None, None, None
    rng = random.Random(seed)
    rs = sorted(statistics.median(rng.choices(xs, k=len(xs)))
                / statistics.median(rng.choices(ys, k=len(ys))) for _ in range(RESAMPLES))
    lo = rs[int((1 - level) / 2 * (RESAMPLES - 1))]
    hi = rs[int((1 + level) / 2 * (RESAMPLES - 1))]
    return statistics.median(xs) / statistics.median(ys), lo, hi


def overlap(a, b):
    """Whether two (median, low, high) intervals overlap."""
    return a[1] <= b[2] and b[1] <= a[2]


def grouped_points(cis):
    """{name: (points, place, group size)} for one scenario from {name: (median, lo, hi)}:
    n points for the fastest down to 1, ordered by median; a name whose interval overlaps
    the interval of its group's fastest member joins that group, which shares one place and
    the average of its members' points."""
    order = sorted(cis, key=lambda n: cis[n][0])
    n = len(order)
    out = {}
    i = 0
    while i < n:
        j = i
        while j + 1 < n and overlap(cis[order[i]], cis[order[j + 1]]):
            j += 1
        share = sum(n - k for k in range(i, j + 1)) / (j - i + 1)
        for k in range(i, j + 1):
            out[order[k]] = (share, i + 1, j - i + 1)
        i = j + 1
    return out
