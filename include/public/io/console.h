/*
 * The PV console ring (Xen's public/io/console.h): one shared page between
 * a guest and its console backend (Mica). The guest writes out[] and reads
 * in[]; each ring's indices run freely and are masked by the ring's size
 * (a power of two). After changing an index the writer notifies the other
 * side through the console event channel.
 */
#ifndef MICA_PUBLIC_IO_CONSOLE_H
#define MICA_PUBLIC_IO_CONSOLE_H

#include "../xen.h"

typedef uint32_t XENCONS_RING_IDX;

#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};

#endif
