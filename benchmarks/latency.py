"""Replica create-to-available and promote-to-active latency through the
processes deployment (api, scheduler, 3 share managers; RabbitMQ and
PostgreSQL), measured by a client polling GET /v2/share-replicas/{id}.

    .venv/bin/python -m benchmarks.latency [--iterations 20] [--poll 0.05]

Each iteration on one share (active in az1): POST a replica in az2 and poll
until it reads available (create sample); promote it and poll until it
reads active and available (promote sample); promote az1 back (second
promote sample); delete the az2 replica and wait until it is gone.
A sample is the time from just before the POST to the first poll that
sees the state, so the polling interval bounds the resolution.
Targets: create-to-available < 0.15 s, promote-to-active < 0.08 s
(upstream Manila: 0.46 s and 0.24 s).
"""
import argparse
import time

from benchmarks import common
from benchmarks import deployed
from tests.functional import workflow


def poll(api, replica_id, every, timeout=30, **expected):
    deadline = time.monotonic() + timeout
    while True:
        replica = api.replica(replica_id)
        if replica['status'] == 'error':
            raise AssertionError('replica went to error: %s' % replica)
        if all(replica[k] == v for k, v in expected.items()):
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise AssertionError('timed out: %s, want %s' % (replica,
                                                            expected))
        time.sleep(every)


def promote(api, replica_id, every):
    t0 = time.perf_counter()
    workflow.promote(api, replica_id)
    return poll(api, replica_id, every, replica_state='active',
                status='available') - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iterations', type=int, default=20)
    parser.add_argument('--poll', type=float, default=0.05,
                        help='seconds between two GETs (default 0.05)')
    parser.add_argument('--db', default='postgresql',
                        choices=('postgresql', 'mariadb'))
    parser.add_argument('--interval', type=int, default=300,
                        help='replica_status_interval of the managers')
    args = parser.parse_args()
    print('machine:', common.machine())
    with deployed.deployed(args.db, interval=args.interval) as dep:
        api = dep.api
        type_id = workflow.create_replicated_type(api)
        share_id = workflow.create_share(api, type_id, az='az1')
        r1 = api.replicas(share_id)['az1']['id']
        creates, promotes, warm = [], [], None
        for i in range(args.iterations + 1):
            t0 = time.perf_counter()
            r2 = workflow.add_replica(api, share_id, 'az2')
            create = poll(api, r2, args.poll, status='available') - t0
            # The add answers in_sync; promoting needs no periodic cycle.
            to_az2 = promote(api, r2, args.poll)
            back = promote(api, r1, args.poll)
            r = api.delete('/share-replicas/%s' % r2)
            assert r.status_code == 202, r.text
            api.wait(lambda: api.get('/share-replicas/%s' % r2)
                     .status_code == 404, 'the replica to be deleted')
            if i == 0:
                warm = (create, to_az2, back)
                continue
            creates.append(create)
            promotes += [to_az2, back]
        print('warm-up iteration (not counted): create %.3f s, promotes '
              '%.3f s, %.3f s' % warm)
        print('RESULT create-to-available (poll %.0f ms, %s): %s' % (
            args.poll * 1000, args.db, common.summary(creates)))
        print('RESULT promote-to-active (poll %.0f ms, %s): %s' % (
            args.poll * 1000, args.db, common.summary(promotes)))


if __name__ == '__main__':
    main()
