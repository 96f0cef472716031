# Shared by the integration tests and benchmarks (sourced, not run).
#
# Safety: every loop device, mount, swap and file a test makes is registered here and removed by
# the EXIT trap, also when the test fails. Tests touch nothing they did not create.

set -u

: "${KESU:?KESU must point at the kesu binary}"

T_PASSED=0
T_FAILED=0
T_LOOPS=()
T_MOUNTS=()
T_SWAPS=()
T_PIDS=()
T_DIR=""

# Needs root and the given tools. Without them: skip (exit 77) on a developer's machine, fail
# under CI, where a missing tool is a setup bug, not a reason to pass.
t_require() {
    local missing=()
    [ "$(id -u)" -eq 0 ] || missing+=("root")
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "${CI:-}" = "true" ]; then
            echo "FAIL: this test needs ${missing[*]} (CI must provide it)" >&2
            exit 1
        fi
        echo "SKIP: this test needs ${missing[*]}" >&2
        exit 77
    fi
}

t_cleanup() {
    local x
    for x in "${T_PIDS[@]}"; do kill "$x" 2>/dev/null; wait "$x" 2>/dev/null; done
    for x in "${T_SWAPS[@]}"; do swapoff "$x" 2>/dev/null; done
    # Unmount newest first.
    for ((i = ${#T_MOUNTS[@]} - 1; i >= 0; i--)); do umount "${T_MOUNTS[i]}" 2>/dev/null; done
    for ((i = ${#T_LOOPS[@]} - 1; i >= 0; i--)); do
        losetup -d "${T_LOOPS[i]}" || echo "cleanup: could not detach ${T_LOOPS[i]}" >&2
    done
    [ -n "$T_DIR" ] && rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# A private working directory (default under /var/tmp, i.e. on this machine's own disk).
t_workdir() {
    T_DIR=$(mktemp -d "${1:-/var/tmp}/kesu-test.XXXXXX")
    # The keys a test makes are registered in a state folder of its own, not the machine's.
    export KESU_STATE_DIR="$T_DIR/state"
}

# t_file NAME SIZE: a sparse file in the working directory; prints its path.
t_file() {
    local f="$T_DIR/$1"
    truncate -s "$2" "$f"
    echo "$f"
}

# t_loop FILE [losetup options]: attaches a loop device (with partition scanning), registers it for
# cleanup and leaves its path in $T_LOOP. (Not for $(...): the registration must happen in this
# shell, or the EXIT trap would not know the device.)
t_loop() {
    local f="$1"; shift
    T_LOOP=$(losetup --find --show --partscan "$@" "$f") || { echo "losetup failed for $f" >&2; exit 1; }
    T_LOOPS+=("$T_LOOP")
    # Without a udev daemon the partition nodes may lag; make sure the kernel has them.
    partx -u "$T_LOOP" 2>/dev/null || true
}

# t_detach DEV: detaches now and waits until the kernel has let go (a detach while someone holds
# the device open completes when they close it).
t_detach() {
    losetup -d "$1"
    local i
    for i in $(seq 100); do
        [ "$(cat "/sys/block/${1#/dev/}/size" 2>/dev/null)" = 0 ] && break
        sleep 0.05
    done
    for i in "${!T_LOOPS[@]}"; do [ "${T_LOOPS[i]}" = "$1" ] && unset 'T_LOOPS[i]'; done
    T_LOOPS=("${T_LOOPS[@]}")
}

# t_stop PID: stops a background process started by the test.
t_stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    local i
    for i in "${!T_PIDS[@]}"; do [ "${T_PIDS[i]}" = "$1" ] && unset 'T_PIDS[i]'; done
    T_PIDS=("${T_PIDS[@]}")
}

t_mount() {
    mkdir -p "$2"
    mount "$1" "$2" && T_MOUNTS+=("$2")
}

t_swapon() {
    swapon "$1" && T_SWAPS+=("$1")
}

t_pass() { T_PASSED=$((T_PASSED + 1)); echo "ok   - $1"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL - $1" >&2; }

# t_eq DESCRIPTION EXPECTED ACTUAL
t_eq() {
    if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1: expected '$2', got '$3'"; fi
}

# t_match DESCRIPTION REGEX ACTUAL
t_match() {
    if [[ "$3" =~ $2 ]]; then t_pass "$1"; else t_fail "$1: '$3' does not match /$2/"; fi
}

t_done() {
    echo "$T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ]
}
