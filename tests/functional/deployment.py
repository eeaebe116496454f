"""A deployment of real manila-repl processes for a functional test."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import requests

BIN = os.path.dirname(sys.executable)
BACKENDS = ('az1', 'az2', 'az3')


def script(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        raise RuntimeError('%s is not installed next to %s' %
                           (name, sys.executable))
    return path


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def common_config(tmp, transport_url, db_url, port, interval=1,
                  backends=None):
    """``backends``: optional {name: extra config lines} replacing the
    three fake backends (each still gets its own AZ and the domain)."""
    lines = [
        '[DEFAULT]',
        'host = ft',
        'transport_url = %s' % transport_url,
        'state_path = %s' % tmp,
        'report_interval = 1',
        'service_down_time = 5',
        'debug = true',
        '[database]',
        'connection = %s' % db_url,
        '[api]',
        'bind_port = %d' % port,
        '[share]',
        'replica_status_interval = %d' % interval,
        'stats_report_interval = 2',
    ]
    if backends is not None:
        for name, extra in backends.items():
            lines += ['[%s]' % name,
                      'backend_availability_zone = %s' % name,
                      'replication_domain = functional'] + list(extra)
        return '\n'.join(lines) + '\n'
    for name in BACKENDS:
        lines += ['[%s]' % name, 'share_driver = fake',
                  'backend_availability_zone = %s' % name,
                  'replication_domain = functional',
                  'fake_root_path = %s' % os.path.join(tmp, 'fake')]
    return '\n'.join(lines) + '\n'


class Process:
    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.popen = None

    def start(self):
        log = open(self.log_path, 'ab')
        self.popen = subprocess.Popen(self.argv, stdout=log,
                                      stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=self.env)
        log.close()
        return self.popen

    def kill(self, sig=signal.SIGKILL):
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def log(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()


class Deployment:
    """api, scheduler and one manila-repl-share per backend, each its own
    process, over a real transport and database."""

    def __init__(self, tmp, transport_url, db_url, interval=1,
                 backends=None, extra_config=None):
        """``extra_config``: more config text (its own sections), in a
        file every process reads after the common one."""
        self.tmp = str(tmp)
        os.makedirs(self.tmp, exist_ok=True)
        self.backends = tuple(backends) if backends else BACKENDS
        self.port = free_port()
        self.config = os.path.join(self.tmp, 'manila-repl.conf')
        with open(self.config, 'w') as f:
            f.write(common_config(self.tmp, transport_url, db_url,
                                  self.port, interval, backends))
        self.processes = {}
        base = ['--config-file', self.config]
        if extra_config:
            extra = os.path.join(self.tmp, 'extra.conf')
            with open(extra, 'w') as f:
                f.write(extra_config)
            base += ['--config-file', extra]
        self.processes['api'] = Process(
            'api', [script('manila-repl-api')] + base, self._log('api'))
        self.processes['scheduler'] = Process(
            'scheduler', [script('manila-repl-scheduler')] + base,
            self._log('scheduler'))
        for name in self.backends:
            backend_conf = os.path.join(self.tmp, '%s.conf' % name)
            with open(backend_conf, 'w') as f:
                f.write('[share]\nenabled_share_backends = %s\n' % name)
            self.processes[name] = Process(
                name, [script('manila-repl-share')] + base +
                ['--config-file', backend_conf], self._log(name))
        self.api = ApiClient('http://127.0.0.1:%d/v2' % self.port)

    def _log(self, name):
        return os.path.join(self.tmp, '%s.log' % name)

    def db_sync(self):
        subprocess.run([script('manila-repl-manage'), '--config-file',
                        self.config, 'db', 'sync'], check=True,
                       capture_output=True)

    def start(self, pools=None):
        """``pools``: how many backends report pools (default: all)."""
        self.db_sync()
        for process in self.processes.values():
            process.start()
        self.api.wait_until_up()
        # Every backend reported its pools (3 share services up).
        # The first calls may time out (503) while the scheduler starts.
        expected = len(self.backends) if pools is None else pools
        self.api.wait(lambda: self.api.pool_count() == expected,
                      'pools of every backend', timeout=90)

    @contextlib.contextmanager
    def running(self):
        """Started for the body, its logs printed if the body fails,
        stopped in any case."""
        try:
            self.start()
            yield self
        except BaseException:
            print(self.logs())
            raise
        finally:
            self.stop()

    def stop(self):
        # Signal all first, then wait: each takes a moment to stop cleanly.
        for process in self.processes.values():
            if process.popen and process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            process.kill(signal.SIGTERM)

    def logs(self):
        return '\n'.join('===== %s\n%s' % (p.name, p.log()[-6000:])
                         for p in self.processes.values())


class ApiClient:
    def __init__(self, endpoint, token='admin:admin', version='2.95'):
        self.endpoint = endpoint
        self.session = requests.Session()
        self.session.headers.update({
            'X-Auth-Token': token,
            'X-OpenStack-Manila-API-Version': version,
            'Content-Type': 'application/json'})

    def request(self, method, path, **kwargs):
        return self.session.request(method, self.endpoint + path,
                                    timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request('POST', path, json=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)

    def pool_count(self):
        """How many pools the scheduler reports; None while it cannot
        answer (a 503 while it starts, or during a broker outage)."""
        r = self.get('/scheduler-stats/pools')
        return len(r.json()['pools']) if r.status_code == 200 else None

    def wait_until_up(self, timeout=30):
        def up():
            try:
                return self.get('/').status_code == 200
            except requests.ConnectionError:
                return False
        self.wait(up, 'the API to answer', timeout)

    @staticmethod
    def wait(predicate, what, timeout=30, interval=0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError('timed out after %ss waiting for %s' %
                             (timeout, what))

    # -- the workflow's calls ---------------------------------------------
    def replicas(self, share_id):
        r = self.get('/share-replicas/detail?share_id=%s' % share_id)
        assert r.status_code == 200, r.text
        return {x['availability_zone']: x for x in r.json()['share_replicas']}

    def replica(self, replica_id):
        r = self.get('/share-replicas/%s' % replica_id)
        assert r.status_code == 200, r.text
        return r.json()['share_replica']
