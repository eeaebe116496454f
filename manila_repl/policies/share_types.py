"""Policy rules: Share types and their extra specs."""
from manila_repl.policies import base

SHARE_TYPE_CREATE = 'share_type:create'
SHARE_TYPE_INDEX = 'share_type:index'
SHARE_TYPE_SHOW = 'share_type:show'
SHARE_TYPE_DELETE = 'share_type:delete'
SHARE_TYPES_EXTRA_SPEC_INDEX = 'share_types_extra_spec:index'
SHARE_TYPES_EXTRA_SPEC_SHOW = 'share_types_extra_spec:show'
SHARE_TYPES_EXTRA_SPEC_CREATE = 'share_types_extra_spec:create'
SHARE_TYPES_EXTRA_SPEC_UPDATE = 'share_types_extra_spec:update'
SHARE_TYPES_EXTRA_SPEC_DELETE = 'share_types_extra_spec:delete'

rules = [
    base.rule(SHARE_TYPE_CREATE, base.ADMIN_API,
              'Create a share type.',
              [('POST', '/v2/types')]),
    base.rule(SHARE_TYPE_INDEX, base.ADMIN_OR_READER,
              'List share types.',
              [('GET', '/v2/types')]),
    base.rule(SHARE_TYPE_SHOW, base.ADMIN_OR_READER,
              'Show a share type.',
              [('GET', '/v2/types/{type_id}')]),
    base.rule(SHARE_TYPE_DELETE, base.ADMIN_API,
              'Delete a share type.',
              [('DELETE', '/v2/types/{type_id}')]),
    base.rule(SHARE_TYPES_EXTRA_SPEC_INDEX, base.ADMIN_API,
              'List the extra specs of a share type.',
              [('GET', '/v2/types/{type_id}/extra_specs')]),
    base.rule(SHARE_TYPES_EXTRA_SPEC_SHOW, base.ADMIN_API,
              'Show one extra spec of a share type.',
              [('GET', '/v2/types/{type_id}/extra_specs/{key}')]),
    base.rule(SHARE_TYPES_EXTRA_SPEC_CREATE, base.ADMIN_API,
              'Add or change extra specs of a share type.',
              [('POST', '/v2/types/{type_id}/extra_specs')]),
    base.rule(SHARE_TYPES_EXTRA_SPEC_UPDATE, base.ADMIN_API,
              'Change one extra spec of a share type.',
              [('PUT', '/v2/types/{type_id}/extra_specs/{key}')]),
    base.rule(SHARE_TYPES_EXTRA_SPEC_DELETE, base.ADMIN_API,
              'Delete an extra spec of a share type.',
              [('DELETE', '/v2/types/{type_id}/extra_specs/{key}')]),
]


def list_rules():
    return rules
