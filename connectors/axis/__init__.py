"""The national document exchange axis: client, protocol, agency ids and a local hub.

Public API::

    AxisClient(endpoint, system_id, secret, agency_code)
        .send_edoc(bytes) -> doc id;  .list_received() -> [ids];  .get_edoc(id) -> bytes
        .update_status(id, 'done'|'fail'|'processing');  .list_sent();  .list_agencies()
    AxisHub(HubStore(path)) — a WSGI app;  serve_in_thread(hub) -> RunningHub(url, stop())
    AgencyId.parse('000.00.00.G22' | 'G03')
"""

from .agency import AgencyId, is_valid_agency_id, routing_key
from .auth import sign_request, verify_request
from .client import AxisClient
from .errors import AxisAuthError, AxisError, AxisUnavailable
from .hub import AxisHub
from .hub_store import HubStore
from .protocol import ReceivedItem
from .serving import RunningHub, serve_in_thread

__all__ = [
    "AgencyId", "AxisAuthError", "AxisClient", "AxisError", "AxisHub", "AxisUnavailable", "HubStore",
    "ReceivedItem", "RunningHub", "is_valid_agency_id", "routing_key", "serve_in_thread", "sign_request",
    "verify_request",
]
