"""Policy rules: User messages (Manila's ``message:*`` names)."""
from manila_repl.policies import base

MESSAGE_GET = 'message:get'
MESSAGE_GET_ALL = 'message:get_all'
MESSAGE_DELETE = 'message:delete'

rules = [
    base.rule(MESSAGE_GET, base.ADMIN_OR_READER,
              'Show a user message.',
              [('GET', '/v2/messages/{message_id}')]),
    base.rule(MESSAGE_GET_ALL, base.ADMIN_OR_READER,
              'List user messages.',
              [('GET', '/v2/messages'), ('GET', '/v2/messages?{query}')]),
    base.rule(MESSAGE_DELETE, base.ADMIN_OR_MEMBER,
              'Delete a user message.',
              [('DELETE', '/v2/messages/{message_id}')]),
]


def list_rules():
    return rules
