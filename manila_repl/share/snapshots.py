"""Snapshot flows: one snapshot instance per replica, from the active's
manager."""


def create_snapshot(driver, snapshot_id):
    raise NotImplementedError


def delete_snapshot(driver, snapshot_id, force=False):
    raise NotImplementedError
