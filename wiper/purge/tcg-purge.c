/* SPDX-License-Identifier: MIT */
/*
 * Self-encrypting drives (TCG Storage): Level 0 Discovery in the probe, and the Revert of the Admin
 * SP — a cryptographic erase of every locking range — authorised by the SID (or the MSID of a drive
 * nobody took ownership of) or by the PSID printed on the drive's label.
 *
 * kesu speaks the protocol itself (wiper/device/tcg-cmd.h) through the same transport as its other
 * purge commands, over the family's carrier: ATA TRUSTED SEND/RECEIVE in SAT ATA PASS-THROUGH, NVMe
 * Security Send/Receive, SCSI SECURITY PROTOCOL OUT/IN. The kernel's sed-opal ioctls
 * (IOC_OPAL_PSID_REVERT_TPR, IOC_OPAL_REVERT_TPR) cover the revert itself, but report neither the
 * TPer's method status nor the PSID's try counter, reach no drive behind a USB bridge, and cannot
 * be driven by the fake TPer the tests run the whole flow against.
 *
 * Safety: the PSID's TryLimit and Tries (readable by Anybody under the PSID feature set) are read
 * before authenticating; when one more failure would lock the PSID out, nothing is tried. kesu
 * never retries an authentication by itself. The secret is never copied into the report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "purge-internal.h"
#include "tcg-cmd.h"

#define MAX_TOKENS 256
#define RECV_WAIT_NS (10 * 1000 * 1000L) /* IF-RECV of an empty ComPacket: ask again after this */
/* `kesu list` asks every drive: a bridge that never answers the security protocol must not hold it
 * up for long */
#define DISCOVERY_TIMEOUT_MS 5000u
#define KESU_HSN 0x4b455355u /* "KESU": the host session number of every session kesu starts */

struct tcg_conn {
        const struct cmd_transport *t;
        enum purge_family family;
        uint16_t comid;
        uint32_t tsn, hsn;
        uint8_t *buf; /* TCG_IO_BYTES, page-aligned (NVMe controllers may DMA straight into it) */
        struct tcg_token toks[MAX_TOKENS];
        size_t n;
        struct cmd_reply reply;
};

static const char *carrier_name(enum purge_family f)
{
        switch (f) {
        case PURGE_FAMILY_ATA:
                return "ATA TRUSTED SEND/RECEIVE";
        case PURGE_FAMILY_NVME:
                return "NVMe Security Send/Receive";
        default:
                return "SCSI SECURITY PROTOCOL OUT/IN";
        }
}

/* One IF-SEND or IF-RECV of len bytes of buf. 0, -EREMOTEIO when the drive refused the command
 * (it does not speak the security protocol), other -errno from the transport. */
static int if_xfer(const struct cmd_transport *t, enum purge_family f, bool is_send, uint8_t protocol,
                   uint16_t comid, uint8_t *buf, size_t len, unsigned timeout_ms, struct cmd_reply *reply)
{
        enum cmd_dir dir = is_send ? CMD_DIR_TO_DEVICE : CMD_DIR_FROM_DEVICE;
        switch (f) {
        case PURGE_FAMILY_NVME: {
                struct nvme_admin_cmd cmd;
                tcg_build_nvme_cmd(&cmd, is_send, protocol, comid, buf, (uint32_t)len, timeout_ms);
                return cmd_nvme_admin(t, &cmd, reply);
        }
        case PURGE_FAMILY_ATA: {
                uint8_t cdb[16];
                int r = tcg_build_ata_cdb(cdb, is_send, protocol, comid, (uint32_t)len);
                return r < 0 ? r : cmd_scsi(t, cdb, sizeof cdb, dir, buf, len, timeout_ms, reply);
        }
        case PURGE_FAMILY_SCSI: {
                uint8_t cdb[12];
                tcg_build_scsi_cdb(cdb, is_send, protocol, comid, (uint32_t)len);
                return cmd_scsi(t, cdb, sizeof cdb, dir, buf, len, timeout_ms, reply);
        }
        default:
                return -EOPNOTSUPP;
        }
}

static uint8_t *io_buffer(void)
{
        void *p = NULL;
        if (posix_memalign(&p, 4096, TCG_IO_BYTES) != 0)
                return NULL;
        memset(p, 0, TCG_IO_BYTES);
        return p;
}

/* Level 0 Discovery into *ret over *carrier (PURGE_FAMILY_NONE: find it — an ATA drive is asked
 * with SECURITY PROTOCOL IN first, which libata translates, then with TRUSTED RECEIVE in ATA
 * PASS-THROUGH, which a USB bridge passes on). 0 parsed (ret->ssc may be NONE), -ENODATA the drive
 * has no TCG security subsystem (refused the command or answered nothing), other -errno. */
static int discover(const struct cmd_transport *t, enum purge_family family, enum purge_family *carrier,
                    struct tcg_discovery *ret)
{
        _cleanup_free_ uint8_t *buf = io_buffer();
        if (!buf)
                return -ENOMEM;
        enum purge_family tries[2] = { family, PURGE_FAMILY_NONE };
        if (*carrier != PURGE_FAMILY_NONE)
                tries[0] = *carrier;
        else if (family == PURGE_FAMILY_ATA)
                tries[0] = PURGE_FAMILY_SCSI, tries[1] = PURGE_FAMILY_ATA;
        int r = -ENODATA;
        for (size_t i = 0; i < ELEMENTSOF(tries) && tries[i] != PURGE_FAMILY_NONE; i++) {
                struct cmd_reply reply;
                memset(buf, 0, TCG_IO_BYTES);
                r = if_xfer(t, tries[i], false, TCG_PROTOCOL_TCG, TCG_LEVEL0_COMID, buf, TCG_IO_BYTES,
                            DISCOVERY_TIMEOUT_MS, &reply);
                if (r == -EREMOTEIO) {
                        r = -ENODATA; /* refused: not over this carrier */
                        continue;
                }
                if (r < 0)
                        return r;
                r = tcg_parse_level0(buf, TCG_IO_BYTES, ret);
                if (r == -ENODATA)
                        continue; /* nothing over this carrier: the next may answer */
                *carrier = tries[i];
                return r;
        }
        return r;
}

static void fill_tcg(const struct tcg_discovery *d, struct purge_tcg *tcg)
{
        tcg->is_sed = d->ssc != TCG_SSC_NONE;
        snprintf(tcg->kind, sizeof tcg->kind, "%s", tcg->is_sed ? tcg_ssc_to_string(d->ssc) : "");
        tcg->is_encrypting = tcg->is_sed && tcg_ssc_is_encrypting(d->ssc);
        tcg->has_revert = tcg->is_sed && tcg_ssc_has_revert(d->ssc);
        tcg->is_locking_supported = d->is_locking_supported;
        tcg->is_locking_enabled = d->is_locking_enabled;
        tcg->is_locked = d->is_locked;
        tcg->is_mbr_enabled = d->is_mbr_enabled;
        tcg->is_mbr_done = d->is_mbr_done;
        tcg->is_sid_blocked = d->has_block_sid && d->is_sid_blocked;
        tcg->data_removal_mechanisms = d->has_data_removal ? d->data_removal_mechanisms : 0;
        tcg->base_comid = d->base_comid;
}

void purge_tcg_summary(const struct purge_tcg *tcg, char *buf, size_t n)
{
        if (!tcg->is_examined || n == 0) {
                if (n)
                        snprintf(buf, n, "not examined");
                return;
        }
        if (!tcg->is_sed) {
                snprintf(buf, n, "%s", tcg->note[0] ? tcg->note : "no TCG security subsystem");
                return;
        }
        buf[0] = '\0';
        purge_append(buf, n, "%s", tcg->kind);
        if (tcg->is_locking_supported)
                purge_append(buf, n, tcg->is_locking_enabled ? ", locking enabled" : ", locking not enabled");
        if (tcg->is_locked)
                purge_append(buf, n, ", a range is locked");
        if (tcg->is_mbr_enabled && !tcg->is_mbr_done)
                purge_append(buf, n, ", shadow MBR shown");
        if (tcg->is_sid_blocked)
                purge_append(buf, n, ", SID blocked until power-off");
}

int tcg_purge_probe(const struct cmd_transport *t, enum purge_family family, struct purge_caps *caps)
{
        struct purge_tcg *tcg = &caps->tcg;
        *tcg = (struct purge_tcg){ .is_examined = true };
        const char *why = NULL;
        struct tcg_discovery d;
        enum purge_family carrier = PURGE_FAMILY_NONE;
        int r = discover(t, family, &carrier, &d);
        tcg->carrier = carrier;
        if (r == -ENODATA || r == -EBADMSG) {
                snprintf(tcg->note, sizeof tcg->note, "%s",
                         r == -ENODATA ? "no TCG security subsystem (Level 0 Discovery not answered)"
                                       : "no TCG security subsystem (its Level 0 Discovery answer is malformed)");
                why = "the drive reports no TCG security subsystem (not a self-encrypting drive)";
        } else if (r < 0) {
                /* a transport failure is not the drive's answer: the list says so, nothing is decided */
                tcg->error = r;
                snprintf(tcg->note, sizeof tcg->note, "Level 0 Discovery failed: %s", strerror(-r));
                why = "TCG Level 0 Discovery could not be read";
        } else {
                fill_tcg(&d, tcg);
                if (!tcg->is_sed)
                        why = "the drive reports no TCG security subsystem class (Opal, Pyrite, …)";
                else if (d.ssc == TCG_SSC_ENTERPRISE)
                        why = "TCG Enterprise has no Revert (its bands are erased by the EraseMaster, which kesu "
                              "does not do)";
                else if (!tcg->has_revert)
                        why = "this TCG class has no Revert";
                else if (!tcg->is_encrypting)
                        why = "this TCG class (Pyrite) does not encrypt: a revert is no cryptographic erase";
        }
        for (enum purge_method m = PURGE_TCG_REVERT; m <= PURGE_TCG_PSID_REVERT; m++) {
                caps->supported &= ~(1u << m);
                caps->why_not[m] = why;
                if (!why)
                        caps->supported |= 1u << m;
        }
        if (!why && tcg->is_sid_blocked) {
                caps->supported &= ~(1u << PURGE_TCG_REVERT);
                caps->why_not[PURGE_TCG_REVERT] = "SID authentication is blocked (Block SID) until the drive is "
                                                  "powered off and on; a PSID revert is not blocked";
        }
        return 0;
}

/* ---- sessions ------------------------------------------------------------------------------------ */

/* Sends payload on the connection's ComID and session, and reads the answer's tokens into c->toks
 * (pointing into c->buf: valid until the next exchange). The TPer may answer empty ComPackets while
 * it works (a revert of a large drive): it is asked again until timeout_ms has passed. */
static int exchange(struct tcg_conn *c, const struct tcg_writer *w, unsigned timeout_ms)
{
        if (w->is_overflow)
                return -ENOBUFS;
        int r = tcg_frame(c->buf, TCG_IO_BYTES, c->comid, c->tsn, c->hsn, w->p, w->len);
        if (r < 0)
                return r;
        r = if_xfer(c->t, c->family, true, TCG_PROTOCOL_TCG, c->comid, c->buf, TCG_IO_BYTES, timeout_ms, &c->reply);
        if (r < 0)
                return r;
        int64_t deadline = now_monotonic_ns() + (int64_t)timeout_ms * 1000000;
        do {
                memset(c->buf, 0, TCG_IO_BYTES);
                r = if_xfer(c->t, c->family, false, TCG_PROTOCOL_TCG, c->comid, c->buf, TCG_IO_BYTES, timeout_ms,
                            &c->reply);
                if (r < 0)
                        return r;
                struct tcg_frame_view v;
                r = tcg_unframe(c->buf, TCG_IO_BYTES, &v);
                if (r == -EAGAIN) {
                        nanosleep(&(struct timespec){ .tv_nsec = RECV_WAIT_NS }, NULL);
                        continue;
                }
                if (r < 0)
                        return r;
                return tcg_tokenize(v.payload, v.payload_len, c->toks, MAX_TOKENS, &c->n);
        } while (now_monotonic_ns() < deadline);
        return -ETIMEDOUT;
}

/* StartSession to the Admin SP as authority (NULL: Anybody, read-only). 0 and the TPer's method
 * status in *ret_status (the session is open only when it is SUCCESS), or -errno. */
static int start_session(struct tcg_conn *c, const tcg_uid *authority, const void *secret, size_t secret_len,
                         uint8_t *ret_status)
{
        uint8_t payload[256];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        c->tsn = c->hsn = 0; /* the session manager's own calls */
        int r = tcg_build_start_session(&w, KESU_HSN, &TCG_UID_ADMIN_SP, authority != NULL, authority, secret,
                                        secret_len);
        if (r >= 0)
                r = exchange(c, &w, TCG_TIMEOUT_MS);
        explicit_bzero(payload, sizeof payload); /* it held the secret */
        if (r < 0)
                return r;
        uint32_t hsn = 0, tsn = 0;
        r = tcg_parse_sync_session(c->toks, c->n, ret_status, &hsn, &tsn);
        if (r < 0)
                return r;
        if (*ret_status == TCG_ST_SUCCESS) {
                c->hsn = hsn;
                c->tsn = tsn;
        }
        return 0;
}

static void end_session(struct tcg_conn *c)
{
        uint8_t payload[8];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        if (c->tsn == 0)
                return;
        if (tcg_build_end_session(&w) >= 0)
                (void)exchange(c, &w, TCG_TIMEOUT_MS);
        c->tsn = c->hsn = 0;
}

/* Get of columns first..last of object in the open session: its answer's tokens in c->toks when
 * *ret_status is SUCCESS. */
static int get(struct tcg_conn *c, const tcg_uid *object, unsigned first, unsigned last, uint8_t *ret_status)
{
        uint8_t payload[128];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        int r = tcg_build_get(&w, object, first, last);
        if (r >= 0)
                r = exchange(c, &w, TCG_TIMEOUT_MS);
        return r < 0 ? r : tcg_parse_status(c->toks, c->n, ret_status);
}

/* The uint columns first..last of object into values[], has[]. */
static int get_uints(struct tcg_conn *c, const tcg_uid *object, unsigned first, unsigned last, uint64_t *values,
                     bool *has, size_t n_columns, uint8_t *ret_status)
{
        int r = get(c, object, first, last, ret_status);
        if (r < 0 || *ret_status != TCG_ST_SUCCESS)
                return r;
        return tcg_parse_get(c->toks, c->n, values, has, n_columns);
}

/* The PIN column (a byte sequence) of C_PIN_MSID, read in an Anybody session: into pin (n bytes). */
static int read_msid(struct tcg_conn *c, uint8_t *pin, size_t n, size_t *ret_len, uint8_t *ret_status)
{
        int r = get(c, &TCG_UID_C_PIN_MSID, TCG_C_PIN_PIN, TCG_C_PIN_PIN, ret_status);
        if (r < 0 || *ret_status != TCG_ST_SUCCESS)
                return r;
        for (size_t i = 0; i + 3 < c->n; i++) {
                const struct tcg_token *k = &c->toks[i];
                if (k->kind == TCG_ATOM_CONTROL && k->control == TCG_TOK_START_NAME &&
                    c->toks[i + 1].kind == TCG_ATOM_UINT && c->toks[i + 1].value == TCG_C_PIN_PIN &&
                    c->toks[i + 2].kind == TCG_ATOM_BYTES) {
                        if (c->toks[i + 2].len > n)
                                return -ENOBUFS;
                        memcpy(pin, c->toks[i + 2].bytes, c->toks[i + 2].len);
                        *ret_len = c->toks[i + 2].len;
                        return 0;
                }
        }
        return -EBADMSG;
}

struct psid_tries {
        bool is_known;
        uint64_t limit, tries;
};

/* C_PIN_PSID's TryLimit and Tries in an Anybody session (the PSID feature set lets Anybody read
 * them; a drive that does not: unknown). */
static int read_psid_tries(struct tcg_conn *c, struct psid_tries *ret)
{
        *ret = (struct psid_tries){ 0 };
        uint8_t st;
        int r = start_session(c, NULL, NULL, 0, &st);
        if (r < 0 || st != TCG_ST_SUCCESS)
                return r;
        uint64_t v[TCG_C_PIN_TRIES + 1] = { 0 };
        bool has[TCG_C_PIN_TRIES + 1] = { false };
        r = get_uints(c, &TCG_UID_C_PIN_PSID, TCG_C_PIN_TRY_LIMIT, TCG_C_PIN_TRIES, v, has, ELEMENTSOF(v), &st);
        end_session(c);
        if (r >= 0 && st == TCG_ST_SUCCESS && has[TCG_C_PIN_TRY_LIMIT] && has[TCG_C_PIN_TRIES])
                *ret = (struct psid_tries){ .is_known = true, .limit = v[TCG_C_PIN_TRY_LIMIT],
                                            .tries = v[TCG_C_PIN_TRIES] };
        return r < 0 ? r : 0;
}

static void tries_text(const struct psid_tries *p, char *buf, size_t n)
{
        if (!p->is_known)
                snprintf(buf, n, "PSID tries not readable");
        else if (p->limit == 0)
                snprintf(buf, n, "PSID tries %" PRIu64 ", no limit", p->tries);
        else
                snprintf(buf, n, "PSID tries %" PRIu64 " of %" PRIu64, p->tries, p->limit);
}

static int transport_failed(const char *what, int r, struct purge_report *ret)
{
        ret->error = r;
        snprintf(ret->error_text, sizeof ret->error_text, "%s: %s", what, strerror(-r));
        return r;
}

/* The revert itself, on an open connection; fills ret. */
static int revert(struct tcg_conn *c, enum purge_method method, const struct purge_run_options *o,
                  struct purge_report *ret)
{
        bool is_psid = method == PURGE_TCG_PSID_REVERT;
        const void *secret = o->tcg_secret;
        size_t secret_len = o->tcg_secret_len;
        uint8_t msid[64];
        bool is_msid = false;
        uint8_t st;
        int r;

        if (is_psid && (!secret || secret_len == 0)) {
                ret->error = PURGE_ERR_NO_SECRET;
                snprintf(ret->error_text, sizeof ret->error_text, "no PSID given: nothing was sent");
                return ret->error;
        }
        struct psid_tries before = { 0 };
        if (is_psid) {
                r = read_psid_tries(c, &before);
                if (r < 0)
                        return transport_failed("reading the PSID's try counter", r, ret);
                if (before.is_known && before.limit != 0 && before.tries + 1 >= before.limit) {
                        ret->error = PURGE_ERR_LOCKED_OUT;
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "the drive has counted %" PRIu64 " failed PSID attempts of %" PRIu64
                                 " allowed: one more failure would lock the PSID out, so kesu tried nothing",
                                 before.tries, before.limit);
                        return ret->error;
                }
        } else if (!secret || secret_len == 0) {
                /* no SID given: a drive nobody took ownership of still has the MSID as its SID */
                r = start_session(c, NULL, NULL, 0, &st);
                size_t len = 0;
                if (r >= 0 && st == TCG_ST_SUCCESS) {
                        r = read_msid(c, msid, sizeof msid, &len, &st);
                        end_session(c);
                }
                if (r < 0)
                        return transport_failed("reading the MSID", r, ret);
                if (st != TCG_ST_SUCCESS) {
                        ret->error = PURGE_ERR_REFUSED;
                        snprintf(ret->error_text, sizeof ret->error_text, "reading the MSID: %s",
                                 tcg_status_to_string(st));
                        return ret->error;
                }
                secret = msid;
                secret_len = len;
                is_msid = true;
        }

        snprintf(ret->command, sizeof ret->command, "TCG Revert (Admin SP) authorised by %s, over %s (ComID %04Xh)",
                 is_psid ? "the PSID" : is_msid ? "the SID (= MSID: the drive had no owner)" : "the SID",
                 carrier_name(c->family), c->comid);
        r = start_session(c, is_psid ? &TCG_UID_PSID : &TCG_UID_SID, secret, secret_len, &st);
        explicit_bzero(msid, sizeof msid);
        if (r < 0)
                return transport_failed("StartSession", r, ret);
        if (st == TCG_ST_NOT_AUTHORIZED) {
                ret->error = PURGE_ERR_AUTH;
                struct psid_tries after = { 0 };
                char t[64] = "";
                if (is_psid && read_psid_tries(c, &after) >= 0 && after.is_known) {
                        if (after.limit)
                                snprintf(t, sizeof t, " (%" PRIu64 " of %" PRIu64 " attempts used)", after.tries,
                                         after.limit);
                        else
                                snprintf(t, sizeof t, " (%" PRIu64 " failed attempts, no limit)", after.tries);
                }
                snprintf(ret->error_text, sizeof ret->error_text, "%s%s",
                         is_psid  ? "the drive rejected the PSID: check it on the drive's label"
                         : is_msid ? "the drive has an owner (its SID is not the MSID): give the SID, or use "
                                     "tcg-psid-revert with the PSID on the drive's label"
                                   : "the drive rejected the SID",
                         t);
                return ret->error;
        }
        if (st == TCG_ST_AUTHORITY_LOCKED_OUT) {
                ret->error = PURGE_ERR_LOCKED_OUT;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the drive answered AUTHORITY_LOCKED_OUT: too many failed attempts; power the drive "
                         "off and on to reset the counter");
                return ret->error;
        }
        if (st != TCG_ST_SUCCESS) {
                ret->error = PURGE_ERR_REFUSED;
                snprintf(ret->error_text, sizeof ret->error_text, "StartSession: %s", tcg_status_to_string(st));
                return ret->error;
        }

        uint8_t payload[64];
        struct tcg_writer w = { .p = payload, .cap = sizeof payload };
        r = tcg_build_revert(&w, &TCG_UID_ADMIN_SP);
        if (r >= 0)
                r = exchange(c, &w, TCG_REVERT_TIMEOUT_MS);
        if (r >= 0)
                r = tcg_parse_status(c->toks, c->n, &st);
        if (r < 0) {
                end_session(c);
                return transport_failed("Revert", r, ret);
        }
        if (st != TCG_ST_SUCCESS) {
                end_session(c);
                ret->error = PURGE_ERR_REFUSED;
                snprintf(ret->error_text, sizeof ret->error_text, "Revert: %s", tcg_status_to_string(st));
                return ret->error;
        }
        /* A successful Revert of the Admin SP ends the session on the TPer's side (Opal 5.1.2.2). */
        c->tsn = c->hsn = 0;
        if (is_psid) {
                char t[64];
                tries_text(&before, t, sizeof t);
                purge_append(ret->warnings, sizeof ret->warnings, "before the revert: %s; ", t);
        }
        return 0;
}

int tcg_purge_run(const struct cmd_transport *t, enum purge_family family, enum purge_method method,
                  const struct purge_caps *caps, const struct purge_run_options *o, struct purge_report *ret)
{
        o = purge_run_begin(method, o, ret);
        int r = purge_check_supported(caps, family, method, "not a self-encrypting drive", ret);
        if (r != 0)
                return purge_run_end(r, ret);
        purge_append(ret->warnings, sizeof ret->warnings,
                     "a revert erases every locking range and namespace of the drive and resets its owner");

        /* over the carrier the probe found the drive answering on */
        struct tcg_conn c = { .t = t, .family = caps->tcg.carrier != PURGE_FAMILY_NONE ? caps->tcg.carrier : family,
                              .comid = caps->tcg.base_comid };
        c.buf = io_buffer();
        if (!c.buf)
                return purge_run_end(transport_failed("TCG", -ENOMEM, ret), ret);
        uint8_t props[128];
        struct tcg_writer w = { .p = props, .cap = sizeof props };
        /* Properties first (Core 5.2.2.1): a TPer may refuse sessions before it; its answer is not needed */
        r = tcg_build_properties(&w);
        if (r >= 0)
                r = exchange(&c, &w, TCG_TIMEOUT_MS);
        if (r < 0) {
                transport_failed("Properties", r, ret);
                goto out;
        }
        if (revert(&c, method, o, ret) != 0)
                goto out;

        /* The drive's own word after it: Level 0 Discovery must show locking disabled, nothing locked. */
        struct tcg_discovery d;
        enum purge_family carrier = c.family;
        r = discover(t, family, &carrier, &d);
        if (r < 0) {
                transport_failed("Level 0 Discovery after the revert", r, ret);
                goto out;
        }
        struct purge_tcg after = { .is_examined = true };
        fill_tcg(&d, &after);
        char s[128];
        purge_tcg_summary(&after, s, sizeof s);
        snprintf(ret->device_status, sizeof ret->device_status, "Revert: SUCCESS; Level 0 Discovery after it: %s", s);
        if (after.is_locking_enabled || after.is_locked) {
                ret->error = PURGE_ERR_NOT_DONE;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the drive answered SUCCESS but still reports %s", after.is_locked ? "a locked range" : "locking enabled");
                goto out;
        }
        ret->is_completed = true;
out:
        free(c.buf);
        return purge_run_end(ret->error, ret);
}
