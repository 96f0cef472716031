#!/usr/bin/env bash
# The certificate's PDF and printing, with real parts: kesu-cert-render draws sample records (in
# Japanese and English) with cert_pdf_write(); the QR code on page 1 is read back with pdftoppm +
# zbarimg and must give the payload exactly, and must be at least 35 mm wide; the text says PASS or
# FAIL as the record does. The PDF stays light: every font in it is an embedded subset, each file is
# under 150 KB, and every Japanese word of the labels pdf.c and pdf-rows.c print is in its text;
# without its font (VL PGothic) no PDF is made at all. Then the PASS certificate goes through
# cert_print() to a private cupsd (its own configuration, spool, logs and socket in a directory this
# test made) with a cups-pdf printer, and the QR code is read back from the PDF the printer wrote.
#
# cups-pdf reads its settings only from /etc/cups (a compile-time path): a printer with device URI
# cups-pdf:/NAME reads /etc/cups/cups-pdf-NAME.conf. The test creates one with a unique NAME
# (never touching cups-pdf.conf) and removes it on exit.
#
# Usage: test-print.sh [KESU-CERT-RENDER]   (or KESU_CERT_RENDER in the environment)
: "${KESU_CERT_RENDER:=${1:-}}"
: "${KESU:=$KESU_CERT_RENDER}"
export KESU
. "$(dirname "$0")/../lib.sh"

t_require cupsd lpadmin lpstat gs pdftoppm pdftotext pdfinfo pdffonts zbarimg python3
: "${KESU_SOURCE:=$(cd "$(dirname "$0")/../.." && pwd)}"
missing=()
[ -x "$KESU_CERT_RENDER" ] || missing+=("kesu-cert-render (KESU_CERT_RENDER)")
[ -x /usr/lib/cups/backend/cups-pdf ] || missing+=("cups-pdf (printer-driver-cups-pdf)")
PPD=""
for p in /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd /usr/share/cups/model/CUPS-PDF_noopt.ppd \
    /usr/share/ppd/cups-pdf/CUPS-PDF.ppd; do
    [ -f "$p" ] && { PPD=$p; break; }
done
[ -n "$PPD" ] || missing+=("the CUPS-PDF PPD")
if [ ${#missing[@]} -gt 0 ]; then
    if [ "${CI:-}" = "true" ]; then echo "FAIL: this test needs ${missing[*]} (CI must provide it)" >&2; exit 1; fi
    echo "SKIP: this test needs ${missing[*]}" >&2
    exit 77
fi

t_workdir /dev/shm
chmod 755 "$T_DIR" # cupsd runs filters as lp: they must reach the spool below
CPDF_CONF=""
trap '[ -n "$CPDF_CONF" ] && rm -f "$CPDF_CONF"; t_cleanup' EXIT

render() { "$KESU_CERT_RENDER" "$@"; }

# record FILE RESULT SERIAL SEQUENCE REASONS (a JSON array)
record() {
    cat >"$1" <<EOF
{"format":"kesu-disposal-certificate","format_version":1,"serial":"$3","sequence":$4,
 "previous_hash":"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
 "appliance_key_id":"0123456789ABCDEF","organization":"千歳市 総務部 情報政策課",
 "tool":{"name":"kesu","version":"0.1.0","image_version":"","image_build":""},
 "result":"$2","failure_reasons":$5,
 "media":{"manufacturer":"Samsung","model":"Samsung SSD 870 EVO 500GB","serial":"S6PXNM0T123456A",
  "wwn":"0x5002538f41234567","firmware":"SVT02B6Q","capacity_bytes":500107862016,"logical_sector_bytes":512,
  "physical_sector_bytes":4096,"media_type":"SSD","transport":"sata","device_path":"/dev/sdb","by_id":""},
 "asset_number":"A-2026-0042","media_source":"総務課 PC-12（窓口端末）",
 "confidentiality":{"before":"3A","after":"none"},"destination":"lease-return",
 "sanitization":{"required_level":"Purge","achieved_level":"Purge","technique":"overwrite","method":"random",
  "method_spec":"random","method_description":"One pass of AES-128-CTR pseudorandom data, flushed.",
  "passes":[{"number":1,"pattern":"random","seed":"6b1f0c2d9e8a7b3c4d5e6f708192a3b4",
   "bytes_written":500107862016,"flushed":"yes"}],
  "bytes_written":500107862016,"status":"completed","engine":"io_uring"},
 "verification":{"method":"sample","result":"$2","coverage_percent":"10","subsections":1000,"samples":2000,
  "bytes_read":50010786201,"sectors_compared":97677316,"sectors_mismatched":0,
  "plan_seed":"a1b2c3d4e5f60718293a4b5c6d7e8f90","expected":"random",
  "pattern_seed":"6b1f0c2d9e8a7b3c4d5e6f708192a3b4","confidence":"0.99","unerased_fraction_bound":"0.0023",
  "statement":"With 2000 clean pseudorandom samples, less than 0.23% of the device is left unerased (99% confidence).",
  "residual_signatures":[],"mismatches":[]},
 "hidden_areas":{"examined":"no","note":"HPA/DCO not examined on this transport."},
 "errors":{"unwritten_ranges":[],"unreadable_ranges":[],"error":""},
 "times":{"started_utc":"2026-11-23T10:00:00Z","started_jst":"2026-11-23T19:00:00+09:00",
  "ended_utc":"2026-11-23T10:41:12Z","ended_jst":"2026-11-23T19:41:12+09:00","duration_seconds":"2472.318"},
 "people":{"operator":"山田 太郎","witness":"佐藤 花子"}}
EOF
}

# qr_of PDF: the text of the QR code(s) on page 1
qr_of() {
    rm -f "$T_DIR"/qr-*.png
    pdftoppm -r 150 -png -f 1 -l 1 "$1" "$T_DIR/qr" || return 1
    zbarimg --raw -q "$T_DIR"/qr-*.png 2>/dev/null
}

# qr_size_mm PDF: width and height in mm of the dark square at the top right of page 1 (the QR
# code's modules, without its quiet zone)
qr_size_mm() {
    pdftoppm -r 100 -gray -f 1 -l 1 "$1" >"$T_DIR/size.pgm" || return 1
    python3 - "$T_DIR/size.pgm" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
fields, pos = [], 0
while len(fields) < 4:  # P5 width height maxval, white space between, then the pixels
    while data[pos:pos + 1].isspace(): pos += 1
    end = pos
    while not data[end:end + 1].isspace(): end += 1
    fields.append(data[pos:end]); pos = end
w, h = int(fields[1]), int(fields[2]); pix = data[pos + 1:]
mm = 100 / 25.4
dark = lambda x, y: pix[y * w + x] < 60
x_from = w // 2
# rows of the upper half with something dark in the right half, in runs (gaps up to 1 mm)
rows = [y for y in range(h // 2) if any(dark(x, y) for x in range(x_from, w))]
runs, start, last = [], None, None
for y in rows:
    if start is None or y - last > mm:
        if start is not None: runs.append((start, last))
        start = y
    last = y
if start is not None: runs.append((start, last))
top, bottom = max(runs, key=lambda r: r[1] - r[0])  # the QR code is the tallest thing there
cols = [x for x in range(x_from, w) if any(dark(x, y) for y in range(top, bottom + 1))]
# the cluster of columns that ends at the rightmost one (the summary text beside it is further left)
right = cols[-1]; left = right
for x in reversed(cols):
    if left - x > 2 * mm: break
    left = x
print("%.1f %.1f" % ((right - left + 1) / mm, (bottom - top + 1) / mm))
EOF
}

echo "# rendering"
QR_PASS='KESU1|KESU-0123456789ABCDEF-000001|1|PASS|総務課-0042|S6PXNM0T123456A|2026-11-23T10:41:12Z|n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg|0123456789ABCDEF|3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
QR_FAIL='KESU1|KESU-0123456789ABCDEF-000002|2|FAIL|A-2026-0043|S6PXNM0T999999Z|2026-11-24T01:02:03Z|AAAAgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg|0123456789ABCDEF|Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy'
record "$T_DIR/pass.json" PASS KESU-0123456789ABCDEF-000001 1 '[]'
record "$T_DIR/fail.json" FAIL KESU-0123456789ABCDEF-000002 2 \
    '["検証で不一致セクタが見つかりました verification found 24 mismatched sectors","2 ranges could not be written"]'

render "$T_DIR/pass.json" "$QR_PASS" "$T_DIR/pass.pdf"
t_eq "PASS: renders" 0 $?
t_eq "PASS: no temporary file left behind" "" "$(ls "$T_DIR" | grep '\.tmp$')"
t_match "PASS: A4" "Page size: +595.276 x 841.89 pts \(A4\)" "$(pdfinfo "$T_DIR/pass.pdf")"
t_eq "PASS: one page" 1 "$(pdfinfo "$T_DIR/pass.pdf" | awk '/^Pages:/ { print $2 }')"
t_eq "PASS: the QR code gives the payload" "$QR_PASS" "$(qr_of "$T_DIR/pass.pdf")"
size=$(qr_size_mm "$T_DIR/pass.pdf")
t_eq "PASS: the QR code is at least 35 mm wide and high ($size mm)" true \
    "$(awk -v s="$size" 'BEGIN { split(s, a, " "); print (a[1] >= 35 && a[2] >= 35) ? "true" : "false" }')"
text=$(pdftotext "$T_DIR/pass.pdf" -)
t_match "PASS: says PASS" "消去完了・検証合格 +PASS" "$text"
t_match "PASS: the serial" "KESU-0123456789ABCDEF-000001" "$text"
t_match "PASS: the organisation, the operator and the witness" "千歳市 総務部 情報政策課.*山田 太郎.*佐藤 花子" \
    "$(tr '\n' ' ' <<<"$text")"
t_match "PASS: how to verify" "minisign -Vm CERT.json -p appliance.pub" "$text"

render "$T_DIR/fail.json" "$QR_FAIL" "$T_DIR/fail.pdf"
t_eq "FAIL: renders" 0 $?
text=$(pdftotext "$T_DIR/fail.pdf" -)
t_match "FAIL: says FAIL" "不合格 +FAIL" "$text"
t_match "FAIL: gives the reasons" "verification found 24 mismatched sectors" "$text"
t_eq "FAIL: never the PASS band" "" "$(grep -o '消去完了・検証合格' <<<"$text")"
t_eq "FAIL: the QR code gives the payload" "$QR_FAIL" "$(qr_of "$T_DIR/fail.pdf")"

echo "# light: subset fonts, under 150 KB, the same Japanese labels"
# fonts_not_subset PDF: the pdffonts lines of fonts not embedded, or embedded whole (a subset's name
# begins with six capitals and "+"; the columns from the right: gen, object, uni, sub, emb)
fonts_not_subset() {
    pdffonts "$1" | awk 'NR > 2 && ($(NF - 4) != "yes" || $(NF - 3) != "yes" ||
                                    $1 !~ /^[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z]\+/)'
}
for kind in PASS FAIL; do
    pdf=$T_DIR/${kind,,}.pdf
    t_match "$kind: set in VL PGothic" "[A-Z]{6}\+VL-PGothic-Regular " "$(pdffonts "$pdf")"
    t_eq "$kind: every font is embedded as a subset" "" "$(fonts_not_subset "$pdf")"
    bytes=$(stat -c %s "$pdf")
    t_eq "$kind: under 150 KB ($bytes bytes)" true "$([ "$bytes" -lt $((150 * 1024)) ] && echo true || echo false)"
done

# Every Japanese word in the strings of pdf.c and pdf-rows.c is in the text of the PASS or the FAIL
# sample, but for the vocabulary table's (values, not labels) and those of rows the samples have no
# data for (a purge, drive health, a fingerprint proof, mismatches, long lists, a first certificate)
# or that depend on where a page breaks (a section continued).
labels_missing() {
    python3 - "$KESU_SOURCE/certificates" "$@" <<'EOF'
import re, subprocess, sys
src, pdfs = sys.argv[1], sys.argv[2:]
not_in_samples = {'他', '件', '（続き', 'コマンド', '装置の応答', '基準', '注意', 'パスワード残存',
                  '装置の状態', '通電時間', '代替', '保留', '媒体エラー', '使用率', '時刻確認',
                  '指紋比較', '不一致範囲', '（最初の証明書'}
words = set()
for name in ('pdf.c', 'pdf-rows.c'):
    code = open(f'{src}/{name}', encoding='utf-8').read()
    code = re.sub(r'/\*.*?\*/|//[^\n]*', '', code, flags=re.S)
    for line in code.splitlines():
        if re.match(r'\s*\{ "', line):  # cert_term_japanese()'s table
            continue
        for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', line):
            words.update(re.findall(r'[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+', literal))
text = ''.join(subprocess.run(['pdftotext', p, '-'], capture_output=True, text=True,
                              check=True).stdout for p in pdfs)
text = re.sub(r'\s+', '', text)
print(len(words), ' '.join(sorted(w for w in words - not_in_samples if w not in text)))
EOF
}
missing=$(labels_missing "$T_DIR/pass.pdf" "$T_DIR/fail.pdf")
t_match "the Japanese labels: dozens in the sources" "^[1-9][0-9]+ " "$missing"
t_eq "the Japanese labels: all in the text" "" "${missing#* }"

# Without its font, no PDF: a stand-in would change the page, and might be embedded whole.
mkdir -p "$T_DIR/no-fonts"
cat >"$T_DIR/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><dir>$T_DIR/no-fonts</dir><cachedir>$T_DIR/fc-cache</cachedir></fontconfig>
EOF
FONTCONFIG_FILE=$T_DIR/fonts.conf render "$T_DIR/pass.json" "$QR_PASS" "$T_DIR/nofont.pdf" 2>"$T_DIR/err"
t_eq "without VL PGothic: fails" 1 $?
t_match "… and says the font package is missing" "Package not installed" "$(cat "$T_DIR/err")"
t_eq "… and leaves no file" "" "$(ls "$T_DIR" | grep '^nofont')"

echo '{}' >"$T_DIR/empty.json"
render "$T_DIR/empty.json" "KESU1|x" "$T_DIR/empty.pdf"
t_eq "a record without a result: renders" 0 $?
t_match "a record without a result: FAIL, not PASS" "不合格 +FAIL" "$(pdftotext "$T_DIR/empty.pdf" -)"
render "$T_DIR/pass.json" "$QR_PASS" "$T_DIR/no/such/dir/x.pdf" 2>/dev/null
t_eq "an unwritable path: fails" 1 $?

echo "# printing through a private cupsd with a cups-pdf printer"
C=$T_DIR/cups
mkdir -p "$C/etc/ppd" "$C/etc/ssl" "$C/spool/tmp" "$C/cache" "$C/state" "$C/log" "$C/out" "$C/pdf-spool"
cat >"$C/etc/cupsd.conf" <<EOF
Listen $C/cups.sock
LogLevel debug
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
cat >"$C/etc/cups-files.conf" <<EOF
ServerRoot $C/etc
StateDir $C/state
CacheDir $C/cache
RequestRoot $C/spool
TempDir $C/spool/tmp
ErrorLog $C/log/error_log
AccessLog $C/log/access_log
PageLog $C/log/page_log
User lp
Group lp
SystemGroup root
EOF
cupsd -f -c "$C/etc/cupsd.conf" -s "$C/etc/cups-files.conf" >"$C/log/cupsd.out" 2>&1 &
T_PIDS+=($!)
export CUPS_SERVER=$C/cups.sock
for i in $(seq 100); do
    [ -S "$C/cups.sock" ] && lpstat -r 2>/dev/null | grep -q "is running" && break
    sleep 0.1
done
t_match "cupsd runs" "scheduler is running" "$(lpstat -r 2>&1)"

name=kesutest$$
CPDF_CONF=/etc/cups/cups-pdf-$name.conf
if ! (set -C; : >"$CPDF_CONF") 2>/dev/null; then
    CPDF_CONF="" # someone else's: leave it
    echo "FAIL: /etc/cups/cups-pdf-$name.conf exists already" >&2
    exit 1
fi
cat >"$CPDF_CONF" <<EOF
Out $C/out
AnonDirName $C/out
Spool $C/pdf-spool
Log $C/log
GSTmp $C/spool/tmp
Grp lp
LogType 7
EOF
lpadmin -p kesu-pdf -E -v "cups-pdf:/$name" -P "$PPD" 2>/dev/null
t_eq "lpadmin adds the cups-pdf printer" 0 $?

job=$(render "$T_DIR/pass.json" "$QR_PASS" "$T_DIR/print.pdf" --print kesu-pdf)
t_eq "cert_print: accepted" 0 $?
t_match "cert_print: a job id" "^[1-9][0-9]*$" "$job"
printed=""
for i in $(seq 600); do
    printed=$(find "$C/out" -name '*.pdf' -size +0 | head -n 1)
    # cups-pdf writes the file, then finishes the job
    [ -n "$printed" ] && lpstat -W completed -o kesu-pdf 2>/dev/null | grep -q "kesu-pdf-$job " && break
    sleep 0.1
done
t_match "the printer wrote a PDF" "\.pdf$" "$printed"
t_match "CUPS lists job $job as completed" "kesu-pdf-$job " "$(lpstat -W completed -o kesu-pdf 2>&1)"
if [ -n "$printed" ]; then
    t_eq "printed: one A4 page" "1 A4" \
        "$(pdfinfo "$printed" | awk '/^Pages:/ { n = $2 } /^Page size:.*A4/ { a = "A4" } END { print n, a }')"
    t_eq "printed: the QR code gives the payload" "$QR_PASS" "$(qr_of "$printed")"
else
    tail -n 30 "$C/log/error_log" >&2
fi

render "$T_DIR/pass.json" "$QR_PASS" "$T_DIR/print2.pdf" --print no-such-printer 2>"$T_DIR/err"
t_eq "cert_print to a printer that does not exist: fails" 1 $?
t_match "… and says so" "No such file or directory" "$(cat "$T_DIR/err")"

t_done
