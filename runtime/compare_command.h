// `hako compare SAMPLE...`: GC and allocation behaviour of the samples' Hako and Lua twins
// under several allocators. The work is done by a Python script, misc/hako-compare
// (docs/COMPARE.md says why); this finds it and the Python to run it with, and execs it.
#pragma once

namespace hako::compare {

// argv[0..argc-1] are the arguments after "compare". Returns only on failure: 2 (usage)
// after a message saying what is missing.
int command(int argc, char** argv);

}  // namespace hako::compare
