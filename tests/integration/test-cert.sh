#!/usr/bin/env bash
# Certificates end to end: keys and their refusals, certificates from real wipes of loop devices
# and files, stock minisign accepting them and refusing every single-byte change, the QR read back
# from the PDF with pdftoppm + zbarimg, a folder with a removed, a duplicated and an edited
# certificate, FAIL records, and a ledger that survives kill -9 at random moments.
. "$(dirname "$0")/../lib.sh"

t_require losetup jq python3 minisign pdftoppm zbarimg sha256sum
: "${KESU_FAULTFS:=}"
if [ -z "$KESU_FAULTFS" ] || [ ! -x "$KESU_FAULTFS" ]; then
    if [ "${CI:-}" = "true" ]; then echo "FAIL: kesu-faultfs missing" >&2; exit 1; fi
    echo "SKIP: kesu-faultfs missing" >&2; exit 77
fi
t_workdir /dev/shm
FUSE_PIDS=()
FUSE_MNTS=()
trap 'for m in "${FUSE_MNTS[@]}"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
      for p in "${FUSE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; t_cleanup' EXIT

K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
echo "wrong" >"$T_DIR/wrong"
cert_args=(--no-auth --operator "山田 太郎" --witness "佐藤 花子" --class 1 --destination lease-return
           --organization "千歳市 総務部" --key "$K/appliance.key" --passphrase-file "$T_DIR/pass" --cert-dir "$C")
results() { jq -c 'select(.event == "result")' <<<"$1"; }

echo "# keys"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >"$T_DIR/keyinit.out"
t_eq "key init: exit 0" 0 $?
t_eq "key init: secret key mode 600" 600 "$(stat -c %a "$K/appliance.key")"
t_match "key init: key id shown" "Key id: +[0-9A-F]{16}" "$(cat "$T_DIR/keyinit.out")"
sums=$(sha256sum "$K"/appliance.*)
err=$("$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" 2>&1); rc=$?
t_eq "key init again: exit 2" 2 $rc
t_match "key init again: not overwritten" "already holds a key; it is not overwritten" "$err"
t_eq "key init again: key files unchanged" "$sums" "$(sha256sum "$K"/appliance.*)"
t_match "key show: same id" "$(grep -o '[0-9A-F]\{16\}' "$T_DIR/keyinit.out" | head -1)" "$("$KESU" key show --dir "$K")"
t_match "key show --qr draws a code" "█" "$("$KESU" key show --dir "$K" --qr)"

echo "# refusals before anything is written"
printf 'x%.0s' $(seq 4096) >"$T_DIR/keep.img"
keep_sum=$(sha256sum <"$T_DIR/keep.img")
refuse() { # DESCRIPTION REGEX ARGS...
    local desc=$1 re=$2; shift 2
    local err rc
    err=$("$KESU" wipe --yes "$@" "$T_DIR/keep.img" 2>&1 >/dev/null); rc=$?
    t_eq "$desc: exit 2" 2 "$rc"
    t_match "$desc: message" "$re" "$err"
    t_eq "$desc: disk untouched" "$keep_sum" "$(sha256sum <"$T_DIR/keep.img")"
}
refuse "wrong passphrase" "wrong passphrase; nothing was written" --asset A "${cert_args[@]}" --passphrase-file "$T_DIR/wrong"
refuse "missing key" "no such key file" --asset A "${cert_args[@]}" --key "$T_DIR/none.key"
cp -p "$K/appliance.key" "$T_DIR/open.key"; chmod 644 "$T_DIR/open.key"
refuse "key readable by others" "must be mode 0600" --asset A "${cert_args[@]}" --key "$T_DIR/open.key"
refuse "missing certificate folder" "certificate folder .* does not exist" --asset A "${cert_args[@]}" --cert-dir "$T_DIR/nostick"
refuse "one person twice" "the witness must be another person" --asset A "${cert_args[@]}" --witness "山田 太郎"
refuse "no asset number" "a certificate needs --asset" "${cert_args[@]}"
refuse "unknown class" "unknown confidentiality class '4'" --asset A "${cert_args[@]}" --class 4
refuse "unknown destination" "unknown destination 'landfill'" --asset A "${cert_args[@]}" --destination landfill
t_eq "refusals: no certificate filed" 0 "$(find "$C" -type f | wc -l)"

echo "# certificates from real wipes, several disks at once"
targets=()
for i in 1 2; do
    truncate -s 16M "$T_DIR/d$i.img"; t_loop "$T_DIR/d$i.img"; targets+=("$T_LOOP")
done
targets+=("$T_DIR/keep.img")
out=$("$KESU" wipe --yes --json --asset "A-1,A-2,A-3" "${cert_args[@]}" "${targets[@]}"); rc=$?
t_eq "wipe with certificates: exit 0" 0 "$rc"
t_eq "three PASS certificates" "PASS PASS PASS" "$(results "$out" | jq -r .certificate.result | xargs)"
t_eq "sequences 1-3" "1 2 3" "$(results "$out" | jq -r .certificate.sequence | sort -n | xargs)"
t_eq "asset numbers, one each" "A-1 A-2 A-3" "$(for t in "${targets[@]}"; do jq -r .asset_number "$(results "$out" | jq -r "select(.path == \"$t\") | .certificate.json")"; done | xargs)"
first=$(results "$out" | jq -r 'select(.certificate.sequence == 1) | .certificate.json')
for f in "$C"/*.json; do
    minisign -Vq -p "$K/appliance.pub" -m "$f"; t_eq "stock minisign accepts $(basename "$f")" 0 $?
done
t_eq "the chain: 2 follows 1" "$(sha256sum <"$first" | cut -d' ' -f1)" \
    "$(jq -r .previous_hash "$C"/*-000002.json | sed 's/sha256://')"
t_eq "the record: JST and UTC" "true" "$(jq '(.times.started_jst | endswith("+09:00")) and (.times.started_utc | endswith("Z"))' "$first")"
t_eq "the record: people" "山田 太郎 / 佐藤 花子" "$(jq -r '"\(.people.operator) / \(.people.witness)"' "$first")"
t_eq "the record: verification figures" "PASS 2000" "$(jq -r '"\(.verification.result) \(.verification.samples)"' "$first")"
out2=$("$KESU" cert verify --key "$K/appliance.pub" "$C"); rc=$?
t_eq "kesu cert verify: exit 0" 0 "$rc"
t_match "kesu cert verify: summary" "3 certificates, 3 valid, 0 problems" "$out2"

echo "# every single-byte change of a certificate is refused by stock minisign"
python3 - "$first" "$K/appliance.pub" <<'PY' && t_pass "minisign refuses all $(wc -c <"$first") one-byte changes" || t_fail "minisign accepted a changed byte"
import subprocess, sys, tempfile, os
path, pub = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
d = tempfile.mkdtemp(dir="/dev/shm")
flip = os.path.join(d, "flip.json")
bad = 0
for i in range(len(data)):
    open(flip, "wb").write(data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:])
    r = subprocess.run(["minisign", "-Vq", "-p", pub, "-m", flip, "-x", path + ".minisig"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bad += r.returncode == 0
os.remove(flip); os.rmdir(d)
sys.exit(1 if bad else 0)
PY
t_eq "…and the original still verifies" 0 "$(minisign -Vq -p "$K/appliance.pub" -m "$first"; echo $?)"

echo "# the paper: QR from the PDF"
pdf=${first%.json}.pdf
pdftoppm -r 150 -f 1 -l 1 -png "$pdf" "$T_DIR/page"
qr=$(zbarimg --raw -q "$T_DIR"/page*.png 2>/dev/null)
t_match "zbarimg reads the printed QR" "^KESU1\|KESU-[0-9A-F]{16}-000001\|1\|PASS\|" "$qr"
out3=$("$KESU" cert verify --key "$K/appliance.pub" --qr "$qr" "$C"); rc=$?
t_eq "QR checks against the folder: exit 0" 0 "$rc"
t_match "QR names exactly the record" "the paper names exactly this record" "$out3"
"$KESU" cert verify --key "$K/appliance.pub" --qr-image "$pdf" >/dev/null; t_eq "kesu decodes the PDF itself: exit 0" 0 $?
"$KESU" cert verify --key "$K/appliance.pub" --qr "${qr/PASS/FAIL}" >/dev/null; t_eq "a QR with one field changed: exit 1" 1 $?
"$KESU" cert verify --key "$K/appliance.pub" --qr "${qr:0:40}" >/dev/null; t_eq "a cut QR: exit 1" 1 $?

echo "# a folder with a removed, a duplicated and an edited certificate"
A=$T_DIR/audit; mkdir -p "$A"; cp "$C"/* "$A"/
rm "$A"/*-000002.json "$A"/*-000002.json.minisig
cp "$A"/*-000003.json "$A/dup.json"; cp "$A"/*-000003.json.minisig "$A/dup.json.minisig"
python3 - "$A"/*-000001.json <<'PY'
import json, sys
p = sys.argv[1]; r = json.load(open(p))
r["asset_number"] = "A-999"   # canonical again, so only the signature can tell
open(p, "w").write(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
PY
truncate -s 100 "$T_DIR/trunc.json"; cp "$C"/*-000003.json.minisig "$T_DIR/trunc.json.minisig"
out4=$("$KESU" cert verify --key "$K/appliance.pub" "$A" "$T_DIR/trunc.json"); rc=$?
t_eq "damaged folder: exit 1" 1 "$rc"
t_match "edited: signature does not match" "000001.json: the signature does not match: the certificate was altered" "$out4"
t_match "removed: the gap" "(certificate 2 is|certificates 1 to 2 are) missing" "$out4"
t_match "duplicated: twice" "dup.json: sequence 3 appears twice" "$out4"
t_match "truncated: named" "trunc.json: not a JSON certificate \(truncated or damaged" "$out4"
"$KESU" cert verify --key "$T_DIR/keys/../keys/appliance.pub" --key "$K/appliance.pub" "$C" >/dev/null; t_eq "two keys given: exit 0" 0 $?
"$KESU" key init --dir "$T_DIR" --passphrase-file "$T_DIR/pass" >/dev/null
out5=$("$KESU" cert verify --key "$T_DIR/appliance.pub" "$C"); rc=$?
t_eq "a key id that matches no given key: exit 1" 1 "$rc"
t_match "a key id that matches no given key: named" "signed by key [0-9A-F]{16}, which is not among the given keys" "$out5"

echo "# failed disposals get FAIL certificates"
truncate -s 8M "$T_DIR/bad.backing"; mkdir -p "$T_DIR/bad.mnt"
"$KESU_FAULTFS" --bad 1048576:4096 "$T_DIR/bad.backing" "$T_DIR/bad.mnt" &
FUSE_PIDS+=($!); FUSE_MNTS+=("$T_DIR/bad.mnt")
for _ in $(seq 100); do [ -e "$T_DIR/bad.mnt/disk.img" ] && break; sleep 0.05; done
out=$("$KESU" wipe --yes --json --asset B-1 "${cert_args[@]}" "$T_DIR/bad.mnt/disk.img"); rc=$?
r=$(results "$out")
t_eq "bad sectors: exit 1" 1 "$rc"
t_eq "bad sectors: FAIL certificate" FAIL "$(jq -r .certificate.result <<<"$r")"
t_match "bad sectors: the reason" "overwrite write-errors" "$(jq -r '.failure_reasons[]' "$(jq -r .certificate.json <<<"$r")")"
t_eq "bad sectors: the ranges are on the certificate" '[{"first_lba":2048,"last_lba":2055,"pass":1}]' \
    "$(jq -c .errors.unwritten_ranges "$(jq -r .certificate.json <<<"$r")")"
truncate -s 8M "$T_DIR/c3.img"
printf 'KESU-MARKER' | dd of="$T_DIR/c3.img" conv=notrunc status=none
c3=$(sha256sum <"$T_DIR/c3.img")
err=$("$KESU" wipe --yes --json --asset C-3 "${cert_args[@]}" --class 3A "$T_DIR/c3.img" 2>&1 >/dev/null); rc=$?
t_eq "class 3A by overwrite: refused up front (exit 3)" 3 "$rc"
t_match "class 3A: the policy says what it needs and what would do" "class 3A needs Purge.*random \(overwrite\) reaches Clear; use purge" "$err"
t_eq "class 3A: the disk untouched" "$c3" "$(sha256sum <"$T_DIR/c3.img")"
truncate -s 512M "$T_DIR/int.img"
"$KESU" wipe --yes --json --method gutmann --asset I-1 "${cert_args[@]}" "$T_DIR/int.img" >"$T_DIR/int.out" &
kp=$!; sleep 1; kill -INT $kp; wait $kp
r=$(results "$(cat "$T_DIR/int.out")")
t_eq "interrupted: FAIL certificate, status interrupted" "FAIL interrupted" \
    "$(jq -r .certificate.json <<<"$r" | xargs jq -r '"\(.result) \(.sanitization.status)"')"
out6=$("$KESU" cert verify --key "$K/appliance.pub" "$C"); rc=$?
t_eq "a folder with FAIL certificates still checks: exit 0" 0 "$rc"
t_match "FAIL certificates are listed as such" "records a FAILED disposal" "$out6"

echo "# on a terminal the passphrase is asked for (not echoed), then the confirmation"
truncate -s 4M "$T_DIR/tty.img"
tty_args="--no-auth --operator a --witness b --asset T-1 --class 1 --destination recycling --key $K/appliance.key --cert-dir $C"
out=$(printf 'correct horse battery staple\nyes\n' | script -qec "$KESU wipe $tty_args $T_DIR/tty.img" /dev/null 2>&1 | tr -d '\r')
t_match "terminal: passphrase prompt" "Passphrase for $K/appliance.key:" "$out"
t_match "terminal: then the question, then a PASS certificate" "About to ERASE 1 disk.*PASS .*certificate KESU-" "$(tr '\n' ' ' <<<"$out")"
out=$(printf 'not it\n' | script -qec "$KESU wipe $tty_args $T_DIR/tty.img" /dev/null 2>&1 | tr -d '\r')
t_match "terminal: a wrong passphrase refuses before the question" "wrong passphrase; nothing was written" "$out"
t_eq "terminal: a wrong passphrase asks nothing more" "" "$(grep -o 'About to ERASE' <<<"$out")"

echo "# run from the boot image: its version and build go on the certificate"
printf 'KESU_IMAGE_VERSION=0.1.0\nKESU_IMAGE_BUILD=abc1234\nKESU_IMAGE_DATE=2026-11-23\n' >"$T_DIR/image-release"
truncate -s 4M "$T_DIR/img.img"
SQ=$(printf 'squashfs' | sha256sum | cut -c1-64)
printf 'KESU_IMAGE_SQUASHFS_SHA256=%s\nKESU_IMAGE_SQUASHFS_CLAIMED=%s\n' "$SQ" "$SQ" >"$T_DIR/image-identity"
out=$(KESU_IMAGE_RELEASE="$T_DIR/image-release" KESU_IMAGE_IDENTITY="$T_DIR/image-identity" "$KESU" wipe --yes --json --asset IMG-1 "${cert_args[@]}" "$T_DIR/img.img")
t_eq "image release and its root file system's hash on the certificate" "0.1.0 abc1234 $SQ" \
    "$(jq -r '"\(.tool.image_version) \(.tool.image_build) \(.tool.image_squashfs_sha256)"' "$(results "$out" | jq -r .certificate.json)")"
printf 'KESU_IMAGE_SQUASHFS_SHA256=not-a-hash"\n' >"$T_DIR/image-identity"
truncate -s 4M "$T_DIR/img2.img"
out=$(KESU_IMAGE_RELEASE="$T_DIR/image-release" KESU_IMAGE_IDENTITY="$T_DIR/image-identity" "$KESU" wipe --yes --json --asset IMG-2 "${cert_args[@]}" "$T_DIR/img2.img")
t_eq "a malformed hash is not signed (absent)" "null" \
    "$(jq -r '.tool.image_squashfs_sha256' "$(results "$out" | jq -r .certificate.json)")"

echo "# settings from a configuration file"
cat >"$T_DIR/kesu.conf" <<CONF
# kesu appliance settings
organization = 石狩湾新港管理組合
key = $K/appliance.key
cert-dir = $C
media-source = 港湾管理課
CONF
truncate -s 4M "$T_DIR/conf.img"
out=$("$KESU" wipe --yes --json --config "$T_DIR/kesu.conf" --no-auth --operator a --witness b --asset CF-1 --class 2 \
    --destination destruction --passphrase-file "$T_DIR/pass" "$T_DIR/conf.img"); rc=$?
cf=$(results "$out" | jq -r .certificate.json)
t_eq "config: exit 0" 0 "$rc"
t_eq "config: organization and media source from the file" "石狩湾新港管理組合 港湾管理課" \
    "$(jq -r '"\(.organization) \(.media_source)"' "$cf")"
t_eq "config: class 2 before destruction needs only Clear" "PASS Clear Clear" \
    "$(jq -r '"\(.result) \(.sanitization.required_level) \(.sanitization.achieved_level)"' "$cf")"
echo "colour = blue" >"$T_DIR/bad.conf"
err=$("$KESU" wipe --yes --config "$T_DIR/bad.conf" --no-cert "$T_DIR/conf.img" 2>&1); rc=$?
t_eq "config: unknown setting: exit 2" 2 "$rc"
t_match "config: unknown setting: named with its line" "bad.conf line 1: unknown setting 'colour'" "$err"

echo "# the export stick: a copy of each certificate; a full or missing stick loses nothing"
X=$T_DIR/export
mkdir -p "$X" && mount -t tmpfs -o size=4m none "$X" && T_MOUNTS+=("$X")
# the auditor's page goes beside the certificates with the session's own export (a stand-in page:
# the real one is tested in tests/browser and on the image's KESU-EXPORT by the VM test)
echo '<!DOCTYPE html><title>kesu-verify stand-in</title>' >"$T_DIR/page.html"
export KESU_VERIFY_PAGE=$T_DIR/page.html
truncate -s 4M "$T_DIR/ex1.img"
out=$("$KESU" wipe --yes --json --asset EX-1 "${cert_args[@]}" --export-dir "$X" "$T_DIR/ex1.img"); rc=$?
ex=$(results "$out" | jq -r .certificate.json)
t_eq "export: exit 0" 0 "$rc"
t_eq "export: reported" "true" "$(results "$out" | jq -r .certificate.exported)"
for suffix in .json .json.minisig .pdf; do
    t_eq "export: $suffix copied byte for byte" "$(sha256sum <"${ex%.json}$suffix")" \
        "$(sha256sum <"$X/$(basename "${ex%.json}")$suffix" 2>&1)"
done
t_match "export: the copy verifies" "^OK .*PASS, signature valid" "$("$KESU" cert verify --key "$K/appliance.pub" "$X/$(basename "$ex")")"
t_eq "export: the auditor's page put beside the certificate" yes "$(cmp -s "$T_DIR/page.html" "$X/kesu-verify.html" && echo yes)"
# a stick with another (older) page: the certificate is exported, that page is left alone
X2=$T_DIR/export2 && mkdir -p "$X2" && echo 'an older page' >"$X2/kesu-verify.html"
truncate -s 4M "$T_DIR/ex4.img"
out=$("$KESU" wipe --yes --json --asset EX-4 "${cert_args[@]}" --export-dir "$X2" "$T_DIR/ex4.img"); rc=$?
t_eq "export, older page there: exported all the same" "0 true" "$rc $(results "$out" | jq -r .certificate.exported)"
t_eq "export, older page there: left alone" "an older page" "$(cat "$X2/kesu-verify.html")"
# fill the stick but ~40 KiB: the next certificate is filed (and PASS); its export gets its record
# in and then runs out of room in the middle of the PDF (a short write, then ENOSPC): told loudly
head -c $(( $(df -B1 --output=avail "$X" | tail -n1) - 40 * 1024 )) /dev/zero >"$X/filler"
n_filed=$(ls "$C"/*.json | wc -l)
truncate -s 4M "$T_DIR/ex2.img"
out=$("$KESU" wipe --yes --json --asset EX-2 "${cert_args[@]}" --export-dir "$X" "$T_DIR/ex2.img" 2>"$T_DIR/ex2.err"); rc=$?
t_eq "full export stick: the disposal still exits 0 (it is certified)" 0 "$rc"
t_eq "full export stick: PASS certificate filed" "PASS $((n_filed + 1))" \
    "$(results "$out" | jq -r .certificate.result) $(ls "$C"/*.json | wc -l)"
t_eq "full export stick: reported in JSON" "false No space left on device" \
    "$(results "$out" | jq -r '"\(.certificate.exported) \(.certificate.export_error)"')"
t_match "full export stick: told on screen" "exporting KESU-[0-9A-F]+-[0-9]+ to .* failed .*No space left on device; the certificate is filed in" "$(cat "$T_DIR/ex2.err")"
t_eq "full export stick: no half-written file left" "" "$(ls "$X" | grep '\.tmp$')"
t_eq "full export stick: what did fit is byte-identical" "" \
    "$(cd "$X" && for f in KESU-*; do cmp -s "$f" "$C/$f" || echo "$f differs"; done)"
t_match "full export stick: failed at the PDF" "failed at KESU-[0-9A-F]+-[0-9]+\.pdf: No space left" "$(cat "$T_DIR/ex2.err")"
t_match "full export stick: the filed certificate verifies" "^OK .*PASS, signature valid" \
    "$("$KESU" cert verify --key "$K/appliance.pub" "$(results "$out" | jq -r .certificate.json)")"
umount "$X"
truncate -s 4M "$T_DIR/ex3.img"
out=$("$KESU" wipe --yes --json --asset EX-3 "${cert_args[@]}" --export-dir "$T_DIR/nostick" "$T_DIR/ex3.img" 2>"$T_DIR/ex3.err"); rc=$?
t_eq "missing export stick: certified all the same" "0 PASS" "$rc $(results "$out" | jq -r .certificate.result)"
t_match "missing export stick: warned" "export folder .*/nostick is missing \(is the export stick attached\?\); certificates are filed in" "$(cat "$T_DIR/ex3.err")"

echo "# the ledger survives kill -9 at random moments"
for i in $(seq 12); do
    truncate -s 4M "$T_DIR/k$i.img"
    "$KESU" wipe --yes --json --asset "K-$i" "${cert_args[@]}" --verify none "$T_DIR/k$i.img" >/dev/null 2>&1 &
    kp=$!
    sleep "0.$((RANDOM % 40))"
    kill -9 $kp 2>/dev/null; wait $kp 2>/dev/null
done
truncate -s 4M "$T_DIR/after.img"
out=$("$KESU" wipe --yes --json --asset AFTER "${cert_args[@]}" "$T_DIR/after.img"); rc=$?
t_eq "after the kills: a new certificate is filed" "0 PASS" "$rc $(results "$out" | jq -r .certificate.result)"
t_eq "after the kills: the ledger chains, every line names a file with its hash" ok "$(python3 - "$K/ledger.jsonl" "$C" <<'PY'
import hashlib, json, sys, os
prev, seq = "", 0
for line in open(sys.argv[1]):
    e = json.loads(line); seq += 1
    assert e["sequence"] == seq and e["previous_hash"] == prev, e
    data = open(os.path.join(sys.argv[2], e["file"]), "rb").read()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == e["hash"], e
    prev = e["hash"]
print("ok")
PY
)"
out7=$("$KESU" cert verify --key "$K/appliance.pub" "$C"); rc=$?
t_eq "after the kills: the folder checks, no gap, no fork" 0 "$rc"
t_eq "after the kills: every filed certificate is in the ledger" "$(ls "$C"/*.json | wc -l)" "$(wc -l <"$K/ledger.jsonl")"

t_done
