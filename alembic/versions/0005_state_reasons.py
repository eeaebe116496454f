"""Why a share service is down, why an access rule failed on an instance.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('services', sa.Column('state_reason', sa.Text(),
                                        nullable=True))
    op.add_column('share_instance_access_map',
                  sa.Column('state_reason', sa.Text(), nullable=True))
