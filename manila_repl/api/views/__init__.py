"""Views: model rows -> Manila's JSON, per microversion.

Views never query the database: controllers hand them what they need.
"""


def timestamp(value):
    """Manila's format: ISO 8601 without a zone, with microseconds."""
    if value is None:
        return None
    return value.isoformat(timespec='microseconds')


def links(request, collection, resource_id, project_id=None):
    base = request.application_url.rstrip('/')
    project = f'/{project_id}' if project_id else ''
    path = f'{project}/{collection}/{resource_id}'
    return [
        {'rel': 'self', 'href': f'{base}/v2{path}'},
        {'rel': 'bookmark', 'href': f'{base}{path}'},
    ]


def with_count(body, count):
    """A list body with Manila's ``count`` (``with_count=true``, 2.42+)."""
    if count is not None:
        body['count'] = count
    return body
