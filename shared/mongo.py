"""MongoDB access: one client factory, and the database named by the URL.

The code sticks to what both MongoDB and FerretDB 1.x serve: no transactions, change streams,
TTL/partial/text indexes, `$lookup`/`$facet`, or dotted keys.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.uri_parser import parse_uri

Document = dict[str, Any]
DEFAULT_DATABASE = "vigie"


def make_client(url: str) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5_000, appname="vigie")


def database_name(url: str) -> str:
    return parse_uri(url).get("database") or DEFAULT_DATABASE


def database(client: AsyncMongoClient[Document], url: str) -> AsyncDatabase[Document]:
    return client[database_name(url)]
