#!/usr/bin/env bash
# `kesu cert report`: the auditor's table for asset-management systems, from real certificates
# (kesu wipe on small image files). CSV per RFC 4180 read back with python3's csv module (quotes,
# commas, a line break in a path, CRLF, the formula guard, Japanese text), the UTF-8 BOM for Excel,
# JSON Lines read with jq, the documented columns, and the rows that must never look fine: a
# tampered certificate, an unknown key, a missing PDF; a gap belongs to no row and goes to stderr.
# Exit status as `kesu cert verify`'s.
. "$(dirname "$0")/../lib.sh"

t_require jq minisign python3
: "${KESU_CERT_MINT:?KESU_CERT_MINT must point at tests/tools/kesu-cert-mint}"
t_workdir /dev/shm

K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }
PUB=$K/appliance.pub
KEY_ID=$("$KESU" key show --key "$PUB" | sed -n 's/^Key id: *//p')
S=KESU-$KEY_ID
COLUMNS="sequence serial date_jst asset class destination method level result operator witness key_id status problems required_level operator_name witness_name disk_model disk_serial capacity_bytes organization hash file"

# Three real disposals; the asset numbers, people and organisation are what a spreadsheet must not
# run (=, @, -, +), with a comma and quotes, and Japanese.
imgs=()
for i in 1 2 3; do truncate -s 4M "$T_DIR/d$i.img"; imgs+=("$T_DIR/d$i.img"); done
ORG='City of "Kesu", Dept. 情報'
out=$("$KESU" wipe --no-auth --operator "-op" --witness "+wit" --organization "$ORG" --destination lease-return \
    --class 1 --key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --cert-dir "$C" --ledger "$K/ledger.jsonl" \
    --method zero --verify none --yes --json --asset '=1+1,@SUM(A1),資産-3' "${imgs[@]}"); rc=$?
t_eq "three certificates issued" "0 PASS PASS PASS" \
    "$rc $(jq -r 'select(.event == "result") | .certificate.result' <<<"$out" | xargs)"

report() { "$KESU" cert report "$@"; }

# csv_facts FILE: python3 reads it as RFC 4180 CSV; prints "bom …", "crlf …", "header …", "rows N",
# then each row as one JSON object (for jq)
csv_facts() {
    python3 - "$1" <<'PY'
import csv, io, json, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8-sig")
print("bom", raw.startswith(b"\xef\xbb\xbf"))
# every line ends in CRLF: no LF without its CR before it (these tables have no line break inside a field)
bare_lf = sum(1 for i, b in enumerate(raw) if b == 0x0A and (i == 0 or raw[i - 1] != 0x0D))
print("crlf", raw.endswith(b"\r\n") and bare_lf == 0)
print("header", " ".join(next(csv.reader(io.StringIO(text, newline="")))))
rows = list(csv.DictReader(io.StringIO(text, newline="")))
print("rows", len(rows))
for r in rows:
    print("row", json.dumps(r, ensure_ascii=False))
PY
}
# row FACTS N: row N's JSON object
row() { grep '^row ' <<<"$1" | sed 's/^row //' | jq -c "select(.sequence == \"$2\")"; }

echo "# CSV from real certificates"
report --key "$PUB" "$C" >"$T_DIR/r.csv" 2>"$T_DIR/r.err"; rc=$?
t_eq "report of a whole folder: exit 0" 0 "$rc"
facts=$(csv_facts "$T_DIR/r.csv")
t_eq "CSV: the documented columns, in order" "header $COLUMNS" "$(grep '^header ' <<<"$facts")"
t_eq "CSV: one row per certificate" "rows 3" "$(grep '^rows ' <<<"$facts")"
t_eq "CSV: no BOM unless asked" "bom False" "$(grep '^bom ' <<<"$facts")"
t_eq "CSV: CRLF line ends (RFC 4180)" "crlf True" "$(grep '^crlf ' <<<"$facts")"
t_eq "CSV: sequence, serial, result, status" "1 $S-000001 PASS ok|2 $S-000002 PASS ok|3 $S-000003 PASS ok" \
    "$(grep '^row ' <<<"$facts" | sed 's/^row //' | jq -r '"\(.sequence) \(.serial) \(.result) \(.status)"' | paste -sd'|')"
row1=$(row "$facts" 1)
t_eq "CSV: a formula (=) is guarded with a leading '" "'=1+1" "$(jq -r .asset <<<"$row1")"
t_eq "CSV: @ is guarded" "'@SUM(A1)" "$(row "$facts" 2 | jq -r .asset)"
t_eq "CSV: - and + are guarded" "'-op '+wit" "$(jq -r '"\(.operator) \(.witness)"' <<<"$row1")"
t_eq "CSV: Japanese text as it is (UTF-8)" "資産-3" "$(row "$facts" 3 | jq -r .asset)"
t_eq "CSV: commas and quotes survive the round trip" "$ORG" "$(jq -r .organization <<<"$row1")"
J1=$C/$S-000001.json
t_eq "CSV: date_jst is the record's end in JST" "$(jq -r .times.ended_jst "$J1")" "$(jq -r .date_jst <<<"$row1")"
t_match "CSV: date_jst is ISO 8601 with +09:00" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00$" "$(jq -r .date_jst <<<"$row1")"
t_eq "CSV: class, destination, method, level, required level, key id" "1 lease-return zero Clear Clear $KEY_ID" \
    "$(jq -r '"\(.class) \(.destination) \(.method) \(.level) \(.required_level) \(.key_id)"' <<<"$row1")"
t_eq "CSV: the disk and the people's names" "$(jq -r '"\(.media.model)|\(.media.serial)|\(.media.capacity_bytes)"' "$J1")||" \
    "$(jq -r '"\(.disk_model)|\(.disk_serial)|\(.capacity_bytes)|\(.operator_name)|\(.witness_name)"' <<<"$row1")"
t_eq "CSV: hash of the record file, the file, no problems" "sha256:$(sha256sum <"$J1" | cut -d' ' -f1) $J1 " \
    "$(jq -r '"\(.hash) \(.file) \(.problems)"' <<<"$row1")"
t_eq "CSV: the summary on stderr" "3 certificates, 3 valid, 0 problems, 0 warnings: 3 PASS, 0 FAIL; 0 rows with status problem" \
    "$(head -1 "$T_DIR/r.err")"
t_match "CSV: the range checked on stderr" "Chain: sequences 1–3 checked; after 3 are outside this set \(key $KEY_ID\)" "$(cat "$T_DIR/r.err")"
grep -qE '(^|,)"?[=@+-]' "$T_DIR/r.csv"; t_eq "CSV: no field starts with =, @, + or - unguarded" 1 $?

echo "# the UTF-8 BOM for Excel"
report --key "$PUB" --bom "$C" >"$T_DIR/bom.csv" 2>/dev/null; rc=$?
t_eq "--bom: exit 0" 0 "$rc"
t_eq "--bom: the first bytes are EF BB BF" "efbbbf" "$(head -c 3 "$T_DIR/bom.csv" | od -An -tx1 | tr -d ' \n')"
t_eq "--bom: the header reads the same after it" "header $COLUMNS" "$(csv_facts "$T_DIR/bom.csv" | grep '^header ')"
t_eq "--bom: otherwise the same table" "$(tail -c +4 "$T_DIR/bom.csv" | sha256sum)" "$(sha256sum <"$T_DIR/r.csv")"

echo "# JSON Lines"
report --key "$PUB" --format jsonl "$C" >"$T_DIR/r.jsonl" 2>/dev/null; rc=$?
t_eq "JSON Lines: exit 0" 0 "$rc"
t_eq "JSON Lines: one object per line" "3 3" "$(wc -l <"$T_DIR/r.jsonl") $(jq -c . "$T_DIR/r.jsonl" | wc -l)"
t_eq "JSON Lines: the same names as the CSV columns" "$COLUMNS" "$(head -1 "$T_DIR/r.jsonl" | jq -r 'keys_unsorted | join(" ")')"
t_eq "JSON Lines: numbers, raw text (no formula guard), empty problems" "1 number =1+1 -op 0 ok PASS" \
    "$(head -1 "$T_DIR/r.jsonl" | jq -r '"\(.sequence) \(.capacity_bytes | type) \(.asset) \(.operator) \(.problems | length) \(.status) \(.result)"')"
t_eq "JSON Lines: the organisation exactly" "$ORG" "$(head -1 "$T_DIR/r.jsonl" | jq -r .organization)"
t_eq "--json is --format jsonl (the command-line contract)" "$(sha256sum <"$T_DIR/r.jsonl")" \
    "$(report --key "$PUB" --json "$C" 2>/dev/null | sha256sum)"
t_eq "--csv is --format csv" "$(sha256sum <"$T_DIR/r.csv")" "$(report --key "$PUB" --csv "$C" 2>/dev/null | sha256sum)"

echo "# --output"
report --key "$PUB" --output "$T_DIR/out.csv" "$C" >"$T_DIR/stdout" 2>/dev/null; rc=$?
t_eq "--output: exit 0, nothing on stdout" "0 0" "$rc $(wc -c <"$T_DIR/stdout")"
t_eq "--output: the same table" "$(sha256sum <"$T_DIR/r.csv")" "$(sha256sum <"$T_DIR/out.csv")"
report --key "$PUB" --format jsonl --output "$T_DIR/out.csv" "$C" 2>/dev/null
t_eq "--output: replaced whole, no temporary file left" "3 1" \
    "$(jq -c . "$T_DIR/out.csv" | wc -l) $(ls "$T_DIR" | grep -c '^out\.csv')"
report --key "$PUB" --output "$T_DIR/no/such/dir/out.csv" "$C" >/dev/null 2>&1; t_eq "--output into a missing folder: exit 2" 2 $?

echo "# a tampered certificate is never shown as fine"
W=$T_DIR/work; cp -a "$C" "$W"
python3 - "$W/$S-000002.json" <<'PY'
import json, sys
p = sys.argv[1]; r = json.load(open(p))
r["asset_number"] = "A-999"   # canonical again, so only the signature can tell
open(p, "w").write(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
PY
report --key "$PUB" "$W" >"$T_DIR/t.csv" 2>"$T_DIR/t.err"; rc=$?
t_eq "tampered: exit 1" 1 "$rc"
facts=$(csv_facts "$T_DIR/t.csv")
row2=$(row "$facts" 2)
t_eq "tampered: its row says UNVERIFIED and problem" "UNVERIFIED problem A-999" "$(jq -r '"\(.result) \(.status) \(.asset)"' <<<"$row2")"
t_eq "tampered: its problems say why" "bad-signature: the signature does not match: the certificate was altered" \
    "$(jq -r .problems <<<"$row2")"
t_eq "tampered: the others are fine" "PASS ok PASS ok" \
    "$(for i in 1 3; do row "$facts" $i | jq -r '"\(.result) \(.status)"'; done | xargs)"
t_match "tampered: counted on stderr" "1 row with status problem" "$(cat "$T_DIR/t.err")"
t_eq "tampered: JSON Lines" "UNVERIFIED problem bad-signature PROBLEM" \
    "$(report --key "$PUB" --format jsonl "$W" 2>/dev/null | jq -r 'select(.sequence == 2) | "\(.result) \(.status) \(.problems[0].kind) \(.problems[0].severity)"')"

echo "# no key: nothing can be verified, and every row says so"
report "$C" >"$T_DIR/nokey.csv" 2>"$T_DIR/nokey.err"; rc=$?
t_eq "no key: exit 1" 1 "$rc"
t_eq "no key: every row unverified" "UNVERIFIED problem|UNVERIFIED problem|UNVERIFIED problem" \
    "$(csv_facts "$T_DIR/nokey.csv" | grep '^row ' | sed 's/^row //' | jq -r '"\(.result) \(.status)"' | paste -sd'|')"
t_match "no key: said on stderr" "no --key given" "$(cat "$T_DIR/nokey.err")"
t_match "no key: the problem is the unknown key" "unknown-key: signed by key $KEY_ID, which is not among the given keys" "$(cat "$T_DIR/nokey.csv")"

echo "# a missing PDF is a warning on its row; a gap belongs to no row"
rm -rf "$W"; cp -a "$C" "$W"; rm "$W/$S-000003.pdf"
report --key "$PUB" "$W" >"$T_DIR/w.csv" 2>/dev/null; rc=$?
t_eq "missing PDF: exit 0" 0 "$rc"
t_eq "missing PDF: its row is PASS with a warning" \
    "PASS warning missing-pdf: $S-000003 has no PDF beside it (the signed record is intact)" \
    "$(row "$(csv_facts "$T_DIR/w.csv")" 3 | jq -r '"\(.result) \(.status) \(.problems)"')"
rm "$W/$S-000002".*
report --key "$PUB" "$W" >"$T_DIR/g.csv" 2>"$T_DIR/g.err"; rc=$?
t_eq "a gap: exit 1" 1 "$rc"
t_match "a gap: on stderr" "PROBLEM +key $KEY_ID: certificate 2 is missing" "$(cat "$T_DIR/g.err")"
t_eq "a gap: the rows there are fine" "1 ok|3 warning" \
    "$(csv_facts "$T_DIR/g.csv" | grep '^row ' | sed 's/^row //' | jq -r '"\(.sequence) \(.status)"' | paste -sd'|')"
report --key "$PUB" "$C/$S-000003.json" >/dev/null 2>"$T_DIR/one.err"; rc=$?
t_eq "one certificate of sequence 3: exit 0" 0 "$rc"
t_match "one certificate: the range on stderr" "Chain: sequence 3 checked; 1–2 and after 3 are outside this set" "$(cat "$T_DIR/one.err")"
report --key "$PUB" --complete "$C/$S-000003.json" >/dev/null 2>&1; t_eq "one certificate, --complete: exit 1" 1 $?
report --key "$PUB" --ledger "$K/ledger.jsonl" "$C" >/dev/null 2>&1; t_eq "--ledger, the whole folder: exit 0" 0 $?

echo "# a path with a comma, quotes and a line break"
odd=$T_DIR/$'a,b "q"\nline'
cp -a "$C" "$odd"
report --key "$PUB" "$odd" >"$T_DIR/odd.csv" 2>/dev/null; rc=$?
t_eq "odd path: exit 0" 0 "$rc"
t_eq "odd path: read back exactly" "$odd/$S-000001.json" \
    "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))); print(r[0]["file"], end="")' "$T_DIR/odd.csv")"
t_eq "odd path: still three rows" 3 "$(csv_facts "$T_DIR/odd.csv" | grep -c '^row ')"

echo "# many certificates, FAILs among them (signed by the test tool)"
M=$T_DIR/minted
"$KESU_CERT_MINT" --key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --out "$M" --count 300 --fail-every 7 \
    >/dev/null || t_fail "kesu-cert-mint failed"
report --key "$PUB" --format jsonl "$M" >"$T_DIR/m.jsonl" 2>/dev/null; rc=$?
t_eq "300 minted: exit 0 (FAILs and missing PDFs are no problems)" 0 "$rc"
t_eq "300 minted: rows, FAIL rows, warnings" "300 42 300" \
    "$(jq -s '"\(length) \([.[] | select(.result == "FAIL")] | length) \([.[] | select(.status == "warning")] | length)"' -r "$T_DIR/m.jsonl")"
t_eq "300 minted: in sequence order" "$(seq 1 300 | xargs)" "$(jq -r .sequence "$T_DIR/m.jsonl" | xargs)"

echo "# usage"
report --key "$PUB" --format jsonl --bom "$C" >/dev/null 2>&1; t_eq "--bom with JSON Lines: exit 2" 2 $?
report --key "$PUB" --format xml "$C" >/dev/null 2>&1; t_eq "an unknown format: exit 2" 2 $?
report --key "$PUB" >/dev/null 2>&1; t_eq "no folder: exit 2" 2 $?
help=$(report --help); rc=$?
t_eq "--help: exit 0" 0 "$rc"
missing=""
for c in $COLUMNS; do grep -qE "^  $c +[a-zA-Z\"]" <<<"$help" || missing+=" $c"; done
t_eq "--help: documents every column" "" "$missing"
t_match "--help: documents the formula guard" "leading '" "$help"
t_match "kesu cert --help lists report" "kesu cert report" "$("$KESU" cert --help)"

t_done
