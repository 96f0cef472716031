/* SPDX-License-Identifier: MIT */
/*
 * wiper: command builders byte for byte, IDENTIFY decoders on buffers laid out from the specs
 * (ATA ACS-3 §7.12.7, NVMe Base 2.0 Figures 275/280), the loopback transport, classification and
 * the protection rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common.h"
#include "wiper-internal.h"

/* glibc's dev_t encoding as a constant expression (makedev() is a function, unusable in static
 * initialisers); test_dev_encoding checks it against makedev(). */
#define DEV(ma, mi)                                                                                         \
        ((dev_t)((((dev_t)(ma)&0xfffu) << 8) | ((dev_t)(mi)&0xffu) |                                        \
                 (((dev_t)(mi) & ~(dev_t)0xffu) << 12) | (((dev_t)(ma) & ~(dev_t)0xfffu) << 32)))

/* ---- building IDENTIFY buffers the way a device lays them out ------------------------------ */

static void put_word(uint8_t *buf, unsigned w, uint16_t v)
{
        buf[2 * w] = (uint8_t)(v & 0xff);
        buf[2 * w + 1] = (uint8_t)(v >> 8);
}

/* ATA strings: space padded, two characters per word, first character in the word's high byte. */
static void put_ata_string(uint8_t *buf, unsigned w, unsigned n_words, const char *s)
{
        for (unsigned i = 0; i < 2 * n_words; i++) {
                char c = i < strlen(s) ? s[i] : ' ';
                buf[2 * w + (i ^ 1)] = (uint8_t)c;
        }
}

static void seal_checksum(uint8_t *buf)
{
        buf[510] = 0xa5;
        uint8_t sum = 0;
        for (int i = 0; i < 511; i++)
                sum += buf[i];
        buf[511] = (uint8_t)(0 - sum);
}

/* A 2 TB 512e SATA SSD with security, sanitize (crypto+block) and TRIM. */
static void make_ata_ssd(uint8_t *buf)
{
        memset(buf, 0, 512);
        put_word(buf, 0, 0x0040);
        put_ata_string(buf, 10, 10, "S3Z9NB0K123456X");
        put_ata_string(buf, 23, 4, "RVT04B6Q");
        put_ata_string(buf, 27, 20, "Samsung SSD 860 EVO 2TB");
        put_word(buf, 59, 0x1000 | 0x2000 | 0x8000);
        put_word(buf, 60, 0xffff);
        put_word(buf, 61, 0x0fff); /* LBA28 saturates at 0x0fffffff */
        put_word(buf, 82, 0x0002);
        put_word(buf, 83, 0x0400);
        /* 3907029168 sectors = 0xE8E088B0 */
        put_word(buf, 100, 0x88b0);
        put_word(buf, 101, 0xe8e0);
        put_word(buf, 106, 0x6003); /* valid, multiple logical per physical, 2^3 */
        put_word(buf, 108, 0x5002);
        put_word(buf, 109, 0x538e);
        put_word(buf, 110, 0x4000);
        put_word(buf, 111, 0x1234);
        put_word(buf, 128, 0x0029); /* supported, frozen, enhanced erase supported */
        put_word(buf, 169, 0x0001);
        put_word(buf, 217, 0x0001);
        seal_checksum(buf);
}

static void test_ata_identify_cdb(void **state)
{
        (void)state;
        uint8_t cdb[16];
        memset(cdb, 0x55, sizeof cdb);
        ata_build_identify_cdb(cdb);
        /* SAT-4 ATA PASS-THROUGH (16): opcode 85h; PROTOCOL 4 (PIO data-in) in bits 4:1;
         * T_DIR=1, BYTE_BLOCK=1, T_LENGTH=2 (COUNT field); COUNT 1; COMMAND ECh. */
        const uint8_t expected[16] = { 0x85, 0x08, 0x0e, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0xec, 0 };
        assert_memory_equal(cdb, expected, 16);
}

static void test_ata_parse_ssd(void **state)
{
        (void)state;
        uint8_t buf[512];
        make_ata_ssd(buf);
        struct ata_identity id;
        assert_int_equal(ata_parse_identify(buf, &id), 0);
        assert_string_equal(id.model, "Samsung SSD 860 EVO 2TB");
        assert_string_equal(id.serial, "S3Z9NB0K123456X");
        assert_string_equal(id.firmware, "RVT04B6Q");
        assert_true(id.sectors == 3907029168ull);
        assert_int_equal(id.logical_sector_bytes, 512);
        assert_int_equal(id.physical_sector_bytes, 4096);
        assert_true(id.wwn == 0x5002538e40001234ull);
        assert_int_equal(id.rotational, TRISTATE_NO);
        assert_int_equal(id.security_frozen, TRISTATE_YES);
        assert_int_equal(id.capabilities, DISK_CAP_ATA_SECURITY_ERASE |
                                                  DISK_CAP_ATA_ENHANCED_SECURITY_ERASE |
                                                  DISK_CAP_ATA_SANITIZE_CRYPTO |
                                                  DISK_CAP_ATA_SANITIZE_BLOCK | DISK_CAP_ATA_TRIM);
}

static void test_ata_parse_4kn_hdd_lba28(void **state)
{
        (void)state;
        uint8_t buf[512] = { 0 };
        put_ata_string(buf, 10, 10, "WD-WX11A1234567");
        put_ata_string(buf, 27, 20, "WDC WD40EFRX-68N32N0");
        /* no 48-bit support: LBA28 capacity counts */
        put_word(buf, 60, 0x5678);
        put_word(buf, 61, 0x0234);
        put_word(buf, 106, 0x5000); /* valid; logical sector longer than 256 words */
        put_word(buf, 117, 2048);   /* 2048 words = 4096 bytes */
        put_word(buf, 118, 0);
        put_word(buf, 217, 5400);
        /* no integrity word (low byte not A5h): accepted as is */
        struct ata_identity id;
        assert_int_equal(ata_parse_identify(buf, &id), 0);
        assert_true(id.sectors == 0x02345678ull);
        assert_int_equal(id.logical_sector_bytes, 4096);
        assert_int_equal(id.physical_sector_bytes, 4096);
        assert_int_equal(id.rotational, TRISTATE_YES);
        assert_true(id.wwn == 0);
        assert_int_equal(id.capabilities, 0);
        assert_int_equal(id.security_frozen, TRISTATE_UNKNOWN);
        assert_string_equal(id.model, "WDC WD40EFRX-68N32N0");
}

static void test_ata_parse_rejects(void **state)
{
        (void)state;
        uint8_t buf[512];
        struct ata_identity id;
        make_ata_ssd(buf);
        buf[54] ^= 0x01; /* one bit of the model flipped after sealing */
        assert_int_equal(ata_parse_identify(buf, &id), -EBADMSG);
        make_ata_ssd(buf);
        put_word(buf, 0, 0x85c0); /* ATAPI */
        seal_checksum(buf);
        assert_int_equal(ata_parse_identify(buf, &id), -EMEDIUMTYPE);
}

/* ---- NVMe ------------------------------------------------------------------------------------- */

static void put_bytes_str(uint8_t *buf, size_t off, size_t n, const char *s)
{
        memset(buf + off, ' ', n);
        memcpy(buf + off, s, strlen(s));
}

static void make_nvme_ctrl(uint8_t *buf)
{
        memset(buf, 0, 4096);
        buf[0] = 0x36; /* VID 1B36h (QEMU) */
        buf[1] = 0x1b;
        put_bytes_str(buf, 4, 20, "deadbeef");
        put_bytes_str(buf, 24, 40, "QEMU NVMe Ctrl");
        put_bytes_str(buf, 64, 8, "8.0.0");
        buf[256] = 0x02; /* OACS: Format NVM */
        buf[328] = 0x03; /* SANICAP: crypto erase, block erase */
        buf[524] = 0x04; /* FNA: crypto erase supported */
}

static void make_nvme_ns(uint8_t *buf)
{
        memset(buf, 0, 4096);
        buf[0] = 0x00; /* NSZE = 0x20000 blocks */
        buf[1] = 0x00;
        buf[2] = 0x02;
        buf[25] = 1;       /* NLBAF: two formats (zero-based) */
        buf[26] = 0x01;    /* FLBAS: format 1 in use */
        buf[128 + 2] = 9;  /* LBAF0: 512 B */
        buf[132 + 2] = 12; /* LBAF1: 4096 B */
        const uint8_t eui[8] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a };
        memcpy(buf + 120, eui, 8);
}

static void test_nvme_identify_cmd(void **state)
{
        (void)state;
        struct nvme_admin_cmd cmd;
        uint8_t buf[4096];
        memset(&cmd, 0x55, sizeof cmd);
        nvme_build_identify(&cmd, NVME_CNS_NAMESPACE, 7, buf);
        assert_int_equal(cmd.opcode, 0x06);
        assert_int_equal(cmd.nsid, 7);
        assert_int_equal(cmd.cdw10, 0x00);
        assert_int_equal(cmd.cdw11, 0);
        assert_int_equal(cmd.data_len, 4096);
        assert_true(cmd.addr == (uint64_t)(uintptr_t)buf);
        assert_int_equal(cmd.flags, 0);
        nvme_build_identify(&cmd, NVME_CNS_CONTROLLER, 0, buf);
        assert_int_equal(cmd.cdw10, 0x01);
        assert_int_equal(cmd.nsid, 0);
}

static void test_nvme_parse(void **state)
{
        (void)state;
        uint8_t buf[4096];
        struct nvme_ctrl_identity c;
        make_nvme_ctrl(buf);
        assert_int_equal(nvme_parse_identify_ctrl(buf, &c), 0);
        assert_int_equal(c.pci_vendor_id, 0x1b36);
        assert_string_equal(c.serial, "deadbeef");
        assert_string_equal(c.model, "QEMU NVMe Ctrl");
        assert_string_equal(c.firmware, "8.0.0");
        assert_int_equal(c.capabilities, DISK_CAP_NVME_FORMAT | DISK_CAP_NVME_FORMAT_CRYPTO |
                                                 DISK_CAP_NVME_SANITIZE_CRYPTO |
                                                 DISK_CAP_NVME_SANITIZE_BLOCK);

        struct nvme_ns_identity ns;
        make_nvme_ns(buf);
        assert_int_equal(nvme_parse_identify_ns(buf, &ns), 0);
        assert_true(ns.size_blocks == 0x20000);
        assert_int_equal(ns.block_bytes, 4096);
        assert_true(ns.has_eui64);
        assert_false(ns.has_nguid);
        assert_int_equal(ns.eui64[7], 0x9a);

        buf[26] = 0x03; /* format 3 does not exist */
        assert_int_equal(nvme_parse_identify_ns(buf, &ns), -EINVAL);

        memset(buf, 0, 4096);
        assert_int_equal(nvme_parse_identify_ctrl(buf, &c), -EBADMSG);
}

/* ---- the loopback transport: a scripted device ---------------------------------------------- */

struct loopback {
        uint8_t last_cdb[16];
        int n_scsi;
        int n_nvme;
        uint32_t last_nsid;
};

static int loopback_scsi(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                         size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret)
{
        struct loopback *lb = userdata;
        *ret = (struct cmd_reply){ 0 };
        assert_true(timeout_ms > 0 && timeout_ms <= 60000);
        assert_int_equal(cdb_len, 16);
        assert_int_equal(dir, CMD_DIR_FROM_DEVICE);
        assert_int_equal(buf_len, 512);
        memcpy(lb->last_cdb, cdb, 16);
        lb->n_scsi++;
        make_ata_ssd(buf);
        return 0;
}

static int loopback_nvme(void *userdata, struct nvme_admin_cmd *cmd, struct cmd_reply *ret)
{
        struct loopback *lb = userdata;
        *ret = (struct cmd_reply){ 0 };
        lb->n_nvme++;
        assert_int_equal(cmd->opcode, NVME_ADMIN_IDENTIFY);
        assert_int_equal(cmd->data_len, 4096);
        void *buf = (void *)(uintptr_t)cmd->addr;
        if (cmd->cdw10 == NVME_CNS_CONTROLLER)
                make_nvme_ctrl(buf);
        else {
                lb->last_nsid = cmd->nsid;
                make_nvme_ns(buf);
        }
        return 0;
}

static int failing_scsi(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                        size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret)
{
        (void)userdata, (void)cdb, (void)cdb_len, (void)dir, (void)buf, (void)buf_len, (void)timeout_ms;
        /* CHECK CONDITION, ILLEGAL REQUEST / INVALID FIELD IN CDB, fixed format */
        *ret = (struct cmd_reply){ .scsi_status = SCSI_STATUS_CHECK_CONDITION, .sense_len = 18,
                                   .driver_status = 0x08 };
        ret->sense[0] = 0x70, ret->sense[2] = 0x05, ret->sense[7] = 10, ret->sense[12] = 0x24;
        return 0;
}

static void test_loopback_transport(void **state)
{
        (void)state;
        struct loopback lb = { 0 };
        struct cmd_transport t = { .scsi = loopback_scsi, .nvme_admin = loopback_nvme, .userdata = &lb };

        struct ata_identity ata;
        assert_int_equal(ata_identify(&t, &ata), 0);
        assert_int_equal(lb.n_scsi, 1);
        assert_int_equal(lb.last_cdb[0], 0x85);
        assert_int_equal(lb.last_cdb[14], 0xec);
        assert_string_equal(ata.serial, "S3Z9NB0K123456X");

        struct nvme_ctrl_identity c;
        struct nvme_ns_identity ns;
        assert_int_equal(nvme_identify(&t, 1, &c, &ns), 0);
        assert_int_equal(lb.n_nvme, 2);
        assert_int_equal(lb.last_nsid, 1);
        assert_string_equal(c.model, "QEMU NVMe Ctrl");
        assert_int_equal(ns.block_bytes, 4096);

        t.scsi = failing_scsi;
        memset(&ata, 0x77, sizeof ata);
        assert_int_equal(ata_identify(&t, &ata), -EREMOTEIO);
        assert_int_equal((unsigned char)ata.model[0], 0x77); /* untouched on failure */
}

/* ---- classification ---------------------------------------------------------------------------- */

static void test_transport_from_syspath(void **state)
{
        (void)state;
        static const struct {
                const char *name, *syspath;
                enum disk_transport expected;
        } cases[] = {
                { "sda", "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda",
                  DISK_TRANSPORT_SATA },
                { "sdb",
                  "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/"
                  "sdb",
                  DISK_TRANSPORT_USB },
                { "sdc",
                  "/sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/host7/port-7:0/end_device-7:0/"
                  "target7:0:0/7:0:0:0/block/sdc",
                  DISK_TRANSPORT_SAS },
                { "sdd", "/sys/devices/pci0000:00/0000:00:05.0/virtio2/host2/target2:0:0/2:0:0:0/block/sdd",
                  DISK_TRANSPORT_SCSI },
                { "vda", "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda", DISK_TRANSPORT_VIRTIO },
                { "nvme0n1", "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1",
                  DISK_TRANSPORT_NVME },
                { "mmcblk0", "/sys/devices/platform/mmc0/mmc_host/mmc0/mmc0:0001/block/mmcblk0",
                  DISK_TRANSPORT_MMC },
                { "loop3", "/sys/devices/virtual/block/loop3", DISK_TRANSPORT_LOOP },
                { "xyz0", "/sys/devices/virtual/block/xyz0", DISK_TRANSPORT_UNKNOWN },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_int_equal(disk_transport_from_syspath(cases[i].name, cases[i].syspath),
                                 cases[i].expected);
        assert_string_equal(disk_transport_to_string(DISK_TRANSPORT_NVME), "nvme");
        assert_string_equal(disk_transport_to_string(99), "unknown");
}

static void test_candidates(void **state)
{
        (void)state;
        assert_true(disk_is_candidate("sda", "disk", 1 << 20, false, false));
        assert_true(disk_is_candidate("loop0", "disk", 1 << 20, false, false));
        assert_true(disk_is_candidate("mmcblk0", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("sda1", "partition", 1 << 20, false, false));
        assert_false(disk_is_candidate("loop1", "disk", 0, false, false));
        assert_false(disk_is_candidate("sr0", "disk", 1 << 20, true, false));
        assert_false(disk_is_candidate("zram0", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("ram0", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("dm-0", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("md127", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("mmcblk0boot0", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("mmcblk0rpmb", "disk", 1 << 20, false, false));
        assert_false(disk_is_candidate("nvme0c0n1", "disk", 1 << 20, false, true));
}

static void test_capability_names(void **state)
{
        (void)state;
        assert_string_equal(disk_capability_to_string(DISK_CAP_ATA_SANITIZE_CRYPTO), "ata-sanitize-crypto");
        assert_string_equal(disk_capability_to_string(DISK_CAP_NVME_SANITIZE_OVERWRITE),
                            "nvme-sanitize-overwrite");
        assert_null(disk_capability_to_string(DISK_CAP_ATA_TRIM | DISK_CAP_NVME_FORMAT));
        for (unsigned i = 0; i < _DISK_CAP_COUNT; i++)
                assert_non_null(disk_capability_to_string(1u << i));
}

/* ---- protection rules -------------------------------------------------------------------------- */

static void test_mountinfo_line(void **state)
{
        (void)state;
        struct sys_mount m;
        assert_int_equal(mountinfo_parse_line("36 35 7:1 / /mnt/with\\040space rw,noatime shared:1 - ext4 "
                                              "/nonexistent/dev/loop0p1 rw\n",
                                              &m),
                         0);
        assert_true(m.devnum == makedev(7, 1));
        assert_string_equal(m.target, "/mnt/with space");
        assert_string_equal(m.source, "/nonexistent/dev/loop0p1");
        assert_true(m.source_devnum == 0);
        free(m.source);
        free(m.target);
        assert_int_equal(mountinfo_parse_line("garbage", &m), -EINVAL);
}

/* A fabricated system: / on vda (254:0), sdb1 (8:17) mounted at /data, sdc (8:32) as swap,
 * a swap file and a loop device backed by a file, dm-0 (253:0) stacked on sdd (8:48). */
static struct system_state fake_system(void)
{
        static struct sys_mount mounts[] = {
                { .devnum = DEV(254, 0), .source = "/dev/vda", .target = "/" },
                { .devnum = DEV(8, 17), .source = "/dev/sdb1", .target = "/data" },
                { .devnum = DEV(253, 0), .source = "/dev/mapper/vg-lv", .target = "/srv" },
                { .devnum = DEV(0, 40),
                  .source = "/dev/sde",
                  .source_devnum = DEV(8, 64),
                  .target = "/btr" },
        };
        static struct sys_swap swaps[] = {
                { .path = "/dev/sdc", .is_block_device = true, .devnum = DEV(8, 32) },
                { .path = "/swapfile", .is_block_device = false, .devnum = DEV(254, 0), .inode = 12 },
        };
        static struct sys_loop loops[] = {
                { .devnum = DEV(7, 0),
                  .name = "loop0",
                  .backing_path = "/images/a.img",
                  .backing_devnum = DEV(254, 0),
                  .backing_inode = 99 },
        };
        static dev_t boot[] = { DEV(8, 81) };
        return (struct system_state){ .mounts = mounts,
                                      .n_mounts = ELEMENTSOF(mounts),
                                      .swaps = swaps,
                                      .n_swaps = ELEMENTSOF(swaps),
                                      .loops = loops,
                                      .n_loops = ELEMENTSOF(loops),
                                      .root_devnum = DEV(254, 0),
                                      .boot_devnums = boot,
                                      .n_boot_devnums = ELEMENTSOF(boot) };
}

static void evaluate(const struct disk_stack *st, int excl_error, struct disk_protection *p)
{
        struct system_state s = fake_system();
        struct disk_identity id = { .is_block_device = true,
                                    .devnum = st->devnums[0],
                                    .name = st->names[0] };
        assert_int_equal(disk_protection_evaluate(&s, &id, st, excl_error, p), 0);
}

#define STACK(n_parts, ...)                                                                                 \
        ({                                                                                                  \
                static char *names_[] = { __VA_ARGS__ };                                                    \
                (struct disk_stack){ .names = names_, .n = ELEMENTSOF(names_), .n_partitions = (n_parts) }; \
        })

static void test_dev_encoding(void **state)
{
        (void)state;
        assert_true(DEV(8, 17) == makedev(8, 17));
        assert_true(DEV(259, 300) == makedev(259, 300));
        assert_true(DEV(4095, 1048575) == makedev(4095, 1048575));
}

static void test_protection_rules(void **state)
{
        (void)state;
        struct disk_protection p;

        dev_t vda[] = { makedev(254, 0) };
        struct disk_stack st = STACK(0, "vda");
        st.devnums = vda;
        evaluate(&st, -EBUSY, &p);
        assert_true(p.is_protected);
        assert_non_null(strstr(p.reason, "/dev/vda holds the running root file system (/)"));
        /* the busy open is explained by the real reason, not repeated */
        assert_null(strstr(p.reason, "exclusively"));
        disk_protection_done(&p);

        dev_t sdb[] = { makedev(8, 16), makedev(8, 17), makedev(8, 18) };
        st = STACK(2, "sdb", "sdb1", "sdb2");
        st.devnums = sdb;
        evaluate(&st, 0, &p);
        assert_true(p.is_protected);
        assert_string_equal(p.reason, "/dev/sdb1 is mounted at /data");
        disk_protection_done(&p);

        dev_t sdc[] = { makedev(8, 32) };
        st = STACK(0, "sdc");
        st.devnums = sdc;
        evaluate(&st, 0, &p);
        assert_string_equal(p.reason, "/dev/sdc is active swap");
        disk_protection_done(&p);

        /* LVM: a dm device stacked on sdd1, mounted */
        dev_t sdd[] = { makedev(8, 48), makedev(8, 49), makedev(253, 0) };
        st = STACK(1, "sdd", "sdd1", "dm-0");
        st.devnums = sdd;
        evaluate(&st, 0, &p);
        assert_true(p.is_protected);
        assert_non_null(strstr(p.reason, "/dev/dm-0 is mounted at /srv"));
        assert_non_null(strstr(p.reason, "/dev/dm-0 is stacked on it"));
        disk_protection_done(&p);

        /* btrfs reports an anonymous device; the mount's source names the disk */
        dev_t sde[] = { makedev(8, 64) };
        st = STACK(0, "sde");
        st.devnums = sde;
        evaluate(&st, 0, &p);
        assert_string_equal(p.reason, "/dev/sde is mounted at /btr");
        disk_protection_done(&p);

        dev_t sdf[] = { makedev(8, 80), makedev(8, 81) };
        st = STACK(1, "sdf", "sdf1");
        st.devnums = sdf;
        evaluate(&st, 0, &p);
        assert_string_equal(p.reason, "/dev/sdf1 holds the boot medium");
        disk_protection_done(&p);

        /* nothing uses it, but someone holds it exclusively */
        dev_t sdg[] = { makedev(8, 96) };
        st = STACK(0, "sdg");
        st.devnums = sdg;
        evaluate(&st, -EBUSY, &p);
        assert_string_equal(p.reason, "opened exclusively by another program");
        disk_protection_done(&p);

        /* the device refuses to be opened at all (a sandbox, a locked-down kernel) */
        evaluate(&st, -EPERM, &p);
        assert_true(p.is_protected);
        assert_string_equal(p.reason, "cannot be opened exclusively (Operation not permitted)");
        disk_protection_done(&p);

        /* free */
        evaluate(&st, 0, &p);
        assert_false(p.is_protected);
        assert_null(p.reason);
        disk_protection_done(&p);
}

static void test_protection_files(void **state)
{
        (void)state;
        struct system_state s = fake_system();
        struct disk_stack none = { 0 };
        struct disk_protection p;

        struct disk_identity swapfile = { .file_devnum = makedev(254, 0), .file_inode = 12 };
        assert_int_equal(disk_protection_evaluate(&s, &swapfile, &none, 0, &p), 0);
        assert_string_equal(p.reason, "is active swap");
        disk_protection_done(&p);

        struct disk_identity backing = { .file_devnum = makedev(254, 0), .file_inode = 99 };
        assert_int_equal(disk_protection_evaluate(&s, &backing, &none, 0, &p), 0);
        assert_string_equal(p.reason, "backs /dev/loop0");
        disk_protection_done(&p);

        struct disk_identity other = { .file_devnum = makedev(254, 0), .file_inode = 100 };
        assert_int_equal(disk_protection_evaluate(&s, &other, &none, 0, &p), 0);
        assert_false(p.is_protected);
}

/* LOOP_GET_STATUS64 reports devices in the kernel's new_encode_dev() form: (minor & 0xff) |
 * major << 8 | (minor & ~0xff) << 12 (include/linux/kdev_t.h), computed here by hand. */
static void test_kernel_dev_decode(void **state)
{
        (void)state;
        assert_true(kernel_dev_decode(0x0701) == makedev(7, 1));
        assert_true(kernel_dev_decode(0x0811) == makedev(8, 17));
        /* 259:300 → 0x2c | 0x10300 | 0x100 << 12 */
        assert_true(kernel_dev_decode(0x11032c) == makedev(259, 300));
        /* 4095:1048575 → 0xff | 0xfff00 | 0xfff00 << 12 */
        assert_true(kernel_dev_decode(0xfffffffful) == makedev(4095, 1048575));
}

static void test_loop_backing(void **state)
{
        (void)state;
        /* losetup /dev/loop1 over /dev/loop0: the backing "file" is a block device node (rdev set) */
        struct sys_loop over_block = { .devnum = DEV(7, 1), .name = "loop1" };
        sys_loop_set_backing(&over_block, 0x0005, 17, 0x0700);
        assert_true(over_block.backing_is_block_device);
        assert_true(over_block.backing_devnum == makedev(7, 0));
        assert_true(sys_loop_is_on(&over_block, makedev(7, 0)));
        assert_false(sys_loop_is_on(&over_block, makedev(7, 2)));
        assert_false(sys_loop_backs_file(&over_block, makedev(0, 5), 17));

        /* losetup over an image file (inode 4242 on 8:17) */
        struct sys_loop over_file = { .devnum = DEV(7, 2), .name = "loop2" };
        sys_loop_set_backing(&over_file, 0x0811, 4242, 0);
        assert_false(over_file.backing_is_block_device);
        assert_true(sys_loop_backs_file(&over_file, makedev(8, 17), 4242));
        assert_false(sys_loop_backs_file(&over_file, makedev(8, 17), 4243));
        assert_false(sys_loop_backs_file(&over_file, makedev(8, 18), 4242));
        /* its file lives on sdb1: the loop device sits on sdb1 (and so on sdb) */
        assert_true(sys_loop_is_on(&over_file, makedev(8, 17)));
        assert_false(sys_loop_is_on(&over_file, 0));
}

/* What the re-check before the first write sees after a loop device was attached over the target
 * loop0 and mounted: loop9 backed by loop0, mounted at /mnt/x. */
static void test_protection_loop_over_target(void **state)
{
        (void)state;
        static struct sys_mount mounts[] = {
                { .devnum = DEV(7, 9), .source = "/dev/loop9", .target = "/mnt/x" },
        };
        struct system_state s = { .mounts = mounts, .n_mounts = ELEMENTSOF(mounts) };
        dev_t devs[] = { makedev(7, 0), makedev(7, 9) };
        char *names[] = { "loop0", "loop9" };
        struct disk_stack st = { .devnums = devs, .names = names, .n = 2, .n_partitions = 0 };
        struct disk_identity id = { .is_block_device = true, .devnum = devs[0], .name = "loop0" };
        struct disk_protection p;
        /* 0: the job itself holds the exclusive open */
        assert_int_equal(disk_protection_evaluate(&s, &id, &st, 0, &p), 0);
        assert_true(p.is_protected);
        assert_string_equal(p.reason, "/dev/loop9 is mounted at /mnt/x; /dev/loop9 is stacked on it");
        disk_protection_done(&p);

        /* attached but not mounted: still stacked on it */
        s.n_mounts = 0;
        assert_int_equal(disk_protection_evaluate(&s, &id, &st, 0, &p), 0);
        assert_string_equal(p.reason, "/dev/loop9 is stacked on it");
        disk_protection_done(&p);
}

static void test_status_names(void **state)
{
        (void)state;
        assert_string_equal(wipe_status_to_string(WIPE_STATUS_PROTECTED), "protected");
        assert_string_equal(wipe_status_to_string(WIPE_STATUS_NO_SPACE), "no-space");
        assert_string_equal(wipe_status_to_string(WIPE_STATUS_IDENTITY_CHANGED), "identity-changed");
        assert_string_equal(wipe_status_to_string((enum wipe_status)99), "unknown");
}

/* ---- patterns ---------------------------------------------------------------------------------- */

static void hex_to_bytes(const char *hex, uint8_t *out)
{
        for (size_t i = 0; hex[2 * i]; i++) {
                char two[3] = { hex[2 * i], hex[2 * i + 1], 0 };
                out[i] = (uint8_t)strtoul(two, NULL, 16);
        }
}

static void test_keystream_vectors(void **state)
{
        (void)state;
        /* AES-128 under the all-zero key of the counter blocks 0, 1 and 2: E(K,0) is GCM's hash key
         * H and E(K,0…01), E(K,0…02) are E(K,Y0) and C of test cases 1 and 2 of the GCM
         * specification (McGrew & Viega), so the keystream at offsets 0, 16, 32 is published. */
        struct wipe_pattern p = { .kind = WIPE_PATTERN_RANDOM };
        struct wipe_pattern_stream *s;
        assert_int_equal(wipe_pattern_stream_new(&p, &s), 0);
        uint8_t got[48], want[48];
        hex_to_bytes("66e94bd4ef8a2c3b884cfa59ca342b2e"
                     "58e2fccefa7e3061367f1d57a4e7455a"
                     "0388dace60b6a392f328c2b971b2fe78",
                     want);
        assert_int_equal(wipe_pattern_fill(s, 0, got, sizeof got), 0);
        assert_memory_equal(got, want, 48);
        /* unaligned offsets land in the middle of a block */
        assert_int_equal(wipe_pattern_fill(s, 21, got, 20), 0);
        assert_memory_equal(got, want + 21, 20);
        wipe_pattern_stream_free(s);
}

static void test_keystream_any_offset(void **state)
{
        (void)state;
        struct wipe_pattern p = { .kind = WIPE_PATTERN_RANDOM };
        for (int i = 0; i < WIPE_KEY_BYTES; i++)
                p.key[i] = (uint8_t)(i * 37 + 1);
        struct wipe_pattern_stream *s;
        assert_int_equal(wipe_pattern_stream_new(&p, &s), 0);
        size_t big = 1 << 20;
        uint8_t *whole = malloc(big), *part = malloc(big);
        assert_non_null(whole);
        assert_non_null(part);
        assert_int_equal(wipe_pattern_fill(s, 0, whole, big), 0);
        /* every slice regenerates on its own, whatever the alignment */
        uint64_t seed = 12345;
        for (int k = 0; k < 200; k++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                size_t off = (size_t)(seed >> 33) % (big - 1);
                size_t len = 1 + (size_t)(seed >> 13) % (big - off < 70000 ? big - off : 70000);
                assert_int_equal(wipe_pattern_fill(s, off, part, len), 0);
                assert_memory_equal(part, whole + off, len);
        }
        /* a different key is a different stream */
        struct wipe_pattern q = p;
        q.key[0] ^= 1;
        struct wipe_pattern_stream *t;
        assert_int_equal(wipe_pattern_stream_new(&q, &t), 0);
        assert_int_equal(wipe_pattern_fill(t, 0, part, 64), 0);
        assert_memory_not_equal(part, whole, 64);
        wipe_pattern_stream_free(t);
        wipe_pattern_stream_free(s);
        free(whole);
        free(part);
}

static void test_fixed_patterns(void **state)
{
        (void)state;
        struct wipe_pattern p;
        struct wipe_pattern_stream *s;
        uint8_t buf[100];

        assert_int_equal(wipe_pattern_parse("0x924924", NULL, &p), 0);
        assert_int_equal(p.n_bytes, 3);
        assert_int_equal(wipe_pattern_stream_new(&p, &s), 0);
        /* the byte at device offset o is bytes[o % 3], also from an offset that is not a multiple */
        assert_int_equal(wipe_pattern_fill(s, 1000001, buf, sizeof buf), 0);
        for (size_t i = 0; i < sizeof buf; i++)
                assert_int_equal(buf[i], p.bytes[(1000001 + i) % 3]);
        assert_int_equal(wipe_pattern_fill(s, 7, buf, 2), 0);
        assert_int_equal(buf[0], 0x49);
        assert_int_equal(buf[1], 0x24);
        wipe_pattern_stream_free(s);

        assert_int_equal(wipe_pattern_parse("one", NULL, &p), 0);
        assert_int_equal(wipe_pattern_stream_new(&p, &s), 0);
        assert_int_equal(wipe_pattern_fill(s, 3, buf, sizeof buf), 0);
        for (size_t i = 0; i < sizeof buf; i++)
                assert_int_equal(buf[i], 0xff);
        wipe_pattern_stream_free(s);
}

static void test_pattern_parse(void **state)
{
        (void)state;
        struct wipe_pattern p, c;
        char d[128];
        assert_int_equal(wipe_pattern_parse("zero", NULL, &p), 0);
        assert_string_equal(wipe_pattern_describe(&p, d, sizeof d), "0x00");
        assert_int_equal(wipe_pattern_parse("0xAA55", NULL, &p), 0);
        assert_string_equal(wipe_pattern_describe(&p, d, sizeof d), "0xaa 0x55");
        assert_int_equal(wipe_pattern_parse("comp", &p, &c), 0);
        assert_string_equal(wipe_pattern_describe(&c, d, sizeof d), "0x55 0xaa");
        assert_int_equal(wipe_pattern_parse("~0x0f", NULL, &c), 0);
        assert_string_equal(wipe_pattern_describe(&c, d, sizeof d), "0xf0");
        assert_int_equal(wipe_pattern_parse("random", NULL, &p), 0);
        assert_int_equal(p.kind, WIPE_PATTERN_RANDOM);
        assert_string_equal(wipe_pattern_describe(&p, d, sizeof d), "random");
        assert_int_equal(wipe_pattern_parse("0x00112233445566778899aabbccddeeff", NULL, &p), 0);
        assert_int_equal(p.n_bytes, 16);

        static const char *const bad[] = { "",        "0x",   "0x1",
                                           "0xzz",    "00",   "0x00112233445566778899aabbccddeeff00",
                                           "~random", "ones", "0x 00",
                                           "RANDOM" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(wipe_pattern_parse(bad[i], NULL, &p), -EINVAL);
        assert_int_equal(wipe_pattern_parse("comp", NULL, &c), -EINVAL);
        assert_int_equal(wipe_pattern_parse("random", NULL, &p), 0);
        assert_int_equal(wipe_pattern_parse("comp", &p, &c), -EINVAL);
}

/* ---- methods ------------------------------------------------------------------------------------ */

static void test_method_table(void **state)
{
        (void)state;
        static const struct {
                const char *name;
                size_t n_passes;
        } expected[] = {
                { "zero", 1 },   { "one", 1 },  { "random", 1 }, { "dod3", 3 },     { "dod7", 7 },
                { "hmgis5", 3 }, { "ops2", 7 }, { "bsi", 7 },    { "gutmann", 35 },
        };
        struct wipe_method m;
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                assert_int_equal(wipe_method_lookup(expected[i].name, &m), 0);
                assert_string_equal(m.name, expected[i].name);
                assert_int_equal(m.n_passes, expected[i].n_passes);
        }
        /* every table entry is in the list above and parses */
        const char *name, *desc;
        size_t n = 0;
        size_t n_overwrite = 0;
        for (; (name = wipe_method_name(n, &desc)); n++) {
                assert_int_equal(wipe_method_lookup(name, &m), 0);
                assert_non_null(desc);
                if (m.technique == WIPE_TECHNIQUE_OVERWRITE) {
                        assert_int_equal(n, n_overwrite); /* the overwrites come first */
                        n_overwrite++;
                } else
                        assert_int_equal(m.n_passes, 0);
        }
        assert_int_equal(n_overwrite, ELEMENTSOF(expected));
        /* then every purge command and "purge" itself */
        assert_int_equal(n, ELEMENTSOF(expected) + 11);
        assert_string_equal(wipe_method_name(n - 1, NULL), "purge");
        assert_int_equal(wipe_method_lookup("sanitize-crypto", &m), 0);
        assert_int_equal(m.technique, WIPE_TECHNIQUE_PURGE);
        assert_true(m.purge_method != 0);
        assert_int_equal(wipe_method_lookup("purge", &m), 0);
        assert_int_equal(m.purge_method, 0);

        assert_int_equal(wipe_method_lookup("gutmann", &m), 0);
        for (int i = 0; i < 4; i++) {
                assert_int_equal(m.passes[i].kind, WIPE_PATTERN_RANDOM);
                assert_int_equal(m.passes[31 + i].kind, WIPE_PATTERN_RANDOM);
        }
        const uint8_t p7[] = { 0x92, 0x49, 0x24 }, p31[] = { 0xdb, 0x6d, 0xb6 };
        assert_int_equal(m.passes[6].n_bytes, 3);
        assert_memory_equal(m.passes[6].bytes, p7, 3);
        assert_memory_equal(m.passes[30].bytes, p31, 3);
        for (int b = 0; b < 16; b++) { /* passes 10..25: 0x00, 0x11, …, 0xff */
                assert_int_equal(m.passes[9 + b].n_bytes, 1);
                assert_int_equal(m.passes[9 + b].bytes[0], 0x11 * b);
        }

        assert_int_equal(wipe_method_lookup("dod3", &m), 0);
        assert_int_equal(m.passes[0].bytes[0], 0x00);
        assert_int_equal(m.passes[1].bytes[0], 0xff);
        assert_int_equal(m.passes[2].kind, WIPE_PATTERN_RANDOM);
}

static void test_method_passes(void **state)
{
        (void)state;
        struct wipe_method m;
        assert_int_equal(wipe_method_lookup("passes:random,0x00", &m), 0);
        assert_string_equal(m.name, "passes");
        assert_string_equal(m.spec, "random,0x00");
        assert_int_equal(m.n_passes, 2);
        assert_int_equal(m.passes[0].kind, WIPE_PATTERN_RANDOM);
        assert_int_equal(m.passes[1].kind, WIPE_PATTERN_BYTES);
        assert_int_equal(wipe_method_lookup("passes:0x35,comp,~0x35", &m), 0);
        assert_int_equal(m.passes[1].bytes[0], 0xca);
        assert_int_equal(m.passes[2].bytes[0], 0xca);

        assert_int_equal(wipe_method_lookup("nwipe", &m), -ENOENT);
        assert_int_equal(wipe_method_lookup("passes:", &m), -EINVAL);
        assert_int_equal(wipe_method_lookup("passes:0x00,", &m), -EINVAL);
        assert_int_equal(wipe_method_lookup("passes:0x00,,0xff", &m), -EINVAL);
        assert_int_equal(wipe_method_lookup("passes:0xgg", &m), -EINVAL);
        assert_int_equal(wipe_method_lookup("passes:comp", &m), -EINVAL);
        char many[512] = "passes:";
        for (int i = 0; i < WIPE_MAX_PASSES + 1; i++)
                strcat(many, i ? ",zero" : "zero");
        assert_int_equal(wipe_method_lookup(many, &m), -EINVAL);
}

/* ---- range bookkeeping -------------------------------------------------------------------------- */

static void test_ranges(void **state)
{
        (void)state;
        struct wipe_range_list l = { 0 };
        assert_int_equal(wipe_range_add(&l, 1, 4096, 512, 512), 0);
        assert_int_equal(wipe_range_add(&l, 1, 4608, 512, 512), 0); /* touches: merged */
        assert_int_equal(l.n, 1);
        assert_true(l.ranges[0].first_lba == 8 && l.ranges[0].last_lba == 9);
        assert_int_equal(wipe_range_add(&l, 1, 8192, 1, 512), 0); /* one byte still names its sector */
        assert_int_equal(l.n, 2);
        assert_true(l.ranges[1].first_lba == 16 && l.ranges[1].last_lba == 16);
        assert_int_equal(wipe_range_add(&l, 2, 8704, 512, 512), 0); /* adjacent but another pass */
        assert_int_equal(l.n, 3);
        assert_int_equal(wipe_range_add(&l, 2, 1 << 20, 3 << 20, 4096), 0);
        assert_true(l.ranges[3].first_lba == 256 && l.ranges[3].last_lba == 1023);
        assert_int_equal(wipe_range_add(&l, 2, 0, 0, 512), -EINVAL);
        wipe_range_list_done(&l);
        assert_int_equal(l.n, 0);
}

/* ---- jobs on real files: chunking at the edges, both engines ---------------------------------- */

static void run_file_job(uint64_t size, const char *method_spec, enum wipe_engine_kind engine,
                         uint32_t chunk, unsigned depth)
{
        char path[] = "/tmp/kesu-test-wiper-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        /* start from bytes that no method writes */
        uint8_t junk[4096];
        memset(junk, 0x5a, sizeof junk);
        for (uint64_t o = 0; o < size; o += sizeof junk)
                assert_true(pwrite(fd, junk, size - o < sizeof junk ? (size_t)(size - o) : sizeof junk,
                                   (off_t)o) > 0);

        struct disk_identity id;
        assert_int_equal(disk_identity_read(path, &id), 0);
        struct wipe_method m;
        assert_int_equal(wipe_method_lookup(method_spec, &m), 0);
        struct wipe_options opts = { .engine = engine, .chunk_bytes = chunk, .queue_depth = depth };
        struct wipe_job *j;
        assert_int_equal(wipe_job_new(&id, &m, &opts, &j), 0);
        assert_int_equal(wipe_job_open(j), 0);
        assert_int_equal(wipe_job_start(j), 0);
        wipe_job_wait(j);
        const struct wipe_result *r = wipe_job_result(j);
        assert_int_equal(r->status, WIPE_STATUS_COMPLETED);
        assert_true(wipe_result_is_pass(r));
        assert_true(r->bytes_written == size * m.n_passes);
        assert_int_equal(r->n_unwritten, 0);
        assert_string_equal(r->engine, engine == WIPE_ENGINE_SYNC ? "sync" : "io_uring");

        /* the file holds exactly the last pass, regenerated independently of the job */
        struct wipe_pattern_stream *s;
        assert_int_equal(wipe_pattern_stream_new(&r->passes[m.n_passes - 1].pattern, &s), 0);
        uint8_t *want = malloc(size), *got = malloc(size);
        assert_int_equal(wipe_pattern_fill(s, 0, want, size), 0);
        assert_true(pread(fd, got, size, 0) == (ssize_t)size);
        assert_memory_equal(got, want, size);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true((uint64_t)st.st_size == size); /* never extended */

        free(want);
        free(got);
        wipe_pattern_stream_free(s);
        wipe_job_free(j);
        disk_identity_done(&id);
        close(fd);
        unlink(path);
}

static void test_job_edges(void **state)
{
        (void)state;
        static const enum wipe_engine_kind engines[] = { WIPE_ENGINE_URING, WIPE_ENGINE_SYNC };
        for (size_t e = 0; e < ELEMENTSOF(engines); e++) {
                run_file_job(512, "random", engines[e], 4096, 2);      /* one sector */
                run_file_job(4096 + 512, "zero", engines[e], 4096, 2); /* a chunk and a sector */
                run_file_job(3 * 4096, "passes:0x123456,random", engines[e], 4096, 2); /* exact chunks */
                run_file_job(5 * 4096 + 1000, "dod3", engines[e], 8192, 3); /* odd size: buffered tail */
                run_file_job(700, "one", engines[e], 4096, 1);              /* tail only after one sector */
        }
}

static void test_job_refusals(void **state)
{
        (void)state;
        char path[] = "/tmp/kesu-test-wiper-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 100), 0);
        struct disk_identity id;
        assert_int_equal(disk_identity_read(path, &id), 0);
        struct wipe_method m;
        assert_int_equal(wipe_method_lookup("zero", &m), 0);
        struct wipe_job *j;
        assert_int_equal(wipe_job_new(&id, &m, NULL, &j), 0);
        assert_int_equal(wipe_job_open(j), -ENOSPC); /* smaller than a sector */
        wipe_job_free(j);

        /* the file changed between identification and opening */
        assert_int_equal(ftruncate(fd, 8192), 0);
        disk_identity_done(&id);
        assert_int_equal(disk_identity_read(path, &id), 0);
        assert_int_equal(ftruncate(fd, 4096), 0);
        assert_int_equal(wipe_job_new(&id, &m, NULL, &j), 0);
        assert_int_equal(wipe_job_open(j), -ESTALE);
        wipe_job_free(j);

        /* chunk sizes that O_DIRECT cannot take */
        struct wipe_options bad = { .chunk_bytes = 1000 };
        assert_int_equal(wipe_job_new(&id, &m, &bad, &j), -EINVAL);
        disk_identity_done(&id);
        close(fd);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ata_identify_cdb),
                cmocka_unit_test(test_ata_parse_ssd),
                cmocka_unit_test(test_ata_parse_4kn_hdd_lba28),
                cmocka_unit_test(test_ata_parse_rejects),
                cmocka_unit_test(test_nvme_identify_cmd),
                cmocka_unit_test(test_nvme_parse),
                cmocka_unit_test(test_loopback_transport),
                cmocka_unit_test(test_transport_from_syspath),
                cmocka_unit_test(test_candidates),
                cmocka_unit_test(test_capability_names),
                cmocka_unit_test(test_mountinfo_line),
                cmocka_unit_test(test_dev_encoding),
                cmocka_unit_test(test_protection_rules),
                cmocka_unit_test(test_protection_files),
                cmocka_unit_test(test_kernel_dev_decode),
                cmocka_unit_test(test_loop_backing),
                cmocka_unit_test(test_protection_loop_over_target),
                cmocka_unit_test(test_status_names),
                cmocka_unit_test(test_keystream_vectors),
                cmocka_unit_test(test_keystream_any_offset),
                cmocka_unit_test(test_fixed_patterns),
                cmocka_unit_test(test_pattern_parse),
                cmocka_unit_test(test_method_table),
                cmocka_unit_test(test_method_passes),
                cmocka_unit_test(test_ranges),
                cmocka_unit_test(test_job_edges),
                cmocka_unit_test(test_job_refusals),
        };
        return cmocka_run_group_tests_name("wiper", tests, NULL, NULL);
}
