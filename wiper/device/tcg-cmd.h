/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * TCG Storage (self-encrypting drives: Opal 1/2, Opalite, Pyrite 1/2, Ruby, Enterprise): the bytes
 * kesu says to a drive's TPer and the parsers of its answers. Pure: nothing here touches a device or
 * prints; a transport carries the bytes (wiper/purge/tcg-purge.c), and tests check every byte.
 *
 *   - the carriers: SCSI SECURITY PROTOCOL IN/OUT (A2h/B5h), ATA TRUSTED RECEIVE/SEND (5Ch/5Eh,
 *     PIO) inside SAT ATA PASS-THROUGH(16), NVMe Security Receive/Send (82h/81h);
 *   - Level 0 Discovery (protocol 01h, ComID 0001h): header and feature descriptors;
 *   - the token stream (atoms and control tokens), method calls and their status lists;
 *   - ComPacket / Packet / SubPacket framing;
 *   - the method calls kesu makes: Properties, StartSession (SyncSession answer), Get of a C_PIN
 *     row's columns, Revert (Admin SP), RevertSP, EndOfSession.
 *
 * References: TCG Storage Architecture Core Specification 2.01 ("Core"), TCG Storage Security
 * Subsystem Class: Opal 2.01 / 2.02 ("Opal"), Pyrite 2.01, Opalite 1.00, Ruby 1.00, Enterprise 1.01,
 * TCG Storage Feature Set: PSID 1.00, Block SID Authentication 1.01, Supported Data Removal
 * Mechanism 1.00, TCG Storage Interface Interactions Specification 1.08 ("SIIS"), SPC-5, ACS-4,
 * NVM Express Base 2.0.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wiper-internal.h"

/* ---- the carriers (SIIS; SPC-5 SECURITY PROTOCOL IN/OUT; ACS-4 TRUSTED RECEIVE/SEND; NVMe) -- */

#define TCG_PROTOCOL_INFO  0x00 /* security protocol information */
#define TCG_PROTOCOL_TCG   0x01 /* TCG: ComPackets, Level 0 Discovery */
#define TCG_PROTOCOL_COMID 0x02 /* TCG: ComID management (GET_COMID, stack reset) */
#define TCG_LEVEL0_COMID   0x0001 /* Level 0 Discovery: protocol 01h, ComID 0001h */

#define SCSI_SECURITY_PROTOCOL_IN  0xA2
#define SCSI_SECURITY_PROTOCOL_OUT 0xB5
#define ATA_CMD_TRUSTED_RECEIVE    0x5C /* PIO data-in */
#define ATA_CMD_TRUSTED_SEND       0x5E /* PIO data-out */
#define NVME_ADMIN_SECURITY_SEND   0x81
#define NVME_ADMIN_SECURITY_RECV   0x82

/* Every transfer kesu makes is this many bytes (a multiple of 512, as ATA needs; the TPer's
 * MaxComPacketSize is at least 2048 per Core). */
#define TCG_IO_BYTES 2048
#define TCG_TIMEOUT_MS (30u * 1000u)
#define TCG_REVERT_TIMEOUT_MS (10u * 60u * 1000u) /* a revert erases keys of every range: allow time */

/* SECURITY PROTOCOL IN (is_send false) / OUT (true), 12-byte CDB: protocol, SP specific = ComID (big
 * endian), INC_512 = 0, allocation/transfer length len (big endian, bytes). */
void tcg_build_scsi_cdb(uint8_t cdb[12], bool is_send, uint8_t protocol, uint16_t comid, uint32_t len);

/* TRUSTED RECEIVE (is_send false) / SEND (true) PIO in ATA PASS-THROUGH(16): FEATURE = protocol,
 * COUNT = transfer length in 512-byte units bits 7:0, LBA 7:0 = its bits 15:8, LBA 23:8 = ComID
 * (SP specific). len must be a non-zero multiple of 512 (else -EINVAL). The PASS-THROUGH fields
 * as ata-cmd.c fills them for other PIO commands (T_LENGTH in the sector count, BYT_BLOK, T_DIR). */
int tcg_build_ata_cdb(uint8_t cdb[16], bool is_send, uint8_t protocol, uint16_t comid, uint32_t len);

/* NVMe Security Receive (is_send false) / Send (true): CDW10 = SECP << 24 | SPSP1 << 16 | SPSP0 << 8
 * (SPSP = ComID: SPSP1 its high byte, SPSP0 its low byte), CDW11 = len (allocation / transfer
 * length), NSID 0, data buf (len bytes), timeout_ms. */
void tcg_build_nvme_cmd(struct nvme_admin_cmd *cmd, bool is_send, uint8_t protocol, uint16_t comid, void *buf,
                        uint32_t len, unsigned timeout_ms);

/* ---- Level 0 Discovery (Core 3.3.6; the SSCs' feature descriptors) ---------------------------- */

/* Feature codes. */
enum {
        TCG_FEATURE_TPER = 0x0001,
        TCG_FEATURE_LOCKING = 0x0002,
        TCG_FEATURE_GEOMETRY = 0x0003,
        TCG_FEATURE_ENTERPRISE = 0x0100,
        TCG_FEATURE_OPAL1 = 0x0200,
        TCG_FEATURE_SINGLE_USER = 0x0201,
        TCG_FEATURE_DATASTORE = 0x0202,
        TCG_FEATURE_OPAL2 = 0x0203,
        TCG_FEATURE_OPALITE = 0x0301,
        TCG_FEATURE_PYRITE1 = 0x0302,
        TCG_FEATURE_PYRITE2 = 0x0303,
        TCG_FEATURE_RUBY = 0x0304,
        TCG_FEATURE_KEY_PER_IO = 0x0305,
        TCG_FEATURE_BLOCK_SID = 0x0402,
        TCG_FEATURE_NAMESPACE_LOCKING = 0x0403,
        TCG_FEATURE_DATA_REMOVAL = 0x0404,
};

/* The security subsystem class a drive reports (the first found in this order of preference). */
enum tcg_ssc {
        TCG_SSC_NONE = 0,
        TCG_SSC_OPAL2,
        TCG_SSC_OPAL1,
        TCG_SSC_RUBY,
        TCG_SSC_PYRITE2,
        TCG_SSC_PYRITE1,
        TCG_SSC_OPALITE,
        TCG_SSC_ENTERPRISE,
        TCG_SSC_KEY_PER_IO,
};

/* "Opal 2", "Opal 1", "Ruby", "Pyrite 2", "Pyrite 1", "Opalite", "Enterprise", "Key Per I/O", "none". */
const char *tcg_ssc_to_string(enum tcg_ssc ssc);
/* Whether the SSC's Admin SP has Revert (and the PSID authority may exist): Opal 1/2, Ruby, Pyrite
 * 1/2, Opalite — not Enterprise or Key Per I/O. */
bool tcg_ssc_has_revert(enum tcg_ssc ssc);
/* Whether the SSC encrypts user data (a revert is then a cryptographic erase): all but Pyrite. */
bool tcg_ssc_is_encrypting(enum tcg_ssc ssc);

struct tcg_discovery {
        uint16_t major, minor; /* the header's data structure revision */
        uint32_t sscs;         /* 1u << enum tcg_ssc of every SSC descriptor present */
        enum tcg_ssc ssc;      /* the preferred one (above), TCG_SSC_NONE without any */
        uint16_t base_comid, n_comids; /* of that SSC's descriptor */

        bool has_tper;
        uint8_t tper_flags; /* byte 4 of the TPer descriptor: sync 0, async 1, ack/nak 2, buffer
                             * management 3, streaming 4, ComID management 6 */

        bool has_locking;
        bool is_locking_supported, is_locking_enabled, is_locked, is_media_encryption, is_mbr_enabled,
                is_mbr_done; /* Locking descriptor byte 4 bits 0..5 */

        /* Opal 2 / Ruby / Pyrite 2 descriptors' extra fields (0 when absent) */
        uint16_t n_locking_admins, n_locking_users;
        uint8_t initial_pin;      /* 00h C_PIN_SID's initial value is C_PIN_MSID's; FFh vendor unique */
        uint8_t revert_pin;       /* the same, after a TPer revert */

        bool has_block_sid;
        bool is_sid_blocked;      /* Block SID descriptor byte 4 bit 1 (SID authentication blocked) */
        bool is_sid_value_msid;   /* byte 4 bit 0 clear: C_PIN_SID equals C_PIN_MSID */

        bool has_data_removal;
        uint8_t data_removal_mechanisms; /* Supported Data Removal Mechanism byte: overwrite 0, block
                                          * erase 1, crypto erase 2, vendor 5 */
        bool is_data_removal_processing; /* an operation is being processed */
};

/*
 * Parses a Level 0 Discovery answer (len bytes of buf, the header's length field telling how many
 * are valid): every descriptor, each by its own length, unknown ones skipped. -ENODATA when the
 * parameter length is 0 or the header is all zeros (a drive without TCG), -EBADMSG when the header
 * or a descriptor runs past the data; *ret zeroed first. A drive that reports none of the SSCs
 * parses with ssc TCG_SSC_NONE.
 */
int tcg_parse_level0(const uint8_t *buf, size_t len, struct tcg_discovery *ret);

/* ---- UIDs (Core 5; Opal 3) ---------------------------------------------------------------------- */

typedef struct {
        uint8_t b[8];
} tcg_uid;

extern const tcg_uid TCG_UID_THIS_SP;      /* 00 00 00 00 00 00 00 01 */
extern const tcg_uid TCG_UID_SMUID;        /* 00 00 00 00 00 00 00 FF (session manager) */
extern const tcg_uid TCG_UID_ADMIN_SP;     /* 00 00 02 05 00 00 00 01 */
extern const tcg_uid TCG_UID_LOCKING_SP;   /* 00 00 02 05 00 00 00 02 */
extern const tcg_uid TCG_UID_ANYBODY;      /* 00 00 00 09 00 00 00 01 */
extern const tcg_uid TCG_UID_SID;          /* 00 00 00 09 00 00 00 06 */
extern const tcg_uid TCG_UID_PSID;         /* 00 00 00 09 00 01 FF 01 */
extern const tcg_uid TCG_UID_C_PIN_SID;    /* 00 00 00 0B 00 00 00 01 */
extern const tcg_uid TCG_UID_C_PIN_MSID;   /* 00 00 00 0B 00 00 84 02 */
extern const tcg_uid TCG_UID_C_PIN_PSID;   /* 00 00 00 0B 00 01 FF 01 */
/* methods */
extern const tcg_uid TCG_UID_M_PROPERTIES;   /* 00 00 00 00 00 00 FF 01 */
extern const tcg_uid TCG_UID_M_START_SESSION; /* 00 00 00 00 00 00 FF 02 */
extern const tcg_uid TCG_UID_M_SYNC_SESSION;  /* 00 00 00 00 00 00 FF 03 */
extern const tcg_uid TCG_UID_M_GET;          /* 00 00 00 06 00 00 00 16 */
extern const tcg_uid TCG_UID_M_SET;          /* 00 00 00 06 00 00 00 17 */
extern const tcg_uid TCG_UID_M_REVERT;       /* 00 00 00 06 00 00 02 02 */
extern const tcg_uid TCG_UID_M_REVERT_SP;    /* 00 00 00 06 00 00 00 11 */

/* C_PIN table columns (Core 5.3.2.12). */
enum { TCG_C_PIN_PIN = 3, TCG_C_PIN_TRY_LIMIT = 5, TCG_C_PIN_TRIES = 6, TCG_C_PIN_PERSISTENCE = 7 };

/* ---- method status codes (Core 5.1.5) ----------------------------------------------------------- */

enum {
        TCG_ST_SUCCESS = 0x00,
        TCG_ST_NOT_AUTHORIZED = 0x01,
        TCG_ST_SP_BUSY = 0x03,
        TCG_ST_SP_FAILED = 0x04,
        TCG_ST_SP_DISABLED = 0x05,
        TCG_ST_SP_FROZEN = 0x06,
        TCG_ST_NO_SESSIONS_AVAILABLE = 0x07,
        TCG_ST_UNIQUENESS_CONFLICT = 0x08,
        TCG_ST_INSUFFICIENT_SPACE = 0x09,
        TCG_ST_INSUFFICIENT_ROWS = 0x0A,
        TCG_ST_INVALID_PARAMETER = 0x0C,
        TCG_ST_TPER_MALFUNCTION = 0x0F,
        TCG_ST_TRANSACTION_FAILURE = 0x10,
        TCG_ST_RESPONSE_OVERFLOW = 0x11,
        TCG_ST_AUTHORITY_LOCKED_OUT = 0x12,
        TCG_ST_FAIL = 0x3F,
};

/* "SUCCESS", "NOT_AUTHORIZED", … as Core names them; "unknown status" for others. */
const char *tcg_status_to_string(uint8_t status);

/* ---- the token stream (Core 3.2.2) --------------------------------------------------------------- */

enum {
        TCG_TOK_START_LIST = 0xF0,
        TCG_TOK_END_LIST = 0xF1,
        TCG_TOK_START_NAME = 0xF2,
        TCG_TOK_END_NAME = 0xF3,
        TCG_TOK_CALL = 0xF8,
        TCG_TOK_END_OF_DATA = 0xF9,
        TCG_TOK_END_OF_SESSION = 0xFA,
        TCG_TOK_START_TRANSACTION = 0xFB,
        TCG_TOK_END_TRANSACTION = 0xFC,
        TCG_TOK_EMPTY = 0xFF,
};

/* A growing payload in a caller's fixed buffer: writes past cap set is_overflow and are dropped. */
struct tcg_writer {
        uint8_t *p;
        size_t len, cap;
        bool is_overflow;
};

void tcg_put_token(struct tcg_writer *w, uint8_t token);
/* The shortest encoding: tiny atom (0..63), short atom (up to 8 bytes, big endian, no leading 0s). */
void tcg_put_uint(struct tcg_writer *w, uint64_t v);
/* A byte sequence: short atom (≤ 15 bytes), medium (≤ 2047), long atom otherwise. */
void tcg_put_bytes(struct tcg_writer *w, const void *data, size_t len);
void tcg_put_uid(struct tcg_writer *w, const tcg_uid *uid); /* 8-byte short atom A8h */
/* StartName, uint name, …: the caller puts the value, then tcg_put_token(END_NAME). */
void tcg_put_name_uint(struct tcg_writer *w, uint64_t name);

/* One decoded token. */
enum tcg_atom_kind { TCG_ATOM_CONTROL, TCG_ATOM_UINT, TCG_ATOM_INT, TCG_ATOM_BYTES };
struct tcg_token {
        enum tcg_atom_kind kind;
        uint8_t control;      /* TCG_ATOM_CONTROL: the token byte */
        uint64_t value;       /* TCG_ATOM_UINT (and a non-negative INT): the integer; a negative
                               * INT: its two's complement, (uint64_t)(int64_t)v */
        const uint8_t *bytes; /* TCG_ATOM_BYTES: points into the parsed buffer */
        size_t len;
};

/* Splits data (a SubPacket's payload, its own length: no padding) into tokens, at most max (-E2BIG
 * when more), skipping empty tokens (FFh). Integers longer than 8 bytes, continued atoms and an atom
 * running past len are -EBADMSG. */
int tcg_tokenize(const uint8_t *data, size_t len, struct tcg_token *toks, size_t max, size_t *ret_n);

/* ---- framing (Core 3.2.3) ------------------------------------------------------------------------- */

#define TCG_COMPACKET_HEADER_BYTES 20
#define TCG_PACKET_HEADER_BYTES    24
#define TCG_SUBPACKET_HEADER_BYTES 12
#define TCG_HEADERS_BYTES (TCG_COMPACKET_HEADER_BYTES + TCG_PACKET_HEADER_BYTES + TCG_SUBPACKET_HEADER_BYTES)

/* Frames payload as one ComPacket (ComID comid, extension 0) holding one Packet (tsn, hsn, sequence
 * 0, no ack) holding one data SubPacket (kind 0); the SubPacket's length is the payload's, the
 * Packet's and ComPacket's lengths include the payload padded to 4 bytes. out is zero-filled to
 * out_len (the transfer length, e.g. TCG_IO_BYTES). -ENOBUFS when it does not fit. */
int tcg_frame(uint8_t *out, size_t out_len, uint16_t comid, uint32_t tsn, uint32_t hsn, const uint8_t *payload,
              size_t payload_len);

struct tcg_frame_view {
        uint16_t comid;
        uint32_t outstanding;  /* ComPacket OutstandingData: >0 with length 0 means "ask again" */
        uint32_t min_transfer;
        uint32_t tsn, hsn;
        const uint8_t *payload; /* the first SubPacket's data, inside the parsed buffer */
        size_t payload_len;
};

/* Parses an IF-RECV answer. -EAGAIN when the ComPacket is empty (length 0: nothing ready yet, with
 * or without outstanding data), -EBADMSG when a length runs past len or the Packet/SubPacket is
 * missing. */
int tcg_unframe(const uint8_t *buf, size_t len, struct tcg_frame_view *ret);

/* ---- method calls (payloads: tokens only, to frame with tcg_frame) ------------------------------- */

/* Session manager Properties call with HostProperties MaxComPacketSize, MaxPacketSize,
 * MaxIndTokenSize from TCG_IO_BYTES (Core 5.2.2.1). */
int tcg_build_properties(struct tcg_writer *w);

/* StartSession on the session manager (Core 5.2.3.1): HostSessionID hsn, SPID sp, Write is_write,
 * and when authority is not NULL: [0] HostChallenge = challenge (challenge_len bytes) and
 * [3] HostSigningAuthority = authority. */
int tcg_build_start_session(struct tcg_writer *w, uint32_t hsn, const tcg_uid *sp, bool is_write,
                            const tcg_uid *authority, const void *challenge, size_t challenge_len);

/* Get (Opal's form: a CellBlock with startColumn 3 and endColumn 4 names) of columns first..last
 * of the row object (Core 5.3.3.6). */
int tcg_build_get(struct tcg_writer *w, const tcg_uid *object, unsigned first, unsigned last);

/* Revert on the Admin SP object (invoked on TCG_UID_ADMIN_SP from a session to the Admin SP) and
 * RevertSP (invoked on TCG_UID_THIS_SP), with no parameters (Opal 5.1.2.2, 5.1.3.2). */
int tcg_build_revert(struct tcg_writer *w, const tcg_uid *sp);
int tcg_build_revert_sp(struct tcg_writer *w);

/* The EndOfSession token alone (Core 3.2.4.2). */
int tcg_build_end_session(struct tcg_writer *w);

/* The status of a method's answer: the status list after EndOfData (F9 F0 status 0 0 F1) — its
 * first element. -EBADMSG when the answer has no such list. */
int tcg_parse_status(const struct tcg_token *toks, size_t n, uint8_t *ret_status);

/* The session manager's SyncSession answer to StartSession: its status, and on success the
 * HostSessionID and SPSessionID (TSN). A session manager answering with CALL SMUID
 * CloseSession… or a status other than SUCCESS gives that status (and 0 ids). -EBADMSG when it is
 * not a SyncSession answer. */
int tcg_parse_sync_session(const struct tcg_token *toks, size_t n, uint8_t *ret_status, uint32_t *ret_hsn,
                           uint32_t *ret_tsn);

/* The values of a Get's answer: F0 F0 (F2 column value F3)… F1 F1 then the status list. Fills
 * values[column] and sets has[column] for each uint column in [0, n_columns); byte columns are
 * skipped. -EBADMSG when malformed. */
int tcg_parse_get(const struct tcg_token *toks, size_t n, uint64_t *values, bool *has, size_t n_columns);
