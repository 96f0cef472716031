#!/usr/bin/env bash
# image/make-stick: the image and, after it, the KESU-DATA partition on one stick — to a stick
# image file and to a loop device (a stick we created), with the refusals. The "image" here is a
# small GPT disk image standing in for the ISO (the vm suite boots the real one from such a stick).
. "$(dirname "$0")/../lib.sh"

t_require losetup sfdisk mkfs.ext4 debugfs blkid partx sha256sum
MAKE_STICK=${KESU_SOURCE:?}/image/make-stick
t_workdir /dev/shm

# a stand-in ISO: 4 MiB, a GPT with one partition (like grub-mkrescue's), data in it
iso=$T_DIR/fake.iso
head -c 4M /dev/urandom >"$iso"
printf 'label: gpt\nstart=64, size=6000, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="ISO"\n' | sfdisk -q "$iso" >/dev/null
mkdir -p "$T_DIR/data"
echo "organization = 石狩市" >"$T_DIR/data/kesu.conf"
part_bytes() { # IMAGE NAME → "start size" in sectors
    sfdisk -J "$1" | python3 -c "import json,sys; p=[x for x in json.load(sys.stdin)['partitiontable']['partitions'] if x.get('name')=='$2'][0]; print(p['start'], p['size'])"
}

echo "# to a stick image file"
out=$("$MAKE_STICK" --data-mib 16 --data-dir "$T_DIR/data" "$iso" "$T_DIR/stick.img" 2>&1); rc=$?
t_eq "file: exit 0" 0 "$rc"
t_match "file: says what it made" "KESU-DATA partition 2 \(16 MiB, ext4\)" "$out"
t_eq "file: the image's partition kept" "64 6000" "$(part_bytes "$T_DIR/stick.img" ISO)"
read -r start size < <(part_bytes "$T_DIR/stick.img" KESU-DATA)
t_eq "file: KESU-DATA after the image, 1 MiB aligned, 16 MiB" "0 32768" "$(( start % 2048 )) $size"
t_eq "file: the image's data untouched (past the GPT)" "$(tail -c +17409 "$iso" | sha256sum)" \
    "$(head -c 4194304 "$T_DIR/stick.img" | tail -c +17409 | sha256sum)"
dd if="$T_DIR/stick.img" of="$T_DIR/part.img" bs=512 skip="$start" count="$size" status=none
t_match "file: ext4 labelled KESU-DATA" 'LABEL="KESU-DATA".*TYPE="ext4"' "$(blkid -p "$T_DIR/part.img")"
t_eq "file: --data-dir copied" "organization = 石狩市" "$(debugfs -R 'cat /kesu.conf' "$T_DIR/part.img" 2>/dev/null)"
t_eq "file: the backup GPT moved to the end (sfdisk sees no problem)" "" \
    "$(sfdisk -l "$T_DIR/stick.img" 2>&1 >/dev/null | grep -i -e backup -e mismatch)"

echo "# to a stick (a loop device over a file we made)"
truncate -s 64M "$T_DIR/dev.img"
t_loop "$T_DIR/dev.img"
dev=$T_LOOP
sum=$(sha256sum <"$dev")
err=$("$MAKE_STICK" "$iso" "$dev" </dev/null 2>&1); rc=$?
t_eq "device without --yes and no terminal: exit 2" 2 "$rc"
t_match "device without --yes: says why" "pass --yes to replace everything on it" "$err"
t_eq "device without --yes: untouched" "$sum" "$(sha256sum <"$dev")"
out=$("$MAKE_STICK" --yes "$iso" "$dev" 2>&1); rc=$?
t_eq "device: exit 0" 0 "$rc"
t_match "device: KESU-DATA is partition 2, the rest of the stick" "KESU-DATA partition 2 \(5[0-9] MiB, ext4\)" "$out"
partx -u "$dev" 2>/dev/null
t_eq "device: blkid finds KESU-DATA on ${dev}p2" "KESU-DATA" "$(blkid -o value -s LABEL "${dev}p2")"
partx -d "$dev" 2>/dev/null

echo "# refusals"
err=$("$MAKE_STICK" "$T_DIR/none.iso" "$T_DIR/x.img" 2>&1); rc=$?
t_eq "missing image: exit 2" 2 "$rc"; t_match "missing image: message" "no image .*none.iso" "$err"
err=$("$MAKE_STICK" --data-mib lots "$iso" "$T_DIR/x.img" 2>&1); rc=$?
t_eq "bad --data-mib: exit 2" 2 "$rc"; t_match "bad --data-mib: message" "whole number of MiB, not 'lots'" "$err"
head -c 1M /dev/zero >"$T_DIR/plain.iso"
err=$("$MAKE_STICK" "$T_DIR/plain.iso" "$T_DIR/x.img" 2>&1); rc=$?
t_eq "not a kesu image: exit 2" 2 "$rc"; t_match "not a kesu image: message" "has no GPT: not a kesu image" "$err"
t_eq "refusals: nothing made" "no" "$([ -e "$T_DIR/x.img" ] && echo yes || echo no)"

t_done
