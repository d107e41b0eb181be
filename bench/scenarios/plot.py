#!/usr/bin/env python3
"""Plots of a scenario benchmark run (needs matplotlib: Debian's /usr/bin/python3 has it).

    bench/scenarios/plot.py RUNS.CSV OUTDIR

Reads the CSV that run.py writes and draws, into OUTDIR: time.png (the distribution of the
wall time per scenario and allocator, box plots), faults.png and rss.png (medians of soft
page faults and of peak RSS, bars), ranking.png (the points per allocator, stacked by
scenario). Prints the paths it wrote.
"""

import csv
import os
import statistics
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


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

    # Bars of medians: faults and peak RSS.
    width = 0.8 / len(allocs)
    for key, label, name, scale in (('minflt', 'soft page faults (median)', 'faults.png', 1),
                                    ('peak_rss_kb', 'peak RSS, MiB (median)', 'rss.png', 1024)):
        fig, ax = plt.subplots(figsize=(9, 4.2))
        for i, a in enumerate(allocs):
            xs = [j + i * width for j in range(len(scenarios))]
            ax.bar(xs, [median(sc, a, key) / scale for sc in scenarios], width, label=a)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(scenarios))])
        ax.set_xticklabels([sc.upper() for sc in scenarios])
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
        save(fig, name)

    # The ranking: n points for the fastest median down to 1, stacked by scenario.
    pts = {a: [] for a in allocs}
    for sc in scenarios:
        ranked = sorted((median(sc, a, 'seconds'), a) for a in allocs if (sc, a) in runs)
        for place, (_, a) in enumerate(ranked):
            pts[a].append(len(ranked) - place)
        for a in allocs:
            if (sc, a) not in runs:
                pts[a].append(0)
    order = sorted(allocs, key=lambda a: -sum(pts[a]))
    fig, ax = plt.subplots(figsize=(8, 4.2))
    bottom = [0] * len(order)
    for k, sc in enumerate(scenarios):
        vals = [pts[a][k] for a in order]
        ax.barh(order, vals, left=bottom, label=sc.upper())
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.invert_yaxis()
    ax.set_xlabel('points (per scenario: n for the fastest median ... 1 for the slowest)')
    ax.legend(fontsize=8)
    save(fig, 'ranking.png')
    print('\n'.join(written))
    return 0


if __name__ == '__main__':
    sys.exit(main())
