"""User messages (2.37+): Manila's view; ``user_message`` is made from the
action and detail ids (manila_repl/message_fields.py)."""
from manila_repl.api.views import links
from manila_repl.api.views import timestamp
from manila_repl import message_fields


def detail(request, message):
    return {
        'id': message.id,
        'project_id': message.project_id,
        'action_id': message.action_id,
        'detail_id': message.detail_id,
        'message_level': message.message_level,
        'created_at': timestamp(message.created_at),
        'expires_at': timestamp(message.expires_at),
        'request_id': message.request_id,
        'links': links(request, 'messages', message.id,
                       message.project_id),
        'resource_type': message.resource_type,
        'resource_id': message.resource_id,
        'user_message': message_fields.user_message(message.action_id,
                                                    message.detail_id),
    }


def show(request, message):
    return {'message': detail(request, message)}


def index(request, messages):
    return {'messages': [detail(request, m) for m in messages]}
