#!/usr/bin/env bash
# Purge by the drive's own command, end to end through the disposal session, on loop devices this
# test makes — behind FAKE drives (tests/fake), because no drive with SANITIZE, SECURITY or NVMe
# Sanitize can run here or in QEMU (QEMU's real Format NVM / FORMAT UNIT behaviour is tested in the
# VM suite). Everything above the command transport is real: the session, the policy, the
# fingerprint read from the loop device before the command, the proof read after it, the signed
# certificate checked with `kesu cert verify` and stock minisign.
#   - class 2 with `purge` on a sanitize-capable ATA drive: sanitize-crypto, PASS at Purge, the
#     drive's evidence on the certificate; sanitize-block and NVMe sanitize-overwrite likewise
#   - a lying drive (reports success, erases nothing): the proof makes it FAIL
#   - a frozen drive: refused before anything is sent, with the remedy
#   - an HPA: found, restored, recorded
#   - a drive with only SECURITY ERASE: secure-erase reaches Clear, so class 2 is refused up front
#   - QEMU's FORMAT UNIT behaviour (GOOD, nothing erased): FAIL
. "$(dirname "$0")/../lib.sh"

t_require losetup jq minisign cmp mkfs.ext4
t_workdir
[ -x "${KESU_PURGE_SESSION:-}" ] || { echo "KESU_PURGE_SESSION not built" >&2; exit 1; }

K=$T_DIR/keys C=$T_DIR/certs
mkdir -p "$K" "$C"
echo "correct horse battery staple" >"$T_DIR/pass"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null || { echo "key init failed" >&2; exit 1; }

# disk NAME: a 16 MiB loop device holding an ext4 file system with a file in it ($DEV)
disk() {
    local f
    f=$(t_file "$1.img" 16M)
    mkfs.ext4 -q -F -L "FAKE-$1" "$f"
    t_loop "$f"
    DEV=$T_LOOP
}

# run SCENARIO CLASS METHOD: the session on $DEV; OUT (one JSON object) and RC left set
run() {
    OUT=$("$KESU_PURGE_SESSION" "$1" "$DEV" "$K/appliance.key" "$T_DIR/pass" "$C" "$2" "$3" 2>"$T_DIR/err")
    RC=$?
    [ -s "$T_DIR/err" ] && sed 's/^/    stderr: /' "$T_DIR/err"
}
cert() { jq -r "$1" "$(jq -r .json <<<"$OUT")"; }

echo "# class 2, 'purge' on an ATA drive with every sanitize: crypto erase, PASS at Purge"
disk ata
before=$(sha256sum <"$DEV")
run ata-sanitize 2 purge
t_eq "ran to a certificate" 0 "$RC"
t_eq "resolved to the strongest: sanitize-crypto" sanitize-crypto "$(jq -r .method <<<"$OUT")"
t_eq "PASS, certificate PASS, achieved Purge" "PASS PASS Purge" "$(jq -r '"\(.outcome) \(.result) \(.achieved)"' <<<"$OUT")"
t_eq "the certificate: technique purge, Purge required and achieved" "purge Purge Purge" \
    "$(cert '"\(.sanitization.technique) \(.sanitization.required_level) \(.sanitization.achieved_level)"')"
t_match "the certificate names the command sent" "CRYPTO SCRAMBLE" "$(cert .sanitization.purge.command)"
t_match "... and the drive's own status after it" "(completed|COMPLETED)" "$(cert .sanitization.purge.device_status)"
t_eq "the proof: purge-proof, PASS, nothing unchanged" "purge-proof PASS 0" \
    "$(cert '"\(.verification.method) \(.verification.result) \(.verification.proof.sectors_unchanged)"')"
t_match "the fingerprints before and after differ" "^[0-9a-f]{64} [0-9a-f]{64}$" \
    "$(cert '"\(.verification.proof.fingerprint_before) \(.verification.proof.fingerprint_after)"')"
[ "$(cert .verification.proof.fingerprint_before)" != "$(cert .verification.proof.fingerprint_after)" ] &&
    t_pass "fingerprints differ" || t_fail "fingerprints are the same"
t_eq "health on the certificate (SMART)" "yes 12345 2" \
    "$(cert '"\(.drive_health.read) \(.drive_health.power_on_hours) \(.drive_health.reallocated_sectors)"')"
t_eq "hidden areas examined, none found" "yes no" "$(cert '"\(.hidden_areas.examined) \(.hidden_areas.hpa)"')"
[ "$before" != "$(sha256sum <"$DEV")" ] && t_pass "the medium changed" || t_fail "the medium did not change"
t_eq "no file system left (blkid)" "" "$(blkid -p "$DEV" 2>/dev/null)"

echo "# sanitize-block: every sector one byte, PASS at Purge"
run ata-sanitize 2 sanitize-block
t_eq "sanitize-block PASS at Purge" "PASS Purge uniform" "$(jq -r '"\(.result) \(.achieved)"' <<<"$OUT") $(cert .verification.proof.expected)"
cmp -s -n $((16 << 20)) "$DEV" /dev/zero && t_pass "block erase left zeros" || t_fail "block erase did not leave zeros"

echo "# a lying drive: says it sanitized, erased nothing — FAIL"
disk lying
run ata-lying 2 purge
t_eq "ran to a certificate" 0 "$RC"
t_eq "FAIL, achieved none" "FAIL FAIL none" "$(jq -r '"\(.outcome) \(.result) \(.achieved)"' <<<"$OUT")"
t_match "the proof found every data sector unchanged" "^[1-9][0-9]* FAIL$" \
    "$(cert '"\(.verification.proof.sectors_unchanged) \(.verification.result)"')"
t_match "the reason says the purge is not proved" "purge not proved" "$(cert '.failure_reasons | join(";")')"
t_eq "the file system is still there" ext4 "$(blkid -p -o value -s TYPE "$DEV")"

echo "# a frozen drive: refused before anything is sent, with the remedy"
run ata-frozen 2 purge
t_eq "refused (exit 3 from the tool)" 3 "$RC"
t_match "the refusal gives the remedy" "suspend" "$(jq -r .message <<<"$OUT")"
t_eq "still ext4" ext4 "$(blkid -p -o value -s TYPE "$DEV")"

echo "# an HPA: found, the full capacity restored, recorded"
disk hpa
run ata-hpa 2 sanitize-crypto
t_eq "PASS at Purge" "PASS Purge" "$(jq -r '"\(.result) \(.achieved)"' <<<"$OUT")"
t_eq "hidden areas: HPA found and restored" "yes yes yes" \
    "$(cert '"\(.hidden_areas.examined) \(.hidden_areas.hpa) \(.hidden_areas.restored)"')"

echo "# only SECURITY ERASE: Clear, so class 2 is refused up front; class 1 PASS at Clear"
disk sec
run ata-security 2 purge
t_eq "class 2 refused by the policy (exit 3)" 3 "$RC"
t_match "the refusal names the level" "Purge" "$(jq -r .message <<<"$OUT")"
run ata-security 1 purge
t_eq "class 1: secure-erase-enhanced, PASS at Clear" "secure-erase-enhanced PASS Clear" \
    "$(jq -r '"\(.method) \(.result) \(.achieved)"' <<<"$OUT")"
t_eq "the temporary password was cleared" yes "$(cert .sanitization.purge.password_cleared)"

echo "# NVMe: sanitize-overwrite, class 3, PASS at Purge; the SMART / Health log recorded"
disk nvme
run nvme-sanitize 3 sanitize-overwrite
t_eq "PASS at Purge, zeros expected" "PASS Purge pattern" "$(jq -r '"\(.result) \(.achieved)"' <<<"$OUT") $(cert .verification.proof.expected)"
t_eq "health from the NVMe log" "yes 7" "$(cert '"\(.drive_health.read) \(.drive_health.percentage_used)"')"
cmp -s -n $((16 << 20)) "$DEV" /dev/zero && t_pass "overwrite left zeros" || t_fail "overwrite did not leave zeros"

echo "# SCSI FORMAT UNIT as QEMU answers it (GOOD, nothing erased): FAIL"
disk scsi
run scsi-format-lie 1 scsi-format
t_eq "FAIL" "FAIL FAIL" "$(jq -r '"\(.outcome) \(.result)"' <<<"$OUT")"
t_match "the proof found it unchanged" "^[1-9]" "$(cert .verification.proof.sectors_unchanged)"

# Self-encrypting drives behind a fake TPer (tests/fake/fake-tper.h): no TCG drive can be emulated
# here or in QEMU. The fake's secrets are the tool's (kesu-purge-session.c).
PSID=0123456789ABCDEFGHJKLMNPQRSTUVWX
tcg() { KESU_PURGE_TCG_SECRET=$1 run "${@:2}"; }

echo "# TCG, NVMe Opal 2 with a locked range: an overwrite is refused and pointed at PSID revert"
disk opal
before=$(sha256sum <"$DEV")
tcg "" tcg-nvme-opal2 1 zero
t_eq "overwrite refused before anything was written (exit 3 or 2)" yes "$([ "$RC" -ne 0 ] && jq -e '.refused' <<<"$OUT" >/dev/null && echo yes)"
t_match "the refusal names the lock and the PSID revert" "locked range.*tcg-psid-revert" "$(jq -r .message <<<"$OUT")"
t_eq "the disk is untouched" "$before" "$(sha256sum <"$DEV")"

echo "# TCG: PSID revert, class 2: PASS at Purge, the drive's locking disabled afterwards"
tcg "$PSID" tcg-nvme-opal2 2 tcg-psid-revert
t_eq "PASS at Purge" "0 tcg-psid-revert PASS PASS Purge" "$RC $(jq -r '"\(.method) \(.outcome) \(.result) \(.achieved)"' <<<"$OUT")"
t_match "the certificate names the revert and the PSID, not its value" "Revert .*PSID" "$(cert .sanitization.purge.command)"
t_match "the drive's word after it: locking not enabled" "locking not enabled" "$(cert .sanitization.purge.device_status)"
t_eq "the drive as found: Opal 2, locking enabled, a range locked" "yes Opal 2 yes yes" \
    "$(cert '"\(.self_encrypting.self_encrypting) \(.self_encrypting.kind) \(.self_encrypting.locking_enabled) \(.self_encrypting.range_locked)"')"
t_eq "the PSID is nowhere in the certificate, its signature or PDF" "" "$(grep -l "$PSID" "$C"/* 2>/dev/null)"
t_eq "the proof: content changed" "PASS 0" "$(cert '"\(.verification.result) \(.verification.proof.sectors_unchanged)"')"
[ "$before" != "$(sha256sum <"$DEV")" ] && t_pass "the medium changed (new key)" || t_fail "the medium is unchanged"

echo "# TCG: a wrong PSID: FAIL with the drive's answer and the attempts used; nothing erased"
disk opal-wrong
before=$(sha256sum <"$DEV")
tcg "ZZZZ56789ABCDEFGHJKLMNPQRSTUVWX0" tcg-nvme-opal2 2 tcg-psid-revert
t_eq "certified FAIL" "0 FAIL FAIL" "$RC $(jq -r '"\(.outcome) \(.result)"' <<<"$OUT")"
t_match "rejected, attempts counted" "rejected the PSID.*1 of 5 attempts used" "$(cert .sanitization.purge.error_detail)"
t_eq "nothing erased" "$before" "$(sha256sum <"$DEV")"

echo "# TCG: one failure short of the lockout: kesu tries nothing, not even the right PSID"
KESU_FAKE_PSID_TRIES=4 tcg "$PSID" tcg-nvme-opal2 2 tcg-psid-revert
t_eq "certified FAIL" "FAIL" "$(jq -r .result <<<"$OUT")"
t_match "told why and what to do" "4 failed PSID attempts of 5.*tried nothing" "$(cert .sanitization.purge.error_detail)"
t_eq "no revert sent" "no" "$(cert .sanitization.purge.command_sent)"
t_eq "nothing erased" "$before" "$(sha256sum <"$DEV")"

echo "# TCG: tcg-revert of a drive nobody owns (SID = MSID), over ATA and SCSI carriers"
for bus in ata scsi; do
    disk "opal-$bus"
    tcg "" "tcg-$bus-opal2-unowned" 2 tcg-revert
    t_eq "$bus: PASS at Purge by the MSID" "tcg-revert PASS Purge" "$(jq -r '"\(.method) \(.result) \(.achieved)"' <<<"$OUT")"
    t_match "$bus: the certificate says the MSID was the SID" "MSID" "$(cert .sanitization.purge.command)"
done
echo "# TCG: tcg-revert of an owned drive without its SID: FAIL, pointed at the SID or PSID"
disk opal-owned
tcg "" tcg-nvme-opal2 2 tcg-revert
t_match "FAIL: the drive has an owner" "has an owner.*tcg-psid-revert" "$(cert .sanitization.purge.error_detail)"
tcg "owner-sid-fake" tcg-nvme-opal2 2 tcg-revert
t_eq "with the owner's SID: PASS" "PASS Purge" "$(jq -r '"\(.result) \(.achieved)"' <<<"$OUT")"

echo "# TCG: a lying drive (SUCCESS, nothing changed): FAIL; Pyrite and Enterprise refused with the reason"
disk opal-lying
tcg "$PSID" tcg-nvme-opal2-lying 2 tcg-psid-revert
t_eq "FAIL" "FAIL" "$(jq -r .result <<<"$OUT")"
tcg "$PSID" tcg-nvme-pyrite2-unowned 2 tcg-psid-revert
t_match "Pyrite: refused, does not encrypt" "does not encrypt" "$(jq -r .message <<<"$OUT")"
tcg "$PSID" tcg-nvme-enterprise-unowned 2 tcg-psid-revert
t_match "Enterprise: refused, no Revert" "Enterprise has no Revert" "$(jq -r .message <<<"$OUT")"

echo "# every certificate checks out with kesu and with stock minisign"
"$KESU" cert verify --key "$K/appliance.pub" "$C" >"$T_DIR/verify.out" 2>&1
t_eq "kesu cert verify" 0 "$?"
bad=0
for j in "$C"/KESU-*.json; do
    minisign -Vm "$j" -p "$K/appliance.pub" -q >/dev/null 2>&1 || bad=$((bad + 1))
done
t_eq "minisign -V on each" 0 "$bad"
t_done
