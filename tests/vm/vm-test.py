#!/usr/bin/env python3
"""Boot the kesu image in QEMU (TCG) with a virtio, an NVMe, a SATA (AHCI), a SCSI (virtio-scsi)
and a USB disk plus the KESU-DATA and KESU-EXPORT sticks, run the image's scripted disposal
(kesu.autotest=1 + a marker on KESU-DATA) or its hotplug check, and check the outcome on the host.

  vm-test.py --iso OUT.iso [--build] --firmware bios|uefi --mode disposal|hotplug --kesu HOST_KESU
             [--artifacts DIR] [--timeout SECONDS]

Needs root only for --build (image/build). Exit 0 pass, 1 fail, 77 skip (tools missing, not CI).
"""
import argparse, fcntl, json, os, select, shutil, signal, socket, subprocess, sys, tempfile, time

SRC = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..'))
TARGETS = [  # name, transport kesu must report, qemu device args (drive id filled in)
    ('virtio', 'virtio', 'virtio-blk-pci,drive={d},serial=KV-VIRTIO'),
    ('nvme', 'nvme', 'nvme,drive={d},serial=KVNVME0001'),
    ('sata', 'sata', 'ide-hd,drive={d},bus=ahci0.0,serial=KV-SATA'),
    ('scsi', 'scsi', 'scsi-hd,drive={d},bus=scsi0.0,serial=KV-SCSI'),
    ('usb', 'usb', 'usb-storage,drive={d},bus=xhci0.0,serial=KV-USB'),
]
DISK_MIB = 32
OVMF = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd']


def log(*a):
    print('vm-test:', *a, flush=True)


def skip_or_fail(msg):
    log(msg)
    sys.exit(1 if os.environ.get('CI') == 'true' else 77)


def ensure_iso(iso, build):
    """Build the image once (under a lock: several vm tests share it) when missing or stale."""
    inputs = [os.path.join(dp, f) for top in ('image', 'common', 'wiper', 'verifier', 'certificates', 'ui')
              for dp, _, fs in os.walk(os.path.join(SRC, top)) for f in fs]
    inputs += [os.path.join(SRC, 'meson.build')]
    with open(iso + '.lock', 'w') as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        newest = max(os.path.getmtime(p) for p in inputs if os.path.exists(p))
        if os.path.exists(iso) and os.path.getmtime(iso) >= newest:
            return
        if not build:
            skip_or_fail(f'{iso} missing or older than the tree (run image/build {iso}, or pass --build)')
        if os.geteuid() != 0:
            skip_or_fail('building the image needs root')
        t = time.time()
        log(f'building {iso} (image/build)')
        subprocess.run([os.path.join(SRC, 'image', 'build'), iso], check=True)
        log(f'image built in {time.time() - t:.0f} s, {os.path.getsize(iso) / 1048576:.0f} MiB')


class QMP:
    def __init__(self, path):
        for _ in range(100):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.f = self.s.makefile('rw')
        json.loads(self.f.readline())
        self.cmd('qmp_capabilities')

    def cmd(self, name, **args):
        self.f.write(json.dumps({'execute': name, 'arguments': args}) + '\n')
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if 'return' in r or 'error' in r:
                return r

    def hmp(self, line):
        r = self.cmd('human-monitor-command', **{'command-line': line})
        log(f'monitor: {line} -> {r}')
        return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--iso', required=True)
    ap.add_argument('--build', action='store_true')
    ap.add_argument('--firmware', choices=['bios', 'uefi'], default='bios')
    ap.add_argument('--mode', choices=['disposal', 'hotplug', 'nosticks'], default='disposal')
    ap.add_argument('--boot', choices=['usb', 'cdrom'], default='usb')
    ap.add_argument('--kesu', default=os.path.join(SRC, 'build', 'kesu'))
    ap.add_argument('--artifacts', default=os.environ.get('MESON_BUILD_ROOT', '.') + '/meson-logs')
    ap.add_argument('--timeout', type=int, default=600)
    o = ap.parse_args()

    for tool in ['qemu-system-x86_64', 'mkfs.ext4', 'mkfs.vfat', 'mcopy', 'debugfs']:
        if not shutil.which(tool) and not os.path.exists('/usr/sbin/' + tool):
            skip_or_fail(f'missing tool {tool} (apt-get install qemu-system-x86 ovmf mtools e2fsprogs dosfstools)')
    fw = None
    if o.firmware == 'uefi':
        fw = next((p for p in OVMF if os.path.exists(p)), None)
        if not fw:
            skip_or_fail('missing OVMF (apt-get install ovmf)')
    iso = os.path.abspath(o.iso)
    ensure_iso(iso, o.build)

    tmp = tempfile.mkdtemp(prefix='kesu-vm-')
    qemu = None

    def cleanup(*_):
        if qemu and qemu.poll() is None:
            qemu.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(1)))
    name = f'vm-{o.firmware}-{o.mode}'
    serial_path = os.path.join(tmp, 'serial.log')
    failures = []
    try:
        # Target disks full of non-zero data.
        for t, _, _ in TARGETS + [('hotplug', None, None)]:
            with open(os.path.join(tmp, t + '.img'), 'wb') as f:
                block = (t.encode() * 4096)[:4096]
                for _ in range(DISK_MIB * 256):
                    f.write(block)
        # KESU-DATA (ext4): passphrase and the autotest marker. KESU-EXPORT (vfat).
        dd = os.path.join(tmp, 'data-dir')
        os.mkdir(dd)
        with open(os.path.join(dd, 'passphrase'), 'w') as f:
            f.write('correct horse battery staple vm\n')
        with open(os.path.join(dd, 'kesu-autotest.conf'), 'w') as f:
            f.write(f'MODE={o.mode}\n')
        data = os.path.join(tmp, 'data.img')
        export = os.path.join(tmp, 'export.img')
        subprocess.run(['mkfs.ext4', '-q', '-F', '-L', 'KESU-DATA', '-d', dd, data, f'{DISK_MIB}M'], check=True)
        subprocess.run(['mkfs.vfat', '-n', 'KESU-EXPORT', '-C', export, str(DISK_MIB * 1024)], check=True,
                       stdout=subprocess.DEVNULL)

        cmd = ['qemu-system-x86_64', '-machine', 'q35', '-accel', 'tcg', '-m', '2048', '-smp', '2',
               '-display', 'none', '-vga', 'std', '-serial', 'stdio', '-monitor', 'none',
               '-qmp', f'unix:{tmp}/qmp.sock,server=on,wait=off', '-no-reboot',
               '-nic', 'user,model=virtio-net-pci',
               '-device', 'ahci,id=ahci0', '-device', 'virtio-scsi-pci,id=scsi0',
               '-device', 'qemu-xhci,id=xhci0']
        if fw:
            cmd += ['-bios', fw]
        if o.boot == 'cdrom':
            cmd += ['-drive', f'file={iso},media=cdrom,if=none,id=boot,readonly=on',
                    '-device', 'ide-cd,drive=boot,bus=ide.0,bootindex=0']
        else:
            cmd += ['-drive', f'file={iso},format=raw,if=none,id=boot,readonly=on',
                    '-device', 'usb-storage,drive=boot,bus=xhci0.0,serial=KV-BOOT,bootindex=0']
        for i, (t, _, dev) in enumerate(TARGETS):
            cmd += ['-drive', f'file={tmp}/{t}.img,format=raw,if=none,id=d{i},cache=unsafe',
                    '-device', dev.format(d=f'd{i}')]
        if o.mode == 'nosticks':  # neither KESU-DATA nor KESU-EXPORT: the operator must be told
            pass
        else:
            cmd += ['-drive', f'file={data},format=raw,if=none,id=data', '-device',
                    'usb-storage,drive=data,bus=xhci0.0,serial=KV-DATA',
                    '-drive', f'file={export},format=raw,if=none,id=export', '-device',
                    'usb-storage,drive=export,bus=xhci0.0,serial=KV-EXPORT']
        log(' '.join(cmd))
        t0 = time.time()
        qemu = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        qmp = QMP(f'{tmp}/qmp.sock')
        out = b''
        sent_key = 0
        hot_state = 0
        hot_t = 0
        with open(serial_path, 'wb') as sl:
            while True:
                if time.time() - t0 > o.timeout:
                    failures.append(f'timeout after {o.timeout} s')
                    break
                r, _, _ = select.select([qemu.stdout], [], [], 1)
                if r:
                    chunk = os.read(qemu.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    sl.write(chunk)
                    sl.flush()
                    out += chunk
                # GRUB: pick the autotest entry by its hotkey.
                # GRUB: pick the autotest entry by its hotkey (once its menu is on the serial console).
                if o.mode == 'nosticks':
                    if b'KESU-DATA: MISSING' in out and b'KESU-EXPORT: MISSING' in out:
                        time.sleep(15)  # kesu-console comes up after kesu-storage
                        os.makedirs(o.artifacts, exist_ok=True)
                        shot = os.path.join(o.artifacts, f'{name}-tty1.png')
                        log(f'screendump {shot}: {qmp.cmd("screendump", filename=shot, format="png")}')
                        qmp.cmd('quit')
                        break
                    continue
                if not sent_key and b'autotest' in out:
                    time.sleep(0.5)
                    qemu.stdin.write(b'a')
                    qemu.stdin.flush()
                    sent_key = 1
                    log(f'sent the GRUB hotkey at {time.time() - t0:.0f} s')
                if o.mode == 'hotplug':
                    if hot_state == 0 and b'KESU-AUTOTEST: WATCHING' in out:
                        # what tty1 shows (kmscon or the VT): kept as an artifact
                        os.makedirs(o.artifacts, exist_ok=True)
                        shot = os.path.join(o.artifacts, f'{name}-tty1.png')
                        log(f'screendump {shot}: {qmp.cmd("screendump", filename=shot, format="png")}')
                        time.sleep(3)
                        qmp.hmp(f'drive_add 0 if=none,id=hp0,file={tmp}/hotplug.img,format=raw')
                        qmp.cmd('device_add', driver='scsi-hd', drive='hp0', bus='scsi0.0', id='hpdev',
                                serial='KV-HOTPLUG')
                        log(f'device_add at {time.time() - t0:.0f} s')
                        hot_state, hot_t = 1, time.time()
                    elif hot_state == 1 and time.time() - hot_t > 25:
                        r2 = qmp.cmd('device_del', id='hpdev')
                        log(f'device_del at {time.time() - t0:.0f} s -> {r2}')
                        hot_state = 2
        qemu.wait(timeout=30) if qemu.poll() is None and not failures else None
        log(f'QEMU ran {time.time() - t0:.0f} s')
        text = out.decode('utf-8', 'replace')
        lines = [l.strip() for l in text.splitlines() if 'KESU-AUTOTEST:' in l]
        for l in lines:
            log(l[l.index('KESU-AUTOTEST:'):])
        if o.mode == 'nosticks':
            for what in ('KESU-DATA: MISSING', 'KESU-EXPORT: MISSING'):
                if what not in text:
                    failures.append(f'the console never said {what!r}')
                else:
                    log('console: ' + text[text.index(what):].splitlines()[0])
        else:
            check_autotest(o, tmp, data, export, lines, failures)
    except Exception as e:  # noqa
        failures.append(f'harness error: {e!r}')
    finally:
        if qemu and qemu.poll() is None:
            qemu.kill()
        if failures:
            os.makedirs(o.artifacts, exist_ok=True)
            art = os.path.join(o.artifacts, f'{name}-serial.log')
            if os.path.exists(serial_path):
                shutil.copy(serial_path, art)
                log(f'serial console saved: {art}')
        cleanup()
    for f in failures:
        log('FAIL:', f)
    if not failures:
        log(f'PASS {name}')
    sys.exit(1 if failures else 0)


def check_autotest(o, tmp, data, export, lines, failures):
        if not any('KESU-AUTOTEST: END DONE' in l for l in lines):
            failures.append('the autotest did not end with END DONE')
        net = [l for l in lines if 'KESU-AUTOTEST: network' in l]
        if not net or 'up=[]' not in net[0] or 'tcp_listen=0' not in net[0] or 'udp=0' not in net[0]:
            failures.append(f'network not silent: {net}')

        ex = os.path.join(tmp, 'export-out')
        os.mkdir(ex)
        subprocess.run(['mcopy', '-s', '-n', '-i', export, '::/', ex], check=False)
        if o.mode == 'disposal':
            check_disposal(o, tmp, data, ex, lines, failures)
        else:
            check_hotplug(lines, failures)


def check_disposal(o, tmp, data, ex, lines, failures):
    try:
        disks = json.load(open(os.path.join(ex, 'list.json')))
    except Exception as e:  # noqa
        failures.append(f'no list.json on the export stick: {e!r}')
        return
    by_serial = {d.get('serial'): d for d in disks}
    for t, transport, dev in TARGETS:
        serial = dev.split('serial=')[1]
        d = by_serial.get(serial)
        if not d:
            failures.append(f'{t}: serial {serial} not listed')
            continue
        if d.get('transport') != transport:
            failures.append(f'{t}: transport {d.get("transport")!r}, expected {transport!r}')
        if d.get('protected'):
            failures.append(f'{t}: protected ({d.get("protected_reason")})')
    for serial in ['KV-DATA', 'KV-EXPORT'] + (['KV-BOOT'] if o.boot == 'usb' else []):
        d = by_serial.get(serial)
        if not d or not d.get('protected'):
            failures.append(f'{serial} not listed as protected: {d and d.get("protected_reason")}')
        else:
            log(f'{serial} protected: {d.get("protected_reason")}')
    log('transports listed: ' + ', '.join(sorted({str(d.get("transport")) for d in disks})))
    for t, _, _ in TARGETS:
        img = os.path.join(tmp, t + '.img')
        r = subprocess.run(['cmp', '-n', str(os.path.getsize(img)), img, '/dev/zero'], capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f'{t}.img is not all zeros: {r.stdout.strip()} {r.stderr.strip()}')
        else:
            log(f'{t}.img: all {os.path.getsize(img)} bytes zero')
    if not any(l.endswith('wipe rc=0') for l in lines):
        failures.append('kesu wipe in the VM did not exit 0')
    if not any(l.endswith('cert-verify rc=0') for l in lines):
        failures.append('kesu cert verify in the VM did not exit 0')
    pub = os.path.join(tmp, 'appliance.pub')
    subprocess.run(['debugfs', '-R', f'dump /appliance.pub {pub}', data], capture_output=True)
    certs = os.path.join(ex, 'certificates')
    jsons = [f for f in os.listdir(certs) if f.endswith('.json')] if os.path.isdir(certs) else []
    # The image's version and build (KESU-AUTOTEST: BEGIN image V build B) are in every certificate.
    begin = next((l.split() for l in lines if 'KESU-AUTOTEST: BEGIN image' in l), [])
    want = (begin[-3], begin[-1]) if len(begin) >= 4 else (None, None)
    for j in jsons:
        tool = json.load(open(os.path.join(certs, j))).get('tool', {})
        got = (tool.get('image_version'), tool.get('image_build'))
        if got != want:
            failures.append(f'{j}: tool.image_version/image_build {got}, the image is {want}')
    if jsons:
        log(f'certificates record image {want[0]} build {want[1]}')
    if len(jsons) != len(TARGETS):
        failures.append(f'{len(jsons)} certificates exported, expected {len(TARGETS)}')
    if not os.path.exists(pub):
        failures.append('no appliance.pub on KESU-DATA')
        return
    r = subprocess.run([o.kesu, 'cert', 'verify', '--key', pub, certs], capture_output=True, text=True)
    log('host kesu cert verify: rc=%d\n%s%s' % (r.returncode, r.stdout, r.stderr))
    if r.returncode != 0:
        failures.append('host kesu cert verify failed')


def check_hotplug(lines, failures):
    ev = []
    for l in lines:
        if 'KESU-AUTOTEST: watch ' in l:
            try:
                ev.append(json.loads(l.split('KESU-AUTOTEST: watch ', 1)[1]))
            except ValueError:
                pass
    add = [e for e in ev if e.get('event') == 'add' and e.get('serial') == 'KV-HOTPLUG']
    rem = [e for e in ev if e.get('event') == 'remove']
    if not add:
        failures.append(f'kesu list --watch did not report the added disk: {ev}')
    if not rem:
        failures.append(f'kesu list --watch did not report the removal: {ev}')
    if add and rem and add[0].get('path') not in [e.get('path') for e in rem]:
        failures.append('the removed path is not the added one')


if __name__ == '__main__':
    main()
