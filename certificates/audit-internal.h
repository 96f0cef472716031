/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The auditor's two halves: audit.c checks the files (each record and what lies around it, on
 * every CPU) and gathers the small facts of each valid certificate; audit-chain.c checks across
 * them (the chain of each key, forks, serials issued twice, the ledger).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certificates.h"

struct work_item;

/* One certificate that checked: what the chain and serial checks need, nothing more. */
struct valid_cert {
        const char *file; /* the record's path and serial, owned by the audit's records */
        const char *serial;
        const char *dir; /* its folder, resolved (owned by the state): a copy elsewhere is no duplicate */
        char *previous_hash;
        size_t record; /* index in the audit's records */
        uint64_t sequence;
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        char hash[72];
        bool is_copy; /* an earlier entry has the same hash */
};

/* The key and sequence a record that did not verify claims: it still marks where the set runs. */
struct claim {
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        uint64_t sequence;
};

/* One audit under way. */
struct audit_state {
        struct cert_audit a;
        struct claim *claims;
        size_t n_claims, claims_size;
        size_t findings_size, records_size, valid_size;
        struct valid_cert *valid;
        size_t n_valid;
        const struct cert_public_key *keys;
        size_t n_keys;
        struct cert_audit_options opts;
        unsigned n_threads;
        struct work_item *work; /* AUDIT_CHUNK entries: the files met, not yet checked (audit.c) */
        size_t n_work;
        char **dirs; /* resolved folders the valid certificates point to */
        size_t n_dirs, dirs_size;
};

/* ---- audit.c -------------------------------------------------------------------------------- */

/* Room for one more element in a growing array (doubling). -ENOMEM. */
int audit_grow(void *array, size_t *size, size_t n, size_t elem);

/* A finding, about record (1-based; 0: none) when it is about one. */
int audit_add(struct audit_state *s, enum cert_finding_kind kind, const char *subject, size_t record,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The key id part of a serial "KESU-<key id>-<sequence>", or "" when it has another form. */
void audit_serial_key_id(const char *serial, char out[2 * CERT_KEY_ID_BYTES + 1]);

/* The path resolved (symbolic links, "." and ".."), or as given when it cannot be. NULL: ENOMEM. */
char *audit_resolve(const char *path);

/* ---- audit-chain.c --------------------------------------------------------------------------- */

struct audit_ledger;

/* Reads the appliance's ledger ({"sequence", "serial", "hash", …} a line): -EBADMSG for a line
 * that is not one, -errno when it cannot be read. */
int audit_ledger_load(const char *path, struct audit_ledger **ret);
void audit_ledger_free(struct audit_ledger *l);

/* Across the valid certificates (s->valid, sorted here) and what the records that did not verify
 * claim (s->claims): each key's chain (against the ledger l, may be NULL), forks, serials. */
int audit_check_across(struct audit_state *s, const struct audit_ledger *l);
