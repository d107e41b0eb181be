#!/usr/bin/env python3
"""`ninja install`: copies libhakmem (.a, .so) and libhakmem-secure, the runtime's static libraries for
embedders, the public headers (hakmem.h, hako.h, hako.hpp), `hako` and pkg-config files
(hakmem.pc, hako.pc) under --prefix, honouring DESTDIR like autotools and CMake do."""

import argparse
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--prefix', default='/usr/local')
    args = ap.parse_args()
    prefix = args.prefix
    dest = os.environ.get('DESTDIR', '')

    def target(*parts):
        path = os.path.join(prefix, *parts)
        return os.path.join(dest, path.lstrip('/')) if dest else path

    b = os.path.join(ROOT, args.builddir)
    copies = [(os.path.join(b, 'libhakmem.a'), target('lib', 'libhakmem.a')),
              (os.path.join(b, 'libhakmem.so'), target('lib', 'libhakmem.so')),
              # The secure variant (docs/ALLOCATOR.md): link -lhakmem-secure, or preload it.
              (os.path.join(b, 'libhakmem-secure.a'), target('lib', 'libhakmem-secure.a')),
              (os.path.join(b, 'libhakmem-secure.so'), target('lib', 'libhakmem-secure.so')),
              # The runtime for embedders (hako.h): static, linked in this order.
              (os.path.join(b, 'libhakort.a'), target('lib', 'libhakort.a')),
              (os.path.join(b, 'libhakovm.a'), target('lib', 'libhakovm.a')),
              (os.path.join(b, 'libhakoparse.a'), target('lib', 'libhakoparse.a')),
              (os.path.join(ROOT, 'alloc/include/hakmem.h'), target('include', 'hakmem.h')),
              (os.path.join(ROOT, 'runtime/include/hako.h'), target('include', 'hako.h')),
              (os.path.join(ROOT, 'runtime/include/hako.hpp'), target('include', 'hako.hpp')),
              (os.path.join(b, 'hako'), target('bin', 'hako')),
              (os.path.join(ROOT, 'misc/hakmem-tune'), target('bin', 'hakmem-tune')),
              (os.path.join(ROOT, 'misc/hakmem-report'), target('bin', 'hakmem-report'))]
    for src, dst in copies:
        if not os.path.exists(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        print(f'install: {dst}')
    pc = target('lib', 'pkgconfig', 'hakmem.pc')
    os.makedirs(os.path.dirname(pc), exist_ok=True)
    with open(pc, 'w') as f:
        f.write(f'''prefix={prefix}
libdir=${{prefix}}/lib
includedir=${{prefix}}/include

Name: hakmem
Description: call-site-aware memory allocator
Version: 0.1.0
Libs: -L${{libdir}} -lhakmem
Libs.private: -pthread -ldl
Cflags: -I${{includedir}}
''')
    print(f'install: {pc}')
    if os.path.exists(os.path.join(b, 'libhakort.a')):
        # `pkg-config --cflags --libs hako` for a host of docs/EMBEDDING.md (static libraries
        # in C++: a C host links with -lstdc++ -lm, listed here).
        pc = target('lib', 'pkgconfig', 'hako.pc')
        with open(pc, 'w') as f:
            f.write(f'''prefix={prefix}
libdir=${{prefix}}/lib
includedir=${{prefix}}/include

Name: hako
Description: the Hako runtime for embedding (hako.h), on hakmem
Version: 0.1.0
Libs: -L${{libdir}} -lhakort -lhakovm -lhakoparse -lhakmem -lstdc++ -lm -pthread -ldl
Cflags: -I${{includedir}}
''')
        print(f'install: {pc}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
