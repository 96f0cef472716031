/* SPDX-License-Identifier: MIT */
/*
 * Sampling plans, NIST SP 800-88 Rev. 1 §4.7. What the header leaves open is decided here, so that
 * anyone can rebuild a plan from (device_bytes, sector_bytes, percent, seed):
 *
 *  - The addressable space is the N = device_bytes / sector_bytes whole sectors. It is cut into
 *    exactly VERIFY_MIN_SUBSECTIONS subsections of floor(N / 1000) sectors; the last one also takes
 *    the N mod 1000 remainder. Higher coverage comes from more locations per subsection, not from
 *    more subsections.
 *  - A subsection of s sectors must be covered to T = ceil(percent / 100 · s) sectors (at least 1).
 *    It gets k = max(2, ceil(T / m)) locations, m = VERIFY_MAX_LOCATION_BYTES in sectors (at least
 *    one sector), each of len = ceil(T / k) sectors. Rounding up means k · len ≥ T: the coverage is
 *    never below percent, and each location is at least one sector and at most m.
 *  - Slots are floor(s / k) sectors from the start of the subsection; the s mod k sectors after
 *    the last slot hold no location. Location i starts at slot i's start plus r mod (slot − len + 1)
 *    sectors, r the next output of splitmix64 seeded with seed: one draw per location, subsections
 *    in order, slots in order within. (The modulo bias is below 2^-40 for any real device.)
 *  - A plan reads everything (is_full; n_subsections = n_locations = 0; one extent
 *    [0, device_bytes)) when the device has fewer than 1000 · 2 whole sectors, or when in some
 *    subsection k · floor(s / k) < T: the locations would not fit their slots, which happens only
 *    when percent leaves fewer than k sectors of a subsection unread (at or near 100 %, or on
 *    subsections of a few sectors). Reading everything is never weaker than the sample.
 *  - A regular file's size need not be a multiple of sector_bytes. Its odd tail belongs to no
 *    subsection; it is read with the last MiB. Every offset and length in a plan is a multiple of
 *    sector_bytes, except that an extent may end at device_bytes itself.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "verifier-internal.h"

uint64_t verify_splitmix64(uint64_t *state)
{
        uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static bool sector_bytes_is_valid(uint32_t sector_bytes)
{
        return sector_bytes >= 512 && (sector_bytes & (sector_bytes - 1)) == 0;
}

static bool percent_is_valid(double percent)
{
        return percent > 0.0 && percent <= 100.0; /* false for NaN too */
}

static uint64_t div_round_up(uint64_t a, uint64_t b)
{
        return a / b + (a % b != 0);
}

int verify_subsection_layout(uint64_t subsection_sectors, uint32_t sector_bytes, double percent,
                             struct verify_layout *ret)
{
        if (subsection_sectors == 0 || !sector_bytes_is_valid(sector_bytes) || !percent_is_valid(percent) ||
            !ret)
                return -EINVAL;

        double want = ceil(percent * (double)subsection_sectors / 100.0);
        uint64_t target = want >= (double)subsection_sectors ? subsection_sectors : (uint64_t)want;
        if (target == 0)
                target = 1;

        uint64_t max_sectors = VERIFY_MAX_LOCATION_BYTES / sector_bytes;
        if (max_sectors == 0)
                max_sectors = 1; /* sectors larger than a location: one sector it is */

        uint64_t k = div_round_up(target, max_sectors);
        if (k < VERIFY_LOCATIONS_PER_SUBSECTION)
                k = VERIFY_LOCATIONS_PER_SUBSECTION;
        uint64_t len = div_round_up(target, k);
        uint64_t slot = subsection_sectors / k;
        if (len > slot)
                return -ERANGE;

        *ret = (struct verify_layout){ .n_locations = k, .location_sectors = len, .slot_sectors = slot };
        return 0;
}

void verify_sampling_done(struct verify_sampling *s)
{
        if (!s)
                return;
        free(s->locations);
        *s = (struct verify_sampling){};
}

int verify_sampling_build(uint64_t device_bytes, uint32_t sector_bytes, double percent, uint64_t seed,
                          struct verify_sampling *ret)
{
        if (device_bytes == 0 || !sector_bytes_is_valid(sector_bytes) || !percent_is_valid(percent) || !ret)
                return -EINVAL;

        const uint64_t n_subsections = VERIFY_MIN_SUBSECTIONS;
        uint64_t n_sectors = device_bytes / sector_bytes;
        if (n_sectors < n_subsections * VERIFY_LOCATIONS_PER_SUBSECTION) {
                *ret = (struct verify_sampling){ .is_full = true };
                return 0;
        }

        uint64_t sub_sectors = n_sectors / n_subsections;
        uint64_t last_sectors = sub_sectors + n_sectors % n_subsections;
        struct verify_layout base, last;
        int r = verify_subsection_layout(sub_sectors, sector_bytes, percent, &base);
        if (r == 0)
                r = verify_subsection_layout(last_sectors, sector_bytes, percent, &last);
        if (r == -ERANGE) {
                *ret = (struct verify_sampling){ .is_full = true };
                return 0;
        }
        if (r < 0)
                return r;

        /* k ≤ s in every subsection (a location is at least one sector), so this is at most N. */
        uint64_t n_locations = (n_subsections - 1) * base.n_locations + last.n_locations;
        if (n_locations > SIZE_MAX / sizeof(struct verify_extent))
                return -ENOMEM;
        _cleanup_free_ struct verify_extent *locations = malloc(n_locations * sizeof(struct verify_extent));
        if (!locations)
                return -ENOMEM;

        uint64_t state = seed;
        size_t m = 0;
        for (uint64_t i = 0; i < n_subsections; i++) {
                const struct verify_layout *l = i == n_subsections - 1 ? &last : &base;
                uint64_t free_positions = l->slot_sectors - l->location_sectors + 1;

                for (uint64_t j = 0; j < l->n_locations; j++) {
                        uint64_t sector = i * sub_sectors + j * l->slot_sectors +
                                          verify_splitmix64(&state) % free_positions;
                        locations[m++] = (struct verify_extent){
                                .offset = sector * sector_bytes,
                                .len = l->location_sectors * sector_bytes,
                        };
                }
        }

        *ret = (struct verify_sampling){
                .n_subsections = n_subsections,
                .subsection_bytes = sub_sectors * sector_bytes,
                .locations = TAKE_PTR(locations),
                .n_locations = m,
        };
        return 0;
}

/* Appends [offset, offset + len) clipped to the device and aligned outward to sectors; an end past
 * the last whole sector becomes device_bytes (a file's odd tail). Empty ranges add nothing. */
static void add_aligned(struct verify_extent *e, size_t *n, uint64_t offset, uint64_t len,
                        uint64_t device_bytes, uint32_t sector_bytes)
{
        if (offset >= device_bytes || len == 0)
                return;

        uint64_t end = offset + (len < device_bytes - offset ? len : device_bytes - offset);
        uint64_t aligned_bytes = device_bytes - device_bytes % sector_bytes;
        uint64_t start = offset - offset % sector_bytes;
        end = end > aligned_bytes ? device_bytes : div_round_up(end, sector_bytes) * sector_bytes;

        e[(*n)++] = (struct verify_extent){ .offset = start, .len = end - start };
}

static int extent_compare(const void *a, const void *b)
{
        const struct verify_extent *x = a, *y = b;

        if (x->offset != y->offset)
                return x->offset < y->offset ? -1 : 1;
        if (x->len != y->len)
                return x->len < y->len ? -1 : 1;
        return 0;
}

/* Sorts and merges overlapping and adjacent extents in place; returns the new count. */
static size_t extents_merge(struct verify_extent *e, size_t n)
{
        if (n == 0)
                return 0;

        qsort(e, n, sizeof(*e), extent_compare);
        size_t m = 0;
        for (size_t i = 1; i < n; i++) {
                uint64_t end = e[m].offset + e[m].len;
                if (e[i].offset <= end) {
                        uint64_t i_end = e[i].offset + e[i].len;
                        if (i_end > end)
                                e[m].len = i_end - e[m].offset;
                } else
                        e[++m] = e[i];
        }
        return m + 1;
}

static int plan_whole(uint64_t device_bytes, uint32_t sector_bytes, double percent, uint64_t seed,
                      struct verify_plan *ret)
{
        struct verify_extent *e = malloc(sizeof(*e));
        if (!e)
                return -ENOMEM;
        *e = (struct verify_extent){ .offset = 0, .len = device_bytes };

        *ret = (struct verify_plan){
                .seed = seed,
                .device_bytes = device_bytes,
                .sector_bytes = sector_bytes,
                .percent = percent,
                .is_full = true,
                .extents = e,
                .n_extents = 1,
                .planned_bytes = device_bytes,
        };
        return 0;
}

int verify_plan_full(uint64_t device_bytes, uint32_t sector_bytes, struct verify_plan *ret)
{
        if (device_bytes == 0 || !sector_bytes_is_valid(sector_bytes) || !ret)
                return -EINVAL;

        return plan_whole(device_bytes, sector_bytes, 100.0, 0, ret);
}

int verify_plan_build(uint64_t device_bytes, uint32_t sector_bytes, double percent, uint64_t seed,
                      const struct verify_extent *must, size_t n_must, struct verify_plan *ret)
{
        _cleanup_(verify_sampling_done) struct verify_sampling s = {};
        int r;

        if (!ret || (n_must > 0 && !must))
                return -EINVAL;

        r = verify_sampling_build(device_bytes, sector_bytes, percent, seed, &s);
        if (r < 0)
                return r;
        if (s.is_full) /* must lies inside [0, device_bytes) anyway */
                return plan_whole(device_bytes, sector_bytes, percent, seed, ret);

        const size_t n_edges = 2;
        if (n_must > SIZE_MAX / sizeof(struct verify_extent) - n_edges - s.n_locations)
                return -ENOMEM;
        size_t n_max = s.n_locations + n_edges + n_must;
        struct verify_extent *grown = realloc(s.locations, n_max * sizeof(struct verify_extent));
        if (!grown)
                return -ENOMEM;
        _cleanup_free_ struct verify_extent *e = grown;
        s.locations = NULL;

        size_t n = s.n_locations;
        uint64_t edge = device_bytes < VERIFY_EDGE_BYTES ? device_bytes : VERIFY_EDGE_BYTES;
        add_aligned(e, &n, 0, edge, device_bytes, sector_bytes);
        add_aligned(e, &n, device_bytes - edge, edge, device_bytes, sector_bytes);
        for (size_t i = 0; i < n_must; i++)
                add_aligned(e, &n, must[i].offset, must[i].len, device_bytes, sector_bytes);

        n = extents_merge(e, n);
        uint64_t planned_bytes = 0;
        for (size_t i = 0; i < n; i++)
                planned_bytes += e[i].len;

        /* Merging only shrinks; give the slack back (keep the larger block if that fails). */
        struct verify_extent *shrunk = realloc(e, n * sizeof(struct verify_extent));
        if (shrunk)
                e = shrunk;

        *ret = (struct verify_plan){
                .seed = seed,
                .device_bytes = device_bytes,
                .sector_bytes = sector_bytes,
                .percent = percent,
                .is_full = false,
                .n_subsections = s.n_subsections,
                .n_locations = s.n_locations,
                .extents = TAKE_PTR(e),
                .n_extents = n,
                .planned_bytes = planned_bytes,
        };
        return 0;
}

void verify_plan_done(struct verify_plan *p)
{
        if (!p)
                return;
        free(p->extents);
        *p = (struct verify_plan){};
}

/* The first and last MiB of each partition found before a wipe: where leftovers would matter most. */
int verify_partition_areas(const struct disk_content *c, struct verify_extent **ret, size_t *ret_n)
{
        struct verify_extent *v = calloc(2 * c->n_entries + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < c->n_entries; i++) {
                const struct disk_content_entry *e = &c->entries[i];
                if (e->number == 0 || e->size_bytes == 0)
                        continue; /* a whole-device file system starts in the first MiB, always read */
                uint64_t len = e->size_bytes < VERIFY_EDGE_BYTES ? e->size_bytes : VERIFY_EDGE_BYTES;
                v[n++] = (struct verify_extent){ e->offset_bytes, len };
                v[n++] = (struct verify_extent){ e->offset_bytes + e->size_bytes - len, len };
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
