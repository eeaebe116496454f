"""Access rule flows: every instance of a share, from the active's manager.
"""


def update_access(driver, share_id):
    raise NotImplementedError
