"""Share replicas.

Rows are mappings with the columns of db.listing.REPLICA_COLUMNS (the
controller turns an ORM instance into the same mapping): building a view
costs no query.

Beyond Manila's view, an administrator also sees ``last_sync_at`` (when the
replica last synced successfully) and ``status_message`` (why it is in
error); clients ignore keys they do not know.
"""
from manila_repl.api.views import timestamp


def summary(row):
    return {
        'id': row['id'],
        'share_id': row['share_id'],
        'status': row['status'],
        'replica_state': row['replica_state'],
    }


def detail(row, is_admin, version):
    view = {
        'id': row['id'],
        'share_id': row['share_id'],
        'availability_zone': row['availability_zone'],
        'created_at': timestamp(row['created_at']),
        'updated_at': timestamp(row['updated_at']),
        'status': row['status'],
        'share_network_id': None,
        'replica_state': row['replica_state'],
    }
    if version >= (2, 95):
        view['metadata'] = {}
    if is_admin:
        view['host'] = row['host']
        view['share_server_id'] = None
        if version >= (2, 30):
            view['cast_rules_to_readonly'] = bool(
                row['cast_rules_to_readonly'])
        view['last_sync_at'] = timestamp(row['last_sync_at'])
        view['status_message'] = row['status_message']
    return view


def show(row, is_admin, version):
    return {'share_replica': detail(row, is_admin, version)}


def summary_list(rows):
    return {'share_replicas': [summary(r) for r in rows]}


def detail_list(rows, is_admin, version):
    return {'share_replicas': [detail(r, is_admin, version) for r in rows]}
