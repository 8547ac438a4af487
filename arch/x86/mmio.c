/*
 * Finding the emulated device that serves a guest-physical address
 * (include/x86/mmio.h). Handlers register themselves in the mica_mmio
 * section; the first that claims the address serves it. None claiming it
 * makes the address a hole (arch/x86/svm/guest_emulate.c).
 */
#include "x86/mmio.h"

const struct mmio_handler *mmio_find(const struct vcpu *v, uint64_t gpa)
{
    /* The linker's bounds of one section: the same array, as far as C goes. */
    // cppcheck-suppress comparePointers
    size_t nr_handlers = (size_t)(__stop_mica_mmio - __start_mica_mmio);

    for (size_t i = 0; i < nr_handlers; i++)
        if (__start_mica_mmio[i]->claims(v, gpa))
            return __start_mica_mmio[i];
    return NULL;
}
