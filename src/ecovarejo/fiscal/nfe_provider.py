"""The NF-e provider port and its Focus NFe adapter (REST API v2).

Focus NFe signs the XML with the shop's A1 certificate (kept at Focus) and talks to SEFAZ; we send the
note's data as JSON under our own reference (``ref``, here one per order), then read its state:

- ``POST /v2/nfe?ref=REF`` — 202 ``{"status": "processando_autorizacao"}``; 422/400 with
  ``{"codigo", "mensagem"}`` when the data are refused before SEFAZ;
- ``GET /v2/nfe/REF`` — ``status``: ``processando_autorizacao``, ``autorizado`` (with ``chave_nfe``,
  ``numero``, ``serie``, ``caminho_xml_nota_fiscal``, ``caminho_danfe``), ``erro_autorizacao`` (SEFAZ
  rejected it: ``status_sefaz``, ``mensagem_sefaz``), ``denegado``, ``cancelado``;
- ``DELETE /v2/nfe/REF`` with ``{"justificativa"}`` (15–255 characters) — cancels an authorized note;
- ``POST /v2/nfe/REF/carta_correcao`` with ``{"correcao"}`` (15–1000 characters) — a correction letter;
- the files at the ``caminho_*`` paths, relative to the API's base URL.

Authentication is HTTP basic with the account's token as the user name and an empty password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import httpx


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered 5xx/429: try again later."""


class ProviderRefused(Exception):
    """The provider refused the request for what it says (bad data, wrong state): retrying as is won't help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class NfeState:
    #: ``processando_autorizacao``, ``autorizado``, ``erro_autorizacao``, ``denegado``, ``cancelado``.
    status: str
    status_sefaz: str | None = None
    message: str | None = None
    chave: str | None = None
    number: str | None = None
    series: str | None = None
    protocol: str | None = None
    xml_path: str | None = None
    danfe_path: str | None = None
    cancel_xml_path: str | None = None
    cce_xml_path: str | None = None
    cce_pdf_path: str | None = None
    cce_number: int | None = None


@runtime_checkable
class NfeProvider(Protocol):
    name: str

    async def issue(self, ref: str, payload: dict[str, Any]) -> NfeState: ...

    async def status(self, ref: str) -> NfeState | None: ...

    async def cancel(self, ref: str, justification: str) -> NfeState: ...

    async def correct(self, ref: str, text: str) -> NfeState: ...

    async def download(self, path: str) -> bytes: ...


def _state(body: dict[str, Any]) -> NfeState:
    chave = str(body.get("chave_nfe") or "") or None
    if chave and chave.startswith("NFe"):
        chave = chave[3:]
    protocol = body.get("protocolo")
    if protocol is None and isinstance(body.get("protocolo_nota_fiscal"), dict):
        protocol = body["protocolo_nota_fiscal"].get("numero_protocolo")
    number = body.get("numero_carta_correcao")
    return NfeState(
        status=str(body.get("status") or ""),
        status_sefaz=str(body["status_sefaz"]) if body.get("status_sefaz") is not None else None,
        message=body.get("mensagem_sefaz") or body.get("mensagem"),
        chave=chave,
        number=str(body["numero"]) if body.get("numero") is not None else None,
        series=str(body["serie"]) if body.get("serie") is not None else None,
        protocol=str(protocol) if protocol else None,
        xml_path=body.get("caminho_xml_nota_fiscal"),
        danfe_path=body.get("caminho_danfe"),
        cancel_xml_path=body.get("caminho_xml_cancelamento"),
        cce_xml_path=body.get("caminho_xml_carta_correcao"),
        cce_pdf_path=body.get("caminho_pdf_carta_correcao"),
        cce_number=int(number) if number is not None else None,
    )


class FocusNfe:
    """Focus NFe's API v2 (``https://api.focusnfe.com.br``; homologation ``https://homologacao.focusnfe.com.br``)."""

    name = "focusnfe"

    def __init__(self, base_url: str, token: str, http: httpx.AsyncClient, timeout: float = 10.0) -> None:
        self.base = base_url.rstrip("/")
        self.auth = httpx.BasicAuth(token, "")
        self.http = http
        self.timeout = timeout

    async def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = await self.http.request(method, self.base + path, auth=self.auth, timeout=self.timeout, **kw)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code >= 500 or r.status_code == 429:
            raise ProviderUnavailable(f"HTTP {r.status_code}")
        return r

    @staticmethod
    def _json(r: httpx.Response) -> dict[str, Any]:
        try:
            body = r.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"HTTP {r.status_code}: not JSON") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"HTTP {r.status_code}: unexpected body")
        return body

    def _refused(self, r: httpx.Response) -> ProviderRefused:
        body = self._json(r)
        message = str(body.get("mensagem") or body.get("mensagem_sefaz") or f"HTTP {r.status_code}")
        errors = body.get("erros")
        if isinstance(errors, list) and errors:
            message += " — " + "; ".join(str(e.get("mensagem", e)) if isinstance(e, dict) else str(e) for e in errors)
        return ProviderRefused(str(body.get("codigo") or f"http_{r.status_code}"), message)

    async def issue(self, ref: str, payload: dict[str, Any]) -> NfeState:
        r = await self._call("POST", "/v2/nfe", params={"ref": ref}, json=payload)
        if r.status_code in (200, 201, 202):
            return _state(self._json(r))
        raise self._refused(r)

    async def status(self, ref: str) -> NfeState | None:
        r = await self._call("GET", f"/v2/nfe/{ref}", params={"completa": "0"})
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise self._refused(r)
        return _state(self._json(r))

    async def cancel(self, ref: str, justification: str) -> NfeState:
        r = await self._call("DELETE", f"/v2/nfe/{ref}", json={"justificativa": justification})
        if r.status_code != 200:
            raise self._refused(r)
        state = _state(self._json(r))
        if state.status != "cancelado":
            raise ProviderRefused(state.status or "erro_cancelamento", state.message or "not cancelled")
        return state

    async def correct(self, ref: str, text: str) -> NfeState:
        r = await self._call("POST", f"/v2/nfe/{ref}/carta_correcao", json={"correcao": text})
        if r.status_code != 200:
            raise self._refused(r)
        state = _state(self._json(r))
        if state.status != "autorizado":
            raise ProviderRefused(state.status or "erro_autorizacao", state.message or "correction not registered")
        return state

    async def download(self, path: str) -> bytes:
        if not path.startswith("/"):
            raise ProviderRefused("invalid_path", "files are paths under the API's base URL")
        r = await self._call("GET", path)
        if r.status_code != 200:
            raise ProviderUnavailable(f"HTTP {r.status_code} downloading a document")
        return r.content
