#!/usr/bin/env python3
"""Writes build.ninja for hakmem and the Hako runtime kit.

    ./configure.py [--mode release|debug|asan|tsan] [--cxx CXX] [--builddir DIR]
                   [--prefix DIR] [--install-deps]

Standard library only, in the manner of Ninja's own configure.py. Sources are found by
folder convention (see the README of each folder), so adding a file needs no edit here:
build.ninja depends on the source folders and is rewritten when one of them changes.
"""

import argparse
import glob
import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
os.chdir(ROOT)

MODES = {
    'release': '-O2 -g -DNDEBUG',
    'debug': '-O0 -g -DHAK_DEBUG=2',
    'asan': '-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined '
            '-fno-sanitize-recover=undefined -DHAK_DEBUG=1 -DHAK_SANITIZER=1',
    'tsan': '-O1 -g -fsanitize=thread -DHAK_DEBUG=1 -DHAK_SANITIZER=1',
}
MODE_LDFLAGS = {
    'release': '', 'debug': '',
    'asan': '-fsanitize=address,undefined',
    'tsan': '-fsanitize=thread',
}


# --------------------------------------------------------------------------------------
# Dependencies: what each one is, how to find it, which Debian packages provide it.

def have_file(*paths):
    return all(os.path.exists(p) for p in paths)


def have_prog(*names):
    return all(shutil.which(n) for n in names)


def ldconfig_lib(soname):
    """Path of a shared library by soname, from the linker cache (never a guessed path)."""
    try:
        out = subprocess.run(['/sbin/ldconfig', '-p'], capture_output=True, text=True).stdout
    except OSError:
        return None
    arch = {'x86_64': 'x86-64', 'aarch64': 'AArch64'}.get(os.uname().machine, '')
    for line in out.splitlines():
        name, _, rest = line.strip().partition(' ')
        if name == soname and '=>' in rest and arch in rest.split('=>')[0]:
            return rest.split('=>')[1].strip()
    return None


def python_with(module):
    """The first python3 interpreter that can import `module` (Debian's may not be on PATH)."""
    seen = []
    for cand in ['/usr/bin/python3', shutil.which('python3'), sys.executable]:
        if not cand or cand in seen:
            continue
        seen.append(cand)
        r = subprocess.run([cand, '-c', 'import ' + module], capture_output=True)
        if r.returncode == 0:
            return cand
    return None


class Dep:
    def __init__(self, name, pkgs, check, required, needed_for, libs=''):
        self.name, self.pkgs, self.check = name, pkgs, check
        self.required, self.needed_for = required, needed_for
        self.libs = libs  # link flags for the benchmark programs, when found
        self.found = None

    def key(self):
        return 'HAVE_' + ''.join(c if c.isalnum() else '_' for c in self.name).upper()

    def probe(self):
        self.found = self.check()
        return self.found


DEPS = [
    Dep('ninja', ['ninja-build'], lambda: shutil.which('ninja'), True, 'building'),
    Dep('C++ compiler', ['g++'], lambda: shutil.which('g++') or shutil.which('c++'), True,
        'building'),
    Dep('re2c', ['re2c'], lambda: shutil.which('re2c'), True, 'the lexers'),
    Dep('Lua 5.4', ['liblua5.4-dev', 'lua5.4'],
        lambda: have_file('/usr/include/lua5.4/lua.h') and ldconfig_lib('liblua5.4.so.0')
        and have_prog('lua5.4', 'luac5.4') and '/usr/include/lua5.4', True,
        'the Lua bridge and comparisons'),
    Dep('LLVM libunwind', ['libunwind-14-dev'],
        lambda: have_file('/usr/include/libunwind/libunwind.h',
                          '/usr/lib/llvm-14/lib/libunwind.a') and '/usr/lib/llvm-14/lib',
        True, 'deep call sites'),
    Dep('GoogleTest', ['libgtest-dev'],
        lambda: have_file('/usr/include/gtest/gtest.h') and
        (glob.glob('/usr/lib/*/libgtest.a') or glob.glob('/usr/lib/libgtest.a')), True, 'tests'),
    Dep('Google Benchmark', ['libbenchmark-dev'],
        lambda: have_file('/usr/include/benchmark/benchmark.h'), False, 'micro-benchmarks'),
    Dep('jemalloc', ['libjemalloc2'], lambda: ldconfig_lib('libjemalloc.so.2'), False,
        'the jemalloc peer'),
    Dep('mimalloc', ['libmimalloc2.0'], lambda: ldconfig_lib('libmimalloc.so.2'), False,
        'the mimalloc peer'),
    Dep('tcmalloc', ['libtcmalloc-minimal4'], lambda: ldconfig_lib('libtcmalloc_minimal.so.4'),
        False, 'the tcmalloc peer'),
    Dep('matplotlib', ['python3-matplotlib'], lambda: python_with('matplotlib'), False,
        'plots'),
    Dep('redis', ['redis-server', 'redis-tools'],
        lambda: have_prog('redis-server', 'redis-benchmark', 'redis-cli'), False,
        'the redis LD_PRELOAD test'),
    Dep('CPython test suite', ['libpython3.11-testsuite'],
        lambda: have_file('/usr/lib/python3.11/test/test_json/__init__.py'), False,
        'bench/programs python'),
    Dep('LuaJIT', ['luajit'], lambda: shutil.which('luajit'), False, 'the LuaJIT peer'),
    Dep('lua-cjson', ['lua-cjson'],
        lambda: have_file('/usr/lib/x86_64-linux-gnu/lua/5.4/cjson.so') or
        bool(glob.glob('/usr/lib/*/lua/5.4/cjson.so')), False, 'the cjson peer'),
    Dep('RapidJSON', ['rapidjson-dev'], lambda: have_file('/usr/include/rapidjson/document.h'),
        False, 'the RapidJSON peer'),
    Dep('simdjson', ['libsimdjson-dev'], lambda: have_file('/usr/include/simdjson.h'), False,
        'the simdjson peer', libs='-lsimdjson'),
    Dep('nlohmann-json', ['nlohmann-json3-dev'],
        lambda: have_file('/usr/include/nlohmann/json.hpp'), False, 'the nlohmann peer'),
    Dep('clang + libFuzzer', ['clang', 'libclang-rt-14-dev'],
        lambda: shutil.which('clang++') and
        bool(glob.glob('/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a')),
        False, 'ninja fuzz'),
    Dep('clang-format', ['clang-format'], lambda: shutil.which('clang-format'), False,
        'ninja format'),
    Dep('clang-tidy', ['clang-tidy'], lambda: shutil.which('clang-tidy'), False, 'ninja tidy'),
    Dep('GNU time', ['time'], lambda: have_file('/usr/bin/time'), False, 'benchmarks'),
    Dep('Chromium', ['chromium', 'fonts-dejavu-core'], lambda: shutil.which('chromium'), False,
        'rendering the HTML heap report in tests'),
    Dep('heaptrack', ['heaptrack'], lambda: shutil.which('heaptrack'), False,
        'the heap profiler peer (bench/profiler)'),
]


def install_packages(pkgs):
    apt = shutil.which('apt-get')
    if not apt:
        print('configure: --install-deps needs apt-get (Debian/Ubuntu); install by hand: '
              + ' '.join(pkgs))
        return False
    sudo = [] if os.geteuid() == 0 else (['sudo'] if shutil.which('sudo') else None)
    if sudo is None:
        print('configure: --install-deps needs root (or sudo)')
        return False
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    cmd = sudo + [apt, 'install', '-y', '--no-install-recommends'] + pkgs
    print('configure: installing: ' + ' '.join(pkgs), flush=True)
    if subprocess.run(cmd, env=env).returncode == 0:
        return True
    # Stale package lists are the usual reason; refresh once and retry.
    subprocess.run(sudo + [apt, 'update'], env=env)
    return subprocess.run(cmd, env=env).returncode == 0


def check_deps(install):
    missing = [d for d in DEPS if not d.probe()]
    if missing and install:
        pkgs = []
        for d in missing:
            pkgs += [p for p in d.pkgs if p not in pkgs]
        install_packages(pkgs)
        missing = [d for d in DEPS if not d.probe()]
    for d in missing:
        kind = 'required' if d.required else 'optional'
        print(f'configure: missing {kind} {d.name} (for {d.needed_for}): '
              f'apt-get install {" ".join(d.pkgs)}' +
              ('' if d.required else f' -- {d.needed_for} turned off'))
    req = [d for d in missing if d.required]
    if req:
        pkgs = ' '.join(p for d in req for p in d.pkgs)
        sys.exit(f'configure: error: missing {", ".join(d.name for d in req)}; '
                 f'run ./configure.py --install-deps or: apt-get install {pkgs}')
    return {d.name: d.found for d in DEPS}


# --------------------------------------------------------------------------------------
# A small ninja writer.

class Writer:
    def __init__(self):
        self.lines = []

    def comment(self, text):
        self.lines.append('# ' + text)

    def newline(self):
        self.lines.append('')

    def variable(self, key, value, indent=0):
        if isinstance(value, list):
            value = ' '.join(v for v in value if v)
        self.lines.append('  ' * indent + f'{key} = {value}')

    def rule(self, name, command, description=None, depfile=None, deps=None, pool=None,
             generator=False, restat=False):
        self.lines.append(f'rule {name}')
        self.variable('command', command, 1)
        for k, v in (('description', description), ('depfile', depfile), ('deps', deps),
                     ('pool', pool)):
            if v:
                self.variable(k, v, 1)
        if generator:
            self.variable('generator', '1', 1)
        if restat:
            self.variable('restat', '1', 1)
        self.newline()

    def build(self, outputs, rule, inputs=(), implicit=(), order_only=(), variables=None):
        def esc(paths):
            if isinstance(paths, str):
                paths = [paths]
            return ' '.join(p.replace('$', '$$').replace(' ', '$ ').replace(':', '$:')
                            for p in paths)
        line = f'build {esc(outputs)}: {rule}'
        if inputs:
            line += ' ' + esc(inputs)
        if implicit:
            line += ' | ' + esc(implicit)
        if order_only:
            line += ' || ' + esc(order_only)
        self.lines.append(line)
        for k, v in (variables or {}).items():
            self.variable(k, v, 1)
        return outputs

    def default(self, targets):
        self.lines.append('default ' + ' '.join(targets))

    def text(self):
        return '\n'.join(self.lines) + '\n'


# --------------------------------------------------------------------------------------
# What gets built. Libraries by folder; a library links the ones below it (DESIGN.md).

LIBS = [
    # name, source folder globs, libraries it needs (in link order after itself)
    ('hakmem', ['alloc/src/*.cc'], []),
    ('hakoparse', ['parser/*.cc', 'parser/*.re'], ['hakmem']),
    ('hakovm', ['vm/*.cc', 'vm/*/*.cc'], ['hakoparse', 'hakmem']),
    ('hakort', ['runtime/*.cc'], ['hakovm', 'hakoparse', 'hakmem']),
]
# Files that are not part of their folder's library.
LIB_EXCLUDE = {'alloc/src/override.cc', 'runtime/main.cc'}
# Flags for every file of a library. hakmem is built without exceptions and errno from
# math, so that libhakmem.so needs nothing but libc: a preloaded library's dependencies are
# loaded into every process (libstdc++ cost /bin/true 2 M instructions and 1.7 MiB).
LIB_FLAGS = {'hakmem': '-fno-exceptions -fno-math-errno'}
# Extra flags for some files, with g++ (the flag, then why).
GCC_FILE_FLAGS = {
    # The interpreter's computed-goto loop: without -fno-crossjumping GCC merges the
    # handlers' identical dispatch tails into a few shared indirect jumps, which predict
    # badly (~25% slower); without -fno-tree-slp-vectorize it merges setobj's two 8-byte
    # copies into 16-byte ones that stall store-to-load forwarding (interp_impl.h).
    'vm/interp.cc': '-fno-crossjumping -fno-tree-slp-vectorize',
}
# Test folder -> library it tests (tests/<dir>/*_test.cc -> $builddir/tests/<dir>_test).
TEST_LIBS = {'alloc': 'hakmem', 'sites': 'hakmem', 'parser': 'hakoparse', 'vm': 'hakovm',
             'runtime': 'hakort'}
# Folders whose listing decides what gets built: build.ninja depends on them, so adding a
# file reruns configure. (Not `bench` itself: that name is the benchmark target.)
SOURCE_DIRS = ['alloc/src', 'parser', 'vm', 'runtime', 'tests', 'samples']


def lib_closure(name):
    for lib, _, deps in LIBS:
        if lib == name:
            out = [name]
            for d in deps:
                out += [x for x in lib_closure(d) if x not in out]
            return out
    raise KeyError(name)


def sources(globs):
    out = []
    for g in globs:
        out += sorted(p for p in glob.glob(g) if p not in LIB_EXCLUDE)
    return out


def main():
    ap = argparse.ArgumentParser(description='Write build.ninja for hakmem and Hako.')
    ap.add_argument('--mode', choices=sorted(MODES), default='release')
    ap.add_argument('--cxx', default=os.environ.get('CXX', ''),
                    help='C++ compiler (default: g++, or $CXX)')
    ap.add_argument('--builddir', help='build folder (default: build/<mode>)')
    ap.add_argument('--prefix', default='/usr/local', help='install prefix for ninja install')
    ap.add_argument('--install-deps', action='store_true',
                    help='install missing dependencies with apt-get (Debian/Ubuntu)')
    args = ap.parse_args()

    found = check_deps(args.install_deps)
    cxx = args.cxx or ('g++' if shutil.which('g++') else 'c++')
    if not shutil.which(cxx):
        sys.exit(f'configure: error: C++ compiler {cxx!r} not found')
    builddir = args.builddir or f'build/{args.mode}'
    py = sys.executable
    plot_py = found.get('matplotlib') or ''
    have_clang_fuzz = bool(found.get('clang + libFuzzer'))

    n = Writer()
    n.comment('Generated by configure.py; do not edit, do not commit.')
    cfg_args = ['--mode', args.mode, '--builddir', builddir, '--prefix', args.prefix]
    if args.cxx:
        cfg_args += ['--cxx', args.cxx]
    n.variable('configure_args', ' '.join(shlex.quote(a) for a in cfg_args))
    n.variable('builddir', builddir)
    n.variable('python', py)
    n.variable('cxx', cxx)
    n.variable('mode', args.mode)
    warn = '-Wall -Wextra -Werror -Wno-missing-field-initializers'
    n.variable('cxxflags', f'-std=c++20 {warn} -fPIC -pthread -fvisibility=hidden '
                           f'{MODES[args.mode]} -I. -Ialloc/include -Iruntime/include '
                           f'-I{builddir}/gen')
    n.variable('ldflags', f'-pthread {MODE_LDFLAGS[args.mode]}')
    n.variable('lua_cflags', '-I/usr/include/lua5.4')
    n.variable('lua_libs', '-llua5.4')
    n.newline()

    n.rule('configure', '$python configure.py $configure_args', 'CONFIGURE',
           generator=True)
    n.rule('re2c', 're2c -W -Werror --no-generation-date --no-version -o $out $in', 'RE2C $in')
    n.rule('cxx', '$cxx -MMD -MF $out.d $cxxflags $extra -c $in -o $out', 'CXX $in',
           depfile='$out.d', deps='gcc')
    n.rule('ar', 'rm -f $out && ar crs $out $in', 'AR $out')
    n.rule('link', '$cxx $ldflags $extra -o $out $in $libs', 'LINK $out')
    n.rule('link_so', '$cxx -shared $ldflags $extra -o $out $in $libs', 'SO $out')
    n.rule('run', '$command_line', '$desc', pool='console')
    n.newline()

    configure_inputs = ['configure.py'] + [d for d in SOURCE_DIRS if os.path.isdir(d)]
    configure_inputs += sorted(d for d in glob.glob('tests/*') + glob.glob('vm/*')
                               + glob.glob('bench/*') if os.path.isdir(d))
    n.build('build.ninja', 'configure', implicit=configure_inputs)
    n.newline()

    def obj(src, extra='', variant='obj', rule='cxx'):
        if src.endswith('.re'):
            gen = f'{builddir}/gen/{src[:-3]}.cc'
            if gen not in generated:
                generated.add(n.build(gen, 're2c', src))
            o = f'{builddir}/{variant}/{src[:-3]}.o'
            src = gen
        else:
            o = f'{builddir}/{variant}/{os.path.splitext(src)[0]}.o'
        n.build(o, rule, src, variables={'extra': extra} if extra else None)
        return o
    generated = set()

    # Libraries.
    gcc = 'clang' not in os.path.basename(cxx)
    lib_objs, lib_files = {}, {}
    for name, globs, _ in LIBS:
        objs = [obj(s, ' '.join(f for f in (LIB_FLAGS.get(name, ''),
                                             GCC_FILE_FLAGS.get(s, '') if gcc else '') if f))
                for s in sources(globs)]
        lib_objs[name] = objs
        if objs:
            lib_files[name] = n.build(f'{builddir}/lib{name}.a', 'ar', objs)
    all_targets = list(lib_files.values())

    def libs_for(name):
        return [lib_files[x] for x in lib_closure(name) if x in lib_files]

    # Not $unwind_lib: the allocator loads LLVM libunwind with dlopen when it needs it, and a
    # static copy would replace the process's unwinder and break C++ exceptions.
    link_libs = '$lua_libs -ldl'
    # The preloadable allocator: the core plus the malloc/new overrides. The secure variant
    # (-DHAK_SECURE=1: exact double-free and interior-pointer checks, encoded free lists) is
    # the same sources built again: libhakmem-secure.a and libhakmem-secure.so.
    secure_flag = '-DHAK_SECURE=1'
    alloc_flags = LIB_FLAGS['hakmem']
    secure_objs = [obj(s, f'{alloc_flags} {secure_flag}', variant='obj-secure')
                   for s in sources(LIBS[0][1])]
    lib_files['hakmem-secure'] = n.build(f'{builddir}/libhakmem-secure.a', 'ar', secure_objs)
    all_targets.append(lib_files['hakmem-secure'])
    if 'hakmem' in lib_objs and os.path.exists('alloc/src/override.cc'):
        for suffix, objs, variant, flags in (
                ('', lib_objs['hakmem'], 'obj', alloc_flags),
                ('-secure', secure_objs, 'obj-secure', f'{alloc_flags} {secure_flag}')):
            so_objs = objs + [obj('alloc/src/override.cc', flags, variant=variant)]
            # libc alone: libgcc's helpers linked in, libstdc++ and libm dropped as unused.
            all_targets.append(n.build(
                f'{builddir}/libhakmem{suffix}.so', 'link_so', so_objs,
                variables={'libs': '-ldl', 'extra': f'-Wl,-soname,libhakmem{suffix}.so '
                                                    '-Wl,--exclude-libs,ALL -static-libgcc '
                                                    '-Wl,--as-needed'}))

    # Programs.
    programs = {}

    def program(out, srcs, lib, extra_libs='', extra_cflags='', extra_ldflags='',
                variant='obj'):
        objs = [obj(s, extra_cflags, variant=variant) for s in srcs]
        deps = (libs_for(lib) if lib != 'hakmem-secure' else [lib_files[lib]]) if lib else []
        variables = {'libs': f'{extra_libs} {link_libs}'}
        if extra_ldflags:
            variables['extra'] = extra_ldflags
        programs[out] = n.build(f'{builddir}/{out}', 'link', objs + deps, variables=variables)
        all_targets.append(programs[out])
        return programs[out]

    if os.path.exists('runtime/main.cc'):
        # The CLI carries the parts of libstdc++ it uses: a shared libstdc++ costs ~0.9 MiB of
        # resident pages (symbol tables touched at load), a third of a small script's RSS.
        program('hako', ['runtime/main.cc'], 'hakort', extra_ldflags='-static-libstdc++ -static-libgcc')
    # Benchmarks link the peers that need a library, and see -DHAVE_<PEER>=1 for them.
    peers = [d for d in DEPS if d.found and d.libs]
    for src in sorted(glob.glob('bench/*/*_bench.cc')):
        name = os.path.splitext(os.path.basename(src))[0]
        program(f'bench/{name}', [src], 'hakort',  # with every library below it
                extra_libs=' '.join(d.libs for d in peers),
                extra_cflags=' '.join(f'-D{d.key()}=1' for d in peers))
    for src in sorted(glob.glob('samples/embed/*.cc')):
        name = os.path.splitext(os.path.basename(src))[0]
        program(f'samples/{name}', [src], 'hakort')
    # Programs for script tests: plain ones (for LD_PRELOAD runs), *_hak.cc linked with hakmem.
    for src in sorted(glob.glob('tests/progs/*.cc')):
        name = os.path.splitext(os.path.basename(src))[0]
        program(f'tests/progs/{name}', [src], 'hakmem' if name.endswith('_hak') else None,
                extra_libs='-rdynamic')

    # GoogleTest binaries: one per tests/<dir>.
    gtest_libs = '-lgtest -lgtest_main'
    test_bins = []
    for d in sorted(glob.glob('tests/*/')):
        d = d.rstrip('/')
        srcs = sorted(glob.glob(f'{d}/*_test.cc'))
        if not srcs:
            continue
        layer = os.path.basename(d)
        lib = TEST_LIBS.get(layer, LIBS[-1][0])
        while lib not in lib_files and lib != 'hakmem':
            lib = [deps for nm, _, deps in LIBS if nm == lib][0][0]
        test_bins.append(program(f'tests/{layer}_test', srcs, lib, gtest_libs))
        if layer == 'alloc':
            # The allocator's tests again against the secure variant (HAK_SECURE tells the
            # misuse tests which checks to expect).
            test_bins.append(program('tests/alloc_secure_test', srcs, 'hakmem-secure',
                                     gtest_libs, secure_flag, variant='obj-secure'))

    n.newline()
    n.build('all', 'phony', all_targets)
    n.default(['all'])
    n.newline()

    # Top-level actions.
    def action(name, command_line, desc, deps=('all',)):
        n.build(name, 'run', implicit=list(deps),
                variables={'command_line': command_line, 'desc': desc})

    action('test', f'$python tests/run_tests.py --builddir {builddir} --mode {args.mode}',
           'TEST')
    action('bench', f'$python bench/run.py --builddir {builddir} --quick', 'BENCH')
    action('demo', f'$python misc/demo.py --builddir {builddir}', 'DEMO')
    srcs_for_format = "git ls-files '*.cc' '*.h' '*.hpp'"
    action('format', f'{srcs_for_format} | xargs clang-format -i', 'FORMAT', deps=())
    action('format-check', f'{srcs_for_format} | xargs clang-format --dry-run --Werror',
           'FORMAT-CHECK', deps=())
    action('tidy', f'$python misc/tidy.py --builddir {builddir}', 'TIDY')
    action('install', f'$python misc/install.py --builddir {builddir} --prefix {args.prefix}',
           'INSTALL')
    # libFuzzer targets (clang): tests/fuzz/*_fuzzer.cc, each linked with every library
    # rebuilt with clang; `ninja fuzz` builds them and runs each briefly on its corpus.
    fuzzers = []
    if have_clang_fuzz:
        fz = '-fsanitize=fuzzer-no-link,address,undefined'
        n.rule('cxx_fuzz', f'clang++ -MMD -MF $out.d $cxxflags_fuzz {fz} -c $in -o $out',
               'CXX(fuzz) $in', depfile='$out.d', deps='gcc')
        n.variable('cxxflags_fuzz', f'-std=c++20 {warn} -O1 -g -pthread -DHAK_DEBUG=1 '
                                    f'-DHAK_SANITIZER=1 -I. -Ialloc/include '
                                    f'-Iruntime/include -I{builddir}/gen')
        fuzz_lib_objs = [obj(s, variant='fuzzobj', rule='cxx_fuzz')
                         for _, globs, _ in reversed(LIBS) for s in sources(globs)]
        for src in sorted(glob.glob('tests/fuzz/*_fuzzer.cc')):
            name = os.path.splitext(os.path.basename(src))[0]
            fuzzers.append(n.build(
                f'{builddir}/fuzz/{name}', 'link',
                [obj(src, variant='fuzzobj', rule='cxx_fuzz')] + fuzz_lib_objs,
                variables={'cxx': 'clang++', 'ldflags': '-pthread',
                           'extra': '-fsanitize=fuzzer,address,undefined',
                           'libs': link_libs}))
        action('fuzz', f'$python tests/fuzz/run_fuzz.py --builddir {builddir}', 'FUZZ',
               deps=fuzzers)
    else:
        action('fuzz', 'echo "fuzz: needs clang with libFuzzer: apt-get install clang '
               'libclang-rt-14-dev" && false', 'FUZZ', deps=())

    with open('build.ninja', 'w') as f:
        f.write(n.text())
    os.makedirs(builddir, exist_ok=True)
    with open(os.path.join(builddir, 'config.env'), 'w') as f:
        f.write(f'BUILDDIR={builddir}\nMODE={args.mode}\nPLOT_PYTHON={plot_py}\n')
        for d in DEPS:
            f.write(f'{d.key()}={1 if d.found else 0}\n')
    print(f'configure: wrote build.ninja ({args.mode}, {builddir}); next: ninja')


if __name__ == '__main__':
    main()
