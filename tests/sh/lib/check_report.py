#!/usr/bin/env python3
"""Validates a hakmem JSON report against the schema of docs/REPORT.md."""
import json
import sys


def fail(msg):
    print('report invalid:', msg)
    sys.exit(1)


def expect(obj, key, kind, where):
    if key not in obj:
        fail(f'{where}: missing "{key}"')
    if not isinstance(obj[key], kind) or isinstance(obj[key], bool) and kind is not bool:
        fail(f'{where}: "{key}" is {type(obj[key]).__name__}, not {kind}')
    return obj[key]


with open(sys.argv[1]) as f:
    r = json.load(f)
num = (int, float)
if expect(r, 'hakmem_report', int, 'top') != 1:
    fail('version is not 1')
expect(r, 'program', str, 'top')
expect(r, 'pid', int, 'top')
cfg = expect(r, 'config', dict, 'top')
if cfg.get('mode') not in ('off', 'baseline', 'evolving'):
    fail('config.mode')
for k in ('mmap_threshold', 'site_depth', 'purge_delay_ms'):
    expect(cfg, k, int, 'config')
kpi = expect(r, 'kpi', dict, 'top')
lat = expect(kpi, 'latency_ns', dict, 'kpi')
if not lat['p50'] <= lat['p95'] <= lat['p99']:
    fail('latency percentiles out of order')
for k in ('minor_faults', 'major_faults', 'rss_bytes', 'peak_rss_bytes', 'live_bytes',
          'allocated_bytes', 'freed_bytes'):
    if expect(kpi, k, int, 'kpi') < 0:
        fail(f'kpi.{k} < 0')
if kpi['allocated_bytes'] - kpi['freed_bytes'] != kpi['live_bytes']:
    fail('allocated - freed != live')
expect(kpi, 'fragmentation', num, 'kpi')
expect(kpi, 'peak_live_bytes', int, 'kpi')
expect(kpi, 'peak_fragmentation', num, 'kpi')
for sect, keys in (('os', ('mapped_bytes', 'segments', 'large_blocks', 'purged_bytes')),
                   ('bigcache', ('hits', 'misses', 'evictions', 'bytes_held'))):
    s = expect(r, sect, dict, 'top')
    for k in keys:
        expect(s, k, int, sect)
tl = expect(r, 'timeline', dict, 'top')
expect(tl, 'step_ms', num, 'timeline')
pts = expect(tl, 'points', list, 'timeline')
if not pts:
    fail('timeline: no point (the report takes one at least)')
for p in pts:
    if not (isinstance(p, list) and len(p) == 4 and isinstance(p[3], dict)):
        fail(f'timeline point {p}')
if any(b[0] < a[0] for a, b in zip(pts, pts[1:])):
    fail('timeline points out of order')
sites = expect(r, 'sites', list, 'top')
names = {}
last = None
for s in sites:
    where = f'site {s.get("name")}'
    for k in ('id', 'allocs', 'frees', 'bytes', 'live_bytes', 'peak_live_bytes', 'reallocs', 'samples'):
        expect(s, k, int, where)
    expect(s, 'name', str, where)
    if s.get('kind') not in ('tag', 'implicit'):
        fail(f'{where}: kind')
    expect(s, 'estimated', bool, where)
    if s['peak_live_bytes'] < s['live_bytes']:
        fail(f'{where}: peak < live')
    hist = expect(s, 'size_histogram', dict, where)
    if not s['estimated'] and sum(hist.values()) != s['allocs']:
        fail(f'{where}: histogram does not add up to allocs')
    life = expect(s, 'lifetime_ns', dict, where)
    lh = expect(s, 'lifetime_histogram', dict, where)
    if sum(lh.values()) != life['samples']:
        fail(f'{where}: lifetime histogram does not add up to its samples')
    if last is not None and s['bytes'] > last:
        fail('sites are not sorted by bytes')
    last = s['bytes']
    names[s['name']] = s
a = names.get('report.json.string')
b = names.get('report.vm.array')
if not a or not b:
    fail('the tagged sites are missing')
if a['allocs'] != 3333 or b['allocs'] != 1667 + 5:
    fail(f'tagged counts: {a["allocs"]} {b["allocs"]}')
if a['kind'] != 'tag' or a['estimated']:
    fail('tag kind')
print('report ok:', len(sites), 'sites')
