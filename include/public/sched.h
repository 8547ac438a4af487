/*
 * Mica's guest ABI: HYPERVISOR_sched_op(cmd, arg)
 * (mirrors xen/include/public/sched.h).
 */
#ifndef MICA_PUBLIC_SCHED_H
#define MICA_PUBLIC_SCHED_H

#include "xen.h"

#define SCHEDOP_yield           0   /* arg == NULL */
#define SCHEDOP_block           1   /* arg == NULL */
#define SCHEDOP_shutdown        2   /* arg == struct sched_shutdown */
#define SCHEDOP_poll            3   /* arg == struct sched_poll */
#define SCHEDOP_remote_shutdown 4   /* arg == struct sched_remote_shutdown */
#define SCHEDOP_shutdown_code   5   /* arg == struct sched_shutdown */
#define SCHEDOP_watchdog        6   /* arg == struct sched_watchdog */
#define SCHEDOP_pin_override    7   /* arg == struct sched_pin_override */

/* Shutdown reasons (sched.h, SHUTDOWN_*). */
#define SHUTDOWN_poweroff   0   /* Domain exited normally. Clean up and kill. */
#define SHUTDOWN_reboot     1   /* Clean up, kill, and then restart.          */
#define SHUTDOWN_suspend    2   /* Clean up, save suspend info, kill.         */
#define SHUTDOWN_crash      3   /* Tell controller we've crashed.             */
#define SHUTDOWN_watchdog   4   /* Restart because watchdog time expired.     */
#define SHUTDOWN_soft_reset 5   /* Domain asked to perform 'soft reset'.      */
#define SHUTDOWN_MAX        5

/* Mirrors sched.h struct sched_shutdown: same layout in both ABIs. */
struct sched_shutdown {
    uint32_t reason;            /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown is 4 bytes");

/* Mirrors sched.h struct sched_remote_shutdown: same layout in both ABIs. */
struct sched_remote_shutdown {
    domid_t  domain_id;         /* Remote domain ID */
    uint32_t reason;            /* SHUTDOWN_* */
};
_Static_assert(sizeof(struct sched_remote_shutdown) == 8, "sched_remote_shutdown is 8 bytes");

/* SCHEDOP_poll: block until one of ports[0..nr_ports) is pending or the
 * timeout (absolute system time in ns; 0: none) passes. The handle is
 * pointer-sized, so the 64-bit layout (24 bytes) differs from the 32-bit one
 * (16 bytes: i386 aligns the uint64_t to 4). */
struct sched_poll {
    XEN_GUEST_HANDLE(uint) ports;   /* evtchn_port_t[] */
    unsigned int nr_ports;
    uint64_t timeout;
};
struct xen_sched_poll {
    uint64_t ports;
    uint32_t nr_ports;
    uint32_t pad;
    uint64_t timeout;
};
struct compat_sched_poll {
    uint32_t ports;
    uint32_t nr_ports;
    uint64_t timeout;
} __attribute__((packed));
_Static_assert(sizeof(struct xen_sched_poll) == 24, "sched_poll is 24 bytes (64-bit)");
_Static_assert(sizeof(struct compat_sched_poll) == 16, "sched_poll is 16 bytes (32-bit)");
#define SCHEDOP_POLL_MAX_PORTS 128  /* Xen's limit on nr_ports */

#endif /* MICA_PUBLIC_SCHED_H */
