#!/usr/bin/env bash
# Bad input is refused before anything is written, and a broken output never stops a disposal:
# text that is not UTF-8 or hides characters (bidirectional overrides, zero width, controls) in
# every text field and in the configuration file, blank people, asset lists that do not map one to
# one, over-long fields, options after the targets, a passphrase FIFO with no writer, and
# `kesu wipe --json … | head -1` (SIGPIPE) — the disk is erased and its certificate filed.
# Every refusal checks that a marker on the target survived.
. "$(dirname "$0")/../lib.sh"

t_require jq minisign timeout
t_workdir /dev/shm
export KESU_STATE_DIR=$T_DIR/state

K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }
cert_args=(--no-auth --operator "山田 太郎" --witness "佐藤 花子" --class 1 --destination lease-return
           --organization "千歳市 総務部" --key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --cert-dir "$C")

# A 1 MiB target with a marker that every refusal must leave in place.
new_target() {
    truncate -s 1M "$1"
    printf 'KESU-MARKER-%s' "$(basename "$1")" | dd of="$1" conv=notrunc status=none
}
new_target "$T_DIR/keep.img"
keep_sum=$(sha256sum <"$T_DIR/keep.img")
n_certs() { find "$C" -maxdepth 1 -name '*.json' | wc -l; }

refuse() { # DESCRIPTION EXIT REGEX ARGS... (the target is appended)
    local desc=$1 want=$2 re=$3; shift 3
    local err rc before
    before=$(n_certs)
    err=$("$KESU" wipe --yes --method zero --verify none "$@" "$T_DIR/keep.img" 2>&1 >/dev/null); rc=$?
    t_eq "$desc: exit $want" "$want" "$rc"
    t_match "$desc: message" "$re" "$err"
    t_eq "$desc: disk untouched" "$keep_sum" "$(sha256sum <"$T_DIR/keep.img")"
    t_eq "$desc: no certificate" "$before" "$(n_certs)"
}

echo "# text that is not UTF-8, in each field"
bad=$'\xff\xfe'
for field in operator witness asset organization media-source; do
    args=(--asset A-1 "${cert_args[@]}")
    args+=("--$field" "x${bad}y")
    refuse "non-UTF-8 --$field" 2 "--$field is not valid UTF-8" "${args[@]}"
done

echo "# invisible and bidirectional characters"
for cp in 202E 2066 2067 2068 2069 200B 200F 0007 001B FEFF FFFF; do
    ch=$(printf "\\u$cp")
    refuse "U+$cp in --asset" 2 "--asset holds a control or invisible character .*<U\\+$cp>" \
        --asset "SS${ch}AP" "${cert_args[@]}"
done
refuse "U+202E in --organization" 2 "--organization holds a control or invisible character" \
    --asset A-1 "${cert_args[@]}" --organization $'\u202eSSAP'
refuse "newline in --asset" 2 "--asset holds a control or invisible character" --asset $'A\n1' "${cert_args[@]}"

echo "# blank people"
refuse "blank operator" 2 "--operator is blank" --asset A-1 "${cert_args[@]}" --operator " "
refuse "blank witness" 2 "--witness is blank" --asset A-1 "${cert_args[@]}" --witness "  "
refuse "the same person with blanks around" 2 "the witness must be another person" \
    --asset A-1 "${cert_args[@]}" --witness " 山田 太郎  "

echo "# asset lists map one to one"
new_target "$T_DIR/b.img"; new_target "$T_DIR/c.img"
sums3() { sha256sum "$T_DIR/keep.img" "$T_DIR/b.img" "$T_DIR/c.img" | awk '{print $1}' | tr '\n' ' '; }
before3=$(sums3)
for list in "A1,,A3" "A1,A2" "A1, ,A3" "A1,A2,A3,A4" ",A2,A3" "A1,A2,"; do
    err=$("$KESU" wipe --yes --method zero --verify none --asset "$list" "${cert_args[@]}" \
        "$T_DIR/keep.img" "$T_DIR/b.img" "$T_DIR/c.img" 2>&1 >/dev/null); rc=$?
    t_eq "asset list '$list': exit 2" 2 "$rc"
    t_match "asset list '$list': message" "asset number|asset numbers for 3 targets" "$err"
done
t_eq "asset lists: no disk touched" "$before3" "$(sums3)"
refuse "asset of 65 bytes" 2 "longer than 64 bytes" --asset "$(printf 'A%.0s' $(seq 65))" "${cert_args[@]}"
refuse "organization of 300 bytes" 2 "--organization is longer than" --asset A-1 "${cert_args[@]}" \
    --organization "$(printf 'O%.0s' $(seq 300))"

echo "# the configuration file is checked the same way"
printf 'organization = %s\n' $'Bad\u202eCity' >"$T_DIR/bidi.conf"
refuse "bidi override in kesu.conf" 2 "--organization holds a control or invisible character" \
    --asset A-1 "${cert_args[@]/--organization/--media-source}" --config "$T_DIR/bidi.conf"
printf 'media-source = %s\n' "$bad" >"$T_DIR/bad.conf"
refuse "non-UTF-8 in kesu.conf" 2 "--media-source is not valid UTF-8" --asset A-1 "${cert_args[@]}" --config "$T_DIR/bad.conf"

echo "# a target path that is not UTF-8"
weird="$T_DIR/disk-$bad.img"
new_target "$weird"
wsum=$(sha256sum <"$weird")
err=$("$KESU" wipe --yes --method zero --verify none --no-cert --json "$weird" 2>&1 >/dev/null); rc=$?
t_eq "non-UTF-8 target path: exit 2" 2 "$rc"
t_match "non-UTF-8 target path: message" "path is not valid UTF-8" "$err"
t_eq "non-UTF-8 target path: untouched" "$wsum" "$(sha256sum <"$weird")"

echo "# options after the targets are options"
new_target "$T_DIR/late.img"
out=$("$KESU" wipe "$T_DIR/late.img" --yes --method one --verify none --no-cert --json 2>&1); rc=$?
t_eq "options after the target: exit 0" 0 "$rc"
t_eq "options after the target: method one used" "one" "$(jq -r 'select(.event == "result") | .method' <<<"$out")"
t_eq "options after the target: all ones" "$(head -c 1M /dev/zero | tr '\0' '\377' | sha256sum)" \
    "$(sha256sum <"$T_DIR/late.img")"

echo "# a passphrase FIFO with no writer"
mkfifo "$T_DIR/fifo"
start=$(date +%s)
err=$(timeout 60 "$KESU" wipe --yes --method zero --verify none --asset A-1 "${cert_args[@]}" \
    --passphrase-file "$T_DIR/fifo" "$T_DIR/keep.img" 2>&1 >/dev/null); rc=$?
t_eq "FIFO without writer: exit 2 (not a hang)" 2 "$rc"
t_match "FIFO without writer: says it timed out" "passphrase file .* (timed out|no writer)" "$err"
t_eq "FIFO without writer: disk untouched" "$keep_sum" "$(sha256sum <"$T_DIR/keep.img")"
t_match "FIFO without writer: gave up within 30 s" "^([0-9]|[12][0-9])$" "$(($(date +%s) - start))"
# a writer that comes a moment late is waited for
(sleep 1; cat "$T_DIR/pass" >"$T_DIR/fifo") &
new_target "$T_DIR/fifo.img"
"$KESU" wipe --yes --method zero --verify none --asset A-FIFO "${cert_args[@]}" --passphrase-file "$T_DIR/fifo" \
    "$T_DIR/fifo.img" >/dev/null 2>&1
t_eq "FIFO with a late writer: exit 0" 0 $?
wait

echo "# a closed output pipe (SIGPIPE) does not stop the disposal"
truncate -s 64M "$T_DIR/pipe.img"
printf 'KESU-MARKER' | dd of="$T_DIR/pipe.img" conv=notrunc status=none
before=$(n_certs)
set -o pipefail
"$KESU" wipe --yes --json --method zero --verify sample --asset A-PIPE "${cert_args[@]}" "$T_DIR/pipe.img" \
    2>"$T_DIR/pipe.err" | head -c 1 >/dev/null
set +o pipefail
# kesu may outlive head; wait for it to file the certificate
for _ in $(seq 300); do
    [ "$(n_certs)" -gt "$before" ] && ! pgrep -f "kesu wipe .*$T_DIR/pipe.img" >/dev/null && break
    sleep 0.1
done
t_eq "closed pipe: one certificate filed" "$((before + 1))" "$(n_certs)"
cert=$(grep -l '"A-PIPE"' "$C"/*.json | head -1)
t_eq "closed pipe: certificate says PASS" "PASS" "$(jq -r .result "$cert" 2>/dev/null)"
t_eq "closed pipe: disk zeroed" "$(head -c 64M /dev/zero | sha256sum)" "$(sha256sum <"$T_DIR/pipe.img")"
minisign -V -q -p "$K/appliance.pub" -m "$cert" >/dev/null 2>&1
t_eq "closed pipe: stock minisign accepts the certificate" 0 $?

echo "# an option without its value is told as such (from the option table), an unknown one as unknown"
for args in "wipe --psid-file" "wipe --sid-file" "wipe --method" "verify --mode" "cert verify --key" \
    "cert export --config" "cert report --format"; do
    read -r -a argv <<<"$args"
    err=$("$KESU" "${argv[@]}" 2>&1 >/dev/null); rc=$?
    t_eq "$args (no value): exit 2" 2 "$rc"
    t_match "$args (no value): says it needs a value" "option '${argv[-1]}' needs a value" "$err"
done
err=$("$KESU" wipe --no-such-option "$T_DIR/keep.img" 2>&1 >/dev/null); rc=$?
t_match "wipe --no-such-option: exit 2, named unknown" "^2 .*unknown option '--no-such-option'" "$rc $err"
t_eq "option errors: the target is untouched" "$keep_sum" "$(sha256sum <"$T_DIR/keep.img")"

echo "# a TCG revert's secret: checked before anything (a file is no self-encrypting drive: never sent)"
printf '0123456789ABCDEF\n' >"$T_DIR/psid-short"
printf 'owner sid\n' >"$T_DIR/sid"
n_before=$(n_certs)
psid_run() { err=$("$KESU" wipe --yes "${cert_args[@]}" --asset T-1 "$@" "$T_DIR/keep.img" 2>&1 >/dev/null); rc=$?; }
psid_run --method tcg-psid-revert --psid-file "$T_DIR/psid-short"
t_match "a PSID of 16 characters: exit 2, told what a PSID is" "^2 .*32 letters and digits printed on the drive's label" "$rc $err"
psid_run --method tcg-psid-revert
t_match "tcg-psid-revert without a PSID: exit 2" "^2 .*needs the PSID printed on the drive's label: --psid-file" "$rc $err"
psid_run --method zero --sid-file "$T_DIR/sid"
t_match "--sid-file with another method: exit 2" "^2 .*--sid-file goes with --method tcg-revert only" "$rc $err"
psid_run --method tcg-revert --sid-file "$T_DIR/sid" --psid-file "$T_DIR/psid-short"
t_match "--sid-file and --psid-file together: exit 2" "^2 .*exclude each other" "$rc $err"
t_eq "TCG secrets refused: the target is untouched, nothing certified" "$keep_sum $n_before" \
    "$(sha256sum <"$T_DIR/keep.img") $(n_certs)"

echo "# the folder is still a valid folder"
"$KESU" cert verify --key "$K/appliance.pub" "$C" >"$T_DIR/audit.out" 2>&1
t_eq "cert verify over the folder: exit 0" 0 $? || cat "$T_DIR/audit.out" >&2

t_done
