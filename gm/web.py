"""The live web viewer: a thin FastAPI adapter over a :class:`gm.session.PlaySession`.

Serves one page with the live world stream (fragmented MP4 over a WebSocket into
Media Source Extensions), the narration log, the scene, the party and the quest
log, and an input box that plays turns on the same game as the terminal. Only
the local machine can reach it unless started with another host and a token.

Browsers are the threat model: a page the player visits must not read the game or
act in it. Requests must name a trusted ``Host`` (so a DNS-rebinding page, whose
requests carry its own host name, is refused), a browser's ``Origin`` must be this
viewer itself for actions and the video WebSocket (so no other site can post or
watch), and off this machine a token is required as well.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from importlib import resources

from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware

from gm.game import TurnError
from gm.safe_text import for_web
from gm.session import PlaySession

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WILDCARD_HOSTS = {"0.0.0.0", "::"}


class ActRequest(BaseModel):
    text: str = Field(min_length=1, max_length=500)


def allowed_hosts(host: str) -> list[str]:
    """The ``Host`` names the viewer answers to when listening on ``host``.

    Bound to this machine: its local names only. Bound to one address or name: that one (and the
    local names). Bound to every interface: any name, since the token (required there) guards it.
    """
    if host in WILDCARD_HOSTS:
        return ["*"]
    local = ["127.0.0.1", "localhost", "[::1]"]
    return local if host in LOCAL_HOSTS else [f"[{host}]" if ":" in host else host, *local]


def same_origin(headers: Headers) -> bool:
    """A request without ``Origin`` (not from a browser page), or one from this viewer's own page."""
    origin = headers.get("origin")
    if origin is None:
        return True
    scheme, _, rest = origin.partition("://")
    return scheme in ("http", "https") and rest.rstrip("/").lower() == headers.get("host", "").lower()


def create_app(session: PlaySession, token: str | None = None, host: str = "127.0.0.1") -> FastAPI:
    app = FastAPI(title="Worldkeeper viewer", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(host), www_redirect=False)
    page = (resources.files("gm") / "webui" / "index.html").read_text(encoding="utf-8")

    def authorised(given: str | None) -> bool:
        return token is None or (given is not None and hmac.compare_digest(given, token))

    def check(request: Request, t: str | None = Query(default=None)) -> None:
        if not authorised(t or request.headers.get("x-worldkeeper-token")):
            raise HTTPException(status_code=401, detail="a valid token is required")

    def from_this_page(request: Request) -> None:
        if not same_origin(request.headers):
            raise HTTPException(status_code=403, detail="actions come only from the viewer's own page")

    @app.get("/", response_class=HTMLResponse, dependencies=[Depends(check)])
    def index() -> str:
        return page

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api/state", dependencies=[Depends(check)])
    def state() -> dict:
        return for_web(session.state())

    @app.post("/api/act", dependencies=[Depends(check), Depends(from_this_page)])
    def act(body: ActRequest) -> dict:
        try:
            result = session.act(body.text)  # a plain def: FastAPI runs it in a worker thread
        except TurnError as exc:  # not played, or undone: the game goes on as it was
            raise HTTPException(status_code=409, detail=for_web(str(exc))) from None
        trace = result.trace()
        trace.pop("segments")
        return for_web(trace)

    @app.websocket("/ws/video")
    async def video(ws: WebSocket, t: str | None = None) -> None:
        if not same_origin(ws.headers):  # browsers send any site's page's WebSockets with their Origin
            await ws.close(code=4403)
            return
        if not authorised(t):
            await ws.close(code=4401)
            return
        await ws.accept()
        live = session.broadcast
        if live is None:
            await ws.close(code=4404)
            return
        loop = asyncio.get_running_loop()
        codec = await loop.run_in_executor(None, lambda: live.codec)
        await ws.send_text(codec)
        await ws.send_bytes(await loop.run_in_executor(None, live.init_segment))
        feed = live.subscribe()
        try:
            while True:
                fragment = await loop.run_in_executor(None, feed.get)
                if fragment is None:
                    break
                await ws.send_bytes(fragment)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            live.unsubscribe(feed)
            try:
                feed.put_nowait(None)  # wake the worker thread still waiting on this feed
            except Exception:
                pass

    return app


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token."""
    if host not in LOCAL_HOSTS and not token:
        raise ValueError(f"binding to {host} makes the viewer reachable from other machines; "
                         "set a token (--token or WORLDKEEPER_WEB_TOKEN) to allow it")


def serve_in_background(session: PlaySession, host: str, port: int, token: str | None):
    """Start the viewer in a thread (for `play --view`); returns the uvicorn server."""
    import uvicorn

    check_binding(host, token)
    server = uvicorn.Server(uvicorn.Config(create_app(session, token, host), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="viewer", daemon=True)
    thread.start()
    return server


def viewer_url(host: str, port: int, token: str | None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/" + (f"?t={token}" if token else "")
