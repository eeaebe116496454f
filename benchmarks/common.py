"""Helpers shared by the benchmarks: machine facts, statistics, and bulk
rows written straight into the database (no API, no ORM unit of work)."""
import datetime
import os
import platform
import statistics
import subprocess
import time
import uuid

import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    model = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem_kb = int(f.readline().split()[1])
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                            cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', 'manila_repl'],
                           cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return ('nproc %d, %s, %.1f GiB RAM, Python %s, commit %s%s, %s UTC' % (
        os.cpu_count(), model, mem_kb / 2 ** 20, platform.python_version(),
        commit, ' (+local changes)' if dirty else '',
        datetime.datetime.now(datetime.timezone.utc)
        .strftime('%Y-%m-%d %H:%M')))


def busy():
    """Other test runs on the machine (CPU noise), as 'pid cmd' lines."""
    out = subprocess.run(['pgrep', '-fa', 'tox|pytest'], capture_output=True,
                         text=True).stdout
    return [line for line in out.splitlines()
            if str(os.getpid()) != line.split()[0]]


def wait_quiet(limit=600):
    """Wait (up to ``limit`` s) until no tox/pytest runs; report it."""
    deadline = time.monotonic() + limit
    while busy() and time.monotonic() < deadline:
        time.sleep(10)
    left = busy()
    if left:
        print('WARNING: not quiet, still running: %s' % '; '.join(left))
    return not left


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float('nan')
    rank = max(1, int(round(p / 100.0 * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values, unit_scale=1000.0, unit='ms'):
    return ('n=%d median %.1f %s, p90 %.1f %s, p99 %.1f %s, min %.1f, '
            'max %.1f' % (
                len(values), statistics.median(values) * unit_scale, unit,
                percentile(values, 90) * unit_scale, unit,
                percentile(values, 99) * unit_scale, unit,
                min(values) * unit_scale, max(values) * unit_scale))


def host(node, backend, pool='pool0'):
    return '%s@%s#%s' % (node, backend, pool)


def populate(engine, shares, active_host, replica_hosts, project='admin',
             replica_state=c.REPLICA_STATE_IN_SYNC, chunk=2000):
    """``shares`` readable shares, each with an active instance on
    ``active_host`` and one available replica on each of ``replica_hosts``
    (hosts are ``node@backend#pool``). Bulk executemany inserts.

    :returns: [(share_id, active_id, [replica ids])]
    """
    base = datetime.datetime(2026, 1, 1)
    made, share_rows, instance_rows = [], [], []
    for n in range(shares):
        share_id = str(uuid.uuid4())
        created = base + datetime.timedelta(seconds=n)
        share_rows.append({
            'id': share_id, 'project_id': project, 'user_id': project,
            'display_name': 'bench-%d' % n, 'size': 1, 'share_proto': 'NFS',
            'replication_type': 'readable', 'is_public': False,
            'metadata_': {}, 'created_at': created})
        hosts = [(active_host, c.REPLICA_STATE_ACTIVE)] + [
            (h, replica_state) for h in replica_hosts]
        ids = []
        for k, (where, state) in enumerate(hosts):
            instance_id = str(uuid.uuid4())
            ids.append(instance_id)
            zone = where.partition('@')[2].partition('#')[0]
            instance_rows.append({
                'id': instance_id, 'share_id': share_id, 'host': where,
                'availability_zone': zone, 'status': c.STATUS_AVAILABLE,
                'replica_state': state,
                'cast_rules_to_readonly': state != c.REPLICA_STATE_ACTIVE,
                'created_at': created + datetime.timedelta(
                    milliseconds=k)})
        made.append((share_id, ids[0], ids[1:]))
    with engine.begin() as conn:
        for i in range(0, len(share_rows), chunk):
            conn.execute(sa.insert(models.Share), share_rows[i:i + chunk])
        for i in range(0, len(instance_rows), chunk):
            conn.execute(sa.insert(models.ShareInstance),
                         instance_rows[i:i + chunk])
    return made
