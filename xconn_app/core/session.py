"""requests.Session for capture profiles: valid bearer token and xero-tenant-id on every call."""

from __future__ import annotations

import requests

from .errors import NotFound


class XeroSession(requests.Session):
    """Refreshes its token by itself; on a 401 it renews once and retries the request."""

    def __init__(self, service, connection):
        super().__init__()
        self._service = service
        self.connection = connection
        if not connection.tenant_id:
            raise NotFound(
                f"Connection '{connection.name}' has no organisation chosen.",
                "Edit the connection and pick one in the Tenant list.",
            )
        self.headers["xero-tenant-id"] = connection.tenant_id
        self.headers["Accept"] = "application/json"
        self.headers["User-Agent"] = "xconn"

    def request(self, method, url, *args, **kwargs):
        token = self._service.access_token(connection=self.connection)
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {token}"
        resp = super().request(method, url, *args, headers=headers, **kwargs)
        if resp.status_code == 401:
            token = self._service.access_token(connection=self.connection, force_refresh=True, rejected=token)
            headers["Authorization"] = f"Bearer {token}"
            resp = super().request(method, url, *args, headers=headers, **kwargs)
        return resp
