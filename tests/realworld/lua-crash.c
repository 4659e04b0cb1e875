/* SPDX-License-Identifier: MIT */
/* tests/realworld/lua-crash.c: a host program for Lua 5.2 (Debian's
 * librust-lua52-sys-dev ships its C source; run-realworld.py builds it at
 * -O2 -g with this file) that dies inside Lua's own code, the way an
 * embedding with a buggy C binding does, for comparing `crashctl
 * symbolicate` with gdb on real optimized code.
 *
 * The main thread runs a script that sorts words with table.sort and a Lua
 * comparator; the comparator walks each word with string.gsub and a Lua
 * callback, which weighs the letter through pcall and a Lua recursion
 * that is not a tail call; at its bottom the script calls the host's
 * record(ctx, n). The binding's bug: it takes its first argument for the
 * log table, but the script hands it the host's context, a light userdata
 * holding a small handle (16). lua_rawseti does not check the type
 * (api_check is off in release builds) and luaH_setint -> luaH_getint
 * read the "table" at address 16: SIGSEGV three frames into Lua's core,
 * with the C stack of the interpreter above (luaV_execute, luaD_precall,
 * the sort, gsub and pcall machinery, setjmp-protected calls).
 *
 * Two more threads, each with its own lua_State, sit in a Lua recursion
 * whose bottom is a host function blocked in a system call (pause and
 * read), so every thread's frames and values are compared too; the main
 * thread waits until each sits in its system call.
 *
 * Every run holds the same values: Lua's string-hash seed is fixed at
 * build time (-D'luai_makeseed()=0', see run-realworld.py) instead of
 * time(NULL), and nothing else depends on time or the environment. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include "wait-in-syscall.h"

#define NOINLINE __attribute__((noinline))

static sem_t ready;
static int quiet_pipe[2];       /* nobody writes: the reader blocks */

/* ---- the host's bindings ---- */

/* record(log, n): appends 2n to the log table. Called with the context
 * instead of the table: index 1 is a light userdata. */
static int host_record(lua_State *L) {
        lua_Integer n = luaL_checkinteger(L, 2);

        lua_pushinteger(L, n * 2);
        lua_rawseti(L, 1, (int) lua_rawlen(L, 1) + 1);
        return 0;
}

/* wait_for_work(how): blocks the calling thread for good. */
static int host_wait(lua_State *L) {
        const char *how = luaL_checkstring(L, 1);
        char byte;

        sem_post(&ready);
        for (;;) {
                if (strcmp(how, "read") == 0) {
                        if (read(quiet_pipe[0], &byte, 1) == 1)
                                break;
                } else
                        pause();
        }
        lua_pushinteger(L, byte);
        return 1;
}

static const char main_script[] =
        "local ctx = ...\n"
        "local function weigh(letter, depth)\n"
        "  if depth == 0 then\n"
        "    record(ctx, #letter)\n"
        "    return 1\n"
        "  end\n"
        "  return weigh(letter, depth - 1) + depth  -- not a tail call\n"
        "end\n"
        "local function by_weight(a, b)\n"
        "  local total = 0\n"
        "  string.gsub(a, '%a', function(letter)\n"
        "    local ok, w = pcall(weigh, letter, 3)\n"
        "    if ok then total = total + w end\n"
        "  end)\n"
        "  return total < #b\n"
        "end\n"
        "local words = { 'delta', 'alpha', 'charlie', 'bravo', 'echo' }\n"
        "table.sort(words, by_weight)\n"
        "return words[1]\n";

static const char worker_script[] =
        "local how, depth = ...\n"
        "local function idle(n, tag)\n"
        "  if n == 0 then return wait_for_work(how) end\n"
        "  return idle(n - 1, tag .. n) + 1  -- not a tail call\n"
        "end\n"
        "return idle(depth, how)\n";

static lua_State *new_state(void) {
        lua_State *L = luaL_newstate();

        if (L == NULL)
                return NULL;
        luaL_openlibs(L);
        lua_register(L, "record", host_record);
        lua_register(L, "wait_for_work", host_wait);
        return L;
}

/* ---- the workers ---- */

struct worker {
        const char *how;        /* "pause" or "read" */
        int depth;
        volatile pid_t tid;
};

NOINLINE static int run_worker(lua_State *L, struct worker *w) {
        if (luaL_loadbuffer(L, worker_script, sizeof worker_script - 1, "=worker") != LUA_OK)
                return -1;
        lua_pushstring(L, w->how);
        lua_pushinteger(L, w->depth);
        return lua_pcall(L, 2, 1, 0);
}

static void *worker_main(void *p) {
        struct worker *w = p;
        lua_State *L = new_state();
        char name[16];

        snprintf(name, sizeof name, "lua-%s", w->how);
        pthread_setname_np(pthread_self(), name);
        w->tid = gettid();
        if (L == NULL || run_worker(L, w) != LUA_OK)
                abort();
        return NULL;
}

NOINLINE static int start_workers(void) {
        static struct worker workers[2] = { { "pause", 4, 0 }, { "read", 6, 0 } };
        static const int syscalls[2] = { 34 /* pause */, 0 /* read */ };
        pthread_t threads[2];

        sem_init(&ready, 0, 0);
        if (pipe(quiet_pipe) != 0)
                return -1;
        /* One at a time: each allocates its state, then blocks. */
        for (int i = 0; i < 2; i++) {
                if (pthread_create(&threads[i], NULL, worker_main, &workers[i]) != 0)
                        return -1;
                sem_wait(&ready);
                wait_in_syscall(workers[i].tid, syscalls[i]);
        }
        return 2;
}

/* ---- the main thread ---- */

NOINLINE static int run_script(lua_State *L, const char *chunkname) {
        int status = luaL_loadbuffer(L, main_script, sizeof main_script - 1, chunkname);

        if (status != LUA_OK)
                return status;
        lua_pushlightuserdata(L, (void *) (uintptr_t) 16);     /* the context's handle */
        return lua_pcall(L, 1, 1, 0);
}

int main(void) {
        lua_State *L;
        int status;

        if (start_workers() < 0)
                return 1;
        L = new_state();
        if (L == NULL)
                return 1;
        status = run_script(L, "=sorter");
        /* Not reached: the crash is in run_script. */
        fprintf(stderr, "script ended: %d %s\n", status, lua_tostring(L, -1));
        lua_close(L);
        return 0;
}
