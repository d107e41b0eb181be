// The switch build of the interpreter loop (interp_loop.h), for compilers without computed
// goto and for testing that the one source works both ways (RuntimeOptions::switch_dispatch
// selects it; interp_call in interp.cc runs one or the other).
#include "vm/interp.h"
#include "vm/interp_impl.h"
#include "vm/map.h"

#define HAKO_VM_LOOP execute_switch
#define HAKO_VM_USE_SWITCH 1
#include "vm/interp_loop.h"
