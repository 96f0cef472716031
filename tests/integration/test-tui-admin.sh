#!/usr/bin/env bash
# The operator's screen's administrator mode (`kesu ui`) under a real pty (tmux): a fresh data
# folder starts the set-up (the appliance key made, its passphrase typed twice; the first
# administrator enrolled from the QR screen's base32 secret, a wrong code refused first), then the
# administrator logs in and adds an operator (enrolled the same way), disables another user, sets
# the organisation name (the configuration file checked), sets up a USB printer through
# KESU_PRINTER_SETUP_COMMAND (missing, failing: nothing changed; working: printer = kesu), refuses
# a broken policy file with its line and loads a good one, and sets the clock through
# KESU_CLOCK_SET_COMMAND (the machine's clock is never touched). Then the new operator, with the
# administrator as witness, erases a loop device, and the certificate names the new organisation
# and the new policy. Last the administrator enables the disabled user again (who can then log
# in) and gives them a new passphrase and TOTP secret (enrolled from the screen): the old
# passphrase and the old secret's codes are refused, the new ones log in, the failures are cleared.
. "$(dirname "$0")/../lib.sh"

t_require tmux oathtool minisign jq losetup
: "${KESU_LOCALEDIR:?KESU_LOCALEDIR must point at the built message catalogs}"
t_workdir
export LANG=C.UTF-8

DATA=$T_DIR/data # a fresh KESU-DATA: no key, no users yet
CERTS=$T_DIR/certificates
EXPORT=$T_DIR/export
mkdir -p "$DATA" "$CERTS" "$EXPORT"
KEYPASS="key passphrase 鍵"
ADMINPASS="admin passphrase"
SATOPASS="sato passphrase"
TANAKANEW="tanaka new passphrase 新"
CONF=$T_DIR/kesu.conf
printf '# the appliance (test)\nkey = %s\ncert-dir = %s\nexport-dir = %s\norganization = Old Org\n' \
    "$DATA/appliance.key" "$CERTS" "$EXPORT" >"$CONF"
# setting the clock runs this instead (tests only): it records what it was asked
CLOCK_LOG=$T_DIR/clock.log
printf '#!/bin/sh\necho "$@" >"%s"\n' "$CLOCK_LOG" >"$T_DIR/set-clock"
chmod +x "$T_DIR/set-clock"
# two policy files in the data folder: one broken on line 3, one good (the default's rules)
printf 'mynumber * Destroy any\n* destruction Clear any\n1 * Purg any\n2 * Purge any\n3* * Purge any\n' \
    >"$DATA/broken.conf"
printf '# the organisation'"'"'s policy\nmynumber * Destroy any\n* destruction Clear any\n1 * Clear any\n2 * Purge any\n3* * Purge any\n' \
    >"$DATA/good.conf"

f1=$(t_file disk1.img 16M)
t_loop "$f1"; L1=$T_LOOP

# the printer set-up runs this instead of /usr/lib/kesu/kesu-printer; it does not exist at first
PRINTER_SETUP=$T_DIR/kesu-printer
UI_ENV="KESU_CLOCK_SET_COMMAND='$T_DIR/set-clock' KESU_PRINTER_SETUP_COMMAND='$PRINTER_SETUP'"
. "$(dirname "$0")/tui-lib.sh"
login() { # DOWNS PASSPHRASE SECRET AHEAD
    local i
    for ((i = 0; i < $1; i++)); do keys Down; done
    keys Enter
    text "$2"; keys Enter
    text "$(fresh_code "$3")"; keys Enter
}
# the base32 secret on the enrolment screen (the line below its label, beside the QR code)
secret_on_screen() { screen | grep -A1 -E 'Secret \(base32\):|シークレット（base32）:' | tail -1 | grep -oE '[A-Z2-7]{32}'; }
users_json() { "$KESU" user list --json --key "$DATA/appliance.key"; }

echo "# first start: the set-up (Japanese)"
start_ui
expect "a fresh data folder starts the set-up" "初回の設定"
expect "the key's passphrase first" "新しい鍵のパスフレーズ:" 1
expect "keys shown" "[Enter] 次へ  [Esc] 戻る" 1
text "$KEYPASS"; keys Enter
text "another passphrase"; keys Enter
expect "two different passphrases are refused" "2 つのパスフレーズが一致しません"
text "$KEYPASS"; keys Enter
text "$KEYPASS"; keys Enter
expect "key made: the first administrator" "最初の管理者" 20
[ -f "$DATA/appliance.key" ] && [ -f "$DATA/appliance.pub" ] && t_pass "the key pair is in the data folder" ||
    t_fail "the key pair is in the data folder"
t_eq "the secret key is mode 0600" 600 "$(stat -c %a "$DATA/appliance.key")"
text "admin"; keys Enter
expect "the name next" "氏名:" 3
text "Suzuki Ichiro"; keys Enter
text "$ADMINPASS"; keys Enter
text "$ADMINPASS"; keys Enter
expect "the TOTP secret shown" "シークレット（base32）:" 5
screen | grep -q '[▀▄]' && t_pass "a QR code drawn with half blocks" || t_fail "a QR code drawn with half blocks"
A=$(secret_on_screen)
[ -n "$A" ] && t_pass "the base32 secret read from the screen" || t_fail "the base32 secret read from the screen"
[ -f "$DATA/users.json" ] && t_fail "nothing saved before the code is checked" || t_pass "nothing saved before the code is checked"
text "$(code "$A" 3600)"; keys Enter
expect "a wrong enrolment code is refused" "コードが一致しません" 3
text "$(fresh_code "$A")"; keys Enter
expect "enrolled: the normal login" "作業者のログイン" 10
expect "the administrator added" "admin（Suzuki Ichiro）を管理者として追加しました" 1
t_eq "users.json: the administrator" "admin administrator active" \
    "$(users_json | jq -r '.[] | "\(.id) \(.role) \(.status)"')"
keys F10
expect "quits" "EXITED 0" 5

# another user, made on the command line, for the administrator to disable
printf '%s\n' "$KEYPASS" >"$T_DIR/keypass"
printf 'tanaka passphrase\n' >"$T_DIR/tanaka"
TANAKA1=$("$KESU" user add tanaka --name "田中 一郎" --role operator --passphrase-file "$T_DIR/tanaka" \
    --key "$DATA/appliance.key" --key-passphrase-file "$T_DIR/keypass" | sed -n 's/^TOTP secret: *//p')
[ -n "$TANAKA1" ] || t_fail "kesu user add tanaka"
# check_login ID PASSPHRASE CODE: one login as `kesu wipe` does it (exit 0 accepted, 2 refused)
check_login() {
    printf '%s\n%s\n' "$2" "$3" >"$T_DIR/secret"
    "$KESU" user check "$1" --secret-file "$T_DIR/secret" --key "$DATA/appliance.key" >/dev/null 2>&1
}
# two failures in a row, for the reset below to clear
check_login tanaka "wrong passphrase" 000000
check_login tanaka "wrong passphrase" 000000
t_eq "tanaka: two failures counted" 2 "$(users_json | jq -r '.[] | select(.id == "tanaka") | .failed_attempts')"

echo "# the administrator's menu (English)"
start_ui --lang en
expect "no set-up the second time: the login" "Operator login"
login 0 "$ADMINPASS" "$A" 0
expect "an administrator gets the menu" "[1] Disposal (a witness logs in next)"
expect "with its keys" "[1]-[5] choose  [Esc] log out" 1
keys 2
expect "users: the list" "tanaka" 3
expect "with roles" "administrator" 1
keys a
expect "add: the id" "The new user's ID" 3
text "bad id!"; keys Enter
expect "a bad id is refused" "A user ID is 1 to 32 of A-Z a-z 0-9 . _ -" 3
keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace
text "sato"; keys Enter
text "Sato Hanako"; keys Enter
expect "the role" "[1] operator  [2] administrator" 3
keys 1
text "short"; keys Enter
expect "a short passphrase is refused" "The passphrase is too short" 3
text "$SATOPASS"; keys Enter
text "$SATOPASS"; keys Enter
expect "sato's secret shown" "Secret (base32):" 5
S=$(secret_on_screen)
[ -n "$S" ] && [ "$S" != "$A" ] && t_pass "sato's own secret read from the screen" || t_fail "sato's own secret read from the screen"
text "000000"; keys Enter
expect "a wrong code is refused" "The code does not match" 3
text "$(fresh_code "$S")"; keys Enter
expect "the users file is re-signed: the key's passphrase" "Key passphrase:" 5
text "wrong key passphrase"; keys Enter
expect "a wrong key passphrase is refused" "Cannot unlock the signing key: wrong passphrase" 20
text "$KEYPASS"; keys Enter
expect "sato added" "sato (Sato Hanako) was added as operator" 20
t_eq "users.json: sato, operator" "sato operator active" \
    "$(users_json | jq -r '.[] | select(.id == "sato") | "\(.id) \(.role) \(.status)"')"
keys d
expect "the administrator cannot disable themself" "You cannot disable yourself" 3
keys Down d
expect "disable: confirm by typing the id" "will no longer be able to log in" 3
text "tanak"; keys Enter
expect "a wrong id disables nothing" "tanaka was not disabled" 3
keys d
text "tanaka"; keys Enter
expect "the key's passphrase again" "Key passphrase:" 5
text "$KEYPASS"; keys Enter
expect "tanaka disabled" "tanaka is disabled" 20
t_eq "users.json: tanaka disabled" "disabled" "$(users_json | jq -r '.[] | select(.id == "tanaka") | .status')"
keys Escape

keys 3
expect "organisation and printer" "Organisation: Old Org" 3
keys o
expect "the organisation, to edit" "Organisation:" 3
for i in 1 2 3 4 5 6 7; do keys BSpace; done
text "Chitose City Hall"; keys Enter
expect "organisation set" "Organisation set: Chitose City Hall" 3
t_eq "the configuration's organization line" "organization = Chitose City Hall" "$(grep '^organization' "$CONF")"
t_eq "the rest of the file kept" "4" "$(grep -cE '^# the appliance|^key = |^cert-dir = |^export-dir = ' "$CONF")"
keys p
expect "printers: the queues, or none" "(no printer: certificates are not printed)" 5
keys Escape
expect "the USB printer set-up offered" "[u] USB printer set-up" 3
keys u
expect "no set-up helper (not the image): said so" "The printer set-up $PRINTER_SETUP is not here (it comes with the kesu image)" 3
printf '#!/bin/sh\necho "PRINTER: none — connect a USB printer (PDF, PostScript or PCL) to print certificates"\nexit 1\n' \
    >"$PRINTER_SETUP"
chmod +x "$PRINTER_SETUP"
keys u
expect "a failing set-up: what it said" "PRINTER: none — connect a USB printer" 10
expect "and that it failed" "The printer was not set up (exit status 1)" 1
expect "not done" "Not done. What it said:" 1
if grep -q '^printer' "$CONF"; then t_fail "a failed set-up sets no printer"; else t_pass "a failed set-up sets no printer"; fi
keys Enter
expect "back to the settings" "Printer: none" 3
printf '#!/bin/sh\necho "looking for a USB printer"\necho "PRINTER: kesu → usb://Test/Printer?serial=42 (is idle.)"\nexit 0\n' \
    >"$PRINTER_SETUP"
keys u
expect "a working set-up: what it said" "PRINTER: kesu → usb://Test/Printer?serial=42" 10
expect "done" "Done. What it said:" 1
expect "the queue is the printer now" "Printer set: kesu" 1
t_eq "the configuration's printer line" "printer = kesu" "$(grep '^printer' "$CONF")"
keys Enter
expect "the settings show it" "Printer: kesu" 3
# no printer again, for the disposal below (no CUPS queue in the test)
keys p
expect "the chooser" "(no printer: certificates are not printed)" 5
keys Enter
expect "no printer" "Printer set: none" 3
if grep -q '^printer' "$CONF"; then t_fail "the printer line removed"; else t_pass "the printer line removed"; fi
keys Escape

keys 4
expect "the policy in force" "In force: the built-in default" 3
expect "its rules: class 2 needs Purge" "Purge" 1
expect "the data folder's policy files" "$DATA/broken.conf" 1
keys Enter
expect "a broken policy is refused with its line" "Refused, the policy in force stays: " 3
expect "the line" "broken.conf:3" 1
if grep -q '^policy' "$CONF"; then t_fail "the broken policy replaced nothing"; else t_pass "the broken policy replaced nothing"; fi
keys Down Enter
expect "a good policy is loaded" "The policy $DATA/good.conf is in force" 3
expect "and shown as in force" "In force: $DATA/good.conf" 3
t_eq "the configuration names it" "policy = $DATA/good.conf" "$(grep '^policy' "$CONF")"
keys Escape

keys 5
expect "the clock: JST" "JST (+09:00)" 3
text "2026-02-30 10:00:00"; keys Enter
expect "a date that does not exist is refused" "Not a date and time" 3
for i in $(seq 19); do keys BSpace; done
text "2030-01-02 03:04:05"; keys Enter
expect "the clock set" "The clock was set to 2030-01-02 03:04:05 JST" 5
t_eq "through the set command, in UTC seconds" "@$(date -u -d '2030-01-01 18:04:05' +%s)" "$(cat "$CLOCK_LOG" 2>/dev/null)"
keys Escape
expect "back to the menu" "[5] Clock: check and set" 3
keys Escape
expect "log out" "Operator login" 3

echo "# the new operator's disposal, the administrator as witness"
expect "tanaka is not on the list any more" "sato" 1
if screen | grep -q tanaka; then t_fail "a disabled user is not offered"; else t_pass "a disabled user is not offered"; fi
login 1 "$SATOPASS" "$S" 0
expect "an operator goes to the witness login" "Witness login"
login 0 "$ADMINPASS" "$A" 30
expect "signing key" "Signing key"
text "$KEYPASS"; keys Enter
expect "clock" "Is the clock right" 15
keys y
expect "disks" "Choose the disks to erase"
wait_for "$L1 " 5
order=$(screen | sed -n 's/^ [> ] \[[ x]\] \(\/dev\/[^ ]*\).*/\1/p')
want=$(grep -nx -- "$L1" <<<"$order" | cut -d: -f1)
for ((i = 1; i < want; i++)); do keys Down; done
keys Space
expect "chosen" "[x] $L1" 3
keys Enter
expect "plan" "Disk 1 of 1"
keys "ADM-0001" Enter
expect "class 1, overwrite: allowed" "Allowed." 3
keys Enter
expect "confirm" "These 1 disks will be erased"
keys 1 Enter
expect "results" "1 of 1 disks erased and verified." 60
c=$(grep -l '"asset_number":"ADM-0001"' "$CERTS"/*.json | head -1)
t_eq "the certificate: the new operator, the administrator as witness, PASS" "sato admin PASS" \
    "$(jq -r '"\(.people.operator) \(.people.witness) \(.result)"' "$c")"
t_match "the new policy decided" "good.conf:" "$(jq -r .sanitization.policy "$c")"
t_eq "the certificate names the new organisation" "Chitose City Hall" "$(jq -r .organization "$c")"
minisign -V -q -p "$DATA/appliance.pub" -m "$c" && t_pass "signed with the key the set-up made" ||
    t_fail "signed with the key the set-up made"
keys Escape
expect "log out" "Operator login" 3

echo "# a disabled user enabled again; a forgotten passphrase and lost phone"
login 0 "$ADMINPASS" "$A" 0
expect "the administrator's menu" "[2] Users: add, disable, enable, new passphrase"
keys 2
expect "users" "tanaka" 3
expect "with the keys" "[e] enable  [r] new passphrase" 1
keys e
expect "an active user is not enabled again" "admin is not disabled" 3
keys Down e
expect "enable: the key's passphrase" "Key passphrase:" 5
expect "what for" "Enable tanaka again" 1
text "$KEYPASS"; keys Enter
expect "tanaka enabled" "tanaka is enabled: they can log in again" 20
t_eq "users.json: tanaka active, the failures cleared" "active 0" \
    "$(users_json | jq -r '.[] | select(.id == "tanaka") | "\(.status) \(.failed_attempts)"')"
check_login tanaka "tanaka passphrase" "$(code "$TANAKA1")" && t_pass "the enabled user logs in (kesu user check)" ||
    t_fail "the enabled user logs in (kesu user check)"
check_login tanaka "wrong passphrase" 000000
check_login tanaka "wrong passphrase" 000000
before=$(sha256sum <"$DATA/users.json")
keys r
expect "new factors: the passphrase" "New passphrase and one-time codes" 3
expect "whose" "User: tanaka (田中 一郎)" 1
text "$TANAKANEW"; keys Enter
text "another one entirely"; keys Enter
expect "two different passphrases are refused" "The two passphrases differ" 3
text "$TANAKANEW"; keys Enter
text "$TANAKANEW"; keys Enter
expect "the new TOTP secret shown" "Secret (base32):" 5
TANAKA2=$(secret_on_screen)
[ -n "$TANAKA2" ] && [ "$TANAKA2" != "$TANAKA1" ] && t_pass "a new secret on the screen" || t_fail "a new secret on the screen"
t_eq "nothing saved before the code is checked" "$before" "$(sha256sum <"$DATA/users.json")"
text "$(code "$TANAKA1" 60)"; keys Enter
expect "the old secret's code does not enrol" "The code does not match" 3
text "$(fresh_code "$TANAKA2")"; keys Enter
expect "the key's passphrase" "Key passphrase:" 5
text "$KEYPASS"; keys Enter
expect "tanaka has new factors" "tanaka has a new passphrase and new one-time codes" 20
t_eq "users.json: tanaka active, the failures cleared again" "active 0" \
    "$(users_json | jq -r '.[] | select(.id == "tanaka") | "\(.status) \(.failed_attempts)"')"
check_login tanaka "tanaka passphrase" "$(code "$TANAKA2" 30)" && t_fail "the old passphrase is refused" ||
    t_pass "the old passphrase is refused"
check_login tanaka "$TANAKANEW" "$(code "$TANAKA1" 90)" && t_fail "the old secret's code is refused" ||
    t_pass "the old secret's code is refused"
keys Escape Escape
expect "log out" "Operator login" 3
expect "tanaka offered again" "tanaka" 1
login 1 "$TANAKANEW" "$TANAKA2" 0
expect "tanaka logs in with the new factors" "Witness login" 10
expect "as the operator" "Operator: tanaka" 1
keys Escape
expect "back" "Operator login" 3
keys F10
expect "quit" "EXITED 0" 5
t_done
