"""A user-space NFSv4 client (libnfs through ctypes) for the test clients.

Run inside a client's network namespace (``ip netns exec NS python3
nfs_client.py ...``): the libnfs-utils programs copy files but make no
directories, and one process per 100 ms probe would measure process
start-up rather than the server. Commands (exit 1 and the NFS error on
stderr when one fails):

- ``put SERVER EXPORT LOCALDIR``: copy a local tree into the export;
- ``write SERVER EXPORT PATH``: stdin into one file (parents made);
- ``digest SERVER EXPORT``: JSON {relative path: sha256 or "dir"};
- ``mount SERVER EXPORT``: exit 0 when the export mounts;
- ``probe OUT NAME=SERVER:EXPORT...``: until SIGTERM, every 100 ms try to
  write a small new file ``probe/NAME-...`` on each export (one thread
  each); one JSON line per attempt in OUT: {"target", "t" and "done"
  (start and end, CLOCK_MONOTONIC as time.monotonic() in any process of
  this machine), "ok", "file", "error"}.
"""
import ctypes
import hashlib
import json
import os
import signal
import stat
import sys
import threading
import time

O_WRONLY, O_CREAT, O_TRUNC = os.O_WRONLY, os.O_CREAT, os.O_TRUNC
TIMEOUT_MS = 3000
# libnfs 4.0 encodes an NFSv4 WRITE in a buffer of about 4 KiB: larger
# writes fail to encode ("Failed to encode COMPOUND4args").
WRITE_CHUNK = 3584
READ_CHUNK = 64 << 10


class NfsError(Exception):
    pass


class _Stat(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        'dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size',
        'blksize', 'blocks', 'atime', 'mtime', 'ctime', 'atime_nsec',
        'mtime_nsec', 'ctime_nsec', 'used')]


class _Dirent(ctypes.Structure):
    pass


_Dirent._fields_ = [('next', ctypes.POINTER(_Dirent)),
                    ('name', ctypes.c_char_p)]


def _lib():
    lib = ctypes.CDLL('libnfs.so.13')
    vp, cp, i, u64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, \
        ctypes.c_uint64
    pvp = ctypes.POINTER(vp)
    for name, res, args in (
            ('nfs_init_context', vp, []),
            ('nfs_destroy_context', None, [vp]),
            ('nfs_set_version', i, [vp, i]),
            ('nfs_set_timeout', None, [vp, i]),
            ('nfs_get_error', cp, [vp]),
            ('nfs_mount', i, [vp, cp, cp]),
            ('nfs_mkdir', i, [vp, cp]),
            ('nfs_create', i, [vp, cp, i, i, pvp]),
            ('nfs_open', i, [vp, cp, i, pvp]),
            # libnfs 4/5: (context, handle, count, buffer)
            ('nfs_write', i, [vp, vp, u64, cp]),
            ('nfs_read', i, [vp, vp, u64, cp]),
            ('nfs_fsync', i, [vp, vp]),
            ('nfs_close', i, [vp, vp]),
            ('nfs_stat64', i, [vp, cp, ctypes.POINTER(_Stat)]),
            ('nfs_opendir', i, [vp, cp, pvp]),
            ('nfs_readdir', ctypes.POINTER(_Dirent), [vp, vp]),
            ('nfs_closedir', None, [vp, vp])):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


LIB = _lib()


class Mount:
    def __init__(self, server, export):
        self.ctx = LIB.nfs_init_context()
        if not self.ctx:
            raise NfsError('nfs_init_context failed')
        LIB.nfs_set_version(self.ctx, 4)
        LIB.nfs_set_timeout(self.ctx, TIMEOUT_MS)
        try:
            self._check(LIB.nfs_mount(self.ctx, server.encode(),
                                      export.encode()),
                        'mount %s:%s' % (server, export))
        except NfsError:
            self.close()
            raise

    def close(self):
        if self.ctx:
            LIB.nfs_destroy_context(self.ctx)
            self.ctx = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check(self, rc, what):
        if rc < 0:
            raise NfsError('%s: %s' % (what, (LIB.nfs_get_error(self.ctx) or
                                              b'error %d' % rc).decode()))
        return rc

    def stat(self, path):
        st = _Stat()
        self._check(LIB.nfs_stat64(self.ctx, path.encode(),
                                   ctypes.byref(st)), 'stat ' + path)
        return st

    def makedirs(self, path):
        parts = [p for p in path.split('/') if p]
        for n in range(1, len(parts) + 1):
            sub = '/' + '/'.join(parts[:n])
            try:
                if stat.S_ISDIR(self.stat(sub).mode):
                    continue
            except NfsError:
                pass
            self._check(LIB.nfs_mkdir(self.ctx, sub.encode()),
                        'mkdir ' + sub)

    def write(self, path, data, sync=True):
        self.makedirs(os.path.dirname(path))
        fh = ctypes.c_void_p()
        self._check(LIB.nfs_create(self.ctx, path.encode(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0o644,
                                   ctypes.byref(fh)), 'create ' + path)
        try:
            done = 0
            while done < len(data):
                chunk = data[done:done + WRITE_CHUNK]
                done += self._check(LIB.nfs_write(self.ctx, fh, len(chunk),
                                                  chunk), 'write ' + path)
            if sync:
                self._check(LIB.nfs_fsync(self.ctx, fh), 'fsync ' + path)
        finally:
            rc = LIB.nfs_close(self.ctx, fh)
        self._check(rc, 'close ' + path)

    def read(self, path):
        fh = ctypes.c_void_p()
        self._check(LIB.nfs_open(self.ctx, path.encode(), os.O_RDONLY,
                                 ctypes.byref(fh)), 'open ' + path)
        chunks = []
        try:
            buf = ctypes.create_string_buffer(READ_CHUNK)
            while True:
                n = self._check(LIB.nfs_read(self.ctx, fh, len(buf), buf),
                                'read ' + path)
                if n == 0:
                    break
                chunks.append(buf.raw[:n])
        finally:
            LIB.nfs_close(self.ctx, fh)
        return b''.join(chunks)

    def listdir(self, path):
        handle = ctypes.c_void_p()
        self._check(LIB.nfs_opendir(self.ctx, path.encode(),
                                    ctypes.byref(handle)), 'opendir ' + path)
        names = []
        try:
            while True:
                entry = LIB.nfs_readdir(self.ctx, handle)
                if not entry:
                    break
                name = entry.contents.name.decode()
                if name not in ('.', '..'):
                    names.append(name)
        finally:
            LIB.nfs_closedir(self.ctx, handle)
        return sorted(names)

    def digest(self, path='/'):
        result = {}
        for name in self.listdir(path):
            full = path.rstrip('/') + '/' + name
            rel = full.lstrip('/')
            if stat.S_ISDIR(self.stat(full).mode):
                result[rel] = 'dir'
                result.update(self.digest(full))
            else:
                result[rel] = hashlib.sha256(self.read(full)).hexdigest()
        return result


def put_tree(mount, local):
    for base, dirs, files in os.walk(local):
        rel = os.path.relpath(base, local)
        target = '/' if rel == '.' else '/' + rel
        mount.makedirs(target)
        for name in files:
            with open(os.path.join(base, name), 'rb') as f:
                mount.write(target.rstrip('/') + '/' + name, f.read())


def probe(out_path, targets, interval=0.1):
    """One thread per target; each writes probe/<name>-<n> every
    ``interval`` s on a fresh mount (a partitioned server fails within the
    libnfs timeout instead of hanging)."""
    stop = threading.Event()
    lock = threading.Lock()
    out = open(out_path, 'a', buffering=1)
    session = os.urandom(3).hex()       # new names for every run

    def loop(name, server, export):
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            n += 1
            path = '/probe/%s-%s-%06d' % (name, session, n)
            record = {'target': name, 't': started, 'file': path[1:]}
            try:
                with Mount(server, export) as m:
                    m.write(path, b'%s %d\n' % (name.encode(), n))
                record['ok'] = True
            except NfsError as e:
                record.update(ok=False, error=str(e))
            record['done'] = time.monotonic()
            with lock:
                out.write(json.dumps(record) + '\n')
            stop.wait(max(0.0, interval - (time.monotonic() - started)))

    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    threads = []
    for spec in targets:
        name, _, rest = spec.partition('=')
        server, _, export = rest.partition(':')
        t = threading.Thread(target=loop, args=(name, server, export),
                             daemon=True)
        t.start()
        threads.append(t)
    print('probing', flush=True)
    while not stop.is_set():
        stop.wait(0.5)
    for t in threads:
        t.join(TIMEOUT_MS / 1000 * 3)
    out.close()


def main(argv):
    command, args = argv[0], argv[1:]
    try:
        if command == 'probe':
            probe(args[0], args[1:])
            return 0
        with Mount(args[0], args[1]) as m:
            if command == 'put':
                put_tree(m, args[2])
            elif command == 'write':
                m.write('/' + args[2].lstrip('/'), sys.stdin.buffer.read())
            elif command == 'digest':
                print(json.dumps(m.digest()))
            elif command != 'mount':
                raise SystemExit('unknown command %s' % command)
    except NfsError as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
