#!/usr/bin/env bash
# `kesu wipe` on loop devices and files this test creates: every method leaves exactly the
# expected bytes (checked with cmp against streams made by python3 and `openssl enc`, not by
# kesu), odd sizes, 4096-byte sectors, several disks at once, I/O errors and disks that vanish
# mid-wipe (through kesu-faultfs: the real kernel FUSE path with injected faults, because this
# kernel has neither dm-flakey nor scsi_debug), interruption, and refusals that write nothing.
. "$(dirname "$0")/../lib.sh"

t_require losetup mkfs.ext4 mount jq openssl python3 cmp sha256sum
: "${KESU_FAULTFS:=}"
if [ -z "$KESU_FAULTFS" ] || [ ! -x "$KESU_FAULTFS" ] || [ ! -e /dev/fuse ]; then
    if [ "${CI:-}" = "true" ]; then echo "FAIL: kesu-faultfs or /dev/fuse missing (CI must provide them)" >&2; exit 1; fi
    echo "SKIP: kesu-faultfs or /dev/fuse missing" >&2
    exit 77
fi
t_workdir /dev/shm

T_FUSE_PIDS=()
T_FUSE_MNTS=()
cleanup_fuse() {
    local m p
    for m in "${T_FUSE_MNTS[@]}"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    for p in "${T_FUSE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap 'cleanup_fuse; t_cleanup' EXIT

# expected_stream PATTERN SIZE [SEED]: what a pass leaves, made without kesu.
expected_stream() {
    if [ "$1" = random ]; then
        head -c "$2" /dev/zero | openssl enc -aes-128-ctr -K "$3" -iv 00000000000000000000000000000000
    else
        python3 -c 'import sys
p = bytes.fromhex(sys.argv[1]); n = int(sys.argv[2]); out = sys.stdout.buffer
block = p * (1048576 // len(p) + 1)
step = len(p) * (1048576 // len(p))
for o in range(0, n, step):
    out.write(block[:min(step, n - o)])' "$1" "$2"
    fi
}

# check_content DESCRIPTION TARGET RESULT_JSON: the target holds exactly the last pass.
check_content() {
    local desc=$1 target=$2 res=$3
    local size last pat seed hex
    size=$(jq -r .size_bytes <<<"$res")
    last=$(jq -c '.passes[-1]' <<<"$res")
    pat=$(jq -r .pattern <<<"$last")
    seed=$(jq -r .seed <<<"$last")
    if [ "$pat" = random ]; then hex=random; else hex=$(sed 's/0x//g; s/ //g' <<<"$pat"); fi
    if cmp -s <(expected_stream "$hex" "$size" "$seed") <(head -c "$size" "$target"); then
        t_pass "$desc: content is exactly the last pass ($pat)"
    else
        t_fail "$desc: content differs from the last pass ($pat)"
    fi
}

result_of() { jq -c "select(.event == \"result\" and .path == \"$2\")" <<<"$1"; }

fill_junk() { python3 -c 'import sys; sys.stdout.buffer.write(b"\x5a" * int(sys.argv[1]))' "$2" >"$1"; }

echo "# every method leaves exactly the expected bytes"
for method in zero one random dod3 dod7 hmgis5 ops2 bsi gutmann "passes:random,0x00" "passes:0x123456" "passes:0xff,comp"; do
    img=$T_DIR/m.img
    fill_junk "$img" $((4 << 20))
    t_loop "$img"; dev=$T_LOOP
    out=$("$KESU" wipe --no-cert --method "$method" --verify none --yes --json "$dev"); rc=$?
    res=$(result_of "$out" "$dev")
    t_eq "$method: exit 0" 0 "$rc"
    t_eq "$method: PASS completed" "PASS completed" "$(jq -r '"\(.outcome) \(.status)"' <<<"$res")"
    want_passes=$("$KESU" wipe --no-cert --help | awk -v m="$method" '$1 == m {print}' | wc -l)
    t_eq "$method: bytes_written = size x passes" "$(jq -r '.size_bytes * (.passes | length)' <<<"$res")" \
        "$(jq -r .bytes_written <<<"$res")"
    t_eq "$method: every pass written and flushed" "$(jq -r '.passes | length' <<<"$res")" \
        "$(jq -r "[.passes[] | select(.flushed and .bytes_written == $((4 << 20)))] | length" <<<"$res")"
    check_content "$method" "$dev" "$res"
    t_detach "$dev"
done
t_eq "gutmann: 35 passes" 35 "$("$KESU" wipe --no-cert --method gutmann --verify none --yes --json "$(fill_junk "$T_DIR/g.img" 4096; echo "$T_DIR/g.img")" | jq -r 'select(.event == "result") | .passes | length')"

echo "# back to back: a finished wipe lets go of the disk at once"
# (io_uring tears a ring down later in a kernel worker; a registered file kept the exclusive
# claim until then, and every third immediate rerun found the disk busy)
fill_junk "$T_DIR/b2b.img" $((1 << 20)); t_loop "$T_DIR/b2b.img"; b2b=$T_LOOP
busy=0
for i in $(seq 25); do
    "$KESU" wipe --no-cert --method zero --verify none --yes --queue-depth 32 --chunk-bytes 131072 "$b2b" >/dev/null 2>&1 || busy=$((busy + 1))
done
t_eq "back to back: 25 wipes, none refused" 0 "$busy"
t_detach "$b2b"

echo "# odd sizes: a file that is not a whole number of sectors or chunks"
odd=$T_DIR/odd.img
fill_junk "$odd" 10000001
out=$("$KESU" wipe --no-cert --method random --verify none --yes --json "$odd")
res=$(result_of "$out" "$odd")
t_eq "odd file: PASS" PASS "$(jq -r .outcome <<<"$res")"
t_eq "odd file: size unchanged" 10000001 "$(stat -c %s "$odd")"
check_content "odd file" "$odd" "$res"
fill_junk "$T_DIR/odd-dev.img" $(((5 << 20) + 3 * 512))
t_loop "$T_DIR/odd-dev.img"; odd_dev=$T_LOOP
out=$("$KESU" wipe --no-cert --method "passes:0x123456" --verify none --yes --json --chunk-bytes 1048576 "$odd_dev")
check_content "loop of 5 MiB + 3 sectors" "$odd_dev" "$(result_of "$out" "$odd_dev")"

echo "# 4096-byte logical sectors"
fill_junk "$T_DIR/4k.img" $((8 << 20))
t_loop "$T_DIR/4k.img" --sector-size 4096; fourk=$T_LOOP
for engine in io_uring sync; do
    out=$("$KESU" wipe --no-cert --method random --engine "$engine" --verify none --yes --json "$fourk")
    res=$(result_of "$out" "$fourk")
    t_eq "4k ($engine): sector_bytes" 4096 "$(jq -r .sector_bytes <<<"$res")"
    t_eq "4k ($engine): engine" "$engine" "$(jq -r .engine <<<"$res")"
    t_eq "4k ($engine): direct I/O" true "$(jq -r .direct_io <<<"$res")"
    check_content "4k ($engine)" "$fourk" "$res"
done

echo "# several disks at once"
targets=()
for i in 1 2 3; do
    fill_junk "$T_DIR/par$i.img" $(((3 + i) << 20))
    t_loop "$T_DIR/par$i.img"; targets+=("$T_LOOP")
done
fill_junk "$T_DIR/par-file.img" $((3 << 20))
targets+=("$T_DIR/par-file.img")
out=$("$KESU" wipe --no-cert --method random --verify none --yes --json "${targets[@]}"); rc=$?
t_eq "parallel: exit 0" 0 "$rc"
t_eq "parallel: four PASS results" 4 "$(jq -r 'select(.event == "result" and .outcome == "PASS") | .path' <<<"$out" | wc -l)"
t_eq "parallel: a distinct seed per disk" 4 "$(jq -r 'select(.event == "result") | .passes[0].seed' <<<"$out" | sort -u | wc -l)"
t_eq "parallel: summary" "4 4 0" "$(jq -r 'select(.event == "summary") | "\(.targets) \(.passed) \(.failed)"' <<<"$out")"
for t in "${targets[@]}"; do check_content "parallel $t" "$t" "$(result_of "$out" "$t")"; done

echo "# I/O errors: bad ranges are recorded exactly and the outcome is FAIL"
# start_faultfs NAME SIZE OPTIONS...: a backing file of junk behind kesu-faultfs; sets FUSE_FILE
start_faultfs() {
    local name=$1 size=$2; shift 2
    local backing=$T_DIR/$name.backing mnt=$T_DIR/$name.mnt
    fill_junk "$backing" "$size"
    mkdir -p "$mnt"
    "$KESU_FAULTFS" "$@" "$backing" "$mnt" &
    T_FUSE_PIDS+=($!); T_FUSE_MNTS+=("$mnt"); FUSE_PID=$!
    for _ in $(seq 100); do [ -e "$mnt/disk.img" ] && break; sleep 0.05; done
    FUSE_FILE=$mnt/disk.img
    FUSE_BACKING=$backing
}
start_faultfs bad $((8 << 20)) --bad 1048576:8192 --bad 5242880:512
out=$("$KESU" wipe --no-cert --method zero --verify none --yes --json "$FUSE_FILE"); rc=$?
res=$(result_of "$out" "$FUSE_FILE")
t_eq "bad ranges: exit 1" 1 "$rc"
t_eq "bad ranges: FAIL write-errors" "FAIL write-errors" "$(jq -r '"\(.outcome) \(.status)"' <<<"$res")"
t_eq "bad ranges: exactly the bad sectors" '[{"pass":1,"first_lba":2048,"last_lba":2063},{"pass":1,"first_lba":10240,"last_lba":10240}]' \
    "$(jq -c .unwritten_ranges <<<"$res")"
t_eq "bad ranges: bytes_written" $(((8 << 20) - 8192 - 512)) "$(jq -r .bytes_written <<<"$res")"
python3 - "$FUSE_BACKING" <<'PY' && t_pass "bad ranges: all else zero, bad sectors untouched" || t_fail "bad ranges: backing content wrong"
import sys
d = open(sys.argv[1], 'rb').read()
bad = [(1048576, 1048576 + 8192), (5242880, 5242880 + 512)]
ok = all(d[a:b] == b'\x5a' * (b - a) for a, b in bad)
pos = 0
for a, b in bad:
    ok = ok and d[pos:a] == bytes(a - pos)
    pos = b
ok = ok and d[pos:] == bytes(len(d) - pos)
sys.exit(0 if ok else 1)
PY
t_loop "$FUSE_FILE"; bad_loop=$T_LOOP
out=$("$KESU" wipe --no-cert --method one --verify none --yes --json "$bad_loop")
t_eq "bad ranges through a loop device: the same sectors" \
    '[{"pass":1,"first_lba":2048,"last_lba":2063},{"pass":1,"first_lba":10240,"last_lba":10240}]' \
    "$(result_of "$out" "$bad_loop" | jq -c .unwritten_ranges)"
t_detach "$bad_loop"

echo "# a disk that vanishes mid-wipe fails alone"
start_faultfs pulled $((64 << 20)) --unplug-after $((20 << 20))
t_loop "$FUSE_FILE"; pulled_loop=$T_LOOP
fill_junk "$T_DIR/ok1.img" $((16 << 20)); t_loop "$T_DIR/ok1.img"; ok1=$T_LOOP
start_faultfs killed $((64 << 20))
killed_file=$FUSE_FILE; killed_pid=$FUSE_PID
fill_junk "$T_DIR/ok2.img" $((16 << 20))
# the FUSE daemon behind one target dies after a moment: its file answers ENOTCONN from then on
( sleep 0.3; kill -9 "$killed_pid" ) &
disown "$killed_pid" # its death is the point: no job-control notice
out=$("$KESU" wipe --no-cert --method gutmann --verify none --yes --json --chunk-bytes 65536 \
    "$pulled_loop" "$ok1" "$killed_file" "$T_DIR/ok2.img"); rc=$?
t_eq "vanish: exit 1" 1 "$rc"
t_eq "vanish: unplugged loop is FAIL device-gone" "FAIL device-gone" \
    "$(result_of "$out" "$pulled_loop" | jq -r '"\(.outcome) \(.status)"')"
t_eq "vanish: killed FUSE file is FAIL device-gone" "FAIL device-gone" \
    "$(result_of "$out" "$killed_file" | jq -r '"\(.outcome) \(.status)"')"
t_match "vanish: the unwritten ranges cover the rest" '"pass":35' "$(result_of "$out" "$pulled_loop" | jq -c .unwritten_ranges)"
t_eq "vanish: healthy loop PASS" PASS "$(result_of "$out" "$ok1" | jq -r .outcome)"
t_eq "vanish: healthy file PASS" PASS "$(result_of "$out" "$T_DIR/ok2.img" | jq -r .outcome)"
check_content "vanish: healthy loop" "$ok1" "$(result_of "$out" "$ok1")"
t_detach "$pulled_loop"

echo "# interruption: SIGINT leaves a FAIL result that says interrupted"
fill_junk "$T_DIR/int.img" $((512 << 20))
t_loop "$T_DIR/int.img"; int_dev=$T_LOOP
"$KESU" wipe --no-cert --method gutmann --verify none --yes --json "$int_dev" >"$T_DIR/int.out" &
kpid=$!
sleep 1.2
kill -INT "$kpid"
wait "$kpid"; rc=$?
res=$(result_of "$(cat "$T_DIR/int.out")" "$int_dev")
t_eq "interrupt: exit 1" 1 "$rc"
t_eq "interrupt: FAIL interrupted" "FAIL interrupted" "$(jq -r '"\(.outcome) \(.status)"' <<<"$res")"
t_eq "interrupt: the last pass is listed as not overwritten" 1 \
    "$(jq -r '[.unwritten_ranges[] | select(.pass == 35 and .first_lba == 0)] | length' <<<"$res")"
t_eq "interrupt: summary says interrupted" true "$(jq -r 'select(.event == "summary") | .interrupted' "$T_DIR/int.out")"
t_match "interrupt: progress events were sent" '"event":"progress"' "$(cat "$T_DIR/int.out")"

echo "# refusals write nothing"
fill_junk "$T_DIR/keep.img" $((4 << 20)); t_loop "$T_DIR/keep.img"; keep=$T_LOOP
keep_sum=$(sha256sum <"$keep")
truncate -s 8M "$T_DIR/mnt.img"
mkfs.ext4 -q "$T_DIR/mnt.img"
t_loop "$T_DIR/mnt.img"; mounted=$T_LOOP
t_mount "$mounted" "$T_DIR/mnt"
mnt_sum=$(sha256sum <"$mounted")
refuse() { # DESCRIPTION EXIT REGEX ARGS...
    local desc=$1 want=$2 re=$3; shift 3
    local err rc
    err=$("$KESU" wipe --no-cert "$@" 2>&1 >/dev/null </dev/null); rc=$?
    t_eq "$desc: exit $want" "$want" "$rc"
    t_match "$desc: message" "$re" "$err"
    t_eq "$desc: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
}
refuse "mounted disk" 3 "refusing to erase $mounted: it is protected \\($mounted is mounted at" --verify none --yes "$mounted"
refuse "good + protected" 3 "refusing to erase $mounted" --verify none --yes "$keep" "$mounted"
root_src=$(findmnt -no SOURCE /)
if [ -b "$root_src" ]; then
    refuse "this machine's own disk" 3 "refusing to erase $root_src: it is protected" --verify none --yes "$root_src"
fi
refuse "unknown method" 2 "unknown method 'shred'" --method shred --verify none --yes "$keep"
refuse "malformed passes" 2 "malformed pass list 'passes:0x00,0xZZ'" --method passes:0x00,0xZZ --verify none --yes "$keep"
refuse "missing target" 2 "$T_DIR/absent: no such file or device" --verify none --yes "$T_DIR/absent"
refuse "same target twice" 2 "are the same target" --verify none --yes "$keep" "$keep"
refuse "no --yes without a terminal" 2 "no terminal to confirm on; pass --yes" --verify none "$keep"
refuse "unknown verification mode" 2 "unknown verification mode 'quick'" --verify quick --yes "$keep"
refuse "unknown option" 2 "unknown option '--frobnicate'" --frobnicate --yes "$keep"
printf 'x%.0s' $(seq 100) >"$T_DIR/tiny.img"
refuse "smaller than one sector" 2 "tiny.img is smaller than one sector" --verify none --yes "$T_DIR/tiny.img"
fill_junk "$T_DIR/ro.img" $((4 << 20)); t_loop "$T_DIR/ro.img" --read-only; ro=$T_LOOP
refuse "read-only device" 2 "$ro is read-only" --verify none --yes "$ro"
# on a terminal (script(1) gives one) the operator is asked, and only "yes" erases
out=$(printf 'no\n' | script -qec "$KESU wipe --no-cert --verify none $keep" /dev/null 2>&1); rc=$?
t_match "terminal: the question shows the disk" "About to ERASE 1 disk.*$keep.*Type 'yes' to continue" "$(tr -d '\r' <<<"$out" | tr '\n' ' ')"
t_match "terminal: 'no' is not confirmed" "not confirmed; nothing was written" "$out"
t_eq "refusals: the free disk is untouched" "$keep_sum" "$(sha256sum <"$keep")"
out=$(printf 'yes\n' | script -qec "$KESU wipe --no-cert --method zero --verify none $keep" /dev/null 2>&1)
t_match "terminal: 'yes' erases" "PASS +$keep +zero" "$out"
t_match "terminal: a progress bar was drawn" "\\[#+-*\\] +[0-9.]+%" "$out"
t_eq "terminal: the disk is zero" "" "$(cmp "$keep" <(head -c $((4 << 20)) /dev/zero) 2>&1)"
keep_sum=$(sha256sum <"$keep")
t_eq "refusals: the free disk is untouched" "$keep_sum" "$(sha256sum <"$keep")"
t_eq "refusals: the mounted disk is untouched" "$mnt_sum" "$(sha256sum <"$mounted")"
t_eq "refusals: the tiny file is untouched" 100 "$(tr -d x <"$T_DIR/tiny.img" | wc -c | awk '{print 100 - $1}')"

t_done
