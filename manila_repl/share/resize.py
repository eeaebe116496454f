"""Extend and shrink a share: every replica, from the active's manager."""


def extend_share(driver, share_id, new_size):
    raise NotImplementedError


def shrink_share(driver, share_id, new_size):
    raise NotImplementedError
