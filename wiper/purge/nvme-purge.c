/* SPDX-License-Identifier: MIT */
/* nvme purge flows over a transport (purge.h). To be written. */
#include <errno.h>

#include "purge.h"

int nvme_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                  const struct purge_run_options *o, struct purge_report *ret)
{
        (void)t, (void)method, (void)caps, (void)o;
        *ret = (struct purge_report){ .method = method, .error = -EOPNOTSUPP };
        return -EOPNOTSUPP;
}

int nvme_purge_probe(const struct cmd_transport *t, uint32_t nsid, struct purge_caps *ret)
{
        (void)t, (void)nsid, (void)ret;
        return -EOPNOTSUPP;
}
