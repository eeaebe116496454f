from oslo_policy import policy

from manila_repl.policies import base

ACTION_PATH = '/v2/shares/{share_id}/action'
BASE_PATH = '/v2/share-access-rules'


def _rule(name, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=base.RULE_DEFAULT, description=description,
        operations=[{'method': method, 'path': path}])


rules = [
    _rule('share:allow_access', 'Add an access rule to a share.',
          'POST', ACTION_PATH),
    _rule('share:deny_access', 'Remove an access rule from a share.',
          'POST', ACTION_PATH),
    _rule('share:access_get_all',
          'List the access rules of a share (access_list action, API '
          '2.7 to 2.44).', 'POST', ACTION_PATH),
    _rule('share_access_rule:index', 'List the access rules of a share.',
          'GET', BASE_PATH + '?share_id={share_id}'),
    _rule('share_access_rule:get', 'Show an access rule.',
          'GET', BASE_PATH + '/{share_access_id}'),
]


def list_rules():
    return rules
