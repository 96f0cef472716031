/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A job's thread: started once, asked to stop, observed through a file descriptor that becomes
 * readable when the thread has ended (for poll() in a front end), joined. Wipe and verify jobs
 * both run on one.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct worker {
        pthread_t thread;
        bool has_thread;
        int done_fd; /* eventfd, readable once the thread function has returned */
        atomic_bool is_stop_requested;
        atomic_bool is_done;
        void *(*fn)(void *);
        void *userdata;
};

int worker_init(struct worker *w);
/* Runs fn(userdata) on a new thread; the worker marks itself done when fn returns. */
int worker_start(struct worker *w, void *(*fn)(void *), void *userdata);
void worker_request_stop(struct worker *w);
bool worker_is_stop_requested(struct worker *w);
bool worker_is_done(const struct worker *w);
void worker_wait(struct worker *w);
/* Joins the thread if needed and closes the descriptor. */
void worker_done(struct worker *w);
