"""The control plane as an operator deploys it, measured by one client.

    .venv/bin/python -m benchmarks.deployed_client \\
        [--setup builtin:mariadb-mysqlclient ...] [--rounds 3]

A set-up is SERVER:DATABASE. SERVER: ``builtin`` (manila-repl-api, its
cheroot server), ``gunicorn`` or ``uwsgi`` (``manila_repl.api.wsgi:
application``, 2 processes x 4 threads). DATABASE: ``postgresql``
(psycopg2), ``mariadb-pymysql`` or ``mariadb-mysqlclient``. Each set-up
runs separate api, scheduler and share daemons (three fake backends
az1..az3, no injected delays) over a fresh RabbitMQ vhost and a fresh
database, ``replica_status_interval = 2``, debug off. Rounds interleave
the set-ups (round 1 of every set-up, then round 2, ...); the table at the
end gives each measure's median over rounds.

Every round, in order:

1. 50 shares in az1, each with a replica in az2: 100 replica rows.
2. footprint: 10 s idle, then PSS (/proc/<pid>/smaps_rollup, the process
   and its children) of api, scheduler and az1 once az2 and az3 are
   stopped (PSS splits shared pages among the processes that map them);
   az2 and az3 are started again.
3. list: GET /v2/share-replicas/detail (the 100 rows) from 4 client
   threads for --duration s: req/s, p99, and the API's CPU per request
   (utime+stime of the api processes / requests).
4. latency: one more share; --iterations times: POST a replica in az2
   and GET it every --poll s until available; promote it and poll until
   active and available; promote back; delete. Medians of the samples
   (from just before the POST / promote to the poll that saw it).
5. burst: 50 more shares (not timed), then 100 POST /v2/share-replicas
   (az2 then az3 of each) from --burst-threads threads: creates/s (100 /
   first request to last answer), POST latency, how long after the last
   answer every replica reads available, CPU of each daemon.

Before each round the load average and other test runs are printed
(``quiet`` in the table means no pytest/tox ran and the 1-min load was
under 1 when the round started).
"""
import argparse
import collections
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


from benchmarks import api_throughput
from benchmarks import common
from benchmarks import create_burst
from benchmarks import footprint as footprint_bench
from benchmarks import latency as latency_bench
from tests.functional import deployment
from tests.functional import services
from tests.functional import workflow

SERVERS = ('builtin', 'gunicorn', 'uwsgi')
DATABASES = {'postgresql': 'postgresql',
             'mariadb-pymysql': 'mariadb-pymysql',
             'mariadb-mysqlclient': 'mariadb'}
WORKERS, THREADS = 2, 4


# -- processes -------------------------------------------------------------

def tree(pid):
    """``pid`` and its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir('/proc/%d/task' % p):
                with open('/proc/%d/task/%s/children' % (p, task)) as f:
                    todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return pids


def _over_tree(pid, measure):
    """The sum of ``measure(p)`` over ``pid`` and its descendants (one
    that exits meanwhile counts 0)."""
    total = 0.0
    for p in tree(pid):
        try:
            total += measure(p)
        except OSError:
            pass
    return total


def pss_mib(pid):
    return _over_tree(pid, footprint_bench.pss_mib)


def cpu_seconds(pid):
    return _over_tree(pid, footprint_bench.cpu_seconds)


def load_state():
    with open('/proc/loadavg') as f:
        load1 = float(f.read().split()[0])
    others = common.busy()
    return load1, others


def api_process(server, dep, config_files):
    """The api daemon as ``server`` runs it."""
    env = dict(os.environ,
               MANILA_REPL_CONFIG_FILES=','.join(config_files))
    log = os.path.join(dep.tmp, 'api.log')
    bind = '127.0.0.1:%d' % dep.port
    app = 'manila_repl.api.wsgi:application'
    if server == 'gunicorn':
        # --preload: the workers share the application's pages with the
        # master (it opens no connection and starts no thread on import).
        argv = [deployment.script('gunicorn'), '--workers', str(WORKERS),
                '--threads', str(THREADS), '--bind', bind,
                '--worker-class', 'gthread', '--preload', app]
    elif server == 'uwsgi':
        argv = [deployment.script('uwsgi'), '--http11-socket', bind,
                '--master', '--processes', str(WORKERS),
                '--threads', str(THREADS), '--module', app,
                '--need-app', '--die-on-term',
                '--disable-logging', '--single-interpreter']
    else:
        return dep.processes['api']
    return deployment.Process('api', argv, log, env=env)


@contextlib.contextmanager
def deployed(server, database, tmp, env=None):
    with services.rabbit_vhost() as transport_url, \
            services.database(DATABASES[database]) as db_url:
        extra = '[DEFAULT]\ndebug = false\n'
        dep = deployment.Deployment(tmp, transport_url, db_url, interval=2,
                                    extra_config=extra)
        dep.processes['api'] = api_process(
            server, dep, [dep.config, os.path.join(dep.tmp, 'extra.conf')])
        if env:
            for process in dep.processes.values():
                process.env = dict(process.env or os.environ, **env)
        with dep.running():
            yield dep


# -- the parts of a round ---------------------------------------------------

def make_replicated(api, type_id, shares, az='az2'):
    made = []
    for _ in range(shares):
        share_id = workflow.create_share(api, type_id, az='az1')
        made.append((share_id, workflow.add_replica(api, share_id, az)))
    for _share, rid in made:
        workflow.wait_replica(api, rid, 'replica in_sync',
                              status='available', replica_state='in_sync')
    return made


def footprint(dep, settle):
    time.sleep(settle)
    for name in ('az2', 'az3'):
        dep.processes[name].kill(signal.SIGTERM)
    time.sleep(3)
    pss = {name: pss_mib(dep.processes[name].popen.pid)
           for name in ('api', 'scheduler', 'az1')}
    for name in ('az2', 'az3'):
        dep.processes[name].start()
    dep.api.wait(lambda: len(dep.api.get('/scheduler-stats/pools')
                             .json()['pools']) == 3, 'pools', timeout=30)
    return pss


def list_load(dep, threads, duration, rows):
    api_pid = dep.processes['api'].popen.pid
    cpu0, t0 = cpu_seconds(api_pid), time.perf_counter()
    flat, elapsed = api_throughput.load(
        dep.api.endpoint + '/share-replicas/detail', threads, duration,
        rows)
    # Includes each client's warm-up request: a few of thousands.
    cpu = cpu_seconds(api_pid) - cpu0
    wall = time.perf_counter() - t0
    return {'list req/s': len(flat) / elapsed,
            'list p99 ms': common.percentile(flat, 99) * 1000,
            'list median ms': statistics.median(flat) * 1000,
            'list API CPU ms/req': cpu / len(flat) * 1000,
            'list API CPU %': 100 * cpu / wall}


def latency(api, type_id, iterations, every):
    share_id = workflow.create_share(api, type_id, az='az1')
    r1 = api.replicas(share_id)['az1']['id']
    creates, promotes = [], []
    for i in range(iterations + 1):
        t0 = time.perf_counter()
        r2 = workflow.add_replica(api, share_id, 'az2')
        create = latency_bench.poll(api, r2, every, status='available') - t0
        # in_sync needs the add's own sync only: no status cycle involved.
        latency_bench.poll(api, r2, every, replica_state='in_sync')
        samples = []
        for target in (r2, r1):
            t0 = time.perf_counter()
            workflow.promote(api, target)
            samples.append(latency_bench.poll(
                api, target, every, replica_state='active',
                status='available') - t0)
            latency_bench.poll(api, r2 if target == r1 else r1, every,
                               status='available')
        r = api.delete('/share-replicas/%s' % r2)
        assert r.status_code == 202, r.text
        api.wait(lambda: api.get('/share-replicas/%s' % r2)
                 .status_code == 404, 'the replica to be deleted')
        if i:          # the first iteration warms up
            creates.append(create)
            promotes += samples
    return {'create->available ms': statistics.median(creates) * 1000,
            'create p90 ms': common.percentile(creates, 90) * 1000,
            'promote->active ms': statistics.median(promotes) * 1000,
            'promote p90 ms': common.percentile(promotes, 90) * 1000}


def burst(dep, type_id, shares, threads, profile=None):
    api = dep.api
    made = [workflow.create_share(api, type_id, az='az1')
            for _ in range(shares)]
    pids = {name: p.popen.pid for name, p in dep.processes.items()}
    with spied(dep, 'burst', profile):
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        b = create_burst.burst(api, made, threads)
    cpu = {name: cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
    result = {'burst creates/s': b['total'] / (b['last'] - b['first']),
              'burst POST median ms': statistics.median(b['posts']) * 1000,
              'burst available after last answer s': b['done'] - b['last']}
    for name in ('api', 'scheduler', 'az1'):
        result['burst CPU %s ms/create' % name] = \
            cpu[name] / b['total'] * 1000
    result['burst az1 CPU %'] = 100 * cpu['az1'] / (b['done'] - b['first'])
    return result


@contextlib.contextmanager
def spied(dep, part, directory):
    """py-spy (collapsed stacks, 250 Hz, threads holding the GIL) of api,
    scheduler and az1 for the body, into ``directory/<part>-<name>.txt``.
    """
    if not directory:
        yield
        return
    os.makedirs(directory, exist_ok=True)
    spies = []
    for name in ('api', 'scheduler', 'az1'):
        out = os.path.join(directory, '%s-%s.txt' % (part, name))
        spies.append(subprocess.Popen(
            [shutil.which('py-spy') or deployment.script('py-spy'),
             'record', '--format', 'raw', '--rate', '250', '--subprocesses',
             '--idle' if os.environ.get('SPY_WALL') else '--gil',
             '--nonblocking', '--pid', str(dep.processes[name].popen.pid),
             '--output', out], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
    time.sleep(1)        # attached
    try:
        yield
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            spy.wait(30)


def one_round(server, database, args):
    tmp = tempfile.mkdtemp(prefix='bench-deployed-')
    load1, others = load_state()
    result = {'load': load1, 'quiet': not others and load1 < 1.0}
    print('--- %s:%s load %.2f%s' % (
        server, database, load1,
        ('; also running: ' + '; '.join(o[:80] for o in others))
        if others else ''), flush=True)
    try:
        with deployed(server, database, tmp, args.env) as dep:
            api = dep.api
            r = api.request('PUT', '/quota-sets/admin', json={'quota_set': {
                'shares': 10000, 'gigabytes': 10000, 'share_replicas': 10000,
                'replica_gigabytes': 10000}})
            assert r.status_code == 200, r.text
            type_id = workflow.create_replicated_type(api)
            make_replicated(api, type_id, 50)
            rows = len(api.get('/share-replicas/detail')
                       .json()['share_replicas'])
            assert rows == 100, rows
            if 'footprint' in args.parts:
                pss = footprint(dep, args.settle)
                result.update({'PSS %s MiB' % k: v for k, v in pss.items()})
                result['PSS api+scheduler+share MiB'] = sum(pss.values())
            if 'list' in args.parts:
                with spied(dep, 'list', args.profile):
                    result.update(list_load(dep, 4, args.duration, rows))
            if 'latency' in args.parts:
                with spied(dep, 'latency', args.profile):
                    result.update(latency(api, type_id, args.iterations,
                                          args.poll))
            if 'burst' in args.parts:
                result.update(burst(dep, type_id, 50, args.burst_threads,
                                    args.profile))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for key, value in result.items():
        print('  %-40s %s' % (key, ('%.2f' % value)
                              if isinstance(value, float) else value))
    sys.stdout.flush()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--setup', action='append',
                        help='SERVER:DATABASE (repeatable; default '
                             'builtin:mariadb-pymysql)')
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--parts', default='footprint,list,latency,burst')
    parser.add_argument('--duration', type=float, default=10.0)
    parser.add_argument('--iterations', type=int, default=20)
    parser.add_argument('--poll', type=float, default=0.01)
    parser.add_argument('--burst-threads', type=int, default=8)
    parser.add_argument('--settle', type=float, default=10.0)
    parser.add_argument('--env', action='append', default=[],
                        metavar='NAME=VALUE',
                        help='environment of every daemon (repeatable)')
    parser.add_argument('--profile', metavar='DIR',
                        help='py-spy the daemons during list, latency, burst '
                             '(collapsed stacks in DIR; see '
                             'benchmarks/spy_top.py)')
    args = parser.parse_args()
    args.env = dict(item.split('=', 1) for item in args.env)
    setups = []
    for item in args.setup or ['builtin:mariadb-pymysql']:
        server, _, database = item.partition(':')
        if server not in SERVERS or database not in DATABASES:
            parser.error('unknown set-up %s' % item)
        setups.append((server, database))
    print('machine:', common.machine())
    print('command:', ' '.join(sys.argv))
    results = collections.defaultdict(list)
    for _ in range(args.rounds):
        for setup in setups:
            results[setup].append(one_round(*setup, args))
    keys = [k for k in results[setups[0]][0] if k not in ('load', 'quiet')]
    print('\nmedians over %d round(s); quiet rounds per set-up: %s' % (
        args.rounds, ', '.join('%s:%s %d/%d' % (s + (
            sum(r['quiet'] for r in results[s]), len(results[s])))
            for s in setups)))
    print('| measure | ' + ' | '.join('%s:%s' % s for s in setups) + ' |')
    print('|---' * (len(setups) + 1) + '|')
    for key in keys:
        print('| %s | %s |' % (key, ' | '.join(
            '%.1f' % statistics.median(r[key] for r in results[s])
            for s in setups)))


if __name__ == '__main__':
    main()
