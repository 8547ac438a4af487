/*
 * Finding the emulated device that serves a guest-physical address
 * (include/x86/mmio.h). Handlers register themselves in the mica_mmio
 * section; the first that claims the address serves it. None claiming it
 * makes the address a hole (arch/x86/svm/guest_emulate.c).
 */
#include "x86/mmio.h"

const struct mmio_handler *mmio_find(const struct vcpu *v, uint64_t gpa)
{
    for (const struct mmio_handler *const *h = __start_mica_mmio; h < __stop_mica_mmio; h++)
        if ((*h)->claims(v, gpa))
            return *h;
    return NULL;
}
