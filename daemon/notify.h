/* SPDX-License-Identifier: MIT */
/* daemon/notify.h: messages to the service manager ($NOTIFY_SOCKET,
 * sd_notify(3)'s protocol), never blocking the event loop for long: a
 * manager (or a test) that stops reading its socket fills it (the kernel
 * queues only net.unix.max_dgram_qlen datagrams, 10 by default), and
 * libsystemd's sd_notify() then blocks until someone reads, which would
 * stop crashd. WATCHDOG= and STATUS= are dropped when the socket is full
 * (the next one says the same); READY=, RELOADING= and STOPPING= wait at
 * most NOTIFY_WAIT_MS for room. */
#pragma once

#include <stdbool.h>

#define NOTIFY_WAIT_MS 1000

/* Sends one message ("READY=1"); wait: may wait NOTIFY_WAIT_MS for room.
 * 0, or a negative errno (-EAGAIN: dropped; no $NOTIFY_SOCKET: 0). */
int notify_send(const char *message, bool wait);
