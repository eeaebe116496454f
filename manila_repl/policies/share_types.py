from oslo_policy import policy

from manila_repl.policies import base

PREFIX = 'share_type:%s'
BASE_PATH = '/v2/types'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create', check_str=base.RULE_ADMIN_API,
        description='Create a share type.',
        operations=[{'method': 'POST', 'path': BASE_PATH}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'index', check_str=base.RULE_DEFAULT,
        description='List share types.',
        operations=[{'method': 'GET', 'path': BASE_PATH}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'show', check_str=base.RULE_DEFAULT,
        description='Show a share type.',
        operations=[{'method': 'GET', 'path': BASE_PATH + '/{type_id}'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete', check_str=base.RULE_ADMIN_API,
        description='Delete a share type.',
        operations=[{'method': 'DELETE', 'path': BASE_PATH + '/{type_id}'}]),
    policy.DocumentedRuleDefault(
        name='share_types_extra_spec:index', check_str=base.RULE_ADMIN_API,
        description='List the extra specs of a share type.',
        operations=[{'method': 'GET',
                     'path': BASE_PATH + '/{type_id}/extra_specs'}]),
    policy.DocumentedRuleDefault(
        name='share_types_extra_spec:show', check_str=base.RULE_ADMIN_API,
        description='Show one extra spec of a share type.',
        operations=[{'method': 'GET',
                     'path': BASE_PATH + '/{type_id}/extra_specs/{key}'}]),
    policy.DocumentedRuleDefault(
        name='share_types_extra_spec:create', check_str=base.RULE_ADMIN_API,
        description='Add or change extra specs of a share type.',
        operations=[{'method': 'POST',
                     'path': BASE_PATH + '/{type_id}/extra_specs'}]),
    policy.DocumentedRuleDefault(
        name='share_types_extra_spec:update', check_str=base.RULE_ADMIN_API,
        description='Change one extra spec of a share type.',
        operations=[{'method': 'PUT',
                     'path': BASE_PATH + '/{type_id}/extra_specs/{key}'}]),
    policy.DocumentedRuleDefault(
        name='share_types_extra_spec:delete', check_str=base.RULE_ADMIN_API,
        description='Delete an extra spec of a share type.',
        operations=[{'method': 'DELETE',
                     'path': BASE_PATH + '/{type_id}/extra_specs/{key}'}]),
]


def list_rules():
    return rules
