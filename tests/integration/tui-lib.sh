# Driving `kesu ui` under a real pty (tmux), shared by the screen's tests (sourced after
# ../lib.sh). Needs $CONF (the configuration) and optionally UI_ENV (more VAR=value words for the
# screen's environment) and UI_SIZE (WIDTHxHEIGHT, default 120x40). The disposal's runner keeps its
# state in $T_DIR/run (KESU_RUN_DIR), never in the machine's /run/kesu.

# make_key: the appliance key in $K (its passphrase in $T_DIR/keypass, written by the caller)
make_key() {
    "$KESU" key init --dir "$K" --passphrase-file "$T_DIR/keypass" >/dev/null || { echo "key init failed" >&2; exit 1; }
}
# two_operators: the key (make_key) and the operators yamada (山田 太郎) and sato (佐藤 花子), their
# passphrases in $T_DIR/yamada and $T_DIR/sato; sets Y and S to their TOTP secrets
two_operators() {
    echo "yamada passphrase" >"$T_DIR/yamada"
    echo "sato passphrase" >"$T_DIR/sato"
    make_key
    Y=$(add_user yamada "山田 太郎" operator "$T_DIR/yamada")
    S=$(add_user sato "佐藤 花子" operator "$T_DIR/sato")
    [ -n "$Y" ] && [ -n "$S" ] || { echo "user add failed" >&2; exit 1; }
}
# add_user ID NAME ROLE PASSFILE: enrols a user with that key; prints the TOTP secret
add_user() {
    "$KESU" user add "$1" --name "$2" --role "$3" --passphrase-file "$4" --key "$K/appliance.key" \
        --key-passphrase-file "$T_DIR/keypass" | sed -n 's/^TOTP secret: *//p'
}

SOCK=
RUNS=0
tmx() { tmux -L "$SOCK" "$@"; }
trap '[ -n "$SOCK" ] && tmx kill-server 2>/dev/null; sleep 0.2; t_cleanup' EXIT

# start_ui [ARGS…]: kesu ui in a fresh pane; "EXITED rc" is shown when it ends
start_ui() {
    [ -n "$SOCK" ] && tmx kill-server 2>/dev/null
    RUNS=$((RUNS + 1))
    SOCK=kesu-test-$(basename "$0" .sh)-$$-$RUNS
    local size=${UI_SIZE:-120x40}
    tmx new-session -d -x "${size%x*}" -y "${size#*x}" -s ui \
        "env LANG=C.UTF-8 KESU_STATE_DIR='$KESU_STATE_DIR' KESU_LOCALEDIR='$KESU_LOCALEDIR' KESU_RUN_DIR='$T_DIR/run' ${UI_ENV:-} '$KESU' ui --config '$CONF' $*; echo EXITED \$?; sleep 600"
}
# the screen's text; a screen that is gone ends the test (nothing left to drive)
screen() {
    tmx capture-pane -p -t ui 2>/dev/null && return 0
    t_fail "the tmux pane is gone"
    exit 1
}
keys() { tmx send-keys -t ui "$@"; }
text() { tmx send-keys -t ui -l "$1"; }
# wait_for TEXT [SECONDS]: polls the screen (every 0.1 s) until it shows TEXT
wait_for() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "--- screen (waited for '$1'):" >&2
    screen >&2
    return 1
}
# expect DESCRIPTION TEXT [SECONDS]
expect() { if wait_for "$2" "${3:-10}"; then t_pass "$1"; else t_fail "$1"; fi; }
# wait_gone TEXT [SECONDS]
wait_gone() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        screen | grep -qF -- "$1" || return 0
        sleep 0.1
    done
    return 1
}
# code SECRET [SECONDS_AHEAD]: the TOTP code now (or a step ahead: a code is accepted once)
code() { oathtool --totp -b "$1" -N "@$(($(date +%s) + ${2:-0}))"; }
# fresh_code SECRET: the code of a time step not used yet for SECRET (kesu refuses a used one, also
# the one typed back at enrolment): waits for the next 30 s step when needed. The last step is kept
# in a file: the function runs in $(…), a subshell.
fresh_code() {
    local now step last f="$T_DIR/totp-step.$1"
    last=$(cat "$f" 2>/dev/null || echo -1)
    while :; do
        now=$(date +%s); step=$((now / 30))
        [ "$step" -gt "$last" ] && break
        sleep 1
    done
    echo "$step" >"$f"
    oathtool --totp -b "$1" -N "@$now"
}
# choose_disk PATH: moves the list's cursor onto PATH and chooses it with Space
choose_disk() {
    local order cur want
    order=$(screen | sed -n 's/^ [> ] \[[ x]\] \(\/dev\/[^ ]*\).*/\1/p')
    cur=$(screen | sed -n 's/^ > \[[ x]\] \(\/dev\/[^ ]*\).*/\1/p')
    want=$(grep -nx -- "$1" <<<"$order" | cut -d: -f1)
    cur=$(grep -nx -- "$cur" <<<"$order" | cut -d: -f1)
    [ -n "$want" ] && [ -n "$cur" ] || { t_fail "choose $1: not on the list"; return 1; }
    while [ "$cur" -lt "$want" ]; do keys Down; cur=$((cur + 1)); done
    while [ "$cur" -gt "$want" ]; do keys Up; cur=$((cur - 1)); done
    keys Space
    wait_for "[x] $1" 5
}
