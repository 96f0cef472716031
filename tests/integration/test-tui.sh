#!/usr/bin/env bash
# The operator's screen (`kesu ui`) under a real pty (tmux), driven by keys as a person would:
# a complete disposal of two loop devices in Japanese (a wrong one-time code refused, the same
# person refused as witness, the language switched and back, a loop device attached and detached
# while the list is shown, asset numbers sent at barcode-scanner speed, class 1 accepted with an
# overwrite, class 2 refused for an overwrite-only disk until its destination is destruction, a
# wrong typed count going back), then in English one disposal that passes and one stopped with
# Ctrl-C. Asserts on the screen's text and on the certificates filed (kesu cert verify, stock
# minisign, their asset, class, destination, method, operator and witness).
. "$(dirname "$0")/../lib.sh"

t_require tmux oathtool minisign jq losetup mkfs.ext4
: "${KESU_LOCALEDIR:?KESU_LOCALEDIR must point at the built message catalogs}"
t_workdir
export LANG=C.UTF-8

K=$T_DIR/keys
CERTS=$T_DIR/certificates
EXPORT=$T_DIR/export
mkdir -p "$K" "$CERTS" "$EXPORT"
echo "key passphrase 鍵" >"$T_DIR/keypass"
. "$(dirname "$0")/tui-lib.sh"
two_operators
CONF=$T_DIR/kesu.conf
printf 'key = %s\ncert-dir = %s\nexport-dir = %s\norganization = 千歳市\n' "$K/appliance.key" "$CERTS" "$EXPORT" >"$CONF"

# Two disks: one with a file system (its label is on the screen), one large enough that a
# 35-pass method is still running when Ctrl-C comes.
f1=$(t_file disk1.img 32M)
f2=$(t_file disk2.img 128M)
t_loop "$f1"; L1=$T_LOOP
t_loop "$f2"; L2=$T_LOOP
mkfs.ext4 -q -L KESU-TEST "$L1"

# the disposal's runner keeps its state file here, not in the machine's /run/kesu
UI_ENV="KESU_RUN_DIR=$T_DIR/run"
# login DOWNS PASSFILE SECRET AHEAD: chooses the user DOWNS rows down, then both factors
login() {
    local i
    for ((i = 0; i < $1; i++)); do keys Down; done
    keys Enter
    text "$(cat "$2")"; keys Enter
    text "$(code "$3" "$4")"; keys Enter
}
cert_of() { grep -l "\"asset_number\":\"$1\"" "$CERTS"/*.json | head -1; } # ASSET: its record

t_start=$(date +%s)
echo "# Japanese (the default): logins"
start_ui
expect "starts in Japanese: operator login" "作業者のログイン"
expect "the language key is shown" "[F2] English / 日本語" 1
expect "users chosen from the list" "yamada               山田 太郎" 1
login 0 "$T_DIR/yamada" "$Y" 3600
expect "a wrong one-time code is refused and counted" "yamada: パスフレーズまたはワンタイムコードが違います（連続失敗回数: 1）"
keys F2
expect "F2 switches to English" "Operator login" 3
keys F2
expect "F2 switches back to Japanese" "作業者のログイン" 3
text "$(cat "$T_DIR/yamada")"; keys Enter
text "$(code "$Y")"; keys Enter
expect "operator logged in: witness login" "確認者のログイン"
expect "the operator is shown in the title line" "作業者: yamada" 1
keys Enter
expect "the same person as witness is refused" "確認者は作業者と別の人でなければなりません" 3
login 1 "$T_DIR/sato" "$S" 0
expect "witness logged in: the signing key" "署名鍵"
text "wrong key passphrase"; keys Enter
expect "a wrong key passphrase is refused" "署名鍵を解除できません: パスフレーズが違います" 15
text "$(cat "$T_DIR/keypass")"; keys Enter
expect "key unlocked: the clock" "時刻の確認" 15
expect "the clock in JST" "JST (+09:00)" 1
expect "and in UTC" " UTC" 1
keys y

echo "# the live list"
expect "the disk list" "ディスクの選択"
expect "loop disk 1 listed" "$L1 " 5
expect "its content: file system and label" 'ext4 "KESU-TEST"' 5
expect "loop disk 2 listed, overwrite only" "パージ: なし（上書きのみ）" 1
f3=$(t_file hotplug.img 16M)
t0=$(date +%s%N)
t_loop "$f3"; L3=$T_LOOP
if wait_for "$L3 " 5; then
    t_pass "a loop device attached while the list is shown appears ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
    t_fail "a loop device attached while the list is shown appears"
fi
t_detach "$L3"
if wait_gone "$L3 " 5; then t_pass "and disappears when detached"; else t_fail "and disappears when detached"; fi
choose_disk "$L1" && choose_disk "$L2"
expect "two chosen" "（2 台選択中）" 3
keys Enter

echo "# each disk's plan"
expect "disk 1 of 2" "ディスク 1 / 2"
keys "A-0001" Enter                  # one send-keys: a scanner's burst ending with Enter
expect "class 1, overwrite: allowed" "許可されます。" 3
expect "the policy's decision shown" "処分方針: 機密区分 1・処分先 組織内で再利用 の要求レベルは クリア" 1
keys Enter
expect "disk 2 of 2" "ディスク 2 / 2"
SCANNED="TOKYO-CHITOSE-2026-0000000000002" # 32 characters in one burst
keys "$SCANNED" Enter Right
expect "the scanned asset number, whole" "資産番号:               $SCANNED" 3
expect "class 2 with an overwrite is refused" "拒否: この方式では要求レベルに達しません。" 3
expect "with the policy's reason" "class 2 needs Purge for internal-reuse; random (overwrite) reaches Clear" 1
keys Enter
expect "a refused disk cannot go on" "処分方針により、この機密区分・処分先ではこの方式は使えません" 3
keys Down Left
expect "class 2 to destruction needs Clear: allowed" "処分方針: 機密区分 2・処分先 物理破壊 の要求レベルは クリア" 3
keys Enter

echo "# confirmation by the typed number of disks"
expect "confirmation" "次の 2 台のディスクを消去します"
expect "with identity and content" 'ext4 "KESU-TEST"' 1
expect "with the method and level" "方式: random (クリア)   要求レベル: クリア" 1
expect "with who confirmed the clock" "時刻確認: yamada" 1
keys 1 Enter
expect "a wrong count goes back, nothing written" "確認されませんでした。何も書き込んでいません" 3
expect "back to the plan" "ディスク 1 / 2" 1
keys Enter Enter
expect "disk 2 kept its plan" "< 物理破壊 >" 3
keys Enter Enter
expect "confirmation again" "次の 2 台のディスクを消去します"
keys 2 Enter
expect "results" "2 台中 2 台の消去と検証が完了しました。" 90
expect "PASS in Japanese" "合格 $L1" 1
expect "exported" "書き出し済み" 1
keys e
expect "re-export on a key" "を $EXPORT に書き出しました" 5
c1=$(cert_of A-0001); c2=$(cert_of "$SCANNED")
if [ -n "$c1" ] && [ -n "$c2" ]; then t_pass "two certificates filed"; else t_fail "two certificates filed"; fi
expect "the certificate serial on screen" "$(basename "${c1%.json}")" 1
t_eq "disk 1: asset, class, destination, method, result" "A-0001 1 internal-reuse random PASS" \
    "$(jq -r '"\(.asset_number) \(.confidentiality.before) \(.destination) \(.sanitization.method) \(.result)"' "$c1")"
t_eq "disk 2: class 2 to destruction" "$SCANNED 2 destruction Clear PASS" \
    "$(jq -r '"\(.asset_number) \(.confidentiality.before) \(.destination) \(.sanitization.required_level) \(.result)"' "$c2")"
t_eq "operator and witness, logged in with two factors" "yamada sato passphrase+totp (operator and witness)" \
    "$(jq -r '"\(.people.operator) \(.people.witness) \(.people.authentication)"' "$c1")"
t_eq "their names" "山田 太郎 / 佐藤 花子" "$(jq -r '"\(.people.operator_name) / \(.people.witness_name)"' "$c2")"
t_match "the clock confirmation is recorded: by whom, when (JST)" "^yamada, 20[0-9-]+ [0-9:]+ JST" \
    "$(jq -r '.times.clock_confirmed_by' "$c1")"
t_eq "the organisation from the configuration" "千歳市" "$(jq -r .organization "$c1")"
if minisign -V -q -p "$K/appliance.pub" -m "$c1" && minisign -V -q -p "$K/appliance.pub" -m "$c2"; then
    t_pass "stock minisign verifies both"
else
    t_fail "stock minisign verifies both"
fi
[ -f "$EXPORT/$(basename "$c1")" ] && t_pass "exported to the export folder" || t_fail "exported to the export folder"
keys Escape
expect "log out returns to the operator login" "作業者のログイン" 3
keys F10
expect "F10 quits" "EXITED 0" 5

echo "# English (--lang en): one disposal that passes, one stopped"
start_ui --lang en
expect "starts in English" "Operator login"
login 0 "$T_DIR/yamada" "$Y" 30
expect "witness login" "Witness login"
login 1 "$T_DIR/sato" "$S" 30
expect "signing key" "Signing key"
text "$(cat "$T_DIR/keypass")"; keys Enter
expect "clock" "Is the clock right" 15
keys y
expect "disks" "Choose the disks to erase"
wait_for "$L1 " 5
choose_disk "$L1"
keys Enter
expect "plan" "Disk 1 of 1"
keys "EN-0001" Enter Down Down Left Left
expect "method zero chosen" "< zero (Clear) >" 3
expect "English policy line" "Policy: class 1 to internal reuse needs Clear; zero reaches Clear." 1
keys Enter
expect "confirm" "These 1 disks will be erased"
keys 1 Enter
expect "results in English" "1 of 1 disks erased and verified." 60
expect "PASS" "PASS   $L1" 1
c3=$(cert_of EN-0001)
t_eq "English disposal certificate" "EN-0001 zero PASS yamada sato" \
    "$(jq -r '"\(.asset_number) \(.sanitization.method) \(.result) \(.people.operator) \(.people.witness)"' "$c3")"
keys Enter
expect "a new disposal: the list again" "Choose the disks to erase"
wait_for "$L2 " 5
choose_disk "$L2"
keys Enter
expect "plan" "Disk 1 of 1"
keys "EN-STOP" Enter Down Down Right Right Right Right Right Right
expect "method gutmann" "< gutmann (Clear) >" 3
keys Enter
expect "confirm" "These 1 disks will be erased"
keys 1 Enter
expect "progress of the pass" "pass " 20
expect "MB/s and time left" "MB/s  left" 5
keys C-c
expect "Ctrl-C asks first" "Stop every disk?" 3
keys n
if wait_gone "Stop every disk?" 3; then t_pass "'n' goes on"; else t_fail "'n' goes on"; fi
keys C-c
wait_for "Stop every disk?" 3
keys y
expect "stopped: results" "0 of 1 disks erased and verified." 60
expect "FAIL with its reason" "Reason: " 1
c4=$(cert_of EN-STOP)
t_eq "the stopped disposal's certificate says FAIL" "FAIL" "$(jq -r .result "$c4")"
t_match "with why" "interrupted" "$(jq -c .failure_reasons "$c4")"
keys Escape
expect "log out" "Operator login" 3
keys F10
expect "quit" "EXITED 0" 5

echo "# the whole folder"
out=$("$KESU" cert verify --key "$K/appliance.pub" "$CERTS" 2>&1); rc=$?
t_eq "kesu cert verify: the chain of 4 checks (exit 0)" 0 "$rc"
t_match "3 PASS, 1 FAIL" "4 certificates, 4 valid, 0 problems.*3 PASS, 1 FAIL" "$out"
echo "# took $(($(date +%s) - t_start)) s"
t_done
