"""Pure adapters from public notice formats (OCDS JSON, BOAMP XML, TED eForms XML) to the
canonical `Tender`. No I/O: callers pass the bytes of a document and get one outcome per notice.
"""

from ingest.formats.detect import parse_document
from ingest.formats.outcomes import Outcome, Parsed, Rejected, Skipped

__all__ = ["Outcome", "Parsed", "Rejected", "Skipped", "parse_document"]
