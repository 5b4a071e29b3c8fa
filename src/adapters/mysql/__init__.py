"""The production message store: MySQL or MariaDB through an aiomysql pool."""

from adapters.mysql.repository import MySqlMessageRepository

__all__ = ["MySqlMessageRepository"]
