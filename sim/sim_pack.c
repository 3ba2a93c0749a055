/*
 * sim_pack.c - bytes written little-endian whatever the host, so a journal
 * can be resumed, and ranks can talk, across machines.
 */
#include "sim_pack.h"

#include <string.h>

#include "sim_alloc.h"

void sim_pack_init(sim_pack *p)
{
    memset(p, 0, sizeof *p);
}

void sim_pack_fini(sim_pack *p)
{
    sim_free(p->data);
    sim_pack_init(p);
}

void sim_pack_bytes(sim_pack *p, const void *b, size_t n)
{
    if (p->failed)
        return;
    if (n > p->cap - p->len) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap - p->len < n) {
            if (cap > SIZE_MAX / 2) {
                p->failed = 1;
                return;
            }
            cap *= 2;
        }
        unsigned char *d = sim_realloc(p->data, cap);
        if (!d) {
            p->failed = 1;
            return;
        }
        p->data = d;
        p->cap = cap;
    }
    if (n)
        memcpy(p->data + p->len, b, n);
    p->len += n;
}

void sim_pack_u64(sim_pack *p, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    sim_pack_bytes(p, b, sizeof b);
}

void sim_pack_f64(sim_pack *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    sim_pack_u64(p, bits);
}

void sim_pack_str(sim_pack *p, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    sim_pack_u64(p, n);
    sim_pack_bytes(p, s, n);
}

void sim_unpack_init(sim_unpack *u, const void *data, size_t len)
{
    u->data = data;
    u->len = data ? len : 0;
    u->pos = 0;
    u->failed = 0;
}

uint64_t sim_unpack_u64(sim_unpack *u)
{
    if (u->failed || u->len - u->pos < 8) {
        u->failed = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)u->data[u->pos + (size_t)i] << (8 * i);
    u->pos += 8;
    return v;
}

double sim_unpack_f64(sim_unpack *u)
{
    uint64_t bits = sim_unpack_u64(u);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

void sim_unpack_str(sim_unpack *u, char *buf, size_t n)
{
    uint64_t len = sim_unpack_u64(u);
    if (u->failed || len >= n || len > u->len - u->pos ||
        memchr(u->data + u->pos, '\0', (size_t)len)) {
        u->failed = 1;
        if (n)
            buf[0] = '\0';
        return;
    }
    memcpy(buf, u->data + u->pos, (size_t)len);
    buf[len] = '\0';
    u->pos += (size_t)len;
}

uint64_t sim_pack_hash(const void *b, size_t n, uint64_t h)
{
    const unsigned char *p = b;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL; /* FNV prime */
    }
    return h;
}
