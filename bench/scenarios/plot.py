#!/usr/bin/env python3
"""Plots of a scenario benchmark run (needs matplotlib: Debian's /usr/bin/python3 has it).

    bench/scenarios/plot.py RUNS.CSV OUTDIR

Reads the CSV that run.py writes and draws, into OUTDIR: time.png (the distribution of the
wall time per scenario and allocator, box plots), medians.png (the median wall times with
their 95 % bootstrap intervals as error bars), faults.png and rss.png (medians of soft page
faults and of peak RSS, bars with their intervals), ranking.png (the points per allocator,
stacked by scenario, ties shared as run.py shares them: ranking.py). Prints the paths it
wrote.
"""

import csv
import os
import statistics
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ranking as rk  # noqa: E402


def main():
    csv_path, out = sys.argv[1], sys.argv[2]
    runs = {}
    scenarios, allocs = [], []
    with open(csv_path, newline='') as f:
        for row in csv.DictReader(f):
            sc, a = row['scenario'], row['allocator']
            if sc not in scenarios:
                scenarios.append(sc)
            if a not in allocs:
                allocs.append(a)
            runs.setdefault((sc, a), []).append(row)
    if not runs:
        return 1

    def values(sc, a, key):
        return [float(r[key]) for r in runs.get((sc, a), [])]

    def median(sc, a, key):
        xs = values(sc, a, key)
        return statistics.median(xs) if xs else 0.0

    def errors(sc_list, a, key, scale=1):
        """Median bars' error extents (below, above) from the bootstrap intervals."""
        lows, highs = [], []
        for sc in sc_list:
            m, lo, hi = rk.median_ci(values(sc, a, key))
            lows.append((m - lo) / scale if m is not None else 0)
            highs.append((hi - m) / scale if m is not None else 0)
        return [lows, highs]

    written = []

    def save(fig, name):
        path = os.path.join(out, name)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    # Time distributions, one panel per scenario.
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.2 * len(scenarios), 4.2), squeeze=False)
    for ax, sc in zip(axes[0], scenarios):
        ax.boxplot([values(sc, a, 'seconds') for a in allocs], showfliers=True)
        ax.set_xticks(range(1, len(allocs) + 1))
        ax.set_xticklabels(allocs, rotation=45, ha='right', fontsize=8)
        ax.set_title(sc.upper())
        ax.set_ylabel('wall time per run (s)')
    save(fig, 'time.png')

    # Bars of medians with their 95 % intervals: time (relative to the scenario's fastest
    # median, so the scenarios share an axis), faults and peak RSS.
    width = 0.8 / len(allocs)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for i, a in enumerate(allocs):
        xs = [j + i * width for j in range(len(scenarios))]
        best = [min(median(sc, b, 'seconds') for b in allocs if (sc, b) in runs)
                for sc in scenarios]
        ys = [median(sc, a, 'seconds') / bst for sc, bst in zip(scenarios, best)]
        err = errors(scenarios, a, 'seconds')
        err = [[e / bst for e, bst in zip(row, best)] for row in err]
        ax.bar(xs, ys, width, yerr=err, capsize=2, label=a)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(scenarios))])
    ax.set_xticklabels([sc.upper() for sc in scenarios])
    ax.set_ylabel('median wall time ÷ the fastest median\n(error bars: 95 % bootstrap interval)')
    lo_y = min(0.9, *(median(sc, a, 'seconds') / min(median(sc, b, 'seconds') for b in allocs
                                                     if (sc, b) in runs)
                      for sc in scenarios for a in allocs if (sc, a) in runs))
    ax.set_ylim(bottom=max(0.0, lo_y - 0.05))
    ax.legend(fontsize=8)
    save(fig, 'medians.png')

    for key, label, name, scale in (('minflt', 'soft page faults (median)', 'faults.png', 1),
                                    ('peak_rss_kb', 'peak RSS, MiB (median)', 'rss.png', 1024)):
        fig, ax = plt.subplots(figsize=(9, 4.2))
        for i, a in enumerate(allocs):
            xs = [j + i * width for j in range(len(scenarios))]
            ax.bar(xs, [median(sc, a, key) / scale for sc in scenarios], width,
                   yerr=errors(scenarios, a, key, scale), capsize=2, label=a)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(scenarios))])
        ax.set_xticklabels([sc.upper() for sc in scenarios])
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
        save(fig, name)

    # The ranking: n points for the fastest median down to 1, stacked by scenario; allocators
    # whose intervals overlap share the points as run.py's table does.
    pts = {a: [] for a in allocs}
    for sc in scenarios:
        cis = {a: rk.median_ci(values(sc, a, 'seconds')) for a in allocs if (sc, a) in runs}
        grouped = rk.grouped_points(cis)
        for a in allocs:
            pts[a].append(grouped[a][0] if a in grouped else 0)
    order = sorted(allocs, key=lambda a: -sum(pts[a]))
    fig, ax = plt.subplots(figsize=(8, 4.2))
    bottom = [0] * len(order)
    for k, sc in enumerate(scenarios):
        vals = [pts[a][k] for a in order]
        ax.barh(order, vals, left=bottom, label=sc.upper())
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.invert_yaxis()
    ax.set_xlabel('points (per scenario: n for the fastest median ... 1 for the slowest;\n'
                  'allocators whose 95 % intervals overlap share them)')
    ax.legend(fontsize=8)
    save(fig, 'ranking.png')
    print('\n'.join(written))
    return 0


if __name__ == '__main__':
    sys.exit(main())
