/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The issuer's helpers below ledger.c: filing.c checks folders and sets files aside, registry.c
 * keeps each key's registration in the appliance state folder.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- filing.c ------------------------------------------------------------------------------- */

/* Moves dir/name into dir/set-aside/ (made 0755 when missing) as name.<UTC time>[.N], never
 * replacing anything. The new path goes to ret_moved_to. */
int filing_set_aside(const char *dir, const char *name, char *ret_moved_to, size_t size);

/* path's canonical form: realpath() of the file, or of its folder + its name when the file does
 * not exist yet. */
int filing_canonical_path(const char *path, char *ret, size_t size);

/* ---- registry.c ------------------------------------------------------------------------------ */

struct key_registration {
        bool is_present;
        char ledger[4096];   /* canonical path */
        uint64_t high_water; /* the highest sequence ever issued with the key here */
};

/* Opens and flock()s STATE/keys/<key_id>.lock: -EBUSY when another process holds it, -ENOLCK
 * when the state folder cannot be used. */
int registry_lock(const char *key_id, int *ret_fd);

/* Reads the key's registration; a missing one is { .is_present = false }. -EBADMSG when it is
 * damaged (then nothing is issued: its high-water mark is unknown). */
int registry_load(const char *key_id, struct key_registration *ret);

/* Writes it atomically (temp file, fsync, rename, fsync of the folder). */
int registry_store(const char *key_id, const struct key_registration *reg);
