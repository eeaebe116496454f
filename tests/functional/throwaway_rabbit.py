"""A RabbitMQ node of a test's own, for tests that stop and start the
broker: the machine's shared node (127.0.0.1:5672) is never touched.

The node runs from a temporary directory: its own node name, AMQP and
distribution ports, Mnesia and log directories, config file (the system's
/etc/rabbitmq files name port 5672), no plugin, and its own Erlang cookie
(HOME is the temporary directory). ``stop()`` and ``start()`` stop and
start the RabbitMQ application (connections drop, the port refuses
connections; the Erlang node stays up, so starting again takes a second,
not the node's ~5-10 s). ``node()`` always tears the node down, also when
the test fails.
"""
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid

from tests.functional import deployment, services

RABBIT_BIN = '/usr/lib/rabbitmq/bin'


def _bin(name):
    path = os.path.join(RABBIT_BIN, name)
    if os.path.exists(path):
        return path
    return shutil.which(name)


def _port_open(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1):
            return True
    except OSError:
        return False


class Node:
    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.name = 'manila-repl-test-%s@localhost' % uuid.uuid4().hex[:8]
        self.port = deployment.free_port()
        self.dist_port = deployment.free_port()
        self.url = 'rabbit://guest:guest@127.0.0.1:%d/' % self.port
        self.popen = None
        home = os.path.join(self.tmp, 'home')
        for sub in ('home', 'mnesia', 'log'):
            os.makedirs(os.path.join(self.tmp, sub), exist_ok=True)
        cookie = os.path.join(home, '.erlang.cookie')
        with open(cookie, 'w') as f:
            f.write(secrets.token_hex(16).upper())
        os.chmod(cookie, 0o400)
        config = os.path.join(self.tmp, 'rabbitmq.conf')
        with open(config, 'w') as f:
            f.write('listeners.tcp.local = 127.0.0.1:%d\n' % self.port)
        plugins = os.path.join(self.tmp, 'enabled_plugins')
        with open(plugins, 'w') as f:
            f.write('[].\n')
        env_file = os.path.join(self.tmp, 'rabbitmq-env.conf')
        open(env_file, 'w').close()
        self.env = dict(
            os.environ, HOME=home, RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_IP_ADDRESS='127.0.0.1',
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=os.path.join(self.tmp, 'mnesia'),
            RABBITMQ_LOG_BASE=os.path.join(self.tmp, 'log'),
            RABBITMQ_CONFIG_FILE=config,
            RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
            RABBITMQ_CONF_ENV_FILE=env_file,
            RABBITMQ_PID_FILE=os.path.join(self.tmp, 'rabbitmq.pid'),
            ERL_CRASH_DUMP=os.path.join(self.tmp, 'log', 'erl_crash.dump'),
            ERL_EPMD_ADDRESS='127.0.0.1')

    def _ctl(self, *args, timeout=60):
        return subprocess.run([_bin('rabbitmqctl'), '-n', self.name] +
                              list(args), env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def boot(self, timeout=90):
        log = open(os.path.join(self.tmp, 'server.log'), 'ab')
        self.popen = subprocess.Popen(
            [_bin('rabbitmq-server')], env=self.env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()
        self._wait(True, timeout)

    def _wait(self, up, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError('RabbitMQ node %s exited: %s' %
                                   (self.name, self.log()[-3000:]))
            if _port_open(self.port) == up:
                return
            time.sleep(0.2)
        raise RuntimeError('RabbitMQ node %s: port %d not %s after %ss' % (
            self.name, self.port, 'open' if up else 'closed', timeout))

    def stop(self):
        """The broker goes away: connections drop, the port refuses."""
        result = self._ctl('stop_app')
        assert result.returncode == 0, result.stderr
        self._wait(False, 30)

    def start(self):
        result = self._ctl('start_app')
        assert result.returncode == 0, result.stderr
        self._wait(True, 60)

    def shutdown(self):
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            self._ctl('stop', timeout=60)
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Its own session: the Erlang VM and its helpers (not epmd,
            # which the machine's node started and shares).
            os.killpg(self.popen.pid, 9)
            self.popen.wait()

    def log(self):
        try:
            with open(os.path.join(self.tmp, 'server.log'),
                      errors='replace') as f:
                return f.read()
        except OSError:
            return ''


@contextlib.contextmanager
def node(tmp):
    """A running throwaway node; skips (or fails, see services) without
    RabbitMQ installed or without root."""
    if _bin('rabbitmq-server') is None or _bin('rabbitmqctl') is None:
        services.unavailable('RabbitMQ', 'rabbitmq-server is not installed')
    if os.geteuid() != 0:
        services.unavailable('RabbitMQ', 'a throwaway node runs as root')
    rabbit = Node(tmp)
    try:
        rabbit.boot()
        yield rabbit
    finally:
        rabbit.shutdown()
