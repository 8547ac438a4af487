/* Compiled (never run) by test_typesafe.c: each PROBE_* is one use of a
 * frame number, right or wrong; the test checks which ones compile. */
#include "frame.h"

struct frame *probe(gfn_t gfn, mfn_t mfn);

struct frame *probe(gfn_t gfn, mfn_t mfn)
{
#if defined(PROBE_GFN_AS_MFN)
    (void)mfn;
    return mfn_to_frame(gfn); /* a gfn where an mfn is expected */
#elif defined(PROBE_MFN_PLUS_GFN)
    return mfn_to_frame(mfn + gfn); /* arithmetic mixing the two */
#elif defined(PROBE_MFN_AS_GFN)
    gfn = mfn; /* an mfn stored as a gfn */
    return mfn_to_frame(_mfn(gfn_x(gfn)));
#else
    (void)gfn;
    return mfn_to_frame(mfn_add(mfn, 1)); /* correct use */
#endif
}
