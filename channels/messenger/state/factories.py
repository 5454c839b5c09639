"""Where the connector keeps what must outlive a process: its state and its intake.
Redis when Rasa's lock store is Redis (several replicas), else the SQL database."""

from __future__ import annotations

import logging

from channels.messenger.inbound.intake import IntakeStore
from channels.messenger.state.store import StateStore, create_store, redis_url_from_lock_store
from shop.settings import RuntimeSettings

logger = logging.getLogger(__name__)


def state_store(runtime: RuntimeSettings) -> StateStore:
    return create_store(runtime.rasa_endpoints, runtime.state_database_url)


def intake_store(runtime: RuntimeSettings) -> IntakeStore:
    redis_url = redis_url_from_lock_store(runtime.rasa_endpoints)
    if redis_url:
        from channels.messenger.inbound.intake_redis import RedisIntake

        logger.info("Messenger webhook intake in Redis streams (%d shards)", runtime.intake_shards)
        return RedisIntake(redis_url, runtime.intake_shards, runtime.intake_lease_seconds)
    from channels.messenger.inbound.intake_sql import SqlIntake

    logger.info("Messenger webhook intake in the SQL database")
    return SqlIntake(runtime.state_database_url, runtime.intake_lease_seconds)
