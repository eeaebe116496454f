"""An administrator sees when a replica last synced, and why it failed."""
import datetime

from manila_repl.db import models


def test_admin_detail_shows_last_sync_and_message(client, db):
    db.zone('az1')
    db.zone('az2')
    share_id = db.share()
    db.instance(share_id)
    replica = db.instance(share_id, replica_state='in_sync', az='az2',
                          host='node@az2#pool0')
    synced = datetime.datetime(2026, 3, 4, 5, 6, 7, 890000)
    db.update(models.ShareInstance, replica, last_sync_at=synced)

    shown = client.get(f'/v2/share-replicas/{replica}').json['share_replica']
    assert shown['last_sync_at'] == '2026-03-04T05:06:07.890000'
    assert shown['status_message'] is None
    listed = {r['id']: r for r in client.get(
        f'/v2/share-replicas/detail?share_id={share_id}').json[
            'share_replicas']}
    assert listed[replica]['last_sync_at'] == '2026-03-04T05:06:07.890000'

    db.update(models.ShareInstance, replica, status='error',
              status_message='Replica creation failed: disk on fire')
    shown = client.get(f'/v2/share-replicas/{replica}').json['share_replica']
    assert shown['status_message'] == 'Replica creation failed: disk on fire'


def test_member_view_stays_manilas(client, db):
    db.zone('az1')
    share_id = db.share()
    active = db.instance(share_id)
    shown = client.get(f'/v2/share-replicas/{active}',
                       roles='member').json['share_replica']
    assert 'last_sync_at' not in shown
    assert 'status_message' not in shown
