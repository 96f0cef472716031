#!/usr/bin/env bash
# `kesu list` on real loop devices this test creates: identity, content, protection, discovery,
# hotplug, bad input. Expected values come from independent readers (blockdev, blkid, sysfs).
. "$(dirname "$0")/../lib.sh"

t_require losetup partx sgdisk mkfs.ext4 mkfs.vfat mkswap swapon mount jq blkid blockdev findmnt lsblk
t_workdir /var/tmp

jq_of() { jq -r "$2" <<<"$1"; }
list_json() { "$KESU" list --json "$@"; }

echo "# a GPT disk with a labelled ext4 and a labelled vfat partition"
gpt_img=$(t_file gpt.img 64M)
sgdisk -n 1:2048:+24M -t 1:8300 -c 1:data -n 2:0:+16M -t 2:0700 -c 2:acct "$gpt_img" >/dev/null 2>&1 || { echo "sgdisk failed" >&2; exit 1; }
t_loop "$gpt_img"; gpt=$T_LOOP
mkfs.ext4 -q -L Accounting "${gpt}p1"
mkfs.vfat -n SOUMU "${gpt}p2" >/dev/null
j=$(list_json "$gpt")
t_eq "gpt: exit status" 0 $?
t_eq "gpt: one object" 1 "$(jq_of "$j" 'length')"
t_eq "gpt: path" "$gpt" "$(jq_of "$j" '.[0].path')"
t_eq "gpt: size_bytes" "$(blockdev --getsize64 "$gpt")" "$(jq_of "$j" '.[0].size_bytes')"
t_eq "gpt: size is the file's" "$((64 << 20))" "$(jq_of "$j" '.[0].size_bytes')"
t_eq "gpt: logical_sector_bytes" "$(blockdev --getss "$gpt")" "$(jq_of "$j" '.[0].logical_sector_bytes')"
t_eq "gpt: physical_sector_bytes" "$(blockdev --getpbsz "$gpt")" "$(jq_of "$j" '.[0].physical_sector_bytes')"
t_eq "gpt: transport" loop "$(jq_of "$j" '.[0].transport')"
t_eq "gpt: backing_file" "$gpt_img" "$(jq_of "$j" '.[0].backing_file')"
t_eq "gpt: rotational from sysfs" "$(cat /sys/block/${gpt#/dev/}/queue/rotational | sed 's/1/true/;s/0/false/')" \
    "$(jq_of "$j" '.[0].rotational')"
t_eq "gpt: removable" false "$(jq_of "$j" '.[0].removable')"
t_eq "gpt: serial unknown, not invented" null "$(jq_of "$j" '.[0].serial')"
t_eq "gpt: model unknown, not invented" null "$(jq_of "$j" '.[0].model')"
t_eq "gpt: wwn unknown" null "$(jq_of "$j" '.[0].wwn')"
t_eq "gpt: by_id" null "$(jq_of "$j" '.[0].by_id')"
t_eq "gpt: keys present" "$(printf '%s\n' by_id content logical_sector_bytes model path physical_sector_bytes \
    protected protected_reason removable rotational serial size_bytes transport vendor wwn)" \
    "$(jq_of "$j" '.[0] | [keys[] | select(IN("path","by_id","vendor","model","serial","wwn","size_bytes",
        "logical_sector_bytes","physical_sector_bytes","transport","rotational","removable","content",
        "protected","protected_reason"))] | .[]')"
t_eq "gpt: partition_table" gpt "$(jq_of "$j" '.[0].partition_table')"
t_eq "gpt: partition_table_uuid" "$(blkid -p -o value -s PTUUID "$gpt")" "$(jq_of "$j" '.[0].partition_table_uuid')"
t_eq "gpt: two content entries" 2 "$(jq_of "$j" '.[0].content | length')"
for n in 1 2; do
    p="${gpt}p$n"
    e=".[0].content[$((n - 1))]"
    t_eq "gpt p$n: number" "$n" "$(jq_of "$j" "$e.number")"
    t_eq "gpt p$n: offset_bytes" "$(($(cat /sys/class/block/${p#/dev/}/start) * 512))" "$(jq_of "$j" "$e.offset_bytes")"
    t_eq "gpt p$n: size_bytes" "$(blockdev --getsize64 "$p")" "$(jq_of "$j" "$e.size_bytes")"
    t_eq "gpt p$n: fs_type" "$(blkid -p -o value -s TYPE "$p")" "$(jq_of "$j" "$e.fs_type")"
    t_eq "gpt p$n: label" "$(blkid -p -o value -s LABEL "$p")" "$(jq_of "$j" "$e.label")"
    t_eq "gpt p$n: uuid" "$(blkid -p -o value -s UUID "$p")" "$(jq_of "$j" "$e.uuid")"
    t_eq "gpt p$n: part_uuid" "$(blkid -p -o value -s PART_ENTRY_UUID "$p")" "$(jq_of "$j" "$e.part_uuid")"
    t_eq "gpt p$n: part_type" "$(blkid -p -o value -s PART_ENTRY_TYPE "$p")" "$(jq_of "$j" "$e.part_type")"
done
t_eq "gpt p1: fs is ext4 labelled Accounting" "ext4 Accounting data" \
    "$(jq_of "$j" '.[0].content[0] | "\(.fs_type) \(.label) \(.part_name)"')"
t_eq "gpt p2: fs is vfat labelled SOUMU" "vfat SOUMU acct" \
    "$(jq_of "$j" '.[0].content[1] | "\(.fs_type) \(.label) \(.part_name)"')"
t_eq "gpt: not protected" false "$(jq_of "$j" '.[0].protected')"
t_eq "gpt: no protected_reason" null "$(jq_of "$j" '.[0].protected_reason')"

echo "# the same disk with a partition mounted"
t_mount "${gpt}p1" "$T_DIR/mnt-gpt"
j=$(list_json "$gpt")
t_eq "gpt mounted: protected" true "$(jq_of "$j" '.[0].protected')"
t_match "gpt mounted: reason names the partition and mount point" \
    "${gpt}p1 is mounted at $T_DIR/mnt-gpt" "$(jq_of "$j" '.[0].protected_reason')"

echo "# a blank disk"
t_loop "$(t_file blank.img 32M)"; blank=$T_LOOP
j=$(list_json "$blank")
t_eq "blank: size_bytes" $((32 << 20)) "$(jq_of "$j" '.[0].size_bytes')"
t_eq "blank: no partition table" null "$(jq_of "$j" '.[0].partition_table')"
t_eq "blank: empty content" 0 "$(jq_of "$j" '.[0].content | length')"
t_eq "blank: not protected" false "$(jq_of "$j" '.[0].protected')"

echo "# a mounted whole-disk file system"
mnt_img=$(t_file mounted.img 32M)
mkfs.ext4 -q -L MOUNTED "$mnt_img"
t_loop "$mnt_img"; mounted=$T_LOOP
t_mount "$mounted" "$T_DIR/mnt whole"
j=$(list_json "$mounted")
t_eq "mounted: whole-device fs entry" "null ext4 MOUNTED" \
    "$(jq_of "$j" '.[0].content[0] | "\(.number) \(.fs_type) \(.label)"')"
t_eq "mounted: protected" true "$(jq_of "$j" '.[0].protected')"
t_match "mounted: reason" "^$mounted is mounted at $T_DIR/mnt whole" "$(jq_of "$j" '.[0].protected_reason')"

echo "# an active swap disk"
swap_img=$(t_file swap.img 32M)
t_loop "$swap_img"; swap=$T_LOOP
mkswap -q -L KESUSWAP "$swap" >/dev/null
t_swapon "$swap"
j=$(list_json "$swap")
t_eq "swap: content is swap" "swap KESUSWAP" "$(jq_of "$j" '.[0].content[0] | "\(.fs_type) \(.label)"')"
t_eq "swap: protected" true "$(jq_of "$j" '.[0].protected')"
t_eq "swap: reason" "$swap is active swap" "$(jq_of "$j" '.[0].protected_reason')"

echo "# a loop device stacked on a loop device"
t_loop "$(t_file lower.img 16M)"; lower=$T_LOOP
t_loop "$lower"; upper=$T_LOOP
j=$(list_json "$lower" "$upper")
t_eq "stacked: lower protected" true "$(jq_of "$j" '.[0].protected')"
t_eq "stacked: reason" "$upper is stacked on it" "$(jq_of "$j" '.[0].protected_reason')"
t_eq "stacked: upper free" false "$(jq_of "$j" '.[1].protected')"
t_eq "stacked: upper's backing file is the lower device" "$lower" "$(jq_of "$j" '.[1].backing_file')"

echo "# 4096-byte logical sectors"
t_loop "$(t_file 4k.img 32M)" --sector-size 4096; fourk=$T_LOOP
j=$(list_json "$fourk")
t_eq "4k: logical_sector_bytes" 4096 "$(jq_of "$j" '.[0].logical_sector_bytes')"
t_eq "4k: physical_sector_bytes" "$(blockdev --getpbsz "$fourk")" "$(jq_of "$j" '.[0].physical_sector_bytes')"

echo "# regular files as targets"
img=$(t_file plain.img 10M)
j=$(list_json "$img")
t_eq "file: transport" file "$(jq_of "$j" '.[0].transport')"
t_eq "file: size" $((10 << 20)) "$(jq_of "$j" '.[0].size_bytes')"
t_eq "file: not protected" false "$(jq_of "$j" '.[0].protected')"
j=$(list_json "$gpt_img")
t_eq "file backing a loop: protected" true "$(jq_of "$j" '.[0].protected')"
t_eq "file backing a loop: reason" "backs $gpt" "$(jq_of "$j" '.[0].protected_reason')"
j=$(list_json "$swap_img")
t_eq "file backing the swap loop: protected" true "$(jq_of "$j" '.[0].protected')"

echo "# discovery: every attached disk, this machine's own disk protected"
j=$("$KESU" list --json)
t_eq "list: exit status" 0 $?
for d in "$gpt" "$blank" "$mounted" "$swap" "$fourk"; do
    t_eq "list: finds $d" 1 "$(jq_of "$j" "[.[] | select(.path == \"$d\")] | length")"
done
t_eq "list: no zero-size devices" 0 "$(jq_of "$j" '[.[] | select(.size_bytes == 0)] | length')"
t_eq "list: no RAM disks" 0 "$(jq_of "$j" '[.[] | select(.name | test("^(zram|ram)"))] | length')"
t_eq "list: no partitions" 0 "$(jq_of "$j" "[.[] | select(.path == \"${gpt}p1\")] | length")"
root_src=$(findmnt -no SOURCE /)
if [ -b "$root_src" ]; then
    root_disk=/dev/$(lsblk -no PKNAME "$root_src" 2>/dev/null | head -1)
    [ "$root_disk" = /dev/ ] && root_disk=$root_src
    t_eq "list: own disk $root_disk is protected" true \
        "$(jq_of "$j" ".[] | select(.path == \"$root_disk\") | .protected")"
    t_match "list: own disk's reason" "root file system" \
        "$(jq_of "$j" ".[] | select(.path == \"$root_disk\") | .protected_reason")"
else
    echo "# the root file system is not on a block device here ($root_src); own-disk check not applicable"
fi
t_eq "list: loop over a file on this machine's disk is not protected" false \
    "$(jq_of "$j" ".[] | select(.path == \"$blank\") | .protected")"

human=$("$KESU" list)
t_match "table: shows the GPT disk's labels" "${gpt}.*gpt:.*ext4\"Accounting\".*vfat\"SOUMU\"" "$(grep -F "$gpt " <<<"$human")"
t_match "table: shows protection" "PROTECTED: $swap is active swap" "$human"

echo "# hotplug: --watch sees a disk come and go"
watch_out="$T_DIR/watch.jsonl"
"$KESU" list --watch --json >"$watch_out" 2>&1 &
watch_pid=$!
T_PIDS+=("$watch_pid")
for _ in $(seq 50); do grep -q '"watching"' "$watch_out" && break; sleep 0.1; done
t_loop "$(t_file hot.img 8M)"; hot=$T_LOOP
for _ in $(seq 50); do grep -q "\"add\",\"path\":\"$hot\"" "$watch_out" && break; sleep 0.1; done
t_detach "$hot"
for _ in $(seq 50); do grep -q "\"remove\",\"path\":\"$hot\"" "$watch_out" && break; sleep 0.1; done
t_eq "watch: add event with the disk's size" $((8 << 20)) \
    "$(jq -r "select(.event == \"add\" and .path == \"$hot\") | .disk.size_bytes" "$watch_out" | head -1)"
t_eq "watch: remove event" 1 "$(jq -r "select(.event == \"remove\" and .path == \"$hot\") | .path" "$watch_out" | wc -l)"
t_stop "$watch_pid"
t_eq "watch: every line is JSON" "$(wc -l <"$watch_out")" "$(jq -c . "$watch_out" | wc -l)"

echo "# bad input: one line, exit 2, nothing else affected"
bad() { # DESCRIPTION REGEX ARGS...
    local desc=$1 re=$2; shift 2
    local out err rc
    err=$("$KESU" "$@" 2>&1 >/dev/null); rc=$?
    out=$("$KESU" "$@" 2>/dev/null)
    t_eq "$desc: exit 2" 2 "$rc"
    t_eq "$desc: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
    t_match "$desc: message" "$re" "$err"
    t_eq "$desc: nothing on stdout" "" "$out"
}
bad "unknown option" "unknown option '--bogus'" list --bogus
bad "unknown command" "unknown command 'frobnicate'" frobnicate
bad "missing path" "$T_DIR/nope: no such file or device" list --json "$T_DIR/nope"
bad "directory" "$T_DIR: is a directory" list "$T_DIR"
bad "character device" "/dev/null: not a block device or regular file" list /dev/null
bad "partition" "${gpt}p2: is a partition" list --json "${gpt}p2"
bad "a good and a bad target" "$T_DIR/nope: no such" list --json "$blank" "$T_DIR/nope"
t_loop "$(t_file gone.img 8M)"; gone=$T_LOOP
t_detach "$gone"
bad "a detached (vanished) loop device" "$gone: has no medium" list --json "$gone"
bad "empty file" "has no medium" list "$(t_file empty.img 0)"
t_eq "bad input changed nothing: blank disk still blank" 0 \
    "$(list_json "$blank" | jq '.[0].content | length')"

t_done
