#!/usr/bin/env bash
# The disposal session end to end: the policy refuses up front what cannot reach the class's level
# (the disk's stamp survives), class 1 passes with two people who really log in (passphrase + a
# TOTP code from stock oathtool), wrong factors and one person twice are refused with the disk
# untouched, the certificate records who and how, a FAIL says why on screen, and 100 kill -9 at
# random moments during wipes of 2-4 loop devices, each followed by a restart, leave every started
# disposal with exactly one certificate and a folder the auditor passes.
. "$(dirname "$0")/../lib.sh"

t_require losetup jq oathtool minisign
t_workdir /dev/shm
K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }
PUB=$K/appliance.pub
base=(--key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --cert-dir "$C" --organization "千歳市"
      --destination lease-return --yes --json)

# add_user ID NAME: prints the TOTP secret; the passphrase is "pass-ID-1234"
add_user() {
    echo "pass-$1-1234" >"$T_DIR/$1.pass"
    "$KESU" user add "$1" --name "$2" --role operator --passphrase-file "$T_DIR/$1.pass" --key "$K/appliance.key" \
        --key-passphrase-file "$T_DIR/pass" | sed -n 's/^TOTP secret: *//p'
}
# secret ID SECRET [PASSPHRASE]: the file `kesu wipe` reads (passphrase, then the current code)
secret() {
    printf '%s\n%s\n' "${3:-pass-$1-1234}" "$(oathtool --totp -b "$2")" >"$T_DIR/$1.secret"
    echo "$T_DIR/$1.secret"
}
stamp() { truncate -s "${2:-8M}" "$1"; printf 'KESU-STAMP' | dd of="$1" conv=notrunc status=none; }
stamped() { [ "$(head -c 10 "$1")" = "KESU-STAMP" ] && echo yes || echo no; }

OP_SECRET=$(add_user op1 "山田 太郎"); WI_SECRET=$(add_user wi1 "佐藤 花子")
t_match "two users added, each with a TOTP secret" "^[A-Z2-7]{32}$" "$OP_SECRET"
X_SECRET=$(add_user op2 "鈴木 一郎"); Y_SECRET=$(add_user wi2 "高橋 二郎")

echo "# the policy, before anything is written"
stamp "$T_DIR/c2.img"
err=$("$KESU" wipe "${base[@]}" --method zero --class 2 --asset P-2 --operator op1 --witness wi1 \
    --operator-secret-file "$(secret op1 "$OP_SECRET")" --witness-secret-file "$(secret wi1 "$WI_SECRET")" \
    "$T_DIR/c2.img" 2>&1 >/dev/null); rc=$?
t_eq "class 2 by zero: refused for safety (exit 3)" 3 "$rc"
t_match "class 2 by zero: one line saying class, level, what zero reaches and what would" \
    "class 2 needs Purge.*zero \(overwrite\) reaches Clear; use purge.*sanitize-crypto" "$err"
t_eq "class 2 by zero: the stamp survives" yes "$(stamped "$T_DIR/c2.img")"
t_eq "class 2 by zero: no certificate" 0 "$(find "$C" -name '*.json' | wc -l)"
for cls in 3 3A 3B 3C; do
    "$KESU" wipe "${base[@]}" --no-auth --operator a --witness b --method dod7 --class $cls --asset P \
        "$T_DIR/c2.img" >/dev/null 2>&1
    t_eq "class $cls by dod7: refused (exit 3)" 3 $?
done
"$KESU" wipe "${base[@]}" --no-auth --operator a --witness b --method zero --class mynumber --asset P \
    "$T_DIR/c2.img" >/dev/null 2>"$T_DIR/mn.err"
t_eq "My Number media to lease return: refused (exit 3)" 3 $?
t_match "My Number media: destruction is what it needs" "Destroy" "$(cat "$T_DIR/mn.err")"
t_eq "all refusals: the stamp survives" yes "$(stamped "$T_DIR/c2.img")"
printf '# stricter than the guideline: class 1 needs Purge too\n1 * Purge any\n* * Purge any\n' >"$T_DIR/strict.policy"
"$KESU" wipe "${base[@]}" --no-auth --operator a --witness b --method zero --class 1 --asset P \
    --policy "$T_DIR/strict.policy" "$T_DIR/c2.img" >/dev/null 2>"$T_DIR/strict.err"
t_eq "an administrator's policy file is used: class 1 refused (exit 3)" 3 $?
t_match "an administrator's policy: the reason" "class 1 needs Purge" "$(cat "$T_DIR/strict.err")"
printf '1 * Cleer any\n' >"$T_DIR/bad.policy"
"$KESU" wipe "${base[@]}" --no-auth --operator a --witness b --method zero --class 1 --asset P \
    --policy "$T_DIR/bad.policy" "$T_DIR/c2.img" >/dev/null 2>"$T_DIR/bad.err"
t_eq "a broken policy file: exit 2" 2 $?
t_match "a broken policy file: its line is named" "bad.policy:1" "$(cat "$T_DIR/bad.err")"

echo "# class 1: both people log in with two factors"
stamp "$T_DIR/c1.img"
out=$("$KESU" wipe "${base[@]}" --method zero --class 1 --asset P-1 --operator op1 --witness wi1 \
    --operator-secret-file "$(secret op1 "$OP_SECRET")" --witness-secret-file "$(secret wi1 "$WI_SECRET")" \
    "$T_DIR/c1.img" 2>"$T_DIR/c1.err"); rc=$?
t_eq "class 1 by zero, logged in: exit 0" 0 "$rc"
cert=$(jq -r 'select(.event == "result") | .certificate.json' <<<"$out")
t_eq "the certificate: PASS" PASS "$(jq -r .result "$cert")"
t_eq "the certificate: who, by name, and how they were authenticated" \
    "op1 山田 太郎 wi1 佐藤 花子 passphrase+totp (operator and witness)" \
    "$(jq -r '.people | "\(.operator) \(.operator_name) \(.witness) \(.witness_name) \(.authentication)"' "$cert")"
t_eq "the certificate: required and achieved level from the session" "Clear Clear" \
    "$(jq -r '.sanitization | "\(.required_level) \(.achieved_level)"' "$cert")"
t_match "the certificate: its disposal id (the journal's)" "^[0-9a-f]{32}$" "$(jq -r .disposal_id "$cert")"
minisign -V -q -p "$PUB" -m "$cert" >/dev/null 2>&1
t_eq "the certificate: stock minisign accepts it" 0 $?
if grep -rq -- "pass-op1-1234" "$C" "$T_DIR/c1.err" || grep -q -- "pass-op1-1234" <<<"$out"; then
    t_fail "a passphrase leaked"
else t_pass "no passphrase in the output, the errors or the certificates"; fi

echo "# wrong factors, one person twice: refused, disk untouched"
stamp "$T_DIR/r.img"
refuse_login() { # DESCRIPTION REGEX ARGS...
    local desc=$1 re=$2; shift 2
    local err rc n
    n=$(find "$C" -name '*.json' | wc -l)
    err=$("$KESU" wipe "${base[@]}" --method zero --class 1 --asset R "$@" "$T_DIR/r.img" 2>&1 >/dev/null); rc=$?
    t_eq "$desc: exit 2" 2 "$rc"
    t_match "$desc: message" "$re" "$err"
    t_eq "$desc: the stamp survives" yes "$(stamped "$T_DIR/r.img")"
    t_eq "$desc: no certificate" "$n" "$(find "$C" -name '*.json' | wc -l)"
}
refuse_login "wrong passphrase" "operator op2: wrong passphrase or code" --operator op2 --witness wi2 \
    --operator-secret-file "$(secret op2 "$X_SECRET" wrong-passphrase)" --witness-secret-file "$(secret wi2 "$Y_SECRET")"
printf 'pass-op2-1234\n000000\n' >"$T_DIR/badcode"
refuse_login "wrong TOTP code" "operator op2: wrong passphrase or code" --operator op2 --witness wi2 \
    --operator-secret-file "$T_DIR/badcode" --witness-secret-file "$(secret wi2 "$Y_SECRET")"
refuse_login "the witness's code for the operator" "wrong passphrase or code" --operator op2 --witness wi2 \
    --operator-secret-file "$(secret op2 "$Y_SECRET")" --witness-secret-file "$(secret wi2 "$Y_SECRET")"
refuse_login "unknown user" "nobody" --operator nobody --witness wi2 \
    --operator-secret-file "$(secret op2 "$X_SECRET")" --witness-secret-file "$(secret wi2 "$Y_SECRET")"
refuse_login "operator == witness" "the witness must be another person" --operator op2 --witness op2 \
    --operator-secret-file "$(secret op2 "$X_SECRET")" --witness-secret-file "$(secret op2 "$X_SECRET")"
refuse_login "no secrets and no terminal" "must log in" --operator op2 --witness wi2
cp "$(secret op1 "$OP_SECRET")" "$T_DIR/op1.used"
"$KESU" user check op1 --secret-file "$T_DIR/op1.used" --key "$K/appliance.key" >/dev/null 2>&1
refuse_login "a code already used" "operator op1: wrong passphrase or code" --operator op1 --witness wi2 \
    --operator-secret-file "$T_DIR/op1.used" --witness-secret-file "$(secret wi2 "$Y_SECRET")"

echo "# --no-auth is written on the certificate"
stamp "$T_DIR/na.img"
out=$("$KESU" wipe "${base[@]}" --no-auth --operator demo-a --witness demo-b --method zero --class 1 --asset NA \
    "$T_DIR/na.img" 2>/dev/null)
t_match "--no-auth: on the certificate" "^none \(--no-auth" \
    "$(jq -r '.people.authentication' "$(jq -r 'select(.event == "result") | .certificate.json' <<<"$out")")"

echo "# a FAIL says why, on the screen and in the JSON"
mkdir -p "$T_DIR/tiny" && mount -t tmpfs -o size=1m kesu-session-tiny "$T_DIR/tiny" && T_MOUNTS+=("$T_DIR/tiny")
truncate -s 4M "$T_DIR/tiny/full.img"
human=$("$KESU" wipe "${base[@]:0:${#base[@]}-1}" --no-auth --operator a --witness b --method zero --class 1 --asset F \
    "$T_DIR/tiny/full.img" 2>&1); rc=$?
t_eq "no space: exit 1" 1 "$rc"
t_match "no space: the screen says why" "why: overwrite no-space" "$human"
json=$("$KESU" wipe "${base[@]}" --no-auth --operator a --witness b --method zero --class 1 --asset F \
    "$T_DIR/tiny/full.img" 2>/dev/null)
t_match "no space: the JSON says why" "overwrite no-space" \
    "$(jq -r 'select(.event == "result") | .certificate.failure_reasons[]' <<<"$json")"

echo "# kill -9 at random moments, 100 times, each followed by a restart"
# (a key of its own: its ledger, its sequence and its disposals in the journal are this part's)
KC=$T_DIR/kill-certs KK=$T_DIR/kill-keys; mkdir -p "$KC" "$KK"
"$KESU" key init --dir "$KK" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }
KID=$("$KESU" key show --dir "$KK" | sed -n 's/^Key id: *//p')
loops=()
for i in 1 2 3 4; do t_loop "$(t_file "k$i.img" 24M)"; loops+=("$T_LOOP"); done
kill_args=(--key "$KK/appliance.key" --passphrase-file "$T_DIR/pass" --cert-dir "$KC" --no-auth --operator a
           --witness b --class 1 --destination recycling --yes --json --method random --verify full)
runs=${KESU_KILL_RUNS:-100}
for i in $(seq "$runs"); do
    n=$((2 + RANDOM % 3))
    assets=$(for k in $(seq "$n"); do printf 'K%03d-%d,' "$i" "$k"; done)
    "$KESU" wipe "${kill_args[@]}" --asset "${assets%,}" "${loops[@]:0:$n}" >/dev/null 2>&1 &
    pid=$!
    # anywhere from the key's unlocking to the certificates' filing
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.2 + (r % 2000) / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
# the last restart, which also certifies what the last kill left
"$KESU" wipe "${kill_args[@]}" --asset END-1,END-2 "${loops[@]:0:2}" >"$T_DIR/final.out" 2>"$T_DIR/final.err"
t_eq "after $runs kills: the restart runs (exit 0)" 0 $?
J=$KESU_STATE_DIR/journal.jsonl
started=$(jq -r --arg k "$KID" 'select(.event == "started" and .key_id == $k) | .disposal_id' "$J" | sort)
certified=$(for f in "$KC"/KESU-*.json; do jq -r '.disposal_id // "none"' "$f"; done | sort)
t_match "some disposals were started and journalled" "^[1-9][0-9]*$" "$(grep -c . <<<"$started")"
t_eq "every started disposal has exactly one certificate, none twice" "$started" "$certified"
t_eq "no certificate without a disposal" 0 "$(grep -c none <<<"$certified")"
t_eq "the journal has nothing unfinished" 0 \
    "$(jq -sr '[.[] | select(.event == "started") | .disposal_id] - [.[] | select(.event == "finished") | .disposal_id] | length' "$J")"
"$KESU" cert verify --key "$KK/appliance.pub" --json "$KC" >"$T_DIR/kill-audit.json" 2>&1
t_eq "the auditor: no problem (no gap, no fork, no duplicate)" "0 0" \
    "$(jq -r '"\(.problems) \([.findings[] | select(.kind == "gap" or .kind == "duplicate" or .kind == "fork" or .kind == "broken-chain")] | length)"' "$T_DIR/kill-audit.json")"
echo "     ($(wc -l <<<"$started") disposals started in $runs killed runs; $(jq -r .fail "$T_DIR/kill-audit.json") FAIL, $(jq -r .pass "$T_DIR/kill-audit.json") PASS)"

t_done
