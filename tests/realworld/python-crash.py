# SPDX-License-Identifier: MIT
# tests/realworld/python-crash.py: a script that CPython's debug build
# (python3.11d, from Debian's python3.11-dbg) runs to die inside its C
# code, for comparing `crashctl symbolicate` with gdb on the interpreter:
# twelve Python calls deep, ctypes.string_at(0) makes strlen read address
# 0 (SIGSEGV in libc, under ctypes' C and the interpreter's eval loop). One
# more thread waits in read() on a pipe nobody writes; the main thread
# waits until it sits in the system call. run-realworld.py sets
# PYTHONHASHSEED=0, so two runs hold the same values.
import ctypes
import os
import threading

r, w = os.pipe()


def blocked():
    os.read(r, 1)


def wait_in_read(tid):
    path = '/proc/self/task/%d/syscall' % tid
    for _ in range(10000):
        with open(path) as f:
            if f.read().split(' ')[0] == '0':
                return
        os.sched_yield()


def recurse(n, note):
    if n == 0:
        return ctypes.string_at(0)
    return recurse(n - 1, note + 'x')


t = threading.Thread(target=blocked, name='reader')
t.start()
wait_in_read(t.native_id)
recurse(12, 'depth')
