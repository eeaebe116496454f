from manila_repl import constants as c
from manila_repl.api import schemas

create = {
    'type': 'object',
    'properties': {
        'share_replica': {
            'type': 'object',
            'properties': {
                'share_id': {'type': 'string', 'minLength': 1,
                             'maxLength': 36},
                'availability_zone': schemas.NULLABLE_STRING_255,
                'share_network_id': schemas.NULLABLE_STRING_255,
                'scheduler_hints': {
                    'type': ['object', 'null'],
                    'properties': {'only_host': {'type': 'string',
                                                 'minLength': 1}},
                },
                'metadata': {
                    'type': ['object', 'null'],
                    'additionalProperties': {'type': 'string'},
                },
            },
            'required': ['share_id'],
        },
    },
    'required': ['share_replica'],
}

ACTIONS = ('promote', 'resync', 'reset_status', 'reset_replica_state',
           'force_delete')

action = schemas.one_action(ACTIONS)

promote = {
    'type': ['null', 'object'],
    'properties': {'quiesce_wait_time': {'type': 'integer', 'minimum': 0}},
}
reset_status = {
    'type': 'object',
    'properties': {'status': {'type': 'string', 'enum': list(c.STATUSES)}},
    'required': ['status'],
}
reset_replica_state = {
    'type': 'object',
    'properties': {'replica_state': {'type': 'string',
                                     'enum': list(c.REPLICA_STATES)}},
    'required': ['replica_state'],
}
