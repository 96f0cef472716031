#!/usr/bin/env bash
# `kesu cert export`: the filed certificates copied to an export folder (the export stick) that
# does not hold them yet — into an empty folder, again (nothing copied), past a different file of
# the same name (never replaced, told, exit 1), without a missing PDF, not a half-filed one, onto a
# tiny ext4 stick on a loop device that fills up mid-way (partial, exit 1, nothing lost; after
# freeing space a re-run completes) and one mounted read-only, a vfat stick as the image's
# KESU-EXPORT, with folders from the configuration, and missing folders (exit 2). The exported
# folders pass `kesu cert verify` and stock minisign. The auditor's page goes beside them by the
# same rules (copied atomically, left alone when identical, never replacing a different one).
. "$(dirname "$0")/../lib.sh"
# The cases below export certificates only; the page's own section names a page to export.
export KESU_VERIFY_PAGE=

t_require losetup mount mkfs.ext4 mkfs.vfat jq minisign sha256sum cmp
t_workdir

K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }
KEYID=$(head -1 "$K/appliance.pub" | grep -o '[0-9A-F]\{16\}')
serial() { printf 'KESU-%s-%06d' "$KEYID" "$1"; }

# Three certificates from real wipes of small image files.
auth=()
"$KESU" wipe --help 2>&1 | grep -q -- --no-auth && auth=(--no-auth)
imgs=()
for i in 1 2 3; do imgs+=("$(t_file "d$i.img" 256K)"); done
"$KESU" wipe --yes --json --method zero --verify none "${auth[@]}" --no-auth --operator "山田 太郎" --witness "佐藤 花子" \
    --class 1 --destination recycling --asset A-1,A-2,A-3 --key "$K/appliance.key" \
    --passphrase-file "$T_DIR/pass" --cert-dir "$C" "${imgs[@]}" >"$T_DIR/wipe.out" 2>"$T_DIR/wipe.err"
rc=$?
t_eq "three certificates filed (kesu wipe exit 0)" "0 9" "$rc $(find "$C" -maxdepth 1 -name 'KESU-*' -type f | wc -l)"
[ "$rc" -eq 0 ] || { cat "$T_DIR/wipe.err" >&2; t_done; exit 1; }

# Things in the certificate folder that are not certificates: never exported.
mkdir -p "$C/set-aside"
echo stray >"$C/set-aside/$(serial 1).json.20261202T000000Z"
echo temp >"$C/$(serial 9).json.tmp"
echo notes >"$C/notes.txt"
echo stray >"$C/$(serial 1).json.bak"
echo stray >"$C/KESU-0123-000001.json"
ln -s "$C/$(serial 1).json" "$C/$(serial 8).json"
c_sums=$(cd "$C" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
export_names() { (cd "$1" && ls -A | sort | xargs); }
expected_names=$(for i in 1 2 3; do s=$(serial $i); echo "$s.json $s.json.minisig $s.pdf"; done | xargs -n1 | sort | xargs)

# run ARGS...: kesu cert export; OUT, ERR and RC are left set.
run() {
    OUT=$("$KESU" cert export "$@" 2>"$T_DIR/err"); RC=$?
    ERR=$(cat "$T_DIR/err")
}

echo "# into an empty folder"
E=$T_DIR/export; mkdir "$E"
run --cert-dir "$C" "$E"
t_eq "empty folder: exit 0" 0 "$RC"
t_eq "empty folder: one line per certificate + summary" \
    "exported $(serial 1) (signature, record, PDF)|exported $(serial 2) (signature, record, PDF)|exported $(serial 3) (signature, record, PDF)|3 exported, 0 already there, 0 differ" \
    "$(tr '\n' '|' <<<"$OUT" | sed 's/|$//')"
t_eq "empty folder: nothing on stderr" "" "$ERR"
t_eq "empty folder: only the certificates' files" "$expected_names" "$(export_names "$E")"
same=yes
for f in "$E"/*; do cmp -s "$f" "$C/$(basename "$f")" || same=no; done
t_eq "empty folder: the same bytes" yes "$same"

echo "# again: nothing copied"
mtimes=$(stat -c '%n %Y %i' "$E"/* | sort)
run --cert-dir "$C" "$E"
t_eq "again: exit 0" 0 "$RC"
t_eq "again: already there, silently" "0 exported, 3 already there, 0 differ" "$OUT"
t_eq "again: files untouched" "$mtimes" "$(stat -c '%n %Y %i' "$E"/* | sort)"
run --json --cert-dir "$C" "$E"
t_eq "again --json: one summary line" \
    '{"event":"summary","exported":0,"already_there":3,"differs":0,"complete":true}' \
    "$(jq -c '{event, exported, already_there, differs, complete}' <<<"$OUT")"

echo "# a different file on the stick is never replaced"
E2=$T_DIR/export2; cp -a "$E" "$E2"
printf 'changed' >>"$E2/$(serial 2).pdf"
rm "$E2/$(serial 3)".*
before=$(sha256sum <"$E2/$(serial 2).pdf")
run --cert-dir "$C" "$E2"
t_eq "differs: exit 1" 1 "$RC"
t_match "differs: one line naming the file" "^kesu: cert export: $E2/$(serial 2)\.pdf differs from the one filed in $C: not replaced" "$ERR"
t_eq "differs: one line only" 1 "$(grep -c differs <<<"$ERR")"
t_eq "differs: not replaced" "$before" "$(sha256sum <"$E2/$(serial 2).pdf")"
t_eq "differs: the rest exported" "exported $(serial 3) (signature, record, PDF)|1 exported, 1 already there, 1 differs" \
    "$(tr '\n' '|' <<<"$OUT" | sed 's/|$//')"
run --json --cert-dir "$C" "$E2"
t_eq "differs --json: export event and summary" \
    "export differs $(serial 2) differs|summary 1 false" \
    "$(jq -r 'if .event == "export" then "\(.event) \(.status) \(.serial) \(.files[2].status)" else "\(.event) \(.differs) \(.complete)" end' <<<"$OUT" | tr '\n' '|' | sed 's/|$//')"
t_eq "differs --json: exit 1" 1 "$RC"

echo "# a different record: its signature is not left behind alone"
E3=$T_DIR/export3; mkdir "$E3"
echo '{"not":"it"}' >"$E3/$(serial 1).json"
run --cert-dir "$C" "$E3"
t_eq "different record: exit 1" 1 "$RC"
t_match "different record: told" "$(serial 1)\.json differs" "$ERR"
t_eq "different record: no lone signature, no PDF for it" "no" \
    "$([ -e "$E3/$(serial 1).json.minisig" ] || [ -e "$E3/$(serial 1).pdf" ] && echo yes || echo no)"
t_eq "different record: the others exported" "$(for i in 2 3; do s=$(serial $i); echo "$s.json $s.json.minisig $s.pdf"; done | xargs -n1 | sort | xargs) $(serial 1).json" \
    "$(export_names "$E3" | xargs -n1 | grep -v "^$(serial 1)" | xargs) $(serial 1).json"

echo "# a certificate without its PDF, a half-filed one"
C2=$T_DIR/certs2; mkdir "$C2"; cp -a "$C"/KESU-"$KEYID"-* "$C2/"
rm "$C2/$(serial 3).pdf" "$C2/$(serial 2).json"
E4=$T_DIR/export4; mkdir "$E4"
run --cert-dir "$C2" "$E4"
t_eq "without PDF: exit 1 (incomplete)" 1 "$RC"
t_match "without PDF: exported without it" "exported $(serial 3) \(signature, record\) without its PDF" "$OUT"
t_match "without PDF: told the issuer makes it again" "no PDF in $C2 yet.*next 'kesu wipe'" "$OUT"
t_match "half-filed: told, not exported" "$(serial 2) is half-filed in $C2 \(its record is missing\): not exported" "$ERR"
t_eq "half-filed and without PDF: what was copied" \
    "$(s=$(serial 1); echo "$s.json $s.json.minisig $s.pdf") $(s=$(serial 3); echo "$s.json $s.json.minisig")" \
    "$(export_names "$E4")"
t_match "summary counts them" "^2 exported, 0 already there, 0 differ, 1 without its PDF, 1 half-filed$" "$(tail -1 <<<"$OUT")"

echo "# folders from the configuration"
cat >"$T_DIR/kesu.conf" <<EOF
# as on the appliance
key = $K/appliance.key
cert-dir = $C
export-dir = $T_DIR/export5
printer = kesu
EOF
mkdir "$T_DIR/export5" "$T_DIR/export6"
run --config "$T_DIR/kesu.conf"
t_eq "config: exit 0" 0 "$RC"
t_eq "config: cert-dir and export-dir used" "$expected_names" "$(export_names "$T_DIR/export5")"
run --config "$T_DIR/kesu.conf" "$T_DIR/export6"
t_eq "config: EXPORT_DIR given wins" "0 $expected_names" "$RC $(export_names "$T_DIR/export6")"

echo "# bad usage and missing folders: exit 2"
bad() { # DESCRIPTION REGEX ARGS...
    local desc=$1 re=$2; shift 2
    run "$@"
    t_eq "$desc: exit 2" 2 "$RC"
    t_match "$desc: message" "$re" "$ERR"
}
bad "missing export folder" "the export folder $T_DIR/nostick does not exist \(is the export stick attached\?\)" \
    --cert-dir "$C" "$T_DIR/nostick"
bad "export folder is a file" "the export folder $T_DIR/pass is not a folder" --cert-dir "$C" "$T_DIR/pass"
bad "missing certificate folder" "the certificate folder $T_DIR/nocerts does not exist" --cert-dir "$T_DIR/nocerts" "$E"
bad "no certificate folder" "no certificate folder: give --cert-dir" --config /dev/null "$E"
bad "no export folder" "say where to" --cert-dir "$C"
bad "two export folders" "one export folder, not 2" --cert-dir "$C" "$E" "$E2"
bad "unknown option" "unknown option '--force'" --force --cert-dir "$C" "$E"
bad "missing config" "cannot read the configuration $T_DIR/none.conf" --config "$T_DIR/none.conf" "$E"
t_match "cert --help lists export" "kesu cert export" "$("$KESU" cert --help)"
t_match "kesu --help lists cert export" "cert export EXPORT_DIR" "$("$KESU" --help)"
t_match "cert export --help" "never replaced" "$("$KESU" cert export --help)"

echo "# a tiny ext4 stick that fills up mid-way"
STICK=$(t_file stick.img 4M)
mkfs.ext4 -q -F -m 0 -b 1024 -N 64 -O ^has_journal "$STICK"
t_loop "$STICK"
M=$T_DIR/stick; t_mount "$T_LOOP" "$M"
S=$M/certificates; mkdir "$S"
# room for the first certificate and the second's signature and record, not its PDF
size() { stat -c %s "$1"; }
s1=$(serial 1) s2=$(serial 2)
room=$(( $(size "$C/$s1.json") + $(size "$C/$s1.json.minisig") + $(size "$C/$s1.pdf") + 3 * 4096 + \
         $(size "$C/$s2.json") + $(size "$C/$s2.json.minisig") + 4 * 4096 + $(size "$C/$s2.pdf") / 2 ))
avail=$(( $(df --output=avail -B1 "$M" | tail -1) ))
head -c $((avail - room)) /dev/zero >"$M/filler"; sync
run --cert-dir "$C" "$S"
t_eq "full stick: exit 1" 1 "$RC"
t_match "full stick: the first exported" "^exported $s1 \(signature, record, PDF\)" "$OUT"
t_match "full stick: says it is full, how many, nothing lost, run again" \
    "the export folder $S is full \(No space left on device, at $s2\.pdf\): 1 certificate exported, 0 already there, 2 not; nothing was lost: they stay filed in $C .* run 'kesu cert export' again to continue" "$ERR"
t_match "full stick: summary" "^1 exported, 0 already there, 0 differ, 1 failed, 1 not tried$" "$(tail -1 <<<"$OUT")"
t_eq "full stick: no temporary file left" "" "$(cd "$S" && ls | grep '\.tmp$')"
t_eq "full stick: certificate folder untouched" "$c_sums" "$(cd "$C" && find . -type f -print0 | sort -z | xargs -0 sha256sum)"
same=yes
for f in "$S"/*; do cmp -s "$f" "$C/$(basename "$f")" || same=no; done
t_eq "full stick: what reached it is whole" yes "$same"
"$KESU" cert verify --key "$K/appliance.pub" "$S" >"$T_DIR/verify.out" 2>&1
t_eq "full stick: what reached it verifies" 0 $?
rm "$M/filler"; sync
run --cert-dir "$C" "$S"
t_eq "full stick, space freed: exit 0" 0 "$RC"
t_match "full stick, space freed: continues" "^2 exported, 1 already there, 0 differ$" "$(tail -1 <<<"$OUT")"
t_eq "full stick, space freed: complete" "$expected_names" "$(export_names "$S")"
same=yes
for f in "$S"/*; do cmp -s "$f" "$C/$(basename "$f")" || same=no; done
t_eq "full stick, space freed: the same bytes" yes "$same"

echo "# a read-only stick"
RO=$(t_file ro.img 2M)
mkfs.ext4 -q -F -O ^has_journal "$RO"
t_loop "$RO"
mkdir "$T_DIR/ro"; mount -o ro "$T_LOOP" "$T_DIR/ro" && T_MOUNTS+=("$T_DIR/ro")
run --cert-dir "$C" "$T_DIR/ro"
t_eq "read-only: exit 1" 1 "$RC"
t_match "read-only: told" "the export folder $T_DIR/ro is read-only \(Read-only file system.*0 certificates exported, 0 already there, 3 not; nothing was lost" "$ERR"

echo "# a vfat stick, as KESU-EXPORT is made"
VF=$(t_file vfat.img 16M)
mkfs.vfat -n KESU-EXPORT "$VF" >/dev/null
t_loop "$VF"
V=$T_DIR/vfat
mkdir "$V"
if ! mount "$T_LOOP" "$V" 2>"$T_DIR/err"; then
    # a kernel without vfat (some sandboxes): the image's own VM tests export to vfat
    echo "# skipped: this kernel cannot mount vfat ($(tr -d '\n' <"$T_DIR/err"))"
    V=
else
    T_MOUNTS+=("$V")
    V=$V/certificates; mkdir "$V"
    run --cert-dir "$C" "$V"
    t_eq "vfat: exit 0, all exported" "0 3 exported, 0 already there, 0 differ" "$RC $(tail -1 <<<"$OUT")"
    t_eq "vfat: only the certificates' files" "$expected_names" "$(export_names "$V")"
    run --cert-dir "$C" "$V"
    t_eq "vfat: again, already there" "0 0 exported, 3 already there, 0 differ" "$RC $OUT"
    cp "$V/$(serial 3).json" "$T_DIR/keep.json"; echo x >>"$V/$(serial 3).json"
    run --cert-dir "$C" "$V"
    t_match "vfat: a different record not replaced" "^1 .*$(serial 3)\.json differs" "$RC $ERR"
    cp "$T_DIR/keep.json" "$V/$(serial 3).json"
fi

echo "# the auditor's page beside the certificates"
P=$T_DIR/page-export; mkdir "$P"
echo '<!DOCTYPE html><title>kesu-verify</title>' >"$T_DIR/kesu-verify.html"
KESU_VERIFY_PAGE=$T_DIR/kesu-verify.html run --cert-dir "$C" "$P"
t_eq "page: exit 0, the certificates and the page exported" "0 3 exported, 0 already there, 0 differ" "$RC $(tail -1 <<<"$OUT")"
t_match "page: told" "exported the auditor's page kesu-verify.html" "$OUT"
t_eq "page: the same bytes beside the certificates" yes "$(cmp -s "$T_DIR/kesu-verify.html" "$P/kesu-verify.html" && echo yes)"
t_eq "page: no temporary file left" "$expected_names kesu-verify.html" "$(export_names "$P")"
KESU_VERIFY_PAGE=$T_DIR/kesu-verify.html run --cert-dir "$C" "$P"
t_eq "page: again, identical, nothing said" "0 0 exported, 3 already there, 0 differ" "$RC $OUT"
echo '<!DOCTYPE html><title>an older page</title>' >"$P/kesu-verify.html"
KESU_VERIFY_PAGE=$T_DIR/kesu-verify.html run --cert-dir "$C" "$P"
t_eq "page: a different page on the stick: exit 1" 1 "$RC"
t_match "page: a different page is not replaced, and told" "kesu-verify.html differs from this appliance's page .*not replaced" "$ERR"
t_eq "page: the stick's page left alone" "<!DOCTYPE html><title>an older page</title>" "$(cat "$P/kesu-verify.html")"
t_eq "page: JSON says so" "differs false" \
    "$(KESU_VERIFY_PAGE=$T_DIR/kesu-verify.html "$KESU" cert export --json --cert-dir "$C" "$P" 2>/dev/null | jq -rs '"\(.[] | select(.event == "page") | .status) \(.[] | select(.event == "summary") | .complete)"')"
rm "$P/kesu-verify.html"
KESU_VERIFY_PAGE=/nonexistent/kesu-verify.html run --cert-dir "$C" "$P"
t_match "page: a page that cannot be read is an error" "^1 .*cannot read the auditor's page /nonexistent/kesu-verify.html" "$RC $ERR"
KESU_VERIFY_PAGE= run --cert-dir "$C" "$P"
t_eq "page: none installed, nothing said, exit 0" "0 0 exported, 3 already there, 0 differ" "$RC $OUT"
if [ -n "${KESU_VERIFY_HTML:-}" ] && [ -f "$KESU_VERIFY_HTML" ]; then
    rm -rf "$P"; mkdir "$P"
    KESU_VERIFY_PAGE=$KESU_VERIFY_HTML run --cert-dir "$C" "$P"
    t_eq "page: the built kesu-verify.html exported" yes "$(cmp -s "$KESU_VERIFY_HTML" "$P/kesu-verify.html" && echo yes)"
fi

echo "# the exported certificates check"
"$KESU" cert verify --key "$K/appliance.pub" "$E" >"$T_DIR/verify.out" 2>&1
t_eq "cert verify over the export folder: exit 0" 0 $?
if [ -n "$V" ]; then
    "$KESU" cert verify --key "$K/appliance.pub" "$V" >"$T_DIR/verify.out" 2>&1
    t_eq "cert verify over the vfat stick: exit 0" 0 $?
fi
"$KESU" cert verify --key "$K/appliance.pub" "$E" "$S" >"$T_DIR/verify.out" 2>&1
t_eq "cert verify over two export folders (copies, not duplicates): exit 0" 0 $?
"$KESU" cert verify --key "$K/appliance.pub" "$S" >"$T_DIR/verify.out" 2>&1
t_eq "cert verify over the stick: exit 0" 0 $?
t_match "cert verify over the stick: 3 PASS" "3 certificates, 3 valid, 0 problems.*3 PASS" "$(cat "$T_DIR/verify.out")"
for i in 1 2 3; do
    minisign -Vq -p "$K/appliance.pub" -m "$S/$(serial $i).json"
    t_eq "stock minisign accepts the exported $(serial $i).json" 0 $?
done

t_done
