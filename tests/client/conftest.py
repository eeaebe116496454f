import json
import os
import subprocess

import pytest

from tests.client import server
from tests.functional import deployment


@pytest.fixture(scope='module')
def all_in_one(tmp_path_factory):
    with server.started(tmp_path_factory.mktemp('cli')) as running:
        yield running


@pytest.fixture(scope='module')
def cli(all_in_one):
    env = dict(os.environ, MANILA_REPL_ENDPOINT=all_in_one.endpoint,
               MANILA_REPL_TOKEN='admin:admin')
    for name in list(env):
        if name.startswith('OS_'):
            del env[name]
    command = deployment.script('manila-repl')

    def run(*args, expect=0, env_update=None):
        proc = subprocess.run(
            [command, *args], capture_output=True, text=True, timeout=60,
            env=dict(env, **(env_update or {})), stdin=subprocess.DEVNULL)
        assert proc.returncode == expect, (args, proc.stdout, proc.stderr)
        assert 'Traceback' not in proc.stderr
        return proc

    def run_json(*args):
        return json.loads(run(*args, '-f', 'json').stdout)

    run.json = run_json
    return run
