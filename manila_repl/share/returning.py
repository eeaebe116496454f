"""Storage hosts that answer again: probed every few seconds, then at once
re-synced (the fencing of a returning old active).

A share manager remembers the backends it could not reach: its driver's
``down_backends()`` (its own backend's host, or a replica's, found silent
by any flow), and, after a restart, the backends of its shares' replicas
in ``error``. Every ``[share]/unreachable_probe_interval`` seconds, not
only at the replica status interval, it asks each of them again
(``probe_backend``). At the first answer, every replica on that backend of
the shares whose active this manager owns is re-synced now
(``replication.update_replica``): the driver fences a returning old active
before anything else (its writable export becomes read-only or goes, the
subvolume is frozen), re-seeds it from the active, and the share's access
rules are applied again. A share busy with another flow (its lock held)
keeps the backend on the list for the next probe.

A host that rebooted lost its exports (bind mounts on tmpfs): the driver
restores the read-only ones at set-up; ``restore_exports`` has the
access rules of its actives applied again.
"""
from oslo_log import log as logging

from manila_repl import coordination
from manila_repl.share import access
from manila_repl.share import instance_db
from manila_repl.share import replication

LOG = logging.getLogger(__name__)


def probe(driver, manager_host, watched):
    """One round of probes.

    :param manager_host: ``host@backend`` of this manager.
    :param watched: backend names to probe besides the driver's (updated:
        a backend stays while its replicas are not all re-synced).
    :returns: the backends that answered.
    """
    answered = []
    for backend in sorted(set(driver.down_backends()) | watched):
        try:
            if not driver.probe_backend(backend):
                watched.add(backend)
                continue
        except Exception as e:
            LOG.warning('Probe of backend %s failed: %s', backend, e)
            watched.add(backend)
            continue
        answered.append(backend)
        if resync(driver, manager_host, backend):
            watched.discard(backend)
        else:
            watched.add(backend)
    return answered


def resync(driver, manager_host, backend):
    """Re-sync now the replicas on ``backend`` of this manager's shares.

    :returns: True when none was left for later (busy or failed).
    """
    done = True
    for replica_id in instance_db.replicas_on(manager_host, backend):
        share_id = instance_db.share_of(replica_id)
        if share_id is None:
            continue
        lock = coordination.share_lock(share_id)
        if not lock.acquire(blocking=False):
            LOG.info('Share %s is busy: replica %s on returning backend %s '
                     'waits for the next probe', share_id, replica_id,
                     backend)
            done = False
            continue
        try:
            LOG.info('Backend %s answers again: re-syncing replica %s',
                     backend, replica_id)
            replication.update_replica(driver, replica_id)
        except Exception:
            LOG.exception('Re-sync of replica %s on backend %s failed',
                          replica_id, backend)
            done = False
        finally:
            lock.release()
    return done


def restore_exports(driver, manager_host):
    """The exports a rebooted host lost, for the instances that are still
    the active one of their share and on this manager's backend: their
    share's access rules are applied again (which exports them). A stale
    old active stays unexported (it is fenced and re-seeded by the
    active's manager)."""
    for instance_id in driver.lost_exports():
        if instance_db.active_on(instance_id, manager_host):
            share_id = instance_db.share_of(instance_id)
            LOG.info('Export of %s lost (host rebooted?): access rules of '
                     'share %s applied again', instance_id, share_id)
            access.apply_again(driver, share_id)
