"""Policy rules: Snapshots and snapshot instances."""
from manila_repl.policies import base

SHARE_CREATE_SNAPSHOT = 'share:create_snapshot'
SHARE_SNAPSHOT_GET_ALL_SNAPSHOTS = 'share_snapshot:get_all_snapshots'
SHARE_SNAPSHOT_GET_SNAPSHOT = 'share_snapshot:get_snapshot'
SHARE_SNAPSHOT_UPDATE = 'share:snapshot_update'
SHARE_DELETE_SNAPSHOT = 'share:delete_snapshot'
SHARE_SNAPSHOT_RESET_STATUS = 'share_snapshot:reset_status'
SHARE_SNAPSHOT_FORCE_DELETE = 'share_snapshot:force_delete'
SHARE_SNAPSHOT_INSTANCE_INDEX = 'share_snapshot_instance:index'
SHARE_SNAPSHOT_INSTANCE_DETAIL = 'share_snapshot_instance:detail'
SHARE_SNAPSHOT_INSTANCE_SHOW = 'share_snapshot_instance:show'
SHARE_SNAPSHOT_INSTANCE_RESET_STATUS = 'share_snapshot_instance:reset_status'

#: The rule of each snapshot action (the body's key, without ``os-``).
ACTIONS = {
    'reset_status': SHARE_SNAPSHOT_RESET_STATUS,
    'force_delete': SHARE_SNAPSHOT_FORCE_DELETE,
}

rules = [
    base.rule(SHARE_CREATE_SNAPSHOT, base.ADMIN_OR_MEMBER,
              'Create a snapshot of a share (one instance per replica).',
              [('POST', '/v2/snapshots')]),
    base.rule(SHARE_SNAPSHOT_GET_ALL_SNAPSHOTS, base.ADMIN_OR_READER,
              'List snapshots.',
              [('GET', '/v2/snapshots')]),
    base.rule(SHARE_SNAPSHOT_GET_SNAPSHOT, base.ADMIN_OR_READER,
              'Show a snapshot.',
              [('GET', '/v2/snapshots/{snapshot_id}')]),
    base.rule(SHARE_SNAPSHOT_UPDATE, base.ADMIN_OR_MEMBER,
              'Update the name or description of a snapshot.',
              [('PUT', '/v2/snapshots/{snapshot_id}')]),
    base.rule(SHARE_DELETE_SNAPSHOT, base.ADMIN_OR_MEMBER,
              'Delete a snapshot.',
              [('DELETE', '/v2/snapshots/{snapshot_id}')]),
    base.rule(SHARE_SNAPSHOT_RESET_STATUS, base.ADMIN_API,
              'Reset the status of a snapshot (database only).',
              [('POST', '/v2/snapshots/{snapshot_id}/action')]),
    base.rule(SHARE_SNAPSHOT_FORCE_DELETE, base.ADMIN_API,
              'Delete a snapshot whatever its status.',
              [('POST', '/v2/snapshots/{snapshot_id}/action')]),
    base.rule(SHARE_SNAPSHOT_INSTANCE_INDEX, base.ADMIN_API,
              'List snapshot instances.',
              [('GET', '/v2/snapshot-instances')]),
    base.rule(SHARE_SNAPSHOT_INSTANCE_DETAIL, base.ADMIN_API,
              'List snapshot instances with details.',
              [('GET', '/v2/snapshot-instances/detail')]),
    base.rule(SHARE_SNAPSHOT_INSTANCE_SHOW, base.ADMIN_API,
              'Show a snapshot instance.',
              [('GET', '/v2/snapshot-instances/{snapshot_instance_id}')]),
    base.rule(SHARE_SNAPSHOT_INSTANCE_RESET_STATUS, base.ADMIN_API,
              'Reset the status of a snapshot instance (database only).',
              [('POST',
                '/v2/snapshot-instances/{snapshot_instance_id}/action')]),
]


def list_rules():
    return rules
