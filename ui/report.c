/* SPDX-License-Identifier: MIT */
/*
 * `kesu cert report`: the auditor's check as a table for asset-management systems — one row per
 * certificate, as CSV (RFC 4180, optionally with a UTF-8 BOM for Excel) or JSON Lines. Every row
 * carries the certificate's own verification status and problems, so a tampered or unverifiable
 * certificate can never be read from the table as a good one. The column names are a contract:
 * add columns at the end, never rename or reorder them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "ui.h"

enum column {
        COL_SEQUENCE,
        COL_SERIAL,
        COL_DATE_JST,
        COL_ASSET,
        COL_CLASS,
        COL_DESTINATION,
        COL_METHOD,
        COL_LEVEL,
        COL_RESULT,
        COL_OPERATOR,
        COL_WITNESS,
        COL_KEY_ID,
        COL_STATUS,
        COL_PROBLEMS,
        COL_REQUIRED_LEVEL,
        COL_OPERATOR_NAME,
        COL_WITNESS_NAME,
        COL_DISK_MODEL,
        COL_DISK_SERIAL,
        COL_CAPACITY_BYTES,
        COL_ORGANIZATION,
        COL_HASH,
        COL_FILE,
        N_COLUMNS,
};

/* The columns, in order, with what each holds: the header, --help and the README say the same. */
static const struct {
        const char *name;
        const char *what;
} columns[N_COLUMNS] = {
        [COL_SEQUENCE] = { "sequence", "the certificate's sequence number in its key's chain" },
        [COL_SERIAL] = { "serial", "the certificate serial, KESU-<key id>-<sequence>" },
        [COL_DATE_JST] = { "date_jst", "when the disposal ended, ISO 8601 in JST (+09:00)" },
        [COL_ASSET] = { "asset", "the organisation's asset number" },
        [COL_CLASS] = { "class", "confidentiality class before sanitization (1, 2, 3, 3A, 3B, 3C)" },
        [COL_DESTINATION] = { "destination",
                              "internal-reuse, external-reuse, lease-return, recycling, destruction" },
        [COL_METHOD] = { "method", "the sanitization method (zero, random, dod3, sanitize-crypto, ...)" },
        [COL_LEVEL] = { "level", "the sanitization level achieved: Clear, Purge or none" },
        [COL_RESULT] = { "result",
                         "PASS or FAIL as the signed record states; UNVERIFIED when it did not verify" },
        [COL_OPERATOR] = { "operator", "the operator's (sanitizer's) id" },
        [COL_WITNESS] = { "witness", "the witness's (validator's) id" },
        [COL_KEY_ID] = { "key_id", "the appliance key id the record names (the signer's, when verified)" },
        [COL_STATUS] = { "status", "ok, warning (e.g. no PDF beside it) or problem (see problems)" },
        [COL_PROBLEMS] = { "problems",
                           "this certificate's problems and warnings, \"kind: message\", joined by \"; \"" },
        [COL_REQUIRED_LEVEL] = { "required_level", "the level its class requires: Clear or Purge" },
        [COL_OPERATOR_NAME] = { "operator_name", "the operator's name, when the record has it" },
        [COL_WITNESS_NAME] = { "witness_name", "the witness's name, when the record has it" },
        [COL_DISK_MODEL] = { "disk_model", "the medium's model" },
        [COL_DISK_SERIAL] = { "disk_serial", "the medium's serial number" },
        [COL_CAPACITY_BYTES] = { "capacity_bytes", "the medium's capacity in bytes" },
        [COL_ORGANIZATION] = { "organization", "the organisation named on the certificate" },
        [COL_HASH] = { "hash", "sha256: of the record file's bytes" },
        [COL_FILE] = { "file", "the record file, as found" },
};

enum report_format {
        FORMAT_CSV,
        FORMAT_JSONL,
};

static void report_help(void)
{
        printf("Usage: kesu cert report [--format csv|jsonl] [--bom] [--key PUBFILE]… [--complete]\n"
               "                        [--ledger FILE] [--output FILE] DIR|FILE…\n"
               "\n"
               "Checks certificates as `kesu cert verify` does and writes one row per certificate record\n"
               "(*.json) for an asset-management system, in the order they were checked (file names sorted\n"
               "within each folder). Every row says whether that certificate verified (status, problems):\n"
               "a row is only trustworthy when its status is ok or warning.\n"
               "\n"
               "  --format csv       RFC 4180 CSV (default; --csv too): CRLF line ends, a header row, "
               "fields\n"
               "                     with a comma, quote or line break quoted. A field that starts with\n"
               "                     =, +, -, @, tab or CR gets a leading ' so a spreadsheet never runs it\n"
               "                     as a formula (the ' is not part of the value).\n"
               "  --format jsonl     JSON Lines (--json too): one object per certificate with the same "
               "names;\n"
               "                     sequence and capacity_bytes are numbers (null when unknown), problems\n"
               "                     an array of {kind, severity, message}; no BOM, no formula guard.\n"
               "  --bom              begin the CSV with a UTF-8 byte order mark, so Excel reads it as "
               "UTF-8\n"
               "  --key PUBFILE      the appliance's public key (repeatable); without one no signature can\n"
               "                     be checked and every row says so\n"
               "  --complete, --ledger FILE   as for `kesu cert verify`\n"
               "  --output FILE      write the table to FILE (replaced atomically) instead of stdout\n"
               "\n"
               "Columns (a stable contract: new ones are only ever added at the end):\n");
        for (size_t i = 0; i < N_COLUMNS; i++)
                printf("  %-16s %s\n", columns[i].name, columns[i].what);
        printf("\n"
               "The summary and the problems that belong to no one certificate (a gap in the chain, a\n"
               "signature without its record, a stray file) go to stderr.\n"
               "Exit codes as `kesu cert verify`: 0 no problem, 1 problems (see the status column and\n"
               "stderr), 2 bad usage or input, or the table could not be written.\n");
}

/* The findings about each record that count against it (problems and warnings), as lists of
 * indices into the audit's findings: record i's are order[start[i] .. start[i + 1]). */
struct record_findings {
        size_t *start;
        size_t *order;
};

static int index_findings(const struct cert_audit *a, struct record_findings *ret)
{
        size_t *start = calloc(a->n_records + 1, sizeof *start);
        size_t *order = calloc(a->n_findings ? a->n_findings : 1, sizeof *order);
        if (!start || !order) {
                free(start);
                free(order);
                return -ENOMEM;
        }
        for (size_t i = 0; i < a->n_findings; i++) {
                const struct cert_finding *f = &a->findings[i];
                if (f->record && cert_finding_severity(f->kind) >= CERT_SEVERITY_WARNING)
                        start[f->record]++; /* counted one place up: a prefix sum makes the starts */
        }
        for (size_t i = 1; i <= a->n_records; i++)
                start[i] += start[i - 1];
        _cleanup_free_ size_t *fill = calloc(a->n_records + 1, sizeof *fill);
        if (!fill) {
                free(start);
                free(order);
                return -ENOMEM;
        }
        for (size_t i = 0; i < a->n_findings; i++) {
                const struct cert_finding *f = &a->findings[i];
                if (f->record && cert_finding_severity(f->kind) >= CERT_SEVERITY_WARNING) {
                        size_t r = f->record - 1;
                        order[start[r] + fill[r]++] = i;
                }
        }
        *ret = (struct record_findings){ .start = start, .order = order };
        return 0;
}

static const char *status_of(const struct cert_audit_record *rec)
{
        /* a record that did not verify always has a problem finding; this keeps it so regardless */
        if (!rec->is_valid || rec->severity == CERT_SEVERITY_PROBLEM)
                return "problem";
        return rec->severity == CERT_SEVERITY_WARNING ? "warning" : "ok";
}

static const char *result_of(const struct cert_audit_record *rec)
{
        if (!rec->is_valid)
                return "UNVERIFIED";
        return rec->is_pass ? "PASS" : "FAIL";
}

/* The text columns of one row (the two numbers are written by the callers). */
static void row_values(const struct cert_audit_record *rec, const char *problems, const char *v[N_COLUMNS])
{
        static const struct cert_report_fields none = {
                .date_jst = "",
                .class_label = "",
                .destination = "",
                .method = "",
                .level = "",
                .required_level = "",
                .result = "",
                .operator_id = "",
                .witness_id = "",
                .operator_name = "",
                .witness_name = "",
                .organization = "",
                .disk_model = "",
                .disk_serial = "",
                .key_id = "",
                .capacity_bytes = -1,
        };
        const struct cert_report_fields *f = rec->report ? rec->report : &none;
        v[COL_SEQUENCE] = NULL;
        v[COL_SERIAL] = rec->serial ? rec->serial : "";
        v[COL_DATE_JST] = f->date_jst;
        v[COL_ASSET] = rec->asset ? rec->asset : "";
        v[COL_CLASS] = f->class_label;
        v[COL_DESTINATION] = f->destination;
        v[COL_METHOD] = f->method;
        v[COL_LEVEL] = f->level;
        v[COL_RESULT] = result_of(rec);
        v[COL_OPERATOR] = f->operator_id;
        v[COL_WITNESS] = f->witness_id;
        v[COL_KEY_ID] = f->key_id;
        v[COL_STATUS] = status_of(rec);
        v[COL_PROBLEMS] = problems;
        v[COL_REQUIRED_LEVEL] = f->required_level;
        v[COL_OPERATOR_NAME] = f->operator_name;
        v[COL_WITNESS_NAME] = f->witness_name;
        v[COL_DISK_MODEL] = f->disk_model;
        v[COL_DISK_SERIAL] = f->disk_serial;
        v[COL_CAPACITY_BYTES] = NULL;
        v[COL_ORGANIZATION] = f->organization;
        v[COL_HASH] = rec->hash;
        v[COL_FILE] = rec->path;
}

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled;
 * a leading ' when a spreadsheet would take it for a formula. Bytes that are not UTF-8 (a file
 * name) become U+FFFD, so the file stays UTF-8. */
static void csv_field(FILE *out, const char *s)
{
        json_t *clean = NULL;
        if (text_check(s, SIZE_MAX, NULL) == -EILSEQ && (clean = ui_json_string_or_null(s)))
                s = json_string_value(clean);
        bool is_formula = s[0] && strchr("=+-@\t\r", s[0]);
        bool is_quoted = strpbrk(s, ",\"\r\n") != NULL;
        if (is_quoted)
                fputc('"', out);
        if (is_formula)
                fputc('\'', out);
        for (const char *p = s; *p; p++) {
                if (*p == '"')
                        fputc('"', out);
                fputc(*p, out);
        }
        if (is_quoted)
                fputc('"', out);
        json_decref(clean);
}

static void csv_row(FILE *out, const char *const v[N_COLUMNS])
{
        for (size_t i = 0; i < N_COLUMNS; i++) {
                if (i)
                        fputc(',', out);
                csv_field(out, v[i] ? v[i] : "");
        }
        fputs("\r\n", out);
}

/* "kind: message; kind: message" */
static char *problems_text(const struct cert_audit *a, const struct record_findings *rf, size_t record)
{
        size_t size = 1;
        for (size_t k = rf->start[record]; k < rf->start[record + 1]; k++) {
                const struct cert_finding *f = &a->findings[rf->order[k]];
                size += strlen(cert_finding_kind_to_string(f->kind)) + strlen(f->message) + 4;
        }
        char *s = malloc(size), *p = s;
        if (!s)
                return NULL;
        *p = 0;
        for (size_t k = rf->start[record]; k < rf->start[record + 1]; k++) {
                const struct cert_finding *f = &a->findings[rf->order[k]];
                p += sprintf(p, "%s%s: %s", p == s ? "" : "; ", cert_finding_kind_to_string(f->kind),
                             f->message);
        }
        return s;
}

static int write_csv(FILE *out, const struct cert_audit *a, const struct record_findings *rf, bool is_bom)
{
        if (is_bom)
                fputs("\xef\xbb\xbf", out);
        const char *header[N_COLUMNS];
        for (size_t i = 0; i < N_COLUMNS; i++)
                header[i] = columns[i].name;
        csv_row(out, header);
        for (size_t i = 0; i < a->n_records; i++) {
                const struct cert_audit_record *rec = &a->records[i];
                _cleanup_free_ char *problems = problems_text(a, rf, i);
                if (!problems)
                        return -ENOMEM;
                const char *v[N_COLUMNS];
                char seq[24] = "", cap[24] = "";
                row_values(rec, problems, v);
                if (rec->sequence > 0)
                        snprintf(seq, sizeof seq, "%" PRIu64, rec->sequence);
                if (rec->report && rec->report->capacity_bytes >= 0)
                        snprintf(cap, sizeof cap, "%" PRId64, rec->report->capacity_bytes);
                v[COL_SEQUENCE] = seq;
                v[COL_CAPACITY_BYTES] = cap;
                csv_row(out, v);
        }
        return 0;
}

static int write_jsonl(FILE *out, const struct cert_audit *a, const struct record_findings *rf)
{
        for (size_t i = 0; i < a->n_records; i++) {
                const struct cert_audit_record *rec = &a->records[i];
                const char *v[N_COLUMNS];
                row_values(rec, "", v);
                json_t *o = json_object(), *problems = json_array();
                if (!o || !problems) {
                        json_decref(o);
                        json_decref(problems);
                        return -ENOMEM;
                }
                for (size_t k = rf->start[i]; k < rf->start[i + 1]; k++) {
                        const struct cert_finding *f = &a->findings[rf->order[k]];
                        json_array_append_new(problems,
                                              json_pack("{s:s, s:s, s:o}", "kind",
                                                        cert_finding_kind_to_string(f->kind), "severity",
                                                        ui_finding_severity_label(f->kind), "message",
                                                        ui_json_string_or_null(f->message)));
                }
                for (size_t c = 0; c < N_COLUMNS; c++) {
                        json_t *j;
                        if (c == COL_SEQUENCE)
                                j = rec->sequence > 0 ? json_integer((json_int_t)rec->sequence)
                                                      : json_null();
                        else if (c == COL_CAPACITY_BYTES)
                                j = rec->report && rec->report->capacity_bytes >= 0
                                            ? json_integer((json_int_t)rec->report->capacity_bytes)
                                            : json_null();
                        else if (c == COL_PROBLEMS)
                                j = json_incref(problems);
                        else
                                j = ui_json_string_or_null(v[c]);
                        json_object_set_new(o, columns[c].name, j);
                }
                json_decref(problems);
                char *line = json_dumps(o, JSON_COMPACT);
                json_decref(o);
                if (!line)
                        return -ENOMEM;
                fputs(line, out);
                fputc('\n', out);
                free(line);
        }
        return 0;
}

/* The table into FILE: a temporary file beside it, flushed to disk, renamed over it, so a reader
 * never sees half a table. */
static int open_output(const char *path, char **ret_tmp, FILE **ret)
{
        char *tmp = NULL;
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                int r = -errno;
                free(tmp);
                return r;
        }
        (void)fchmod(fd, 0644);
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                free(tmp);
                return r;
        }
        *ret_tmp = tmp;
        *ret = f;
        return 0;
}

static int close_output(FILE *f, char *tmp, const char *path, bool is_ok)
{
        int r = is_ok && fflush(f) == 0 && !ferror(f) ? 0 : -errno;
        if (r == 0 && is_ok && fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (is_ok && r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (!is_ok || r < 0)
                unlink(tmp);
        free(tmp);
        return is_ok ? r : 0;
}

/* On stderr: what belongs to no row, and the summary. */
static size_t print_summary(const struct cert_audit *a)
{
        size_t n_problem_rows = 0;
        for (size_t i = 0; i < a->n_findings; i++) {
                const struct cert_finding *f = &a->findings[i];
                if (f->record == 0 && cert_finding_severity(f->kind) >= CERT_SEVERITY_WARNING)
                        fprintf(stderr, "%-8s %s: %s\n", ui_finding_severity_label(f->kind), f->subject,
                                f->message);
        }
        for (size_t i = 0; i < a->n_records; i++)
                n_problem_rows += strcmp(status_of(&a->records[i]), "problem") == 0;
        if (a->n_certificates == 0)
                fprintf(stderr, "PROBLEM  no certificate found in the given files and folders\n");
        fprintf(stderr,
                "%zu certificate%s, %zu valid, %zu problem%s, %zu warning%s: %zu PASS, %zu FAIL; %zu row%s "
                "with status problem\n",
                a->n_certificates, a->n_certificates == 1 ? "" : "s", a->n_valid, a->n_problems,
                a->n_problems == 1 ? "" : "s", a->n_warnings, a->n_warnings == 1 ? "" : "s", a->n_pass,
                a->n_fail, n_problem_rows, n_problem_rows == 1 ? "" : "s");
        ui_print_chains(stderr, a);
        return a->n_problems + (a->n_certificates == 0);
}

int ui_cmd_cert_report(int argc, char **argv)
{
        static const struct option options[] = {
                { "format", required_argument, NULL, 'f' },
                { "csv", no_argument, NULL, 'C' },
                { "json", no_argument, NULL, 'J' },
                { "jsonl", no_argument, NULL, 'J' },
                { "bom", no_argument, NULL, 'b' },
                { "key", required_argument, NULL, 'k' },
                { "output", required_argument, NULL, 'o' },
                { "complete", no_argument, NULL, 'c' },
                { "ledger", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct cert_public_key keys[16];
        size_t n_keys = 0;
        enum report_format format = FORMAT_CSV;
        struct cert_audit_options opts = { .is_report = true };
        const char *output = NULL;
        bool is_bom = false;
        int c, r;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'f':
                        if (strcmp(optarg, "csv") == 0)
                                format = FORMAT_CSV;
                        else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                                format = FORMAT_JSONL;
                        else {
                                ui_error("cert report: unknown format '%s' (csv, jsonl)", optarg);
                                return KESU_EXIT_USAGE;
                        }
                        break;
                case 'C':
                        format = FORMAT_CSV;
                        break;
                case 'J':
                        format = FORMAT_JSONL;
                        break;
                case 'b':
                        is_bom = true;
                        break;
                case 'k':
                        if (ui_load_public_key("cert report", optarg, keys, ELEMENTSOF(keys), &n_keys) < 0)
                                return KESU_EXIT_USAGE;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'c':
                        opts.is_complete = true;
                        break;
                case 'l':
                        opts.ledger_path = optarg;
                        break;
                case 'h':
                        report_help();
                        return KESU_EXIT_OK;
                default:
                        ui_option_error("cert report", options, argv);
                        return KESU_EXIT_USAGE;
                }
        }
        if (is_bom && format != FORMAT_CSV) {
                ui_error("cert report: --bom is for CSV (Excel); JSON Lines never has one");
                return KESU_EXIT_USAGE;
        }
        if (optind >= argc) {
                ui_error("cert report: give certificate folders or files (see 'kesu cert report --help')");
                return KESU_EXIT_USAGE;
        }
        if (n_keys == 0)
                ui_error("cert report: no --key given: no signature can be checked, so every row says "
                         "unknown-key");

        struct cert_audit audit = { 0 };
        if ((r = cert_audit_check(argv + optind, (size_t)(argc - optind), keys, n_keys, &opts, &audit)) <
            0) {
                if (opts.ledger_path && r != -ENOMEM)
                        ui_error("cert report: the ledger %s cannot be used: %s", opts.ledger_path,
                                 ui_audit_error(r));
                else
                        ui_error("cert report: %s", strerror(-r));
                return KESU_EXIT_USAGE;
        }
        struct record_findings rf = { 0 };
        _cleanup_free_ char *tmp = NULL;
        FILE *out = stdout;
        int exit_code = KESU_EXIT_USAGE;
        if ((r = index_findings(&audit, &rf)) < 0) {
                ui_error("cert report: %s", strerror(-r));
                goto out;
        }
        if (output && (r = open_output(output, &tmp, &out)) < 0) {
                ui_error("cert report: cannot write %s: %s", output, strerror(-r));
                out = stdout;
                goto out;
        }
        r = format == FORMAT_CSV ? write_csv(out, &audit, &rf, is_bom) : write_jsonl(out, &audit, &rf);
        if (output) {
                int k = close_output(out, tmp, output, r >= 0);
                tmp = NULL;
                if (r >= 0)
                        r = k;
        } else if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout)))
                r = errno ? -errno : -EIO;
        if (r < 0) {
                ui_error("cert report: cannot write the table%s%s: %s", output ? " to " : "",
                         output ? output : "", strerror(-r));
                goto out;
        }
        exit_code = print_summary(&audit) == 0 ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;
out:
        free(rf.start);
        free(rf.order);
        cert_audit_done(&audit);
        return exit_code;
}
