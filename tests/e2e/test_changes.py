"""An amendment and a cancellation reach the enterprises told of the tender, and nobody else."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document
from tests.factories import make_enterprise, tender_data
from tests.pipeline import running_pipeline
from tests.stack_clients import MailSink, StackEndpoints
from vigie.enterprise_store import upsert_enterprises


async def test_amended_then_cancelled_tender(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    cleaner = make_enterprise(language="fr")
    printer = make_enterprise(
        language="en",
        profiles=[
            {
                "id": "p",
                "codes": [{"scheme": "UNSPSC", "prefix": "8212"}],
                "territories": ["CA-QC-RA-16"],
            }
        ],
    )
    await upsert_enterprises(db, [cleaner, printer])
    notice = tender_data(source_id="AO-CHG", title="Entretien ménager")
    async with (
        running_pipeline(stack, namespace) as pipeline,
        pipeline.ingest_client() as client,
    ):
        assert (await client.post("/v1/tenders", json=notice)).status_code == 202
        await mail.wait_for(str(cleaner.contacts.email), count=1)
        # The amendment adds a printing lot: the cleaner hears of the change, the printer
        # matches only now and gets it as new.
        amended = {
            **notice,
            "lots": [
                {
                    "id": "2",
                    "title": "Impression",
                    "classifications": [{"scheme": "UNSPSC", "code": "82121500"}],
                }
            ],
        }
        assert (await client.put("/v1/tenders/longueuil:AO-CHG", json=amended)).is_success
        await mail.wait_for(str(cleaner.contacts.email), count=2)
        await mail.wait_for(str(printer.contacts.email), count=1)
        assert (await client.post("/v1/tenders/longueuil:AO-CHG/cancel")).is_success
        to_cleaner = await mail.wait_for(str(cleaner.contacts.email), count=3)
        to_printer = await mail.wait_for(str(printer.contacts.email), count=2)

    assert [m["subject"].split(" — ")[0] for m in to_cleaner] == [
        "Entretien ménager",
        "Modifié : Entretien ménager",
        "Annulé : Entretien ménager",
    ]
    assert [m["subject"].split(" — ")[0] for m in to_printer] == [
        "Entretien ménager",
        "Cancelled: Entretien ménager",
    ]
