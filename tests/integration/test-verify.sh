#!/usr/bin/env bash
# Verification on loop devices and files this test creates: after every method the verdict is
# PASS with its figures, a recorded plan can be re-read by anyone, and every corruption is caught —
# in sample mode a 4 KiB block in the first or last MiB, 0.5% of the blocks scattered, a
# contiguous 1%, a surviving backup GPT header, the first sectors of a partition that existed
# before the wipe; in full mode a single 4 KiB block anywhere. A forensic carver (foremost) finds
# documents and images before the wipe and nothing after it.
. "$(dirname "$0")/../lib.sh"

t_require losetup sgdisk mkfs.ext4 mount jq python3 foremost dd
: "${KESU_FAULTFS:=}"
if [ -z "$KESU_FAULTFS" ] || [ ! -x "$KESU_FAULTFS" ]; then
    if [ "${CI:-}" = "true" ]; then echo "FAIL: kesu-faultfs missing (CI must provide it)" >&2; exit 1; fi
    echo "SKIP: kesu-faultfs missing" >&2
    exit 77
fi
t_workdir /dev/shm
FUSE_PIDS=()
FUSE_MNTS=()
trap 'for m in "${FUSE_MNTS[@]}"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
      for p in "${FUSE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; t_cleanup' EXIT

SIZE=$((64 << 20))
result() { jq -c 'select(.event == "result")' <<<"$1"; }
# kesu verify --json: progress events, then one "verify" event with the figures
verify_json() { "$KESU" verify --json "$@" | jq -c 'select(.event == "verify")'; return "${PIPESTATUS[0]}"; }
junk() { python3 -c 'import os,sys; sys.stdout.buffer.write(os.urandom(int(sys.argv[1])))' "$1"; }
# corrupt DEV OFFSET LEN: random bytes over [OFFSET, OFFSET+LEN)
corrupt() { junk "$3" | dd of="$1" bs=4096 seek="$2" oflag=seek_bytes conv=notrunc status=none; }

echo "# after every method: PASS with the figures, and anyone can re-read the plan"
junk $SIZE >"$T_DIR/m.img"
t_loop "$T_DIR/m.img"; dev=$T_LOOP
for method in zero one random dod3 bsi "passes:0x123456"; do
    out=$("$KESU" wipe --no-cert --method "$method" --yes --json "$dev"); rc=$?
    r=$(result "$out")
    v=$(jq -c .verification <<<"$r")
    t_eq "$method: exit 0" 0 "$rc"
    t_eq "$method: PASS, verification PASS" "PASS PASS sample" "$(jq -r '"\(.outcome) \(.verification.outcome) \(.verification.mode)"' <<<"$r")"
    t_eq "$method: ≥ 1000 subsections, ≥ 2 samples each" true "$(jq '.subsections >= 1000 and .samples >= 2 * .subsections' <<<"$v")"
    t_eq "$method: ≥ 10% read" true "$(jq ".bytes_read >= $SIZE * 0.10 and .bytes_read == .planned_bytes" <<<"$v")"
    t_eq "$method: no mismatch, residue or unreadable range" "0 0 0" \
        "$(jq -r '"\(.sectors_mismatched) \(.residual_signatures | length) \(.unreadable_ranges | length)"' <<<"$v")"
    t_eq "$method: the bound is 1-(1-C)^(1/n)" "$(python3 -c "print(round(1 - 0.01 ** (1 / $(jq .samples <<<"$v")), 9))")" \
        "$(jq '.unerased_fraction_bound * 1e9 | round / 1e9' <<<"$v")"
    t_match "$method: the statement" "with [0-9]+ clean pseudorandom samples, less than .*% of the device is left unerased \(99% confidence\)" \
        "$(jq -r .statement <<<"$v")"
    # an auditor re-reads the same plan from the recorded figures
    pat=$(jq -r .expect <<<"$v")
    case "$pat" in
    random) expect=random:$(jq -r .seed <<<"$v") ;;
    *" "*) expect=pattern:$(sed 's/0x//g; s/ //g' <<<"$pat") ;;
    *) expect=byte:${pat#0x} ;;
    esac
    again=$(verify_json --expect "$expect" --plan-seed "$(jq -r .plan_seed <<<"$v")" "$dev"); rc=$?
    t_eq "$method: kesu verify re-reads the plan: exit 0" 0 "$rc"
    t_eq "$method: the same plan" "$(jq -c '[.planned_bytes, .samples, .plan_seed]' <<<"$v")" \
        "$(jq -c '[.planned_bytes, .samples, .plan_seed]' <<<"$again")"
done
out=$("$KESU" wipe --no-cert --method random --verify full --yes --json "$dev")
t_eq "full: every byte read" "PASS full $SIZE true" \
    "$(result "$out" | jq -r '.verification | "\(.outcome) \(.mode) \(.bytes_read) \(.read_whole)"')"

echo "# sample mode catches each corruption"
# fresh_random: a random wipe of $dev, sets KEY for --expect random:KEY
fresh_random() {
    KEY=$("$KESU" wipe --no-cert --method random --verify none --yes --json "$dev" | jq -r 'select(.event == "result") | .passes[0].seed')
}
verify_sample() { verify_json --expect "random:$KEY" "$@" "$dev"; }
lba_hit() { # JSON LBA: is LBA inside a reported mismatch?
    jq --argjson l "$2" '[.mismatches[] | select(.first_lba <= $l and $l <= .last_lba)] | length > 0' <<<"$1"
}
for where in first last; do
    for k in 1 2 3; do
        fresh_random
        if [ $where = first ]; then off=$((RANDOM % 256 * 4096)); else off=$((SIZE - (1 << 20) + RANDOM % 256 * 4096)); fi
        corrupt "$dev" $off 4096
        v=$(verify_sample); rc=$?
        t_eq "4 KiB at byte $off ($where MiB): exit 1" 1 "$rc"
        t_eq "4 KiB at byte $off ($where MiB): the mismatch names its sectors" true "$(lba_hit "$v" $((off / 512)))"
    done
done
fresh_random
python3 - "$dev" <<'PY'
import os, random, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
blocks = os.lseek(fd, 0, 2) // 4096
for b in random.sample(range(blocks), max(1, blocks // 200)):   # 0.5% of the 4 KiB blocks
    os.pwrite(fd, os.urandom(4096), b * 4096)
os.close(fd)
PY
v=$(verify_sample); rc=$?
t_eq "0.5% of blocks scattered: exit 1" 1 "$rc"
t_eq "0.5% of blocks scattered: mismatches found" true "$(jq '.sectors_mismatched > 0' <<<"$v")"
for k in 1 2 3; do
    fresh_random
    len=$((SIZE / 100 / 4096 * 4096))
    off=$(((RANDOM * 32768 + RANDOM) % ((SIZE - len) / 4096) * 4096))
    corrupt "$dev" $off $len
    v=$(verify_sample --sample-percent 1); rc=$?
    t_eq "contiguous 1% at byte $off (even a 1% sample): exit 1" 1 "$rc"
done
fresh_random
sgdisk_img=$T_DIR/gpt-src.img
truncate -s $SIZE "$sgdisk_img"
sgdisk -n 1:2048:+8M "$sgdisk_img" >/dev/null 2>&1
dd if="$sgdisk_img" of="$dev" bs=512 skip=$((SIZE / 512 - 1)) seek=$((SIZE / 512 - 1)) count=1 conv=notrunc status=none
v=$(verify_sample); rc=$?
t_eq "surviving backup GPT header: exit 1" 1 "$rc"
t_match "surviving backup GPT header: named" "backup GPT header \(at byte $((SIZE - 512))\)" "$(jq -r '.residual_signatures[]' <<<"$v")"
t_eq "surviving backup GPT header: its sector mismatches" true "$(lba_hit "$v" $((SIZE / 512 - 1)))"

echo "# full mode catches a single 4 KiB block anywhere"
for k in 1 2 3; do
    "$KESU" wipe --no-cert --method zero --verify none --yes "$dev" >/dev/null
    off=$(((RANDOM * 32768 + RANDOM) % (SIZE / 4096) * 4096))
    corrupt "$dev" $off 4096
    v=$(verify_json --expect zero --mode full "$dev"); rc=$?
    t_eq "full, 4 KiB at byte $off: exit 1" 1 "$rc"
    t_eq "full, 4 KiB at byte $off: exactly its sectors" "[[$((off / 512)),$((off / 512 + 7))]]" \
        "$(jq -c '[.mismatches[] | [.first_lba, .last_lba]]' <<<"$v")"
done

echo "# a partition's first sectors that survive the wipe are read, even in a tiny sample"
# kesu-faultfs refuses writes to the partition's first 4 KiB (reads still work), so its ext4
# superblock survives;
# the wipe's verification must read there because the partition existed before the wipe.
backing=$T_DIR/part.backing
truncate -s $SIZE "$backing"
sgdisk -n 1:40M:+16M "$backing" >/dev/null 2>&1
mkdir -p "$T_DIR/part.mnt"
"$KESU_FAULTFS" --bad-write $((40 << 20)):4096 "$backing" "$T_DIR/part.mnt" &
FUSE_PIDS+=($!); FUSE_MNTS+=("$T_DIR/part.mnt")
for _ in $(seq 100); do [ -e "$T_DIR/part.mnt/disk.img" ] && break; sleep 0.05; done
# the file system goes on through a loop device without the fault (same backing file)
t_loop "$backing"; plain=$T_LOOP
mkfs.ext4 -q -L SURVIVOR "${plain}p1"
t_detach "$plain"
t_loop "$T_DIR/part.mnt/disk.img"; faulty=$T_LOOP
out=$("$KESU" wipe --no-cert --method random --sample-percent 0.1 --yes --json "$faulty")
r=$(result "$out")
t_eq "surviving partition start: FAIL" FAIL "$(jq -r .outcome <<<"$r")"
t_eq "surviving partition start: the wipe names the unwritten sectors" \
    "[[1,81920,81927]]" "$(jq -c '[.unwritten_ranges[] | [.pass, .first_lba, .last_lba]]' <<<"$r")"
t_eq "surviving partition start: verification read it and caught it" true \
    "$(jq '.verification | [.mismatches[] | select(.first_lba <= 81920 and 81920 <= .last_lba)] | length > 0' <<<"$r")"
t_match "surviving partition start: the file system is named" 'ext4 signature "SURVIVOR"' \
    "$(jq -r '.verification.residual_signatures[]' <<<"$r")"
t_detach "$faulty"

echo "# a disk that lies (writes \"succeed\" but do not land): every pass's verification catches it"
truncate -s 16M "$T_DIR/liar.backing"
python3 -c 'import sys; sys.stdout.buffer.write(b"SECRET" * 2000)' | dd of="$T_DIR/liar.backing" bs=4096 seek=1024 conv=notrunc status=none
mkdir -p "$T_DIR/liar.mnt"
"$KESU_FAULTFS" --drop-write $((4 << 20)):8192 "$T_DIR/liar.backing" "$T_DIR/liar.mnt" &
FUSE_PIDS+=($!); FUSE_MNTS+=("$T_DIR/liar.mnt")
for _ in $(seq 100); do [ -e "$T_DIR/liar.mnt/disk.img" ] && break; sleep 0.05; done
out=$("$KESU" wipe --no-cert --method dod3 --verify-passes all --verify full --yes --json "$T_DIR/liar.mnt/disk.img"); rc=$?
r=$(result "$out")
t_eq "lying disk: exit 1" 1 "$rc"
t_eq "lying disk: the wipe itself saw nothing wrong" "PASS completed" "$(jq -r '"\(.wipe_outcome) \(.status)"' <<<"$r")"
t_eq "lying disk: passes 1 and 2 verified and failed" "1 FAIL 2 FAIL" "$(jq -r '[.pass_verifications[] | "\(.pass) \(.outcome)"] | join(" ")' <<<"$r")"
t_eq "lying disk: the outcome is FAIL" FAIL "$(jq -r .outcome <<<"$r")"
t_match "lying disk: the old data is reported" "^534543524554" "$(jq -r '.pass_verifications[0].mismatches[0].found' <<<"$r")"

echo "# standalone kesu verify"
truncate -s 32M "$T_DIR/dd.img"
t_loop "$T_DIR/dd.img"; dd_dev=$T_LOOP
dd if=/dev/urandom of="$dd_dev" bs=1M status=none 2>/dev/null
dd if=/dev/zero of="$dd_dev" bs=1M oflag=direct status=none 2>/dev/null
"$KESU" verify --expect zero "$dd_dev" >/dev/null; t_eq "a disk zeroed by dd: exit 0" 0 $?
"$KESU" verify --expect zero --mode full "$dd_dev" >/dev/null; t_eq "a disk zeroed by dd, full: exit 0" 0 $?
mkfs.ext4 -q -L LEFTOVER "$dd_dev"
t_mount "$dd_dev" "$T_DIR/left"
echo "住民名簿" >"$T_DIR/left/names.txt"
umount "$T_DIR/left"
out=$("$KESU" verify --expect zero "$dd_dev"); rc=$?
t_eq "leftover files: exit 1" 1 "$rc"
t_match "leftover files: the file system is named" 'residual: ext4 signature "LEFTOVER"' "$out"
t_match "leftover files: mismatches printed with the bytes that differ" "mismatch: LBA [0-9]+-[0-9]+, from byte [0-9]+ of the sector: found [0-9a-f]+, expected 0+" "$out"
bad() { local want=$1 re=$2; shift 2; local err; err=$("$KESU" verify "$@" 2>&1 >/dev/null); t_eq "verify $*: exit $want" "$want" $?; t_match "verify $*: message" "$re" "$err"; }
bad 2 "--expect takes" --expect blue "$dd_dev"
bad 2 "--expect takes" --expect random:1234 "$dd_dev"
bad 2 "say what the target must hold" "$dd_dev"
bad 2 "unknown mode 'quick'" --expect zero --mode quick "$dd_dev"
bad 2 "--sample-percent takes" --expect zero --sample-percent 0 "$dd_dev"
bad 2 "--sample-percent takes" --expect zero --sample-percent 101 "$dd_dev"
bad 2 "--plan-seed takes" --expect zero --plan-seed xyz "$dd_dev"
bad 2 "no such file" --expect zero "$T_DIR/none"

echo "# forensic carving: foremost recovers documents before the wipe, nothing after"
truncate -s 96M "$T_DIR/carve.img"
t_loop "$T_DIR/carve.img"; carve=$T_LOOP
mkfs.ext4 -q "$carve"
t_mount "$carve" "$T_DIR/carve"
python3 - "$T_DIR/carve" <<'PY'
import os, struct, sys, zipfile, zlib
out = sys.argv[1]
def png(path, w, h, seed):
    raw = b"".join(b"\0" + bytes((x * seed + y) % 256 for x in range(w * 3)) for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)
def pdf(path, text):
    body = "BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            "<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body)]
    s = "%PDF-1.4\n" + "%" + "x" * 60000 + "\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(s)); s += "%d 0 obj\n%s\nendobj\n" % (i + 1, o)
    x = len(s)
    s += "xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + "".join("%010d 00000 n \n" % o for o in offs)
    s += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    open(path, "w").write(s)
for i in range(4):
    png(os.path.join(out, "photo%d.png" % i), 200, 150, i + 3)
    pdf(os.path.join(out, "minutes%d.pdf" % i), "Council minutes %d - confidential" % i)
    with zipfile.ZipFile(os.path.join(out, "ledger%d.zip" % i), "w") as z:
        z.writestr("ledger.csv", "".join("%d,resident %d,%d\n" % (k, k, k * 7) for k in range(20000)))
PY
umount "$T_DIR/carve"
carved() { rm -rf "$T_DIR/fm"; foremost -q -t png,pdf,zip -i "$1" -o "$T_DIR/fm" >/dev/null 2>&1; find "$T_DIR/fm" -type f ! -name audit.txt | wc -l; }
before=$(carved "$carve")
t_eq "carving before the wipe recovers the files (the test can fail)" true "$([ "$before" -ge 6 ] && echo true || echo "false ($before)")"
out=$("$KESU" wipe --no-cert --yes --json "$carve"); rc=$?
t_eq "carving: the wipe passes verification" "0 PASS" "$rc $(result "$out" | jq -r .verification.outcome)"
t_eq "carving after the wipe recovers nothing" 0 "$(carved "$carve")"

t_done
