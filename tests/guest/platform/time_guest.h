/*
 * Xen's clocks as a test guest reads them (public/xen.h): the pvclock in
 * this vCPU's vcpu_info, the wallclock in shared_info, and waiting for
 * VIRQ_TIMER on a port. shared_info must be mapped (evtchn_map_shared_info).
 */
#ifndef GUEST_TIME_GUEST_H
#define GUEST_TIME_GUEST_H

#include "evtchn.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL

static inline void compiler_barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

/* ((delta << shift) * mul) >> 32 without 128-bit arithmetic (the 32-bit
 * flavour has none): the product of each 32-bit half, exactly. */
static inline uint64_t pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (delta >> 32) * mul + (((delta & 0xFFFFFFFFu) * mul) >> 32);
}

/* A consistent copy of a pvclock: retried while its version is odd or
 * changes under us (Xen's protocol). */
static inline struct vcpu_time_info pvclock_snapshot(const volatile struct vcpu_time_info *ti)
{
    struct vcpu_time_info copy;
    uint32_t version;

    do {
        version = ti->version;
        compiler_barrier();
        copy.version = version;
        copy.tsc_timestamp = ti->tsc_timestamp;
        copy.system_time = ti->system_time;
        copy.tsc_to_system_mul = ti->tsc_to_system_mul;
        copy.tsc_shift = ti->tsc_shift;
        copy.flags = ti->flags;
        compiler_barrier();
    } while ((version & 1) || version != ti->version);
    return copy;
}

/* System time at TSC value tsc, by the pvclock snapshot c. */
static inline uint64_t pvclock_at(const struct vcpu_time_info *c, uint64_t tsc)
{
    return c->system_time +
           pvclock_scale(tsc - c->tsc_timestamp, c->tsc_to_system_mul, c->tsc_shift);
}

/* vCPU vcpu's pvclock (shared_info's vcpu_info). */
static inline const volatile struct vcpu_time_info *pvclock_of(unsigned int vcpu)
{
    return &evtchn_vcpu_info[vcpu & 7]->time;
}

/* System time now, by the pvclock of vcpu, the caller (and the TSC read,
 * if tsc). Read again if the clock was rewritten after the TSC read. */
static inline uint64_t time_now_tsc(unsigned int vcpu, uint64_t *tsc)
{
    const volatile struct vcpu_time_info *ti = pvclock_of(vcpu);
    struct vcpu_time_info c;
    uint64_t t;

    do {
        c = pvclock_snapshot(ti);
        t = guest_rdtsc();
        compiler_barrier();
    } while (c.version != ti->version);
    if (tsc)
        *tsc = t;
    return pvclock_at(&c, t);
}

static inline uint64_t time_now(unsigned int vcpu)
{
    return time_now_tsc(vcpu, NULL);
}

/* The wallclock (the time of day at system time 0) in ns since 1970, read
 * under its version; *version gets the (even) version it was read at. */
static inline uint64_t wallclock_ns(uint32_t *version)
{
    volatile struct shared_info *s = evtchn_shinfo;
    uint64_t sec, nsec;
    uint32_t v;

    do {
        v = s->wc_version;
        compiler_barrier();
#ifdef __x86_64__
        sec = ((uint64_t)s->wc_sec_hi << 32) | s->wc_sec;
#else
        sec = ((uint64_t)s->arch.wc_sec_hi << 32) | s->wc_sec;
#endif
        nsec = s->wc_nsec;
        compiler_barrier();
    } while ((v & 1) || v != s->wc_version);
    if (version)
        *version = v;
    return sec * NS_PER_SEC + nsec;
}

/* Wait on vCPU vcpu (the caller) for port to become pending (clearing it)
 * until system time `until`: SCHEDOP_block in between (an event wakes it,
 * so does Mica's tick), or only spinning if spin. Returns the system time
 * read just after the event was seen (so never before it came), or 0 if it
 * did not come. */
static inline uint64_t time_wait_event(unsigned int vcpu, evtchn_port_t port, uint64_t until,
                                       int spin)
{
    for (;;) {
        uint64_t now = time_now(vcpu);
        if (evtchn_test_and_clear(port))
            return time_now(vcpu);
        if (now >= until)
            return 0;
        if (spin) {
            __asm__ volatile("pause");
            continue;
        }
        /* No upcall handler clears them for us: clear the upcall flag and
         * the selector (the 2-level ABI raises an upcall, and so wakes a
         * blocked vCPU, only when a selector bit is newly set), so that the
         * block sleeps; then look again before sleeping. */
        __atomic_store_n(&evtchn_vcpu_info[vcpu & 7]->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&evtchn_vcpu_info[vcpu & 7]->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        if (evtchn_pending(port))
            continue;
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
}

static inline long set_singleshot(unsigned int vcpu, uint64_t timeout, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = timeout, .flags = flags };
    return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &t);
}

static inline long set_periodic(unsigned int vcpu, uint64_t period)
{
    struct vcpu_set_periodic_timer t = { .period_ns = period };
    return HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, vcpu, &t);
}

/* __HYPERVISOR_set_timer_op: a 32-bit caller splits the 64-bit timeout
 * over two registers, low half first. */
static inline long set_timer_op(int64_t timeout)
{
#ifdef __x86_64__
    return hypercall5(__HYPERVISOR_set_timer_op, (unsigned long)timeout, 0, 0, 0, 0);
#else
    return hypercall5(__HYPERVISOR_set_timer_op, (uint32_t)timeout,
                      (uint32_t)((uint64_t)timeout >> 32), 0, 0, 0);
#endif
}

#endif /* GUEST_TIME_GUEST_H */
