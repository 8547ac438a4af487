/*
 * The 2-level event-channel bitmaps of Xen's ABI (public/xen.h) as pure
 * functions on byte arrays: shared_info's evtchn_pending[] and evtchn_mask[],
 * and a vCPU's evtchn_pending_sel, for 64-bit or 32-bit guest words.
 * common/event_channel.c applies them to guest memory; the host unit test
 * (tests/unit/test_evtchn_2l.c) checks them against a model.
 *
 * On x86 (little-endian) bit p of an array of words is bit p % 8 of byte
 * p / 8 whatever the word size, so only the selector index (p / word bits)
 * depends on it. Every change is an atomic read-modify-write of an aligned
 * 32-bit word, so the guest may change the same words at the same time.
 */
#ifndef MICA_LIB_EVTCHN_2L_H
#define MICA_LIB_EVTCHN_2L_H

#include "types.h"

struct evtchn_2l {
    uint8_t *pending;       /* shared_info.evtchn_pending[] */
    uint8_t *mask;          /* shared_info.evtchn_mask[] */
    unsigned int word_bits; /* the guest's xen_ulong_t: 64 or 32 */
};

/* What evtchn_2l_set_pending did. */
enum evtchn_2l_result {
    EVTCHN_2L_COALESCED, /* already pending: nothing changed */
    EVTCHN_2L_MASKED,    /* now pending, but masked: no selector bit */
    EVTCHN_2L_SELECTED,  /* now pending; its selector bit was already set */
    EVTCHN_2L_UPCALL,    /* now pending and its selector bit new: the caller
                            sets evtchn_upcall_pending (and wakes the vCPU) */
};

/* Xen's evtchn_2l_set_pending: the port's pending bit, then (unmasked) the
 * selector bit of its word in sel (the notified vCPU's evtchn_pending_sel). */
enum evtchn_2l_result evtchn_2l_set_pending(const struct evtchn_2l *l, uint8_t *sel, uint32_t port);

/* Xen's evtchn_2l_unmask: clear the mask bit; true if the port was masked
 * and pending and its selector bit is new (the caller raises the upcall). */
bool evtchn_2l_unmask(const struct evtchn_2l *l, uint8_t *sel, uint32_t port);

/* One bit of a bitmap: read it, clear it (returning whether it was set). */
bool evtchn_2l_test(const uint8_t *bitmap, uint32_t bit);
bool evtchn_2l_test_and_clear(uint8_t *bitmap, uint32_t bit);

#endif
