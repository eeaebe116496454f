"""Access rules (Manila's share_accesses views), per microversion.

``rule`` is a dict from share/access_api.py; ``rules_status`` the share's
access_rules_status, which is what a rule's state reads before 2.28.
"""
from manila_repl.api.views import timestamp


def _view(rule, version, rules_status, with_share_id):
    view = {'id': rule['id']}
    if with_share_id:
        view['share_id'] = rule['share_id']
    view.update({'access_level': rule['access_level'],
                 'access_to': rule['access_to'],
                 'access_type': rule['access_type'],
                 'state': rule['state']})
    if version < (2, 28):
        # Per rule states came (back) in 2.28: before, the share's.
        status = rules_status or 'active'
        view['state'] = 'new' if status == 'syncing' else status
    if version >= (2, 21):
        view['access_key'] = rule['access_key']
    if version >= (2, 33):
        view['created_at'] = timestamp(rule['created_at'])
        view['updated_at'] = timestamp(rule['updated_at'])
    if version >= (2, 45):
        view['metadata'] = dict(rule['metadata'] or {})
    if rule.get('state_reason'):
        # Not in Manila's view: why the rule is in error (per instance).
        view['state_reason'] = rule['state_reason']
    return view


def show(rule, version, rules_status=None):
    """A single rule (allow_access, GET /share-access-rules/{id})."""
    return {'access': _view(rule, version, rules_status, True)}


def index(rules, version, rules_status=None):
    """A share's rules (access_list, GET /share-access-rules)."""
    return {'access_list': [_view(r, version, rules_status, False)
                            for r in rules]}
