/*
 * Cross-CPU function calls: run fn(arg) on another CPU, or on every online
 * CPU, and wait until it has run. Delivered by an IPI (VECTOR_CALL_FUNCTION),
 * so fn runs in interrupt context on the target: it must be short and must
 * not wait for the caller. TLB shootdowns are built on this.
 *
 * Call with interrupts enabled: while one CPU waits for another, that other
 * may itself be waiting to send, and only interrupts break the cycle.
 */
#ifndef MICA_CALL_FUNCTION_H
#define MICA_CALL_FUNCTION_H

typedef void (*cpu_function_t)(void *arg);

void call_function_init(void);
void call_function_on(unsigned int cpu, cpu_function_t fn, void *arg);
void call_function_all(cpu_function_t fn, void *arg);

#endif
