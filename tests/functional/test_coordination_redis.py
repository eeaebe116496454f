"""Per-share locks through a real Redis, as managers on several hosts use
them: one coordinator per host, one holder at a time."""
import socket
import uuid

from tooz import coordination

from tests.functional import services

REDIS = ('127.0.0.1', 6379)


def _coordinator(member):
    try:
        with socket.create_connection(REDIS, timeout=2):
            pass
    except OSError as e:
        services.unavailable('Redis', str(e))
    try:
        import redis  # noqa: F401  (tooz's redis driver needs it)
    except ImportError:
        services.unavailable('Redis', 'the redis package is not installed')
    c = coordination.get_coordinator('redis://%s:%d' % REDIS,
                                     member.encode())
    c.start(start_heart=True)
    return c


def test_share_lock_excludes_another_host():
    host_a, host_b = _coordinator('host-a'), _coordinator('host-b')
    name = ('manila-repl-share-%s' % uuid.uuid4()).encode()
    try:
        lock_a, lock_b = host_a.get_lock(name), host_b.get_lock(name)
        assert lock_a.acquire(blocking=False)
        assert not lock_b.acquire(blocking=False)
        lock_a.release()
        assert lock_b.acquire(blocking=False)
        lock_b.release()
    finally:
        host_a.stop()
        host_b.stop()
