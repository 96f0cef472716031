/* SPDX-License-Identifier: MIT */
/*
 * Printing the certificate's PDF through CUPS. The server is whatever libcups finds (CUPS_SERVER,
 * client.conf, the local socket); the PDF goes as it is and the server's filters do the rest.
 * Errors: -ECONNREFUSED no print server, -ENOENT no such printer (or no default), -EACCES refused,
 * -EIO any other failure to queue the job.
 */
#include <cups/cups.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"

/* Never ask for a password: libcups would prompt on the terminal, under the operator's UI. */
static const char *no_password(const char *prompt, http_t *http, const char *method, const char *resource,
                               void *userdata)
{
        (void)prompt;
        (void)http;
        (void)method;
        (void)resource;
        (void)userdata;
        return NULL;
}

static int errno_from_ipp(ipp_status_t status)
{
        switch (status) {
        case IPP_STATUS_ERROR_NOT_FOUND:
                return -ENOENT;
        case IPP_STATUS_ERROR_FORBIDDEN:
        case IPP_STATUS_ERROR_NOT_AUTHORIZED:
        case IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED:
                return -EACCES;
        default:
                return -EIO;
        }
}

int cert_print(const char *pdf_path, const char *printer, const char *title, int *ret_job_id)
{
        if (!pdf_path)
                return -EINVAL;
        if (access(pdf_path, R_OK) < 0)
                return -errno;

        cupsSetPasswordCB2(no_password, NULL);

        /* one connection for all of it, so "no server" is told apart from "no such printer" */
        http_t *http =
                httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1, 30000, NULL);
        if (!http)
                return -ECONNREFUSED;

        int r = 0;
        if (!printer) {
                printer = cupsGetDefault2(http);
                if (!printer) {
                        r = -ENOENT;
                        goto finish;
                }
        }
        cups_dest_t *dest = cupsGetNamedDest(http, printer, NULL);
        if (!dest) {
                r = -ENOENT;
                goto finish;
        }
        cupsFreeDests(1, dest);

        if (!title) {
                const char *slash = strrchr(pdf_path, '/');
                title = slash ? slash + 1 : pdf_path;
        }
        cups_option_t *options = NULL;
        int n_options = cupsAddOption("document-format", "application/pdf", 0, &options);
        int job_id = cupsPrintFile2(http, printer, pdf_path, title, n_options, options);
        cupsFreeOptions(n_options, options);
        if (job_id <= 0) {
                r = errno_from_ipp(cupsLastError());
                goto finish;
        }
        if (ret_job_id)
                *ret_job_id = job_id;
finish:
        httpClose(http);
        return r;
}
