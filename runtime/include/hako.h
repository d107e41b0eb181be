/* hako.h — embedding the Hako runtime in a host program. The C ABI (C++ implementation in
 * runtime/hako_api.cc, in libhakort.a); hako.hpp wraps it in C++ RAII types.
 * docs/EMBEDDING.md has the complete guide and an example.
 *
 * Rules in one place:
 *  - Every function returns a hako_status (or a value that says how it failed) and never
 *    aborts, throws or longjmps: a NULL VM is HAKO_ERR_NULL, a wrong type HAKO_ERR_TYPE, a
 *    released or foreign handle HAKO_ERR_HANDLE, an out-of-range index HAKO_ERR_RANGE. On
 *    failure the VM keeps a message (hako_error_message) and, after a script error, a
 *    traceback (hako_error_traceback), until the next failing call replaces them.
 *  - Values the host holds are handles (hako_handle): slots of a per-VM table that the
 *    collector treats as roots. A handle keeps its value alive until hako_release() or
 *    hako_destroy(). Handles are checked: a released handle is an error, not a crash.
 *    Exceptions: the argument handles a host function receives are released when it
 *    returns, and the result handle it returns is taken over (released) by the VM.
 *  - No global mutable state: many VMs per process, each used by one thread at a time.
 *  - hako_destroy() frees every byte the VM allocated, live objects and handles included.
 */
#ifndef HAKO_H
#define HAKO_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define HAKO_API __attribute__((visibility("default")))
#else
#define HAKO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions and status codes ------------------------------------------------------- */

#define HAKO_API_VERSION 1

typedef enum hako_status {
  HAKO_OK = 0,
  HAKO_END = 1,                /* not an error: hako_map_next has no more entries */
  HAKO_ERR_RUNTIME = 2,        /* a script error: error(v), a failing operation, a host raise */
  HAKO_ERR_COMPILE = 3,        /* the source does not compile (file:line:col: message) */
  HAKO_ERR_MEMORY = 4,         /* "out of memory": the VM's memory limit, or the system */
  HAKO_ERR_BUDGET = 5,         /* "instruction budget exhausted" (pcall cannot catch it) */
  HAKO_ERR_STACK_OVERFLOW = 6, /* "stack overflow": too deep recursion */
  HAKO_ERR_IO = 7,             /* hako_run_file cannot read the file */
  HAKO_ERR_NULL = 8,           /* a NULL VM, or a NULL pointer where one is required */
  HAKO_ERR_ARG = 9,            /* an invalid argument (a bad config, a name with a NUL) */
  HAKO_ERR_TYPE = 10,          /* the value has another type than the function needs */
  HAKO_ERR_HANDLE = 11,        /* a handle that is 0, released, or of another VM */
  HAKO_ERR_RANGE = 12,         /* an index out of range */
  HAKO_ERR_NOT_FOUND = 13,     /* no such global or key */
  HAKO_ERR_STATE = 14,         /* not now: hako_destroy inside a host function */
  HAKO_ERR_VERSION = 15        /* the config's size or version is not one this library knows */
} hako_status;

/* "HAKO_ERR_MEMORY" for HAKO_ERR_MEMORY, ...; "unknown" for other numbers. */
HAKO_API const char* hako_status_name(int status);

/* ---- Creating a VM -------------------------------------------------------------------- */

typedef struct hako_vm hako_vm;

/* Where the VM's heap comes from. Per VM (both kinds may live in one process). */
typedef enum hako_backend {
  HAKO_BACKEND_HAKMEM = 0, /* hakmem, with a tagged site per object type (vm.string, ...) */
  HAKO_BACKEND_SYSTEM = 1  /* the C library's malloc/realloc/free */
} hako_backend;

/* The builtin modules a VM may leave out (the base functions are always there). */
enum {
  HAKO_MODULE_MATH = 1u << 0,
  HAKO_MODULE_STRING = 1u << 1, /* the `string` global; methods on strings ("a":upper()) stay */
  HAKO_MODULE_JSON = 1u << 2,
  HAKO_MODULE_IO = 1u << 3, /* files: the only way a script reaches the file system */
  HAKO_MODULE_GC = 1u << 4,
  HAKO_MODULES_ALL = 0x1f,
  HAKO_MODULES_SANDBOX = HAKO_MODULES_ALL & ~HAKO_MODULE_IO
};

/* Receives what print writes (bytes, not NUL-terminated). */
typedef void (*hako_output_fn)(void* ud, const char* data, size_t size);

typedef struct hako_config {
  uint32_t size;         /* sizeof(hako_config): set by hako_config_init (ABI growth) */
  uint32_t version;      /* HAKO_API_VERSION: set by hako_config_init */
  uint32_t backend;      /* a hako_backend; default HAKO_BACKEND_HAKMEM */
  size_t memory_limit;   /* heap bytes; 0: no limit. Beyond it: "out of memory" */
  int64_t budget;        /* work units (about one per instruction); < 0: unlimited */
  hako_output_fn output; /* NULL: stdout */
  void* output_ud;       /* passed to output */
  uint32_t modules;      /* HAKO_MODULE_* bits; default HAKO_MODULES_ALL */
  int64_t random_seed;   /* math.random starts as after math.seed(random_seed) */
  uint32_t gc_stress;    /* 0: off; n: collect at every n-th allocation (finds missing
                            roots in host code; slow) */
} hako_config;

/* Fills *cfg with the defaults (and its size and version). */
HAKO_API void hako_config_init(hako_config* cfg);

/* A new VM; cfg NULL means the defaults. *out is NULL on failure: HAKO_ERR_NULL (out is
 * NULL), HAKO_ERR_VERSION (cfg->size or version unknown: call hako_config_init first),
 * HAKO_ERR_ARG (an unknown backend or module bit), HAKO_ERR_MEMORY (the limit leaves no
 * room for the builtins). */
HAKO_API hako_status hako_create(const hako_config* cfg, hako_vm** out);

/* Frees every object, handle and buffer of the VM. NULL is fine. Returns HAKO_ERR_STATE
 * (and does nothing) when called from inside a host function of that VM. */
HAKO_API hako_status hako_destroy(hako_vm* vm);

/* The host's own pointer, kept for it. */
HAKO_API void hako_set_user_data(hako_vm* vm, void* ud);
HAKO_API void* hako_user_data(hako_vm* vm);

/* Limits that may change between runs. The budget counts down across runs; once it is
 * exhausted every run and call fails with HAKO_ERR_BUDGET until it is set again. */
HAKO_API hako_status hako_set_memory_limit(hako_vm* vm, size_t bytes);
HAKO_API hako_status hako_set_budget(hako_vm* vm, int64_t units); /* < 0: unlimited */
HAKO_API int64_t hako_budget_left(hako_vm* vm); /* near INT64_MAX when unlimited */

typedef struct hako_stats {
  size_t heap_bytes; /* every byte the VM has allocated and not freed */
  size_t objects;    /* live objects */
  uint64_t gc_cycles;
  double gc_pause_ms_total;
  size_t handles; /* live handles */
} hako_stats;
HAKO_API hako_status hako_get_stats(hako_vm* vm, hako_stats* out);
/* A full collection now. */
HAKO_API hako_status hako_collect(hako_vm* vm);

/* ---- Handles and values --------------------------------------------------------------- */

/* 0 is never a handle. */
typedef uint64_t hako_handle;
#define HAKO_NO_HANDLE ((hako_handle)0)

typedef enum hako_type {
  HAKO_TYPE_INVALID = -1, /* not a live handle (or a NULL VM) */
  HAKO_TYPE_NIL = 0,
  HAKO_TYPE_BOOL,
  HAKO_TYPE_INT,
  HAKO_TYPE_FLOAT,
  HAKO_TYPE_STRING,
  HAKO_TYPE_ARRAY,
  HAKO_TYPE_MAP,
  HAKO_TYPE_FUNCTION
} hako_type;

HAKO_API hako_type hako_typeof(hako_vm* vm, hako_handle h);
/* Releases a handle (its value may then be collected). 0 is fine. */
HAKO_API hako_status hako_release(hako_vm* vm, hako_handle h);
/* A second handle to the same value. */
HAKO_API hako_status hako_dup(hako_vm* vm, hako_handle h, hako_handle* out);

/* New values, each in a new handle. Strings are bytes: len counts them, NULs included. */
HAKO_API hako_status hako_new_nil(hako_vm* vm, hako_handle* out);
HAKO_API hako_status hako_new_bool(hako_vm* vm, int b, hako_handle* out);
HAKO_API hako_status hako_new_int(hako_vm* vm, int64_t i, hako_handle* out);
HAKO_API hako_status hako_new_float(hako_vm* vm, double f, hako_handle* out);
HAKO_API hako_status hako_new_string(hako_vm* vm, const char* s, size_t len, hako_handle* out);
HAKO_API hako_status hako_new_array(hako_vm* vm, hako_handle* out);
HAKO_API hako_status hako_new_map(hako_vm* vm, hako_handle* out);

/* Reading values. hako_get_bool takes a bool; hako_get_int an int or a float with an int
 * value; hako_get_float an int or a float. hako_get_string's bytes stay valid (and
 * NUL-terminated) as long as the handle is held: strings are immutable and never move. */
HAKO_API hako_status hako_get_bool(hako_vm* vm, hako_handle h, int* out);
HAKO_API hako_status hako_get_int(hako_vm* vm, hako_handle h, int64_t* out);
HAKO_API hako_status hako_get_float(hako_vm* vm, hako_handle h, double* out);
HAKO_API hako_status hako_get_string(hako_vm* vm, hako_handle h, const char** data, size_t* len);

/* Arrays (0-based). hako_array_set takes 0 <= index <= length (length appends). */
HAKO_API hako_status hako_array_length(hako_vm* vm, hako_handle array, size_t* out);
HAKO_API hako_status hako_array_get(hako_vm* vm, hako_handle array, size_t index, hako_handle* out);
HAKO_API hako_status hako_array_set(hako_vm* vm, hako_handle array, size_t index, hako_handle v);
HAKO_API hako_status hako_array_push(hako_vm* vm, hako_handle array, hako_handle v);

/* Maps (insertion-ordered; keys as in Hako: 1.0 is the key 1, nil and NaN are not keys).
 * hako_map_get gives HAKO_ERR_NOT_FOUND for a missing key. The _str forms take a
 * NUL-terminated string key. */
HAKO_API hako_status hako_map_length(hako_vm* vm, hako_handle map, size_t* out);
HAKO_API hako_status hako_map_get(hako_vm* vm, hako_handle map, hako_handle key, hako_handle* out);
HAKO_API hako_status hako_map_set(hako_vm* vm, hako_handle map, hako_handle key, hako_handle v);
HAKO_API hako_status hako_map_get_str(hako_vm* vm, hako_handle map, const char* key,
                                      hako_handle* out);
HAKO_API hako_status hako_map_set_str(hako_vm* vm, hako_handle map, const char* key, hako_handle v);
/* Iteration in insertion order: start with *pos = 0; each HAKO_OK gives the next entry in
 * two new handles (either pointer may be NULL to skip it); HAKO_END when there are no more. */
HAKO_API hako_status hako_map_next(hako_vm* vm, hako_handle map, size_t* pos, hako_handle* key,
                                   hako_handle* value);

/* ---- Globals, running code, calling functions ----------------------------------------- */

HAKO_API hako_status hako_get_global(hako_vm* vm, const char* name, hako_handle* out);
HAKO_API hako_status hako_set_global(hako_vm* vm, const char* name, hako_handle v);

/* Compiles and runs a chunk; `chunk` names it in messages ("main.hako"). The chunk sees the
 * globals defined so far (builtins, host functions, earlier chunks) and may define more.
 * result may be NULL; otherwise it receives what the chunk returned (nil unless it ends
 * with `return e;`). Compile errors are HAKO_ERR_COMPILE with "chunk:line:col: message"
 * lines as the error message. */
HAKO_API hako_status hako_run_string(hako_vm* vm, const char* chunk, const char* source, size_t len,
                                     hako_handle* result);
HAKO_API hako_status hako_run_file(hako_vm* vm, const char* path, hako_handle* result);

/* Calls a function value, or the global function `name`, with argc arguments. */
HAKO_API hako_status hako_call(hako_vm* vm, hako_handle fn, int argc, const hako_handle* argv,
                               hako_handle* result);
HAKO_API hako_status hako_call_global(hako_vm* vm, const char* name, int argc,
                                      const hako_handle* argv, hako_handle* result);

/* ---- Host functions -------------------------------------------------------------------- */

/* A function the script can call. argv holds argc handles (released when it returns).
 * Return HAKO_OK and, optionally, a result in *result (the VM takes that handle over; it
 * may be one of argv; leave it 0 for nil). Or fail: after hako_raise*, or with the status
 * of a call back into the VM that failed (its error goes on, kind and all), or with any
 * other error status (raised as "host function 'NAME' failed (STATUS)"). A script catches
 * these with pcall. A host function may run code, call functions and create values in the
 * same VM. */
typedef hako_status (*hako_host_fn)(hako_vm* vm, void* ud, int argc, const hako_handle* argv,
                                    hako_handle* result);

/* Sets the global `name` to a new host function; ud is passed to every call. */
HAKO_API hako_status hako_register(hako_vm* vm, const char* name, hako_host_fn fn, void* ud);
/* A host function as a value (for a map of functions: a module). */
HAKO_API hako_status hako_new_function(hako_vm* vm, const char* name, hako_host_fn fn, void* ud,
                                       hako_handle* out);

/* For host functions: the error to raise when the function returns. Each returns
 * HAKO_ERR_RUNTIME, to be returned: `return hako_raise(vm, "bad input");` */
HAKO_API hako_status hako_raise(hako_vm* vm, const char* message);
HAKO_API hako_status hako_raisef(hako_vm* vm, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
HAKO_API hako_status hako_raise_value(hako_vm* vm, hako_handle v); /* error(v) */

/* ---- Errors ----------------------------------------------------------------------------- */

/* The last failure: its status, its message (the error value as str() writes it, a
 * compile error's lines, or what an API misuse was), and for script errors the traceback
 * ("  FILE:LINE in function NAME" lines, innermost first). "" when there is none. Valid
 * until the next API call on the VM that fails. */
HAKO_API hako_status hako_error_status(hako_vm* vm);
HAKO_API const char* hako_error_message(hako_vm* vm);
HAKO_API const char* hako_error_traceback(hako_vm* vm);
/* The error value itself (what error(v) raised), in a new handle; nil when none. */
HAKO_API hako_status hako_error_value(hako_vm* vm, hako_handle* out);
HAKO_API void hako_clear_error(hako_vm* vm);

#ifdef __cplusplus
}
#endif

#endif /* HAKO_H */
