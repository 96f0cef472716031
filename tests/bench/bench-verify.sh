#!/usr/bin/env bash
# Benchmark: `kesu verify` beside fio's sequential read of the same loop device over tmpfs, in the
# same run, printed as ratios; and the time of the default 10% sample. Not a test (timings are
# noisy): exits 0 when every run succeeded and kesu's output met the contract, even if below
# target; non-zero when a run failed or crashed or kesu's output differs from the contract. See
# README.md beside this file.
#
# Safety: it touches only the loop device it attaches over a file it creates in a private mktemp
# directory under /dev/shm (tmpfs), checks before every run that the target is still that one, and
# detaches and removes everything on exit (bench-lib.sh's EXIT trap), also on failure or ^C.

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
  Wipes a loop device over a tmpfs file with \`kesu wipe\` (zero, then random), then reads it back
  with fio and with \`kesu verify --mode full\`, alternately, and prints kesu's throughput beside
  fio's as a ratio; also times the default sample (\`kesu verify\`, 10%). Needs root, fio,
  losetup, jq.

  --quick   a 1 GiB device, 1 round (checks that the script works)

environment:
  KESU=PATH               kesu binary (default: build/kesu of this checkout)
  BENCH_SINGLE_GIB=8      size of the device
  BENCH_ROUNDS=2          rounds (fio read, kesu full, kesu sample) per method
  BENCH_METHODS="zero random"   (a subset)
  BENCH_CONTROL=1         per method, one sample verify that must fail (0 to skip)
EOF
}

bench_parse_args "$@"

bench_check_counts BENCH_SINGLE_GIB BENCH_ROUNDS
if [ "$quick" -eq 1 ]; then
    dev_mib=1024
    rounds=1
else
    dev_mib=$((${BENCH_SINGLE_GIB:-8} * 1024))
    rounds=${BENCH_ROUNDS:-2}
fi
read -r -a methods <<<"${BENCH_METHODS:-zero random}"
for m in "${methods[@]}"; do
    case "$m" in zero | random) ;; *) echo "unknown method '$m' (zero, random)" >&2; exit 2 ;; esac
done
control=${BENCH_CONTROL:-1}

t_require fio losetup jq blockdev awk df stat setsid realpath

if [ ! -x "$KESU" ]; then
    echo "FAIL: no kesu binary at $KESU (build it, or set KESU)" >&2
    exit 1
fi
for cmd in wipe verify; do
    if ! "$KESU" "$cmd" --help >/dev/null 2>&1; then
        echo "FAIL: '$KESU $cmd --help' fails: this kesu has no $cmd command" >&2
        exit 1
    fi
done

bench_init
need_space "$dev_mib"
bench_make_dir

# ---------------------------------------------------------------------------------------------
# Wiping the device before it is read: `kesu wipe --method zero|random --verify none`. Sets
# EXPECT_ARG (the --expect of kesu verify), EXPECT_FIELD (the "expect" kesu verify must report),
# SEED (random: the pass's key) and CONTROL_ARG (an expectation that must fail); R_PROBLEMS.

wipe_device() {
    local method=$1 out="$T_DIR/wipe.out" err="$T_DIR/wipe.err" t0 t1 rc res
    R_PROBLEMS=()
    EXPECT_ARG="" EXPECT_FIELD="" SEED="" CONTROL_ARG=""
    assert_targets_ours
    t0=$(now)
    bg_run "$out" "$err" "$KESU" wipe --no-cert --method "$method" --verify none --yes --json "${DEVS[0]}"
    rc=$?
    t1=$(now)
    [ "$rc" -ne 0 ] && R_PROBLEMS+=("FAIL: kesu wipe exited $rc; its stderr ends: $(tail -n 3 "$err" | tr '\n' '|')")
    res=$(jq -c 'select(.event == "result")' "$out" 2>/dev/null | tail -n 1)
    if [ -z "$res" ]; then
        R_PROBLEMS+=("FAIL: kesu wipe printed no result line")
        return 1
    fi
    jq -r --argjson size "${SIZES[0]}" '
        (if .outcome != "PASS" then "FAIL: kesu wipe: outcome \(.outcome | tojson)" else empty end),
        (if .bytes_written != $size then "FAIL: kesu wipe: bytes_written \(.bytes_written | tojson), the device has \($size)" else empty end)
    ' <<<"$res" >"$T_DIR/wipe.problems"
    while IFS= read -r line; do R_PROBLEMS+=("$line"); done <"$T_DIR/wipe.problems"
    if [ "$method" = zero ]; then
        EXPECT_ARG=zero
        EXPECT_FIELD=0x00
        CONTROL_ARG=one # a zeroed device does not hold 0xff
    else
        SEED=$(jq -r '.passes[-1].seed // empty' <<<"$res")
        if ! [[ "$SEED" =~ ^[0-9a-f]{32}$ ]]; then
            R_PROBLEMS+=("FAIL: kesu wipe --method random reported no 32-hex-digit seed (${SEED:-none})")
        fi
        EXPECT_ARG=random:$SEED
        EXPECT_FIELD=random
        # the same key with its last bit flipped: another keystream
        CONTROL_ARG=random:${SEED:0:31}$(printf '%x' $((0x${SEED:31:1} ^ 1)))
    fi
    printf '   %-7s kesu wipe --method %s: %s MB/s%s\n' "$method" "$method" \
        "$(mbps "${SIZES[0]}" "$t0" "$t1")" "${SEED:+ (seed $SEED)}"
    [ ${#R_PROBLEMS[@]} -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# One `kesu verify --json` of the device. Reads kesu's JSON Lines (raw text) and checks them
# against the contract: progress events ("progress", "total"), then one "verify" object, last,
# with outcome PASS, bytes_read == planned_bytes (== the device's size in full mode), nothing
# mismatched, unreadable or residual, consistent figures.

# shellcheck disable=SC2016
VERIFY_JQ='
def num: type == "number";
def abs: if . < 0 then -. else . end;
def firsts(f): [f] | .[0:1] | .[];
(split("\n") | map(select(test("\\S")))) as $lines
| ($lines | map(. as $l | try fromjson catch {"__unparsable__": $l})) as $objs
| ($objs | map(select(type != "object" or has("__unparsable__")))) as $bad
| ($objs | map(select(type == "object" and (has("__unparsable__") | not)))) as $evs
| ($evs | map(select(.event == "verify"))) as $vs
| ($evs | map(select(.event == "progress" or .event == "total"))) as $progress
| ($evs | map(select(.event == "total"))) as $totals
| ($vs[0] // {}) as $v
| {
    bytes_read: $v.bytes_read, samples: $v.samples, subsections: $v.subsections,
    duration: $v.duration_seconds, mb_per_s: $v.mb_per_s,
    problems: (
        [$bad[] | "contract: stdout line is not a JSON object: \(if type == "object" then .__unparsable__ else tojson end | .[0:160])"]
      + [firsts($evs[] | select(.event | type != "string") | "contract: a line without a string \"event\": \(tojson | .[0:160])")]
      + [firsts($evs[] | select((.event | type == "string") and (.event | IN("progress", "total", "verify") | not))
            | "contract: an unknown event \(.event | tojson)")]
      + (if ($vs | length) == 0 then ["FAIL: no verify line"]
         elif ($vs | length) > 1 then ["contract: \($vs | length) verify lines"] else [] end)
      + (if ($vs | length) > 0 and ($evs | last | .event) != "verify" then ["contract: the verify line is not the last line"] else [] end)
      + [$vs[0] // empty
        | (if .outcome != "PASS" then "FAIL: outcome \(.outcome | tojson): \(.statement // "" | tostring | .[0:160])" else empty end),
          (if .mode != $mode then "contract: mode \(.mode | tojson), asked for \($mode)" else empty end),
          (if .expect != $expect then "contract: expect \(.expect | tojson), asked for \($expect)" else empty end),
          (if $seed != "" and .seed != $seed then "contract: seed \(.seed | tojson), asked for \($seed)" else empty end),
          (if has("path") and .path != $path then "contract: path \(.path | tojson), asked for \($path)" else empty end),
          (. as $o | ("bytes_read", "planned_bytes", "samples", "subsections", "duration_seconds", "mb_per_s",
                      "sectors_compared", "sectors_mismatched") as $k
            | if ($o | has($k) | not) then "contract: no \($k)"
              elif ($o[$k] | num | not) then "contract: \($k) is not a number (\($o[$k] | tojson))" else empty end),
          (. as $o | ("residual_signatures", "mismatches", "unreadable_ranges") as $k
            | if ($o[$k] | type) != "array" then "contract: \($k) is not an array (\($o[$k] | tojson | .[0:80]))" else empty end),
          (if (.residual_signatures | type) == "array" and (.residual_signatures | length) > 0
           then "FAIL: residual signatures: \(.residual_signatures | tojson | .[0:160])" else empty end),
          (if .sectors_mismatched != 0 or ((.mismatches | type) == "array" and (.mismatches | length) > 0)
           then "FAIL: \(.sectors_mismatched) sectors mismatched: \(.mismatches | tojson | .[0:160])" else empty end),
          (if (.unreadable_ranges | type) == "array" and (.unreadable_ranges | length) > 0
           then "FAIL: unreadable ranges: \(.unreadable_ranges | tojson | .[0:160])" else empty end),
          (if .bytes_read != .planned_bytes then "FAIL: bytes_read \(.bytes_read) != planned_bytes \(.planned_bytes)" else empty end),
          (if $mode == "full" then
               (if .bytes_read != $size then "FAIL: full mode read \(.bytes_read) bytes of the device'"'"'s \($size)" else empty end),
               (if .read_whole != true then "contract: full mode but read_whole \(.read_whole | tojson)" else empty end)
           else
               (if (.samples | num) and .samples < 1 then "contract: sample mode with \(.samples) samples" else empty end),
               (if (.subsections | num) and .subsections < 1 then "contract: sample mode with \(.subsections) subsections" else empty end),
               (if .sample_percent != 10 then "contract: sample_percent \(.sample_percent | tojson), the default is 10" else empty end),
               (if (.bytes_read | num) and (.bytes_read < 0.10 * $size or .bytes_read >= $size)
                then "contract: the default sample read \(.bytes_read) bytes, not between 10% and all of the device'"'"'s \($size)" else empty end),
               (if (.plan_seed | type) != "string" then "contract: sample mode without a plan_seed (\(.plan_seed | tojson))" else empty end)
           end),
          (if (.sectors_compared | num) and (.bytes_read | num) and .sectors_compared * $sector != .bytes_read
           then "contract: sectors_compared \(.sectors_compared) x \($sector) B != bytes_read \(.bytes_read)" else empty end),
          (if (.mb_per_s | num) and (.duration_seconds | num) and (.bytes_read | num) and .duration_seconds > 0
           then (.bytes_read / .duration_seconds / 1e6) as $m
                | if (.mb_per_s - $m | abs) > 0.02 * $m + 0.5
                  then "contract: mb_per_s \(.mb_per_s) but bytes_read / duration_seconds = \($m * 10 | round / 10)" else empty end
           else empty end),
          (if (.duration_seconds | num) and .duration_seconds > $wall + 0.05
           then "contract: duration_seconds \(.duration_seconds) > the wall time around the command (\($wall * 1000 | round / 1000) s)" else empty end),
          (if .interrupted != false then "contract: interrupted \(.interrupted | tojson)" else empty end),
          (if .error != null then "FAIL: error \(.error | tojson | .[0:160])" else empty end)]
      + (if ($totals | length) == 0 then ["contract: no \"total\" progress event"] else [] end)
      + [firsts($progress[] | select((.bytes_done | num | not) or (.bytes_total | num | not) or .bytes_done > .bytes_total)
            | "contract: a progress event with bytes_done \(.bytes_done | tojson) of bytes_total \(.bytes_total | tojson)")]
      + [firsts($progress[] | select(.phase != "verify") | "contract: a progress event with phase \(.phase | tojson)")]
      + [$totals | last // empty | select(($vs | length) > 0)
            | select(.bytes_done != $v.bytes_read or .bytes_total != $v.planned_bytes)
            | "contract: the last total event says \(.bytes_done | tojson) of \(.bytes_total | tojson) bytes; the verify line, bytes_read \($v.bytes_read | tojson) of planned_bytes \($v.planned_bytes | tojson)"]
    )
  }
'

# run_verify MODE: `kesu verify --expect EXPECT_ARG [--mode full] --json DEV` (sample mode is
# kesu's default, so it is not asked for). Sets R_MBPS (bytes_read / wall time), R_IO (bytes_read /
# duration_seconds), R_WALL, R_DUR, R_BYTES, R_SAMPLES, R_SUBS, R_CPU; R_PROBLEMS ("FAIL: ..." and
# "contract: ..."). Returns non-zero when the run failed (a FAIL); contract deviations alone are
# collected by note_problems and make the script's exit status non-zero at the end.
run_verify() {
    local mode=$1 out="$T_DIR/verify.out" err="$T_DIR/verify.err" rep="$T_DIR/verify.report" t0 t1 rc
    local args=(verify --expect "$EXPECT_ARG") line failed=0
    R_PROBLEMS=()
    R_MBPS="" R_IO="" R_WALL="" R_DUR="" R_BYTES="" R_SAMPLES="" R_SUBS=""
    [ "$mode" = full ] && args+=(--mode full)
    args+=(--json "${DEVS[0]}")
    assert_targets_ours
    t0=$(now)
    bg_run "$out" "$err" "$KESU" "${args[@]}"
    rc=$?
    t1=$(now)
    R_WALL=$(seconds "$t0" "$t1")
    [ "$rc" -ne 0 ] && R_PROBLEMS+=("FAIL: kesu verify exited $rc")
    if ! jq -R -s -c --arg mode "$mode" --arg expect "$EXPECT_FIELD" --arg seed "$SEED" --arg path "${DEVS[0]}" \
        --argjson size "${SIZES[0]}" --argjson sector "$SECTOR" --argjson wall "$R_WALL" \
        "$VERIFY_JQ" "$out" >"$rep" 2>"$T_DIR/jq.err"; then
        R_PROBLEMS+=("FAIL: could not read kesu's output: $(head -n 1 "$T_DIR/jq.err")")
    else
        while IFS= read -r line; do R_PROBLEMS+=("$line"); done < <(jq -r '.problems[]' "$rep")
        IFS='|' read -r R_BYTES R_SAMPLES R_SUBS R_DUR < <(jq -r '[.bytes_read, .samples, .subsections, .duration]
            | map(if type == "number" then tostring else "" end) | join("|")' "$rep")
        if [[ "$R_BYTES" =~ ^[0-9]+$ ]]; then
            R_MBPS=$(mbps "$R_BYTES" "$t0" "$t1")
            [ -n "$R_DUR" ] && awk -v d="$R_DUR" 'BEGIN { exit !(d > 0) }' &&
                R_IO=$(awk -v b="$R_BYTES" -v d="$R_DUR" 'BEGIN { printf "%.1f", b / d / 1e6 }')
        fi
    fi
    for line in "${R_PROBLEMS[@]}"; do [[ "$line" == FAIL:* ]] && failed=1; done
    if [ "$failed" -eq 1 ] && [ -s "$err" ]; then
        R_PROBLEMS+=("note: kesu's stderr ends: $(tail -n 3 "$err" | tr '\n' '|')")
    fi
    return "$failed"
}

# run_control: a sample verify against CONTROL_ARG, which the device does not hold: kesu must say
# FAIL (exit 1, mismatched sectors), or its PASS above means nothing.
run_control() {
    local out="$T_DIR/control.out" err="$T_DIR/control.err" rc v
    R_PROBLEMS=()
    assert_targets_ours
    bg_run "$out" "$err" "$KESU" verify --expect "$CONTROL_ARG" --json "${DEVS[0]}"
    rc=$?
    v=$(jq -c 'select(.event == "verify")' "$out" 2>/dev/null | tail -n 1)
    if [ "$rc" -ne 1 ]; then
        R_PROBLEMS+=("FAIL: control: kesu verify --expect $CONTROL_ARG exited $rc, not 1 (not verified)")
    fi
    if [ -z "$v" ]; then
        R_PROBLEMS+=("FAIL: control: no verify line")
    elif [ "$(jq -r '"\(.outcome) \(.sectors_mismatched > 0)"' <<<"$v")" != "FAIL true" ]; then
        R_PROBLEMS+=("FAIL: control: kesu verify --expect $CONTROL_ARG says $(jq -c '{outcome, sectors_mismatched}' <<<"$v")")
    fi
    R_CONTROL=$(jq -r '"\(.outcome), \(.sectors_mismatched) of \(.sectors_compared) sectors mismatched"' <<<"${v:-null}" 2>/dev/null)
    [ ${#R_PROBLEMS[@]} -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# Results

declare -A FIO_VALS FIO_IO_VALS FIO_CPU KESU_VALS KESU_IO_VALS KESU_CPU RUN_FAILED
declare -A S_WALL S_DUR S_BYTES S_SAMPLES S_SUBS S_MBPS S_IO S_FAILED CONTROL_NOTE
any_failed=0

# cpu_med "U S ..." pairs: "U/S" medians
cpu_med() {
    local -a us=() sy=()
    local x i=0
    for x in $1; do
        if ((i++ % 2 == 0)); then us+=("$x"); else sy+=("$x"); fi
    done
    [ ${#us[@]} -eq 0 ] && return
    echo "$(median_fmt '%.2f' "${us[@]}")/$(median_fmt '%.2f' "${sy[@]}")"
}

echo "kesu verify benchmark: $KESU beside $(fio --version), on a loop device over tmpfs"
echo "kernel $(uname -r), $(nproc) CPU(s); a ${dev_mib} MiB device, ${rounds} round(s)"
echo "throughput = bytes read / wall time around the command, MB/s = 10^6 bytes/s"
echo
t0=$(now)
add_target verify "$dev_mib"
t1=$(now)
SECTOR=$(blockdev --getss "${DEVS[0]}")
DEV_SIZE=${SIZES[0]}
echo "   pre-filled and attached in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: ${DEVS[0]}" \
    "(${SIZES[0]} bytes, $SECTOR-byte sectors)"

for m in "${methods[@]}"; do
    echo
    echo "== $m"
    FIO_VALS[$m]="" FIO_IO_VALS[$m]="" FIO_CPU[$m]="" KESU_VALS[$m]="" KESU_IO_VALS[$m]="" KESU_CPU[$m]=""
    S_WALL[$m]="" S_DUR[$m]="" S_BYTES[$m]="" S_SAMPLES[$m]="" S_SUBS[$m]="" S_MBPS[$m]="" S_IO[$m]=""
    RUN_FAILED[$m]=0 S_FAILED[$m]=0 CONTROL_NOTE[$m]=""
    if ! wipe_device "$m"; then
        note_problems
        echo "   $m: the wipe failed; no reads of this device"
        RUN_FAILED[$m]=1 S_FAILED[$m]=1 any_failed=1
        continue
    fi
    for ((r = 1; r <= rounds; r++)); do
        fio_v=""
        R_MBPS="" R_OWN=""
        if run_fio read; then
            fio_v=$R_MBPS
            FIO_VALS[$m]+=" $R_MBPS"
            FIO_IO_VALS[$m]+=" $R_OWN"
            FIO_CPU[$m]+=" $R_CPU"
            printf '   %-7s round %d/%d  fio read     %9s MB/s  (over its I/O time: %s; cpu user/sys %s s)\n' \
                "$m" "$r" "$rounds" "$R_MBPS" "$R_OWN" "${R_CPU/ //}"
        else
            RUN_FAILED[$m]=1 any_failed=1
            printf '   %-7s round %d/%d  fio read     FAILED\n' "$m" "$r" "$rounds"
        fi

        if run_verify full; then
            KESU_VALS[$m]+=" $R_MBPS"
            [ -n "$R_IO" ] && KESU_IO_VALS[$m]+=" $R_IO"
            KESU_CPU[$m]+=" $R_CPU"
            printf '   %-7s round %d/%d  kesu full    %9s MB/s  (over its I/O time: %s; cpu user/sys %s s)' \
                "$m" "$r" "$rounds" "$R_MBPS" "${R_IO:-n/a}" "${R_CPU/ //}"
            [ -n "$fio_v" ] && awk -v k="$R_MBPS" -v f="$fio_v" 'BEGIN { printf "   ratio %.2f", k / f }'
            echo
        else
            RUN_FAILED[$m]=1 any_failed=1
            printf '   %-7s round %d/%d  kesu full    FAILED\n' "$m" "$r" "$rounds"
        fi
        note_problems

        if run_verify sample; then
            S_WALL[$m]+=" $R_WALL"
            S_DUR[$m]+=" $R_DUR"
            S_BYTES[$m]+=" $R_BYTES"
            S_SAMPLES[$m]+=" $R_SAMPLES"
            S_SUBS[$m]+=" $R_SUBS"
            S_MBPS[$m]+=" $R_MBPS"
            [ -n "$R_IO" ] && S_IO[$m]+=" $R_IO"
            printf '   %-7s round %d/%d  kesu sample  %9s MB/s  (%.3f s wall, %.3f s its own; %s bytes in %s samples, %s subsections)\n' \
                "$m" "$r" "$rounds" "$R_MBPS" "$R_WALL" "$R_DUR" "$R_BYTES" "$R_SAMPLES" "$R_SUBS"
        else
            S_FAILED[$m]=1 any_failed=1
            printf '   %-7s round %d/%d  kesu sample  FAILED\n' "$m" "$r" "$rounds"
        fi
        note_problems
    done
    if [ "$control" = 1 ]; then
        if run_control; then
            CONTROL_NOTE[$m]="kesu verify --expect $CONTROL_ARG: $R_CONTROL, exit 1 (as it must)"
        else
            CONTROL_NOTE[$m]="FAILED"
            any_failed=1
        fi
        printf '   %-7s control: %s\n' "$m" "${CONTROL_NOTE[$m]}"
        note_problems
    fi
done

release_targets
leftover=$(leftover_loops)
if [ -n "$leftover" ]; then
    echo "FAIL: loop devices still attached to this run's files after detaching them:" >&2
    echo "$leftover" >&2
    any_failed=1
fi

size_mib=$((DEV_SIZE / MIB))
echo
echo "== full read of the $size_mib MiB device: kesu verify --mode full beside fio --rw=read (median of $rounds round(s))"
fmt='%-7s %9s %9s %8s %7s  %9s %9s %8s  %11s %11s  %s\n'
# shellcheck disable=SC2059
printf "$fmt" expect "fio MB/s" "kesu MB/s" kesu/fio target "fio-io" "kesu-io" "io ratio" "fio cpu u/s" "kesu cpu u/s" verdict
target=0.90
for m in "${methods[@]}"; do
    read -r -a fv <<<"${FIO_VALS[$m]}"
    read -r -a kv <<<"${KESU_VALS[$m]}"
    read -r -a fiv <<<"${FIO_IO_VALS[$m]}"
    read -r -a kiv <<<"${KESU_IO_VALS[$m]}"
    fmed=$(median "${fv[@]}")
    kmed=$(median "${kv[@]}")
    fimed=$(median "${fiv[@]}")
    kimed=$(median "${kiv[@]}")
    ratio=$(ratio_of "$kmed" "$fmed")
    ioratio=$(ratio_of "$kimed" "$fimed")
    if [ "${RUN_FAILED[$m]}" -ne 0 ]; then
        verdict="run failed"
    elif [ -z "$ratio" ]; then
        verdict="incomplete"
    elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r < t) }'; then
        verdict="below target (kesu/fio < $target)"
    else
        verdict="meets"
    fi
    fc=$(cpu_med "${FIO_CPU[$m]}")
    kc=$(cpu_med "${KESU_CPU[$m]}")
    # shellcheck disable=SC2059
    printf "$fmt" "$m" "${fmed:--}" "${kmed:--}" "${ratio:--}" ">=$target" "${fimed:--}" "${kimed:--}" "${ioratio:--}" \
        "${fc:--}" "${kc:--}" "$verdict"
done
echo "MB/s: bytes read / wall time around the command (10^6 B/s), median of rounds. Target: kesu/fio >= 0.90."
echo "fio-io, kesu-io: over each tool's own I/O time (fio: the job's runtime; kesu: the verify line's"
echo "duration_seconds), i.e. without either's fixed start-up and shut-down (fio's is about 0.2-0.3 s);"
echo "io ratio = kesu-io / fio-io, for information. cpu u/s: user/system CPU seconds of the whole command."
echo "random: kesu regenerates the AES-128-CTR keystream and compares; fio only reads."

echo
echo "== the default sample (kesu verify --expect ... --json: mode sample, 10%) of the $size_mib MiB device (median of $rounds round(s))"
fmt='%-7s %8s %8s %12s %7s %8s %11s %9s %9s  %s\n'
# shellcheck disable=SC2059
printf "$fmt" expect "wall s" "kesu s" bytes_read "% dev" samples subsections "MB/s" "kesu-io" control
for m in "${methods[@]}"; do
    read -r -a w <<<"${S_WALL[$m]}"
    read -r -a d <<<"${S_DUR[$m]}"
    read -r -a b <<<"${S_BYTES[$m]}"
    read -r -a sa <<<"${S_SAMPLES[$m]}"
    read -r -a su <<<"${S_SUBS[$m]}"
    read -r -a mb <<<"${S_MBPS[$m]}"
    read -r -a io <<<"${S_IO[$m]}"
    bmed=$(median_fmt '%.0f' "${b[@]}")
    pct=""
    [ -n "$bmed" ] && pct=$(awk -v b="$bmed" -v s="$DEV_SIZE" 'BEGIN { printf "%.1f%%", 100 * b / s }')
    c="-"
    if [ "$control" = 1 ]; then
        if [ "${CONTROL_NOTE[$m]}" = FAILED ]; then c="FAILED"; elif [ -n "${CONTROL_NOTE[$m]}" ]; then c="FAIL as it must"; fi
    fi
    [ "${S_FAILED[$m]}" -ne 0 ] && c="run failed; $c"
    # shellcheck disable=SC2059
    printf "$fmt" "$m" "$(median_fmt '%.3f' "${w[@]}")" "$(median_fmt '%.3f' "${d[@]}")" "${bmed:--}" "${pct:--}" \
        "$(median_fmt '%.0f' "${sa[@]}")" "$(median_fmt '%.0f' "${su[@]}")" "$(median "${mb[@]}")" "$(median "${io[@]}")" "$c"
done
echo "wall s: around the command; kesu s: its duration_seconds; MB/s: bytes_read / wall time; kesu-io:"
echo "bytes_read / duration_seconds. control: a sample verify against what the device does not hold"
echo "(zero: --expect one; random: the seed with one bit flipped) must say FAIL and exit 1."

echo
if [ ${#CONTRACT_LIST[@]} -gt 0 ]; then
    echo "kesu's output differs from the contract (first instance of each):"
    printf '  %s\n' "${CONTRACT_LIST[@]}"
    any_failed=1
elif [ "$any_failed" -eq 0 ]; then
    echo "kesu's JSON Lines passed every contract check."
fi

if [ "$any_failed" -ne 0 ]; then
    echo
    echo "FAILED: at least one run failed or broke the contract (see above)" >&2
    exit 1
fi
exit 0
