"""messages: user messages (why an asynchronous operation failed).

Revision ID: 0006_messages
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_messages'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'messages',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('request_id', sa.String(255), nullable=True),
        sa.Column('resource_type', sa.String(255), nullable=False),
        sa.Column('resource_id', sa.String(36), nullable=True),
        sa.Column('action_id', sa.String(10), nullable=False),
        sa.Column('detail_id', sa.String(10), nullable=False),
        sa.Column('message_level', sa.String(255), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.create_index('ix_messages_project_id', 'messages',
                    ['project_id', 'created_at'])
    op.create_index('ix_messages_resource_id', 'messages', ['resource_id'])
    op.create_index('ix_messages_expires_at', 'messages', ['expires_at'])
