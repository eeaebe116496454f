"""shares.snapshot_id: the snapshot a share was created from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # No foreign key: the snapshot may be deleted later; the share keeps
    # the id it came from (as Manila's shares.snapshot_id).
    op.add_column('shares', sa.Column('snapshot_id', sa.String(36),
                                      nullable=True))
    op.create_index('ix_shares_snapshot_id', 'shares', ['snapshot_id'])
