#!/usr/bin/env python3
"""Runs a Hako program on Lua 5.4 by translating its syntax tree.

  samples/tools/hakolua.py [--hako PATH] [--emit] FILE.hako [ARGS...]

A checking aid for the samples while the Hako VM cannot run programs: it
reads the tree that `hako --dump-ast` prints, turns it into Lua that calls
hako_rt.lua (0-based bounds-checked arrays, insertion-ordered maps that hold
nil, type-checked operators, only the documented string.format
conversions), and runs it with lua5.4. --emit prints the Lua instead.
It is not the VM: it is slow, and where LANGUAGE.md is silent it follows
Lua 5.4.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

LUA_KEYWORDS = {"and", "do", "elseif", "end", "function", "goto", "local", "not", "or",
                "repeat", "then", "until"}


class Node:
    def __init__(self, label):
        self.label = label
        self.kids = []

    def __repr__(self):
        return "Node(%r)" % self.label


def parse_dump(text):
    lines = text.split("\n")
    root = None
    stack = []
    for line in lines:
        if not line:
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        node = Node(line.strip())
        if depth == 0:
            root = node
            stack = [node]
            continue
        del stack[depth:]
        stack[-1].kids.append(node)
        stack.append(node)
    return root


def decode_hako_string(body):
    """The dump's quoted string (without quotes) to bytes."""
    out = bytearray()
    raw = body.encode("utf-8")
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:
            e = chr(raw[i + 1])
            if e == "x":
                out.append(int(raw[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"n": b"\n", "t": b"\t", "r": b"\r", "0": b"\0", '"': b'"', "\\": b"\\",
                    "'": b"'"}[e]
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def lua_string(data):
    parts = ['"']
    for b in data:
        ch = chr(b)
        if ch in '"\\':
            parts.append("\\" + ch)
        elif 32 <= b < 127:
            parts.append(ch)
        else:
            parts.append("\\%03d" % b)
    parts.append('"')
    return "".join(parts)


def name(n):
    return n + "_" if n in LUA_KEYWORDS else n


def params_of(label):
    m = re.search(r"\(([^)]*)\)$", label)
    inner = m.group(1).strip()
    return [name(p.strip()) for p in inner.split(",")] if inner else []


BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "//": "idiv", "%": "mod",
          "**": "pow", "..": "cat", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
ASSIGN = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div", "..=": "cat"}


class Gen:
    def __init__(self):
        self.out = []
        self.loops = []
        self.counter = 0

    def fresh(self):
        self.counter += 1
        return self.counter

    def emit(self, depth, text):
        self.out.append("  " * depth + text)

    # ---- expressions ----
    def expr(self, n):
        lab = n.label
        kind, _, rest = lab.partition(" ")
        if lab == "Nil":
            return "nil"
        if kind == "Bool":
            return rest
        if kind == "Int":
            if rest == "-9223372036854775808":
                return "math.mininteger"
            return "(%s)" % rest
        if kind == "Float":
            if rest in ("inf", "-inf", "nan"):
                raise SystemExit("float literal %s" % rest)
            return "(%s)" % rest
        if kind == "String":
            return lua_string(decode_hako_string(rest[1:-1]))
        if kind == "Name":
            return name(rest)
        if lab == "Array":
            items = [self.expr(k) for k in n.kids]
            return "__h.arr(%d%s)" % (len(items), "".join(", " + i for i in items))
        if lab == "Map":
            items = []
            for entry in n.kids:
                items.append(self.expr(entry.kids[0]))
                items.append(self.expr(entry.kids[1]))
            return "__h.map(%d%s)" % (len(items), "".join(", " + i for i in items))
        if lab.startswith("FnExpr"):
            return self.function(params_of(lab), n.kids[0])
        if kind == "Unary":
            if rest == "-":
                return "__h.neg(%s)" % self.expr(n.kids[0])
            return "(not %s)" % self.expr(n.kids[0])
        if kind == "Binary":
            a, b = self.expr(n.kids[0]), self.expr(n.kids[1])
            if rest in BINARY:
                return "__h.%s(%s, %s)" % (BINARY[rest], a, b)
            op = {"==": "==", "!=": "~=", "&&": "and", "||": "or"}[rest]
            return "(%s %s %s)" % (a, op, b)
        if lab == "Index":
            return "__h.get(%s, %s)" % (self.expr(n.kids[0]), self.expr(n.kids[1]))
        if kind == "Field":
            return "__h.get(%s, %s)" % (self.expr(n.kids[0]), lua_string(rest.encode()))
        if lab == "Call":
            return "(%s)" % self.call(n)
        if kind == "Method":
            args = [self.expr(k) for k in n.kids]
            return "__h.method(%s, %s%s)" % (args[0], lua_string(rest.encode()),
                                              "".join(", " + a for a in args[1:]))
        raise SystemExit("unknown expression node: " + lab)

    def call(self, n):
        f = self.expr(n.kids[0])
        args = ", ".join(self.expr(k) for k in n.kids[1:])
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", f):
            f = "(%s)" % f
        return "%s(%s)" % (f, args)

    def function(self, params, block):
        saved_out, saved_loops = self.out, self.loops
        self.out, self.loops = [], []
        self.block_body(block, 1, top=False)
        body = self.out
        self.out, self.loops = saved_out, saved_loops
        return "function(%s)\n%s\nend" % (", ".join(params), "\n".join(body))

    # ---- statements ----
    def block_body(self, block, depth, top):
        for s in block.kids:
            self.stmt(s, depth, top)

    def loop_body(self, block, depth):
        label = "__continue_%d" % self.fresh()
        self.loops.append(label)
        self.emit(depth, "do")
        self.block_body(block, depth + 1, top=False)
        self.emit(depth, "end;")
        self.emit(depth, "::%s::;" % label)
        self.loops.pop()

    def stmt(self, n, d, top):
        lab = n.label
        kind, _, rest = lab.partition(" ")
        if kind == "Let":
            init = self.expr(n.kids[0]) if n.kids else "nil"
            if top:
                self.emit(d, "%s = %s;" % (name(rest), init))
            else:
                self.emit(d, "local %s = %s;" % (name(rest), init))
        elif kind == "Fn":
            fname = name(rest[:rest.index("(")])
            fn = self.function(params_of(lab), n.kids[0])
            if top:
                self.emit(d, "%s = %s;" % (fname, fn))
            else:
                self.emit(d, "local %s; %s = %s;" % (fname, fname, fn))
        elif kind == "Assign":
            target, value = n.kids
            tkind, _, tname = target.label.partition(" ")
            if tkind == "Name":
                v = self.expr(value)
                if rest != "=":
                    v = "__h.%s(%s, %s)" % (ASSIGN[rest], name(tname), v)
                self.emit(d, "%s = %s;" % (name(tname), v))
            else:
                obj = self.expr(target.kids[0])
                key = self.expr(target.kids[1]) if target.label == "Index" else lua_string(tname.encode())
                if rest == "=":
                    self.emit(d, "__h.set(%s, %s, %s);" % (obj, key, self.expr(value)))
                else:
                    self.emit(d, "do local __o, __k = %s, %s; __h.set(__o, __k, __h.%s(__h.get(__o, __k), %s)) end;"
                              % (obj, key, ASSIGN[rest], self.expr(value)))
        elif lab == "If":
            first = True
            for clause in n.kids:
                if clause.label == "Clause":
                    self.emit(d, "%s %s then" % ("if" if first else "elseif", self.expr(clause.kids[0])))
                    self.block_body(clause.kids[1], d + 1, top=False)
                else:
                    self.emit(d, "else")
                    self.block_body(clause.kids[0], d + 1, top=False)
                first = False
            self.emit(d, "end;")
        elif lab == "While":
            self.emit(d, "while %s do" % self.expr(n.kids[0]))
            self.loop_body(n.kids[1], d + 1)
            self.emit(d, "end;")
        elif kind == "ForRange":
            args = [self.expr(k) for k in n.kids[:-1]]
            step = args[2] if len(args) == 3 else "1"
            self.emit(d, "do local __a, __b, __s = %s, %s, %s;" % (args[0], args[1], step))
            self.emit(d + 1, "for %s = __a, __h.range_last(__b, __s), __s do" % name(rest))
            self.loop_body(n.kids[-1], d + 2)
            self.emit(d + 1, "end;")
            self.emit(d, "end;")
        elif kind == "ForIn":
            names = [name(x.strip()) for x in rest.split(",")]
            it = self.expr(n.kids[0])
            if len(names) == 1:
                self.emit(d, "for __i_%d, %s in __h.values(%s) do" % (self.fresh(), names[0], it))
            else:
                self.emit(d, "for %s, %s in __h.pairs(%s) do" % (names[0], names[1], it))
            self.loop_body(n.kids[1], d + 1)
            self.emit(d, "end;")
        elif lab == "Return":
            self.emit(d, "do return %s end;" % (self.expr(n.kids[0]) if n.kids else ""))
        elif lab == "Break":
            self.emit(d, "break;")
        elif lab == "Continue":
            self.emit(d, "goto %s;" % self.loops[-1])
        elif lab == "Block":
            self.emit(d, "do")
            self.block_body(n, d + 1, top=False)
            self.emit(d, "end;")
        elif lab == "Expr":
            e = n.kids[0]
            if e.label == "Call":
                self.emit(d, self.call(e) + ";")
            elif e.label.startswith("Method"):
                self.emit(d, self.expr(e) + ";")
            else:
                raise SystemExit("expression statement that is not a call: " + e.label)
        else:
            raise SystemExit("unknown statement node: " + lab)


def translate(dump):
    root = parse_dump(dump)
    g = Gen()
    g.block_body(root, 0, top=True)
    head = ("local __h = dofile(%s)\n__h.set_args({...})\nlocal _ENV = __h.env\n"
            % lua_string(os.path.join(HERE, "hako_rt.lua").encode()))
    return head + "\n".join(g.out) + "\n"


def main():
    argv = sys.argv[1:]
    hako = os.path.join(ROOT, "build", "release", "hako")
    emit = False
    while argv and argv[0].startswith("--"):
        if argv[0] == "--hako":
            hako = argv[1]
            argv = argv[2:]
        elif argv[0] == "--emit":
            emit = True
            argv = argv[1:]
        else:
            sys.exit(__doc__)
    if not argv:
        sys.exit(__doc__)
    src = argv[0]
    dump = subprocess.run([hako, "--dump-ast", src], stdout=subprocess.PIPE)
    if dump.returncode != 0:
        sys.exit(dump.returncode)
    lua = translate(dump.stdout.decode("utf-8"))
    if emit:
        sys.stdout.write(lua)
        return
    run = subprocess.run(["lua5.4", "-", *argv[1:]], input=lua.encode())
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
