"""The studies and their trials, as the store kept them before it had migrations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "studies" not in present:  # a store from before migrations has it already
        op.create_table(
            "studies",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("key", sa.String(128), nullable=False, index=True),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("settings", sa.Text, nullable=False),
            sa.Column("created", sa.Float, nullable=False),
        )
    if "trials" not in present:
        op.create_table(
            "trials",
            sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.id"), primary_key=True),
            sa.Column("number", sa.Integer, primary_key=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("worker", sa.String(256)),
            sa.Column("heartbeat", sa.Float),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("record", sa.Text, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("trials")
    op.drop_table("studies")
