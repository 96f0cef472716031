/* SPDX-License-Identifier: MIT */
/*
 * A fake TCG TPer (see fake-tper.h). Sections cited: TCG Storage Architecture Core Specification 2.01
 * ("Core"), Opal SSC 2.01 ("Opal"), Pyrite SSC 2.01, Block SID Authentication 1.01, Supported Data
 * Removal Mechanism 1.00, PSID feature set 1.00, Storage Interface Interactions Specification 1.08
 * ("SIIS"), SPC-5.
 */
#include "fake-tper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PIN_MAX    32
#define MAX_TOKENS 64

enum auth { AUTH_ANYBODY, AUTH_SID, AUTH_PSID };

struct fake_tper {
        struct fake_tper_config cfg;
        char msid[PIN_MAX + 1], sid[PIN_MAX + 1], psid[PIN_MAX + 1];
        bool has_psid;
        bool is_locking_enabled, is_range_locked;
        unsigned sid_tries, psid_tries;
        struct fake_tper_stats st;
        /* the one session (Properties: MaxSessions 1) */
        bool is_session_open;
        uint32_t tsn, hsn, next_tsn;
        enum auth auth;
        bool is_write;
        /* the answer the next IF-RECV on the base ComID returns */
        uint8_t answer[TCG_IO_BYTES];
        bool has_answer;
};

static void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
        put_be16(p, (uint16_t)(v >> 16));
        put_be16(p + 2, (uint16_t)v);
}

static int copy_pin(char *dst, const char *src)
{
        size_t n = strlen(src);
        if (n > PIN_MAX)
                return -EINVAL;
        memcpy(dst, src, n + 1);
        return 0;
}

int fake_tper_new(const struct fake_tper_config *c, struct fake_tper **ret)
{
        if (c->ssc == TCG_SSC_NONE || c->ssc > TCG_SSC_KEY_PER_IO)
                return -EINVAL;
        struct fake_tper *t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->cfg = *c;
        if (copy_pin(t->msid, c->msid ? c->msid : "MSID") < 0 ||
            copy_pin(t->sid, c->sid ? c->sid : t->msid) < 0 || (c->psid && copy_pin(t->psid, c->psid) < 0)) {
                free(t);
                return -EINVAL;
        }
        t->cfg.msid = t->cfg.sid = t->cfg.psid = NULL; /* the copies above are what counts */
        t->has_psid = c->psid != NULL;
        t->is_locking_enabled = c->is_locking_enabled;
        t->is_range_locked = c->is_range_locked;
        t->sid_tries = c->sid_tries;
        t->psid_tries = c->psid_tries;
        t->next_tsn = FAKE_TPER_FIRST_TSN;
        *ret = t;
        return 0;
}

void fake_tper_free(struct fake_tper *t)
{
        if (!t)
                return;
        memset(t->sid, 0, sizeof t->sid);
        memset(t->psid, 0, sizeof t->psid);
        free(t);
}

void fake_tper_power_cycle(struct fake_tper *t)
{
        t->is_session_open = false;
        t->has_answer = false;
        if (!t->cfg.is_tries_persistent) /* C_PIN Persistence (Core 5.3.2.12) */
                t->sid_tries = t->psid_tries = 0;
}

void fake_tper_stats(const struct fake_tper *t, struct fake_tper_stats *ret)
{
        *ret = t->st;
        ret->sid_tries = t->sid_tries;
        ret->psid_tries = t->psid_tries;
        ret->is_locking_enabled = t->is_locking_enabled;
        ret->is_range_locked = t->is_range_locked;
        ret->is_session_open = t->is_session_open;
        ret->is_sid_msid = strcmp(t->sid, t->msid) == 0;
}

/* ---- protocol 00h: supported security protocols (SPC-5 SECURITY PROTOCOL IN, protocol 00h) ---- */

static void protocol_list(uint8_t *buf, size_t len)
{
        uint8_t d[12] = { 0 };
        put_be16(d + 6, 3); /* SUPPORTED SECURITY PROTOCOL LIST LENGTH */
        d[8] = TCG_PROTOCOL_INFO;
        d[9] = TCG_PROTOCOL_TCG;
        d[10] = TCG_PROTOCOL_COMID;
        memset(buf, 0, len);
        memcpy(buf, d, len < sizeof d ? len : sizeof d);
}

/* ---- Level 0 Discovery (Core 3.3.6; Opal 3.1.1; Pyrite 3.1.1; Block SID 4.1.1; Data Removal 3.1.1.4) */

static uint16_t ssc_feature(enum tcg_ssc ssc)
{
        static const uint16_t codes[] = {
                [TCG_SSC_OPAL2] = TCG_FEATURE_OPAL2,
                [TCG_SSC_OPAL1] = TCG_FEATURE_OPAL1,
                [TCG_SSC_RUBY] = TCG_FEATURE_RUBY,
                [TCG_SSC_PYRITE2] = TCG_FEATURE_PYRITE2,
                [TCG_SSC_PYRITE1] = TCG_FEATURE_PYRITE1,
                [TCG_SSC_OPALITE] = TCG_FEATURE_OPALITE,
                [TCG_SSC_ENTERPRISE] = TCG_FEATURE_ENTERPRISE,
                [TCG_SSC_KEY_PER_IO] = TCG_FEATURE_KEY_PER_IO,
        };
        return codes[ssc];
}

static bool has_opal2_features(enum tcg_ssc ssc)
{
        return ssc == TCG_SSC_OPAL2 || ssc == TCG_SSC_RUBY || ssc == TCG_SSC_PYRITE2;
}

static uint8_t *descriptor(uint8_t *p, uint16_t code, uint8_t length)
{
        put_be16(p, code);
        p[2] = 0x10; /* version 1 in bits 7:4 */
        p[3] = length;
        return p + 4 + length;
}

static void level0(const struct fake_tper *t, uint8_t *buf, size_t len)
{
        uint8_t d[256] = { 0 };
        enum tcg_ssc ssc = t->cfg.ssc;
        uint8_t *p = d + 48;

        put_be16(d + 6, 1); /* data structure revision 0.1 (bytes 4-5 major, 6-7 minor) */

        p[4] = 0x11; /* TPer: Sync Supported, Streaming Supported */
        p = descriptor(p, TCG_FEATURE_TPER, 0x0c);

        p[4] = (uint8_t)(0x01 | (t->is_locking_enabled ? 0x02 : 0) | (t->is_range_locked ? 0x04 : 0) |
                         (tcg_ssc_is_encrypting(ssc) ? 0x08
                                                     : 0)); /* Supported, Enabled, Locked, Encryption */
        p = descriptor(p, TCG_FEATURE_LOCKING, 0x0c);

        put_be16(p + 4, FAKE_TPER_BASE_COMID);
        put_be16(p + 6, 1); /* Number of ComIDs */
        if (ssc == TCG_SSC_OPAL2 || ssc == TCG_SSC_RUBY) {
                put_be16(p + 9, 4);  /* Locking SP admin authorities */
                put_be16(p + 11, 8); /* Locking SP user authorities */
        }
        /* bytes 13, 14: Initial C_PIN_SID PIN Indicator / Behavior upon TPer Revert, 00h: the MSID */
        p = descriptor(p, ssc_feature(ssc), ssc == TCG_SSC_OPAL1 || ssc == TCG_SSC_ENTERPRISE ? 0x0c : 0x10);

        if (has_opal2_features(ssc)) {
                p[4] = strcmp(t->sid, t->msid) != 0 ? 0x01 : 0x00; /* SID Value State */
                p = descriptor(p, TCG_FEATURE_BLOCK_SID, 0x0c);
                /* Supported Data Removal Mechanism: crypto erase (bit 2) for an encrypting SSC, overwrite
                 * (bit 0) for Pyrite; nothing in progress (byte 5 bit 0) */
                p[6] = tcg_ssc_is_encrypting(ssc) ? 0x04 : 0x01;
                p = descriptor(p, TCG_FEATURE_DATA_REMOVAL, 0x20);
        }
        put_be32(d, (uint32_t)(p - d - 4)); /* Length of Parameter Data: the bytes after it */
        memset(buf, 0, len);
        size_t n = (size_t)(p - d);
        memcpy(buf, d, len < n ? len : n);
}

/* ---- answers ------------------------------------------------------------------------------------ */

/* Frames an answer for the next IF-RECV on the base ComID (Core 3.2.3). */
static void answer(struct fake_tper *t, uint32_t tsn, uint32_t hsn, const struct tcg_writer *w)
{
        t->has_answer =
                tcg_frame(t->answer, sizeof t->answer, FAKE_TPER_BASE_COMID, tsn, hsn, w->p, w->len) == 0;
}

static void put_status(struct tcg_writer *w, uint8_t status)
{
        tcg_put_token(w, TCG_TOK_END_OF_DATA);
        tcg_put_token(w, TCG_TOK_START_LIST);
        tcg_put_uint(w, status);
        tcg_put_uint(w, 0);
        tcg_put_uint(w, 0);
        tcg_put_token(w, TCG_TOK_END_LIST);
}

/* A method's answer without results: an empty result list and the status (Core 3.2.4.2). */
static void answer_status(struct fake_tper *t, uint8_t status)
{
        uint8_t payload[16];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        tcg_put_token(&w, TCG_TOK_START_LIST);
        tcg_put_token(&w, TCG_TOK_END_LIST);
        put_status(&w, status);
        answer(t, t->tsn, t->hsn, &w);
}

static bool is_ctl(const struct tcg_token *k, uint8_t c)
{
        return k->kind == TCG_ATOM_CONTROL && k->control == c;
}

static bool is_uid(const struct tcg_token *k, const tcg_uid *uid)
{
        return k->kind == TCG_ATOM_BYTES && k->len == 8 && memcmp(k->bytes, uid->b, 8) == 0;
}

static void put_property(struct tcg_writer *w, const char *name, uint64_t v)
{
        tcg_put_token(w, TCG_TOK_START_NAME);
        tcg_put_bytes(w, name, strlen(name));
        tcg_put_uint(w, v);
        tcg_put_token(w, TCG_TOK_END_NAME);
}

/* Properties (Core 5.2.2.1): the TPer's properties, then the host's as sent (HostProperties,
 * parameter 0) — this TPer accepts any the host proposes. */
static void sm_properties(struct fake_tper *t, const struct tcg_token *k, size_t n)
{
        uint8_t payload[768];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        tcg_put_token(&w, TCG_TOK_CALL);
        tcg_put_uid(&w, &TCG_UID_SMUID);
        tcg_put_uid(&w, &TCG_UID_M_PROPERTIES);
        tcg_put_token(&w, TCG_TOK_START_LIST);
        tcg_put_token(&w, TCG_TOK_START_LIST);
        put_property(&w, "MaxComPacketSize", TCG_IO_BYTES);
        put_property(&w, "MaxResponseComPacketSize", TCG_IO_BYTES);
        put_property(&w, "MaxPacketSize", TCG_IO_BYTES - TCG_COMPACKET_HEADER_BYTES);
        put_property(&w, "MaxIndTokenSize", TCG_IO_BYTES - TCG_HEADERS_BYTES);
        put_property(&w, "MaxPackets", 1);
        put_property(&w, "MaxSubpackets", 1);
        put_property(&w, "MaxMethods", 1);
        put_property(&w, "MaxSessions", 1);
        put_property(&w, "MaxAuthentications", 2);
        put_property(&w, "MaxTransactionLimit", 1);
        put_property(&w, "DefSessionTimeout", 0);
        tcg_put_token(&w, TCG_TOK_END_LIST);
        tcg_put_name_uint(&w, 0);
        tcg_put_token(&w, TCG_TOK_START_LIST);
        for (size_t i = 3; i + 3 < n; i++)
                if (is_ctl(&k[i], TCG_TOK_START_NAME) && k[i + 1].kind == TCG_ATOM_BYTES &&
                    k[i + 2].kind == TCG_ATOM_UINT && is_ctl(&k[i + 3], TCG_TOK_END_NAME)) {
                        tcg_put_token(&w, TCG_TOK_START_NAME);
                        tcg_put_bytes(&w, k[i + 1].bytes, k[i + 1].len);
                        tcg_put_uint(&w, k[i + 2].value);
                        tcg_put_token(&w, TCG_TOK_END_NAME);
                }
        tcg_put_token(&w, TCG_TOK_END_LIST);
        tcg_put_token(&w, TCG_TOK_END_NAME);
        tcg_put_token(&w, TCG_TOK_END_LIST);
        put_status(&w, TCG_ST_SUCCESS);
        answer(t, 0, 0, &w);
}

/* The SyncSession answer (Core 5.2.3.2): HostSessionID, SPSessionID (0 on a failure), the status. */
static void sync_session(struct fake_tper *t, uint32_t hsn, uint32_t tsn, uint8_t status)
{
        uint8_t payload[64];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        tcg_put_token(&w, TCG_TOK_CALL);
        tcg_put_uid(&w, &TCG_UID_SMUID);
        tcg_put_uid(&w, &TCG_UID_M_SYNC_SESSION);
        tcg_put_token(&w, TCG_TOK_START_LIST);
        tcg_put_uint(&w, hsn);
        tcg_put_uint(&w, tsn);
        tcg_put_token(&w, TCG_TOK_END_LIST);
        put_status(&w, status);
        answer(t, 0, 0, &w);
}

/* Authenticates with a PIN (Core 5.3.4.1.x, C_PIN TryLimit/Tries 5.3.2.12): locked out at the limit
 * without comparing; a mismatch counts. */
static uint8_t authenticate(struct fake_tper *t, const char *pin, unsigned limit, unsigned *tries,
                            const struct tcg_token *challenge)
{
        if (limit != 0 && *tries >= limit) {
                t->st.lockouts_reported++;
                return TCG_ST_AUTHORITY_LOCKED_OUT;
        }
        size_t n = strlen(pin);
        if (!challenge || challenge->len != n || memcmp(challenge->bytes, pin, n) != 0) {
                (*tries)++;
                t->st.auth_failures++;
                return TCG_ST_NOT_AUTHORIZED;
        }
        *tries = 0;
        return TCG_ST_SUCCESS;
}

/* StartSession (Core 5.2.3.1): HostSessionID, SPID, Write, then optional [0] HostChallenge and
 * [3] HostSigningAuthority. */
static void sm_start_session(struct fake_tper *t, const struct tcg_token *k, size_t n)
{
        if (n < 8 || !is_ctl(&k[3], TCG_TOK_START_LIST) || k[4].kind != TCG_ATOM_UINT ||
            k[5].kind != TCG_ATOM_BYTES || k[6].kind != TCG_ATOM_UINT || k[4].value > UINT32_MAX) {
                t->st.dropped++;
                return;
        }
        uint32_t hsn = (uint32_t)k[4].value;
        const struct tcg_token *challenge = NULL, *authority = NULL;
        size_t i = 7;
        for (; i + 3 < n && is_ctl(&k[i], TCG_TOK_START_NAME); i += 4) {
                if (k[i + 1].kind != TCG_ATOM_UINT || !is_ctl(&k[i + 3], TCG_TOK_END_NAME)) {
                        sync_session(t, hsn, 0, TCG_ST_INVALID_PARAMETER);
                        return;
                }
                if (k[i + 1].value == 0 && k[i + 2].kind == TCG_ATOM_BYTES)
                        challenge = &k[i + 2];
                else if (k[i + 1].value == 3 && k[i + 2].kind == TCG_ATOM_BYTES)
                        authority = &k[i + 2];
                else {
                        sync_session(t, hsn, 0, TCG_ST_INVALID_PARAMETER);
                        return;
                }
        }
        if (i >= n || !is_ctl(&k[i], TCG_TOK_END_LIST)) {
                sync_session(t, hsn, 0, TCG_ST_INVALID_PARAMETER);
                return;
        }
        if (!is_uid(&k[5], &TCG_UID_ADMIN_SP)) { /* only the Admin SP is modelled */
                sync_session(t, hsn, 0, TCG_ST_INVALID_PARAMETER);
                return;
        }
        if (t->is_session_open) { /* MaxSessions 1 */
                sync_session(t, hsn, 0, TCG_ST_NO_SESSIONS_AVAILABLE);
                return;
        }
        enum auth auth = AUTH_ANYBODY;
        uint8_t status = TCG_ST_SUCCESS;
        if (!authority || is_uid(authority, &TCG_UID_ANYBODY))
                auth = AUTH_ANYBODY;
        else if (is_uid(authority, &TCG_UID_SID)) {
                auth = AUTH_SID;
                status = authenticate(t, t->sid, t->cfg.sid_try_limit, &t->sid_tries, challenge);
        } else if (is_uid(authority, &TCG_UID_PSID) && t->has_psid) {
                auth = AUTH_PSID;
                status = authenticate(t, t->psid, t->cfg.psid_try_limit, &t->psid_tries, challenge);
        } else
                status = TCG_ST_INVALID_PARAMETER; /* an authority this SP does not have */
        if (status != TCG_ST_SUCCESS) {
                sync_session(t, hsn, 0, status);
                return;
        }
        t->is_session_open = true;
        t->auth = auth;
        t->is_write = k[6].value != 0;
        t->hsn = hsn;
        t->tsn = t->next_tsn++;
        t->st.sessions_started++;
        sync_session(t, hsn, t->tsn, TCG_ST_SUCCESS);
}

/* The session manager's methods (Core 5.2): CALL SMUID method. */
static void session_manager(struct fake_tper *t, const struct tcg_token *k, size_t n)
{
        if (n < 4 || !is_ctl(&k[0], TCG_TOK_CALL) || !is_uid(&k[1], &TCG_UID_SMUID)) {
                t->st.dropped++;
                return;
        }
        if (is_uid(&k[2], &TCG_UID_M_PROPERTIES))
                sm_properties(t, k, n);
        else if (is_uid(&k[2], &TCG_UID_M_START_SESSION))
                sm_start_session(t, k, n);
        else
                t->st.dropped++;
}

/* Get (Core 5.3.3.6, Opal's Cellblock F0 [F2 03 first F3] [F2 04 last F3] F1) of a C_PIN row. */
static void method_get(struct fake_tper *t, const struct tcg_token *k, size_t n)
{
        unsigned first = 0, last = 0xff;
        if (n < 5 || !is_ctl(&k[4], TCG_TOK_START_LIST)) {
                answer_status(t, TCG_ST_INVALID_PARAMETER);
                return;
        }
        for (size_t i = 5; i + 3 < n && is_ctl(&k[i], TCG_TOK_START_NAME); i += 4) {
                if (k[i + 1].kind != TCG_ATOM_UINT || k[i + 2].kind != TCG_ATOM_UINT) {
                        answer_status(t, TCG_ST_INVALID_PARAMETER);
                        return;
                }
                if (k[i + 1].value == 3)
                        first = (unsigned)k[i + 2].value;
                else if (k[i + 1].value == 4)
                        last = (unsigned)k[i + 2].value;
        }

        const char *pin = NULL; /* the PIN column, when readable */
        unsigned limit = 0, tries = 0;
        if (is_uid(&k[1], &TCG_UID_C_PIN_MSID)) {
                pin = t->msid; /* Opal ACE_C_PIN_MSID_Get_PIN: Anybody */
        } else if (is_uid(&k[1], &TCG_UID_C_PIN_PSID) && t->has_psid) {
                /* PSID feature set: Anybody may Get its UID, TryLimit, Tries and Persistence */
                limit = t->cfg.psid_try_limit;
                tries = t->psid_tries;
        } else if (is_uid(&k[1], &TCG_UID_C_PIN_SID)) {
                if (t->auth != AUTH_SID) { /* ACE_C_PIN_SID_Get_NOPIN: Admins, SID */
                        answer_status(t, TCG_ST_NOT_AUTHORIZED);
                        return;
                }
                limit = t->cfg.sid_try_limit;
                tries = t->sid_tries;
        } else {
                answer_status(t, TCG_ST_INVALID_PARAMETER);
                return;
        }

        uint8_t payload[256];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        tcg_put_token(&w, TCG_TOK_START_LIST);
        tcg_put_token(&w, TCG_TOK_START_LIST);
        for (unsigned col = first; col <= last && col <= TCG_C_PIN_PERSISTENCE; col++) {
                if (col == TCG_C_PIN_PIN && pin) {
                        tcg_put_name_uint(&w, col);
                        tcg_put_bytes(&w, pin, strlen(pin));
                        tcg_put_token(&w, TCG_TOK_END_NAME);
                } else if (col == TCG_C_PIN_TRY_LIMIT || col == TCG_C_PIN_TRIES ||
                           col == TCG_C_PIN_PERSISTENCE) {
                        tcg_put_name_uint(&w, col);
                        tcg_put_uint(&w, col == TCG_C_PIN_TRY_LIMIT ? limit
                                         : col == TCG_C_PIN_TRIES   ? tries
                                                                    : (t->cfg.is_tries_persistent ? 1 : 0));
                        tcg_put_token(&w, TCG_TOK_END_NAME);
                }
        }
        tcg_put_token(&w, TCG_TOK_END_LIST);
        tcg_put_token(&w, TCG_TOK_END_LIST);
        put_status(&w, TCG_ST_SUCCESS);
        answer(t, t->tsn, t->hsn, &w);
}

/* Revert on the Admin SP (Opal 5.1.2.2): the TPer back to its Original Factory State — every key
 * changed (an encrypting SSC: the user data reads as random bytes), SID's PIN the MSID, the Locking
 * SP gone (locking disabled, nothing locked); the session is aborted after the answer. */
static void method_revert(struct fake_tper *t)
{
        if (!tcg_ssc_has_revert(t->cfg.ssc)) {
                answer_status(t, TCG_ST_INVALID_PARAMETER);
                return;
        }
        if (t->auth == AUTH_ANYBODY || !t->is_write) {
                answer_status(t, TCG_ST_NOT_AUTHORIZED);
                return;
        }
        if (!t->cfg.is_lying) {
                if (t->cfg.medium) {
                        unsigned fills = 0;
                        fake_medium_erase(t->cfg.medium,
                                          tcg_ssc_is_encrypting(t->cfg.ssc) ? FAKE_FILL_RANDOM
                                                                            : FAKE_FILL_ZERO,
                                          0, &t->st.medium_error, &fills);
                }
                memcpy(t->sid, t->msid, sizeof t->sid);
                t->is_locking_enabled = false;
                t->is_range_locked = false;
                t->sid_tries = 0;
                t->st.reverts++;
        }
        answer_status(t, TCG_ST_SUCCESS);
        t->is_session_open = false;
}

static void end_of_session(struct fake_tper *t)
{
        uint8_t payload[1] = { TCG_TOK_END_OF_SESSION };
        struct tcg_writer w = { .p = payload, .cap = sizeof payload, .len = 1 };
        answer(t, t->tsn, t->hsn, &w);
        t->is_session_open = false;
}

static void in_session(struct fake_tper *t, const struct tcg_token *k, size_t n)
{
        if (n >= 1 && is_ctl(&k[0], TCG_TOK_END_OF_SESSION)) {
                end_of_session(t);
                return;
        }
        if (n < 4 || !is_ctl(&k[0], TCG_TOK_CALL) || k[1].kind != TCG_ATOM_BYTES ||
            k[2].kind != TCG_ATOM_BYTES || !is_ctl(&k[3], TCG_TOK_START_LIST)) {
                t->st.dropped++;
                return;
        }
        if (is_uid(&k[2], &TCG_UID_M_GET))
                method_get(t, k, n);
        else if (is_uid(&k[2], &TCG_UID_M_REVERT) && is_uid(&k[1], &TCG_UID_ADMIN_SP))
                method_revert(t);
        else
                answer_status(t, TCG_ST_INVALID_PARAMETER);
}

/* ---- IF-SEND / IF-RECV (SIIS 3.3) ---------------------------------------------------------------- */

int fake_tper_if_send(struct fake_tper *t, uint8_t protocol, uint16_t comid, const uint8_t *buf, size_t len)
{
        t->st.if_sends++;
        if (protocol != TCG_PROTOCOL_TCG || comid != FAKE_TPER_BASE_COMID)
                return -EINVAL;
        struct tcg_frame_view v;
        struct tcg_token k[MAX_TOKENS];
        size_t n;
        t->has_answer = false; /* a new ComPacket replaces an answer never fetched */
        if (tcg_unframe(buf, len, &v) < 0 || tcg_tokenize(v.payload, v.payload_len, k, MAX_TOKENS, &n) < 0 ||
            n == 0) {
                t->st.dropped++;
                return 0;
        }
        if (v.tsn == 0 && v.hsn == 0)
                session_manager(t, k, n);
        else if (t->is_session_open && v.tsn == t->tsn && v.hsn == t->hsn)
                in_session(t, k, n);
        else
                t->st.dropped++;
        return 0;
}

int fake_tper_if_recv(struct fake_tper *t, uint8_t protocol, uint16_t comid, uint8_t *buf, size_t len)
{
        t->st.if_recvs++;
        if (protocol == TCG_PROTOCOL_INFO && comid == 0) {
                protocol_list(buf, len);
                return 0;
        }
        if (protocol != TCG_PROTOCOL_TCG)
                return -EINVAL;
        if (comid == TCG_LEVEL0_COMID) {
                level0(t, buf, len);
                return 0;
        }
        if (comid != FAKE_TPER_BASE_COMID)
                return -EINVAL;
        memset(buf, 0, len);
        if (!t->has_answer) { /* SIIS: nothing ready, an empty ComPacket (Length 0) for the ComID */
                if (len >= TCG_COMPACKET_HEADER_BYTES)
                        put_be16(buf + 4, comid);
                return 0;
        }
        memcpy(buf, t->answer, len < sizeof t->answer ? len : sizeof t->answer);
        t->has_answer = false;
        return 0;
}
