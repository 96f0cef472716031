/* SPDX-License-Identifier: MIT */
/* TCG Storage: carriers, Level 0 Discovery, tokens, framing and the method calls of a revert (see
 * tcg-cmd.h). Pure builders and parsers; every integer on the wire is big-endian (Core 3.2). */
#include "tcg-cmd.h"

#include <errno.h>
#include <string.h>

#include "ata-cmd.h"

/* (big-endian loads and stores: wiper-internal.h; TCG, SPC and the Level 0 header are all big-endian) */

/* ---- the carriers ------------------------------------------------------------------------------- */

void tcg_build_scsi_cdb(uint8_t cdb[12], bool is_send, uint8_t protocol, uint16_t comid, uint32_t len)
{
        /* SPC-5 SECURITY PROTOCOL IN / OUT: 0 opcode, 1 SECURITY PROTOCOL, 2-3 SECURITY PROTOCOL
         * SPECIFIC, 4 bit 7 INC_512, 6-9 ALLOCATION / TRANSFER LENGTH, 11 CONTROL. */
        memset(cdb, 0, 12);
        cdb[0] = is_send ? SCSI_SECURITY_PROTOCOL_OUT : SCSI_SECURITY_PROTOCOL_IN;
        cdb[1] = protocol;
        be16_store(cdb + 2, comid);
        be32_store(cdb + 6, len);
}

int tcg_build_ata_cdb(uint8_t cdb[16], bool is_send, uint8_t protocol, uint16_t comid, uint32_t len)
{
        /* ACS-4 TRUSTED RECEIVE / SEND: FEATURE(7:0) SECURITY PROTOCOL, COUNT(7:0) TRANSFER LENGTH(7:0),
         * LBA(7:0) TRANSFER LENGTH(15:8), LBA(23:8) SP SPECIFIC; the length counts 512-byte blocks.
         * A 28-bit command: DEVICE bit 6 is N/A for it, left 0. */
        if (len == 0 || len % ATA_SECTOR_BYTES != 0 || len / ATA_SECTOR_BYTES > 0xffff)
                return -EINVAL;
        uint32_t blocks = len / ATA_SECTOR_BYTES;
        return ata_pt16_build(
                &(struct ata_pt_cmd){
                        .command = is_send ? ATA_CMD_TRUSTED_SEND : ATA_CMD_TRUSTED_RECEIVE,
                        .feature = protocol,
                        .count = (uint16_t)(blocks & 0xff),
                        .lba = (blocks >> 8) | (uint64_t)comid << 8,
                        .protocol = is_send ? ATA_PT_PIO_DATA_OUT : ATA_PT_PIO_DATA_IN,
                },
                cdb);
}

void tcg_build_nvme_cmd(struct nvme_admin_cmd *cmd, bool is_send, uint8_t protocol, uint16_t comid,
                        void *buf, uint32_t len, unsigned timeout_ms)
{
        /* NVMe Base 2.0 Security Send / Receive: CDW10 SECP 31:24, SPSP1 23:16, SPSP0 15:8, NSSF 7:0;
         * CDW11 TL / AL in bytes. */
        *cmd = (struct nvme_admin_cmd){ 0 };
        cmd->opcode = is_send ? NVME_ADMIN_SECURITY_SEND : NVME_ADMIN_SECURITY_RECV;
        cmd->nsid = 0;
        cmd->cdw10 = (uint32_t)protocol << 24 | (uint32_t)(comid >> 8) << 16 | (uint32_t)(comid & 0xff) << 8;
        cmd->cdw11 = len;
        cmd->addr = (uint64_t)(uintptr_t)buf;
        cmd->data_len = len;
        cmd->timeout_ms = timeout_ms;
}

/* ---- SSCs ----------------------------------------------------------------------------------------- */

const char *tcg_ssc_to_string(enum tcg_ssc ssc)
{
        switch (ssc) {
        case TCG_SSC_OPAL2:
                return "Opal 2";
        case TCG_SSC_OPAL1:
                return "Opal 1";
        case TCG_SSC_RUBY:
                return "Ruby";
        case TCG_SSC_PYRITE2:
                return "Pyrite 2";
        case TCG_SSC_PYRITE1:
                return "Pyrite 1";
        case TCG_SSC_OPALITE:
                return "Opalite";
        case TCG_SSC_ENTERPRISE:
                return "Enterprise";
        case TCG_SSC_KEY_PER_IO:
                return "Key Per I/O";
        case TCG_SSC_NONE:
                break;
        }
        return "none";
}

bool tcg_ssc_has_revert(enum tcg_ssc ssc)
{
        switch (ssc) {
        case TCG_SSC_OPAL2:
        case TCG_SSC_OPAL1:
        case TCG_SSC_RUBY:
        case TCG_SSC_PYRITE2:
        case TCG_SSC_PYRITE1:
        case TCG_SSC_OPALITE:
                return true;
        default:
                return false;
        }
}

bool tcg_ssc_is_encrypting(enum tcg_ssc ssc)
{
        return ssc != TCG_SSC_NONE && ssc != TCG_SSC_PYRITE1 && ssc != TCG_SSC_PYRITE2;
}

/* ---- Level 0 Discovery (Core 3.3.6: 48-byte header, then descriptors of code, version, length) --- */

#define L0_HEADER_BYTES 48
#define L0_DESC_HEADER  4

static enum tcg_ssc ssc_of_feature(uint16_t code)
{
        switch (code) {
        case TCG_FEATURE_OPAL2:
                return TCG_SSC_OPAL2;
        case TCG_FEATURE_OPAL1:
                return TCG_SSC_OPAL1;
        case TCG_FEATURE_RUBY:
                return TCG_SSC_RUBY;
        case TCG_FEATURE_PYRITE2:
                return TCG_SSC_PYRITE2;
        case TCG_FEATURE_PYRITE1:
                return TCG_SSC_PYRITE1;
        case TCG_FEATURE_OPALITE:
                return TCG_SSC_OPALITE;
        case TCG_FEATURE_ENTERPRISE:
                return TCG_SSC_ENTERPRISE;
        case TCG_FEATURE_KEY_PER_IO:
                return TCG_SSC_KEY_PER_IO;
        default:
                return TCG_SSC_NONE;
        }
}

/* The SSC descriptors' shared start: Base ComID (bytes 4-5), Number of ComIDs (6-7). The Opal 2 and
 * Ruby descriptors go on with byte 8 range crossing, 9-10 Locking SP admins, 11-12 users, 13 Initial
 * C_PIN_SID PIN Indicator, 14 Behavior of C_PIN_SID PIN upon TPer Revert (Opal 3.1.1.5); Pyrite 1/2
 * and Opalite have bytes 8-12 reserved and the same 13 and 14 (Pyrite 3.1.1.4). */
struct ssc_fields {
        uint16_t base_comid, n_comids, admins, users;
        uint8_t initial_pin, revert_pin;
};

static bool is_all_zero(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

int tcg_parse_level0(const uint8_t *buf, size_t len, struct tcg_discovery *ret)
{
        struct ssc_fields ssc[TCG_SSC_KEY_PER_IO + 1] = { 0 };

        *ret = (struct tcg_discovery){ 0 };
        /* a drive without TCG answers nothing, a zero length or a zeroed header */
        if ((len >= 4 && be32_load(buf) == 0) ||
            is_all_zero(buf, len < L0_HEADER_BYTES ? len : L0_HEADER_BYTES))
                return -ENODATA;
        if (len < L0_HEADER_BYTES)
                return -EBADMSG;
        /* Length of Parameter Data: the bytes after the field itself */
        uint64_t total = (uint64_t)be32_load(buf) + 4;
        if (total > len || total < L0_HEADER_BYTES)
                return -EBADMSG;

        struct tcg_discovery d = { .major = be16_load(buf + 4), .minor = be16_load(buf + 6) };
        for (size_t off = L0_HEADER_BYTES; off < total;) {
                if (total - off < L0_DESC_HEADER)
                        return -EBADMSG;
                const uint8_t *p = buf + off;
                uint16_t code = be16_load(p);
                size_t n = p[3]; /* bytes after the 4-byte descriptor header */
                if (total - off - L0_DESC_HEADER < n)
                        return -EBADMSG;
                enum tcg_ssc s = ssc_of_feature(code);
                switch (code) {
                case TCG_FEATURE_TPER: /* Core 3.3.6.4 */
                        if (n < 1)
                                return -EBADMSG;
                        d.has_tper = true;
                        d.tper_flags = p[4];
                        break;
                case TCG_FEATURE_LOCKING: /* Core 3.3.6.5 */
                        if (n < 1)
                                return -EBADMSG;
                        d.has_locking = true;
                        d.is_locking_supported = p[4] & 0x01;
                        d.is_locking_enabled = p[4] & 0x02;
                        d.is_locked = p[4] & 0x04;
                        d.is_media_encryption = p[4] & 0x08;
                        d.is_mbr_enabled = p[4] & 0x10;
                        d.is_mbr_done = p[4] & 0x20;
                        break;
                case TCG_FEATURE_BLOCK_SID: /* Block SID Authentication 1.01, 4.1.1 */
                        if (n < 2)
                                return -EBADMSG;
                        d.has_block_sid = true;
                        d.is_sid_value_msid = !(p[4] & 0x01); /* SID Value State */
                        d.is_sid_blocked = p[4] & 0x02;       /* SID Authentication Blocked State */
                        break;
                case TCG_FEATURE_DATA_REMOVAL: /* Supported Data Removal Mechanism 1.00, 3.1.1.4 */
                        if (n < 3)
                                return -EBADMSG;
                        d.has_data_removal = true;
                        d.is_data_removal_processing = p[5] & 0x01;
                        d.data_removal_mechanisms = p[6];
                        break;
                default:
                        if (s == TCG_SSC_NONE)
                                break; /* Geometry, Single User, DataStore, vendor and unknown ones */
                        if (n < 4)
                                return -EBADMSG;
                        d.sscs |= 1u << s;
                        ssc[s].base_comid = be16_load(p + 4);
                        ssc[s].n_comids = be16_load(p + 6);
                        if ((s == TCG_SSC_OPAL2 || s == TCG_SSC_RUBY) && n >= 9) {
                                ssc[s].admins = be16_load(p + 9);
                                ssc[s].users = be16_load(p + 11);
                        }
                        if ((s == TCG_SSC_OPAL2 || s == TCG_SSC_RUBY || s == TCG_SSC_PYRITE1 ||
                             s == TCG_SSC_PYRITE2 || s == TCG_SSC_OPALITE) &&
                            n >= 11) {
                                ssc[s].initial_pin = p[13];
                                ssc[s].revert_pin = p[14];
                        }
                        break;
                }
                off += L0_DESC_HEADER + n;
        }

        /* the order of enum tcg_ssc is the order of preference */
        for (unsigned s = TCG_SSC_OPAL2; s <= TCG_SSC_KEY_PER_IO; s++)
                if (d.sscs & (1u << s)) {
                        d.ssc = (enum tcg_ssc)s;
                        d.base_comid = ssc[s].base_comid;
                        d.n_comids = ssc[s].n_comids;
                        d.n_locking_admins = ssc[s].admins;
                        d.n_locking_users = ssc[s].users;
                        d.initial_pin = ssc[s].initial_pin;
                        d.revert_pin = ssc[s].revert_pin;
                        break;
                }
        *ret = d;
        return 0;
}

/* ---- UIDs (Core 5.1, Opal 3 / Table 240; PSID feature set 1.00) ------------------------------------ */

#define UID(...)                                                                                            \
        {                                                                                                   \
                {                                                                                           \
                        __VA_ARGS__                                                                         \
                }                                                                                           \
        }
const tcg_uid TCG_UID_THIS_SP = UID(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
const tcg_uid TCG_UID_SMUID = UID(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff);
const tcg_uid TCG_UID_ADMIN_SP = UID(0x00, 0x00, 0x02, 0x05, 0x00, 0x00, 0x00, 0x01);
const tcg_uid TCG_UID_LOCKING_SP = UID(0x00, 0x00, 0x02, 0x05, 0x00, 0x00, 0x00, 0x02);
const tcg_uid TCG_UID_ANYBODY = UID(0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01);
const tcg_uid TCG_UID_SID = UID(0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x06);
const tcg_uid TCG_UID_PSID = UID(0x00, 0x00, 0x00, 0x09, 0x00, 0x01, 0xff, 0x01);
const tcg_uid TCG_UID_C_PIN_SID = UID(0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x01);
const tcg_uid TCG_UID_C_PIN_MSID = UID(0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x84, 0x02);
const tcg_uid TCG_UID_C_PIN_PSID = UID(0x00, 0x00, 0x00, 0x0b, 0x00, 0x01, 0xff, 0x01);
const tcg_uid TCG_UID_M_PROPERTIES = UID(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01);
const tcg_uid TCG_UID_M_START_SESSION = UID(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02);
const tcg_uid TCG_UID_M_SYNC_SESSION = UID(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03);
const tcg_uid TCG_UID_M_GET = UID(0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x16);
const tcg_uid TCG_UID_M_SET = UID(0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x17);
const tcg_uid TCG_UID_M_REVERT = UID(0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x02, 0x02);
const tcg_uid TCG_UID_M_REVERT_SP = UID(0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x11);
#undef UID

/* ---- status codes (Core 5.1.5) ------------------------------------------------------------------ */

const char *tcg_status_to_string(uint8_t status)
{
        switch (status) {
        case TCG_ST_SUCCESS:
                return "SUCCESS";
        case TCG_ST_NOT_AUTHORIZED:
                return "NOT_AUTHORIZED";
        case TCG_ST_SP_BUSY:
                return "SP_BUSY";
        case TCG_ST_SP_FAILED:
                return "SP_FAILED";
        case TCG_ST_SP_DISABLED:
                return "SP_DISABLED";
        case TCG_ST_SP_FROZEN:
                return "SP_FROZEN";
        case TCG_ST_NO_SESSIONS_AVAILABLE:
                return "NO_SESSIONS_AVAILABLE";
        case TCG_ST_UNIQUENESS_CONFLICT:
                return "UNIQUENESS_CONFLICT";
        case TCG_ST_INSUFFICIENT_SPACE:
                return "INSUFFICIENT_SPACE";
        case TCG_ST_INSUFFICIENT_ROWS:
                return "INSUFFICIENT_ROWS";
        case TCG_ST_INVALID_PARAMETER:
                return "INVALID_PARAMETER";
        case TCG_ST_TPER_MALFUNCTION:
                return "TPER_MALFUNCTION";
        case TCG_ST_TRANSACTION_FAILURE:
                return "TRANSACTION_FAILURE";
        case TCG_ST_RESPONSE_OVERFLOW:
                return "RESPONSE_OVERFLOW";
        case TCG_ST_AUTHORITY_LOCKED_OUT:
                return "AUTHORITY_LOCKED_OUT";
        case TCG_ST_FAIL:
                return "FAIL";
        default:
                return "unknown status";
        }
}

/* ---- tokens (Core 3.2.2.3: tiny 0xxxxxxx, short 10BSxxxx, medium 110BSxxx +1, long 111000BS +3) --- */

/* Appends n bytes whole or not at all: once a write did not fit, every later one is dropped too, so a
 * payload is never silently missing a middle token. */
static void put_raw(struct tcg_writer *w, const void *data, size_t n)
{
        if (w->is_overflow || n > w->cap - w->len) {
                w->is_overflow = true;
                return;
        }
        memcpy(w->p + w->len, data, n);
        w->len += n;
}

void tcg_put_token(struct tcg_writer *w, uint8_t token)
{
        put_raw(w, &token, 1);
}

void tcg_put_uint(struct tcg_writer *w, uint64_t v)
{
        if (v < 64) { /* tiny atom: bit 7 0, S 0, 6 bits of value */
                tcg_put_token(w, (uint8_t)v);
                return;
        }
        uint8_t atom[9];
        size_t n = 0;
        for (uint64_t x = v; x; x >>= 8)
                n++;
        atom[0] = (uint8_t)(0x80 | n); /* short atom, B 0, S 0 */
        for (size_t i = 0; i < n; i++)
                atom[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
        put_raw(w, atom, 1 + n);
}

void tcg_put_bytes(struct tcg_writer *w, const void *data, size_t len)
{
        uint8_t h[4];
        size_t hn;
        if (len <= 15) {
                h[0] = (uint8_t)(0xa0 | len); /* short atom, B 1 */
                hn = 1;
        } else if (len <= 2047) {
                h[0] = (uint8_t)(0xd0 | len >> 8); /* medium atom, B 1 */
                h[1] = (uint8_t)len;
                hn = 2;
        } else if (len <= 0xffffff) {
                h[0] = 0xe2; /* long atom, B 1 */
                h[1] = (uint8_t)(len >> 16);
                h[2] = (uint8_t)(len >> 8);
                h[3] = (uint8_t)len;
                hn = 4;
        } else {
                w->is_overflow = true;
                return;
        }
        if (w->is_overflow || hn + len > w->cap - w->len) {
                w->is_overflow = true;
                return;
        }
        put_raw(w, h, hn);
        put_raw(w, data, len);
}

void tcg_put_uid(struct tcg_writer *w, const tcg_uid *uid)
{
        tcg_put_bytes(w, uid->b, sizeof uid->b);
}

void tcg_put_name_uint(struct tcg_writer *w, uint64_t name)
{
        tcg_put_token(w, TCG_TOK_START_NAME);
        tcg_put_uint(w, name);
}

static bool is_control(uint8_t b)
{
        switch (b) {
        case TCG_TOK_START_LIST:
        case TCG_TOK_END_LIST:
        case TCG_TOK_START_NAME:
        case TCG_TOK_END_NAME:
        case TCG_TOK_CALL:
        case TCG_TOK_END_OF_DATA:
        case TCG_TOK_END_OF_SESSION:
        case TCG_TOK_START_TRANSACTION:
        case TCG_TOK_END_TRANSACTION:
                return true;
        default:
                return false;
        }
}

int tcg_tokenize(const uint8_t *data, size_t len, struct tcg_token *toks, size_t max, size_t *ret_n)
{
        size_t n = 0;
        for (size_t i = 0; i < len;) {
                uint8_t b = data[i];
                struct tcg_token t = { 0 };
                size_t hn, an;
                bool is_bytes, is_signed;

                if (b == TCG_TOK_EMPTY) {
                        i++;
                        continue;
                }
                if (b < 0x80) { /* tiny atom: S bit 6, value 5:0 */
                        if (b & 0x40) {
                                t.kind = TCG_ATOM_INT;
                                int v = b & 0x3f; /* 6-bit two's complement */
                                t.value = (uint64_t)(int64_t)(v & 0x20 ? v - 64 : v);
                        } else {
                                t.kind = TCG_ATOM_UINT;
                                t.value = b;
                        }
                        hn = 1;
                        an = 0;
                        goto emit;
                }
                if (b < 0xc0) { /* short atom */
                        is_bytes = b & 0x20;
                        is_signed = b & 0x10;
                        an = b & 0x0f;
                        hn = 1;
                } else if (b < 0xe0) { /* medium atom */
                        if (len - i < 2)
                                return -EBADMSG;
                        is_bytes = b & 0x10;
                        is_signed = b & 0x08;
                        an = (size_t)(b & 0x07) << 8 | data[i + 1];
                        hn = 2;
                } else if (b < 0xe4) { /* long atom */
                        if (len - i < 4)
                                return -EBADMSG;
                        is_bytes = b & 0x02;
                        is_signed = b & 0x01;
                        an = (size_t)data[i + 1] << 16 | (size_t)data[i + 2] << 8 | data[i + 3];
                        hn = 4;
                } else if (is_control(b)) {
                        t.kind = TCG_ATOM_CONTROL;
                        t.control = b;
                        hn = 1;
                        an = 0;
                        goto emit;
                } else {
                        return -EBADMSG; /* reserved token values E4h-EFh, F4h-F7h, FDh, FEh */
                }
                if (len - i - hn < an)
                        return -EBADMSG;
                if (is_bytes) {
                        if (is_signed) /* B 1, S 1: a continued byte sequence, which kesu never needs */
                                return -EBADMSG;
                        t.kind = TCG_ATOM_BYTES;
                        t.bytes = data + i + hn;
                        t.len = an;
                } else {
                        if (an > 8)
                                return -EBADMSG;
                        uint64_t v = 0;
                        for (size_t k = 0; k < an; k++)
                                v = v << 8 | data[i + hn + k];
                        if (is_signed && an > 0 && an < 8 && (data[i + hn] & 0x80))
                                v |= ~UINT64_C(0) << (8 * an); /* sign-extend */
                        t.kind = is_signed ? TCG_ATOM_INT : TCG_ATOM_UINT;
                        t.value = v;
                }
        emit:
                if (n == max)
                        return -E2BIG;
                toks[n++] = t;
                i += hn + an;
        }
        *ret_n = n;
        return 0;
}

/* ---- framing (Core 3.2.3: ComPacket 20 bytes, Packet 24, SubPacket 12; all big-endian) ------------ */

int tcg_frame(uint8_t *out, size_t out_len, uint16_t comid, uint32_t tsn, uint32_t hsn,
              const uint8_t *payload, size_t payload_len)
{
        size_t padded = (payload_len + 3) & ~(size_t)3;
        if (payload_len > UINT32_MAX - TCG_HEADERS_BYTES || TCG_HEADERS_BYTES + padded > out_len)
                return -ENOBUFS;
        memset(out, 0, out_len);
        /* ComPacket: 0-3 reserved, 4-5 ComID, 6-7 ComID extension, 8-11 OutstandingData,
         * 12-15 MinTransfer, 16-19 Length (of the Packets that follow) */
        be16_store(out + 4, comid);
        be32_store(out + 16, (uint32_t)(TCG_PACKET_HEADER_BYTES + TCG_SUBPACKET_HEADER_BYTES + padded));
        /* Packet: 0-3 TSN, 4-7 HSN, 8-11 SeqNumber, 12-13 reserved, 14-15 AckType, 16-19
         * Acknowledgement, 20-23 Length (of the SubPackets, padding included) */
        uint8_t *pk = out + TCG_COMPACKET_HEADER_BYTES;
        be32_store(pk + 0, tsn);
        be32_store(pk + 4, hsn);
        be32_store(pk + 20, (uint32_t)(TCG_SUBPACKET_HEADER_BYTES + padded));
        /* SubPacket: 0-5 reserved, 6-7 Kind (0: data), 8-11 Length (of the data, padding excluded) */
        uint8_t *sp = pk + TCG_PACKET_HEADER_BYTES;
        be32_store(sp + 8, (uint32_t)payload_len);
        if (payload_len)
                memcpy(sp + TCG_SUBPACKET_HEADER_BYTES, payload, payload_len);
        return 0;
}

int tcg_unframe(const uint8_t *buf, size_t len, struct tcg_frame_view *ret)
{
        if (len < TCG_COMPACKET_HEADER_BYTES)
                return -EBADMSG;
        uint32_t cp_len = be32_load(buf + 16);
        if (cp_len == 0)
                return -EAGAIN;
        if (cp_len > len - TCG_COMPACKET_HEADER_BYTES || cp_len < TCG_PACKET_HEADER_BYTES)
                return -EBADMSG;
        const uint8_t *pk = buf + TCG_COMPACKET_HEADER_BYTES;
        uint32_t pk_len = be32_load(pk + 20);
        if (pk_len > cp_len - TCG_PACKET_HEADER_BYTES || pk_len < TCG_SUBPACKET_HEADER_BYTES)
                return -EBADMSG;
        const uint8_t *sp = pk + TCG_PACKET_HEADER_BYTES;
        uint32_t sp_len = be32_load(sp + 8);
        if (sp_len > pk_len - TCG_SUBPACKET_HEADER_BYTES)
                return -EBADMSG;
        *ret = (struct tcg_frame_view){
                .comid = be16_load(buf + 4),
                .outstanding = be32_load(buf + 8),
                .min_transfer = be32_load(buf + 12),
                .tsn = be32_load(pk + 0),
                .hsn = be32_load(pk + 4),
                .payload = sp + TCG_SUBPACKET_HEADER_BYTES,
                .payload_len = sp_len,
        };
        return 0;
}

/* ---- method calls (Core 3.2.4: CALL object method [params] EndOfData [status list]) ------------- */

static void put_call(struct tcg_writer *w, const tcg_uid *object, const tcg_uid *method)
{
        tcg_put_token(w, TCG_TOK_CALL);
        tcg_put_uid(w, object);
        tcg_put_uid(w, method);
        tcg_put_token(w, TCG_TOK_START_LIST);
}

/* The end of the parameter list, EndOfData and the expected status list F0 00 00 00 F1. */
static int put_call_end(struct tcg_writer *w)
{
        tcg_put_token(w, TCG_TOK_END_LIST);
        tcg_put_token(w, TCG_TOK_END_OF_DATA);
        tcg_put_token(w, TCG_TOK_START_LIST);
        tcg_put_uint(w, 0);
        tcg_put_uint(w, 0);
        tcg_put_uint(w, 0);
        tcg_put_token(w, TCG_TOK_END_LIST);
        return w->is_overflow ? -ENOBUFS : 0;
}

static void put_property(struct tcg_writer *w, const char *name, uint64_t v)
{
        tcg_put_token(w, TCG_TOK_START_NAME);
        tcg_put_bytes(w, name, strlen(name));
        tcg_put_uint(w, v);
        tcg_put_token(w, TCG_TOK_END_NAME);
}

int tcg_build_properties(struct tcg_writer *w)
{
        /* HostProperties (optional parameter 0) with the sizes a TCG_IO_BYTES buffer holds: a Packet
         * is the ComPacket less its header, a token the Packet less its and the SubPacket's. */
        put_call(w, &TCG_UID_SMUID, &TCG_UID_M_PROPERTIES);
        tcg_put_name_uint(w, 0);
        tcg_put_token(w, TCG_TOK_START_LIST);
        put_property(w, "MaxComPacketSize", TCG_IO_BYTES);
        put_property(w, "MaxPacketSize", TCG_IO_BYTES - TCG_COMPACKET_HEADER_BYTES);
        put_property(w, "MaxIndTokenSize", TCG_IO_BYTES - TCG_HEADERS_BYTES);
        tcg_put_token(w, TCG_TOK_END_LIST);
        tcg_put_token(w, TCG_TOK_END_NAME);
        return put_call_end(w);
}

int tcg_build_start_session(struct tcg_writer *w, uint32_t hsn, const tcg_uid *sp, bool is_write,
                            const tcg_uid *authority, const void *challenge, size_t challenge_len)
{
        put_call(w, &TCG_UID_SMUID, &TCG_UID_M_START_SESSION);
        tcg_put_uint(w, hsn);
        tcg_put_uid(w, sp);
        tcg_put_uint(w, is_write ? 1 : 0);
        if (authority) {
                if (challenge) {
                        tcg_put_name_uint(w, 0); /* HostChallenge */
                        tcg_put_bytes(w, challenge, challenge_len);
                        tcg_put_token(w, TCG_TOK_END_NAME);
                }
                tcg_put_name_uint(w, 3); /* HostSigningAuthority */
                tcg_put_uid(w, authority);
                tcg_put_token(w, TCG_TOK_END_NAME);
        }
        return put_call_end(w);
}

int tcg_build_get(struct tcg_writer *w, const tcg_uid *object, unsigned first, unsigned last)
{
        if (first > last)
                return -EINVAL;
        put_call(w, object, &TCG_UID_M_GET);
        tcg_put_token(w, TCG_TOK_START_LIST); /* Cellblock */
        tcg_put_name_uint(w, 3);              /* startColumn */
        tcg_put_uint(w, first);
        tcg_put_token(w, TCG_TOK_END_NAME);
        tcg_put_name_uint(w, 4); /* endColumn */
        tcg_put_uint(w, last);
        tcg_put_token(w, TCG_TOK_END_NAME);
        tcg_put_token(w, TCG_TOK_END_LIST);
        return put_call_end(w);
}

int tcg_build_revert(struct tcg_writer *w, const tcg_uid *sp)
{
        put_call(w, sp, &TCG_UID_M_REVERT);
        return put_call_end(w);
}

int tcg_build_revert_sp(struct tcg_writer *w)
{
        put_call(w, &TCG_UID_THIS_SP, &TCG_UID_M_REVERT_SP);
        return put_call_end(w);
}

int tcg_build_end_session(struct tcg_writer *w)
{
        tcg_put_token(w, TCG_TOK_END_OF_SESSION);
        return w->is_overflow ? -ENOBUFS : 0;
}

/* ---- answers ------------------------------------------------------------------------------------ */

static bool is_ctl(const struct tcg_token *t, uint8_t c)
{
        return t->kind == TCG_ATOM_CONTROL && t->control == c;
}

static bool is_uid(const struct tcg_token *t, const tcg_uid *uid)
{
        return t->kind == TCG_ATOM_BYTES && t->len == sizeof uid->b && memcmp(t->bytes, uid->b, t->len) == 0;
}

int tcg_parse_status(const struct tcg_token *toks, size_t n, uint8_t *ret_status)
{
        /* Core 3.2.4.2: EndOfData, then a list of three integers (status, two reserved) */
        for (size_t i = 0; i < n; i++) {
                if (!is_ctl(&toks[i], TCG_TOK_END_OF_DATA))
                        continue;
                if (n - i < 6 || !is_ctl(&toks[i + 1], TCG_TOK_START_LIST) ||
                    !is_ctl(&toks[i + 5], TCG_TOK_END_LIST))
                        return -EBADMSG;
                for (size_t k = 2; k <= 4; k++)
                        if (toks[i + k].kind != TCG_ATOM_UINT)
                                return -EBADMSG;
                if (toks[i + 2].value > 0xff)
                        return -EBADMSG;
                *ret_status = (uint8_t)toks[i + 2].value;
                return 0;
        }
        return -EBADMSG;
}

int tcg_parse_sync_session(const struct tcg_token *toks, size_t n, uint8_t *ret_status, uint32_t *ret_hsn,
                           uint32_t *ret_tsn)
{
        uint8_t status;
        int r = tcg_parse_status(toks, n, &status);
        if (r < 0)
                return r;
        if (status != TCG_ST_SUCCESS) {
                *ret_status = status;
                *ret_hsn = 0;
                *ret_tsn = 0;
                return 0;
        }
        /* Core 5.2.3.2: CALL SMUID SyncSession StartList HostSessionID SPSessionID ... */
        if (n < 6 || !is_ctl(&toks[0], TCG_TOK_CALL) || !is_uid(&toks[1], &TCG_UID_SMUID) ||
            !is_uid(&toks[2], &TCG_UID_M_SYNC_SESSION) || !is_ctl(&toks[3], TCG_TOK_START_LIST) ||
            toks[4].kind != TCG_ATOM_UINT || toks[5].kind != TCG_ATOM_UINT || toks[4].value > UINT32_MAX ||
            toks[5].value > UINT32_MAX)
                return -EBADMSG;
        *ret_status = status;
        *ret_hsn = (uint32_t)toks[4].value;
        *ret_tsn = (uint32_t)toks[5].value;
        return 0;
}

int tcg_parse_get(const struct tcg_token *toks, size_t n, uint64_t *values, bool *has, size_t n_columns)
{
        uint8_t status;
        if (tcg_parse_status(toks, n, &status) < 0)
                return -EBADMSG;
        for (size_t c = 0; c < n_columns; c++)
                has[c] = false;
        /* a failed Get answers an empty result list: F0 F1 F9 ... */
        if (n >= 2 && is_ctl(&toks[0], TCG_TOK_START_LIST) && is_ctl(&toks[1], TCG_TOK_END_LIST))
                return 0;
        if (n < 2 || !is_ctl(&toks[0], TCG_TOK_START_LIST) || !is_ctl(&toks[1], TCG_TOK_START_LIST))
                return -EBADMSG;
        size_t i = 2;
        while (i < n && !is_ctl(&toks[i], TCG_TOK_END_LIST)) {
                if (n - i < 4 || !is_ctl(&toks[i], TCG_TOK_START_NAME) ||
                    !is_ctl(&toks[i + 3], TCG_TOK_END_NAME))
                        return -EBADMSG;
                const struct tcg_token *name = &toks[i + 1], *value = &toks[i + 2];
                if (value->kind == TCG_ATOM_CONTROL)
                        return -EBADMSG; /* no list values in a C_PIN row */
                if (name->kind == TCG_ATOM_UINT && value->kind == TCG_ATOM_UINT && name->value < n_columns) {
                        values[name->value] = value->value;
                        has[name->value] = true;
                }
                i += 4;
        }
        if (n - i < 2 || !is_ctl(&toks[i], TCG_TOK_END_LIST) || !is_ctl(&toks[i + 1], TCG_TOK_END_LIST))
                return -EBADMSG;
        return 0;
}
