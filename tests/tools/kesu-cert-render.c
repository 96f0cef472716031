/* SPDX-License-Identifier: MIT */
/*
 * kesu-cert-render RECORD.json QR_TEXT OUT.pdf [--print PRINTER] [--fingerprint TEXT]
 *
 * Test-only: renders a certificate record to a PDF with cert_pdf_write() and, with --print, sends
 * it to PRINTER through cert_print() and prints the job id. Lets test-print.sh exercise the PDF
 * and printing without a key, a ledger or a disk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "certificates.h"

int main(int argc, char **argv)
{
        const char *printer = NULL, *fingerprint = "0000 1111 2222 3333 4444 5555 6666 7777";
        int r;

        if (argc < 4) {
                fprintf(stderr,
                        "usage: %s RECORD.json QR_TEXT OUT.pdf [--print PRINTER] [--fingerprint TEXT]\n",
                        argv[0]);
                return 2;
        }
        for (int i = 4; i < argc; i++) {
                if (strcmp(argv[i], "--print") == 0 && i + 1 < argc)
                        printer = argv[++i];
                else if (strcmp(argv[i], "--fingerprint") == 0 && i + 1 < argc)
                        fingerprint = argv[++i];
                else {
                        fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
                        return 2;
                }
        }

        json_error_t error;
        json_t *record = json_load_file(argv[1], 0, &error);
        if (!record) {
                fprintf(stderr, "%s: %s:%d: %s\n", argv[0], argv[1], error.line, error.text);
                return 1;
        }
        r = cert_pdf_write(record, argv[2], fingerprint, argv[3]);
        json_decref(record);
        if (r < 0) {
                fprintf(stderr, "%s: cannot write %s: %s\n", argv[0], argv[3], strerror(-r));
                return 1;
        }

        if (printer) {
                int job_id = 0;
                r = cert_print(argv[3], printer, "kesu certificate", &job_id);
                if (r < 0) {
                        fprintf(stderr, "%s: cannot print %s on %s: %s\n", argv[0], argv[3], printer,
                                strerror(-r));
                        return 1;
                }
                printf("%d\n", job_id);
        }
        return 0;
}
