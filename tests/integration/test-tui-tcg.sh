#!/usr/bin/env bash
# The operator's screen with a self-encrypting drive: the PSID typed on the screen. No TCG drive can
# be emulated anywhere, so the screen here is kesu-ui-fake-tcg — kesu built again from the same
# sources with a test-only hook (tests/tools/kesu-ui-fake-tcg.c) that shows one loop device as an
# Opal 2 NVMe drive behind the FAKE TPer (tests/fake/fake-tper.h), owned, locked, PSID on its
# label. Everything else is real: the loop device's bytes fingerprinted, erased (the fake's new
# media key fills it) and proved changed, the session, the policy, the signed certificate.
#   - the list says self-encrypting, locked; "purge" is not offered (a revert needs the PSID)
#   - an overwrite of the locked drive is refused at the confirmation, pointing at the PSID revert
#   - tcg-psid-revert: the PSID asked on its own screen, hidden; a malformed one refused there
#   - the confirmation says a revert erases every range; PASS at Purge; the PSID never on the
#     screen, in the certificate or in the runner's state file
. "$(dirname "$0")/../lib.sh"

t_require tmux oathtool minisign jq losetup mkfs.ext4
: "${KESU_LOCALEDIR:?KESU_LOCALEDIR must point at the built message catalogs}"
[ -x "${KESU_UI_FAKE_TCG:-}" ] || { echo "KESU_UI_FAKE_TCG not built" >&2; exit 1; }
t_workdir
export LANG=C.UTF-8

K=$T_DIR/keys
CERTS=$T_DIR/certificates
mkdir -p "$K" "$CERTS"
echo "key passphrase" >"$T_DIR/keypass"
. "$(dirname "$0")/tui-lib.sh"
two_operators
CONF=$T_DIR/kesu.conf
printf 'key = %s\ncert-dir = %s\norganization = 千歳市\n' "$K/appliance.key" "$CERTS" >"$CONF"
PSID=0123456789ABCDEFGHJKLMNPQRSTUVWX

f1=$(t_file sed.img 32M)
t_loop "$f1"; L1=$T_LOOP
mkfs.ext4 -q -L SED-DATA "$L1"
before=$(sha256sum <"$L1")

KESU=$KESU_UI_FAKE_TCG
UI_ENV="KESU_TEST_FAKE_TCG_DEVICE=$L1"
login() {
    local i
    for ((i = 0; i < $1; i++)); do keys Down; done
    keys Enter
    text "$(cat "$2")"; keys Enter
    text "$(fresh_code "$3")"; keys Enter
}
# pick METHOD: Left on the method field until "< METHOD (" shows (the list wraps)
pick() {
    local i
    for ((i = 0; i < 16; i++)); do
        screen | grep -qF "< $1 (" && return 0
        keys Left; sleep 0.2
    done
    return 1
}

UI_SIZE=160x40 # the disk's purge line is long
start_ui --lang en
expect "starts" "Operator login"
login 0 "$T_DIR/yamada" "$Y"
expect "witness login" "Witness login"
login 1 "$T_DIR/sato" "$S"
expect "signing key" "Signing key"
text "$(cat "$T_DIR/keypass")"; keys Enter
expect "clock" "Is the clock right" 15
keys y
expect "disks" "Choose the disks to erase"
wait_for "$L1 " 5
expect "the drive shown as self-encrypting, locked" "self-encrypting: TCG Opal 2, locking enabled, a range is LOCKED" 5
expect "its TCG methods listed at Purge" "tcg-psid-revert (Purge)" 1
choose_disk "$L1"
keys Enter
expect "plan" "Disk 1 of 1"
keys "SED-0001" Enter Down Down # the asset; focus on the method (class 1)
seen=" "
for ((i = 0; i < 13; i++)); do
    seen+="$(screen | sed -n 's/.*< \([a-z0-9-]*\) (.*/\1/p' | tail -n 1) "
    keys Left; sleep 0.2
done
t_match "the drive's TCG methods are offered" "tcg-revert.* tcg-psid-revert |tcg-psid-revert.* tcg-revert " "$seen"
t_eq "'purge' is not offered (a revert needs the PSID)" "" "$(grep -o ' purge ' <<<"$seen")"

echo "# an overwrite of the locked drive: refused before anything is written"
pick random && t_pass "random chosen" || t_fail "random chosen"
expect "class 1 with an overwrite: the policy allows it" "Allowed." 3
keys Enter
expect "refused at the confirmation: the locked range, pointed at the PSID revert" "with a locked range: an overwrite cannot reach the data behind the lock; use tcg-psid-revert" 10
[ "$before" = "$(sha256sum <"$L1")" ] && t_pass "the disk is untouched" || t_fail "the disk is untouched"

echo "# tcg-psid-revert, class 2: the PSID on its own screen"
wait_for "Disk 1 of 1" 5
keys Enter Right Down Down # the asset again; class 2; the method
pick tcg-psid-revert && t_pass "tcg-psid-revert chosen" || t_fail "tcg-psid-revert chosen"
expect "class 2 allowed with the revert (Purge)" "Allowed." 3
keys Enter
expect "the PSID is asked" "Type the PSID printed on the drive's label" 5
text "SHORT123"; keys Enter
expect "a malformed PSID is refused on the spot" "A PSID is 32 letters and digits" 3
text "$PSID"
wait_for "$(printf '%.0s*' {1..32})" 3 # drawn: one star a character
if screen | grep -qF "$PSID"; then t_fail "the PSID is not shown while typed"; else t_pass "the PSID is not shown while typed"; fi
keys Enter
expect "confirmation" "These 1 disks will be erased"
expect "it says a revert erases every range" "A TCG revert erases every locking range and namespace" 1
expect "with the method at Purge" "Method: tcg-psid-revert (Purge)" 1
keys 1 Enter
expect "results" "1 of 1 disks erased and verified." 60
expect "PASS" "PASS   $L1" 1
c=$(grep -l '"asset_number":"SED-0001"' "$CERTS"/*.json | head -1)
t_eq "certificate: PSID revert, PASS at Purge, the drive as found" "tcg-psid-revert PASS Purge Opal 2 yes" \
    "$(jq -r '"\(.sanitization.method) \(.result) \(.sanitization.achieved_level) \(.self_encrypting.kind) \(.self_encrypting.range_locked)"' "$c")"
t_match "the command names the PSID, not its value" "authorised by the PSID" "$(jq -r .sanitization.purge.command "$c")"
t_eq "the PSID is in no certificate file" "" "$(grep -rl "$PSID" "$CERTS" 2>/dev/null)"
t_eq "nor in the runner's state" "" "$(grep -rl "$PSID" "$T_DIR/run" 2>/dev/null)"
[ "$before" != "$(sha256sum <"$L1")" ] && t_pass "the disk's content changed (a new key)" || t_fail "the disk's content changed"
"$KESU" cert verify --key "$K/appliance.pub" "$c" >/dev/null && t_pass "kesu cert verify" || t_fail "kesu cert verify"
minisign -Vm "$c" -p "$K/appliance.pub" -q >/dev/null && t_pass "stock minisign" || t_fail "stock minisign"
keys Escape
expect "log out" "Operator login" 3
keys F10
expect "quit" "EXITED 0" 5
t_done
