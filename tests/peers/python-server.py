#!/usr/bin/env python3
"""Latchkey test peer: an MCP server built on the official Python MCP SDK (mcp 2.3.0).

`MCPServer` (mcp.server.mcpserver) over Streamable HTTP at http://127.0.0.1:P/mcp, a pure
OAuth resource server: the bearer tokens are issued by ANOTHER process, the TypeScript peer
tests/peers/sdk-server.mjs, and validated here by calling its introspection endpoint
(GET {AS_ADMIN}/introspect?token=...). The SDK's own auth support does the HTTP side:
`AuthSettings` + a `TokenVerifier` subclass make the SDK answer 401 with
`WWW-Authenticate: Bearer ... resource_metadata="..."` and serve the RFC 9728 protected-resource
metadata naming AS_ISSUER.

Usage (python from the venv that scripts/install-python-peers.sh builds):
  AS_ISSUER=http://127.0.0.1:A/ AS_ADMIN=http://127.0.0.1:A/admin \
    target/tools/pyvenv/bin/python tests/peers/python-server.py
  (or --as-issuer URL --as-admin URL --port N)
Ready line (stdout, one line, printed once the socket accepts connections):
  {"mcp_url":"http://127.0.0.1:P/mcp","admin_url":"http://127.0.0.1:P/admin","sdk":"mcp 2.3.0",...}
Everything else goes to stderr. Exits 0 on SIGTERM/SIGINT/SIGHUP and when stdin (a pipe or a
socket) reaches EOF (PEER_EXIT_ON_STDIN_CLOSE=0 disables that).

Env: PORT (0 = any free port), AS_ISSUER, AS_ADMIN (both required), REQUIRED_SCOPES
("mcp:read"; space-separated; also the PRM's scopes_supported), JSON_RESPONSE (0: SSE responses;
1: plain JSON), STATELESS (0: Mcp-Session-Id sessions; 1: the SDK's stateless mode),
ACCEPT_AUDIENCES (none: space-separated `aud` values accepted besides this server's own /mcp URL;
for an authorization server that cannot mint tokens for this resource, such as sdk-server.mjs,
whose tokens always carry aud = its own /mcp URL), LOG_LEVEL (INFO).

Tools: echo {text} -> "echo: <text>"; whoami -> JSON {sub, client_id, scopes, resource};
greet -> asks the user's name with a form elicitation (2025-xx: a server-to-client
`elicitation/create` request on the POST's SSE stream; 2026-07-28: an `input_required` result,
the client retries with `inputResponses` + `requestState`), then "Hello, <name>!".

Admin (test-only, unauthenticated), at {admin_url}:
  GET  /admin/stats           counters (see STATS below)
  GET  /admin/sessions        {"sessions": [ids of the open MCP sessions]}
  POST /admin/drop-sessions   forget every session server-side (the client then gets 404 and
                              must initialize again) -> {"dropped": n}
"""

from __future__ import annotations

import sys

# stdout is reserved for the single ready line: everything else that prints goes to stderr.
_READY_OUT = sys.stdout
sys.stdout = sys.stderr

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import stat  # noqa: E402
import threading  # noqa: E402
from collections import Counter  # noqa: E402
from importlib.metadata import version as dist_version  # noqa: E402
from typing import Annotated, Any  # noqa: E402

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
logging.basicConfig(
    level=LOG_LEVEL,
    stream=sys.stderr,
    format="[python-server] %(levelname)s %(name)s: %(message)s",
)
log = logging.getLogger("python-server")
# The HTTP client logs every request's URL at INFO, and introspection puts the token in the
# query: even a test token stays out of the logs.
for name in ("httpx", "httpx2", "httpcore", "httpcore2"):
    logging.getLogger(name).setLevel(logging.WARNING)

import httpx2  # noqa: E402  (the SDK's own HTTP client, a dependency of mcp 2.x)
import uvicorn  # noqa: E402
from pydantic import AnyHttpUrl, BaseModel, Field  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402

from mcp.server.auth.middleware.auth_context import get_access_token  # noqa: E402
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser  # noqa: E402
from mcp.server.auth.provider import AccessToken, TokenVerifier  # noqa: E402
from mcp.server.auth.routes import build_resource_metadata_url  # noqa: E402
from mcp.server.auth.settings import AuthSettings  # noqa: E402
from mcp.server.mcpserver import (  # noqa: E402
    AcceptedElicitation,
    CancelledElicitation,
    Context,
    DeclinedElicitation,
    Elicit,
    ElicitationResult,
    MCPServer,
    Resolve,
)

SDK = f"mcp {dist_version('mcp')}"


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "")
    return default if raw == "" else raw.lower() in ("1", "true", "yes", "on")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 0))
    p.add_argument("--as-issuer", default=os.environ.get("AS_ISSUER"))
    p.add_argument("--as-admin", default=os.environ.get("AS_ADMIN"))
    p.add_argument("--required-scopes", default=os.environ.get("REQUIRED_SCOPES", "mcp:read"))
    p.add_argument("--accept-audiences", default=os.environ.get("ACCEPT_AUDIENCES", ""))
    args = p.parse_args()
    if not args.as_issuer or not args.as_admin:
        p.error("AS_ISSUER and AS_ADMIN (or --as-issuer / --as-admin) are required: start tests/peers/sdk-server.mjs "
                "and pass its ready line's issuer and admin_url")
    return args


# ---- counters behind GET /admin/stats ------------------------------------------------------
STATS: dict[str, Any] = {
    "mcp_requests": 0,  # HTTP requests to /mcp (any method, any outcome)
    "mcp_requests_by_method": Counter(),  # {"POST": n, "GET": n, "DELETE": n}
    "http_statuses": Counter(),  # status of every /mcp answer: {"200": n, "401": n, ...}
    "protocol_version_headers": Counter(),  # MCP-Protocol-Version request header values ("(none)" if absent)
    "sessions_created": 0,  # answers that issued a new Mcp-Session-Id
    "sessions_deleted": 0,  # DELETE /mcp answered 2xx (a client closing its session)
    "delete_requests": 0,  # every DELETE /mcp, whatever the answer
    "unauthorized": 0,  # 401 answers
    "forbidden": 0,  # 403 answers (a token without the REQUIRED_SCOPES)
    "introspections": 0,  # calls to the AS introspection endpoint
    "tokens_rejected": Counter(),  # why: inactive | wrong_aud | not_access_token | introspection_error
    "rpc_methods": Counter(),  # JSON-RPC methods that reached the SDK's server (via ServerMiddleware)
    "rpc_protocol_versions": Counter(),  # ctx.protocol_version of those messages
    "tool_calls": 0,  # tool bodies run (echo, whoami, greet)
    "elicitations": Counter(),  # greet outcomes: accept | decline | cancel
    "last_whoami": None,
}


def stats_json() -> dict[str, Any]:
    return {k: (dict(v) if isinstance(v, Counter) else v) for k, v in STATS.items()}


# ---- token validation: RFC 7662-style introspection at the other process -------------------
def _same_url(a: str, b: str) -> bool:
    try:
        return str(AnyHttpUrl(a)).rstrip("/") == str(AnyHttpUrl(b)).rstrip("/")
    except Exception:  # noqa: BLE001
        return False


class IntrospectionTokenVerifier(TokenVerifier):
    """Validates a bearer token with GET {as_admin}/introspect?token=... (tests/peers/sdk-server.mjs).

    Accepts only an active access token; when the answer carries `aud`, it must be this server's
    MCP URL (the token was issued with `resource` = that URL), or one of `extra_audiences`.
    Returns None to reject: the SDK's RequireAuthMiddleware then answers 401 invalid_token with
    resource_metadata.
    """

    def __init__(self, introspect_url: str, resource_url: str, extra_audiences: list[str] | None = None) -> None:
        self.introspect_url = introspect_url
        self.resource_url = resource_url
        self.audiences = [resource_url, *(extra_audiences or [])]
        self._client = httpx2.AsyncClient(timeout=5.0)

    def _reject(self, why: str, detail: str = "") -> None:
        STATS["tokens_rejected"][why] += 1
        log.info("token rejected: %s %s", why, detail)

    async def verify_token(self, token: str) -> AccessToken | None:
        STATS["introspections"] += 1
        try:
            res = await self._client.get(self.introspect_url, params={"token": token})
            res.raise_for_status()
            data = res.json()
        except Exception as exc:  # noqa: BLE001
            self._reject("introspection_error", repr(exc))
            return None
        if not isinstance(data, dict) or data.get("active") is not True:
            self._reject("inactive")
            return None
        # sdk-server.mjs says access_token | refresh_token; RFC 7662 servers may say "Bearer".
        if data.get("token_type") not in (None, "access_token", "Bearer", "bearer"):
            self._reject("not_access_token", str(data.get("token_type")))
            return None
        aud = data.get("aud")
        resource = None
        if aud is not None:
            auds = aud if isinstance(aud, list) else [aud]
            resource = next(
                (a for a in auds if isinstance(a, str) and any(_same_url(a, ok) for ok in self.audiences)), None
            )
            if resource is None:
                self._reject("wrong_aud", repr(aud))
                return None
        scope = data.get("scope") or ""
        return AccessToken(
            token=token,
            client_id=str(data.get("client_id") or ""),
            scopes=scope.split() if isinstance(scope, str) else list(scope),
            expires_at=int(data["exp"]) if isinstance(data.get("exp"), (int, float)) else None,
            resource=resource,
            subject=data.get("sub"),
            claims={k: data[k] for k in ("grant_id",) if k in data},
        )

    async def aclose(self) -> None:
        await self._client.aclose()


# ---- the MCP server ---------------------------------------------------------------------------
class NameForm(BaseModel):
    """The form `greet` asks the user to fill in (a flat object of primitives, as the spec wants)."""

    name: str = Field(description="Your name")


def ask_name() -> Elicit[NameForm]:
    """Resolver for greet's `answer`: the SDK turns this into elicitation/create (2025) or an
    input_required result (2026-07-28), whichever the negotiated protocol version calls for."""
    return Elicit("What is your name?", NameForm)


def current_token(ctx: Context) -> tuple[AccessToken | None, str]:
    """The caller's AccessToken: the SDK's auth contextvar, else the HTTP request's scope["user"]."""
    tok = get_access_token()
    if tok is not None:
        return tok, "auth_context"
    request = getattr(ctx.request_context, "request", None)
    user = getattr(request, "scope", {}).get("user") if request is not None else None
    if isinstance(user, AuthenticatedUser):
        return user.access_token, "request.user"
    return None, "none"


def build_server(args: argparse.Namespace, mcp_url: str) -> tuple[MCPServer, IntrospectionTokenVerifier]:
    required_scopes = [s for s in args.required_scopes.split() if s]
    verifier = IntrospectionTokenVerifier(
        f"{args.as_admin.rstrip('/')}/introspect", mcp_url, args.accept_audiences.split()
    )
    mcp = MCPServer(
        "latchkey-python-peer",
        version="1.0.0",
        instructions="Latchkey's Python test peer (official Python MCP SDK).",
        token_verifier=verifier,
        auth=AuthSettings(
            issuer_url=args.as_issuer,
            resource_server_url=mcp_url,
            required_scopes=required_scopes,
            # The verifier checks `aud` itself (and accepts a token without one), so the SDK's
            # stricter AccessToken.resource check stays off.
            validate_token_resource=False,
        ),
        log_level=LOG_LEVEL if LOG_LEVEL in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "INFO",
    )

    # Context-tier middleware: sees every JSON-RPC request and notification the SDK serves.
    async def count_rpc(ctx: Any, call_next: Any) -> Any:
        STATS["rpc_methods"][ctx.method] += 1
        STATS["rpc_protocol_versions"][str(ctx.protocol_version)] += 1
        return await call_next(ctx)

    mcp.middleware.append(count_rpc)

    @mcp.tool(description="Returns 'echo: ' followed by its `text` argument.")
    def echo(text: str) -> str:
        STATS["tool_calls"] += 1
        return f"echo: {text}"

    @mcp.tool(description="Returns the subject, client id, scopes and resource of the caller's access token (JSON).")
    def whoami(ctx: Context) -> str:
        STATS["tool_calls"] += 1
        tok, source = current_token(ctx)
        out = {
            "sub": tok.subject if tok else None,
            "client_id": tok.client_id if tok else None,
            "scopes": tok.scopes if tok else [],
            "resource": tok.resource if tok else None,
            "source": source,
            "protocol_version": ctx.protocol_version,
        }
        STATS["last_whoami"] = out
        return json.dumps(out)

    @mcp.tool(description="Asks for your name (a form elicitation) and greets you.")
    async def greet(answer: Annotated[ElicitationResult[NameForm], Resolve(ask_name)]) -> str:
        STATS["tool_calls"] += 1
        if isinstance(answer, AcceptedElicitation):
            STATS["elicitations"]["accept"] += 1
            return f"Hello, {answer.data.name}!"
        if isinstance(answer, DeclinedElicitation):
            STATS["elicitations"]["decline"] += 1
            return "greet: declined"
        if isinstance(answer, CancelledElicitation):
            STATS["elicitations"]["cancel"] += 1
            return "greet: cancelled"
        return f"greet: unexpected {answer!r}"  # pragma: no cover

    # ---- /admin (custom routes are not behind the SDK's RequireAuthMiddleware) ----
    @mcp.custom_route("/admin/stats", methods=["GET"])
    async def admin_stats(_request: Request) -> JSONResponse:
        return JSONResponse(stats_json())

    def open_sessions() -> dict[str, Any]:
        # Private SDK state (test-only): StreamableHTTPSessionManager._server_instances.
        return getattr(mcp.session_manager, "_server_instances", {})

    @mcp.custom_route("/admin/sessions", methods=["GET"])
    async def admin_sessions(_request: Request) -> JSONResponse:
        return JSONResponse({"sessions": list(open_sessions())})

    @mcp.custom_route("/admin/drop-sessions", methods=["POST"])
    async def admin_drop_sessions(_request: Request) -> JSONResponse:
        manager = mcp.session_manager
        ids = list(open_sessions().items())
        for sid, transport in ids:
            await manager._discard_session(sid, transport)  # noqa: SLF001  (test-only)
        log.info("dropped %d session(s)", len(ids))
        return JSONResponse({"dropped": len(ids)})

    return mcp, verifier


class CountingApp:
    """Outer ASGI wrapper: counts HTTP traffic to /mcp and the outcome of each answer."""

    def __init__(self, app: Any, path: str = "/mcp") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        STATS["mcp_requests"] += 1
        STATS["mcp_requests_by_method"][method] += 1
        STATS["protocol_version_headers"][headers.get("mcp-protocol-version", "(none)")] += 1
        if method == "DELETE":
            STATS["delete_requests"] += 1

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                STATS["http_statuses"][str(status)] += 1
                if status == 401:
                    STATS["unauthorized"] += 1
                elif status == 403:
                    STATS["forbidden"] += 1
                out = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}
                if method == "DELETE" and 200 <= status < 300:
                    STATS["sessions_deleted"] += 1
                    log.info("MCP session %s closed by the client (DELETE)", headers.get("mcp-session-id"))
                elif (method == "POST" and status == 200 and "mcp-session-id" in out
                      and "mcp-session-id" not in headers):
                    STATS["sessions_created"] += 1
            await send(message)

        await self.app(scope, receive, watch)


class PeerServer(uvicorn.Server):
    """uvicorn.Server that prints the ready line once listening and leaves signals to us
    (uvicorn's own capture_signals re-raises SIGTERM after shutdown: exit status 143, not 0)."""

    def __init__(self, config: uvicorn.Config, ready: dict[str, Any]) -> None:
        super().__init__(config)
        self.ready = ready

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            _READY_OUT.write(json.dumps(self.ready, separators=(",", ":")) + "\n")
            _READY_OUT.flush()
            log.info("ready: %s", self.ready["mcp_url"])


def watch_stdin(loop: asyncio.AbstractEventLoop, stop: Any) -> None:
    """Stop when stdin reaches EOF, but only when it is a pipe or a socket (the test harness)."""
    if not env_bool("PEER_EXIT_ON_STDIN_CLOSE", True):
        return
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return

    def reader() -> None:
        try:
            while os.read(0, 65536):
                pass  # discard anything written to us
        except OSError:
            pass
        loop.call_soon_threadsafe(stop, "stdin closed")

    threading.Thread(target=reader, name="stdin-watch", daemon=True).start()


async def main() -> None:
    args = parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    mcp_url = f"{base}/mcp"

    mcp, verifier = build_server(args, mcp_url)
    app = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        json_response=env_bool("JSON_RESPONSE"),
        stateless_http=env_bool("STATELESS"),
        host="127.0.0.1",
    )
    ready = {
        "mcp_url": mcp_url,
        "admin_url": f"{base}/admin",
        "sdk": SDK,
        "issuer": args.as_issuer,
        "resource_metadata_url": str(build_resource_metadata_url(AnyHttpUrl(mcp_url))),
        "required_scopes": args.required_scopes.split(),
        "accept_audiences": args.accept_audiences.split(),
        "json_response": env_bool("JSON_RESPONSE"),
        "stateless": env_bool("STATELESS"),
    }
    config = uvicorn.Config(
        CountingApp(app),
        log_config=None,  # uvicorn's default config logs access lines to stdout
        log_level=LOG_LEVEL.lower(),
        timeout_graceful_shutdown=1,
        lifespan="on",
    )
    server = PeerServer(config, ready)

    loop = asyncio.get_running_loop()

    def stop(why: str) -> None:
        if server.should_exit:
            server.force_exit = True
            return
        log.info("shutting down (%s)", why)
        server.should_exit = True
        # Belt and braces: never outlive the harness by more than a few seconds.
        timer = threading.Timer(5.0, lambda: os._exit(0))
        timer.daemon = True
        timer.start()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop, signal.Signals(sig).name)
    watch_stdin(loop, stop)

    try:
        await server.serve(sockets=[sock])
    finally:
        await verifier.aclose()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    sys.stderr.flush()
    os._exit(0)
