"""``manila-repl-all`` behind a real Keystone (``auth_strategy =
keystone``), on its own SQLite and the in-process transport: what the
Keystone functional tests and the tempest run talk to.
"""
import os
import signal
import sys

import requests

from tests import keystone_env
from tests.functional import deployment


def backend_sections(backends, driver, extra=()):
    """``backends``: {section name: availability zone}; one replication
    domain."""
    lines = []
    for name, zone in backends.items():
        lines += ['[%s]' % name, 'share_driver = %s' % driver,
                  'backend_availability_zone = %s' % zone,
                  'replication_domain = keystone-tests'] + list(extra)
    return lines


class ManilaAll:
    """Start with ``start()`` (after the catalog names ``endpoint``), stop
    with ``stop()``; logs in ``workdir``."""

    def __init__(self, workdir, keystone, backends, driver='fake',
                 driver_options=(), extra_config=(), status_interval=1):
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.keystone = keystone
        self.backends = dict(backends)
        self.port = keystone_env.free_port()
        self.endpoint = 'http://127.0.0.1:%d/v2' % self.port
        self.config = os.path.join(self.workdir, 'manila-repl.conf')
        self.log_file = os.path.join(self.workdir, 'manila-repl-all.log')
        self.console = os.path.join(self.workdir, 'manila-repl-all.console')
        lines = [
            '[DEFAULT]',
            'host = keystone-tests',
            'state_path = %s' % os.path.join(self.workdir, 'state'),
            'debug = true',
            'log_file = %s' % self.log_file,
            'report_interval = 2',
            '[metrics]',
            'enabled = false',
            '[api]',
            'auth_strategy = keystone',
            'bind_port = %d' % self.port,
            '[share]',
            'enabled_share_backends = %s' % ','.join(self.backends),
            'replica_status_interval = %d' % status_interval,
            'stats_report_interval = 2',
        ] + list(extra_config) + backend_sections(self.backends, driver,
                                                  driver_options)
        with open(self.config, 'w') as f:
            f.write('\n'.join(lines) + '\n' + keystone.authtoken_config())
        self.process = None

    def start(self, timeout=120):
        binary = os.path.join(os.path.dirname(sys.executable),
                              'manila-repl-all')
        self.process = deployment.Process(
            'manila-repl-all', [binary, '--config-file', self.config],
            self.console)
        popen = self.process.start()
        token = self.keystone.token('admin', keystone_env.ADMIN_PASSWORD,
                                    project='admin')
        headers = {'X-Auth-Token': token,
                   'X-OpenStack-Manila-API-Version': '2.95'}

        def pools_reported():
            try:
                r = requests.get(self.endpoint + '/scheduler-stats/pools',
                                 headers=headers, timeout=10)
            except requests.RequestException:
                return False
            return r.status_code == 200 and len(r.json()['pools']) == len(
                self.backends)
        keystone_env.wait_for(
            pools_reported, 'manila-repl-all with %d pools' %
            len(self.backends), timeout, popen, self.console)

    def stop(self):
        if self.process is not None:
            self.process.kill(signal.SIGTERM)

    def log(self):
        tails = []
        for path in (self.console, self.log_file):
            if os.path.exists(path):
                with open(path, errors='replace') as f:
                    tails.append(f.read()[-6000:])
        return '\n'.join(tails)
