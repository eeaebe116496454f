"""The version documents (GET / and GET /v2/)."""
from manila_repl.api import microversion

UPDATED = '2015-08-27T11:33:21Z'


def version_doc(request):
    base = request.application_url.rstrip('/')
    return {
        'id': 'v2.0',
        'status': 'CURRENT',
        'version': str(microversion.Version(*microversion.MAX_VERSION)),
        'min_version': str(microversion.Version(*microversion.MIN_VERSION)),
        'updated': UPDATED,
        'links': [
            {'rel': 'describedby', 'type': 'text/html',
             'href': 'https://docs.openstack.org/'},
            {'rel': 'self', 'href': base + '/v2/'},
        ],
        'media-types': [
            {'base': 'application/json',
             'type': 'application/vnd.openstack.share+json;version=1'},
        ],
    }


def versions(request):
    return {'versions': [version_doc(request)]}
