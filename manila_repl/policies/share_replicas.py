"""Policy rules: Share replicas and their export locations."""
from manila_repl.policies import base

SHARE_REPLICA_CREATE = 'share_replica:create'
SHARE_REPLICA_GET_ALL = 'share_replica:get_all'
SHARE_REPLICA_SHOW = 'share_replica:show'
SHARE_REPLICA_DELETE = 'share_replica:delete'
SHARE_REPLICA_PROMOTE = 'share_replica:promote'
SHARE_REPLICA_RESYNC = 'share_replica:resync'
SHARE_REPLICA_RESET_STATUS = 'share_replica:reset_status'
SHARE_REPLICA_RESET_REPLICA_STATE = 'share_replica:reset_replica_state'
SHARE_REPLICA_FORCE_DELETE = 'share_replica:force_delete'
SHARE_REPLICA_EXPORT_LOCATION_INDEX = 'share_replica_export_location:index'
SHARE_REPLICA_EXPORT_LOCATION_SHOW = 'share_replica_export_location:show'

#: The rule of each replica action (the body's key).
ACTIONS = {
    'promote': SHARE_REPLICA_PROMOTE,
    'resync': SHARE_REPLICA_RESYNC,
    'reset_status': SHARE_REPLICA_RESET_STATUS,
    'reset_replica_state': SHARE_REPLICA_RESET_REPLICA_STATE,
    'force_delete': SHARE_REPLICA_FORCE_DELETE,
}

rules = [
    base.rule(SHARE_REPLICA_CREATE, base.ADMIN_OR_MEMBER,
              'Create a share replica.',
              [('POST', '/v2/share-replicas')]),
    base.rule(SHARE_REPLICA_GET_ALL, base.ADMIN_OR_READER,
              'List share replicas.',
              [('GET', '/v2/share-replicas')]),
    base.rule(SHARE_REPLICA_SHOW, base.ADMIN_OR_READER,
              'Show a share replica.',
              [('GET', '/v2/share-replicas/{replica_id}')]),
    base.rule(SHARE_REPLICA_DELETE, base.ADMIN_OR_MEMBER,
              'Delete a share replica.',
              [('DELETE', '/v2/share-replicas/{replica_id}')]),
    base.rule(SHARE_REPLICA_PROMOTE, base.ADMIN_OR_MEMBER,
              'Promote a replica to active (an out_of_sync or error '
              'replica: administrators only, checked by the API).',
              [('POST', '/v2/share-replicas/{replica_id}/action')]),
    base.rule(SHARE_REPLICA_RESYNC, base.ADMIN_API,
              'Resync a replica now.',
              [('POST', '/v2/share-replicas/{replica_id}/action')]),
    base.rule(SHARE_REPLICA_RESET_STATUS, base.ADMIN_API,
              'Reset the status of a replica (database only).',
              [('POST', '/v2/share-replicas/{replica_id}/action')]),
    base.rule(SHARE_REPLICA_RESET_REPLICA_STATE, base.ADMIN_API,
              'Reset the replica_state of a replica (database only).',
              [('POST', '/v2/share-replicas/{replica_id}/action')]),
    base.rule(SHARE_REPLICA_FORCE_DELETE, base.ADMIN_API,
              'Delete a replica whatever its status.',
              [('POST', '/v2/share-replicas/{replica_id}/action')]),
    base.rule(SHARE_REPLICA_EXPORT_LOCATION_INDEX, base.ADMIN_OR_READER,
              'List the export locations of a replica.',
              [('GET', '/v2/share-replicas/{replica_id}/export-locations')]),
    base.rule(SHARE_REPLICA_EXPORT_LOCATION_SHOW, base.ADMIN_OR_READER,
              'Show an export location of a replica.',
              [('GET',
                '/v2/share-replicas/{replica_id}/export-locations/{export_location_id}')]),
]


def list_rules():
    return rules
