"""Named leases (search.lease): one publisher at a time across pods.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "leases" not in set(sa.inspect(op.get_bind()).get_table_names()):
        op.create_table(
            "leases",
            sa.Column("name", sa.String(512), primary_key=True),
            sa.Column("holder", sa.String(255), nullable=False),
            sa.Column("expires_at", sa.Float, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("leases")
