"""Manila's own API tests (manila-tempest-plugin) against manila-repl, as an
operator would run them: a real Keystone with Manila's catalog entries,
``manila-repl-all`` with ``auth_strategy = keystone`` and six localdir
backends (two per AZ in az1, az2 and az3, one replication domain), and
``tempest run --concurrency 2`` over the replication and microversion
tests. ``tox -e tempest`` runs this; everything is torn down after.

    python -m tests.tempest.run [--workdir DIR] [--keep] [--regex R]
                                [--min-passed N]

Exit status: tempest's (0 when nothing failed), or 1 when fewer than
``--min-passed`` tests passed (so that CI fails when tests stop running,
not only when they fail). The last line is the plain ``N passed, N
failed, N skipped`` summary.
"""
import argparse
import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


from tests import cached_venv
from tests import keystone_env
from tests import manila_all

HERE = os.path.dirname(__file__)
REQUIREMENTS = os.path.join(HERE, 'requirements.txt')
#: manila_tempest_tests.tests.api.test_replication*,
#: ...api.admin.test_replication*, ...api.test_microversions and
#: ...api.admin.test_user_messages* (user messages, positive and negative).
SELECTION = (r'^manila_tempest_tests\.tests\.api\.'
             r'(test_replication|admin\.test_replication|test_microversions|'
             r'admin\.test_user_messages)')
MAX_MICROVERSION = '2.95'
ZONES = ('az1', 'az2', 'az3')
#: Two localdir backends per AZ, in one replication domain.
BACKENDS = {'%s%s' % (zone, suffix): zone for zone in ZONES
            for suffix in ('a', 'b')}


def log(message):
    print('tempest-run: %s' % message, flush=True)


def tempest_venv():
    return cached_venv.ensure('tempest', REQUIREMENTS)


def tempest_config(keystone, log_file):
    config = configparser.ConfigParser()
    config.read_dict({
        'DEFAULT': {'log_file': log_file, 'debug': 'true'},
        'auth': {
            'use_dynamic_credentials': 'true',
            'admin_username': 'admin',
            'admin_password': keystone_env.ADMIN_PASSWORD,
            'admin_project_name': 'admin',
            'admin_domain_name': 'Default',
            'create_isolated_networks': 'false',
        },
        'identity': {
            'uri_v3': keystone.url,
            'auth_version': 'v3',
            'region': keystone_env.REGION,
        },
        'identity-feature-enabled': {'api_v2': 'false'},
        'service_available': {
            'manila': 'true', 'cinder': 'false', 'nova': 'false',
            'glance': 'false', 'neutron': 'false', 'swift': 'false',
        },
        'enforce_scope': {'manila': 'false'},
        'share': {
            'min_api_microversion': '2.0',
            'max_api_microversion': MAX_MICROVERSION,
            'region': keystone_env.REGION,
            'multitenancy_enabled': 'false',
            'enable_protocols': 'nfs',
            'enable_ip_rules_for_protocols': 'nfs',
            'enable_user_rules_for_protocols': '',
            'enable_cert_rules_for_protocols': '',
            'enable_ro_access_level_for_protocols': 'nfs',
            'capability_storage_protocol': 'NFS',
            'capability_snapshot_support': 'true',
            'capability_create_share_from_snapshot_support': 'true',
            'run_snapshot_tests': 'true',
            'run_revert_to_snapshot_tests': 'false',
            'run_mount_snapshot_tests': 'false',
            'run_replication_tests': 'true',
            'run_multiple_share_replicas_tests': 'true',
            'backend_replication_type': 'readable',
            'run_share_group_tests': 'false',
            'run_manage_unmanage_tests': 'false',
            'run_manage_unmanage_snapshot_tests': 'false',
            'run_host_assisted_migration_tests': 'false',
            'run_driver_assisted_migration_tests': 'false',
            'run_migration_with_preserve_snapshots_tests': 'false',
            'run_share_server_migration_tests': 'false',
            'run_quota_tests': 'true',
            'run_extend_tests': 'true',
            'run_shrink_tests': 'true',
            'multi_backend': 'false',
            'build_interval': '1',
            'build_timeout': '300',
            'share_creation_retry_number': '0',
            'suppress_errors_in_cleanup': 'false',
        },
    })
    return config


def run_tempest(venv, workdir, keystone, regex, concurrency):
    tempest = os.path.join(venv, 'bin', 'tempest')
    workspace = os.path.join(workdir, 'tempest')
    # Registered in a workspace file of our own, not ~/.tempest.
    subprocess.run([tempest, 'init', '--name', os.path.basename(workdir),
                    '--workspace-path',
                    os.path.join(workdir, 'workspace.yaml'), workspace],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    config = tempest_config(keystone,
                            os.path.join(workspace, 'tempest.log'))
    with open(os.path.join(workspace, 'etc', 'tempest.conf'), 'w') as f:
        config.write(f)
    output = os.path.join(workdir, 'tempest-run.txt')
    with open(output, 'w') as out:
        result = subprocess.run(
            [tempest, 'run', '--concurrency', str(concurrency), '--regex',
             regex], cwd=workspace, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ, PATH=os.path.join(venv, 'bin') + ':' +
                     os.environ.get('PATH', '')))
    with open(output, errors='replace') as f:
        text = f.read()
    return result.returncode, text


def totals(text):
    found = {}
    for key in ('Passed', 'Skipped', 'Failed'):
        match = re.search(r'^ - %s: (\d+)' % key, text, re.M)
        found[key.lower()] = int(match.group(1)) if match else 0
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir', help='keep everything here (default: '
                        'a temporary directory, removed after)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary directory')
    parser.add_argument('--regex', default=SELECTION)
    parser.add_argument('--concurrency', type=int, default=2)
    parser.add_argument('--min-passed', type=int, default=0,
                        help='fail unless at least this many tests pass')
    args = parser.parse_args(argv)

    # SIGTERM unwinds like Ctrl-C: Keystone and manila-repl are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    start = time.monotonic()
    try:
        venv = tempest_venv()
        keystone_env.venv()
    except cached_venv.BuildError as exc:
        log('cannot build the tempest or keystone venv: %s' % exc)
        return 2
    log('venvs ready in %.0f s' % (time.monotonic() - start))
    workdir = args.workdir or tempfile.mkdtemp(prefix='manila-repl-tempest-')
    os.makedirs(workdir, exist_ok=True)
    manila = None
    try:
        with keystone_env.Keystone(os.path.join(workdir, 'keystone')) as ks:
            manila = manila_all.ManilaAll(
                os.path.join(workdir, 'manila'), ks, BACKENDS,
                driver='localdir', driver_options=[
                    'localdir_capacity_gb = 1000'],
                # Tempest waits for in_sync replicas: sync often.
                status_interval=5)
            ks.register_manila(manila.endpoint)
            manila.start()
            log('Keystone on %s, manila-repl on %s (%.0f s)' % (
                ks.url, manila.endpoint, time.monotonic() - start))
            code, text = run_tempest(venv, workdir, ks, args.regex,
                                     args.concurrency)
    finally:
        if manila is not None:
            manila.stop()
    tail = text[text.find('======\nTotals'):] if 'Totals' in text else (
        text[-5000:])
    print(text if code else tail, flush=True)
    counts = totals(text)
    log('workdir %s; wall time %.0f s' % (workdir,
                                           time.monotonic() - start))
    if not (args.workdir or args.keep):
        shutil.rmtree(workdir, ignore_errors=True)
    print('%(passed)d passed, %(failed)d failed, %(skipped)d skipped' %
          counts, flush=True)
    return verdict(code, counts, args.min_passed)


def verdict(code, counts, min_passed):
    """The exit status: tempest's, or 1 when it says 0 but something
    failed or fewer than ``min_passed`` passed."""
    if code == 0 and (counts['failed'] or counts['passed'] < min_passed):
        log('expected no failure and at least %d passed' % min_passed)
        return 1
    return code


if __name__ == '__main__':
    sys.exit(main())
