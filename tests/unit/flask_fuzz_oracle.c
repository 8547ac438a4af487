/*
 * The oracle of the FLASK policy-loader fuzz test (xsm/fuzz-policy-loader,
 * tests/guest/xsm/xsm_tests.py): the policies the guest xsm_fuzz.c loads into
 * Mica, made here from the same seed by the same generator
 * (tests/guest/xsm/policy_fuzz.h), fed to the host build of the same parser
 * (xsm/flask_policy.c, on the fake machine of host_mm.c), and judged by the
 * rules of Mica's loader (xsm/flask.c, load_policy and FLASK_LOAD):
 *
 *   - a policy loads if its size is 1 byte .. 1 MiB, it parses, it declares
 *     xen_t, dom0_t and domU_t, and it has a type for every running domain's
 *     label (the fuzzing guest's own: dom0_t);
 *   - a loaded policy's answers to policy_fuzz.h's questions, as xsm/flask.c
 *     gives them: -EPERM for all if dom0_t may not compute_av on xen_t, else
 *     -EINVAL for a type out of range, else the access vector the policy
 *     computes (no AVC here: Mica's answers come through its AVC).
 *
 *   flask_fuzz_oracle SEED COUNT
 *
 * prints, for each of the first COUNT policies that loads, the entry the
 * guest prints for it: "N:QUESTIONS:HASH", one a line. The test compares the
 * two lists entry by entry (a policy Mica refused for want of memory is left
 * out of the comparison).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PB_FAIL(message) (fprintf(stderr, "flask_fuzz_oracle: %s\n", (message)), exit(2))

#include "../guest/xsm/policy_fuzz.h"
#include "flask.h"
#include "host_mm.h"
#include "public/errno.h"

#define MACHINE_FRAMES 16384 /* 64 MiB: room for the largest policy */
#define MAX_POLICY_SIZE (1024 * 1024)

static struct policy_fuzz fuzz;

/* xsm/flask.c's load_policy, minus installing the policy. */
static struct flask_policy *load(const uint8_t *bytes, uint32_t size)
{
    struct flask_policy *p;

    if (size == 0 || size > MAX_POLICY_SIZE || flask_policy_parse(bytes, size, &p))
        return NULL;
    if (!flask_policy_type(p, FLASK_HYPERVISOR_TYPE) ||
        !flask_policy_type(p, FLASK_DEFAULT_PRIVILEGED_TYPE) ||
        !flask_policy_type(p, FLASK_DEFAULT_UNPRIVILEGED_TYPE)) {
        flask_policy_free(p);
        return NULL;
    }
    return p;
}

/* xsm/flask.c's FLASK_ACCESS, asked by a dom0_t domain. */
static long access_answer(const struct flask_policy *p, uint32_t ssid, uint32_t tsid,
                          uint32_t tclass, uint32_t *allowed)
{
    uint32_t self = flask_policy_type(p, FLASK_DEFAULT_PRIVILEGED_TYPE);
    uint32_t xen = flask_policy_type(p, FLASK_HYPERVISOR_TYPE);

    if (!(flask_policy_compute_av(p, self, xen, FLASK_CLASS_XEN) & XEN__COMPUTE_AV))
        return -XEN_EPERM;
    if (!ssid || ssid >= p->nr_types || !tsid || tsid >= p->nr_types || tclass >= FLASK_NR_CLASSES)
        return -XEN_EINVAL;
    *allowed = flask_policy_compute_av(p, ssid, tsid, tclass);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: flask_fuzz_oracle SEED COUNT\n");
        return 2;
    }
    unsigned long seed = strtoul(argv[1], NULL, 0), count = strtoul(argv[2], NULL, 0);

    host_mm_init(MACHINE_FRAMES);
    if (!fuzz_start(&fuzz, seed)) {
        fprintf(stderr, "flask_fuzz_oracle: the default policy lacks dom0_t's xen rule\n");
        return 2;
    }
    for (uint32_t n = 0; n < count; n++) {
        uint32_t size, hash = FUZZ_HASH_START, s, t, c, i;
        const uint8_t *bytes = fuzz_policy(&fuzz, n, &size);
        struct flask_policy *p = load(bytes, size);

        if (!p)
            continue;
        for (i = 0; fuzz_query(p->nr_types, i, &s, &t, &c); i++) {
            uint32_t allowed = 0;
            long rc = access_answer(p, s, t, c, &allowed);
            hash = fuzz_fold(hash, rc, allowed);
            if (rc == -XEN_EPERM) {
                i++;
                break;
            }
        }
        printf("%u:%u:%08x\n", n, i, hash);
        flask_policy_free(p);
    }
    host_mm_fini();
    return 0;
}
