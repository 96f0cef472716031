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
#include <sys/sysmacros.h>

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
                         size_t buf_len)
{
        struct loopback *lb = userdata;
        assert_int_equal(cdb_len, 16);
        assert_int_equal(dir, CMD_DIR_FROM_DEVICE);
        assert_int_equal(buf_len, 512);
        memcpy(lb->last_cdb, cdb, 16);
        lb->n_scsi++;
        make_ata_ssd(buf);
        return 0;
}

static int loopback_nvme(void *userdata, struct nvme_admin_cmd *cmd)
{
        struct loopback *lb = userdata;
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
                        size_t buf_len)
{
        (void)userdata, (void)cdb, (void)cdb_len, (void)dir, (void)buf, (void)buf_len;
        return -EIO;
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
        assert_int_equal(ata_identify(&t, &ata), -EIO);
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
        };
        return cmocka_run_group_tests_name("wiper", tests, NULL, NULL);
}
