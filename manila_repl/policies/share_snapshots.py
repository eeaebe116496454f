from oslo_policy import policy

from manila_repl.policies import base

BASE_PATH = '/v2/snapshots'
ACTION_PATH = BASE_PATH + '/{snapshot_id}/action'
INSTANCES_PATH = '/v2/snapshot-instances'


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path}])


rules = [
    _rule('share:create_snapshot', base.RULE_DEFAULT,
          'Create a snapshot of a share (one instance per replica).',
          'POST', BASE_PATH),
    _rule('share_snapshot:get_all_snapshots', base.RULE_DEFAULT,
          'List snapshots.', 'GET', BASE_PATH),
    _rule('share_snapshot:get_snapshot', base.RULE_DEFAULT,
          'Show a snapshot.', 'GET', BASE_PATH + '/{snapshot_id}'),
    _rule('share:snapshot_update', base.RULE_DEFAULT,
          'Update the name or description of a snapshot.',
          'PUT', BASE_PATH + '/{snapshot_id}'),
    _rule('share:delete_snapshot', base.RULE_DEFAULT,
          'Delete a snapshot.', 'DELETE', BASE_PATH + '/{snapshot_id}'),
    _rule('share_snapshot:reset_status', base.RULE_ADMIN_API,
          'Reset the status of a snapshot (database only).',
          'POST', ACTION_PATH),
    _rule('share_snapshot:force_delete', base.RULE_ADMIN_API,
          'Delete a snapshot whatever its status.', 'POST', ACTION_PATH),
    _rule('share_snapshot_instance:index', base.RULE_ADMIN_API,
          'List snapshot instances.', 'GET', INSTANCES_PATH),
    _rule('share_snapshot_instance:detail', base.RULE_ADMIN_API,
          'List snapshot instances with details.', 'GET',
          INSTANCES_PATH + '/detail'),
    _rule('share_snapshot_instance:show', base.RULE_ADMIN_API,
          'Show a snapshot instance.', 'GET',
          INSTANCES_PATH + '/{snapshot_instance_id}'),
    _rule('share_snapshot_instance:reset_status', base.RULE_ADMIN_API,
          'Reset the status of a snapshot instance (database only).',
          'POST', INSTANCES_PATH + '/{snapshot_instance_id}/action'),
]


def list_rules():
    return rules
