#!/usr/bin/env bash
# Benchmark: `kesu wipe` beside fio, on the same loop devices over tmpfs, in the same run, printed as
# ratios. Not a test (timings are noisy): exits 0 when every run succeeded, even if below target;
# non-zero only when a run failed or crashed. See README.md beside this file.
#
# Safety: it touches only loop devices it attaches over files it creates in a private mktemp
# directory under /dev/shm (tmpfs), checks before every run that each target is still one of those,
# and detaches and removes everything on exit (bench-lib.sh's EXIT trap), also on failure or ^C.

export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
: "${KESU:=$here/../../build/kesu}"
export KESU
# shellcheck source=SCRIPTDIR/../lib.sh
. "$here/../lib.sh"
# shellcheck source=SCRIPTDIR/bench-lib.sh
. "$here/bench-lib.sh"
set -o pipefail

usage() {
    cat <<EOF
usage: $0 [--quick]
  Writes loop devices over tmpfs files with fio and with \`kesu wipe\`, alternately, and prints
  kesu's throughput beside fio's as a ratio. Needs root, fio, losetup, jq.

  --quick   1 GiB single, 4 x 256 MiB parallel, 1 round (checks that the script works)

environment:
  KESU=PATH               kesu binary (default: build/kesu of this checkout)
  BENCH_SINGLE_GIB=8      size of the single-device scenario's device
  BENCH_PARALLEL_GIB=2    size of each of the 4 devices of the parallel scenario
  BENCH_ROUNDS=2          rounds (one fio run and one kesu run each) per scenario and method
  BENCH_SCENARIOS="single parallel"   BENCH_METHODS="zero random"   (subsets)
  BENCH_SPOT_CHECK=1      after each kesu run, read back 3 MiB per device (0 to skip)
EOF
}

bench_parse_args "$@"

bench_check_counts BENCH_SINGLE_GIB BENCH_PARALLEL_GIB BENCH_ROUNDS

PARALLEL_COUNT=4
if [ "$quick" -eq 1 ]; then
    single_mib=1024
    parallel_mib=256
    rounds=1
else
    single_mib=$((${BENCH_SINGLE_GIB:-8} * 1024))
    parallel_mib=$((${BENCH_PARALLEL_GIB:-2} * 1024))
    rounds=${BENCH_ROUNDS:-2}
fi
read -r -a scenarios <<<"${BENCH_SCENARIOS:-single parallel}"
read -r -a methods <<<"${BENCH_METHODS:-zero random}"
for s in "${scenarios[@]}"; do
    case "$s" in single | parallel) ;; *) echo "unknown scenario '$s' (single, parallel)" >&2; exit 2 ;; esac
done
for m in "${methods[@]}"; do
    case "$m" in zero | random) ;; *) echo "unknown method '$m' (zero, random)" >&2; exit 2 ;; esac
done
spot_check=${BENCH_SPOT_CHECK:-1}

t_require fio losetup jq blockdev dd cmp gzip awk df stat setsid

if [ ! -x "$KESU" ]; then
    echo "FAIL: no kesu binary at $KESU (build it, or set KESU)" >&2
    exit 1
fi
if ! "$KESU" wipe --help >/dev/null 2>&1; then
    echo "FAIL: '$KESU wipe --help' fails: this kesu has no wipe command" >&2
    exit 1
fi

bench_init

# Check up front for the largest scenario, so a run does not fail half-way.
biggest=0
for s in "${scenarios[@]}"; do
    if [ "$s" = single ]; then n=$single_mib; else n=$((PARALLEL_COUNT * parallel_mib)); fi
    [ "$n" -gt "$biggest" ] && biggest=$n
done
need_space "$biggest"

bench_make_dir

# ---------------------------------------------------------------------------------------------
# Helpers

# Three 1 MiB spots per device: start, middle, end.
spot_offsets_mib() { local mib=$(($1 / MIB)); echo "0 $((mib / 2)) $((mib - 1))"; }

make_marks() {
    head -c "$MIB" /dev/zero >"$T_DIR/mark-zero"
    head -c "$MIB" /dev/zero | tr '\0' '\245' >"$T_DIR/mark-a5"
}

# stamp_spots METHOD: before a kesu run, put what kesu must overwrite on the spots: a non-zero
# pattern before "zero", zeros before "random" (the fio run before left zeros / fio's buffers).
stamp_spots() {
    local mark="$T_DIR/mark-a5" i off
    [ "$1" = random ] && mark="$T_DIR/mark-zero"
    for i in "${!DEVS[@]}"; do
        for off in $(spot_offsets_mib "${SIZES[i]}"); do
            dd if="$mark" of="${DEVS[i]}" bs=1M count=1 seek="$off" oflag=direct conv=notrunc status=none ||
                { echo "FAIL: could not stamp ${DEVS[i]}" >&2; exit 1; }
        done
    done
}

# check_spots METHOD: prints one line per spot that does not hold what the method writes.
check_spots() {
    local spot="$T_DIR/spot" i off packed
    for i in "${!DEVS[@]}"; do
        for off in $(spot_offsets_mib "${SIZES[i]}"); do
            if ! dd if="${DEVS[i]}" of="$spot" bs=1M count=1 skip="$off" iflag=direct status=none; then
                echo "${DEVS[i]}: could not read MiB $off back"
                continue
            fi
            # One complaint per device is enough.
            if [ "$1" = zero ]; then
                cmp -s -n "$MIB" "$spot" /dev/zero ||
                    { echo "${DEVS[i]}: MiB $off is not all zeros after a zero wipe"; break; }
            else
                packed=$(gzip -c "$spot" | wc -c)
                if cmp -s -n "$MIB" "$spot" /dev/zero; then
                    echo "${DEVS[i]}: MiB $off is still all zeros after a random wipe"
                    break
                elif [ "$packed" -lt $((MIB * 9 / 10)) ]; then
                    echo "${DEVS[i]}: MiB $off does not look random after a random wipe (gzip packs it to $packed bytes)"
                    break
                fi
            fi
        done
    done
}

# ---------------------------------------------------------------------------------------------
# One fio run over all current targets (bench-lib.sh's run_fio): zeros for "zero", fio's default
# buffers for "random". Sets R_MBPS, R_OWN (over fio's own I/O time); non-zero on failure.
run_fio_write() {
    if [ "$1" = zero ]; then run_fio write --zero_buffers; else run_fio write; fi
}

# ---------------------------------------------------------------------------------------------
# One `kesu wipe` over all current targets. Sets R_MBPS (bytes / wall time), R_OWN (the summary's
# bytes / duration), R_IO (bytes / the longest target's duration_seconds: kesu's own I/O time),
# R_FIRST (max first write); R_PROBLEMS gets deviations from the contract.
# Returns non-zero when the run failed.

# Reads kesu's JSON Lines (raw text) and checks them against the contract.
# shellcheck disable=SC2016
KESU_JQ='
def num: type == "number";
def abs: if . < 0 then -. else . end;
(split("\n") | map(select(test("\\S")))) as $lines
| ($lines | map(. as $l | try fromjson catch {"__unparsable__": $l})) as $objs
| ($objs | map(select(type != "object" or has("__unparsable__")))) as $bad
| ($objs | map(select(type == "object" and (has("__unparsable__") | not)))) as $evs
| ($evs | map(select(.event == "result"))) as $res
| ($evs | map(select(.event == "summary"))) as $sums
| ($targets | map(.path)) as $paths
| ($targets | length) as $n
| ([$res[].bytes_written | select(num)] | add // 0) as $bytes
| {
    bytes: $bytes,
    first_write: ([$res[].first_write_after_start_seconds | select(num)] | max),
    io_mbps: (([$res[].duration_seconds | select(num)] | max) as $d
              | if $d != null and $d > 0 then $bytes / $d / 1e6 else null end),
    summary_mbps: (if ($sums | length) >= 1 and ($sums[0].duration_seconds | num) and $sums[0].duration_seconds > 0
                      and ($sums[0].bytes_written | num)
                   then $sums[0].bytes_written / $sums[0].duration_seconds / 1e6 else null end),
    problems: (
        [$bad[] | "contract: stdout line is not a JSON object: \(if type == "object" then .__unparsable__ else tojson end | .[0:160])"]
      + [$evs[] | select(.event | type != "string") | "contract: a line without a string \"event\": \(tojson | .[0:160])"]
      + (if ($res | length) != $n then ["FAIL: \($res | length) result lines for \($n) targets"] else [] end)
      + [$paths[] as $p | ($res | map(select(.path == $p)) | length) as $c
            | if $c == 0 then "FAIL: no result line for \($p)" elif $c > 1 then "FAIL: \($c) result lines for \($p)" else empty end]
      + [$res[] | select(.path as $p | $paths | index($p) | not) | "FAIL: result line for a path not asked for: \(.path | tojson)"]
      + [$res[] | select(.outcome != "PASS") | "FAIL: \(.path): outcome \(.outcome | tojson)"]
      + [$res[] | select(.bytes_written != .size_bytes) | "FAIL: \(.path): bytes_written \(.bytes_written) != size_bytes \(.size_bytes)"]
      + [$res[] as $r | $targets[] | select(.path == $r.path and .size != $r.size_bytes)
            | "FAIL: \(.path): size_bytes \($r.size_bytes) but the device has \(.size) bytes"]
      + [$res[] as $r | ("outcome", "bytes_written", "size_bytes", "duration_seconds", "mb_per_s", "first_write_after_start_seconds") as $k
            | select($r | has($k) | not) | "contract: \($r.path): no \($k)"]
      + [$res[] as $r | ("bytes_written", "size_bytes", "duration_seconds", "mb_per_s", "first_write_after_start_seconds") as $k
            | select(($r | has($k)) and ($r[$k] | num | not)) | "contract: \($r.path): \($k) is not a number (\($r[$k] | tojson))"]
      + [$res[] | select((.mb_per_s | num) and (.duration_seconds | num) and (.bytes_written | num) and .duration_seconds > 0)
            | (.bytes_written / .duration_seconds / 1e6) as $m
            | select((.mb_per_s - $m | abs) > 0.02 * $m + 0.5)
            | "contract: \(.path): mb_per_s \(.mb_per_s) but bytes_written / duration_seconds = \($m * 10 | round / 10)"]
      + [$res[] | select((.first_write_after_start_seconds | num) and (.duration_seconds | num)
            and .first_write_after_start_seconds > .duration_seconds)
            | "contract: \(.path): first_write_after_start_seconds \(.first_write_after_start_seconds) > duration_seconds \(.duration_seconds)"]
      + [$res[] | select((.duration_seconds | num) and .duration_seconds > $wall + 0.05)
            | "contract: \(.path): duration_seconds \(.duration_seconds) > the wall time around the command (\($wall * 1000 | round / 1000) s)"]
      + (if ($sums | length) == 0 then ["FAIL: no summary line"]
         elif ($sums | length) > 1 then ["contract: \($sums | length) summary lines"] else [] end)
      + [$sums[0] // empty
            | (if .targets != $n then "contract: summary targets \(.targets | tojson), expected \($n)" else empty end),
              (if .passed != $n or .failed != 0 then "FAIL: summary passed \(.passed | tojson), failed \(.failed | tojson) of \($n)" else empty end),
              (if .bytes_written != $bytes then "contract: summary bytes_written \(.bytes_written | tojson) != sum of results \($bytes)" else empty end),
              (if (.duration_seconds | num | not) then "contract: summary duration_seconds \(.duration_seconds | tojson) is not a number"
               elif .duration_seconds > $wall + 0.05 then "contract: summary duration_seconds \(.duration_seconds) > the wall time around the command (\($wall * 1000 | round / 1000) s)"
               else empty end)]
      + (if ($sums | length) > 0 and ($evs | last | .event) != "summary" then ["contract: the summary is not the last line"] else [] end)
    )
  }
'

run_kesu() {
    local method=$1 out="$T_DIR/kesu.out" err="$T_DIR/kesu.err" rep="$T_DIR/kesu.report" targets i t0 t1 rc
    local failed=0 line
    R_PROBLEMS=()
    targets=$(for i in "${!DEVS[@]}"; do printf '{"path":"%s","size":%s}\n' "${DEVS[i]}" "${SIZES[i]}"; done | jq -s -c .)
    [ "$spot_check" = 1 ] && stamp_spots "$method"
    assert_targets_ours
    t0=$(now)
    bg_run "$out" "$err" "$KESU" wipe --no-cert --method "$method" --verify none --yes --json "${DEVS[@]}"
    rc=$?
    t1=$(now)
    if [ "$rc" -ne 0 ]; then
        R_PROBLEMS+=("FAIL: kesu exited $rc")
    fi
    if ! jq -R -s -c --argjson targets "$targets" --argjson wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$KESU_JQ" "$out" >"$rep" 2>"$T_DIR/jq.err"; then
        R_PROBLEMS+=("FAIL: could not read kesu's output: $(head -n 1 "$T_DIR/jq.err")")
    else
        while IFS= read -r line; do R_PROBLEMS+=("$line"); done < <(jq -r '.problems[]' "$rep")
        R_MBPS=$(mbps "$(jq '.bytes' "$rep")" "$t0" "$t1")
        R_OWN=$(jq -r '.summary_mbps // "n/a"' "$rep")
        [ "$R_OWN" != n/a ] && R_OWN=$(printf '%.1f' "$R_OWN")
        R_FIRST=$(jq -r '.first_write // "n/a"' "$rep")
        R_IO=$(jq -r '.io_mbps // "n/a"' "$rep")
        [ "$R_IO" != n/a ] && R_IO=$(printf '%.1f' "$R_IO")
    fi
    if [ "$spot_check" = 1 ] && [ "$rc" -eq 0 ]; then
        while IFS= read -r line; do R_PROBLEMS+=("FAIL: spot check: $line"); done < <(check_spots "$method")
    fi
    for line in "${R_PROBLEMS[@]}"; do [[ "$line" == FAIL:* ]] && failed=1; done
    if [ "$failed" -eq 1 ] && [ -s "$err" ]; then
        R_PROBLEMS+=("note: kesu's stderr ends: $(tail -n 3 "$err" | tr '\n' '|')")
    fi
    return "$failed"
}

# ---------------------------------------------------------------------------------------------
# Results

declare -A FIO_VALS FIO_IO_VALS KESU_VALS KESU_IO_VALS FIRST_MAX RUN_FAILED
declare -A CONTRACT_SEEN
CONTRACT_LIST=()
any_failed=0
rows=()

run_scenario() {
    local name=$1 count=$2 mib=$3 i m r key t0 t1 fio_v kesu_v
    echo
    echo "== $name: $count x $mib MiB loop device(s) over $SHM"
    need_space $((count * mib))
    t0=$(now)
    for ((i = 0; i < count; i++)); do add_target "$name$i" "$mib"; done
    t1=$(now)
    echo "   pre-filled and attached in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: ${DEVS[*]}"
    for m in "${methods[@]}"; do
        key="$name/$m"
        FIO_VALS[$key]=""
        FIO_IO_VALS[$key]=""
        KESU_VALS[$key]=""
        KESU_IO_VALS[$key]=""
        FIRST_MAX[$key]=""
        RUN_FAILED[$key]=0
        rows+=("$key")
        for ((r = 1; r <= rounds; r++)); do
            fio_v=""
            if run_fio_write "$m"; then
                fio_v=$R_MBPS
                FIO_VALS[$key]+=" $R_MBPS"
                FIO_IO_VALS[$key]+=" $R_OWN"
                printf '   %-16s round %d/%d  fio  %9s MB/s   (over fio'"'"'s I/O time: %s)\n' "$key" "$r" "$rounds" "$R_MBPS" "$R_OWN"
            else
                RUN_FAILED[$key]=1
                any_failed=1
                printf '   %-16s round %d/%d  fio  FAILED\n' "$key" "$r" "$rounds"
            fi
            R_MBPS="" R_OWN="" R_FIRST="" R_IO=""
            if run_kesu "$m"; then
                kesu_v=$R_MBPS
                KESU_VALS[$key]+=" $R_MBPS"
                [ "$R_IO" != n/a ] && KESU_IO_VALS[$key]+=" $R_IO"
                if [ "$R_FIRST" != n/a ]; then
                    FIRST_MAX[$key]=$(awk -v a="${FIRST_MAX[$key]:-0}" -v b="$R_FIRST" 'BEGIN { print (b > a ? b : a) }')
                    R_FIRST=$(awk -v x="$R_FIRST" 'BEGIN { printf "%.3f", x }')
                fi
                printf '   %-16s round %d/%d  kesu %9s MB/s   (summary: %s; over its I/O time: %s; first write %s s)' \
                    "$key" "$r" "$rounds" "$kesu_v" "$R_OWN" "$R_IO" "$R_FIRST"
                [ -n "$fio_v" ] && awk -v k="$kesu_v" -v f="$fio_v" 'BEGIN { printf "   ratio %.2f", k / f }'
                echo
            else
                RUN_FAILED[$key]=1
                any_failed=1
                printf '   %-16s round %d/%d  kesu FAILED\n' "$key" "$r" "$rounds"
            fi
            note_problems
        done
    done
    release_targets
}

# ---------------------------------------------------------------------------------------------

echo "kesu wipe benchmark: $KESU beside $(fio --version), on loop devices over tmpfs"
echo "kernel $(uname -r), $(nproc) CPU(s); single ${single_mib} MiB, parallel ${PARALLEL_COUNT} x ${parallel_mib} MiB, ${rounds} round(s)"
echo "throughput = bytes written / wall time around the command, MB/s = 10^6 bytes/s"
make_marks

for s in "${scenarios[@]}"; do
    if [ "$s" = single ]; then
        run_scenario single 1 "$single_mib"
    else
        run_scenario parallel "$PARALLEL_COUNT" "$parallel_mib"
    fi
done

echo
echo "== results (median of $rounds round(s))"
fmt='%-9s %-7s %9s %9s %8s %7s %11s  %9s %9s %8s  %s\n'
# shellcheck disable=SC2059
printf "$fmt" scenario method "fio MB/s" "kesu MB/s" kesu/fio target "first write" "fio-io" "kesu-io" "io ratio" verdict
for key in "${rows[@]}"; do
    s=${key%/*}
    m=${key#*/}
    target=0.95
    [ "$m" = random ] && target=0.90
    read -r -a fv <<<"${FIO_VALS[$key]}"
    read -r -a kv <<<"${KESU_VALS[$key]}"
    read -r -a fiv <<<"${FIO_IO_VALS[$key]}"
    read -r -a kiv <<<"${KESU_IO_VALS[$key]}"
    fmed=$(median "${fv[@]}")
    kmed=$(median "${kv[@]}")
    fimed=$(median "${fiv[@]}")
    kimed=$(median "${kiv[@]}")
    ratio=$(ratio_of "$kmed" "$fmed")
    ioratio=$(ratio_of "$kimed" "$fimed")
    first=${FIRST_MAX[$key]}
    [ -n "$first" ] && first=$(awk -v x="$first" 'BEGIN { printf "%.3f", x }')
    if [ "${RUN_FAILED[$key]}" -ne 0 ]; then
        verdict="run failed"
    elif [ -z "$ratio" ] || [ -z "$first" ]; then
        verdict="incomplete"
    else
        below=()
        awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r < t) }' && below+=("kesu/fio < $target")
        awk -v x="$first" 'BEGIN { exit !(x > 0.2) }' && below+=("first write > 0.2 s")
        if [ ${#below[@]} -eq 0 ]; then
            verdict="meets"
        else
            joined=$(printf '%s, ' "${below[@]}")
            verdict="below target (${joined%, })"
        fi
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$s" "$m" "${fmed:--}" "${kmed:--}" "${ratio:--}" ">=$target" "${first:--}" "${fimed:--}" \
        "${kimed:--}" "${ioratio:--}" "$verdict"
done
echo "MB/s: bytes written / wall time around the command (10^6 B/s), median of rounds. Targets: kesu/fio"
echo ">= 0.95 for zero, >= 0.90 for random (fio writes its default buffers); first write <= 0.2 s (seconds,"
echo "max over targets and rounds). fio-io, kesu-io: over each tool's own I/O time (fio: its jobs' runtime;"
echo "kesu: the longest result's duration_seconds), i.e. without either's fixed start-up and shut-down"
echo "(fio's is about 0.2-0.3 s); io ratio = kesu-io / fio-io, for information. The verdict uses kesu/fio."

echo
if [ ${#CONTRACT_LIST[@]} -gt 0 ]; then
    echo "kesu's output differs from the contract (first instance of each):"
    printf '  %s\n' "${CONTRACT_LIST[@]}"
elif [ "$any_failed" -eq 0 ]; then
    echo "kesu's JSON Lines passed every contract check."
fi

if [ "$any_failed" -ne 0 ]; then
    echo
    echo "FAILED: at least one run failed (see above)" >&2
    exit 1
fi
exit 0
