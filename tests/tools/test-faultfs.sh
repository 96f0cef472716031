#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Proves kesu-faultfs does what the fault-injection tests rely on: --bad fails exactly the
# requests that overlap the range, --unplug-after and SIGUSR1 pull the disk, the size is fixed.
#
#   tests/tools/test-faultfs.sh [PATH-TO-kesu-faultfs]     (or KESU_FAULTFS=...)
#
# Needs root, /dev/fuse and python3; exits 77 (skipped) without them.

set -u

FAULTFS=${1:-${KESU_FAULTFS:-}}
MIB=1048576

if [[ -z "$FAULTFS" || ! -x "$FAULTFS" ]]; then
        echo "usage: $0 PATH-TO-kesu-faultfs" >&2
        exit 2
fi
if [[ $EUID -ne 0 || ! -c /dev/fuse ]] || ! command -v python3 >/dev/null; then
        echo "SKIP: needs root, /dev/fuse and python3" >&2
        exit 77
fi

n_passed=0
n_failed=0
faultfs_pid=
dir=$(mktemp -d /dev/shm/test-faultfs.XXXXXX) || exit 1
backing=$dir/backing
mnt=$dir/mnt
disk=$mnt/disk.img
mkdir "$mnt"

# Not mountpoint(1): it stats the mount point, which fails once the faultfs process is gone.
is_mounted() {
        grep -q " $mnt " /proc/self/mountinfo
}

stop_faultfs() {
        if is_mounted; then
                fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"
        fi
        if [[ -n "$faultfs_pid" ]]; then
                kill "$faultfs_pid" 2>/dev/null
                wait "$faultfs_pid" 2>/dev/null
                faultfs_pid=
        fi
}

cleanup() {
        stop_faultfs
        rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_faultfs [OPTIONS...]: a fresh 8 MiB zeroed backing file, mounted with OPTIONS.
start_faultfs() {
        stop_faultfs
        rm -f "$backing"
        truncate -s 8M "$backing"
        "$FAULTFS" "$@" "$backing" "$mnt" &
        faultfs_pid=$!
        for _ in $(seq 50); do
                is_mounted && return 0
                sleep 0.1
        done
        echo "faultfs did not mount" >&2
        return 1
}

check() { # check NAME EXPECTED ACTUAL
        if [[ "$2" == "$3" ]]; then
                n_passed=$((n_passed + 1))
        else
                n_failed=$((n_failed + 1))
                echo "FAIL: $1: expected '$2', got '$3'" >&2
        fi
}

# io OP OFFSET LENGTH [ARG]: one O_DIRECT request on disk.img, from a page-aligned buffer. Prints
# "ok", the errno name, or for read the first byte. OP: write (ARG: fill byte, default 0xAA), read,
# fsync, truncate (ARG: new size), sectors (a LENGTH chunk, then sector by sector after a failure:
# prints the failed sector offsets), write-fd3 (a write on the caller's fd 3 instead).
io() {
        python3 - "$disk" "$@" <<'EOF'
import errno, mmap, os, sys
path, op, offset, length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
arg = sys.argv[5] if len(sys.argv) > 5 else None
def buf(n, fill=0xAA):
        m = mmap.mmap(-1, n)
        m.write(bytes([fill]) * n)
        return m
try:
        fd = 3 if op == "write-fd3" else os.open(path, os.O_RDWR | os.O_DIRECT)
        if op in ("write", "write-fd3"):
                os.pwrite(fd, buf(length, int(arg, 0) if arg else 0xAA), offset)
        elif op == "read":
                m = buf(length, 0)
                os.preadv(fd, [m], offset)
                print(m[0]); sys.exit(0)
        elif op == "fsync":
                os.fsync(fd)
        elif op == "truncate":
                os.ftruncate(fd, int(arg))
        elif op == "sectors":
                failed = []
                try:
                        os.pwrite(fd, buf(length), offset)
                except OSError:
                        sector = int(arg)
                        for o in range(offset, offset + length, sector):
                                try:
                                        os.pwrite(fd, buf(sector), o)
                                except OSError:
                                        failed.append(str(o))
                print(" ".join(failed) or "none"); sys.exit(0)
        print("ok")
except OSError as e:
        print(errno.errorcode[e.errno])
EOF
}

# backing_byte OFFSET: the byte at OFFSET in the backing file, as a decimal number.
backing_byte() {
        od -An -tu1 -j "$1" -N1 "$backing" | tr -d ' '
}

# --- --bad: only overlapping requests fail -------------------------------------------------------
start_faultfs --bad 1048576:4096 --bad 4M:64K || exit 1
check "stat size, blksize" "8388608 4096" "$(stat -c '%s %o' "$disk")"
check "512 B write at 0" ok "$(io write 0 512 0x11)"
check "512 B write at 1 MiB (bad)" EIO "$(io write $MIB 512)"
check "512 B write at 1 MiB + 4 KiB" ok "$(io write 1052672 512 0x22)"
check "4 KiB write straddling the bad start" EIO "$(io write $((MIB - 512)) 4096)"
check "512 B write just before the bad range" ok "$(io write $((MIB - 512)) 512 0x33)"
check "read at 1 MiB (bad)" EIO "$(io read $MIB 512)"
check "read at 0" 17 "$(io read 0 512)"
check "backing got the write at 0" 17 "$(backing_byte 0)"
check "backing got the write at 1 MiB + 4 KiB" 34 "$(backing_byte 1052672)"
check "backing got the write before the bad range" 51 "$(backing_byte $((MIB - 1)))"
check "backing untouched at 1 MiB" 0 "$(backing_byte $MIB)"
check "1 MiB chunk, then 512 B sectors: exactly the bad ones fail" \
        "$(seq -s ' ' $MIB 512 $((MIB + 4096 - 512)))" "$(io sectors $MIB $MIB 512)"
check "1 MiB chunk, then 4 KiB sectors: 4M:64K" \
        "$(seq -s ' ' $((4 * MIB)) 4096 $((4 * MIB + 65536 - 4096)))" "$(io sectors $((4 * MIB)) $MIB 4096)"
check "1 MiB chunk clear of bad ranges" none "$(io sectors $((2 * MIB)) $MIB 4096)"
check "ftruncate to 4 MiB" EPERM "$(io truncate 0 0 $((4 * MIB)))"
check "ftruncate to 16 MiB" EPERM "$(io truncate 0 0 $((16 * MIB)))"
check "truncate(1)" fails "$(truncate -s 16M "$disk" 2>/dev/null && echo succeeds || echo fails)"
check "write past the end" EPERM "$(io write $((8 * MIB)) 4096)"
check "write across the end" EPERM "$(io write $((8 * MIB - 512)) 4096)"
check "fsync" ok "$(io fsync 0 0)"
check "backing size unchanged" 8388608 "$(stat -c %s "$backing")"
stop_faultfs

# --- --unplug-after: at most BYTES are accepted, then everything fails ----------------------------
start_faultfs --unplug-after 2M || exit 1
check "1st MiB" ok "$(io write 0 $MIB 0x44)"
check "2nd MiB" ok "$(io write $MIB $MIB 0x44)"
check "3rd MiB (past the limit)" EIO "$(io write $((2 * MIB)) $MIB 0x44)"
check "512 B write after unplug" EIO "$(io write 0 512)"
check "read after unplug" EIO "$(io read 0 512)"
check "fsync after unplug" EIO "$(io fsync 0 0)"
check "backing holds the 2 MiB accepted" 68 "$(backing_byte $((2 * MIB - 1)))"
check "backing untouched after the limit" 0 "$(backing_byte $((2 * MIB)))"
stop_faultfs

# --- SIGUSR1: unplug now ------------------------------------------------------------------------
start_faultfs || exit 1
check "write before SIGUSR1" ok "$(io write 0 4096)"
check "fsync before SIGUSR1" ok "$(io fsync 0 0)"
kill -USR1 "$faultfs_pid"
sleep 0.1
check "write after SIGUSR1" EIO "$(io write 0 4096)"
check "read after SIGUSR1" EIO "$(io read 0 4096)"
check "fsync after SIGUSR1" EIO "$(io fsync 0 0)"
check "still mounted after SIGUSR1" yes "$(is_mounted && echo yes || echo no)"

# --- the faultfs process dies: open files get ENOTCONN ---------------------------------------------
exec 3<>"$disk"
kill -KILL "$faultfs_pid"
wait "$faultfs_pid" 2>/dev/null
faultfs_pid=
check "write on an open fd after faultfs is killed" ENOTCONN "$(io write-fd3 0 4096)"
check "open after faultfs is killed" ENOTCONN "$(io write 0 4096)"
exec 3>&-
stop_faultfs
check "stale mount removed" no "$(is_mounted && echo yes || echo no)"

# --- SIGTERM is a clean stop ----------------------------------------------------------------------
start_faultfs || exit 1
kill -TERM "$faultfs_pid"
wait "$faultfs_pid"
check "exit status after SIGTERM" 0 "$?"
faultfs_pid=
check "unmounted after SIGTERM" no "$(is_mounted && echo yes || echo no)"

# --- bad options: non-zero, one line -------------------------------------------------------------
for opts in "--bad 4M" "--bad 4M:0" "--bad x:1" "--unplug-after 3Q" "--nope" ""; do
        # shellcheck disable=SC2086 # split on purpose
        out=$("$FAULTFS" $opts "$backing" 2>&1)
        check "'$opts' fails with one line" "1 1" "$? $(printf '%s\n' "$out" | wc -l)"
done

echo "$n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
