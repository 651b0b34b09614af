"""How phones find a session: its join address, typed or scanned, and the QR code for it."""

from __future__ import annotations

from ..screens.qr import qr_svg


class JoinLinks:
    def __init__(self, code: str, base_url: str, join_key: str) -> None:
        self.code = code
        self.base_url = base_url
        self.join_key = join_key
        self._qr: tuple[str, str] | None = None  # join address, its QR code

    @property
    def join_url(self) -> str:
        return f"{self.base_url}/j/{self.code}"

    @property
    def qr_url(self) -> str:
        """The join address with the QR code's key: scanning never meets the limit on
        typed codes (pages.session_for_code)."""
        return f"{self.join_url}?k={self.join_key}" if self.join_key else self.join_url

    @property
    def join_host(self) -> str:
        return self.base_url.split("://", 1)[-1]

    @property
    def qr(self) -> str:
        """The join QR code, made again only when the join address changes (the console
        tells a leader on localhost to reopen it at the laptop's network address)."""
        if self._qr is None or self._qr[0] != self.qr_url:
            self._qr = (self.qr_url, qr_svg(self.qr_url))
        return self._qr[1]
