/* SPDX-License-Identifier: MIT */
/*
 * What a clean sample supports. If a fraction f of the device were left unerased, n independent
 * uniformly placed samples would all miss it with probability (1 - f)^n; a clean result at
 * confidence C therefore bounds f below 1 - (1 - C)^(1/n).
 */
#include <math.h>

#include "verifier.h"

double verify_unerased_bound(size_t n_clean_samples, double confidence)
{
        /* Nothing sampled, or a confidence that claims nothing sensible: no bound at all. */
        if (n_clean_samples == 0 || !(confidence < 1.0))
                return 1.0;
        if (!(confidence > 0.0))
                return 0.0;

        /* 1 - (1 - C)^(1/n) without the cancellation pow() suffers when n is large. */
        return -expm1(log1p(-confidence) / (double)n_clean_samples);
}
