/* SPDX-License-Identifier: MIT */
/*
 * The auditor's check across the certificates: each key's chain over the set given (gaps inside
 * it; before and after it only when the whole chain is required, by --complete or a ledger),
 * duplicates, copies, re-linked and forked certificates, serials issued twice, and the appliance's
 * ledger. It sorts the small facts audit.c kept of each valid certificate and never compares
 * every pair: n log n in the number of certificates.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-internal.h"
#include "common.h"

/* One line of the appliance's ledger. */
struct ledger_entry {
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        uint64_t sequence;
        char hash[72];
};

struct audit_ledger {
        struct ledger_entry *entries; /* sorted by key id and sequence */
        size_t n, size;
};

static int cmp_ledger(const void *x, const void *y)
{
        const struct ledger_entry *a = x, *b = y;
        int c = strcmp(a->key_id, b->key_id);
        if (c)
                return c;
        return a->sequence < b->sequence ? -1 : a->sequence > b->sequence;
}

int audit_ledger_load(const char *path, struct audit_ledger **ret)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        struct audit_ledger l = { 0 };
        _cleanup_free_ char *line = NULL;
        size_t line_size = 0;
        int r = 0;
        while (r >= 0 && getline(&line, &line_size, f) >= 0) {
                if (line[strspn(line, " \t\r\n")] == 0)
                        continue;
                json_t *o = json_loads(line, 0, NULL);
                json_int_t seq = json_integer_value(json_object_get(o, "sequence"));
                const char *hash = json_string_value(json_object_get(o, "hash"));
                char key_id[2 * CERT_KEY_ID_BYTES + 1];
                audit_serial_key_id(json_string_value(json_object_get(o, "serial")), key_id);
                if (!o || seq <= 0 || !hash || strlen(hash) >= 72 || !*key_id)
                        r = -EBADMSG;
                else if ((r = audit_grow(&l.entries, &l.size, l.n, sizeof *l.entries)) >= 0) {
                        struct ledger_entry *e = &l.entries[l.n++];
                        snprintf(e->key_id, sizeof e->key_id, "%s", key_id);
                        e->sequence = (uint64_t)seq;
                        snprintf(e->hash, sizeof e->hash, "%s", hash);
                }
                json_decref(o);
        }
        if (r >= 0 && ferror(f))
                r = -EIO;
        if (r < 0) {
                free(l.entries);
                return r;
        }
        if (l.n)
                qsort(l.entries, l.n, sizeof *l.entries, cmp_ledger);
        if (!(*ret = malloc(sizeof **ret))) {
                free(l.entries);
                return -ENOMEM;
        }
        **ret = l;
        return 0;
}

void audit_ledger_free(struct audit_ledger *l)
{
        if (l)
                free(l->entries);
        free(l);
}

/* This key's last sequence in the ledger, 0 when it has none. */
static uint64_t ledger_last(const struct audit_ledger *l, const char *key_id)
{
        uint64_t last = 0;
        for (size_t i = 0; i < l->n; i++) /* a few keys at most: sorted, so the last of a run wins */
                if (strcmp(l->entries[i].key_id, key_id) == 0)
                        last = l->entries[i].sequence;
        return last;
}

static int cmp_valid(const void *x, const void *y)
{
        const struct valid_cert *a = x, *b = y;
        int c = strcmp(a->key_id, b->key_id);
        if (c)
                return c;
        if (a->sequence != b->sequence)
                return a->sequence < b->sequence ? -1 : 1;
        return strcmp(a->file, b->file);
}

/* "certificate 5 is missing" / "certificates 5 to 9 are missing", and what the missing range is. */
static int add_gap(struct audit_state *s, struct cert_audit_chain *ch, uint64_t from, uint64_t to,
                   const char *why)
{
        char subject[64];
        snprintf(subject, sizeof subject, "key %s", ch->key_id);
        ch->n_missing += to - from + 1;
        if (from == to)
                return audit_add(s, CERT_GAP, subject, 0, "certificate %" PRIu64 " is missing%s", from, why);
        return audit_add(s, CERT_GAP, subject, 0, "certificates %" PRIu64 " to %" PRIu64 " are missing%s",
                         from, to, why);
}

/* The ledger goes on past what is here: from..the ledger's last are missing. */
static int add_ledger_gap(struct audit_state *s, struct cert_audit_chain *ch, uint64_t from)
{
        char why[64];
        snprintf(why, sizeof why, " (the ledger's last is %" PRIu64 ")", ch->ledger_last);
        return add_gap(s, ch, from, ch->ledger_last, why);
}

static int new_chain(struct audit_state *s, size_t *size, const char *key_id, uint64_t ledger_last_seq,
                     struct cert_audit_chain **ret)
{
        struct cert_audit *a = &s->a;
        if (audit_grow(&a->chains, size, a->n_chains, sizeof *a->chains) < 0)
                return -ENOMEM;
        struct cert_audit_chain *ch = &a->chains[a->n_chains++];
        *ch = (struct cert_audit_chain){ .ledger_last = ledger_last_seq,
                                         .is_complete = s->opts.is_complete || ledger_last_seq > 0 };
        snprintf(ch->key_id, sizeof ch->key_id, "%s", key_id);
        *ret = ch;
        return 0;
}

/* The certificates v[from, to) share a key and a sequence: when the ledger names that sequence,
 * one of them must have the hash it names. The groups come in ledger order, so *ledger_pos only
 * moves forward. */
static int check_against_ledger(struct audit_state *s, const struct audit_ledger *l, size_t *ledger_pos,
                                const struct valid_cert *v, size_t from, size_t to)
{
        struct ledger_entry want = { .sequence = v[from].sequence };
        snprintf(want.key_id, sizeof want.key_id, "%s", v[from].key_id);
        while (*ledger_pos < l->n && cmp_ledger(&l->entries[*ledger_pos], &want) < 0)
                (*ledger_pos)++;
        if (*ledger_pos == l->n || cmp_ledger(&l->entries[*ledger_pos], &want) != 0)
                return 0;
        const struct ledger_entry *e = &l->entries[*ledger_pos];
        for (size_t i = from; i < to; i++)
                if (strcmp(v[i].hash, e->hash) == 0)
                        return 0;
        return audit_add(s, CERT_LEDGER_MISMATCH, v[from].file, v[from].record + 1,
                         "sequence %" PRIu64
                         " is not the certificate the ledger names (the ledger has %s, this "
                         "record is %s)",
                         e->sequence, e->hash, v[from].hash);
}

/* Resolves both files when one certificate appears twice in one folder: the same file named twice
 * is no duplicate. Rare, so done only here. */
static bool is_same_file(const char *a, const char *b)
{
        _cleanup_free_ char *ra = audit_resolve(a), *rb = audit_resolve(b);
        return ra && rb && strcmp(ra, rb) == 0;
}

static int cmp_claim(const void *x, const void *y)
{
        const struct claim *a = x, *b = y;
        int c = strcmp(a->key_id, b->key_id);
        if (c)
                return c;
        return a->sequence < b->sequence ? -1 : a->sequence > b->sequence;
}

/* The first claim at or after (key_id, sequence); the claims are sorted. */
static size_t claims_lower_bound(const struct audit_state *s, const char *key_id, uint64_t sequence)
{
        struct claim want = { .sequence = sequence };
        snprintf(want.key_id, sizeof want.key_id, "%s", key_id);
        size_t lo = 0, hi = s->n_claims;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cmp_claim(&s->claims[mid], &want) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* The lowest and highest sequence that records which did not verify claim for key_id (*ret_min
 * UINT64_MAX, *ret_max 0 when none does). */
static void claims_span(const struct audit_state *s, const char *key_id, uint64_t *ret_min,
                        uint64_t *ret_max)
{
        size_t lo = claims_lower_bound(s, key_id, 0);
        *ret_min = UINT64_MAX;
        *ret_max = 0;
        for (size_t i = lo; i < s->n_claims && strcmp(s->claims[i].key_id, key_id) == 0; i++) {
                if (i == lo)
                        *ret_min = s->claims[i].sequence;
                *ret_max = s->claims[i].sequence;
        }
}

/* Before the first or after the last valid certificate of a key: the sequences from..to that no
 * record claims are missing. One that a record claims but which did not verify is not said to be
 * missing as well — that record's own finding says what is wrong with it. */
static int add_edge_gaps(struct audit_state *s, struct cert_audit_chain *ch, uint64_t from, uint64_t to,
                         bool is_to_ledger)
{
        int r = 0;
        for (size_t i = claims_lower_bound(s, ch->key_id, from); r >= 0 && from <= to; i++) {
                bool is_claim = i < s->n_claims && strcmp(s->claims[i].key_id, ch->key_id) == 0 &&
                                s->claims[i].sequence <= to;
                uint64_t end = is_claim ? s->claims[i].sequence : to + 1; /* the next claimed one */
                if (end > from)
                        r = is_to_ledger && !is_claim ? add_ledger_gap(s, ch, from)
                                                      : add_gap(s, ch, from, end - 1, "");
                if (!is_claim)
                        break;
                from = end + 1;
        }
        return r;
}

/* One key's chain begins at v[i]: what it must cover, and what is missing before its first valid
 * certificate. The set runs from the lowest sequence given (valid or not: an altered certificate
 * is still one of the set), or from 1 when the whole chain is required. */
static int begin_chain(struct audit_state *s, size_t *chains_size, const struct valid_cert *v,
                       const struct audit_ledger *l, uint64_t *ret_upper, struct cert_audit_chain **ret)
{
        uint64_t claim_min, claim_max;
        claims_span(s, v->key_id, &claim_min, &claim_max);
        struct cert_audit_chain *ch;
        int r = new_chain(s, chains_size, v->key_id, l ? ledger_last(l, v->key_id) : 0, &ch);
        if (r < 0)
                return r;
        ch->first = ch->last = v->sequence;
        ch->checked_from = ch->is_complete ? 1 : claim_min < v->sequence ? claim_min : v->sequence;
        *ret_upper = claim_max > ch->ledger_last ? claim_max : ch->ledger_last;
        *ret = ch;
        return ch->checked_from < v->sequence
                       ? add_edge_gaps(s, ch, ch->checked_from, v->sequence - 1, false)
                       : 0;
}

/* ...and ends: what is missing after its last valid certificate, up to the highest sequence given
 * or the ledger's last. */
static int end_chain(struct audit_state *s, struct cert_audit_chain *ch, uint64_t upper)
{
        ch->checked_to = upper > ch->last ? upper : ch->last;
        if (upper <= ch->last)
                return 0;
        return add_edge_gaps(s, ch, ch->last + 1, upper, ch->ledger_last == upper);
}

/* Across the valid certificates of each key: gaps inside the set (and, when the whole chain is
 * required, before and after it), duplicates, broken links; copies of one certificate in different
 * folders are no duplicates. */
static int check_chain(struct audit_state *s, struct valid_cert *v, size_t n, const struct audit_ledger *l)
{
        size_t chains_size = 0, ledger_pos = 0;
        uint64_t upper = 0;
        int r = 0;
        if (n)
                qsort(v, n, sizeof *v, cmp_valid);
        if (s->n_claims)
                qsort(s->claims, s->n_claims, sizeof *s->claims, cmp_claim);
        struct cert_audit_chain *ch = NULL;
        size_t group = 0, prev_group = SIZE_MAX; /* first index of this and the previous sequence */
        for (size_t i = 0; r >= 0 && i < n; i++) {
                bool is_first_of_key = i == 0 || strcmp(v[i].key_id, v[i - 1].key_id) != 0;
                if (is_first_of_key) {
                        if (i > 0 && l)
                                r = check_against_ledger(s, l, &ledger_pos, v, group, i);
                        if (r >= 0 && ch)
                                r = end_chain(s, ch, upper);
                        if (r < 0 || (r = begin_chain(s, &chains_size, &v[i], l, &upper, &ch)) < 0)
                                break;
                        ch->n_valid = 1;
                        group = i;
                        prev_group = SIZE_MAX;
                        continue;
                }
                ch->last = v[i].sequence;
                ch->n_valid++;
                if (v[i].sequence == v[group].sequence) {
                        struct valid_cert *same = NULL;
                        for (size_t k = group; k < i && !same; k++)
                                if (strcmp(v[k].hash, v[i].hash) == 0)
                                        same = &v[k];
                        if (same) {
                                v[i].is_copy = true;
                                if (strcmp(same->dir, v[i].dir) != 0)
                                        r = audit_add(s, CERT_COPY, v[i].file, v[i].record + 1,
                                                      "sequence %" PRIu64
                                                      ": the same certificate as %s (a copy)",
                                                      v[i].sequence, same->file);
                                else if (!is_same_file(same->file, v[i].file))
                                        r = audit_add(s, CERT_DUPLICATE, v[i].file, v[i].record + 1,
                                                      "sequence %" PRIu64
                                                      " appears twice (same certificate as %s)",
                                                      v[i].sequence, same->file);
                                continue;
                        }
                        bool is_same_serial = strcmp(v[i].serial, v[group].serial) == 0;
                        r = audit_add(s, CERT_DUPLICATE, v[i].file, v[i].record + 1,
                                      "sequence %" PRIu64
                                      " appears twice with different content (also %s)%s%s%s",
                                      v[i].sequence, v[group].file, is_same_serial ? ": serial " : "",
                                      is_same_serial ? v[i].serial : "",
                                      is_same_serial ? " was issued twice" : "");
                        if (r < 0 || prev_group == SIZE_MAX)
                                continue;
                } else {
                        if (l)
                                r = check_against_ledger(s, l, &ledger_pos, v, group, i);
                        prev_group = group;
                        group = i;
                        struct valid_cert *p = &v[prev_group];
                        if (r >= 0 && v[i].sequence > p->sequence + 1) {
                                r = add_gap(s, ch, p->sequence + 1, v[i].sequence - 1, "");
                                prev_group = SIZE_MAX; /* no predecessor to link to */
                                continue;
                        }
                }
                if (r < 0 || prev_group == SIZE_MAX)
                        continue;
                /* It must follow one of the certificates of the sequence before. */
                bool is_linked = false;
                for (size_t k = prev_group; k < group && !is_linked; k++)
                        is_linked = strcmp(v[i].previous_hash, v[k].hash) == 0;
                if (!is_linked)
                        r = audit_add(s, CERT_BROKEN_CHAIN, v[i].file, v[i].record + 1,
                                      "does not follow certificate %" PRIu64
                                      " (%s): its previous hash differs",
                                      v[prev_group].sequence, v[prev_group].file);
        }
        if (r >= 0 && n && l)
                r = check_against_ledger(s, l, &ledger_pos, v, group, n);
        if (r >= 0 && ch)
                r = end_chain(s, ch, upper);
        /* A key of the ledger without any valid certificate here: its whole chain is missing. */
        for (size_t i = 0; r >= 0 && l && i < l->n; i++) {
                if (i + 1 < l->n && strcmp(l->entries[i].key_id, l->entries[i + 1].key_id) == 0)
                        continue; /* only the last of each key */
                bool is_seen = false;
                for (size_t k = 0; k < s->a.n_chains && !is_seen; k++)
                        is_seen = strcmp(s->a.chains[k].key_id, l->entries[i].key_id) == 0;
                if (is_seen)
                        continue;
                struct cert_audit_chain *none;
                if ((r = new_chain(s, &chains_size, l->entries[i].key_id, l->entries[i].sequence, &none)) >=
                    0) {
                        none->checked_from = 1;
                        none->checked_to = none->ledger_last;
                        r = add_ledger_gap(s, none, 1);
                }
        }
        return r;
}

struct fork_pair {
        size_t first, second; /* indices in the sorted valid certificates */
};

struct by_predecessor {
        const struct valid_cert *v;
        size_t index;
};

static int cmp_by_predecessor(const void *x, const void *y)
{
        const struct by_predecessor *a = x, *b = y;
        int c = strcmp(a->v->key_id, b->v->key_id);
        if (!c)
                c = strcmp(a->v->previous_hash, b->v->previous_hash);
        return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

static int cmp_pair(const void *x, const void *y)
{
        const struct fork_pair *a = x, *b = y;
        if (a->first != b->first)
                return a->first < b->first ? -1 : 1;
        return a->second < b->second ? -1 : a->second > b->second;
}

/* Forks: two certificates of one key, of different sequences, naming the same predecessor. Sorted
 * by predecessor so only certificates that share one are compared; reported in the order of the
 * chain (the first of each pair, then the second). */
static int check_forks(struct audit_state *s, const struct valid_cert *v, size_t n)
{
        _cleanup_free_ struct by_predecessor *idx = calloc(n ? n : 1, sizeof *idx);
        _cleanup_free_ struct fork_pair *pairs = NULL;
        size_t m = 0, n_pairs = 0, pairs_size = 0;
        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!v[i].is_copy && v[i].previous_hash[0])
                        idx[m++] = (struct by_predecessor){ &v[i], i };
        if (m)
                qsort(idx, m, sizeof *idx, cmp_by_predecessor);
        for (size_t start = 0, end; start < m; start = end) {
                const struct valid_cert *a = idx[start].v;
                for (end = start + 1; end < m && strcmp(idx[end].v->key_id, a->key_id) == 0 &&
                                      strcmp(idx[end].v->previous_hash, a->previous_hash) == 0;
                     end++)
                        ;
                for (size_t i = start; i < end; i++)
                        for (size_t k = i + 1; k < end; k++) {
                                if (idx[i].v->sequence == idx[k].v->sequence)
                                        continue;
                                if (audit_grow(&pairs, &pairs_size, n_pairs, sizeof *pairs) < 0)
                                        return -ENOMEM;
                                pairs[n_pairs++] = (struct fork_pair){ idx[i].index, idx[k].index };
                        }
        }
        if (n_pairs)
                qsort(pairs, n_pairs, sizeof *pairs, cmp_pair);
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n_pairs; i++) {
                const struct valid_cert *a = &v[pairs[i].first], *b = &v[pairs[i].second];
                r = audit_add(s, CERT_FORK, b->file, b->record + 1,
                              "forks the chain: it and %s both follow %s", a->file, a->previous_hash);
        }
        return r;
}

static int cmp_valid_ptr_serial(const void *x, const void *y)
{
        const struct valid_cert *a = *(struct valid_cert *const *)x, *b = *(struct valid_cert *const *)y;
        int c = strcmp(a->serial, b->serial);
        return c ? c : strcmp(a->hash, b->hash);
}

/* One serial, two different records under different key ids or sequences (the same key id and
 * sequence are reported by the chain). */
static int check_serials(struct audit_state *s, struct valid_cert *v, size_t n)
{
        if (n < 2)
                return 0;
        struct valid_cert **p = calloc(n, sizeof *p);
        if (!p)
                return -ENOMEM;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
                if (!v[i].is_copy)
                        p[m++] = &v[i];
        qsort(p, m, sizeof *p, cmp_valid_ptr_serial);
        int r = 0;
        for (size_t i = 1; r >= 0 && i < m; i++) {
                struct valid_cert *x = p[i - 1], *y = p[i];
                if (strcmp(x->serial, y->serial) != 0 || strcmp(x->hash, y->hash) == 0 ||
                    (strcmp(x->key_id, y->key_id) == 0 && x->sequence == y->sequence))
                        continue;
                r = audit_add(s, CERT_DUPLICATE, y->file, y->record + 1,
                              "serial %s was issued twice: also %s (key %s sequence %" PRIu64 ")", y->serial,
                              x->file, x->key_id, x->sequence);
        }
        free(p);
        return r;
}

int audit_check_across(struct audit_state *s, const struct audit_ledger *l)
{
        int r = check_chain(s, s->valid, s->n_valid, l);
        if (r >= 0)
                r = check_forks(s, s->valid, s->n_valid);
        if (r >= 0)
                r = check_serials(s, s->valid, s->n_valid);
        return r;
}
