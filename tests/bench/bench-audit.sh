#!/usr/bin/env bash
# Benchmark: the auditor's check at scale. Makes folders of 1,000, 10,000 and 100,000 validly
# signed, chained certificates with tests/tools/kesu-cert-mint (no wipe each), then times
# `kesu cert verify` and `kesu cert report` over each and prints the wall time, CPU time and peak
# memory; for 100,000 it says whether each command meets the target (< 30 s). Not a test (timings
# on a shared machine are noisy): exits 0 when every run succeeded and said what it must (N valid,
# no problem, N rows), even if below target; 1 when a run failed. See README.md beside this file.
#
# Safety: it writes only into a private mktemp directory under /dev/shm (tmpfs), removed on exit
# (bench-lib.sh's EXIT trap), also on failure or ^C; each folder is removed before the next is made.

export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
: "${KESU:=$here/../../build/kesu}"
: "${KESU_CERT_MINT:=$(dirname "$KESU")/tests/tools/kesu-cert-mint}"
export KESU
# shellcheck source=SCRIPTDIR/../lib.sh
. "$here/../lib.sh"
# shellcheck source=SCRIPTDIR/bench-lib.sh
. "$here/bench-lib.sh"
set -o pipefail

TARGET_S=30

usage() {
    cat <<EOF
usage: $0 [--quick]
  Makes folders of signed, chained certificates with kesu-cert-mint in /dev/shm and times
  \`kesu cert verify\` and \`kesu cert report\` over each (wall and CPU seconds, peak RSS).
  Target: each under ${TARGET_S} s for 100,000 certificates. Needs python3 (or /usr/bin/time).

  --quick   1,000 and 10,000 only (checks that the script works)

environment:
  KESU=PATH               kesu binary (default: build/kesu of this checkout)
  KESU_CERT_MINT=PATH     the mint tool (default: tests/tools/kesu-cert-mint beside KESU)
  BENCH_AUDIT_COUNTS="1000 10000 100000"   folder sizes
  BENCH_ROUNDS=1          runs of each command per size (the median is shown)
EOF
}

bench_parse_args "$@"
bench_check_counts BENCH_ROUNDS
rounds=${BENCH_ROUNDS:-1}
if [ "$quick" -eq 1 ]; then counts=(1000 10000); else read -r -a counts <<<"${BENCH_AUDIT_COUNTS:-1000 10000 100000}"; fi
for n in "${counts[@]}"; do is_count "$n" || { echo "BENCH_AUDIT_COUNTS: '$n' is not a count" >&2; exit 2; }; done
for tool in "$KESU" "$KESU_CERT_MINT"; do
    [ -x "$tool" ] || { echo "FAIL: $tool is missing (build it: ninja -C <builddir>)" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ] && ! command -v python3 >/dev/null; then
    echo "SKIP: needs /usr/bin/time or python3 to measure peak memory" >&2
    exit 77
fi

bench_init
bench_make_dir

# measured OUT ERR CMD...: runs CMD (bg_run: its own process group), and sets M_WALL (s), M_RSS
# (peak resident set, MiB) and M_CPU (user + system s); returns CMD's exit status.
measured() {
    local out=$1 err=$2 rc t0 t1 kb
    shift 2
    t0=$(now)
    if [ -x /usr/bin/time ]; then
        bg_run "$out" "$err" /usr/bin/time -f '%M' -o "$T_DIR/rss" "$@"
        rc=$?
    else
        bg_run "$out" "$err" python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc if rc >= 0 else 128 - rc)' "$T_DIR/rss" "$@"
        rc=$?
    fi
    t1=$(now)
    kb=$(tail -n 1 "$T_DIR/rss" 2>/dev/null)
    M_WALL=$(seconds "$t0" "$t1")
    M_RSS=$(awk -v k="${kb:-0}" 'BEGIN { printf "%.0f", k / 1024 }')
    M_CPU=$(awk -v c="$R_CPU" 'BEGIN { split(c, p, " "); printf "%.1f", p[1] + p[2] }')
    return "$rc"
}

K=$T_DIR/keys
echo "kesu-bench-audit" >"$T_DIR/pass"
KESU_STATE_DIR=$T_DIR/state "$KESU" key init --dir "$K" --passphrase-file "$T_DIR/pass" >/dev/null ||
    { echo "FAIL: kesu key init" >&2; exit 1; }

echo "kesu cert verify / kesu cert report over folders of signed certificates"
echo "  $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  (kesu-cert-mint makes no PDFs, so every certificate carries a missing-pdf warning: that is expected)"
failed=0
declare -A ROW
for n in "${counts[@]}"; do
    need_space $((n * 8 / 1024 + 16)) # a record and a signature: two tmpfs pages
    C=$T_DIR/certs-$n
    if ! measured "$T_DIR/mint.out" "$T_DIR/mint.err" "$KESU_CERT_MINT" --key "$K/appliance.key" \
        --passphrase-file "$T_DIR/pass" --out "$C" --count "$n"; then
        echo "FAIL: kesu-cert-mint --count $n: $(tail -n 3 "$T_DIR/mint.err")" >&2
        exit 1
    fi
    mint_s=$M_WALL
    v_wall=() v_cpu=() v_rss=() r_wall=() r_cpu=() r_rss=()
    for ((round = 1; round <= rounds; round++)); do
        measured "$T_DIR/verify.out" "$T_DIR/verify.err" "$KESU" cert verify --key "$K/appliance.pub" "$C"
        rc=$?
        summary="$n certificates, $n valid, 0 problems, $n warnings: $n PASS, 0 FAIL"
        if [ "$rc" -ne 0 ] || ! grep -qxF "$summary" "$T_DIR/verify.out"; then
            echo "FAIL: kesu cert verify over $n exited $rc; expected the line '$summary':" >&2
            grep -v '^OK\|^WARNING' "$T_DIR/verify.out" "$T_DIR/verify.err" | head -n 5 >&2
            failed=1
        fi
        v_wall+=("$M_WALL") v_cpu+=("$M_CPU") v_rss+=("$M_RSS")
        measured "$T_DIR/report.csv" "$T_DIR/report.err" "$KESU" cert report --key "$K/appliance.pub" "$C"
        rc=$?
        rows=$(($(wc -l <"$T_DIR/report.csv") - 1))
        bad=$(awk -F, 'NR > 1 && $9 != "PASS" { n++ } END { print n + 0 }' "$T_DIR/report.csv")
        if [ "$rc" -ne 0 ] || [ "$rows" -ne "$n" ] || [ "$bad" -ne 0 ]; then
            echo "FAIL: kesu cert report over $n exited $rc with $rows rows ($bad not PASS):" >&2
            head -n 5 "$T_DIR/report.err" >&2
            failed=1
        fi
        r_wall+=("$M_WALL") r_cpu+=("$M_CPU") r_rss+=("$M_RSS")
    done
    rm -rf "$C"
    ROW[$n]="$mint_s $(median_fmt %.2f "${v_wall[@]}") $(median_fmt %.1f "${v_cpu[@]}") $(median_fmt %.0f "${v_rss[@]}") $(median_fmt %.2f "${r_wall[@]}") $(median_fmt %.1f "${r_cpu[@]}") $(median_fmt %.0f "${r_rss[@]}")"
    printf '  %7d certificates made in %.1f s; verify %s s, report %s s\n' "$n" "$mint_s" \
        "$(median_fmt %.2f "${v_wall[@]}")" "$(median_fmt %.2f "${r_wall[@]}")"
done

echo
printf '%9s %8s | %9s %7s %8s | %9s %7s %8s | %s\n' certs mint_s verify_s cpu_s rss_MiB report_s cpu_s rss_MiB "target (< ${TARGET_S} s at 100,000)"
for n in "${counts[@]}"; do
    read -r mint_s vw vc vr rw rc rr <<<"${ROW[$n]}"
    verdict=""
    if [ "$n" -eq 100000 ]; then
        if awk -v a="$vw" -v b="$rw" -v t="$TARGET_S" 'BEGIN { exit !(a < t && b < t) }'; then
            verdict="meets < ${TARGET_S} s"
        else
            verdict="below target (verify ${vw} s, report ${rw} s)"
        fi
    fi
    printf '%9d %8.1f | %9s %7s %8s | %9s %7s %8s | %s\n' "$n" "$mint_s" "$vw" "$vc" "$vr" "$rw" "$rc" "$rr" "$verdict"
done
echo "  (wall seconds around each command, the median of $rounds round(s); cpu_s = user + system;"
echo "   on a busy machine wall time exceeds cpu_s / $(nproc): the other load's share)"
exit "$failed"
