/*
 * interrupt.c - recording SIGINT and SIGTERM; see interrupt.h.
 */
#include "interrupt.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal flag must be a lock-free atomic");

static atomic_int caught;

static void on_signal(int sig)
{
    atomic_store(&caught, sig);
}

int interrupt_install(void)
{
    atomic_store(&caught, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESETHAND: the second Ctrl-C gets the default action (stop now);
     * SA_RESTART: a read or write in progress is not cut short by EINTR. */
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    static const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], &sa, &old) != 0)
            return -1;
        /* A signal the caller ignores stays ignored: the shell does that
         * for a background job without job control, so that Ctrl-C meant
         * for the foreground does not stop it. */
        if (old.sa_handler == SIG_IGN && sigaction(sigs[i], &old, NULL) != 0)
            return -1;
    }
    return 0;
}

int interrupt_caught(void)
{
    return atomic_load(&caught);
}

int interrupt_exit_code(void)
{
    int sig = interrupt_caught();
    return sig ? 128 + sig : 0;
}

int interrupt_cancelled(void *ctx)
{
    (void)ctx;
    return interrupt_caught() != 0;
}
