"""SensorThings entities: things, locations, historical locations, sensors, observed properties, datastreams,
features of interest, observations

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sta_locations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_locations")),
    )
    with op.batch_alter_table("sta_locations", schema=None) as batch_op:
        batch_op.create_index("ix_sta_locations_lat_lon", ["lat", "lon"], unique=False)

    op.create_table(
        "sta_observed_properties",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("definition", sa.String(length=1000), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_observed_properties")),
    )
    op.create_table(
        "sta_sensors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_sensors")),
    )
    op.create_table(
        "sta_features_of_interest",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("feature", sa.JSON(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["sta_locations.id"],
            name=op.f("fk_sta_features_of_interest_location_id_sta_locations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_features_of_interest")),
    )
    with op.batch_alter_table("sta_features_of_interest", schema=None) as batch_op:
        batch_op.create_index("ix_sta_features_of_interest_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(batch_op.f("ix_sta_features_of_interest_location_id"), ["location_id"], unique=False)

    op.create_table(
        "sta_things",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("owner_key_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_key_id"], ["api_keys.id"], name=op.f("fk_sta_things_owner_key_id_api_keys"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_things")),
    )
    with op.batch_alter_table("sta_things", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sta_things_owner_key_id"), ["owner_key_id"], unique=False)

    op.create_table(
        "sta_datastreams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit_of_measurement", sa.JSON(), nullable=False),
        sa.Column("observation_type", sa.String(length=200), nullable=False),
        sa.Column("observed_area", sa.JSON(), nullable=True),
        sa.Column("phenomenon_time_start", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("phenomenon_time_end", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result_time_start", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result_time_end", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sensor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("observed_property_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["observed_property_id"],
            ["sta_observed_properties.id"],
            name=op.f("fk_sta_datastreams_observed_property_id_sta_observed_properties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["sta_sensors.id"], name=op.f("fk_sta_datastreams_sensor_id_sta_sensors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"], ["sta_things.id"], name=op.f("fk_sta_datastreams_thing_id_sta_things"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_datastreams")),
    )
    with op.batch_alter_table("sta_datastreams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_datastreams_observed_property_id"), ["observed_property_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sta_datastreams_sensor_id"), ["sensor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sta_datastreams_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "sta_historical_locations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("time", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_things.id"],
            name=op.f("fk_sta_historical_locations_thing_id_sta_things"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_historical_locations")),
    )
    with op.batch_alter_table("sta_historical_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sta_historical_locations_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "sta_thing_locations",
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["sta_locations.id"],
            name=op.f("fk_sta_thing_locations_location_id_sta_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"], ["sta_things.id"], name=op.f("fk_sta_thing_locations_thing_id_sta_things"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("thing_id", "location_id", name=op.f("pk_sta_thing_locations")),
    )
    with op.batch_alter_table("sta_thing_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sta_thing_locations_location_id"), ["location_id"], unique=False)

    op.create_table(
        "sta_historical_location_locations",
        sa.Column("historical_location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["historical_location_id"],
            ["sta_historical_locations.id"],
            name=op.f("fk_sta_historical_location_locations_historical_location_id_sta_historical_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["sta_locations.id"],
            name=op.f("fk_sta_historical_location_locations_location_id_sta_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "historical_location_id", "location_id", name=op.f("pk_sta_historical_location_locations")
        ),
    )
    with op.batch_alter_table("sta_historical_location_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_historical_location_locations_location_id"), ["location_id"], unique=False
        )

    op.create_table(
        "sta_observations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("datastream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("feature_of_interest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phenomenon_time_start", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("phenomenon_time_end", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result_time", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result_type", sa.SmallInteger(), nullable=False),
        sa.Column("result_number", sa.Float(), nullable=True),
        sa.Column("result_string", sa.Text(), nullable=True),
        sa.Column("result_json", sa.JSON(), nullable=True),
        sa.Column("result_quality", sa.JSON(), nullable=True),
        sa.Column("valid_time_start", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_time_end", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sta_datastreams.id"],
            name=op.f("fk_sta_observations_datastream_id_sta_datastreams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feature_of_interest_id"],
            ["sta_features_of_interest.id"],
            name=op.f("fk_sta_observations_feature_of_interest_id_sta_features_of_interest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_observations")),
    )
    with op.batch_alter_table("sta_observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sta_observations_datastream_time", ["datastream_id", "phenomenon_time_start", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sta_observations_feature_of_interest_id"), ["feature_of_interest_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sta_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_observations_feature_of_interest_id"))
        batch_op.drop_index("ix_sta_observations_datastream_time")

    op.drop_table("sta_observations")
    with op.batch_alter_table("sta_historical_location_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_historical_location_locations_location_id"))

    op.drop_table("sta_historical_location_locations")
    with op.batch_alter_table("sta_thing_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_thing_locations_location_id"))

    op.drop_table("sta_thing_locations")
    with op.batch_alter_table("sta_historical_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_historical_locations_thing_id"))

    op.drop_table("sta_historical_locations")
    with op.batch_alter_table("sta_datastreams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_datastreams_thing_id"))
        batch_op.drop_index(batch_op.f("ix_sta_datastreams_sensor_id"))
        batch_op.drop_index(batch_op.f("ix_sta_datastreams_observed_property_id"))

    op.drop_table("sta_datastreams")
    with op.batch_alter_table("sta_things", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_things_owner_key_id"))

    op.drop_table("sta_things")
    with op.batch_alter_table("sta_features_of_interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_features_of_interest_location_id"))
        batch_op.drop_index("ix_sta_features_of_interest_lat_lon")

    op.drop_table("sta_features_of_interest")
    op.drop_table("sta_sensors")
    op.drop_table("sta_observed_properties")
    with op.batch_alter_table("sta_locations", schema=None) as batch_op:
        batch_op.drop_index("ix_sta_locations_lat_lon")

    op.drop_table("sta_locations")
