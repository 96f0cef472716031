#!/usr/bin/env bash
# The operator's screen never loses the operator's work: the erasure runs in a runner process of
# its own, so (1) `kesu ui` killed with SIGSEGV mid-wipe leaves the runner writing the disk, and a
# screen started again re-attaches to it, follows it to the results (PASS) and exactly one
# certificate is filed; (2) a runner killed together with its screen is told as interrupted by the
# next screen, and the journal files its FAIL certificate when the next disposal starts; (3) a disk
# pulled out mid-wipe (kesu-faultfs unplugs it) turns FAIL with its reason on the progress screen
# while the other disk is still being erased, and its certificate says FAIL.
. "$(dirname "$0")/../lib.sh"

t_require tmux oathtool minisign jq losetup fusermount3
: "${KESU_LOCALEDIR:?KESU_LOCALEDIR must point at the built message catalogs}"
if [ -z "${KESU_FAULTFS:-}" ]; then
        echo "SKIP: kesu-faultfs was not built (no libfuse3)" >&2
        exit 77
fi
t_workdir /dev/shm # the disks' files in memory: a multi-pass erase at a known pace
export LANG=C.UTF-8

K=$T_DIR/keys
CERTS=$T_DIR/certificates
RUN=$T_DIR/run
mkdir -p "$K" "$CERTS"
echo "key passphrase" >"$T_DIR/keypass"
. "$(dirname "$0")/tui-lib.sh"
two_operators
CONF=$T_DIR/kesu.conf
printf 'key = %s\ncert-dir = %s\n' "$K/appliance.key" "$CERTS" >"$CONF"

# 1 GiB erased with gutmann (35 passes, 35 GiB of writes: about 10 s even in memory): still
# running when the screen dies and when the other disk is pulled out
f1=$(t_file disk1.img 1G)
t_loop "$f1"; L1=$T_LOOP

UI_ENV="KESU_RUN_DIR=$RUN"

FUSE_PID=
FUSE_MNT=
# the runner is no child of this shell: stopped by its pid (SIGTERM: it files its certificates)
stop_runners() {
        local p
        for p in $(sed -n 's/^kesu: runner \([0-9]\+\): .*disks.*/\1/p' "$RUN/runner.log" 2>/dev/null); do
                kill "$p" 2>/dev/null
                for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        done
}
cleanup() {
        [ -n "$SOCK" ] && tmx kill-server 2>/dev/null
        stop_runners
        if [ -n "$FUSE_MNT" ]; then
                local i
                for ((i = ${#T_LOOPS[@]} - 1; i >= 0; i--)); do losetup -d "${T_LOOPS[i]}" 2>/dev/null; done
                T_LOOPS=()
                fusermount3 -u "$FUSE_MNT" 2>/dev/null || umount -l "$FUSE_MNT" 2>/dev/null
                kill "$FUSE_PID" 2>/dev/null
                wait "$FUSE_PID" 2>/dev/null
        fi
        sleep 0.2
        t_cleanup
}
trap cleanup EXIT

# login AHEAD LANG: operator (first on the list), then witness, then the key and the clock; AHEAD
# seconds for the one-time codes (a code's time step is accepted once, so each login goes later)
login() {
        keys Enter
        text "$(cat "$T_DIR/yamada")"; keys Enter
        text "$(code "$Y" "$1")"; keys Enter
        wait_for "$2" 10 >/dev/null
        keys Down Enter
        text "$(cat "$T_DIR/sato")"; keys Enter
        text "$(code "$S" "$1")"; keys Enter
        wait_for "$3" 10 >/dev/null
        text "$(cat "$T_DIR/keypass")"; keys Enter
        wait_for "$4" 15 >/dev/null
        keys y
}
login_en() { login "$1" "Witness login" "Signing key" "Is the clock right"; }
login_ja() { login "$1" "確認者のログイン" "署名鍵" "時刻の確認"; }
ui_pid() { pgrep -P "$(tmx list-panes -t ui -F '#{pane_pid}')" -x kesu; }
runner_pid() { sed -n 's/^kesu: runner \([0-9]\+\): .*disks.*/\1/p' "$RUN/runner.log" 2>/dev/null | tail -1; }
sectors_written() { awk '{ print $7 }' "/sys/block/${1#/dev/}/stat"; }
n_certs() { find "$CERTS" -maxdepth 1 -name 'KESU-*.json' | wc -l; }
cert_of() { grep -l "\"asset_number\":\"$1\"" "$CERTS"/*.json | head -1; }

t_start=$(date +%s)
echo "# 1. the screen crashes mid-wipe: the runner goes on, a new screen re-attaches"
start_ui --lang en
expect "operator login" "Operator login"
login_en -30
expect "disks" "Choose the disks to erase"
wait_for "$L1 " 5 >/dev/null
choose_disk "$L1"
keys Enter
expect "plan" "Disk 1 of 1"
keys "CRASH-1" Enter Down Down Right Right Right Right Right Right
expect "method gutmann" "< gutmann (Clear) >" 3
keys Enter
expect "confirm" "These 1 disks will be erased"
keys 1 Enter
expect "progress" "pass " 20
sleep 1
pid=$(ui_pid)
runner=$(runner_pid)
if [ -n "$pid" ] && [ -n "$runner" ] && [ "$pid" != "$runner" ]; then
        t_pass "the screen ($pid) and the runner ($runner) are two processes"
else
        t_fail "the screen ($pid) and the runner ($runner) are two processes"
fi
sid_ui=$(ps -o sid= -p "$pid" | tr -d ' '); sid_runner=$(ps -o sid= -p "$runner" | tr -d ' ')
if [ -n "$sid_runner" ] && [ "$sid_runner" != "$sid_ui" ]; then
        t_pass "the runner is in a session of its own ($sid_runner, the screen's $sid_ui)"
else
        t_fail "the runner is in a session of its own ($sid_runner, the screen's $sid_ui)"
fi
kill -SEGV "$pid"
expect "the screen died of SIGSEGV" "EXITED 139" 5
if kill -0 "$runner" 2>/dev/null; then t_pass "the runner outlived the screen"; else t_fail "the runner outlived the screen"; fi
w0=$(sectors_written "$L1"); sleep 1; w1=$(sectors_written "$L1")
if [ "$w1" -gt "$w0" ]; then
        t_pass "the disk is still being written ($(((w1 - w0) / 2048)) MiB in 1 s)"
else
        t_fail "the disk is still being written ($w0 → $w1 sectors)"
fi
start_ui --lang en
expect "a new screen re-attaches" "Re-attached to the running disposal (started by yamada and sato)" 5
expect "to the progress" "Started by yamada (operator) and sato (witness)" 3
expect "with the disk and its pass" "$L1  CRASH-1  pass " 5
expect "then the results" "1 of 1 disks erased and verified." 120
expect "PASS" "PASS   $L1" 1
t_eq "exactly one certificate filed" 1 "$(n_certs)"
c1=$(cert_of CRASH-1)
t_eq "it says PASS, by the two people" "PASS gutmann yamada sato" \
        "$(jq -r '"\(.result) \(.sanitization.method) \(.people.operator) \(.people.witness)"' "$c1")"
out=$("$KESU" cert verify --key "$K/appliance.pub" "$CERTS" 2>&1); rc=$?
t_eq "kesu cert verify: exit 0" 0 "$rc"
t_match "one valid PASS" "1 certificate, 1 valid, 0 problems.*1 PASS, 0 FAIL" "$out"
keys Escape
expect "then the normal login" "Operator login" 3
[ -e "$RUN/disposal.state" ] && t_fail "the state file is removed once its results were shown" ||
        t_pass "the state file is removed once its results were shown"

echo "# 2. the screen and the runner both killed: told at the next start, certified by the journal"
login_en 0
expect "disks" "Choose the disks to erase"
wait_for "$L1 " 5 >/dev/null
choose_disk "$L1"
keys Enter
expect "plan" "Disk 1 of 1"
keys "KILLED-1" Enter Down Down Right Right Right Right Right Right
expect "method gutmann" "< gutmann (Clear) >" 3
keys Enter
wait_for "These 1 disks will be erased" 10 >/dev/null
keys 1 Enter
expect "progress" "KILLED-1  pass " 20
pid=$(ui_pid); runner=$(runner_pid)
kill -KILL "$pid" "$runner"
for _ in $(seq 50); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
start_ui # Japanese
expect "a runner that died unfinished is told at start (Japanese)" "処分が中断されました" 5
expect "and the login follows" "作業者のログイン" 1
t_eq "no certificate yet: the journal files it at the next start" 1 "$(n_certs)"

echo "# 3. a disk pulled out mid-wipe turns FAIL on the progress screen (Japanese)"
truncate -s 64M "$T_DIR/pulled.backing"
FUSE_MNT=$T_DIR/pulled.mnt
mkdir -p "$FUSE_MNT"
# the disk accepts 32 MiB of writes (half its first pass), then is gone
"$KESU_FAULTFS" --unplug-after $((32 << 20)) "$T_DIR/pulled.backing" "$FUSE_MNT" &
FUSE_PID=$!
for _ in $(seq 100); do [ -e "$FUSE_MNT/disk.img" ] && break; sleep 0.05; done
t_loop "$FUSE_MNT/disk.img"; LP=$T_LOOP
login_ja 30
expect "disks" "ディスクの選択"
wait_for "$LP " 5 >/dev/null
choose_disk "$L1" && choose_disk "$LP"
keys Enter
wait_for "ディスク 1 / 2" 5 >/dev/null
keys "HEALTHY-1" Enter Down Down Right Right Right Right Right Right
wait_for "< gutmann (" 3 >/dev/null
keys Enter
expect "plan of the disk to be pulled" "ディスク 2 / 2" 5
keys "PULLED-1" Enter Down Down Right Right
wait_for "< dod7 (" 3 >/dev/null
keys Enter
wait_for "次の 2 台のディスクを消去します" 10 >/dev/null
keys 2 Enter
expect "the pulled disk turns FAIL live, with its reason" \
        "$LP  PULLED-1  不合格: ディスクが取り外されたか、書き込みができなくなりました" 30
expect "while the other disk is still being erased" "$L1  HEALTHY-1  パス " 1
expect "results" "2 台中 1 台の消去と検証が完了しました。" 120
expect "the pulled disk: FAIL on the results" "不合格 $LP" 1
expect "with the certificate's reason" "理由:" 1
cp=$(cert_of PULLED-1)
t_eq "its certificate says FAIL, device-gone" "FAIL" "$(jq -r .result "$cp" 2>/dev/null)"
t_match "with why" "device-gone|gone|disappeared" "$(jq -c .failure_reasons "$cp" 2>/dev/null)"
t_eq "the healthy disk: PASS" "PASS" "$(jq -r .result "$(cert_of HEALTHY-1)" 2>/dev/null)"
ck=$(cert_of KILLED-1)
t_eq "the killed disposal got its FAIL certificate from the journal" "FAIL" "$(jq -r .result "$ck" 2>/dev/null)"
t_match "interrupted" "interrupted" "$(jq -c .failure_reasons "$ck" 2>/dev/null)"
out=$("$KESU" cert verify --key "$K/appliance.pub" "$CERTS" 2>&1); rc=$?
t_eq "kesu cert verify of the folder: exit 0" 0 "$rc"
t_match "4 certificates: 2 PASS, 2 FAIL, none twice" "4 certificates, 4 valid, 0 problems.*2 PASS, 2 FAIL" "$out"
keys Escape
expect "log out" "作業者のログイン" 3
keys F10
expect "quit" "EXITED 0" 5
echo "# took $(($(date +%s) - t_start)) s"
t_done
