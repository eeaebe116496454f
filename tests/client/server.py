"""manila-repl-all on a free port with three fake backends (az1..az3 in one
replication domain), for tests that drive it with real clients."""
import contextlib
import os
import signal
import subprocess
import time

import requests

from tests.functional import deployment

BACKENDS = ('az1', 'az2', 'az3')


def config(port, state):
    lines = ['[DEFAULT]', 'report_interval = 1',
             '[api]', 'bind_port = %d' % port,
             # Not on 9786: another manila-repl-all may run meanwhile.
             '[metrics]', 'enabled = false',
             '[share]', 'replica_status_interval = 1',
             'stats_report_interval = 1',
             'enabled_share_backends = %s' % ','.join(BACKENDS)]
    for name in BACKENDS:
        lines += ['[%s]' % name, 'share_driver = fake',
                  'backend_availability_zone = %s' % name,
                  'replication_domain = demo',
                  'fake_root_path = %s' % os.path.join(state,
                                                       'fake-backends')]
    return '\n'.join(lines) + '\n'


class AllInOne:
    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.port = deployment.free_port()
        self.state = os.path.join(self.tmp, 'state')
        self.endpoint = 'http://127.0.0.1:%d/v2' % self.port
        self.log_path = os.path.join(self.tmp, 'all.log')
        self.proc = None

    def fake_root(self, backend):
        return os.path.join(self.state, 'fake-backends', backend)

    def start(self):
        conf = os.path.join(self.tmp, 'all.conf')
        with open(conf, 'w') as f:
            f.write(config(self.port, self.state))
        with open(self.log_path, 'wb') as log:
            self.proc = subprocess.Popen(
                [deployment.script('manila-repl-all'), '--state-path',
                 self.state, '--config-file', conf],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        api = deployment.ApiClient(self.endpoint)
        api.wait_until_up()
        api.wait(lambda: api.pool_count() == len(BACKENDS),
                 'the pools of every backend', timeout=60)
        return api

    def log(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def started(tmp):
    """A running AllInOne (``.api`` its client); its log is printed when
    the body fails, and it is stopped in any case."""
    running = AllInOne(tmp)
    try:
        running.api = running.start()
        yield running
    except BaseException:
        print(running.log()[-8000:])
        raise
    finally:
        running.stop()


#: Poll until a predicate holds (0.2 s apart); returns its value.
def until(predicate, what, timeout=30):
    return deployment.ApiClient.wait(predicate, what, timeout, interval=0.2)


def wait_gone(url, token='admin:admin', timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = requests.get(url, headers={'X-Auth-Token': token}, timeout=10)
        if r.status_code == 404:
            return
        time.sleep(0.1)
    raise AssertionError('%s still there' % url)
