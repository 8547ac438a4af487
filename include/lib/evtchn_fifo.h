/*
 * The FIFO event-channel rules of Xen's ABI (public/event_channel.h) as pure
 * functions on guest words: a port's event word (PENDING 31, MASKED 30,
 * LINKED 29, BUSY 28, link 16..0) and a vCPU's control block (ready, then
 * one queue head per priority, 0 highest .. 15). common/event_channel.c
 * applies them to guest memory; tests/unit/test_evtchn_fifo.c checks them.
 * Every change is an atomic operation on an aligned 32-bit word: the guest
 * changes the same words at the same time.
 */
#ifndef MICA_LIB_EVTCHN_FIFO_H
#define MICA_LIB_EVTCHN_FIFO_H

#include "types.h"

#define EVTCHN_FIFO_WORD_PENDING (1u << 31)
#define EVTCHN_FIFO_WORD_MASKED (1u << 30)
#define EVTCHN_FIFO_WORD_LINKED (1u << 29)
#define EVTCHN_FIFO_WORD_LINK_MASK ((1u << 17) - 1)

/* Set PENDING in *word; if can_link (the notified vCPU has a control block)
 * and the port is neither MASKED nor LINKED, set LINKED too and return true:
 * the caller then links the port into its queue (evtchn_fifo_link). */
bool evtchn_fifo_set_pending(uint32_t *word, bool can_link);

/* Clear MASKED; if the port is PENDING and not LINKED (and can_link), set
 * LINKED and return true: the caller links it. */
bool evtchn_fifo_unmask(uint32_t *word, bool can_link);

/* Link port (its word already LINKED) at the tail of a queue: *tail is the
 * port Mica linked last (0: none), tail_word its event word (NULL if it has
 * none). If that port is still LINKED (the guest has not consumed it) and is
 * not port itself, its link field becomes port; otherwise the queue was
 * empty and *head becomes port and the queue's bit (prio) is set in *ready.
 * *tail becomes port. True if the ready bit is new: the caller raises the
 * upcall. */
bool evtchn_fifo_link(uint32_t *ready, uint32_t *head, unsigned int prio, uint32_t *tail,
                      uint32_t *tail_word, uint32_t port);

#endif
