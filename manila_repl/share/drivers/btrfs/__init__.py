"""The btrfs share driver (the reference driver with a real data path)."""
from manila_repl.share.drivers.btrfs.driver import BtrfsShareDriver  # noqa

__all__ = ['BtrfsShareDriver']
