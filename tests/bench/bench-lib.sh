# Shared by the benchmarks beside it (sourced after tests/lib.sh, not run): their targets, their
# safety checks and cleanup, running a tool in the background, fio, and the arithmetic.
#
# Safety: targets are only loop devices attached here (add_target) over files created in a private
# mktemp directory under /dev/shm (tmpfs); assert_targets_ours re-checks them before every run, and
# the EXIT trap (bench_init) stops any run still going, detaches them and removes the directory, also
# on failure or ^C.

# shellcheck shell=bash
# shellcheck disable=SC2034 # R_* results, MIB, SHM: read by the scripts that source this
MIB=$((1 << 20))
SHM=/dev/shm

is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

# bench_parse_args ARGS...: --quick sets quick=1 (else 0), -h/--help prints the script's usage and
# exits 0, anything else is refused (exit 2).
bench_parse_args() {
    local arg
    quick=0
    for arg in "$@"; do
        case "$arg" in
        --quick) quick=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
        esac
    done
}

# bench_check_counts VAR...: each VAR that is set must be a positive whole number (else exit 2).
bench_check_counts() {
    local v
    for v in "$@"; do
        if [ -n "${!v:-}" ] && ! is_count "${!v}"; then
            echo "$v must be a positive whole number, not '${!v}'" >&2
            exit 2
        fi
    done
}

# proc_running PID: PID exists and is not a zombie.
# shellcheck disable=SC2317 # reached from the EXIT trap
proc_running() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st%% *}" != Z ]
}

# stop_group PID: stops a run still going, its whole process group (a tool's helper processes may
# hold a device too), and waits until none of it is left, so the devices can really be detached.
# shellcheck disable=SC2317 # reached from the EXIT trap
stop_group() {
    local pid=$1 i
    kill -TERM -- "-$pid" 2>/dev/null
    for i in $(seq 100); do proc_running "$pid" || break; sleep 0.05; done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in $(seq 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.05; done
}

# shellcheck disable=SC2317 # reached from the EXIT trap
bench_cleanup() {
    local pid
    for pid in "${T_PIDS[@]}"; do stop_group "$pid"; done
    T_PIDS=()
    t_cleanup # tests/lib.sh: detaches the loop devices, removes $T_DIR
}

# bench_init: the traps, and a check that /dev/shm is a tmpfs. A signal ends the script through
# exit, so the EXIT trap cleans up; runs are started in the background and waited for (bg_run), so
# the signal is acted on at once, not after the run.
bench_init() {
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap bench_cleanup EXIT
    if [ "$(stat -f -c %T "$SHM" 2>/dev/null)" != "tmpfs" ]; then
        echo "FAIL: $SHM is not a tmpfs; this benchmark writes its devices' files only to RAM" >&2
        exit 1
    fi
}

# need_space MIB: fails clearly unless /dev/shm and RAM both have room for MIB more (plus slack).
need_space() {
    local want=$(($1 + 256)) avail mem
    avail=$(df -B1M --output=avail "$SHM" | tail -n 1 | tr -d ' ')
    mem=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / 1024))
    if [ "$avail" -lt "$want" ]; then
        echo "FAIL: $SHM has $avail MiB free; this needs $want MiB (lower BENCH_*_GIB or use --quick)" >&2
        exit 1
    fi
    if [ "$mem" -lt "$want" ]; then
        echo "FAIL: $mem MiB of memory available; this needs $want MiB (lower BENCH_*_GIB or use --quick)" >&2
        exit 1
    fi
}

# bench_make_dir: the private working directory, $T_DIR (removed by the EXIT trap).
bench_make_dir() {
    T_DIR=$(mktemp -d "$SHM/kesu-bench.XXXXXX") || { echo "FAIL: mktemp in $SHM" >&2; exit 1; }
}

# ---------------------------------------------------------------------------------------------
# Arithmetic

now() { echo "$EPOCHREALTIME"; }
# mbps BYTES T0 T1: decimal MB/s
mbps() { awk -v b="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.1f", b / (t1 - t0) / 1e6 }'; }
# seconds T0 T1: T1 - T0
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
median() {
    [ $# -eq 0 ] && return
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
        END { if (NR == 0) print ""; else if (NR % 2) printf "%.1f", a[(NR + 1) / 2];
              else printf "%.1f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# median_fmt FORMAT VALUE...: the median printed with FORMAT (median rounds to 0.1)
median_fmt() {
    local fmt=$1
    shift
    [ $# -eq 0 ] && return
    printf '%s\n' "$@" | sort -g | awk -v f="$fmt" '{ a[NR] = $1 }
        END { if (NR % 2) m = a[(NR + 1) / 2]; else m = (a[NR / 2] + a[NR / 2 + 1]) / 2; printf f, m }'
}
ratio_of() { [ -n "$1" ] && [ -n "$2" ] && awk -v k="$1" -v f="$2" 'BEGIN { printf "%.2f", k / f }'; }
sum_sizes() { local s=0 x; for x in "${SIZES[@]}"; do s=$((s + x)); done; echo "$s"; }

# ---------------------------------------------------------------------------------------------
# Running a tool

# cpu_times FILE: this shell's children's user and system seconds (bash's `times`, second line),
# written to FILE; not in $(...), where `times` would count the subshell's children only.
cpu_times() {
    times >"$1"
    awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); printf "%s%.3f", (i > 1 ? " " : ""), p[1] * 60 + p[2] } print "" }' \
        "$1" >"$1.s"
}

# bg_run OUT ERR CMD...: runs CMD in the background, in a process group of its own (so a signal is
# handled at once, and cleanup can stop all of it), waits; returns its exit status. Sets R_CPU to
# the CPU time CMD used, "USER SYS" in seconds.
bg_run() {
    local out=$1 err=$2 pid rc i u0 s0 u1 s1
    shift 2
    cpu_times "$T_DIR/times"
    read -r u0 s0 <"$T_DIR/times.s"
    setsid "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    T_PIDS+=("$pid")
    wait "$pid"
    rc=$?
    for i in "${!T_PIDS[@]}"; do [ "${T_PIDS[i]}" = "$pid" ] && unset 'T_PIDS[i]'; done
    T_PIDS=("${T_PIDS[@]}")
    cpu_times "$T_DIR/times"
    read -r u1 s1 <"$T_DIR/times.s"
    R_CPU=$(awk -v a="$u0" -v b="$u1" -v c="$s0" -v d="$s1" 'BEGIN { printf "%.2f %.2f", b - a, d - c }')
    return "$rc"
}

# ---------------------------------------------------------------------------------------------
# Targets: files in $T_DIR, pre-filled (so tmpfs pages exist and page allocation is not timed),
# attached as loop devices registered for cleanup.

DEVS=()  # loop devices of the current scenario
FILES=() # their backing files, same order
SIZES=() # their sizes in bytes

# add_target NAME MIB (not in $(...): it must register in this shell)
add_target() {
    local f="$T_DIR/$1.img" dev
    bg_run /dev/null "$T_DIR/dd.err" dd if=/dev/zero of="$f" bs=1M count="$2" ||
        { echo "FAIL: could not fill $f: $(cat "$T_DIR/dd.err")" >&2; exit 1; }
    f=$(realpath "$f")
    dev=$(losetup --find --show "$f") || { echo "FAIL: losetup failed for $f" >&2; exit 1; }
    T_LOOPS+=("$dev")
    DEVS+=("$dev")
    FILES+=("$f")
    SIZES+=("$(blockdev --getsize64 "$dev")")
}

release_targets() {
    local i
    for i in "${!DEVS[@]}"; do
        t_detach "${DEVS[i]}"
        rm -f "${FILES[i]}"
    done
    DEVS=()
    FILES=()
    SIZES=()
}

# Before every run: each target is still a loop device over our own file, of the size we made.
assert_targets_ours() {
    local i back
    for i in "${!DEVS[@]}"; do
        back=$(losetup -n -O BACK-FILE "${DEVS[i]}" 2>/dev/null | sed 's/[[:space:]]*$//')
        if ! [[ "${DEVS[i]}" =~ ^/dev/loop[0-9]+$ ]] || [ "$back" != "${FILES[i]}" ] ||
            [[ "${FILES[i]}" != "$T_DIR"/* ]] ||
            [ "$(blockdev --getsize64 "${DEVS[i]}")" != "${SIZES[i]}" ]; then
            echo "FAIL: ${DEVS[i]} is no longer the loop device over ${FILES[i]}; stopping" >&2
            exit 1
        fi
    done
}

# leftover_loops: prints the loop devices still attached to files in $T_DIR (none, after
# release_targets).
leftover_loops() {
    losetup -a 2>/dev/null | grep -F "$T_DIR/" || true
}

# ---------------------------------------------------------------------------------------------
# run_fio RW [FIO OPTION...]: one fio run over all current targets, the whole of each (one job per
# device, run together), 1 MiB blocks, O_DIRECT, io_uring, 8 in flight, plus the options given.
# Sets R_MBPS (bytes / wall time around fio), R_OWN (bytes / fio's own I/O time, the longest job's
# runtime: this leaves out fio's fixed start-up, about 0.2-0.3 s, which includes a 100 ms sleep
# before it starts jobs) and R_CPU; returns non-zero on failure.
run_fio() {
    local rw=$1 dir=write json="$T_DIR/fio.json" err="$T_DIR/fio.err" args i t0 t1 rc expected got
    shift
    case "$rw" in *read) dir="read" ;; esac
    args=("--rw=$rw" --bs=1M --direct=1 --ioengine=io_uring --iodepth=8 --output-format=json "--output=$json" "$@")
    for i in "${!DEVS[@]}"; do args+=("--name=${dir:0:1}$i" "--filename=${DEVS[i]}"); done
    assert_targets_ours
    rm -f "$json"
    t0=$(now)
    bg_run /dev/null "$err" fio "${args[@]}"
    rc=$?
    t1=$(now)
    if [ "$rc" -ne 0 ]; then
        echo "    fio exited $rc:" >&2
        tail -n 5 "$err" | sed 's/^/      /' >&2
        return 1
    fi
    expected=$(sum_sizes)
    got=$(jq "[.jobs[].$dir.io_bytes] | add" "$json") || { echo "    fio wrote no JSON" >&2; return 1; }
    if [ "$(jq '[.jobs[].error] | add' "$json")" != 0 ] || [ "$got" != "$expected" ]; then
        echo "    fio: error or short $dir ($got of $expected bytes)" >&2
        return 1
    fi
    R_MBPS=$(mbps "$got" "$t0" "$t1")
    R_OWN=$(jq "([.jobs[].$dir.io_bytes] | add) / ([.jobs[].job_runtime] | max) / 1e3" "$json" | xargs printf '%.1f')
}

# ---------------------------------------------------------------------------------------------
# Problems found in a run: R_PROBLEMS. note_problems prints them and collects the contract
# deviations once each (device numbers and figures folded) in CONTRACT_LIST, for the end.

R_PROBLEMS=()
declare -A CONTRACT_SEEN
CONTRACT_LIST=()

note_problems() {
    local p key
    for p in "${R_PROBLEMS[@]}"; do
        echo "      $p"
        key=$(sed -E 's#/dev/loop[0-9]+#/dev/loopN#g; s/[0-9]+(\.[0-9]+)?/#/g' <<<"$p")
        if [[ "$p" == contract:* ]] && [ -z "${CONTRACT_SEEN[$key]:-}" ]; then
            CONTRACT_SEEN[$key]=1
            CONTRACT_LIST+=("$p")
        fi
    done
}
