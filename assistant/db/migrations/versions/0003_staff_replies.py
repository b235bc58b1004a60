"""staff_replies: what course staff wrote to a learner from the hand-off inbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_replies_handoff_id"), ["handoff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_replies_handoff_id"))
    op.drop_table("staff_replies")
