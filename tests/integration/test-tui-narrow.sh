#!/usr/bin/env bash
# The operator's screen (`kesu ui`) on small terminals, under a real pty (tmux): the appliance's
# VGA console is 80x25, and someone may run it in a small window. In Japanese (two columns a
# character) at 80x24 a whole disposal of a loop device (logins, the list, the plan, the
# confirmation, the results) and the administrator's users and enrolment screens; at 50x16 the
# same screens up to the confirmation; on the disk list the window resized (80x24 → 50x16 →
# 100x30 → 80x24). On every screen: kesu is still running, no line is wider than the terminal
# (display width as East Asian Width says: W and F are two columns), no replacement character
# (a wide character cut in half), the title on the first row and the key hints, whole, on the last
# — once each (a resize leaves nothing of the old layout behind).
. "$(dirname "$0")/../lib.sh"

t_require tmux oathtool python3 losetup zbarimg
: "${KESU_LOCALEDIR:?KESU_LOCALEDIR must point at the built message catalogs}"
t_workdir
export LANG=C.UTF-8

K=$T_DIR/keys
CERTS=$T_DIR/certificates
EXPORT=$T_DIR/export
mkdir -p "$K" "$CERTS" "$EXPORT"
echo "key passphrase 鍵" >"$T_DIR/keypass"
echo "yamada passphrase" >"$T_DIR/yamada"
echo "sato passphrase" >"$T_DIR/sato"
echo "kanri passphrase" >"$T_DIR/kanri"
. "$(dirname "$0")/tui-lib.sh"
make_key
# a name near the longest a user may have (64 bytes), to fill the rows
Y=$(add_user yamada "山田山田山田山田山田 太郎太郎太郎太郎太" operator "$T_DIR/yamada")
S=$(add_user sato "佐藤 花子" operator "$T_DIR/sato")
A=$(add_user kanri "管理 一郎" administrator "$T_DIR/kanri")
[ -n "$Y" ] && [ -n "$S" ] && [ -n "$A" ] || { echo "user add failed" >&2; exit 1; }
CONF=$T_DIR/kesu.conf
printf 'key = %s\ncert-dir = %s\nexport-dir = %s\norganization = 千歳市総務部情報政策課\n' \
    "$K/appliance.key" "$CERTS" "$EXPORT" >"$CONF"

f1=$(t_file disk1.img 8M)
t_loop "$f1"; L1=$T_LOOP

# checks one screen: the rules in the header, for the pane's size now
cat >"$T_DIR/check.py" <<'EOF'
import sys, unicodedata
w, h = (int(v) for v in sys.argv[1].split("x"))
rows = sys.stdin.read().split("\n")
if rows and rows[-1] == "":
    rows.pop()
rows += [""] * (h - len(rows))
def width(s):
    n = 0
    for c in s:
        if unicodedata.combining(c):
            continue
        n += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return n
problems = []
if len(rows) > h:
    problems.append(f"{len(rows)} rows on a terminal of {h}")
for i, r in enumerate(rows):
    if width(r) > w:
        problems.append(f"row {i} is {width(r)} columns wide: {r!r}")
    if "\ufffd" in r:
        problems.append(f"row {i} has a replacement character: {r!r}")
if "kesu — " not in rows[0]:
    problems.append(f"no title on the first row: {rows[0]!r}")
keys = rows[h - 1].strip()
if "[" not in keys or keys.count("[") != keys.count("]"):
    problems.append(f"no whole key hints on the last row: {rows[h - 1]!r}")
if sum("kesu — " in r for r in rows) != 1:
    problems.append("the title is shown more than once")
if keys and sum(r.strip() == keys for r in rows) != 1:
    problems.append("the key line is shown more than once")
print("\n".join(problems))
EOF

# the QR code on the screen (half blocks: "█" both modules light, " " both dark, "▄" the top one
# dark, "▀" the bottom one) as a PBM image, 8 pixels a module, for zbarimg to read
cat >"$T_DIR/qr2pbm.py" <<'PY'
import sys
rows = sys.stdin.read().split("\n")
start = next(i for i, r in enumerate(rows) if r[2:].startswith("█" * 20))
line, width = rows[start][2:], 0
while width < len(line) and line[width] == "█":
    width += 1
modules = []
for r in rows[start:start + (width + 1) // 2]:
    cells = r[2:2 + width].ljust(width)
    modules.append([c in " ▄" for c in cells])
    modules.append([c in " ▀" for c in cells])
modules = modules[:width]
scale, pad = 8, 4
side = (width + 2 * pad) * scale
print("P1\n%d %d" % (side, side))
blank = " ".join(["0"] * side)
for _ in range(pad * scale):
    print(blank)
for m in modules:
    row = " ".join(["0"] * pad * scale + ["1" if d else "0" for d in m for _ in range(scale)] + ["0"] * pad * scale)
    for _ in range(scale):
        print(row)
for _ in range(pad * scale):
    print(blank)
PY
size() { tmx display -p -t ui '#{pane_width}x#{pane_height}'; }
# check_screen DESCRIPTION: the rules above on the screen as it is now
check_screen() {
    local sz out
    sleep 0.3 # let a redraw finish
    if screen | grep -q '^EXITED'; then t_fail "$1: kesu ui is still running"; screen >&2; return; fi
    sz=$(size)
    # DUMP=FILE (by hand): every checked screen appended to FILE, to look at the layouts
    [ -n "${DUMP:-}" ] && { echo "=== $1 ($sz)"; screen; } >>"$DUMP"
    out=$(screen | python3 "$T_DIR/check.py" "$sz")
    if [ -z "$out" ]; then
        t_pass "$1 ($sz)"
    else
        t_fail "$1 ($sz): $out"
        screen >&2
    fi
}
# resize WIDTH HEIGHT: the window (and the pane) to that size
resize() { tmx resize-window -t ui -x "$1" -y "$2"; sleep 0.5; }
login() { # DOWNS PASSFILE SECRET
    local i
    for ((i = 0; i < $1; i++)); do keys Down; done
    keys Enter
    text "$(cat "$2")"; keys Enter
    text "$(fresh_code "$3")"; keys Enter
}
# the administrator's screens, from the operator login back to it: the menu, the users, a new
# passphrase and secret for yamada (cancelled at the code: nothing saved), the settings
admin_screens() {
    login 2 "$T_DIR/kanri" "$A"
    expect "the administrator's menu" "[2] 利用者" 5
    check_screen "the administrator's menu"
    keys 2
    expect "the users" "kanri" 3
    check_screen "the users list"
    keys r
    expect "a new passphrase asked" "パスフレーズとワンタイムコードの再設定" 3
    check_screen "a new passphrase for yamada"
    text "new passphrase for yamada"; keys Enter
    text "new passphrase for yamada"; keys Enter
    expect "the new secret shown" "シークレット（base32）:" 5
    check_screen "the enrolment screen (QR code and secret)"
    screen | grep -A1 -F 'シークレット（base32）:' | grep -qE '[A-Z2-7]{32}' &&
        t_pass "the whole secret is shown ($(size))" || t_fail "the whole secret is shown ($(size))"
    if [ "$UI_SIZE" = 80x24 ]; then
        # the console's case: the code (in its short form) beside the text, all of it on the screen
        secret=$(screen | grep -A1 -F 'シークレット（base32）:' | tail -1 | grep -oE '[A-Z2-7]{32}')
        screen | python3 "$T_DIR/qr2pbm.py" >"$T_DIR/qr.pbm"
        t_eq "a QR code at 80x24 that an app reads: the secret, the defaults left out" \
            "otpauth://totp/kesu:yamada?secret=$secret&issuer=kesu" "$(zbarimg --raw -q "$T_DIR/qr.pbm" 2>/dev/null)"
    else
        expect "no room for a QR code: said so" "この画面は QR コードを表示する" 1
    fi
    keys Escape
    expect "cancelled: nothing changed" "yamada は何も変更しませんでした" 3
    keys Escape
    keys 3
    expect "the settings" "組織名: 千歳市" 3
    check_screen "the organisation and printer settings"
    keys Escape Escape
    expect "logged out" "作業者のログイン" 3
}

t_start=$(date +%s)
echo "# 80x24 (a VGA console), Japanese"
UI_SIZE=80x24
start_ui
expect "the operator login" "作業者のログイン"
check_screen "the operator login"
admin_screens
login 0 "$T_DIR/yamada" "$Y"
expect "the witness login" "確認者のログイン"
check_screen "the witness login"
login 1 "$T_DIR/sato" "$S"
expect "the signing key" "署名鍵"
check_screen "the signing key"
text "$(cat "$T_DIR/keypass")"; keys Enter
expect "the clock" "時刻の確認" 15
check_screen "the clock"
keys y
expect "the disk list" "ディスクの選択"
expect "the loop device listed" "$L1 " 5
check_screen "the disk list"
resize 50 16
expect "shrunk: the list again" "ディスクの選択" 3
t_eq "the pane is 50x16" "50x16" "$(size)"
check_screen "the disk list after shrinking"
resize 100 30
check_screen "the disk list after growing"
resize 80 24
check_screen "the disk list back at 80x24"
choose_disk "$L1"
keys Enter
expect "the plan" "ディスク 1 / 1"
keys "NARROW-0001" Enter
expect "allowed" "許可されます。" 3
check_screen "the plan"
keys Enter
expect "the confirmation" "次の 1 台のディスクを消去します"
check_screen "the confirmation"
keys 1 Enter
expect "erased" "1 台中 1 台の消去と検証が完了しました。" 60
check_screen "the results"
keys Escape
expect "logged out" "作業者のログイン" 3
keys F10
expect "quits" "EXITED 0" 5

echo "# 50x16 (a small window), Japanese"
UI_SIZE=50x16
start_ui
expect "the operator login" "作業者のログイン"
check_screen "the operator login"
admin_screens
login 0 "$T_DIR/yamada" "$Y"
expect "the witness login" "確認者のログイン"
check_screen "the witness login"
login 1 "$T_DIR/sato" "$S"
expect "the signing key" "署名鍵"
check_screen "the signing key"
text "$(cat "$T_DIR/keypass")"; keys Enter
expect "the clock" "時刻の確認" 15
check_screen "the clock"
keys y
expect "the disk list" "ディスクの選択"
expect "the loop device listed" "$L1 " 5
check_screen "the disk list"
choose_disk "$L1"
keys Enter
expect "the plan" "ディスク 1 / 1"
keys "NARROW-0002" Enter
check_screen "the plan"
expect "the policy's decision stays on a 16-line screen" "許可されます。" 3
keys Enter
expect "the confirmation" "次の 1 台のディスクを消去します"
check_screen "the confirmation"
resize 40 12
check_screen "the confirmation at 40x12"
resize 50 16
keys Escape
wait_gone "次の 1 台のディスクを消去します" 3
check_screen "back from the confirmation"
for ((i = 0; i < 4; i++)); do
    screen | grep -qF "作業者のログイン" && break
    keys Escape
    sleep 0.5
done
expect "logged out" "作業者のログイン" 3
keys F10
expect "quits" "EXITED 0" 5
echo "# took $(($(date +%s) - t_start)) s"
t_done
