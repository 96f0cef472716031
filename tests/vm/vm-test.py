#!/usr/bin/env python3
"""Boot the kesu image in QEMU (TCG) with a virtio, an NVMe, a SATA (AHCI), a SCSI (virtio-scsi)
and a USB disk plus the KESU-DATA and KESU-EXPORT sticks, run the image's scripted disposal
(kesu.autotest=1 + a marker on KESU-DATA) or its hotplug check, and check the outcome on the host.

  vm-test.py --iso OUT.iso [--build] --firmware bios|uefi --mode disposal|hotplug --kesu HOST_KESU
             [--artifacts DIR] [--timeout SECONDS]

Needs root only for --build (image/build). Exit 0 pass, 1 fail, 77 skip (tools missing, not CI).
"""
import argparse, fcntl, json, os, re, select, shutil, signal, socket, subprocess, sys, tempfile, time

SRC = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..'))
TARGETS = [  # name, transport kesu must report, qemu device args (drive id filled in)
    ('virtio', 'virtio', 'virtio-blk-pci,drive={d},id=t-virtio,serial=KV-VIRTIO'),
    ('nvme', 'nvme', 'nvme,drive={d},id=t-nvme,serial=KVNVME0001'),
    ('sata', 'sata', 'ide-hd,drive={d},bus=ahci0.0,id=t-sata,serial=KV-SATA'),
    ('scsi', 'scsi', 'scsi-hd,drive={d},bus=scsi0.0,id=t-scsi,serial=KV-SCSI'),
    ('usb', 'usb', 'usb-storage,drive={d},bus=xhci0.0,id=t-usb,serial=KV-USB'),
]
PULLED = 'usb'  # --mode faults: this disk is throttled, and pulled (device_del) while being wiped
PULL_BPS = 1 << 20
EXPORT_FREE_KIB = 150  # --mode faults: room for about one certificate (its PDF is ~90 KB)
DISK_MIB = 32
OVMF = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd']


def serial_of(target):
    dev = next(d for t, _, d in TARGETS if t == target)
    return dev.split('serial=')[1]


def log(*a):
    print('vm-test:', *a, flush=True)


def skip_or_fail(msg):
    log(msg)
    sys.exit(1 if os.environ.get('CI') == 'true' else 77)


def ensure_iso(iso, build):
    """Build the image once (under a lock: several vm tests share it) when missing or stale."""
    inputs = [os.path.join(dp, f) for top in ('image', 'common', 'wiper', 'verifier', 'certificates', 'ui', 'po', 'web')
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
    ap.add_argument('--mode', choices=['disposal', 'faults', 'hotplug', 'nosticks', 'ui'], default='disposal')
    ap.add_argument('--data-partition', action='store_true',
                    help='KESU-DATA as a partition of the boot stick (image/make-stick), not a second stick')
    ap.add_argument('--printer', action='store_true',
                    help='print every certificate on a USB printer (the guest kernel\'s printer gadget)')
    ap.add_argument('--boot', choices=['usb', 'cdrom'], default='usb')
    ap.add_argument('--kesu', default=os.path.join(SRC, 'build', 'kesu'))
    ap.add_argument('--artifacts', default=os.environ.get('MESON_BUILD_ROOT', '.') + '/meson-logs')
    ap.add_argument('--timeout', type=int, default=600)
    ap.add_argument('--script', help='debugging: run this shell script inside the VM (MODE=script), print its output')
    o = ap.parse_args()

    for tool in ['qemu-system-x86_64', 'mkfs.ext4', 'mkfs.vfat', 'mcopy', 'debugfs', 'sfdisk'] + \
            (['pdftoppm', 'zbarimg'] if o.printer else []):
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
            f.write(f'MODE={"script" if o.script else o.mode}\n')
            if o.printer:
                f.write('PRINTER=gadget\n')
            if o.mode == 'faults':
                f.write(f'PULL_SERIAL={serial_of(PULLED)}\n')
            if o.mode == 'hotplug':  # the same boot then runs the drives' own purge commands
                f.write('PURGE=1\n')
        if o.script:
            shutil.copy(o.script, os.path.join(dd, 'kesu-autotest.sh'))
        secrets = ui_prepare_data(o, dd) if o.mode == 'ui' else {}
        data = os.path.join(tmp, 'data.img')
        export = os.path.join(tmp, 'export.img')
        stick = iso
        if o.data_partition:  # one stick: the image and, after it, the KESU-DATA partition
            stick = os.path.join(tmp, 'stick.img')
            subprocess.run([os.path.join(SRC, 'image', 'make-stick'), '--data-mib', str(DISK_MIB), '--data-dir', dd,
                            iso, stick], check=True)
            data = stick
        else:
            subprocess.run(['mkfs.ext4', '-q', '-F', '-L', 'KESU-DATA', '-d', dd, data, f'{DISK_MIB}M'], check=True)
        subprocess.run(['mkfs.vfat', '-n', 'KESU-EXPORT', '-C', export, str(DISK_MIB * 1024)], check=True,
                       stdout=subprocess.DEVNULL)
        if o.mode == 'faults':  # an export stick that is nearly full
            free = int(re.search(r'([\d ]+) bytes free', subprocess.run(
                ['mdir', '-i', export, '::'], capture_output=True, text=True).stdout).group(1).replace(' ', ''))
            filler = os.path.join(tmp, 'filler')
            with open(filler, 'wb') as f:
                f.truncate(free - EXPORT_FREE_KIB * 1024)
            subprocess.run(['mcopy', '-i', export, filler, '::/filler'], check=True)
            os.unlink(filler)

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
            cmd += ['-drive', f'file={stick},format=raw,if=none,id=boot' + ('' if o.data_partition else ',readonly=on'),
                    '-device', 'usb-storage,drive=boot,bus=xhci0.0,serial=KV-BOOT,bootindex=0']
        for i, (t, _, dev) in enumerate(TARGETS):
            throttle = f',throttling.bps-write={PULL_BPS}' if o.mode == 'faults' and t == PULLED else ''
            cmd += ['-drive', f'file={tmp}/{t}.img,format=raw,if=none,id=d{i},cache=unsafe{throttle}',
                    '-device', dev.format(d=f'd{i}')]
        if o.mode == 'nosticks':  # neither KESU-DATA nor KESU-EXPORT: the operator must be told
            pass
        elif o.data_partition:
            cmd += ['-drive', f'file={export},format=raw,if=none,id=export', '-device',
                    'usb-storage,drive=export,bus=xhci0.0,serial=KV-EXPORT']
        else:
            cmd += ['-drive', f'file={data},format=raw,if=none,id=data', '-device',
                    'usb-storage,drive=data,bus=xhci0.0,serial=KV-DATA',
                    '-drive', f'file={export},format=raw,if=none,id=export', '-device',
                    'usb-storage,drive=export,bus=xhci0.0,serial=KV-EXPORT']
        log(' '.join(cmd))
        t0 = time.time()
        qemu = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        qmp = QMP(f'{tmp}/qmp.sock')
        if o.mode == 'ui':
            with open(serial_path, 'wb') as sl:
                try:
                    out = drive_ui(o, qemu, qmp, tmp, sl, t0, secrets, failures)
                except (AssertionError, TimeoutError, EOFError) as e:
                    failures.append(f'the screen: {e}')
                    out = b''
            if not failures:
                ex = os.path.join(tmp, 'export-out')
                os.mkdir(ex)
                subprocess.run(['mcopy', '-s', '-n', '-i', export, '::/', ex], check=False)
                check_ui(o, tmp, read_data_partition(tmp, data), ex, failures)
            raise StopIteration
        out = b''
        sent_key = 0
        hot_state = 0
        hot_t = 0
        shot_pos = 0
        screenshots = []
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
                # "KESU-AUTOTEST: SCREENSHOT TAG" from the VM: keep a PNG of tty1 as an artifact
                while True:
                    i = out.find(b'KESU-AUTOTEST: SCREENSHOT ', shot_pos)
                    j = out.find(b'\n', i) if i >= 0 else -1
                    if j < 0:
                        break
                    tag = out[i + 26:j].decode(errors='replace').strip()
                    shot_pos = j
                    os.makedirs(o.artifacts, exist_ok=True)
                    shot = os.path.join(o.artifacts, f'{name}-{tag}.png')
                    log(f'screendump {shot}: {qmp.cmd("screendump", filename=shot, format="png")}')
                    screenshots.append(shot)
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
                if o.mode == 'faults' and not hot_state and b'KESU-AUTOTEST: PULL ' in out:
                    r2 = qmp.cmd('device_del', id=f't-{PULLED}')  # a USB disk pulled out mid-wipe
                    log(f'pulled t-{PULLED} (device_del) at {time.time() - t0:.0f} s -> {r2}')
                    hot_state = 1
                if o.mode == 'hotplug':
                    if hot_state == 0 and b'KESU-AUTOTEST: WATCHING' in out:
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
        elif o.script:
            if not any('KESU-AUTOTEST: END DONE' in l for l in lines):
                failures.append('the script did not end with END DONE')
        else:
            check_autotest(o, tmp, data, export, lines, failures)
    except StopIteration:  # --mode ui: checked above
        pass
    except Exception as e:  # noqa
        failures.append(f'harness error: {e!r}')
    finally:
        if qemu and qemu.poll() is None:
            qemu.kill()
        # the serial console is kept as an artifact (always: it is small, and a pass is worth reading too)
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


def read_data_partition(tmp, data):
    """KESU-DATA after the run: its files under tmp/data-out (debugfs: no mount needed). data is the
    ext4 stick, or the boot stick with KESU-DATA as a partition (extracted first)."""
    img = data
    pt = subprocess.run(['sfdisk', '-J', data], capture_output=True, text=True)
    if pt.returncode == 0 and pt.stdout.strip():
        parts = [x for x in json.loads(pt.stdout)['partitiontable']['partitions'] if x.get('name') == 'KESU-DATA']
        if parts:
            img = os.path.join(tmp, 'data-part.img')
            with open(data, 'rb') as src, open(img, 'wb') as dst:
                src.seek(parts[0]['start'] * 512)
                dst.write(src.read(parts[0]['size'] * 512))
    out = os.path.join(tmp, 'data-out')
    os.makedirs(out, exist_ok=True)
    subprocess.run(['debugfs', '-R', f'rdump / {out}', img], capture_output=True)
    return out


def check_verify_page(o, exported, failures):
    """The session's export put the auditor's page (the image's /usr/share/kesu/kesu-verify.html)
    beside the certificates on KESU-EXPORT: the page of this tree, as the host built it."""
    page = os.path.join(exported, 'kesu-verify.html')
    built = os.path.join(os.path.dirname(os.path.abspath(o.kesu)), 'kesu-verify.html')
    if not os.path.exists(page):
        failures.append('the auditor\'s page kesu-verify.html is not on KESU-EXPORT beside the certificates')
    elif os.path.exists(built) and open(page, 'rb').read() != open(built, 'rb').read():
        failures.append(f'kesu-verify.html on KESU-EXPORT differs from {built}')
    elif b'id="summary"' not in open(page, 'rb').read():
        failures.append('kesu-verify.html on KESU-EXPORT is not the auditor\'s page (no #summary)')
    else:
        log(f'the auditor\'s page is on KESU-EXPORT ({os.path.getsize(page)} bytes, the same as {built})')


def check_autotest(o, tmp, data, export, lines, failures):
    if not any('KESU-AUTOTEST: END DONE' in l for l in lines):
        failures.append('the autotest did not end with END DONE')
    net = [l for l in lines if 'KESU-AUTOTEST: network' in l]
    if not net or 'up=[]' not in net[0] or 'tcp_listen=0' not in net[0] or 'udp=0' not in net[0]:
        failures.append(f'network not silent: {net}')
    if not any('KESU-AUTOTEST: cups: scheduler is running' in l for l in lines):
        failures.append('cupsd is not running in the image')
    con = [l for l in lines if 'KESU-AUTOTEST: console tty1' in l]
    if not con or 'kmscon=running' not in con[0] or 'seat0' not in con[0]:
        failures.append(f'kmscon is not drawing tty1 (it draws Japanese; the plain VT cannot): {con}')
    ex = os.path.join(tmp, 'export-out')
    os.mkdir(ex)
    subprocess.run(['mcopy', '-s', '-n', '-i', export, '::/', ex], check=False)
    dd = read_data_partition(tmp, data)
    if o.mode == 'hotplug':
        check_hotplug(lines, failures)
        check_purge(tmp, dd, lines, failures)
    else:
        check_disposal(o, tmp, dd, ex, lines, failures)


def split_pdfs(blob):
    """The printer's input stream: one PDF per job, back to back."""
    starts = []
    k = blob.find(b'%PDF-')
    while k >= 0:
        starts.append(k)
        k = blob.find(b'%PDF-', k + 5)
    return [blob[a:b] for a, b in zip(starts, starts[1:] + [len(blob)])]


def check_printed(tmp, dd, results, failures):
    """What the USB printer received: one PDF per certificate, whose QR code (rendered with pdftoppm,
    read with zbarimg) is the certificate's own payload."""
    path = os.path.join(dd, 'autotest', 'printed.bin')
    blob = open(path, 'rb').read() if os.path.exists(path) else b''
    pdfs = split_pdfs(blob)
    log(f'the printer received {len(blob)} bytes: {len(pdfs)} PDF job(s)')
    want = {r['certificate']['qr'] for r in results if r.get('certificate')}
    got = set()
    for n, pdf in enumerate(pdfs):
        f = os.path.join(tmp, f'printed-{n}.pdf')
        open(f, 'wb').write(pdf)
        subprocess.run(['pdftoppm', '-r', '150', '-f', '1', '-l', '1', '-png', f, f[:-4]], capture_output=True)
        pngs = [os.path.join(tmp, x) for x in os.listdir(tmp) if x.startswith(f'printed-{n}') and x.endswith('.png')]
        r = subprocess.run(['zbarimg', '--raw', '-q'] + pngs, capture_output=True, text=True) if pngs else None
        if r and r.stdout.strip():
            got.add(r.stdout.strip())
    if len(pdfs) != len(want) or got != want:
        failures.append(f'printed {len(pdfs)} PDFs with {len(got & want)} of the {len(want)} certificates\' QR codes')
    else:
        log(f'every certificate came out of the USB printer, its QR code readable ({len(got)})')


def check_disposal(o, tmp, dd, ex, lines, failures):
    try:
        disks = json.load(open(os.path.join(dd, 'autotest', 'list.json')))
        results = [json.loads(l) for l in open(os.path.join(dd, 'autotest', 'wipe.jsonl'))
                   if '"result"' in l]
        results = [r for r in results if r.get('event') == 'result']
    except Exception as e:  # noqa
        failures.append(f'no list.json/wipe.jsonl on KESU-DATA: {e!r}')
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
        log(f'{t}: {d.get("path")} model={d.get("model")!r} firmware={d.get("firmware")!r} '
            f'capabilities={d.get("capabilities")} ata_security_frozen={d.get("ata_security_frozen")}')
    # fields only the devices' own IDENTIFY data gives (QEMU's NVMe controller and AHCI disk)
    nv, sa = by_serial.get(serial_of('nvme'), {}), by_serial.get(serial_of('sata'), {})
    if 'nvme-format' not in (nv.get('capabilities') or []):
        failures.append(f'nvme: NVMe Identify Controller not read (no nvme-format capability): {nv.get("capabilities")}')
    if 'ata-trim' not in (sa.get('capabilities') or []):  # IDENTIFY word 169 (QEMU sets DSM TRIM)
        failures.append(f'sata: ATA IDENTIFY DEVICE not read (no ata-trim capability): {sa.get("capabilities")}')
    protected = ['KV-EXPORT', 'KV-BOOT'] + ([] if o.data_partition else ['KV-DATA'])
    for serial in protected:
        d = by_serial.get(serial)
        if not d or not d.get('protected'):
            failures.append(f'{serial} not listed as protected: {d and d.get("protected_reason")}')
        else:
            log(f'{serial} protected: {d.get("protected_reason")}')
    if o.data_partition:
        st = next((l for l in lines if 'storage KESU-DATA: /dev/' in l), '')
        boot = by_serial.get('KV-BOOT', {}).get('path') or '?'
        if not st.split('KESU-DATA: ')[-1].startswith(boot):
            failures.append(f'KESU-DATA is not the boot stick\'s partition ({boot}): {st}')
        else:
            log('KESU-DATA mounted from the boot stick: ' + st.split('storage ')[-1])
    log('transports listed: ' + ', '.join(sorted({str(d.get("transport")) for d in disks})))

    outcome = {r.get('path'): r for r in results}
    pulled = serial_of(PULLED) if o.mode == 'faults' else None
    for t, _, _ in TARGETS:
        img = os.path.join(tmp, t + '.img')
        path = by_serial.get(serial_of(t), {}).get('path')
        r = outcome.get(path, {})
        cert = r.get('certificate') or {}
        zero = subprocess.run(['cmp', '-s', '-n', str(os.path.getsize(img)), img, '/dev/zero']).returncode == 0
        if serial_of(t) == pulled:
            # pulled mid-wipe: FAIL, and the certificate says FAIL; the disk is not (all) overwritten
            if r.get('outcome') != 'FAIL' or cert.get('result') != 'FAIL':
                failures.append(f'{t} (pulled): outcome {r.get("outcome")}, certificate {cert.get("result")}: '
                                'must be FAIL')
            if zero:
                failures.append(f'{t} (pulled): all zeros — it was not pulled during the wipe')
            log(f'{t} pulled mid-wipe: outcome {r.get("outcome")}, error {r.get("error")!r}, '
                f'certificate {cert.get("serial")} {cert.get("result")}')
            continue
        if r.get('outcome') != 'PASS' or cert.get('result') != 'PASS':
            failures.append(f'{t}: outcome {r.get("outcome")}, certificate {cert.get("result")}')
        if not zero:
            failures.append(f'{t}.img is not all zeros')
        else:
            log(f'{t}.img: all {os.path.getsize(img)} bytes zero')
    want_rc = 'wipe rc=1' if pulled else 'wipe rc=0'
    if not any(l.endswith(want_rc) for l in lines):
        failures.append(f'kesu wipe in the VM: expected {want_rc}')
    if not any(l.endswith('cert-verify rc=0') for l in lines):
        failures.append('kesu cert verify in the VM did not exit 0')
    # the menu's [e] (`kesu cert export`) after the disposal: all there already, none replaced
    if not pulled and not any(l.endswith(f'cert-export rc=0 exported=0 already_there={len(TARGETS)} differs=0')
                              for l in lines):
        failures.append('kesu cert export in the VM: expected every certificate already there, exit 0: '
                        f'{[l for l in lines if "cert-export" in l]}')

    # Filed on KESU-DATA (all of them), copied to KESU-EXPORT (all, or those that fit).
    pub = os.path.join(dd, 'appliance.pub')
    filed = os.path.join(dd, 'certificates')
    exported = os.path.join(ex, 'certificates')
    jsons = sorted(f for f in os.listdir(filed) if f.endswith('.json')) if os.path.isdir(filed) else []
    exp = sorted(f for f in os.listdir(exported) if f.endswith('.json')) if os.path.isdir(exported) else []
    if len(jsons) != len(TARGETS):
        failures.append(f'{len(jsons)} certificates filed on KESU-DATA, expected {len(TARGETS)}')
    for f in os.listdir(exported) if os.path.isdir(exported) else []:
        if f.startswith('KESU-') and open(os.path.join(exported, f), 'rb').read() != \
                open(os.path.join(filed, f), 'rb').read():
            failures.append(f'exported {f} differs from the one filed on KESU-DATA')
    fails = [r for r in results if (r.get('certificate') or {}).get('exported') is False]
    if o.mode == 'faults':
        err = open(os.path.join(dd, 'autotest', 'wipe.err'), errors='replace').read()
        if not fails or any((r['certificate'].get('export_error') or '') != 'No space left on device' for r in fails):
            failures.append(f'full export stick: expected exports to fail with ENOSPC: {[r.get("certificate") for r in fails]}')
        if 'No space left on device; the certificate is filed in' not in err:
            failures.append('full export stick: not told on screen')
        log(f'full export stick: {len(exp)} exported, {len(fails)} kept on KESU-DATA only ("{err.splitlines()[0] if err else ""}")')
    elif len(exp) != len(TARGETS) or fails:
        failures.append(f'{len(exp)} certificates exported, expected {len(TARGETS)}')
    if o.mode != 'faults':  # (a full stick may have no room left for it)
        check_verify_page(o, exported, failures)
    # The image's version and build (KESU-AUTOTEST: BEGIN image V build B) are in every certificate.
    begin = next((l.split() for l in lines if 'KESU-AUTOTEST: BEGIN image' in l), [])
    want = (begin[-3], begin[-1]) if len(begin) >= 4 else (None, None)
    # ... and the root file system's hash, as kesu-identity found it at boot: the one the build's
    # manifest next to the ISO names
    try:
        manifest = json.load(open(os.path.abspath(o.iso) + '.manifest.json'))
    except (OSError, ValueError) as e:
        manifest = {}
        failures.append(f'no manifest next to the ISO ({o.iso}.manifest.json): {e!r}')
    ident = next((l for l in lines if 'KESU-AUTOTEST: identity ' in l), '')
    if 'KESU_IMAGE_SQUASHFS_MATCH=yes' not in ident or \
            f'KESU_IMAGE_SQUASHFS_SHA256={manifest.get("squashfs_sha256")}' not in ident:
        failures.append(f'kesu-identity did not find the root file system as built: {ident!r}')
    for j in jsons:
        tool = json.load(open(os.path.join(filed, j))).get('tool', {})
        got = (tool.get('image_version'), tool.get('image_build'))
        if got != want:
            failures.append(f'{j}: tool.image_version/image_build {got}, the image is {want}')
        if manifest and tool.get('image_squashfs_sha256') != manifest.get('squashfs_sha256'):
            failures.append(f'{j}: tool.image_squashfs_sha256 {tool.get("image_squashfs_sha256")}, the manifest '
                            f'says {manifest.get("squashfs_sha256")}')
    if manifest:
        log(f'image identity: squashfs {manifest.get("squashfs_sha256")}, iso {manifest.get("iso_sha256")}, '
            f'{len(manifest.get("packages") or {})} packages in the manifest')
    if jsons:
        log(f'certificates record image {want[0]} build {want[1]}')
    if o.printer:
        check_printed(tmp, dd, results, failures)
    if not os.path.exists(pub):
        failures.append('no appliance.pub on KESU-DATA')
        return
    for what, d in (('filed on KESU-DATA', filed), ('exported', exported)):
        if what == 'exported' and o.mode == 'faults':
            continue  # a partial copy: its chain has gaps by design
        r = subprocess.run([o.kesu, 'cert', 'verify', '--key', pub, d], capture_output=True, text=True)
        log(f'host kesu cert verify ({what}): rc=%d\n%s%s' % (r.returncode, r.stdout, r.stderr))
        if r.returncode != 0:
            failures.append(f'host kesu cert verify of the certificates {what} failed')


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


def check_purge(tmp, dd, lines, failures):
    """The drives' own commands in QEMU (MODE hotplug, PURGE=1): what kesu lists for each, and what
    each purge did — checked on the disk images here, not on kesu's word."""
    out = os.path.join(dd, 'autotest')

    def runs(name):
        try:
            return [json.loads(l) for l in open(os.path.join(out, f'purge-{name}.jsonl')) if l.strip()]
        except (OSError, ValueError):
            return []

    def result(name):
        return next((r for r in runs(name) if r.get('event') == 'result'), None)

    def said(name):
        return next((l for l in lines if f'KESU-AUTOTEST: purge {name} ' in l), '')

    def err(name):
        try:
            return open(os.path.join(out, f'purge-{name}.err'), errors='replace').read()
        except OSError:
            return ''
    try:
        disks = {d.get('serial'): d for d in json.load(open(os.path.join(out, 'purge-list.json')))}
    except (OSError, ValueError) as e:
        failures.append(f'purge: no purge-list.json: {e!r}')
        return
    nv, sa, sc = disks.get(serial_of('nvme'), {}), disks.get(serial_of('sata'), {}), disks.get(serial_of('scsi'), {})
    methods = {t: [m.get('method') for m in d.get('purge_methods') or []] for t, d in
               (('nvme', nv), ('sata', sa), ('scsi', sc))}
    log(f'purge methods listed: {methods}')
    log(f'sata hidden areas: {sa.get("hidden_areas")}, health: {sa.get("health")}; nvme health: {nv.get("health")}')
    if methods['nvme'] != ['nvme-format']:
        failures.append(f'nvme: purge methods {methods["nvme"]}, expected only nvme-format (FNA=0, no SANICAP)')
    if 'FNA' not in ((nv.get('purge_refused') or {}).get('nvme-format-crypto') or ''):
        failures.append(f'nvme: nvme-format-crypto not refused from FNA: {nv.get("purge_refused")}')
    if methods['sata'] != []:
        failures.append(f'sata: purge methods {methods["sata"]}: QEMU\'s AHCI disk has no SANITIZE or SECURITY')
    sref = sa.get('purge_refused') or {}
    if not sref.get('sanitize-crypto') or not sref.get('secure-erase'):
        failures.append(f'sata: no reason given (from IDENTIFY) for sanitize/security erase: {sref}')
    if methods['scsi'] != ['scsi-format']:
        failures.append(f'scsi: purge methods {methods["scsi"]}, expected scsi-format only')
    if not (nv.get('health') or {}).get('read') == 'yes':
        failures.append(f'nvme: SMART / Health log not read: {nv.get("health")}')
    if not (sa.get('health') or {}).get('read') == 'yes' or 'power_on_hours' not in (sa.get('health') or {}):
        failures.append(f'sata: SMART attributes not read: {sa.get("health")}')
    if (sa.get('hidden_areas') or {}).get('examined') != 'yes':
        failures.append(f'sata: hidden areas not examined: {sa.get("hidden_areas")}')
    # TCG: QEMU's drives answer the security protocols with an error (no TCG emulation exists):
    # each is examined, reported as not self-encrypting, and the TCG methods refused with that reason
    for name, d in (('nvme', nv), ('sata', sa), ('scsi', sc)):
        tcg = d.get('tcg') or {}
        why = (d.get('purge_refused') or {}).get('tcg-psid-revert') or ''
        if tcg.get('examined') != 'yes' or tcg.get('self_encrypting') != 'no' or 'no TCG' not in why:
            failures.append(f'{name}: expected "not self-encrypting" without error: tcg={tcg}, refused={why!r}')
    log(f'tcg: nvme {nv.get("tcg")}, sata {sa.get("tcg")}, scsi {sc.get("tcg")}')
    for m in (nv.get('purge_methods') or []):
        if m.get('method') == 'nvme-format' and m.get('level') != 'Clear':
            failures.append(f'nvme-format listed at level {m.get("level")}, expected Clear (IEEE 2883)')

    # refused before anything was sent: exit 2 (usage) or 3 (policy), no result, no certificate
    for name, rc, text in (('nvme-crypto', 2, 'FNA'), ('nvme-class2', 3, 'policy'), ('sata', 2, 'no purge command'),
                           ('tcg-nvme', 2, 'no TCG')):
        line = said(name)
        if f'rc={rc}' not in line or result(name):
            failures.append(f'purge {name}: expected a refusal with exit {rc} and nothing run: {line!r}')
        if text not in err(name):
            failures.append(f'purge {name}: the refusal does not say {text!r}: {err(name)!r}')
        log(f'purge {name}: refused (exit {rc}): {err(name).strip().splitlines()[0] if err(name).strip() else ""}')

    # SCSI FORMAT UNIT: GOOD and nothing erased — the fingerprint proof must make it FAIL
    r = result('scsi') or {}
    cert = r.get('certificate') or {}
    img = os.path.join(tmp, 'scsi.img')
    unchanged = open(img, 'rb').read(4096) == (b'scsi' * 4096)[:4096]
    if r.get('outcome') != 'FAIL' or cert.get('result') != 'FAIL':
        failures.append(f'scsi-format on QEMU\'s SCSI disk (erases nothing): outcome {r.get("outcome")}, '
                        f'certificate {cert.get("result")}: must be FAIL')
    if not unchanged:
        failures.append('scsi.img changed: QEMU\'s FORMAT UNIT was expected to erase nothing')
    log(f'purge scsi: outcome {r.get("outcome")}, certificate {cert.get("serial")} {cert.get("result")}, '
        f'image unchanged={unchanged}, purge={r.get("purge", {}).get("device_status")!r}')

    # NVMe Format NVM SES=1: QEMU really zero-fills — every byte on the host is zero, certificate PASS
    r = result('nvme') or {}
    cert = r.get('certificate') or {}
    img = os.path.join(tmp, 'nvme.img')
    zero = subprocess.run(['cmp', '-s', '-n', str(os.path.getsize(img)), img, '/dev/zero']).returncode == 0
    if r.get('outcome') != 'PASS' or cert.get('result') != 'PASS':
        failures.append(f'nvme-format: outcome {r.get("outcome")}, certificate {cert.get("result")}, '
                        f'{r.get("error")!r}, {r.get("purge")}')
    if not zero:
        failures.append('nvme.img is not all zeros after nvme-format (SES=1)')
    if 'SES=1' not in ((r.get('purge') or {}).get('command') or ''):
        failures.append(f'nvme-format: the command sent is not recorded as SES=1: {r.get("purge")}')
    log(f'purge nvme: outcome {r.get("outcome")}, certificate {cert.get("serial")} {cert.get("result")}, '
        f'nvme.img all zeros={zero}, sent {(r.get("purge") or {}).get("command")!r}')
    filed = os.path.join(dd, 'certificates')
    recs = [json.load(open(os.path.join(filed, f))) for f in sorted(os.listdir(filed)) if f.endswith('.json')] \
        if os.path.isdir(filed) else []
    techs = sorted((x.get('sanitization', {}).get('method'), x.get('result')) for x in recs)
    if techs != [('nvme-format', 'PASS'), ('scsi-format', 'FAIL')]:
        failures.append(f'purge certificates filed: {techs}, expected nvme-format PASS and scsi-format FAIL')
    for x in recs:
        if x.get('sanitization', {}).get('technique') != 'purge' or x.get('verification', {}).get('method') != 'purge-proof':
            failures.append(f'{x.get("serial")}: technique/verification not purge/purge-proof')
    if not any(l.endswith('purge-cert-verify rc=0') for l in lines):
        failures.append('kesu cert verify of the purge certificates in the VM did not exit 0')


# ---- --mode ui: the operator's screen on tty1, driven with QEMU's keyboard ----------------------
UI_KEYPASS = 'correct horse battery staple vm'
UI_USERS = [  # id, name, passphrase: the operator is the first on the login list, the witness the second
    ('yamada', '山田 太郎', 'yamada passphrase vm'),
    ('sato', '佐藤 花子', 'sato passphrase vm'),
]
UI_DISKS = ['virtio', 'nvme']  # the disks the operator chooses on the screen (the others stay as they were)
QCODES = {' ': 'spc', '-': 'minus', '.': 'dot', ',': 'comma', '/': 'slash', '=': 'equal', ';': 'semicolon'}
NAMED = {'Enter': 'ret', 'Esc': 'esc', 'Up': 'up', 'Down': 'down', 'Left': 'left', 'Right': 'right',
         'F2': 'f2', 'F10': 'f10', 'Space': 'spc', 'Tab': 'tab', 'Backspace': 'backspace'}


def ui_prepare_data(o, dd):
    """KESU-DATA as an administrator leaves it: the appliance key and two enrolled users (made with
    the host's kesu, as `kesu user add` on the appliance would); no kesu.conf (the image's defaults are
    copied there at boot). Returns {id: TOTP secret}."""
    pf = os.path.join(dd, 'passphrase')
    subprocess.run([o.kesu, 'key', 'init', '--dir', dd, '--passphrase-file', pf], check=True,
                   stdout=subprocess.DEVNULL)
    secrets = {}
    for uid, name, pw in UI_USERS:
        f = os.path.join(dd, f'.pw-{uid}')
        open(f, 'w').write(pw + '\n')
        r = subprocess.run([o.kesu, 'user', 'add', uid, '--name', name, '--role', 'operator', '--passphrase-file', f,
                            '--key', os.path.join(dd, 'appliance.key'), '--key-passphrase-file', pf],
                           capture_output=True, text=True, check=True)
        os.unlink(f)
        secrets[uid] = re.search(r'TOTP secret: *([A-Z2-7]+)', r.stdout).group(1)
    return secrets


class UiDriver:
    """Reads the serial console (the screen's text relayed by the image's autotest) and types on
    tty1 through QMP send-key."""

    def __init__(self, qemu, qmp, sl, t0, timeout):
        self.qemu, self.qmp, self.sl, self.t0, self.timeout = qemu, qmp, sl, t0, timeout
        self.out = b''
        self.screen = ''
        self.size = (80, 25)  # columns, lines
        self.pos = 0
        self.sent_grub = False

    def pump(self, wait=0.5):
        r, _, _ = select.select([self.qemu.stdout], [], [], wait)
        if r:
            chunk = os.read(self.qemu.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError('QEMU ended')
            self.sl.write(chunk)
            self.sl.flush()
            self.out += chunk
        if not self.sent_grub and b'autotest' in self.out:
            time.sleep(0.5)
            self.qemu.stdin.write(b'a')
            self.qemu.stdin.flush()
            self.sent_grub = True
            log(f'sent the GRUB hotkey at {time.time() - self.t0:.0f} s')
        while True:  # the newest complete screen
            i = self.out.find(b'KESU-AUTOTEST: SCREEN-BEGIN', self.pos)
            j = self.out.find(b'KESU-AUTOTEST: SCREEN-END', i) if i >= 0 else -1
            if j < 0:
                break
            rows = [l.split('KESU-AUTOTEST: | ', 1)[1] if 'KESU-AUTOTEST: | ' in l else ''
                    for l in self.out[i:j].decode('utf-8', 'replace').splitlines()[1:]
                    if 'KESU-AUTOTEST: |' in l]
            if rows and re.fullmatch(r'\d+x\d+', rows[0]):  # the terminal's size, then its lines
                self.size = tuple(int(x) for x in rows[0].split('x'))
                rows = rows[1:]
            self.screen = '\n'.join(rows)
            self.pos = j
        if time.time() - self.t0 > self.timeout:
            raise TimeoutError(f'timeout after {self.timeout} s')

    def settle(self, quiet=4, seconds=60):
        """Until the relayed screen has not changed for quiet seconds (keys still being drawn)."""
        end = time.time() + seconds
        last, since = self.screen, time.time()
        while time.time() < end and time.time() - since < quiet:
            self.pump()
            if self.screen != last:
                last, since = self.screen, time.time()

    def wait(self, text, seconds=120):
        end = time.time() + seconds
        while time.time() < end:
            if text in self.screen:
                return True
            self.pump()
        log(f'the screen never showed {text!r}; it shows:\n{self.screen}')
        raise AssertionError(f'the screen never showed {text!r}')

    def key(self, *names):
        for n in names:
            self.qmp.cmd('send-key', keys=[{'type': 'qcode', 'data': NAMED.get(n, n)}], **{'hold-time': 40})
            time.sleep(0.08)

    def type(self, s):
        for ch in s:
            if ch.isupper():
                keys = ['shift', ch.lower()]
            elif ch == '_':
                keys = ['shift', 'minus']
            else:
                keys = [QCODES.get(ch, ch)]
            self.qmp.cmd('send-key', keys=[{'type': 'qcode', 'data': k} for k in keys], **{'hold-time': 40})
            time.sleep(0.05)

    def shot(self, artifacts, name, tag, ppm_dir=None):
        os.makedirs(artifacts, exist_ok=True)
        png = os.path.join(artifacts, f'{name}-{tag}.png')
        self.qmp.cmd('screendump', filename=png, format='png')
        ppm = None
        if ppm_dir:
            ppm = os.path.join(ppm_dir, f'{tag}.ppm')
            self.qmp.cmd('screendump', filename=ppm)
        log(f'screendump {png}')
        return png, ppm


def read_ppm(path):
    data = open(path, 'rb').read()
    parts, k = [], 0
    while len(parts) < 4:  # P6 width height maxval (no comments in QEMU's)
        while data[k:k + 1].isspace():
            k += 1
        e = k
        while not data[e:e + 1].isspace():
            e += 1
        parts.append(data[k:e])
        k = e
    w, h = int(parts[1]), int(parts[2])
    return w, h, data[k + 1:k + 1 + w * h * 3]


def check_glyphs(ppm, screen, size, text, failures):
    """The Japanese on the screen is drawn with real glyphs, not boxes: every character of text (where
    the screen's text has it) covers some ink, and no two different characters look the same (a
    missing glyph is drawn as one box for all of them)."""
    import unicodedata

    def cols(s):
        return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
    rows = screen.split('\n')
    w, h, px = read_ppm(ppm)
    row = next((i for i, r in enumerate(rows) if text in r), None)
    if row is None:
        failures.append(f'glyph check: {text!r} is not on the screen')
        return
    # kmscon's grid starts at the top left corner; what is left over at the right and the bottom is
    # less than one cell, so the cell is the screen's size over the terminal's, rounded down
    cw, ch = w // size[0], h // size[1]
    col = cols(rows[row][:rows[row].index(text)])

    def pixel(x, y):
        return px[(y * w + x) * 3:(y * w + x) * 3 + 3]
    bg = pixel(max(0, col * cw - 1), row * ch)
    glyphs = []
    for n, c in enumerate(text):
        gx = (col + cols(text[:n])) * cw
        bits = tuple(pixel(x, y) != bg for y in range(row * ch, (row + 1) * ch)
                     for x in range(gx, min(w, gx + 2 * cw)))
        glyphs.append((c, bits))
    empty = [c for c, b in glyphs if sum(b) < 8]
    same = [(a, b) for i, (a, ba) in enumerate(glyphs) for (b, bb) in glyphs[i + 1:]
            if a != b and sum(x != y for x, y in zip(ba, bb)) < 8]
    log(f'glyph check of {text!r} at row {row} column {col}: screen {w}x{h} pixels, terminal '
        f'{size[0]}x{size[1]}, cell {cw}x{ch}, ink per character {[sum(b) for _, b in glyphs]}')
    if empty:
        failures.append(f'glyph check: nothing drawn for {empty}')
    if same:
        failures.append(f'glyph check: different characters drawn alike (boxes?): {same}')


def drive_ui(o, qemu, qmp, tmp, sl, t0, secrets, failures):
    """A disposal through the operator's screen, as a person would: operator and witness log in
    (passphrase and one-time code), the key, the clock, the virtio and NVMe disks chosen on the
    live list, an asset number each (class 1, internal reuse: the policy's default), the typed count,
    the progress, the results; log out, F10, power off from the screen's menu."""
    name = f'vm-{o.firmware}-{o.mode}'
    ui = UiDriver(qemu, qmp, sl, t0, o.timeout)
    shots = {}

    def code(uid):
        return subprocess.run(['oathtool', '--totp', '-b', secrets[uid]], capture_output=True, text=True,
                              check=True).stdout.strip()

    def login(downs, uid):
        ui.key(*(['Down'] * downs), 'Enter')
        ui.type(dict((u, p) for u, _, p in UI_USERS)[uid])
        ui.key('Enter')
        ui.type(code(uid))
        ui.key('Enter')

    ui.wait('作業者のログイン', o.timeout)
    time.sleep(2)  # kmscon has drawn the whole screen
    shots['login'] = ui.shot(o.artifacts, name, 'login', tmp)
    check_glyphs(shots['login'][1], ui.screen, ui.size, '作業者のログイン', failures)
    login(0, 'yamada')
    ui.wait('確認者のログイン')
    login(1, 'sato')
    ui.wait('署名鍵')
    ui.type(UI_KEYPASS)
    ui.key('Enter')
    ui.wait('時刻の確認', 300)
    shots['clock'] = ui.shot(o.artifacts, name, 'clock')
    ui.key('y')
    ui.wait('/dev/nvme0n1')
    ui.wait('/dev/vda')
    def list_rows():
        rows = [re.match(r'^ ([> ]) \[[ x]\] (/dev/\S+)', r) for r in ui.screen.split('\n')]
        return [m.group(2) for m in rows if m], next((m.group(2) for m in rows if m and m.group(1) == '>'), None)
    for path in ('/dev/vda', '/dev/nvme0n1'):  # move the cursor onto each, choose it
        for _ in range(5):
            order, cur = list_rows()
            if path not in order or cur not in order:
                raise AssertionError(f'{path} or the cursor not on the list:\n{ui.screen}')
            if cur == path:
                break
            # all the moves at once, then wait for the screen to show where the cursor went (the
            # relayed screen lags behind the keys: never count on one key's redraw)
            d = order.index(path) - order.index(cur)
            ui.key(*(['Down'] * d if d > 0 else ['Up'] * -d))
            end = time.time() + 30
            while time.time() < end and list_rows()[1] == cur:
                ui.pump()
            ui.settle()
        ui.key('Space')
        ui.wait(f'[x] {path}', 30)
    ui.wait('（2 台選択中）')
    shots['disks'] = ui.shot(o.artifacts, name, 'disks')
    ui.key('Enter')
    for n in (1, 2):
        ui.wait(f'ディスク {n} / 2')
        ui.type(f'VM-UI-{n}')
        ui.key('Enter')
        ui.wait('許可されます。')
        if n == 1:
            shots['plan'] = ui.shot(o.artifacts, name, 'plan')
        ui.key('Enter')
    ui.wait('次の 2 台のディスクを消去します')
    shots['confirm'] = ui.shot(o.artifacts, name, 'confirm')
    ui.type('2')
    ui.key('Enter')
    ui.wait('MB/s', 120)
    shots['run'] = ui.shot(o.artifacts, name, 'run')
    ui.wait('2 台中 2 台の消去と検証が完了しました。', 900)
    shots['results'] = ui.shot(o.artifacts, name, 'results')
    if '書き出し済み' not in ui.screen:
        failures.append(f'the results do not show the certificates exported:\n{ui.screen}')
    ui.key('Esc')
    ui.wait('作業者のログイン')
    ui.key('F10')
    ui.wait('[p] 電源を切る')
    ui.key('p')  # the screen's menu after quitting: power off (systemd unmounts the sticks)
    end = time.time() + 180
    while qemu.poll() is None and time.time() < end:
        try:
            ui.pump()
        except EOFError:
            break
    try:
        qemu.wait(timeout=60)  # its output ended: the process is ending
    except subprocess.TimeoutExpired:
        failures.append('the guest did not power off from the screen\'s menu')
    return ui.out


def check_ui(o, tmp, dd, ex, failures):
    """After the screen's disposal: the two chosen disks overwritten, the others untouched, two PASS
    certificates filed on KESU-DATA and exported, naming both people and the clock's confirmation."""
    for t, _, _ in TARGETS:
        data = open(os.path.join(tmp, t + '.img'), 'rb').read()
        pattern = (t.encode() * 4096)[:4096]
        kept = data.count(pattern) * 4096 == len(data)
        if t in UI_DISKS and (kept or pattern in data):
            failures.append(f'{t}.img still holds its data: the screen\'s disposal did not overwrite it')
        elif t not in UI_DISKS and not kept:
            failures.append(f'{t}.img changed, though it was not chosen')
    filed = os.path.join(dd, 'certificates')
    recs = [json.load(open(os.path.join(filed, f))) for f in sorted(os.listdir(filed)) if f.endswith('.json')] \
        if os.path.isdir(filed) else []
    got = sorted((r.get('asset_number'), r.get('result'), r.get('people', {}).get('operator'),
                  r.get('people', {}).get('witness'), r.get('people', {}).get('authentication')) for r in recs)
    want = [(f'VM-UI-{n}', 'PASS', 'yamada', 'sato', 'passphrase+totp (operator and witness)') for n in (1, 2)]
    if got != want:
        failures.append(f'certificates filed: {got}, expected {want}')
    for r in recs:
        if not (r.get('times', {}).get('clock_confirmed_by') or '').startswith('yamada, '):
            failures.append(f'{r.get("serial")}: the clock confirmation is not recorded: {r.get("times")}')
    exported = os.path.join(ex, 'certificates')
    for r in recs:
        f = r.get('serial', '') + '.json'
        if not os.path.exists(os.path.join(exported, f)):
            failures.append(f'{f} not exported to KESU-EXPORT')
    check_verify_page(o, exported, failures)
    pub = os.path.join(dd, 'appliance.pub')
    v = subprocess.run([o.kesu, 'cert', 'verify', '--key', pub, filed], capture_output=True, text=True)
    log(f'host kesu cert verify: rc={v.returncode}\n{v.stdout}{v.stderr}')
    if v.returncode != 0:
        failures.append('host kesu cert verify of the screen\'s certificates failed')
    conf = os.path.join(dd, 'kesu.conf')
    if not os.path.exists(conf):
        failures.append('no kesu.conf on KESU-DATA: the image\'s defaults were not copied there')
    if not failures:
        log(f'the screen\'s disposal: {got}')


if __name__ == '__main__':
    main()
