#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Time of check to time of use: protection is decided before the confirmation question, but a
# disk can be put to use while the question is on screen or while it is being erased. kesu decides
# again with the disk held (just before the first write, between passes, every few seconds during
# a pass and after the last flush) and stops with exit 3. Real loop devices, real mounts, a real
# pseudo-terminal for the question; only devices and files this test creates.
#
# Also: an image file on a full file system is reported as "no space", not as a vanished device,
# and a stop request is honoured inside the sector-by-sector retry of failed writes.
. "$(dirname "$0")/../lib.sh"

t_require losetup mkfs.ext4 mount umount debugfs e2fsck python3 jq truncate
t_workdir /dev/shm

# ---- a terminal that answers the question when the test says so ------------------------------

# pty-drive.py BASE ARGV...: runs ARGV on a new pseudo-terminal. When the confirmation question
# is on screen it creates BASE.asked and waits for BASE.go, then types "yes". The screen goes to
# BASE.out; the exit status is ARGV's.
cat >"$T_DIR/pty-drive.py" <<'EOF'
import os, pty, select, sys, time

base, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = bytearray()


def pump(timeout):
    """Reads what is there; False once the terminal is closed (the program ended)."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    out.extend(data)
    return bool(data)


deadline = time.monotonic() + 60
is_open = True
while is_open and b"Type 'yes' to continue" not in out and time.monotonic() < deadline:
    is_open = pump(0.05)
if is_open and b"Type 'yes' to continue" in out:
    open(base + ".asked", "w").close()
    while not os.path.exists(base + ".go") and time.monotonic() < deadline:
        pump(0.05)
    os.write(fd, b"yes\n")
deadline = time.monotonic() + 600
while is_open and time.monotonic() < deadline:
    is_open = pump(1.0)
_, status = os.waitpid(pid, 0)
with open(base + ".out", "wb") as f:
    f.write(out.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF

# ask NAME KESU-WIPE-ARGS...: starts `kesu wipe ARGS` on a terminal and returns once the question
# is on screen (the test then meddles, and calls answer).
ask() {
    T_ASK=$T_DIR/$1
    shift
    python3 "$T_DIR/pty-drive.py" "$T_ASK" "$KESU" wipe "$@" &
    T_ASK_PID=$!
    T_PIDS+=("$T_ASK_PID")
    local i
    for i in $(seq 600); do
        [ -e "$T_ASK.asked" ] && return 0
        kill -0 "$T_ASK_PID" 2>/dev/null || break
        sleep 0.05
    done
    t_fail "$(basename "$T_ASK"): the confirmation question never came"
    cat "$T_ASK.out" 2>/dev/null >&2
    return 1
}

# answer: types "yes"; leaves the exit status in $rc and the screen in $out.
answer() {
    touch "$T_ASK.go"
    wait "$T_ASK_PID"
    rc=$?
    local i
    for i in "${!T_PIDS[@]}"; do [ "${T_PIDS[i]}" = "$T_ASK_PID" ] && unset 'T_PIDS[i]'; done
    T_PIDS=("${T_PIDS[@]}")
    out=$(cat "$T_ASK.out")
}

# The result event among JSON lines (a terminal also shows other text).
result_json() { grep -a '^{' <<<"$1" | jq -c 'select(.event == "result")' 2>/dev/null | head -1; }

# ext4_with_marker FILE SIZE: an ext4 image holding /marker.txt (written without mounting it).
MARKER="kesu must not touch this $$"
ext4_with_marker() {
    truncate -s "$2" "$1"
    mkfs.ext4 -q -F -L TOCTOU "$1"
    printf '%s\n' "$MARKER" >"$T_DIR/marker.src"
    debugfs -w -R "write $T_DIR/marker.src marker.txt" "$1" >/dev/null 2>&1
}

# intact DESCRIPTION FILE: the file system is consistent and the marker reads back.
intact() {
    e2fsck -fn "$2" >/dev/null 2>&1 && t_pass "$1: file system consistent" ||
        t_fail "$1: e2fsck finds the file system damaged"
    t_eq "$1: marker readable" "$MARKER" "$(debugfs -R 'cat /marker.txt' "$2" 2>/dev/null)"
}

t_umount() {
    umount "$1"
    local i
    for i in "${!T_MOUNTS[@]}"; do [ "${T_MOUNTS[i]}" = "$1" ] && unset 'T_MOUNTS[i]'; done
    T_MOUNTS=("${T_MOUNTS[@]}")
}

# ---- (a) an image file attached as a loop device and mounted during the question --------------

echo "# (a) image file: losetup + mount while the question is on screen"
img_a=$T_DIR/a.img
ext4_with_marker "$img_a" 64M
if ask a --method zero --verify none --no-cert "$img_a"; then
    t_loop "$img_a"; loop_a=$T_LOOP
    t_mount "$loop_a" "$T_DIR/mnt-a"
    answer
    t_eq "(a) exit 3 (safety)" 3 "$rc"
    t_match "(a) says it became protected, backing the loop" \
        "refusing to erase $img_a: it became protected \\(backs $loop_a" "$out"
    t_match "(a) status protected, nothing written" "FAIL  $img_a .* 0 B written .* protected" "$out"
    t_eq "(a) the mounted file system still reads" "$MARKER" "$(cat "$T_DIR/mnt-a/marker.txt")"
    t_umount "$T_DIR/mnt-a"
    intact "(a)" "$img_a"
    t_detach "$loop_a"
fi

# ---- (b) a second loop device over the target loop device, mounted during the question --------

echo "# (b) loop device: a loop over it, mounted while the question is on screen"
img_b=$T_DIR/b.img
ext4_with_marker "$img_b" 64M
t_loop "$img_b"; loop_b=$T_LOOP
if ask b --json --method zero --verify none --no-cert "$loop_b"; then
    # losetup opens the target without O_EXCL: kesu's exclusive open does not keep it away
    t_loop "$loop_b"; upper_b=$T_LOOP
    t_mount "$upper_b" "$T_DIR/mnt-b"
    answer
    res=$(result_json "$out")
    t_eq "(b) exit 3 (safety)" 3 "$rc"
    t_eq "(b) status" protected "$(jq -r .status <<<"$res")"
    t_match "(b) reason: the upper loop is mounted" "$upper_b is mounted at $T_DIR/mnt-b" \
        "$(jq -r .protected_reason <<<"$res")"
    t_eq "(b) nothing written" 0 "$(jq -r .bytes_written <<<"$res")"
    t_eq "(b) outcome" FAIL "$(jq -r .outcome <<<"$res")"
    t_match "(b) message" "refusing to erase $loop_b: it became protected" "$out"
    t_umount "$T_DIR/mnt-b"
    t_detach "$upper_b"
    intact "(b)" "$img_b"
fi
t_detach "$loop_b"

# ---- (c) something appearing mid-wipe ---------------------------------------------------------

# Slow enough to meddle with: 4 KiB synchronous writes, one at a time, 4 passes of 256 MiB.
SLOW=(--engine sync --chunk-bytes 4096 --queue-depth 1 --method passes:zero,one,zero,one
      --verify none --no-cert --yes --json)

# wait_for_writing FILE: until the job's first progress event with bytes written.
wait_for_writing() {
    local i
    for i in $(seq 200); do
        grep -q '"bytes_done": *[1-9]' "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 0
}

echo "# (c) loop device: a loop attached over it during the wipe"
truncate -s 256M "$T_DIR/c.img"
t_loop "$T_DIR/c.img"; loop_c=$T_LOOP
"$KESU" wipe "${SLOW[@]}" "$loop_c" >"$T_DIR/c.out" 2>"$T_DIR/c.err" &
pid_c=$!
T_PIDS+=("$pid_c")
wait_for_writing "$T_DIR/c.out"
start=$(date +%s)
t_loop "$loop_c"; upper_c=$T_LOOP
wait "$pid_c"; rc=$?
T_PIDS=()
res=$(result_json "$(cat "$T_DIR/c.out")")
t_eq "(c) exit 3 (safety)" 3 "$rc"
t_eq "(c) status" protected "$(jq -r .status <<<"$res")"
t_match "(c) reason: stacked on it" "$upper_c is stacked on it" "$(jq -r .protected_reason <<<"$res")"
t_eq "(c) stopped before the end" true \
    "$(jq '.bytes_written < .bytes_total' <<<"$res")"
t_match "(c) message" "stopped erasing $loop_c: it became protected" "$(cat "$T_DIR/c.err")"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 5 ] && t_pass "(c) stopped within seconds (${elapsed} s)" ||
    t_fail "(c) took ${elapsed} s to stop"
t_detach "$upper_c"
t_detach "$loop_c"

echo "# (c) image file: attached as a loop device during the wipe"
# On ext4 (O_DIRECT, so as slow as a disk), not on tmpfs, where buffered writes finish too soon.
rm -f "$T_DIR/c.img"
truncate -s 320M "$T_DIR/c-fs.img"
mkfs.ext4 -q -F "$T_DIR/c-fs.img"
t_loop "$T_DIR/c-fs.img"; loop_cfs=$T_LOOP
t_mount "$loop_cfs" "$T_DIR/mnt-c"
img_c=$T_DIR/mnt-c/c.img
fallocate -l 256M "$img_c"
"$KESU" wipe "${SLOW[@]}" "$img_c" >"$T_DIR/c2.out" 2>"$T_DIR/c2.err" &
pid_c=$!
T_PIDS+=("$pid_c")
wait_for_writing "$T_DIR/c2.out"
t_loop "$img_c"; loop_c2=$T_LOOP
wait "$pid_c"; rc=$?
T_PIDS=()
res=$(result_json "$(cat "$T_DIR/c2.out")")
t_eq "(c file) exit 3 (safety)" 3 "$rc"
t_eq "(c file) status" protected "$(jq -r .status <<<"$res")"
t_match "(c file) reason" "backs $loop_c2" "$(jq -r .protected_reason <<<"$res")"
t_eq "(c file) stopped before the end" true "$(jq '.bytes_written < .bytes_total' <<<"$res")"
t_detach "$loop_c2"
t_umount "$T_DIR/mnt-c"
t_detach "$loop_cfs"

# ---- (d) the disk changes during the question ---------------------------------------------------

echo "# (d) loop device resized while the question is on screen"
truncate -s 32M "$T_DIR/d.img"
t_loop "$T_DIR/d.img"; loop_d=$T_LOOP
if ask d --json --method zero --verify none --no-cert "$loop_d"; then
    truncate -s 48M "$T_DIR/d.img"
    losetup -c "$loop_d"
    answer
    res=$(result_json "$out")
    t_eq "(d) exit 3 (safety)" 3 "$rc"
    t_eq "(d) status" identity-changed "$(jq -r .status <<<"$res")"
    t_eq "(d) nothing written" 0 "$(jq -r .bytes_written <<<"$res")"
    t_match "(d) message" "refusing to erase $loop_d: it changed since it was confirmed" "$out"
fi
t_detach "$loop_d"

echo "# (d) image file resized while the question is on screen"
truncate -s 32M "$T_DIR/d2.img"
if ask d2 --method zero --verify none --no-cert "$T_DIR/d2.img"; then
    truncate -s 48M "$T_DIR/d2.img"
    answer
    t_eq "(d file) exit 3 (safety)" 3 "$rc"
    t_match "(d file) message" "refusing to erase $T_DIR/d2.img: it changed" "$out"
fi

# ---- (e) an image file on a full file system ----------------------------------------------------

echo "# (e) a sparse image file on a full file system"
truncate -s 16M "$T_DIR/small-fs.img"
mkfs.ext4 -q -F "$T_DIR/small-fs.img"
t_loop "$T_DIR/small-fs.img"; loop_e=$T_LOOP
t_mount "$loop_e" "$T_DIR/mnt-e"
truncate -s 8M "$T_DIR/mnt-e/sparse.img"
dd if=/dev/zero of="$T_DIR/mnt-e/fill" bs=64K status=none 2>/dev/null
sync
o=$("$KESU" wipe --json --method zero --verify none --no-cert --yes "$T_DIR/mnt-e/sparse.img" 2>"$T_DIR/e.err")
rc=$?
res=$(result_json "$o")
t_eq "(e) exit 1 (not sanitized)" 1 "$rc"
t_eq "(e) status" no-space "$(jq -r .status <<<"$res")"
t_eq "(e) error" "No space left on device" "$(jq -r .error <<<"$res")"
t_eq "(e) unwritten ranges recorded" true "$(jq '.unwritten_ranges | length > 0' <<<"$res")"
o=$("$KESU" wipe --method zero --verify none --no-cert --yes "$T_DIR/mnt-e/sparse.img" 2>&1)
t_match "(e) the screen says no space" "no-space.*error: No space left on device" "$(tr '\n' ' ' <<<"$o")"
t_umount "$T_DIR/mnt-e"
t_detach "$loop_e"

# ---- (f) a stop request during the sector-by-sector retry ------------------------------------------

: "${KESU_FAULTFS:=}"
if [ -n "$KESU_FAULTFS" ] && [ -x "$KESU_FAULTFS" ] && [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
    echo "# (f) SIGTERM while failed writes are retried sector by sector"
    mkdir -p "$T_DIR/fuse"
    truncate -s 256M "$T_DIR/fuse-backing"
    # Every write to the first 200 MiB fails: each 1 MiB chunk is retried 2048 sectors at a time.
    "$KESU_FAULTFS" --bad-write 0:200M "$T_DIR/fuse-backing" "$T_DIR/fuse" &
    fuse_pid=$!
    for i in $(seq 100); do grep -q " $T_DIR/fuse " /proc/self/mountinfo && break; sleep 0.05; done
    "$KESU" wipe --method zero --verify none --no-cert --yes --json --engine sync --queue-depth 1 --chunk-bytes $((64 << 20)) \
        "$T_DIR/fuse/disk.img" >"$T_DIR/f.out" 2>&1 &
    pid_f=$!
    sleep 1
    start_ns=$(date +%s%N)
    kill -TERM "$pid_f"
    wait "$pid_f"
    ms=$((($(date +%s%N) - start_ns) / 1000000))
    res=$(result_json "$(cat "$T_DIR/f.out")")
    [ "$ms" -lt 1000 ] && t_pass "(f) SIGTERM honoured in $ms ms" || t_fail "(f) SIGTERM took $ms ms"
    t_match "(f) status" "interrupted|device-gone" "$(jq -r .status <<<"$res")"
    fusermount3 -u "$T_DIR/fuse" 2>/dev/null || umount -l "$T_DIR/fuse"
    kill "$fuse_pid" 2>/dev/null
    wait "$fuse_pid" 2>/dev/null
else
    echo "# (f) skipped: kesu-faultfs or /dev/fuse missing"
fi

t_done
