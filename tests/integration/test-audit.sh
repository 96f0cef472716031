#!/usr/bin/env bash
# The auditor's check of folders that are damaged in the ways real folders are: half-filed and
# orphan files, stray and temporary files, a missing PDF, what the issuer set aside, a serial
# issued twice across folders (and a harmless copy), the paper's QR against the folder, a record
# re-signed with another known key, a folder of only FAIL certificates, and --qr-image with paths
# no shell could quote, leaving no temporary folder behind. And a part of the chain (one
# certificate, one month's folder) against --complete and --ledger, with chains signed by
# tests/tools/kesu-cert-mint (a fork, a re-linked certificate).
. "$(dirname "$0")/../lib.sh"

t_require jq minisign pdftoppm zbarimg
: "${KESU_CERT_MINT:?KESU_CERT_MINT must point at tests/tools/kesu-cert-mint}"
t_workdir /dev/shm
export KESU_STATE_DIR=$T_DIR/state # the key's registration: never the machine's own

K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }
PUB=$K/appliance.pub
KEY_ID=$("$KESU" key show --key "$PUB" | sed -n 's/^Key id: *//p')
common=(--no-auth --operator a --witness b --destination recycling --key "$K/appliance.key" --passphrase-file "$T_DIR/pass"
        --method zero --verify none --yes --json)
results() { jq -c 'select(.event == "result")' <<<"$1"; }
# issue DIR LEDGER CLASS ASSETS [STATE]: one certificate per asset, on fresh 4 MiB image files;
# another STATE folder lets the same key start a second ledger (as a second appliance would)
issue() {
    local dir=$1 ledger=$2 class=$3 assets=$4 state=${5:-$KESU_STATE_DIR} imgs=() a
    mkdir -p "$dir"
    for a in ${assets//,/ }; do truncate -s 4M "$T_DIR/$a.img"; imgs+=("$T_DIR/$a.img"); done
    KESU_STATE_DIR=$state "$KESU" wipe "${common[@]}" --class "$class" --cert-dir "$dir" --ledger "$ledger" --asset "$assets" "${imgs[@]}"
}
verify() { "$KESU" cert verify --key "$PUB" "$@"; }
# t_line DESCRIPTION REGEX OUTPUT: some line of OUTPUT matches (grep -E, so ^ and $ anchor lines)
t_line() { if grep -qE -- "$2" <<<"$3"; then t_pass "$1"; else t_fail "$1: no line matches /$2/ in:
$3"; fi; }
S=KESU-$KEY_ID # serial prefix

out=$(issue "$C" "$K/ledger.jsonl" 1 A-1,A-2,A-3); rc=$?
t_eq "three certificates issued" "0 PASS PASS PASS" "$rc $(results "$out" | jq -r .certificate.result | xargs)"
QR1=$(results "$out" | jq -r 'select(.certificate.sequence == 1) | .certificate.qr')
QR3=$(results "$out" | jq -r 'select(.certificate.sequence == 3) | .certificate.qr')
t_match "the QR payload is reported" "^KESU1\|$S-000001\|" "$QR1"
out=$(verify "$C"); rc=$?
t_eq "a whole folder: exit 0" 0 "$rc"
t_line "a whole folder: summary with PASS and FAIL counts" "^3 certificates, 3 valid, 0 problems, 0 warnings: 3 PASS, 0 FAIL$" "$out"

W=$T_DIR/work
fresh() { rm -rf "$W"; cp -a "$C" "$W"; }
n_lines() { grep -c "$1" <<<"$2"; }

echo "# a part of the chain is not a broken chain"
out=$(verify "$C/$S-000003.json"); rc=$?
t_eq "one certificate of sequence 3: exit 0" 0 "$rc"
t_line "one certificate: no problem" "^1 certificate, 1 valid, 0 problems, 0 warnings: 1 PASS, 0 FAIL$" "$out"
t_line "one certificate: the range checked" "^Chain: sequence 3 checked; 1–2 and after 3 are outside this set \\(key $KEY_ID\\)$" "$out"
t_eq "one certificate: nothing missing" 0 "$(n_lines "missing" "$out")"
out=$(verify --complete "$C/$S-000003.json"); rc=$?
t_eq "one certificate, --complete: exit 1" 1 "$rc"
t_line "one certificate, --complete: 1 to 2 missing" "^PROBLEM +key $KEY_ID: certificates 1 to 2 are missing$" "$out"
out=$(verify --ledger "$K/ledger.jsonl" "$C"); rc=$?
t_eq "the whole folder against kesu's own ledger: exit 0" 0 "$rc"
t_line "the whole folder against the ledger: said" "^Chain: sequences 1–3 checked: the whole chain, to the ledger's last \\(3\\)" "$out"
out=$(verify --ledger "$K/ledger.jsonl" "$C/$S-000001.json"); rc=$?
t_eq "the first certificate against the ledger: exit 1" 1 "$rc"
t_line "the first certificate against the ledger: 2 to 3 missing" "^PROBLEM +key $KEY_ID: certificates 2 to 3 are missing \\(the ledger's last is 3\\)$" "$out"

# many certificates signed with the same key by the test tool (no wipe each)
M=$T_DIR/minted
"$KESU_CERT_MINT" --key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --out "$M" --count 200 \
    --ledger "$T_DIR/minted-ledger.jsonl" >/dev/null || t_fail "kesu-cert-mint failed"
t_eq "minted: 200 records and signatures" "200 200" "$(ls "$M"/*.json | wc -l) $(ls "$M"/*.json.minisig | wc -l)"
minisign -Vq -p "$PUB" -m "$M/$S-000137.json"; t_eq "minted: stock minisign accepts one" 0 $?
P=$T_DIR/one-month; mkdir -p "$P"
for i in $(seq 120 168); do cp "$M/$(printf '%s-%06d' "$S" "$i")".json* "$P/"; done
out=$(verify "$P"); rc=$?
t_eq "one month's folder (120-168): exit 0" 0 "$rc"
t_line "one month's folder: 49 valid, no problem" "^49 certificates, 49 valid, 0 problems, 49 warnings" "$out"
t_line "one month's folder: the range checked and what is outside" "^Chain: sequences 120–168 checked; 1–119 and after 168 are outside this set \\(key $KEY_ID\\)$" "$out"
t_eq "one month's folder: JSON range" "120 168 120 168 false 0 null" \
    "$(verify --json "$P" | jq -r '.chains[0] | "\(.first) \(.last) \(.checked_from) \(.checked_to) \(.complete) \(.missing) \(.ledger_last)"')"
rm "$P/$S-000150.json" "$P/$S-000150.json.minisig" "$P/$S-000151.json" "$P/$S-000151.json.minisig"
out=$(verify "$P"); rc=$?
t_eq "a gap inside the set: exit 1" 1 "$rc"
t_line "a gap inside the set: named" "^PROBLEM +key $KEY_ID: certificates 150 to 151 are missing$" "$out"
t_line "a gap inside the set: counted in the range" "^Chain: sequences 120–168 checked, 2 missing; 1–119 and after 168" "$out"
out=$(verify --complete "$P"); rc=$?
t_eq "--complete on a part: exit 1" 1 "$rc"
t_line "--complete on a part: the missing start named" "^PROBLEM +key $KEY_ID: certificates 1 to 119 are missing$" "$out"
t_line "--complete on a part: and the gap" "certificates 150 to 151 are missing" "$out"
t_eq "--complete on a part: JSON" "1 168 true 121" "$(verify --json --complete "$P" | jq -r '.chains[0] | "\(.checked_from) \(.checked_to) \(.complete) \(.missing)"')"
verify --complete "$M" >/dev/null; t_eq "--complete on the whole chain: exit 0" 0 $?
out=$(verify --ledger "$T_DIR/minted-ledger.jsonl" "$M"); rc=$?
t_eq "--ledger on the whole chain: exit 0" 0 "$rc"
t_line "--ledger on the whole chain: said" "^Chain: sequences 1–200 checked: the whole chain, to the ledger's last \\(200\\)" "$out"
out=$(verify --ledger "$T_DIR/minted-ledger.jsonl" "$P"); rc=$?
t_eq "--ledger on a part: exit 1" 1 "$rc"
t_line "--ledger on a part: before it" "^PROBLEM +key $KEY_ID: certificates 1 to 119 are missing$" "$out"
t_line "--ledger on a part: after it, up to the ledger's last" "^PROBLEM +key $KEY_ID: certificates 169 to 200 are missing \\(the ledger's last is 200\\)$" "$out"
out=$(verify --ledger "$T_DIR/minted-ledger.jsonl" "$C"); rc=$?
t_eq "a ledger that names other certificates: exit 1" 1 "$rc"
t_eq "a ledger that names other certificates: each one said" 3 "$(n_lines "is not the certificate the ledger names" "$out")"
t_eq "a ledger that names other certificates: JSON kind" "ledger-mismatch" \
    "$(verify --json --ledger "$T_DIR/minted-ledger.jsonl" "$C" | jq -r '[.findings[].kind | select(. == "ledger-mismatch")] | unique | join(" ")')"
echo "not a ledger" >"$T_DIR/bad-ledger.jsonl"
verify --ledger "$T_DIR/bad-ledger.jsonl" "$M" >/dev/null 2>&1; t_eq "a file that is no ledger: exit 2" 2 $?
verify --ledger "$T_DIR/no-such-ledger" "$M" >/dev/null 2>&1; t_eq "a ledger that does not exist: exit 2" 2 $?

echo "# kesu-cert-mint's damaged chains: a fork and a re-linked certificate"
D=$T_DIR/damaged
"$KESU_CERT_MINT" --key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --out "$D" --count 12 \
    --start-sequence 5 --fork-at 8 --relink-at 10 >/dev/null || t_fail "kesu-cert-mint (damaged) failed"
minisign -Vq -p "$PUB" -m "$D/fork-$S-000008.json"; t_eq "the fork's second certificate is validly signed" 0 $?
t_eq "the fork: same sequence and previous hash, other content" "8 true false" "$(jq -rs '"\(.[0].sequence) \(.[0].previous_hash == .[1].previous_hash) \(.[0] == .[1])"' "$D/$S-000008.json" "$D/fork-$S-000008.json")"
out=$(verify "$D"); rc=$?
t_eq "fork and re-link: exit 1" 1 "$rc"
t_line "the fork: sequence 8 twice" "^PROBLEM +$D/(fork-)?$S-000008.json: sequence 8 appears twice with different content" "$out"
t_line "the re-link: 10 does not follow 9" "^PROBLEM +$D/$S-000010.json: does not follow certificate 9 " "$out"
t_line "fork and re-link: the range checked" "^Chain: sequences 5–16 checked; 1–4 and after 16 are outside this set" "$out"
t_eq "fork and re-link: nothing else" 2 "$(grep -c '^PROBLEM' <<<"$out")"

echo "# half-filed and orphan files"
fresh; rm "$W/$S-000003.json"
out=$(verify "$W"); rc=$?
t_eq "record removed: exit 1" 1 "$rc"
t_line "record removed: the signature is an orphan" "^PROBLEM +$W/$S-000003.json.minisig: half-filed: a signature without its record $S-000003.json$" "$out"
t_line "record removed: the PDF is an orphan" "^PROBLEM +$W/$S-000003.pdf: a PDF without its record $S-000003.json$" "$out"
t_line "record removed: two problems" "2 certificates, 2 valid, 2 problems" "$out"
t_eq "record removed: JSON kinds" "orphan orphan" \
    "$(verify --json "$W" | jq -r '[.findings[] | select(.severity == "PROBLEM") | .kind] | join(" ")')"

fresh; rm "$W/$S-000003.json.minisig"
out=$(verify "$W"); rc=$?
t_eq "signature removed: exit 1" 1 "$rc"
t_line "signature removed: half-filed record" "$S-000003.json: half-filed: no signature file" "$out"
t_line "signature removed: one problem" "3 certificates, 2 valid, 1 problem," "$out"
# the half-filed record still marks where the set runs (1-3, not 1-2), and is not also "missing"
t_line "signature removed: the range says so" "^Chain: sequences 1–3 checked; after 3 are outside this set \\(key $KEY_ID\\)$" "$out"

fresh; rm "$W/$S-000002.json" "$W/$S-000002.json.minisig"
out=$(verify "$W"); rc=$?
t_eq "only the PDF left: exit 1" 1 "$rc"
t_line "only the PDF left: named" "$S-000002.pdf: a PDF without its record" "$out"
t_line "only the PDF left: and the gap" "certificate 2 is missing" "$out"

mkdir -p "$T_DIR/only-sig"; cp "$C/$S-000001.json.minisig" "$T_DIR/only-sig/"
out=$(verify "$T_DIR/only-sig"); rc=$?
t_eq "a folder with a signature alone: exit 1" 1 "$rc"
t_line "a folder with a signature alone: not 0 problems" "0 certificates, 0 valid, 2 problems" "$out"

echo "# stray and temporary files"
fresh
cp "$W/$S-000001.json" "$W/$S-000001.json.bak"
echo x >"$W/$S-000009.txt"
cp "$W/$S-000002.json" "$W/$S-000004.json"          # a record under another certificate's name
cp "$W/$S-000002.json.minisig" "$W/$S-000004.json.minisig"
echo x >"$W/notes.txt"                                # not named like a certificate: not ours to judge
out=$(verify "$W"); rc=$?
t_eq "stray files: exit 1" 1 "$rc"
t_line "stray: a backup copy" "^PROBLEM +$W/$S-000001.json.bak: named like a certificate but none of its files" "$out"
t_line "stray: another name" "^PROBLEM +$W/$S-000009.txt: named like a certificate" "$out"
t_line "stray: a record under another serial's name" "$S-000004.json: named like a certificate but holds $S-000002" "$out"
t_eq "stray: other files are left alone" 0 "$(n_lines notes.txt "$out")"

fresh
: >"$W/$S-000004.json.minisig.tmp"
head -c 100 "$W/$S-000003.pdf" >"$W/$S-000003.pdf.tmp"
out=$(verify "$W"); rc=$?
t_eq "leftover temporary files: exit 1" 1 "$rc"
t_eq "leftover temporary files: one line each" 2 "$(n_lines "a leftover temporary file" "$out")"
t_eq "leftover temporary files: JSON kind" "leftover-temp leftover-temp" \
    "$(verify --json "$W" | jq -r '[.findings[] | select(.kind == "leftover-temp") | .kind] | join(" ")')"

echo "# a missing PDF is a warning: the signed record is the evidence"
fresh; rm "$W/$S-000002.pdf"
out=$(verify "$W"); rc=$?
t_eq "missing PDF: exit 0" 0 "$rc"
t_line "missing PDF: warned" "^WARNING +$W/$S-000002.json: $S-000002 has no PDF beside it" "$out"
t_line "missing PDF: counted as a warning" "3 certificates, 3 valid, 0 problems, 1 warning: 3 PASS, 0 FAIL" "$out"
t_eq "missing PDF: JSON" "0 1 missing-pdf" "$(verify --json "$W" | jq -r '"\(.problems) \(.warnings) \([.findings[] | select(.severity == "WARNING") | .kind] | join(" "))"')"

echo "# files the issuer set aside are listed, not ignored"
fresh; mkdir -p "$W/set-aside" "$W/quarantine/2026"
cp "$C/$S-000003.json.minisig" "$W/set-aside/$S-000004.json.minisig"
cp "$C/$S-000002.json" "$W/quarantine/2026/$S-000002.json"
out=$(verify "$W"); rc=$?
t_eq "set aside: exit 0 (warnings)" 0 "$rc"
t_line "set aside: set-aside/ listed" "^WARNING +$W/set-aside/$S-000004.json.minisig: set aside by the issuer" "$out"
t_line "set aside: quarantine/ listed, also deeper" "^WARNING +$W/quarantine/2026/$S-000002.json: set aside" "$out"
t_line "set aside: not part of the chain" "3 certificates, 3 valid, 0 problems, 2 warnings" "$out"

echo "# a serial issued twice across folders; a copy is no problem"
C2=$T_DIR/other-appliance-run
out=$(issue "$C2" "$T_DIR/other-ledger.jsonl" 1 B-1 "$T_DIR/state2") # the same key, a fresh ledger: 1 again
t_eq "second run: serial 1 again" "$S-000001" "$(results "$out" | jq -r .certificate.serial)"
out=$(verify "$C" "$C2"); rc=$?
t_eq "serial issued twice: exit 1" 1 "$rc"
t_line "serial issued twice: named" "^PROBLEM +($C|$C2)/$S-000001.json: sequence 1 appears twice with different content \(also ($C|$C2)/$S-000001.json\): serial $S-000001 was issued twice$" "$out"
cp -a "$C" "$T_DIR/stick"
out=$(verify "$C" "$T_DIR/stick"); rc=$?
t_eq "cert dir and its copy on the stick: exit 0" 0 "$rc"
t_eq "cert dir and its copy on the stick: three copies noted" 3 "$(n_lines "(a copy)" "$out")"
t_line "cert dir and its copy: summary" "6 certificates, 6 valid, 0 problems" "$out"
fresh; cp "$W/$S-000003.json" "$W/dup.json"; cp "$W/$S-000003.json.minisig" "$W/dup.json.minisig"
out=$(verify "$W"); rc=$?
t_eq "a copy within one folder is still a duplicate: exit 1" 1 "$rc"
t_line "a copy within one folder: named" "dup.json: sequence 3 appears twice \(same certificate as" "$out"

echo "# the paper's QR against the folder"
out=$(verify --qr "$QR1" "$C"); rc=$?
t_eq "QR found and matching: exit 0" 0 "$rc"
t_line "QR found and matching: said" "^OK +QR and $C/$S-000001.json: the paper names exactly this record" "$out"
out=$(verify --qr "$QR1" "$C2"); rc=$?
t_eq "QR found but different: exit 1" 1 "$rc"
t_line "QR found but different: said" "^PROBLEM +QR and $C2/$S-000001.json: the record differs from the one the paper names" "$out"
fresh; rm "$W/$S-000003".*
out=$(verify --qr "$QR3" "$W"); rc=$?
t_eq "QR not found: exit 1" 1 "$rc"
t_line "QR not found: said" "^PROBLEM +QR: no record of $S-000003 among the given files and folders" "$out"
t_eq "QR in JSON: match / different / not-found" "match different not-found" "$(
    for a in "$QR1 $C" "$QR1 $C2" "$QR3 $W"; do verify --json --qr "${a%% *}" "${a#* }" | jq -r '.qr[0].record'; done | xargs)"
verify --qr "$QR1" >/dev/null; t_eq "QR alone (no folder): exit 0" 0 $?

echo "# a record re-signed with another known key names the real signer"
minisign -G -W -p "$T_DIR/other.pub" -s "$T_DIR/other.key" >/dev/null 2>&1
OTHER_ID=$("$KESU" key show --key "$T_DIR/other.pub" | sed -n 's/^Key id: *//p')
fresh
tc=$(sed -n 's/^trusted comment: //p' "$W/$S-000002.json.minisig")
rm "$W/$S-000002.json.minisig"
minisign -S -s "$T_DIR/other.key" -m "$W/$S-000002.json" -t "$tc" </dev/null >/dev/null 2>&1
t_line "re-signed with minisign" "^untrusted comment" "$(head -1 "$W/$S-000002.json.minisig")"
out=$(verify --key "$T_DIR/other.pub" "$W"); rc=$?
t_eq "re-signed with a known key: exit 1" 1 "$rc"
t_line "re-signed with a known key: the real signer named" "$S-000002.json: re-signed: the signature is by key $OTHER_ID, but the record claims key $KEY_ID" "$out"
out=$(verify "$W"); rc=$?
t_line "re-signed with an unknown key: the real signer named" "$S-000002.json: signed by key $OTHER_ID, which is not among the given keys \(the record claims key $KEY_ID\)" "$out"

echo "# a folder of only FAIL certificates"
# (the policy refuses an overwrite for class 2 and above before anything is written, so these
# fail for real: image files on a 1 MiB tmpfs run out of space)
F=$T_DIR/fails
mkdir -p "$T_DIR/tiny" && mount -t tmpfs -o size=1m kesu-audit-tiny "$T_DIR/tiny" && T_MOUNTS+=("$T_DIR/tiny")
imgs=()
for a in F-1 F-2 F-3; do truncate -s 4M "$T_DIR/tiny/$a.img"; imgs+=("$T_DIR/tiny/$a.img"); done
mkdir -p "$F"
out=$(KESU_STATE_DIR=$T_DIR/state3 "$KESU" wipe "${common[@]}" --class 1 --cert-dir "$F" \
    --ledger "$T_DIR/fail-ledger.jsonl" --asset F-1,F-2,F-3 "${imgs[@]}")
t_eq "full file system: three FAIL certificates" "FAIL FAIL FAIL" "$(results "$out" | jq -r .certificate.result | xargs)"
out=$(verify "$F"); rc=$?
t_eq "only FAILs: a valid folder (exit 0)" 0 "$rc"
t_line "only FAILs: the summary says so" "^3 certificates, 3 valid, 0 problems, 0 warnings: 0 PASS, 3 FAIL$" "$out"
t_eq "only FAILs: one summary line each, with asset and reason" 3 \
    "$(grep -cE "^FAIL +KESU-[0-9A-F]+-00000[123] asset F-[123] \($F/.*\.json\): .*no-space" <<<"$out")"
json=$(verify --json "$F")
t_eq "only FAILs: JSON counts" "3 0 3 3" "$(jq -r '"\(.valid) \(.pass) \(.fail) \(.failed | length)"' <<<"$json")"
t_line "only FAILs: JSON reason" "overwrite no-space" "$(jq -r '.failed[0].reason' <<<"$json")"
t_eq "only FAILs: JSON asset and serial" "F-1 $S-000001" "$(jq -r '.failed[] | select(.sequence == 1) | "\(.asset) \(.serial)"' <<<"$json")"

echo "# --qr-image runs no shell and leaves no temporary folder, whatever the path"
Q=$T_DIR/tmpdir; mkdir -p "$Q"
P=$T_DIR/paths; mkdir -p "$P"
pdf=$C/$S-000001.pdf
for name in "it's.pdf" "two words.pdf" 'cost $HOME.pdf' $'new\nline.pdf' "-dash.pdf" "a'; touch pwned; '.pdf"; do
    cp "$pdf" "$P/$name"
    out=$(cd "$P" && TMPDIR=$Q "$KESU" cert verify --key "$PUB" --qr-image "$name" "$C" 2>&1); rc=$?
    t_eq "--qr-image $(printf %q "$name"): exit 0" 0 "$rc"
    t_line "--qr-image $(printf %q "$name"): read and matched" "the paper names exactly this record" "$out"
    t_eq "--qr-image $(printf %q "$name"): no temporary folder left" "" "$(ls -A "$Q")"
done
t_eq "--qr-image: nothing the path said was run" "" "$(ls "$P/pwned" 2>/dev/null)"
pdftoppm -r 150 -f 1 -l 1 -png "$pdf" "$P/scan"
cp "$P"/scan*.png "$P/scan 'of' \$x.png"
TMPDIR=$Q "$KESU" cert verify --key "$PUB" --qr-image "$P/scan 'of' \$x.png" "$C" >/dev/null; rc=$?
t_eq "--qr-image of a PNG with quotes: exit 0" 0 "$rc"
echo "not a pdf" >"$P/broken 'x'.pdf"
TMPDIR=$Q "$KESU" cert verify --key "$PUB" --qr-image "$P/broken 'x'.pdf" >/dev/null 2>&1; rc=$?
t_eq "--qr-image of a broken PDF: exit 2" 2 "$rc"
t_eq "--qr-image of a broken PDF: no temporary folder left" "" "$(ls -A "$Q")"

t_done
