"""Virtual environments for tools we test against (Keystone, tempest),
built once from a pinned requirements file and cached outside the repo.

The cache key is the requirements file's content and the Python version,
so a changed pin builds a new venv and an unchanged one is reused (CI runs
on the same machine as the sessions). ``MANILA_REPL_CACHE`` moves the
cache (default ``~/.cache/manila-repl``).
"""
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time

READY = '.manila-repl-ready'


class BuildError(RuntimeError):
    """The venv could not be built (no network, no registry...)."""


def cache_dir():
    return os.environ.get('MANILA_REPL_CACHE') or os.path.join(
        os.path.expanduser('~'), '.cache', 'manila-repl')


def venv_path(name, requirements):
    with open(requirements, 'rb') as f:
        digest = hashlib.sha256(f.read())
    digest.update(sys.version.encode())
    return os.path.join(cache_dir(), '%s-%s' % (name, digest.hexdigest()[:12]))


@contextlib.contextmanager
def _locked(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(name, requirements, log=None):
    """The venv's path, building it first if needed; a venv left half-built
    by an interrupted run is built again. Raises BuildError."""
    path = venv_path(name, requirements)
    ready = os.path.join(path, READY)
    if os.path.exists(ready):
        return path
    with _locked(path):
        if os.path.exists(ready):
            return path
        shutil.rmtree(path, ignore_errors=True)
        start = time.monotonic()
        # A venv's scripts name its own path: build it where it will live.
        steps = ([sys.executable, '-m', 'venv', path],
                 [os.path.join(path, 'bin', 'pip'), 'install', '-q',
                  '--disable-pip-version-check', '-r', requirements])
        for argv in steps:
            result = subprocess.run(argv, capture_output=True, text=True,
                                    stdin=subprocess.DEVNULL)
            if result.returncode != 0:
                shutil.rmtree(path, ignore_errors=True)
                tail = '\n'.join(
                    line for line in result.stderr.splitlines()
                    if 'is ignored' not in line)[-2000:]
                raise BuildError('%s failed: %s' % (' '.join(argv[:3]),
                                                    tail))
        with open(ready, 'w') as f:
            f.write('%.1f\n' % (time.monotonic() - start))
        if log:
            log('built %s in %.0f s' % (path, time.monotonic() - start))
    return path


def build_seconds(path):
    """How long the cached venv at ``path`` took to build."""
    with open(os.path.join(path, READY)) as f:
        return float(f.read())
