"""Share snapshots and snapshot instances.

Snapshots are the dicts of share.snapshot_api (with the status aggregated
over the instances on active and in_sync replicas); snapshot instances
are its narrow rows. Building a view costs no query.
"""
from manila_repl.api.views import links, timestamp, with_count


def summary(request, snapshot):
    return {'id': snapshot['id'], 'name': snapshot['display_name'],
            'links': links(request, 'snapshots', snapshot['id'],
                           snapshot['project_id'])}


def detail(request, snapshot, is_admin, version):
    view = {
        'id': snapshot['id'],
        'share_id': snapshot['share_id'],
        'share_size': snapshot['size'],
        'created_at': timestamp(snapshot['created_at']),
        'status': snapshot['status'],
        'name': snapshot['display_name'],
        'description': snapshot['display_description'],
        'size': snapshot['size'],
        'share_proto': snapshot['share_proto'],
        'links': links(request, 'snapshots', snapshot['id'],
                       snapshot['project_id']),
    }
    if version >= (2, 12) and is_admin:
        view['provider_location'] = snapshot['provider_location']
    if version >= (2, 17):
        view['user_id'] = snapshot['user_id']
        view['project_id'] = snapshot['project_id']
    if version >= (2, 73):
        view['metadata'] = {}
    return view


def show(request, snapshot, is_admin, version):
    return {'snapshot': detail(request, snapshot, is_admin, version)}


def summary_list(request, snapshots, count=None):
    return with_count({'snapshots': [summary(request, x)
                                     for x in snapshots]}, count)


def detail_list(request, snapshots, is_admin, version, count=None):
    return with_count({'snapshots': [detail(request, x, is_admin, version)
                                     for x in snapshots]}, count)


def instance_summary(row):
    return {'id': row['id'], 'snapshot_id': row['snapshot_id'],
            'status': row['status']}


def instance_detail(row):
    """Manila's fields; ``status_message`` besides (why it is in error)."""
    return {
        'id': row['id'],
        'snapshot_id': row['snapshot_id'],
        'created_at': timestamp(row['created_at']),
        'updated_at': timestamp(row['updated_at']),
        'status': row['status'],
        'share_id': row['share_id'],
        'share_instance_id': row['share_instance_id'],
        'progress': row['progress'],
        'provider_location': row['provider_location'],
        'status_message': row['status_message'],
    }
