"""Memory (PSS) and idle CPU of the daemons of the processes deployment
(RabbitMQ and PostgreSQL) holding 100 replicas.

    .venv/bin/python -m benchmarks.footprint [--cpu-seconds 60]

50 shares active in az1, each with a replica in az2 and one in az3 (100
replicas besides the 50 actives), made through the API; the managers run
replica_status_interval = 2 s, so the az1 manager updates 100 replicas
every 2 s. After a 10 s settle: Pss from /proc/<pid>/smaps_rollup of each
daemon, then utime+stime from /proc/<pid>/stat over --cpu-seconds,
then PSS again after stopping the az2 and az3 managers.
Targets: api + scheduler + one share manager < 220 MiB PSS (upstream
Manila's three daemons: 665 MiB); a share manager < 10% of a core.
"""
import argparse
import os
import signal
import time

from benchmarks import common
from benchmarks import deployed
from tests.functional import workflow

TICK = os.sysconf('SC_CLK_TCK')


def pss_mib(pid):
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            if line.startswith('Pss:'):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError('no Pss for %d' % pid)


def rss_mib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rpartition(')')[2].split()
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / TICK


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shares', type=int, default=50)
    parser.add_argument('--cpu-seconds', type=float, default=60.0)
    parser.add_argument('--settle', type=float, default=10.0)
    parser.add_argument('--db', default='postgresql',
                        choices=('postgresql', 'mariadb'))
    args = parser.parse_args()
    print('machine:', common.machine())
    with deployed.deployed(args.db, interval=2) as dep:
        api = dep.api
        type_id = workflow.create_replicated_type(api)
        replicas = []
        for _ in range(args.shares):
            share_id = workflow.create_share(api, type_id, az='az1')
            replicas += [workflow.add_replica(api, share_id, az)
                         for az in ('az2', 'az3')]
        for rid in replicas:
            workflow.wait_replica(api, rid, 'replica available',
                                  status='available', replica_state='in_sync')
        rows = api.get('/share-replicas/detail').json()['share_replicas']
        print('%d replica rows (%d non-active) stored' % (
            len(rows), sum(r['replica_state'] != 'active' for r in rows)))
        time.sleep(args.settle)

        pids = {name: p.popen.pid for name, p in dep.processes.items()}
        pss = {name: pss_mib(pid) for name, pid in pids.items()}
        print('PSS with all %d daemons running:' % len(pids))
        for name, pid in pids.items():
            print('  %-10s pid %6d  PSS %6.1f MiB  RSS %6.1f MiB' % (
                name, pid, pss[name], rss_mib(pid)))
        print('  api + scheduler + az1: %.1f MiB; all: %.1f MiB' % (
            pss['api'] + pss['scheduler'] + pss['az1'], sum(pss.values())))

        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t0 = time.monotonic()
        time.sleep(args.cpu_seconds)
        elapsed = time.monotonic() - t0
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for name in pids:
            print('%-10s CPU %.2f s in %.0f s = %.1f%% of a core' % (
                name, after[name] - before[name], elapsed,
                100 * (after[name] - before[name]) / elapsed))
        az1 = 100 * (after['az1'] - before['az1']) / elapsed
        print('RESULT idle CPU, share manager owning the 50 actives (az1, '
              '100 replicas, interval 2 s): %.1f%% of a core over %.0f s'
              % (az1, elapsed))

        # PSS splits shared pages among the processes mapping them: with
        # az2 and az3 gone, the three left carry what a deployment of
        # api + scheduler + one share manager would.
        for name in ('az2', 'az3'):
            dep.processes[name].kill(signal.SIGTERM)
        time.sleep(3)
        trio = {name: pss_mib(pids[name])
                for name in ('api', 'scheduler', 'az1')}
        for name, value in trio.items():
            print('  %-10s PSS %6.1f MiB  RSS %6.1f MiB' % (
                name, value, rss_mib(pids[name])))
        print('RESULT PSS api + scheduler + share manager (az1), the only '
              'three daemons running: %.1f MiB' % sum(trio.values()))
        # The log shows the cycles ran: count them.
        cycles = dep.processes['az1'].log().count('Replica status cycle')
        print('az1 log: %d replica status cycle lines' % cycles)


if __name__ == '__main__':
    main()
