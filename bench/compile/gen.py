#!/usr/bin/env python3
"""Generates a large Hako program and its Lua 5.4 twin of the same shape (bench/compile).

    bench/compile/gen.py --lines 10000 --seed 1 OUT.hako OUT.lua

Both programs have the same functions, statements and line structure (a Hako `}` line is
a Lua `end` line): top-level functions with numeric loops, if/else chains, maps and their
iteration, arrays, closures that capture loop variables, method calls, string building and
compound assignments, then a few top-level calls. They are meant to be compiled, not run
(though both run). The output depends only on --lines and --seed.
"""

import argparse
import random


class Twin:
    """Two programs written line by line in step."""

    def __init__(self):
        self.hako, self.lua = [], []
        self.depth = 0

    def line(self, h, l):
        pad = '  ' * self.depth
        self.hako.append(pad + h)
        self.lua.append(pad + l)

    def open(self, h, l):
        self.line(h, l)
        self.depth += 1

    def close(self, h='}', l='end'):
        self.depth -= 1
        self.line(h, l)

    def middle(self, h, l):  # `} else {` / `else`
        self.depth -= 1
        self.line(h, l)
        self.depth += 1


def numeric(t, r, name):
    a, b, c = r.randint(2, 9), r.randint(1, 99), r.randint(3, 7)
    t.open(f'fn {name}(n, m) {{', f'function {name}(n, m)')
    t.line('let total = 0;', 'local total = 0')
    t.line(f'let scale = {a} * m + {b};', f'local scale = {a} * m + {b}')
    t.open('for (i in range(0, n)) {', 'for i = 0, n - 1 do')
    t.open(f'if (i % {c} == 0) {{', f'if i % {c} == 0 then')
    t.line('total += i * scale;', 'total = total + i * scale')
    t.middle(f'}} else if (i % {c} == 1) {{', f'elseif i % {c} == 1 then')
    t.line(f'total -= (i // 2) + {b};', f'total = total - ((i // 2) + {b})')
    t.middle('} else {', 'else')
    t.line(f'total = total * {a} % 1000003;', f'total = total * {a} % 1000003')
    t.close()
    t.close()
    t.line(f'let ratio = total / (n + {b});', f'local ratio = total / (n + {b})')
    t.open('if (ratio > 1.5 && total != 0 || m < 0) {', 'if ratio > 1.5 and total ~= 0 or m < 0 then')
    t.line('return total;', 'return total')
    t.close()
    t.line(f'return total + {r.randint(1, 1000)};', f'return total + {r.randint(1, 1000)}')
    t.close()


def maps(t, r, name):
    k1, k2, k3 = r.sample(['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta'], 3)
    t.open(f'fn {name}(words) {{', f'function {name}(words)')
    t.line(f'let counts = {{{k1}: 0, {k2}: 1, "{k3}": 2}};',
           f'local counts = {{{k1} = 0, {k2} = 1, ["{k3}"] = 2}}')
    t.open('for (i, w in words) {', 'for i, w in ipairs(words) do')
    t.line('let c = counts[w];', 'local c = counts[w]')
    t.open('if (c == nil) {', 'if c == nil then')
    t.line('counts[w] = i;', 'counts[w] = i')
    t.middle('} else {', 'else')
    t.line('counts[w] += 1;', 'counts[w] = counts[w] + 1')
    t.close()
    t.close()
    t.line('let out = "";', 'local out = ""')
    t.open('for (k, v in counts) {', 'for k, v in pairs(counts) do')
    t.line('out ..= k .. "=" .. str(v) .. ";";', 'out = out .. k .. "=" .. tostring(v) .. ";"')
    t.close()
    t.line(f'counts.{k1} = len(out);', f'counts.{k1} = #out')
    t.line(f'return out .. str(counts.{k2});', f'return out .. tostring(counts.{k2})')
    t.close()


def closures(t, r, name):
    d = r.randint(1, 9)
    t.open(f'fn {name}(n) {{', f'function {name}(n)')
    t.line('let fns = [];', 'local fns = {}')
    t.open('for (i in range(0, n)) {', 'for i = 0, n - 1 do')
    t.line(f'push(fns, fn(x) {{ return x * i + {d}; }});',
           f'fns[#fns + 1] = function(x) return x * i + {d} end')
    t.close()
    t.line('let count = 0;', 'local count = 0')
    t.line('let bump = fn(by) { count += by; return count; };',
           'local bump = function(by) count = count + by; return count end')
    t.line('let sum = 0;', 'local sum = 0')
    t.open('for (f in fns) {', 'for _, f in ipairs(fns) do')
    t.line(f'sum += f({d}) + bump(1);', f'sum = sum + f({d}) + bump(1)')
    t.close()
    t.line('return sum;', 'return sum')
    t.close()


def loops(t, r, name):
    lim = r.randint(10, 500)
    t.open(f'fn {name}(a, b) {{', f'function {name}(a, b)')
    t.line('let x = a;', 'local x = a')
    t.line('let steps = 0;', 'local steps = 0')
    t.open(f'while (x != 1 && steps < {lim}) {{', f'while x ~= 1 and steps < {lim} do')
    t.open('if (x % 2 == 0) {', 'if x % 2 == 0 then')
    t.line('x = x // 2;', 'x = x // 2')
    t.middle('} else {', 'else')
    t.line('x = 3 * x + 1;', 'x = 3 * x + 1')
    t.close()
    t.line('steps += 1;', 'steps = steps + 1')
    t.open('if (steps > b) {', 'if steps > b then')
    t.line('break;', 'break')
    t.close()
    t.close()
    t.line('return steps || -1;', 'return steps or -1')
    t.close()


def arrays(t, r, name):
    vals = ', '.join(str(r.randint(0, 99)) for _ in range(r.randint(3, 8)))
    t.open(f'fn {name}(extra) {{', f'function {name}(extra)')
    t.line(f'let xs = [{vals}];', f'local xs = {{{vals}}}')
    t.line('push(xs, extra);', 'xs[#xs + 1] = extra')
    t.line('let best = xs[0];', 'local best = xs[1]')
    t.open('for (v in xs) {', 'for _, v in ipairs(xs) do')
    t.open('if (v > best) {', 'if v > best then')
    t.line('best = v;', 'best = v')
    t.close()
    t.close()
    t.line('xs[1] += best * 2;', 'xs[2] = xs[2] + best * 2')
    t.line('return best + len(xs);', 'return best + #xs')
    t.close()


def objects(t, r, name):
    t.open(f'fn {name}(x, y) {{', f'function {name}(x, y)')
    t.line('let p = {x: x, y: y};', 'local p = {x = x, y = y}')
    t.line('p.len2 = fn(self) { return self.x * self.x + self.y * self.y; };',
           'p.len2 = function(self) return self.x * self.x + self.y * self.y end')
    t.line('p.move = fn(self, dx, dy) { self.x += dx; self.y += dy; };',
           'p.move = function(self, dx, dy) self.x = self.x + dx; self.y = self.y + dy end')
    t.line(f'p:move({r.randint(1, 9)}, -{r.randint(1, 9)});',
           f'p:move({r.randint(1, 9)}, -{r.randint(1, 9)})')
    t.line('let s = string.format("%d,%d", p.x, p.y);',
           'local s = string.format("%d,%d", p.x, p.y)')
    t.line('return string.sub(s, 0, 3) .. str(p:len2());',
           'return string.sub(s, 1, 3) .. tostring(p:len2())')
    t.close()


KINDS = [numeric, maps, closures, loops, arrays, objects]


def generate(lines, seed):
    r = random.Random(seed)
    t = Twin()
    t.line('// generated by bench/compile/gen.py', '-- generated by bench/compile/gen.py')
    names = []
    while len(t.hako) < lines - 12:
        kind = KINDS[len(names) % len(KINDS)]
        name = f'{kind.__name__[:3]}{len(names)}'
        kind(t, r, name)
        names.append((kind, name))
    t.line('let results = [];', 'local results = {}')
    for kind, name in names[:6]:
        args = {'numeric': '10, 2', 'maps': '["a", "b", "a"]', 'closures': '5',
                'loops': '27, 100', 'arrays': '7', 'objects': '3, 4'}[kind.__name__]
        largs = args.replace('[', '{').replace(']', '}')
        t.line(f'push(results, {name}({args}));', f'results[#results + 1] = {name}({largs})')
    t.line('print(len(results));', 'print(#results)')
    return '\n'.join(t.hako) + '\n', '\n'.join(t.lua) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--lines', type=int, default=10000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('hako')
    ap.add_argument('lua')
    args = ap.parse_args()
    h, l = generate(args.lines, args.seed)
    with open(args.hako, 'w') as f:
        f.write(h)
    with open(args.lua, 'w') as f:
        f.write(l)


if __name__ == '__main__':
    main()
