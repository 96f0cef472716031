/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A stateful fake TCG TPer (tests only; plain C, no cmocka): the security subsystem of a
 * self-encrypting drive, answering IF-SEND / IF-RECV as an Opal-family drive does. The fake ATA,
 * NVMe and SCSI drives carry it (their config's tper: TRUSTED RECEIVE/SEND, Security
 * Receive/Send, SECURITY PROTOCOL IN/OUT); it does not know which carrier brought the bytes.
 *
 * What it answers (each answer cites its section in fake-tper.c):
 *   protocol 00h, ComID 0000h   the supported security protocol list: 00h, 01h, 02h (SPC-5).
 *   protocol 01h, ComID 0001h   Level 0 Discovery: TPer, Locking, the SSC's descriptor (base ComID
 *                               FAKE_TPER_BASE_COMID, one ComID), and for Opal 2, Ruby and Pyrite 2
 *                               Block SID and Supported Data Removal Mechanism (Core 3.3.6).
 *   protocol 01h, base ComID    ComPackets (Core 3.2.3), one method per IF-SEND, its answer ready for
 *                               the next IF-RECV (an IF-RECV with none ready: an empty ComPacket,
 *                               Length 0, SIIS 3.3.10.3):
 *     session manager           Properties (the TPer's properties and the host's echoed);
 *                               StartSession on the Admin SP (one session at a time: a second one gets
 *                               NO_SESSIONS_AVAILABLE): Anybody without a challenge; SID or PSID with
 *                               a HostChallenge compared with the PIN — wrong: NOT_AUTHORIZED and the
 *                               authority's Tries + 1; a TryLimit reached: AUTHORITY_LOCKED_OUT
 *                               without comparing; right: Tries back to 0 (Core 5.3.2.12). The answer
 *                               is a SyncSession carrying the status (SPSessionID 0 on a failure).
 *     in a session              Get of C_PIN_MSID (PIN; Anybody), C_PIN_PSID (TryLimit, Tries,
 *                               Persistence; Anybody, as the PSID feature set's ACE allows), C_PIN_SID
 *                               (the same columns, in a SID session only; else NOT_AUTHORIZED; its
 *                               PIN is never returned); Revert on the Admin SP in a SID or PSID write
 *                               session: the medium erased (random bytes for an encrypting SSC: a new
 *                               key; zeros for Pyrite), SID back to the MSID, locking disabled, the
 *                               ranges unlocked, SID's Tries 0, and the session closed after the
 *                               answer (Opal 5.1.2.2); EndOfSession (answered with EndOfSession).
 *                               Any other method: INVALID_PARAMETER.
 *   Refused (the carrier turns -EINVAL into its own error: ABRT, Invalid Field, ILLEGAL REQUEST):
 *   another protocol or ComID, protocol 02h (ComID management is not modelled), an IF-SEND to
 *   ComID 0001h. A ComPacket that does not parse (framing or tokens), or a Packet for a session that is
 *   not open, is dropped: nothing is answered, the next IF-RECV finds an empty ComPacket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake-medium.h"
#include "tcg-cmd.h"

#define FAKE_TPER_BASE_COMID 0x1000
#define FAKE_TPER_FIRST_TSN  0x1001 /* the SPSessionID of the first session; each next one + 1 */

struct fake_tper_config {
        enum tcg_ssc ssc;        /* the SSC it reports (TCG_SSC_OPAL2, _PYRITE2, _ENTERPRISE ...) */
        bool is_locking_enabled; /* an owner took ownership (Locking descriptor LockingEnabled) */
        bool is_range_locked;    /* a locking range is locked (Locked bit) */
        const char *msid;        /* C_PIN_MSID's PIN (readable by Anybody); NULL: "MSID" */
        const char *sid;         /* C_PIN_SID's PIN; NULL: the MSID */
        const char *psid;        /* NULL: no PSID authority (StartSession with it: INVALID_PARAMETER) */
        unsigned sid_try_limit, psid_try_limit; /* 0: no limit */
        unsigned sid_tries, psid_tries;         /* failures so far */
        bool is_tries_persistent;   /* C_PIN Persistence: tries survive fake_tper_power_cycle() */
        struct fake_medium *medium; /* a revert of an encrypting SSC fills it with random bytes (new
                                     * key); Pyrite: zeros. NULL: no medium */
        bool is_lying;              /* Revert answers SUCCESS and changes nothing */
};

struct fake_tper_stats {
        unsigned sessions_started, auth_failures, reverts, lockouts_reported;
        unsigned sid_tries, psid_tries;
        bool is_locking_enabled, is_range_locked;
        bool is_session_open;
        /* additions */
        bool is_sid_msid;            /* C_PIN_SID's PIN equals C_PIN_MSID's */
        unsigned if_sends, if_recvs; /* every IF-SEND / IF-RECV, refused ones included */
        unsigned dropped;            /* ComPackets dropped (malformed, or for no open session) */
        int medium_error;            /* the last error filling the medium (0 when none) */
};

struct fake_tper;

/* A TPer in the state c describes (strings copied). 0, -EINVAL (PINs longer than 32 bytes, an
 * unknown SSC), -ENOMEM. */
int fake_tper_new(const struct fake_tper_config *c, struct fake_tper **ret);
/* Frees; NULL is fine. */
void fake_tper_free(struct fake_tper *t);

/* IF-SEND / IF-RECV of len bytes. 0, or -EINVAL for what the TPer refuses (above), which the carrier
 * reports as its own command error. */
int fake_tper_if_send(struct fake_tper *t, uint8_t protocol, uint16_t comid, const uint8_t *buf, size_t len);
int fake_tper_if_recv(struct fake_tper *t, uint8_t protocol, uint16_t comid, uint8_t *buf, size_t len);

/* A power cycle: the session and any pending answer gone; Tries back to 0 unless persistent. */
void fake_tper_power_cycle(struct fake_tper *t);

void fake_tper_stats(const struct fake_tper *t, struct fake_tper_stats *ret);
