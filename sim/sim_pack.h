/*
 * sim_pack.h - a replication's result as bytes and back, exactly.
 *
 * Results computed in another process (an MPI rank, cli/dist.h) or in an
 * earlier run (a journal, cli/journal.h) must merge into the same summary as
 * the result computed here, bit for bit. So everything is written as its
 * bits: doubles as their IEEE-754 64-bit pattern (NaN payloads, -0 and
 * infinities included), integers as 64-bit words, little-endian, strings
 * with their length. A histogram is its non-zero bins, a series its
 * buckets and its observation state: unpacking gives a result whose every
 * accessor, merge and clone answers what the original's does.
 *
 * sim_pack is a growable byte buffer (the writer); sim_unpack reads one,
 * checking every length against what is left, so a truncated or corrupt
 * buffer is SIM_EPARSE, never a read past its end.
 */
#ifndef SIM_PACK_H
#define SIM_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

typedef struct sim_pack {
    unsigned char *data;
    size_t len, cap;
    int failed; /* an allocation failed: the contents are incomplete */
} sim_pack;

void sim_pack_init(sim_pack *p);
void sim_pack_fini(sim_pack *p);
void sim_pack_u64(sim_pack *p, uint64_t v);
void sim_pack_f64(sim_pack *p, double v);
void sim_pack_str(sim_pack *p, const char *s); /* NULL is written as "" */
void sim_pack_bytes(sim_pack *p, const void *b, size_t n);

typedef struct sim_unpack {
    const unsigned char *data;
    size_t len, pos;
    int failed; /* a read went past the end or met a bad value */
} sim_unpack;

void sim_unpack_init(sim_unpack *u, const void *data, size_t len);
uint64_t sim_unpack_u64(sim_unpack *u);
double sim_unpack_f64(sim_unpack *u);
/* A string packed by sim_pack_str, copied into buf (NUL-terminated); marks
 * the reader failed when it does not fit in n bytes or holds a NUL. */
void sim_unpack_str(sim_unpack *u, char *buf, size_t n);

/* FNV-1a 64 of n bytes, for journal headers and checks of packed data. */
uint64_t sim_pack_hash(const void *b, size_t n, uint64_t h);
#define SIM_PACK_HASH_SEED 1469598103934665603ULL

#endif
