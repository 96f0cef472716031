#!/usr/bin/env bash
# The appliance's users: `kesu user add|list|disable|passwd|check` with stock oathtool computing
# the codes from the secret `add` printed; replayed codes, throttling, disabled users; a users file
# edited by hand (a role, an added user), truncated or readable by others is refused.
. "$(dirname "$0")/../lib.sh"

t_require jq oathtool
t_workdir
K=$T_DIR/keys
mkdir -p "$K"
echo "key passphrase 鍵" >"$T_DIR/keypass"
echo "wrong key passphrase" >"$T_DIR/wrongkey"
echo "yamada passphrase" >"$T_DIR/yamada"
echo "sato passphrase" >"$T_DIR/sato"
echo "sato new passphrase" >"$T_DIR/sato-new"
echo "short" >"$T_DIR/short"
"$KESU" key init --dir "$K" --passphrase-file "$T_DIR/keypass" >/dev/null || { echo "key init failed" >&2; exit 1; }
files=(--key "$K/appliance.key" --key-passphrase-file "$T_DIR/keypass")
U=$K/users.json

# secret_of OUTPUT: the base32 secret `kesu user add` printed
secret_of() { sed -n 's/^TOTP secret: *//p' <<<"$1"; }
# check ID PASSFILE CODE: `kesu user check` with a secret file; sets $out (stdout+stderr) and $rc
check() {
    { cat "$2"; echo "$3"; } >"$T_DIR/secret"
    out=$("$KESU" user check "$1" --secret-file "$T_DIR/secret" --users "$U" 2>&1); rc=$?
}

echo "# add"
out=$("$KESU" user add yamada --name "山田 太郎" --name-latin "Yamada Taro" --role operator \
      --passphrase-file "$T_DIR/yamada" "${files[@]}" 2>&1); rc=$?
t_eq "add yamada: exit 0" 0 "$rc"
Y=$(secret_of "$out")
t_match "add: TOTP secret in base32 (20 bytes)" '^[A-Z2-7]{32}$' "$Y"
t_match "add: otpauth URI" "otpauth://totp/kesu:yamada\?secret=$Y&issuer=kesu&algorithm=SHA1&digits=6&period=30" "$out"
t_eq "add: no QR code without a terminal" 0 "$(grep -c '█' <<<"$out")"
t_eq "add: users file mode 600" 600 "$(stat -c %a "$U")"
t_eq "add: state file mode 600" 600 "$(stat -c %a "$K/users.state.json")"
t_eq "add: format tag" "kesu-users 1" "$(jq -r '"\(.format) \(.version)"' "$U")"
t_eq "add: key id in front" "$(grep -o '[0-9A-F]\{16\}' "$K/appliance.pub" | head -1)" "$(jq -r .key_id "$U")"
t_match "add: passphrase kept as Argon2id" '^\$argon2id\$' "$(jq -r '.users[0].passphrase_hash' "$U")"
t_eq "add: passphrase itself not in the file" 0 "$(grep -c 'yamada passphrase' "$U")"

# --users alone: the key is appliance.key beside it
out=$("$KESU" user add sato --name "佐藤 花子" --role administrator --passphrase-file "$T_DIR/sato" \
      --users "$U" --key-passphrase-file "$T_DIR/keypass" 2>&1); rc=$?
t_eq "add sato (key beside --users): exit 0" 0 "$rc"
S=$(secret_of "$out")
t_match "add sato: secret" '^[A-Z2-7]{32}$' "$S"

sums=$(sha256sum "$U")
refuse_add() { # DESCRIPTION REGEX ARGS...
    local desc=$1 re=$2; shift 2
    local err rc
    err=$("$KESU" user add "$@" 2>&1 >/dev/null); rc=$?
    t_eq "$desc: exit 2" 2 "$rc"
    t_match "$desc: message" "$re" "$err"
    t_eq "$desc: users file unchanged" "$sums" "$(sha256sum "$U")"
}
refuse_add "add twice" "yamada already exists" yamada --name X --role operator --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "short passphrase" "too short: at least 8 characters" suzuki --name 鈴木 --role operator --passphrase-file "$T_DIR/short" "${files[@]}"
refuse_add "bad id" "not a user ID" "suzuki ichiro" --name 鈴木 --role operator --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "long id" "not a user ID" "$(printf 'a%.0s' $(seq 33))" --name 鈴木 --role operator --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "bad role" "unknown role 'root'" suzuki --name 鈴木 --role root --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "hidden character in a name" "control or invisible character" suzuki --name $'鈴木\u202e' --role operator --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "name not UTF-8" "not UTF-8" suzuki --name $'\xff' --role operator --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "no --role" "--name and --role are required" suzuki --name 鈴木 --passphrase-file "$T_DIR/yamada" "${files[@]}"
refuse_add "wrong key passphrase" "wrong passphrase; nothing was changed" suzuki --name 鈴木 --role operator --passphrase-file "$T_DIR/yamada" --key "$K/appliance.key" --key-passphrase-file "$T_DIR/wrongkey"
echo "organization = 千歳市" >"$T_DIR/nokey.conf"
refuse_add "no users file named" "Give --users FILE or --key FILE" suzuki --name 鈴木 --role operator --passphrase-file "$T_DIR/yamada" --config "$T_DIR/nokey.conf"
err=$("$KESU" user add suzuki --name 鈴木 --role operator --config "$T_DIR/none.conf" 2>&1); rc=$?
t_eq "config that does not exist: exit 2" 2 "$rc"
t_match "config that does not exist: message" "cannot read the configuration" "$err"

echo "# list"
printf '# the appliance\nkey = %s\norganization = 千歳市\n' "$K/appliance.key" >"$T_DIR/kesu.conf"
out=$("$KESU" user list --config "$T_DIR/kesu.conf"); rc=$?
t_eq "list (key from --config): exit 0" 0 "$rc"
t_match "list: yamada" "yamada +operator +active +山田 太郎 \(Yamada Taro\)" "$out"
t_match "list: sato" "sato +administrator +active +佐藤 花子" "$out"
json=$("$KESU" user list --json --users "$U")
t_eq "list --json" '[{"id":"yamada","name":"山田 太郎","name_latin":"Yamada Taro","role":"operator","status":"active","failed_attempts":0},{"id":"sato","name":"佐藤 花子","name_latin":null,"role":"administrator","status":"active","failed_attempts":0}]' "$(jq -c . <<<"$json")"
t_eq "list: no secrets" 0 "$(grep -c -e "$Y" -e "$S" -e argon2 <<<"$out$json")"

echo "# logging in with stock oathtool's codes"
check yamada "$T_DIR/yamada" "$(oathtool --totp -b "$Y")"
t_eq "check yamada: exit 0" 0 "$rc"
t_match "check yamada: accepted" "User yamada \(山田 太郎 / Yamada Taro, operator\): passphrase and code accepted" "$out"
check yamada "$T_DIR/yamada" "$(oathtool --totp -b "$Y")"
t_eq "the same code again: exit 2" 2 "$rc"
t_match "the same code again: refused" "user yamada: wrong passphrase or code" "$out"
next=$(oathtool --totp -b "$Y" -N "now + 30 seconds")
check yamada "$T_DIR/sato" "$next"
t_match "wrong passphrase: refused without saying which" "user yamada: wrong passphrase or code" "$out"
check yamada "$T_DIR/yamada" "$(printf '%06d' $(( (10#$next + 1) % 1000000 )))"
t_match "wrong code: refused without saying which" "user yamada: wrong passphrase or code" "$out"
check nobody "$T_DIR/yamada" "$next"
t_match "unknown user" "user nobody: no such user" "$out"
check sato "$T_DIR/sato" "$(oathtool --totp -b "$Y")"
t_match "yamada's code for sato: refused" "user sato: wrong passphrase or code" "$out"
t_eq "failures counted in the state file" 3 "$(jq .users.yamada.failed_attempts "$K/users.state.json")"
t_eq "state file: no secrets" 0 "$(grep -c -e "$Y" -e "$S" -e argon2 "$K/users.state.json")"
throttled=""
for i in 1 2 3 4 5 6; do
    check yamada "$T_DIR/sato" "$next"
    [[ "$out" =~ "too many failed attempts: wait "[0-9]+" s" ]] && { throttled=$out; break; }
done
t_match "throttled after repeated failures" "user yamada: too many failed attempts: wait [0-9]+ s" "$throttled"
t_eq "throttled: exit 2" 2 "$rc"
t_eq "code with spaces (as apps show it) is fine for another user" 0 \
     "$(check sato "$T_DIR/sato" "$(oathtool --totp -b "$S" | sed 's/^\(...\)/\1 /')"; echo "$rc")"

echo "# disable, passwd"
out=$("$KESU" user disable yamada --users "$U" --key-passphrase-file "$T_DIR/keypass" 2>&1); rc=$?
t_eq "disable: exit 0" 0 "$rc"
t_match "disable: said" "User yamada disabled" "$out"
t_eq "list: yamada disabled" disabled "$("$KESU" user list --json --users "$U" | jq -r '.[0].status')"
t_match "disable again: said" "already disabled" "$("$KESU" user disable yamada --users "$U" 2>&1)"
# a disabled user is told so only with the right answer: first let yamada's throttle pass
for i in $(seq 40); do
    check yamada "$T_DIR/yamada" "$(oathtool --totp -b "$Y" -N "now + 30 seconds")"
    [[ "$out" =~ "too many failed attempts" ]] || break
    sleep 1
done
t_match "disabled user: refused" "user yamada is disabled" "$out"
t_eq "disabled user: exit 2" 2 "$rc"
t_eq "disable unknown: exit 2" 2 "$("$KESU" user disable nobody --users "$U" --key-passphrase-file "$T_DIR/keypass" >/dev/null 2>&1; echo $?)"

out=$("$KESU" user passwd sato --passphrase-file "$T_DIR/sato-new" --users "$U" --key-passphrase-file "$T_DIR/keypass" 2>&1); rc=$?
t_eq "passwd: exit 0" 0 "$rc"
t_match "passwd: said" "User sato has a new passphrase" "$out"
t_eq "passwd: too short: exit 2" 2 "$("$KESU" user passwd sato --passphrase-file "$T_DIR/short" --users "$U" --key-passphrase-file "$T_DIR/keypass" >/dev/null 2>&1; echo $?)"
code=$(oathtool --totp -b "$S" -N "now + 30 seconds")
check sato "$T_DIR/sato" "$code"
t_match "old passphrase: refused" "user sato: wrong passphrase or code" "$out"
check sato "$T_DIR/sato-new" "$code"
t_eq "new passphrase: accepted" 0 "$rc"

echo "# a users file changed by hand is refused"
cp -p "$U" "$T_DIR/users.good"
refuse_load() { # DESCRIPTION REGEX
    local err rc
    err=$("$KESU" user list --users "$U" 2>&1 >/dev/null); rc=$?
    t_eq "$1: exit 2" 2 "$rc"
    t_match "$1: message" "$2" "$err"
    err=$("$KESU" user check sato --secret-file "$T_DIR/secret" --users "$U" 2>&1); rc=$?
    t_eq "$1: no login either" 2 "$rc"
    cp -p "$T_DIR/users.good" "$U"
}
jq '.users[1].role = "operator" | .users[0].role = "administrator"' "$T_DIR/users.good" >"$U"
refuse_load "role changed" "changed after it was signed .*: refused"
jq '.users[0].status = "active"' "$T_DIR/users.good" >"$U"
refuse_load "user re-enabled" "changed after it was signed"
jq '.users += [.users[0] | .id = "mallory" | .role = "administrator" | .status = "active"]' "$T_DIR/users.good" >"$U"
refuse_load "user added" "changed after it was signed"
jq '.users[1].passphrase_hash = .users[0].passphrase_hash' "$T_DIR/users.good" >"$U"
refuse_load "passphrase hash swapped" "changed after it was signed"
jq '.version = 2' "$T_DIR/users.good" >"$U"
refuse_load "unknown version" "a format version this kesu does not know"
head -c 300 "$T_DIR/users.good" >"$U"
refuse_load "truncated" "not a kesu users file, or damaged or truncated"
chmod 644 "$U"
refuse_load "readable by others" "must be mode 0600"
"$KESU" key init --dir "$T_DIR/other" --passphrase-file "$T_DIR/keypass" >/dev/null
cp "$T_DIR/other/appliance.pub" "$T_DIR/appliance.pub"
err=$("$KESU" user list --users "$U" --key "$T_DIR/appliance.key" 2>&1); rc=$?
t_eq "another appliance's key: exit 2" 2 "$rc"
t_match "another appliance's key: message" "signed by another key" "$err"
jq . "$U" | sed 's/^  /    /' >"$T_DIR/reindented"; cat "$T_DIR/reindented" >"$U"
t_eq "re-indented (same contents): still loads" 0 "$("$KESU" user list --users "$U" >/dev/null 2>&1; echo $?)"
cp -p "$T_DIR/users.good" "$U"
t_eq "restored: loads" 0 "$("$KESU" user list --users "$U" >/dev/null 2>&1; echo $?)"

echo "# help"
help=$("$KESU" user --help); rc=$?
t_eq "user --help: exit 0" 0 "$rc"
for w in "kesu user add ID --name NAME --role operator\|administrator" "--name-latin" "--passphrase-file" \
         "kesu user list \[--json\]" "kesu user disable ID" "kesu user passwd ID" "--key-passphrase-file" \
         "TOTP" "Argon2id" "mode 0600"; do
    t_match "user --help mentions $w" "$w" "$help"
done
t_match "kesu --help lists user and its commands" "user add\|list\|disable\|enable\|passwd\|reset" "$("$KESU" --help)"
t_eq "user add --help: exit 0" 0 "$("$KESU" user add --help >/dev/null; echo $?)"
t_eq "user frobnicate: exit 2" 2 "$("$KESU" user frobnicate 2>/dev/null; echo $?)"
t_eq "user list --name: exit 2" 2 "$("$KESU" user list --name x --users "$U" 2>/dev/null; echo $?)"

t_done
