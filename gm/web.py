"""The live web viewer: a thin FastAPI adapter over a :class:`gm.session.PlaySession`.

Serves one page with the live world stream (fragmented MP4 over a WebSocket into
Media Source Extensions), the narration log, the scene, the party and the quest
log, and an input box that plays turns on the same game as the terminal. Only
the local machine can reach it unless started with another host and a token.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from importlib import resources

from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from gm.game import TurnError
from gm.session import PlaySession

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ActRequest(BaseModel):
    text: str = Field(min_length=1, max_length=500)


def create_app(session: PlaySession, token: str | None = None) -> FastAPI:
    app = FastAPI(title="Worldkeeper viewer", docs_url=None, redoc_url=None)
    page = (resources.files("gm") / "webui" / "index.html").read_text(encoding="utf-8")

    def authorised(given: str | None) -> bool:
        return token is None or (given is not None and hmac.compare_digest(given, token))

    def check(request: Request, t: str | None = Query(default=None)) -> None:
        if not authorised(t or request.headers.get("x-worldkeeper-token")):
            raise HTTPException(status_code=401, detail="a valid token is required")

    @app.get("/", response_class=HTMLResponse, dependencies=[Depends(check)])
    def index() -> str:
        return page

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api/state", dependencies=[Depends(check)])
    def state() -> dict:
        return session.state()

    @app.post("/api/act", dependencies=[Depends(check)])
    def act(body: ActRequest) -> dict:
        try:
            result = session.act(body.text)  # a plain def: FastAPI runs it in a worker thread
        except TurnError as exc:  # not played, or undone: the game goes on as it was
            raise HTTPException(status_code=409, detail=str(exc)) from None
        trace = result.trace()
        trace.pop("segments")
        return trace

    @app.websocket("/ws/video")
    async def video(ws: WebSocket, t: str | None = None) -> None:
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
    server = uvicorn.Server(uvicorn.Config(create_app(session, token), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="viewer", daemon=True)
    thread.start()
    return server


def viewer_url(host: str, port: int, token: str | None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/" + (f"?t={token}" if token else "")
