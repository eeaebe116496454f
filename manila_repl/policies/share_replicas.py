from oslo_policy import policy

from manila_repl.policies import base

PREFIX = 'share_replica:%s'
BASE_PATH = '/v2/share-replicas'
ACTION_PATH = BASE_PATH + '/{replica_id}/action'


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name=PREFIX % name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path}])


rules = [
    _rule('create', base.RULE_DEFAULT, 'Create a share replica.',
          'POST', BASE_PATH),
    _rule('get_all', base.RULE_DEFAULT, 'List share replicas.',
          'GET', BASE_PATH),
    _rule('show', base.RULE_DEFAULT, 'Show a share replica.',
          'GET', BASE_PATH + '/{replica_id}'),
    _rule('delete', base.RULE_DEFAULT, 'Delete a share replica.',
          'DELETE', BASE_PATH + '/{replica_id}'),
    _rule('promote', base.RULE_DEFAULT,
          'Promote a replica to active (an out_of_sync or error replica: '
          'administrators only, checked by the API).', 'POST', ACTION_PATH),
    _rule('resync', base.RULE_ADMIN_API, 'Resync a replica now.',
          'POST', ACTION_PATH),
    _rule('reset_status', base.RULE_ADMIN_API,
          'Reset the status of a replica (database only).',
          'POST', ACTION_PATH),
    _rule('reset_replica_state', base.RULE_ADMIN_API,
          'Reset the replica_state of a replica (database only).',
          'POST', ACTION_PATH),
    _rule('force_delete', base.RULE_ADMIN_API,
          'Delete a replica whatever its status.', 'POST', ACTION_PATH),
    policy.DocumentedRuleDefault(
        name='share_replica_export_location:index',
        check_str=base.RULE_DEFAULT,
        description='List the export locations of a replica.',
        operations=[{'method': 'GET',
                     'path': BASE_PATH + '/{replica_id}/export-locations'}]),
    policy.DocumentedRuleDefault(
        name='share_replica_export_location:show',
        check_str=base.RULE_DEFAULT,
        description='Show an export location of a replica.',
        operations=[{'method': 'GET',
                     'path': BASE_PATH + '/{replica_id}/export-locations/'
                                         '{export_location_id}'}]),
]


def list_rules():
    return rules
