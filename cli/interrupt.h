/*
 * interrupt.h - Ctrl-C (SIGINT) and SIGTERM during the commands that
 * simulate (run, report, sweep, compare, plan, advise).
 *
 * The handler only records which signal came, in a lock-free atomic (C11
 * 7.14.1.1: a handler may touch lock-free atomic objects), and restores the
 * default action, so a second Ctrl-C stops the process at once. Everything
 * else happens in normal code: the experiment reads the flag through its
 * cancel callback (interrupt_cancelled), hands out no more replications and
 * stops the running ones at their next watch step; the command then writes
 * nothing, erases the progress bar and exits 128 + the signal number (130
 * for SIGINT, 143 for SIGTERM), the shell's convention.
 *
 * A command checks interrupt_exit_code() right before it starts writing
 * (files or stdout): an interrupt that came earlier leaves nothing behind.
 * Library code never installs handlers (sim_experiment.h).
 */
#ifndef INTERRUPT_H
#define INTERRUPT_H

/* Installs the SIGINT and SIGTERM handlers and forgets any earlier signal.
 * A signal ignored on entry stays ignored (a background job of a script).
 * Returns 0, or -1 if sigaction failed (the command then runs without). */
int interrupt_install(void);

/* The signal caught since interrupt_install, or 0. Async-signal-safe and
 * thread-safe. */
int interrupt_caught(void);

/* 128 + the signal caught (130 for SIGINT, 143 for SIGTERM), or 0 when
 * none was. */
int interrupt_exit_code(void);

/* sim_cancel_fn: non-zero once a signal was caught (ctx is unused). */
int interrupt_cancelled(void *ctx);

#endif
