/* SPDX-License-Identifier: MIT */
/*
 * verifier: sampling plans checked against NIST SP 800-88 §4.7 property by property (subsections,
 * two or more locations per subsection inside their slots, coverage, edges, must extents,
 * alignment, merging, determinism), splitmix64 against its published outputs, and the statistics.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "verifier-internal.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* percent is a double: allow its own rounding, nothing more. */
static bool reaches(uint64_t got, double percent, uint64_t of)
{
        return (double)got >= percent / 100.0 * (double)of * (1.0 - 1e-12);
}

/* Index of the first extent ending after offset (n_extents if none); the extents are sorted. */
static size_t first_ending_after(const struct verify_plan *p, uint64_t offset)
{
        size_t lo = 0, hi = p->n_extents;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (p->extents[mid].offset + p->extents[mid].len <= offset)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* Bytes of [a, b) the plan reads. */
static uint64_t covered_bytes(const struct verify_plan *p, uint64_t a, uint64_t b)
{
        uint64_t sum = 0;

        for (size_t i = first_ending_after(p, a); i < p->n_extents && p->extents[i].offset < b; i++) {
                uint64_t s = p->extents[i].offset > a ? p->extents[i].offset : a;
                uint64_t e = p->extents[i].offset + p->extents[i].len;
                sum += (e < b ? e : b) - s;
        }
        return sum;
}

static bool covers(const struct verify_plan *p, uint64_t a, uint64_t b)
{
        return covered_bytes(p, a, b) == b - a;
}

/* Every property a plan promises, whatever its inputs. */
static void check_plan(const struct verify_plan *p, uint64_t device_bytes, uint32_t sector_bytes,
                       double percent, uint64_t seed)
{
        assert_int_equal(p->device_bytes, device_bytes);
        assert_int_equal(p->sector_bytes, sector_bytes);
        assert_int_equal(p->seed, seed);
        assert_true(p->percent == percent);
        assert_non_null(p->extents);
        assert_true(p->n_extents >= 1);

        /* sorted, non-overlapping, merged, inside the device, sector-aligned but the odd tail */
        uint64_t sum = 0;
        for (size_t i = 0; i < p->n_extents; i++) {
                const struct verify_extent *e = &p->extents[i];
                assert_true(e->len > 0);
                assert_true(e->offset < device_bytes);
                assert_true(e->len <= device_bytes - e->offset);
                assert_int_equal(e->offset % sector_bytes, 0);
                if (e->offset + e->len != device_bytes)
                        assert_int_equal(e->len % sector_bytes, 0);
                if (i > 0)
                        assert_true(e->offset > p->extents[i - 1].offset + p->extents[i - 1].len);
                sum += e->len;
        }
        assert_int_equal(p->planned_bytes, sum);
        assert_true(reaches(p->planned_bytes, percent, device_bytes));

        /* partition-table areas: the first and last MiB, hence the first and last sector */
        uint64_t edge = device_bytes < VERIFY_EDGE_BYTES ? device_bytes : VERIFY_EDGE_BYTES;
        assert_true(covers(p, 0, edge));
        assert_true(covers(p, device_bytes - edge, device_bytes));

        if (p->is_full) {
                assert_int_equal(p->n_extents, 1);
                assert_int_equal(p->extents[0].offset, 0);
                assert_int_equal(p->extents[0].len, device_bytes);
                assert_int_equal(p->n_subsections, 0);
                assert_int_equal(p->n_locations, 0);
                return;
        }

        /* ≥ 1000 equal subsections over the whole sectors, each read to percent and in ≥ 2 places */
        assert_true(p->n_subsections >= VERIFY_MIN_SUBSECTIONS);
        assert_true(p->n_locations >= VERIFY_LOCATIONS_PER_SUBSECTION * p->n_subsections);
        uint64_t aligned_bytes = device_bytes / sector_bytes * sector_bytes;
        uint64_t sub_bytes = aligned_bytes / sector_bytes / p->n_subsections * sector_bytes;
        for (size_t i = 0; i < p->n_subsections; i++) {
                uint64_t a = i * sub_bytes;
                uint64_t b = i == p->n_subsections - 1 ? aligned_bytes : a + sub_bytes;
                uint64_t got = covered_bytes(p, a, b);
                assert_true(got >= VERIFY_LOCATIONS_PER_SUBSECTION * sector_bytes);
                assert_true(reaches(got, percent, b - a));
        }
}

/* The pseudorandom locations themselves, before merging hides where one ends and the next begins. */
static void check_sampling(const struct verify_plan *p, double percent)
{
        struct verify_sampling s = {};
        const uint64_t S = p->sector_bytes;

        assert_int_equal(verify_sampling_build(p->device_bytes, p->sector_bytes, percent, p->seed, &s), 0);
        assert_int_equal(s.is_full, p->is_full);
        assert_int_equal(s.n_locations, p->n_locations);
        assert_int_equal(s.n_subsections, p->n_subsections);
        if (s.is_full) {
                assert_null(s.locations);
                verify_sampling_done(&s);
                return;
        }

        uint64_t aligned_bytes = p->device_bytes / S * S;
        assert_int_equal(s.subsection_bytes, aligned_bytes / S / s.n_subsections * S);
        size_t at = 0;
        for (size_t i = 0; i < s.n_subsections; i++) {
                uint64_t a = i * s.subsection_bytes;
                uint64_t b = i == s.n_subsections - 1 ? aligned_bytes : a + s.subsection_bytes;

                size_t first = at;
                while (at < s.n_locations && s.locations[at].offset < b) {
                        assert_true(s.locations[at].offset >= a);
                        at++;
                }
                uint64_t k = at - first;
                assert_true(k >= VERIFY_LOCATIONS_PER_SUBSECTION);

                /* equal lengths of whole sectors, no longer than needed nor than the maximum */
                uint64_t len = s.locations[first].len;
                assert_true(len >= S);
                assert_int_equal(len % S, 0);
                if (S <= VERIFY_MAX_LOCATION_BYTES)
                        assert_true(len <= VERIFY_MAX_LOCATION_BYTES);
                assert_true(reaches(k * len, percent, b - a));
                if (k > VERIFY_LOCATIONS_PER_SUBSECTION) /* k grew only because locations are capped */
                        assert_false(reaches((k - 1) * VERIFY_MAX_LOCATION_BYTES, percent, b - a));

                /* each in its own equal slot, hence non-overlapping; each in the merged plan */
                uint64_t slot = (b - a) / S / k * S;
                for (uint64_t j = 0; j < k; j++) {
                        const struct verify_extent *l = &s.locations[first + j];
                        assert_int_equal(l->len, len);
                        assert_int_equal(l->offset % S, 0);
                        assert_true(l->offset >= a + j * slot);
                        assert_true(l->offset + l->len <= a + (j + 1) * slot);
                        assert_true(covers(p, l->offset, l->offset + l->len));
                }
        }
        assert_int_equal(at, s.n_locations);
        verify_sampling_done(&s);
}

static void test_splitmix64_vectors(void **state)
{
        (void)state;

        /* Published outputs: seed 0 (Vigna's splitmix64.c as widely tabulated) and seed 1234567
         * (Rosetta Code, "Pseudo-random numbers/Splitmix64"). */
        uint64_t s = 0;
        assert_int_equal(verify_splitmix64(&s), UINT64_C(0xe220a8397b1dcdaf));
        assert_int_equal(verify_splitmix64(&s), UINT64_C(0x6e789e6aa1b965f4));
        assert_int_equal(verify_splitmix64(&s), UINT64_C(0x06c45d188009454f));

        s = 1234567;
        assert_int_equal(verify_splitmix64(&s), UINT64_C(6457827717110365317));
        assert_int_equal(verify_splitmix64(&s), UINT64_C(3203168211198807973));
        assert_int_equal(verify_splitmix64(&s), UINT64_C(9817491932198370423));
        assert_int_equal(verify_splitmix64(&s), UINT64_C(4593380528125082431));
        assert_int_equal(verify_splitmix64(&s), UINT64_C(16408922859458223821));
}

static void test_plan_matrix(void **state)
{
        (void)state;

        static const struct {
                uint64_t device_bytes;
                uint32_t sector_bytes;
        } devices[] = {
                { 8 * GiB, 512 },
                { 8 * GiB, 4096 },
                { 64 * MiB, 512 },
                { 64 * MiB, 4096 },
                { 10000001, 512 }, /* a file with an odd tail */
                { 10000001, 4096 },
                { 2000 * 512, 512 }, /* the smallest device that is sampled */
                { 2000 * 4096 + 4095, 4096 },
                { 2000 * 1000 * 1000 * 1000ull, 4096 }, /* 2 TB: k grows, locations capped at 1 MiB */
                { 1234567 * 4096ull + 17, 4096 },
        };
        static const double percents[] = { 1, 10, 33.3, 50, 99, 100 };

        for (size_t d = 0; d < ELEMENTSOF(devices); d++)
                for (size_t q = 0; q < ELEMENTSOF(percents); q++) {
                        struct verify_plan p;
                        uint64_t seed = 0x5eed0000 + d * 16 + q;
                        assert_int_equal(verify_plan_build(devices[d].device_bytes, devices[d].sector_bytes,
                                                           percents[q], seed, NULL, 0, &p),
                                         0);
                        check_plan(&p, devices[d].device_bytes, devices[d].sector_bytes, percents[q], seed);
                        check_sampling(&p, percents[q]);
                        if (percents[q] == 100)
                                assert_int_equal(p.planned_bytes, devices[d].device_bytes);
                        if (percents[q] <= 50)
                                assert_false(p.is_full);
                        verify_plan_done(&p);
                }
}

/* The documented rule, by hand: 8 GiB of 512-byte sectors at 10 %: 16 777 216 sectors, subsections
 * of 16 777 (the last 16 993), T = 1678, k = 2, len = 839 sectors, slots of 8388 sectors, so
 * 7550 positions per slot; seed 0's first draws are the published splitmix64 outputs. */
static void test_plan_golden(void **state)
{
        (void)state;
        struct verify_layout l;

        assert_int_equal(verify_subsection_layout(16777, 512, 10, &l), 0);
        assert_int_equal(l.n_locations, 2);
        assert_int_equal(l.location_sectors, 839);
        assert_int_equal(l.slot_sectors, 8388);
        assert_int_equal(verify_subsection_layout(16993, 512, 10, &l), 0);
        assert_int_equal(l.n_locations, 2);
        assert_int_equal(l.location_sectors, 850);
        assert_int_equal(l.slot_sectors, 8496);

        struct verify_sampling s;
        assert_int_equal(verify_sampling_build(8 * GiB, 512, 10, 0, &s), 0);
        assert_false(s.is_full);
        assert_int_equal(s.n_subsections, 1000);
        assert_int_equal(s.n_locations, 2000);
        assert_int_equal(s.subsection_bytes, 16777 * 512);
        assert_int_equal(s.locations[0].offset, (UINT64_C(0xe220a8397b1dcdaf) % 7550) * 512);
        assert_int_equal(s.locations[0].len, 839 * 512);
        assert_int_equal(s.locations[1].offset, (8388 + UINT64_C(0x6e789e6aa1b965f4) % 7550) * 512);
        assert_int_equal(s.locations[2].offset, (16777 + UINT64_C(0x06c45d188009454f) % 7550) * 512);
        verify_sampling_done(&s);

        /* The merged plan: location 0 lies inside the first MiB and merges with it. */
        struct verify_plan p;
        assert_int_equal(verify_plan_build(8 * GiB, 512, 10, 0, NULL, 0, &p), 0);
        check_plan(&p, 8 * GiB, 512, 10, 0);
        assert_int_equal(p.extents[0].offset, 0);
        assert_int_equal(p.extents[0].len, MiB);
        assert_int_equal(p.extents[1].offset, (8388 + UINT64_C(0x6e789e6aa1b965f4) % 7550) * 512);
        assert_int_equal(p.extents[1].len, 839 * 512);
        /* 1998 locations of 839 sectors and 2 of 850, location 0 inside the first MiB, the last
         * MiB clear of the last location: 2001 extents of 1998 · 429568 + 2 · 435200 − 429568 +
         * 2 MiB bytes. Certificates record (device, sector, percent, seed) and rebuilding must give
         * the same plan: a change here changes every plan ever recorded. */
        assert_int_equal(p.n_extents, 2001);
        assert_int_equal(p.planned_bytes, 1998 * UINT64_C(429568) + 2 * UINT64_C(435200) - 429568 + 2 * MiB);
        assert_int_equal(p.planned_bytes, UINT64_C(860814848));
        verify_plan_done(&p);
}

static void test_plan_must(void **state)
{
        (void)state;
        const uint64_t D = 8 * GiB;
        const struct verify_extent must[] = {
                { 12345, 1 },             /* unaligned, one byte */
                { D - 100, 1000 },        /* crosses the device end */
                { 3 * GiB + 7, 2 * MiB }, /* unaligned start and end */
                { D + 5, 10 },            /* past the end: nothing */
                { 5 * GiB, 0 },           /* empty: nothing */
                { UINT64_MAX - 5, 100 },  /* would overflow */
                { 4 * GiB, 512 },         /* aligned already */
                { 4 * GiB + 256, 512 },   /* overlaps the previous */
        };
        struct verify_plan p;

        assert_int_equal(verify_plan_build(D, 512, 1, 42, must, ELEMENTSOF(must), &p), 0);
        check_plan(&p, D, 512, 1, 42);
        check_sampling(&p, 1);
        assert_true(covers(&p, 12288, 12800));
        assert_true(covers(&p, D - 512, D));
        assert_true(covers(&p, 3 * GiB, 3 * GiB + 2 * MiB + 512));
        assert_true(covers(&p, 4 * GiB, 4 * GiB + 1024));

        /* Without must, the same seed gives a plan that lacks the 3 GiB range (at 1 % a 2 MiB hole
         * in a sample of ~43 KiB locations is certain). */
        struct verify_plan q;
        assert_int_equal(verify_plan_build(D, 512, 1, 42, NULL, 0, &q), 0);
        assert_false(covers(&q, 3 * GiB, 3 * GiB + 2 * MiB + 512));
        assert_true(p.planned_bytes > q.planned_bytes);
        assert_int_equal(p.n_locations, q.n_locations);
        verify_plan_done(&q);
        verify_plan_done(&p);

        /* A file with an odd tail: a must range in the tail ends at device_bytes exactly. */
        const uint64_t F = 10000001;
        const struct verify_extent tail[] = { { 9999990, 100 }, { 5000000, 3 } };
        assert_int_equal(verify_plan_build(F, 512, 10, 7, tail, ELEMENTSOF(tail), &p), 0);
        check_plan(&p, F, 512, 10, 7);
        check_sampling(&p, 10);
        assert_true(covers(&p, F / 512 * 512, F));
        assert_true(covers(&p, 4999680, 5000192));
        assert_int_equal(p.extents[p.n_extents - 1].offset + p.extents[p.n_extents - 1].len, F);
        verify_plan_done(&p);

        /* must on a device read whole changes nothing. */
        assert_int_equal(verify_plan_build(100 * KiB, 512, 10, 7, must, ELEMENTSOF(must), &p), 0);
        check_plan(&p, 100 * KiB, 512, 10, 7);
        assert_true(p.is_full);
        verify_plan_done(&p);
}

static void test_plan_determinism(void **state)
{
        (void)state;
        struct verify_plan a, b, c;

        assert_int_equal(verify_plan_build(64 * MiB + 4096, 4096, 10, 1, NULL, 0, &a), 0);
        assert_int_equal(verify_plan_build(64 * MiB + 4096, 4096, 10, 1, NULL, 0, &b), 0);
        assert_int_equal(verify_plan_build(64 * MiB + 4096, 4096, 10, 2, NULL, 0, &c), 0);

        assert_int_equal(a.n_extents, b.n_extents);
        assert_int_equal(a.planned_bytes, b.planned_bytes);
        assert_memory_equal(a.extents, b.extents, a.n_extents * sizeof(*a.extents));

        assert_int_equal(a.n_locations, c.n_locations);
        assert_true(a.n_extents != c.n_extents ||
                    memcmp(a.extents, c.extents, a.n_extents * sizeof(*a.extents)) != 0);

        verify_plan_done(&a);
        verify_plan_done(&b);
        verify_plan_done(&c);
}

static void test_plan_small(void **state)
{
        (void)state;
        struct verify_plan p;

        /* fewer than 1000 · 2 whole sectors: read whole */
        static const struct {
                uint64_t device_bytes;
                uint32_t sector_bytes;
        } tiny[] = {
                { 1999 * 512, 512 }, { 2000 * 512 - 1, 512 },   { 100, 512 },
                { 1, 4096 },         { 1999 * 4096 + 1, 4096 },
        };
        for (size_t i = 0; i < ELEMENTSOF(tiny); i++) {
                assert_int_equal(
                        verify_plan_build(tiny[i].device_bytes, tiny[i].sector_bytes, 10, 3, NULL, 0, &p),
                        0);
                assert_true(p.is_full);
                check_plan(&p, tiny[i].device_bytes, tiny[i].sector_bytes, 10, 3);
                verify_plan_done(&p);
        }

        /* 2000 sectors are sampled: two one-sector locations per two-sector subsection */
        assert_int_equal(verify_plan_build(2000 * 512, 512, 1, 3, NULL, 0, &p), 0);
        assert_false(p.is_full);
        assert_int_equal(p.n_subsections, 1000);
        assert_int_equal(p.n_locations, 2000);
        check_plan(&p, 2000 * 512, 512, 1, 3);
        check_sampling(&p, 1);
        verify_plan_done(&p);

        /* three-sector subsections at 90 %: three sectors cannot sit in two equal one-sector slots */
        struct verify_layout l;
        assert_int_equal(verify_subsection_layout(3, 512, 90, &l), -ERANGE);
        assert_int_equal(verify_plan_build(3000 * 512, 512, 90, 3, NULL, 0, &p), 0);
        assert_true(p.is_full);
        check_plan(&p, 3000 * 512, 512, 90, 3);
        verify_plan_done(&p);
}

static void test_plan_full(void **state)
{
        (void)state;
        struct verify_plan p;

        assert_int_equal(verify_plan_full(10000001, 4096, &p), 0);
        assert_true(p.is_full);
        assert_int_equal(p.n_subsections, 0);
        assert_int_equal(p.n_locations, 0);
        assert_int_equal(p.n_extents, 1);
        assert_int_equal(p.extents[0].offset, 0);
        assert_int_equal(p.extents[0].len, 10000001);
        assert_int_equal(p.planned_bytes, 10000001);
        assert_true(p.percent == 100);
        verify_plan_done(&p);
        assert_null(p.extents);
        verify_plan_done(&p); /* twice is harmless */
        verify_plan_done(NULL);
}

static void test_plan_invalid(void **state)
{
        (void)state;
        struct verify_plan p, untouched;
        const struct verify_extent must = { 0, 512 };

        memset(&p, 0xa5, sizeof(p));
        untouched = p;

        static const double bad_percents[] = { 0, -1, 100.0001, 1e9, NAN, INFINITY, -INFINITY };
        for (size_t i = 0; i < ELEMENTSOF(bad_percents); i++)
                assert_int_equal(verify_plan_build(8 * GiB, 512, bad_percents[i], 0, NULL, 0, &p), -EINVAL);

        static const uint32_t bad_sectors[] = { 0, 1, 256, 513, 1000, 3072, UINT32_MAX };
        for (size_t i = 0; i < ELEMENTSOF(bad_sectors); i++) {
                assert_int_equal(verify_plan_build(8 * GiB, bad_sectors[i], 10, 0, NULL, 0, &p), -EINVAL);
                assert_int_equal(verify_plan_full(8 * GiB, bad_sectors[i], &p), -EINVAL);
        }

        assert_int_equal(verify_plan_build(0, 512, 10, 0, NULL, 0, &p), -EINVAL);
        assert_int_equal(verify_plan_full(0, 512, &p), -EINVAL);
        assert_int_equal(verify_plan_build(8 * GiB, 512, 10, 0, NULL, 1, &p), -EINVAL);
        assert_int_equal(verify_plan_build(8 * GiB, 512, 10, 0, &must, 1, NULL), -EINVAL);
        assert_int_equal(verify_plan_full(8 * GiB, 512, NULL), -EINVAL);
        assert_memory_equal(&p, &untouched, sizeof(p));

        struct verify_layout l;
        assert_int_equal(verify_subsection_layout(0, 512, 10, &l), -EINVAL);
        struct verify_sampling s;
        assert_int_equal(verify_sampling_build(0, 512, 10, 0, &s), -EINVAL);
}

static void test_unerased_bound(void **state)
{
        (void)state;

        assert_true(verify_unerased_bound(0, 0.99) == 1.0);
        assert_true(verify_unerased_bound(0, 0.5) == 1.0);

        /* one sample: 1 - (1 - C) = C */
        assert_true(fabs(verify_unerased_bound(1, 0.99) - 0.99) < 1e-15);

        /* the 8 GiB plan above: 2000 clean locations bound the unerased fraction near 0.23 % */
        double b = verify_unerased_bound(2000, 0.99);
        assert_true(fabs(b - (1.0 - pow(0.01, 1.0 / 2000))) < 1e-15);
        assert_true(fabs(b - 0.0023) < 0.00001);

        double previous = 1.0;
        for (size_t n = 1; n < SIZE_MAX / 3; n = n * 3 + 1) {
                double bn = verify_unerased_bound(n, 0.99);
                assert_true(bn > 0.0);
                assert_true(bn < previous);
                previous = bn;
        }

        /* 10^9 samples: ln(100) / n to first order (the next term is ~1e-17), where pow() would
         * lose digits to cancellation. */
        double big = verify_unerased_bound(1000000000, 0.99);
        assert_true(fabs(big - log(100.0) / 1e9) < 1e-6 * big);

        /* higher confidence, wider bound */
        assert_true(verify_unerased_bound(2000, 0.999) > verify_unerased_bound(2000, 0.99));
}

static void test_mismatch_window(void **state)
{
        (void)state;
        uint8_t expected[512], found[512];
        memset(expected, 0, sizeof expected);
        memcpy(found, expected, sizeof found);
        found[300] = 0x41;
        found[301] = 0x42;
        struct verify_mismatch m;
        verify_mismatch_init(7, found, expected, sizeof found, &m);
        assert_int_equal(m.first_lba, 7);
        assert_int_equal(m.last_lba, 7);
        assert_int_equal(m.offset_in_sector, 300);
        assert_int_equal(m.n_found, VERIFY_FOUND_BYTES);
        assert_int_equal(m.found[0], 0x41);
        assert_int_equal(m.found[1], 0x42);
        assert_int_equal(m.found[2], 0x00);
        assert_int_equal(m.expected[0], 0x00);

        /* near the sector's end: only the bytes that are left */
        memcpy(found, expected, sizeof found);
        found[510] = 0xff;
        verify_mismatch_init(0, found, expected, sizeof found, &m);
        assert_int_equal(m.offset_in_sector, 510);
        assert_int_equal(m.n_found, 2);
        assert_int_equal(m.found[0], 0xff);

        /* expected bytes of a fixed pattern come along */
        memset(expected, 0xaa, sizeof expected);
        memcpy(found, expected, sizeof found);
        found[0] = 0x00;
        verify_mismatch_init(1, found, expected, sizeof found, &m);
        assert_int_equal(m.offset_in_sector, 0);
        assert_int_equal(m.found[0], 0x00);
        assert_int_equal(m.found[1], 0xaa);
        assert_int_equal(m.expected[0], 0xaa);
}

/* ---- proof of a purge: fingerprint before, the same sectors after (on a real file) ------------- */

static void fill_file(int fd, uint64_t bytes, int how, uint8_t byte)
{
        static uint8_t buf[1 << 16];
        for (uint64_t off = 0; off < bytes; off += sizeof buf) {
                if (how == 0)
                        memset(buf, byte, sizeof buf);
                else
                        for (size_t i = 0; i < sizeof buf; i++)
                                buf[i] = (uint8_t)(off / 7 + i * 31 + (uint64_t)how * 13 + (i >> 9) * 101);
                assert_int_equal(pwrite(fd, buf, sizeof buf, (off_t)off), (ssize_t)sizeof buf);
        }
        assert_int_equal(fsync(fd), 0);
}

static const struct verify_result *proof(const struct disk_identity *id, const struct verify_fingerprint *f,
                                         enum verify_expect_kind kind, struct verify_job **job)
{
        struct verify_request req = { .expect = { .kind = WIPE_PATTERN_BYTES, .n_bytes = 1 }, .before = f,
                                      .expect_kind = kind };
        assert_int_equal(verify_job_new(&req, id, job), 0);
        assert_int_equal(verify_job_open(*job), 0);
        assert_int_equal(verify_job_start(*job), 0);
        verify_job_wait(*job);
        return verify_job_result(*job);
}

static void test_proof(void **state)
{
        (void)state;
        char path[] = "/tmp/kesu-test-proof-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const uint64_t bytes = 8 * MiB;
        fill_file(fd, bytes, 1, 0); /* "data": no sector uniform */
        struct disk_identity id;
        assert_int_equal(disk_identity_read(path, &id), 0);
        struct verify_fingerprint f;
        assert_int_equal(verify_fingerprint_take(&id, 42, NULL, 0, &f), 0);
        assert_true(f.n_sectors > 2000); /* the edges (2 MiB) and a sector per location */
        assert_int_equal(f.n_uniform, 0);
        assert_int_equal(f.n_unreadable, 0);
        struct verify_job *job = NULL;

        /* a drive that did nothing (QEMU's FORMAT UNIT): every sector unchanged, FAIL */
        const struct verify_result *v = proof(&id, &f, VERIFY_EXPECT_CHANGED, &job);
        assert_true(v->proof.is_proof);
        assert_int_equal(v->proof.sectors_compared, f.n_sectors);
        assert_int_equal(v->proof.sectors_unchanged, f.n_sectors);
        assert_false(verify_result_is_pass(v));
        assert_memory_equal(v->proof.digest_before, v->proof.digest_after, VERIFY_DIGEST_BYTES);
        job = verify_job_free(job);

        /* one sector left alone among changed ones is found */
        fill_file(fd, bytes, 2, 0);
        uint8_t old[512];
        id.size_bytes = bytes;
        {
                /* put back what the first fingerprinted location beyond the first MiB held */
                uint64_t lba = f.plan.extents[1].offset / 512;
                static uint8_t buf[1 << 16];
                uint64_t off = lba * 512;
                uint64_t base = off - off % sizeof buf;
                for (size_t i = 0; i < sizeof buf; i++)
                        buf[i] = (uint8_t)(base / 7 + i * 31 + 13 + (i >> 9) * 101);
                memcpy(old, buf + (off - base), 512);
                assert_int_equal(pwrite(fd, old, 512, (off_t)off), 512);
                assert_int_equal(fsync(fd), 0);
        }
        v = proof(&id, &f, VERIFY_EXPECT_CHANGED, &job);
        assert_int_equal(v->proof.sectors_unchanged, 1);
        assert_false(verify_result_is_pass(v));
        assert_int_equal(v->n_mismatches, 1);
        job = verify_job_free(job);

        /* a crypto erase: everything differs, nothing uniform needed */
        fill_file(fd, bytes, 3, 0);
        v = proof(&id, &f, VERIFY_EXPECT_CHANGED, &job);
        assert_int_equal(v->proof.sectors_unchanged, 0);
        assert_true(verify_result_is_pass(v));
        /* ... but it is not what a block erase leaves */
        job = verify_job_free(job);
        v = proof(&id, &f, VERIFY_EXPECT_UNIFORM, &job);
        assert_int_equal(v->proof.sectors_unexpected, f.n_sectors);
        assert_false(verify_result_is_pass(v));
        job = verify_job_free(job);

        /* a block erase to 0xff: uniform, passes UNIFORM, fails the zero PATTERN */
        fill_file(fd, bytes, 0, 0xff);
        v = proof(&id, &f, VERIFY_EXPECT_UNIFORM, &job);
        assert_true(verify_result_is_pass(v));
        assert_int_equal(v->proof.sectors_uniform_after, f.n_sectors);
        job = verify_job_free(job);
        v = proof(&id, &f, VERIFY_EXPECT_PATTERN, &job);
        assert_false(verify_result_is_pass(v));
        job = verify_job_free(job);
        fill_file(fd, bytes, 0, 0x00);
        v = proof(&id, &f, VERIFY_EXPECT_PATTERN, &job);
        assert_true(verify_result_is_pass(v));
        job = verify_job_free(job);

        /* blank before and blank after: not "unchanged data" (nothing to show), counted apart */
        struct verify_fingerprint blank;
        assert_int_equal(verify_fingerprint_take(&id, 43, NULL, 0, &blank), 0);
        assert_int_equal(blank.n_uniform, blank.n_sectors);
        v = proof(&id, &blank, VERIFY_EXPECT_UNIFORM, &job);
        assert_int_equal(v->proof.sectors_unchanged, 0);
        assert_int_equal(v->proof.sectors_blank_before, blank.n_sectors);
        job = verify_job_free(job);
        verify_fingerprint_done(&blank);

        /* a fingerprint of another size is refused */
        id.size_bytes = bytes - 512 * 8;
        struct verify_request req = { .before = &f, .expect_kind = VERIFY_EXPECT_CHANGED };
        assert_int_equal(verify_job_new(&req, &id, &job), -ESTALE);
        id.size_bytes = bytes;

        verify_fingerprint_done(&f);
        disk_identity_done(&id);
        close(fd);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_proof),
                cmocka_unit_test(test_splitmix64_vectors), cmocka_unit_test(test_plan_matrix),
                cmocka_unit_test(test_plan_golden),        cmocka_unit_test(test_plan_must),
                cmocka_unit_test(test_plan_determinism),   cmocka_unit_test(test_plan_small),
                cmocka_unit_test(test_plan_full),          cmocka_unit_test(test_plan_invalid),
                cmocka_unit_test(test_unerased_bound),     cmocka_unit_test(test_mismatch_window),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
