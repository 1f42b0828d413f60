"""A SEAO release from a municipality outside the Longueuil agglomeration, imported as
`vigie ingest file` does, alerts the enterprise serving its MRC and not its neighbour's."""

from __future__ import annotations

import json
from pathlib import Path

from pymongo.asynchronous.database import AsyncDatabase

from ingest.bootstrap import bootstrap_runtime
from ingest.importer import ImportSummary, NoticeImporter
from ingest.settings import IngestSettings
from shared.mongo import Document
from tests.factories import enterprise_data
from tests.pipeline import namespace_settings, running_pipeline
from tests.stack_clients import MailSink, StackEndpoints
from vigie.enterprise_file import parse_enterprises
from vigie.enterprise_store import upsert_enterprises


def seao_release(number: str, title: str) -> dict[str, object]:
    """As SEAO publishes it: notice number in the ocid, the buyer's own reference in tender.id,
    UNSPSC in items[].classification, SEAO's category in items[].description."""
    return {
        "ocid": f"ocds-ec9k95-{number}",
        "id": f"{number}-1",
        "date": "2030-02-01T09:00:00-05:00",
        "tag": ["tender"],
        "language": "fr",
        "parties": [
            {
                "id": "OP-54048",
                "name": "Ville de Saint-Hyacinthe",
                "roles": ["buyer"],
                "address": {
                    "streetAddress": "700, avenue de l'Hôtel-de-Ville",
                    "locality": "ST-HYACINTHE",
                    "region": "Montérégie (16)",
                    "postalCode": "J2S 5B2",
                    "countryName": "Canada",
                },
            }
        ],
        "buyer": {"id": "OP-54048", "name": "Ville de Saint-Hyacinthe"},
        "tender": {
            "id": "SH-2030-007",
            "title": title,
            "status": "active",
            "tenderPeriod": {"endDate": "2030-03-01T14:00:00-05:00"},
            "items": [
                {
                    "id": "1",
                    "description": "S5 - Services de nettoyage",
                    "classification": {"scheme": "UNSPSC", "id": "76111500"},
                }
            ],
        },
    }


def enterprises_file(*served: str) -> str:
    """One enterprise per service area, written by name as an enterprise file may."""
    lines = []
    for area in served:
        profile = {"id": "p", "codes": [{"scheme": "UNSPSC", "prefix": "7611"}]}
        lines.append(json.dumps(enterprise_data(profiles=[{**profile, "territories": [area]}])))
    return "\n".join(lines)


async def test_a_seao_release_reaches_the_mrc_it_is_in_and_not_the_neighbour(
    stack: StackEndpoints,
    namespace: str,
    db: AsyncDatabase[Document],
    mail: MailSink,
    tmp_path: Path,
) -> None:
    enterprises, rejected = parse_enterprises(
        enterprises_file("MRC Les Maskoutains", "MRC La Vallée-du-Richelieu", "Boucherville")
    )
    assert rejected == []
    maskoutains, richelieu, boucherville = enterprises
    assert maskoutains.profiles[0].territories == ["CA-QC-MRC-540"]
    await upsert_enterprises(db, enterprises)
    number = str(abs(hash(namespace)) % 10**8)
    title = f"Entretien ménager des arénas {namespace}"
    notice = tmp_path / "seao.json"
    notice.write_text(json.dumps(seao_release(number, title)), encoding="utf-8")

    async with running_pipeline(stack, namespace, ingest=False):
        runtime = bootstrap_runtime(IngestSettings(**namespace_settings(stack, namespace)))
        await runtime.start()
        try:
            summary = await NoticeImporter(runtime.intake, "file-import").run(
                [notice], ImportSummary(), on_file=lambda _: None
            )
        finally:
            await runtime.stop()
        assert summary.counts["accepted"] == 1
        [email] = await mail.wait_for(str(maskoutains.contacts.email), count=1, within=45)

    stored = await db["tenders"].find_one({"_id": f"seao:{number}"})
    assert stored is not None
    assert stored["tender"]["buyer"]["territories"] == ["CA-QC-MUN-54048"]
    assert email["subject"].startswith(f"{title} (réf. SH-2030-007) — ")
    assert "Saint-Hyacinthe est dans votre territoire (MRC Les Maskoutains)" in email["text"]
    assert f"seao:{number}" in email["text"]
    for outside in (richelieu, boucherville):
        assert await mail.messages_to(str(outside.contacts.email)) == []
    assert await db["matches"].count_documents({}) == 1
