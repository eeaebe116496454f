from oslo_policy import policy

from manila_repl.policies import base

PREFIX = 'share:%s'
BASE_PATH = '/v2/shares'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create', check_str=base.RULE_DEFAULT,
        description='Create a share.',
        operations=[{'method': 'POST', 'path': BASE_PATH}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all', check_str=base.RULE_DEFAULT,
        description='List shares.',
        operations=[{'method': 'GET', 'path': BASE_PATH},
                    {'method': 'GET', 'path': BASE_PATH + '/detail'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get', check_str=base.RULE_DEFAULT,
        description='Show a share.',
        operations=[{'method': 'GET', 'path': BASE_PATH + '/{share_id}'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete', check_str=base.RULE_DEFAULT,
        description='Delete a share.',
        operations=[{'method': 'DELETE',
                     'path': BASE_PATH + '/{share_id}'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list_all_projects', check_str=base.RULE_ADMIN_API,
        description='List the shares of every project (all_tenants=1).',
        operations=[{'method': 'GET', 'path': BASE_PATH + '?all_tenants=1'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'reset_status', check_str=base.RULE_ADMIN_API,
        description='Reset the status of a share (database only).',
        operations=[{'method': 'POST',
                     'path': BASE_PATH + '/{share_id}/action'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'force_delete', check_str=base.RULE_ADMIN_API,
        description='Delete a share whatever its status.',
        operations=[{'method': 'POST',
                     'path': BASE_PATH + '/{share_id}/action'}]),
    policy.DocumentedRuleDefault(
        name='share_export_location:index', check_str=base.RULE_DEFAULT,
        description='List the export locations of a share.',
        operations=[{'method': 'GET',
                     'path': BASE_PATH + '/{share_id}/export_locations'}]),
    policy.DocumentedRuleDefault(
        name='share_export_location:show', check_str=base.RULE_DEFAULT,
        description='Show an export location of a share.',
        operations=[{'method': 'GET',
                     'path': BASE_PATH + '/{share_id}/export_locations/'
                                         '{export_location_id}'}]),
]


def list_rules():
    return rules
