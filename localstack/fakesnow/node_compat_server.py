"""fakesnow's HTTP server, made to answer the way Snowflake answers the Node.js driver.

Why this exists: fakesnow 0.12.1 returns SELECT (and DDL) results as Arrow IPC (`queryResultFormat:
"arrow"`, `rowsetBase64`), which is what the Python connector asks for. snowflake-sdk (Node) only reads the
JSON result format (`data.rowset`, every value a string) and fails every such statement with

    Unexpected error in onStatementRequestSucc: TypeError: Cannot read properties of undefined
    (reading 'length') at createChunks (snowflake-sdk/dist/lib/connection/result/result.js:235)
    -> OperationFailedError 401002 "Request to Snowflake failed."

Real Snowflake answers the Node driver in JSON, so this wrapper re-encodes fakesnow's Arrow result as
Snowflake's JSON rowset (same encodings Snowflake uses: FIXED/REAL as decimal text, BOOLEAN as "1"/"0",
DATE as days since epoch, TIME as seconds.nanos, TIMESTAMP_* as epoch seconds.nanos [+ " " tz offset],
BINARY as hex), and adds `returned` (the row count the driver sizes its window by), which fakesnow omits
from DML answers — without it an INSERT runs but snowflake-sdk never calls `complete`. Everything else (login, binds, SQL translation, errors) is fakesnow unchanged.

Fault injection (tests of the adapter against Snowflake's real answers): POST /fakesnow/faults with a JSON
list of faults, each answered once, in order, by the next request of its kind:

    {"on": "login", "code": "390100"}          the next login is refused (wrong or rotated password)
    {"on": "query", "code": "390111"}          the next statement finds its session gone
    {"on": "query", "code": "000630"}          the next statement hits its statement timeout
    {"on": "query", "hold": true}              the next statement runs until an abort-request for it
                                               (or SYSTEM$CANCEL_QUERY of its id) arrives, then answers
                                               000604 (cancelled); {"seconds": n} ends it with 000630
    {"on": "query", "hold": true, "release": true}  ... runs until POST /fakesnow/release, then succeeds
    {..., "async": true}                       the fault waits for the next asynchronous statement

Asynchronous statements, as Snowflake runs them (fakesnow runs every statement synchronously): a query
request with `asyncExec` is answered at once with 333334 and its query id; the statement runs in the
background; GET /monitoring/queries/<id> answers its status (RUNNING, SUCCESS, FAILED_WITH_ERROR, ABORTED)
to any session, GET /queries/<id>/result its result (or 333333 "in progress" while it runs), and
`SELECT SYSTEM$CANCEL_QUERY(?)` with its id cancels it. That is what lets a second worker re-attach to a
statement the first one started.

GET /fakesnow/stats answers {"logins", "queries", "aborts", "held", "lastAbortAt" (epoch ms),
"asyncSubmitted", "resultFetches"}; POST /fakesnow/reset clears both.
The failure bodies are Snowflake's: {"data": {"sqlState", "queryId", ...}, "code", "message",
"success": false}.

Usage: python node_compat_server.py --host 127.0.0.1 --port 8765
"""

from __future__ import annotations

import asyncio
import argparse
import base64
import datetime
import decimal
import gzip
import json
import os
import time
import uuid
from typing import Any

import fakesnow.server as fakesnow_server
import pyarrow as pa
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

EPOCH = datetime.date(1970, 1, 1)

# Snowflake's answer for each scripted code: (sqlState, message)
FAULT_ANSWERS: dict[str, tuple[str, str]] = {
    "390100": ("08004", "Incorrect username or password was specified."),
    "390111": ("08001", "Session no longer exists.  New login required to access the service."),
    "000630": ("57014", "Statement reached its statement or warehouse timeout of 4 second(s) and was canceled."),
    "000604": ("57014", "SQL execution canceled"),
}

faults: list[dict[str, Any]] = []
stats = {
    "logins": 0,
    "queries": 0,
    "aborts": 0,
    "held": 0,
    "lastAbortAt": 0,
    "asyncSubmitted": 0,
    "resultFetches": 0,
}
# requestId of a held statement -> the event its abort sets
held: dict[str, asyncio.Event] = {}


def next_fault(kind: str, asynchronous: bool = False) -> dict[str, Any] | None:
    """The next fault of this kind; one marked "async" answers only an asynchronous statement."""
    for i, fault in enumerate(faults):
        if fault.get("on") == kind and (asynchronous or not fault.get("async")):
            return faults.pop(i)
    return None


def failure_body(code: str, query_id: str | None = None) -> dict[str, Any]:
    sql_state, message = FAULT_ANSWERS[code]
    data: dict[str, Any] = {"internalError": False, "errorCode": code, "age": 0, "sqlState": sql_state}
    if query_id:
        data["queryId"] = query_id
    return {"data": data, "code": code, "message": message, "success": False, "headers": None}


def failure(code: str, query_id: str | None = None) -> JSONResponse:
    return JSONResponse(failure_body(code, query_id))


# Client session parameters each session logged in with (token -> {name: value}). Snowflake keeps them and
# lists them in every answer's `parameters`, where snowflake-sdk reads e.g. JS_TREAT_INTEGER_AS_BIGINT;
# fakesnow drops them.
client_parameters: dict[str, dict[str, Any]] = {}
ECHOED = {"JS_TREAT_INTEGER_AS_BIGINT", "TIMEZONE", "CLIENT_SESSION_KEEP_ALIVE"}


async def login_request(request: Request) -> Response:
    stats["logins"] += 1
    fault = next_fault("login")
    if fault:
        return failure(str(fault["code"]))
    raw = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    asked = (json.loads(raw).get("data") or {}).get("SESSION_PARAMETERS") or {}
    response = await fakesnow_server.login_request(request)
    body = json.loads(bytes(response.body))
    data = body.get("data")
    if body.get("success") and isinstance(data, dict) and data.get("token"):
        kept = {k: v for k, v in asked.items() if k in ECHOED}
        client_parameters[data["token"]] = kept
        data.setdefault("parameters", []).extend({"name": k, "value": v} for k, v in kept.items())
    return JSONResponse(body, status_code=response.status_code)


async def abort_request(request: Request) -> Response:
    stats["aborts"] += 1
    stats["lastAbortAt"] = int(time.time() * 1000)
    body = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    request_id = (json.loads(body or b"{}") or {}).get("requestId")
    for key in [request_id] if request_id in held else list(held):
        held[key].set()
    return JSONResponse({"success": True, "data": None, "code": None, "message": None})


async def set_faults(request: Request) -> Response:
    faults.extend(json.loads(await request.body() or b"[]"))
    return JSONResponse({"faults": len(faults)})


async def reset(_: Request) -> Response:
    faults.clear()
    async_queries.clear()
    for key in stats:
        stats[key] = 0
    return JSONResponse({"ok": True})


async def get_stats(_: Request) -> Response:
    return JSONResponse({**stats, "pending": len(faults)})


def encode(value: Any, sf_type: str) -> str | None:
    if value is None:
        return None
    if sf_type == "boolean":
        return "1" if value else "0"
    if sf_type == "fixed":
        return format(value, "f") if isinstance(value, decimal.Decimal) else str(value)
    if sf_type == "real":
        return repr(float(value))
    if sf_type == "date":
        return str((value - EPOCH).days)
    if sf_type == "time":  # fakesnow sends nanoseconds since midnight
        return f"{value // 1_000_000_000}.{value % 1_000_000_000:09d}"
    if sf_type.startswith("timestamp") and isinstance(value, dict):
        text = f"{value['epoch']}.{value['fraction']:09d}"
        return f"{text} {value['timezone']}" if "timezone" in value else text
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def arrow_to_rowset(rowset_b64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    if not rowset_b64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(rowset_b64)).read_all()
    columns = [column.to_pylist() for column in table.columns]
    types = [str(c.get("type", "text")).lower() for c in rowtype]
    return [[encode(v, types[i]) for i, v in enumerate(row)] for row in zip(*columns, strict=True)]


def replayed(request: Request, body: dict[str, Any]) -> Request:
    """The same request (session token, query string) with another JSON body, uncompressed."""
    raw = json.dumps(body).encode()
    headers = [
        (k, v) for k, v in request.scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")
    ]
    headers.append((b"content-length", str(len(raw)).encode()))
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return Request({**request.scope, "headers": headers}, receive)


async def run_query(request: Request, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """fakesnow's answer to a statement, re-encoded the way Snowflake answers snowflake-sdk."""
    response = await fakesnow_server.query_request(replayed(request, body))
    answer = json.loads(bytes(response.body))
    data = answer.get("data")
    if answer.get("success") and isinstance(data, dict):
        if data.get("queryResultFormat") == "arrow":
            data["rowset"] = arrow_to_rowset(data.pop("rowsetBase64", ""), data.get("rowtype") or [])
            data["queryResultFormat"] = "json"
        token = (request.headers.get("Authorization") or "")[17:-1]
        kept = client_parameters.get(token, {})
        if kept:
            data.setdefault("parameters", []).extend({"name": k, "value": v} for k, v in kept.items())
        if isinstance(data.get("rowset"), list):
            # snowflake-sdk sizes its row window from `returned`; fakesnow leaves it out of DML answers
            # (INSERT/UPDATE/DELETE), and without it the driver never calls `complete`
            data["returned"] = len(data["rowset"])
            data["total"] = len(data["rowset"])
    return answer, response.status_code


# asynchronous statements by query id: {"status", "done": Event, "release": Event, "cancelled", "answer"}
async_queries: dict[str, dict[str, Any]] = {}


def cancel(query_id: str) -> None:
    stats["aborts"] += 1
    stats["lastAbortAt"] = int(time.time() * 1000)
    entry = async_queries.get(query_id)
    if entry is not None and entry["status"] == "RUNNING":
        entry["cancelled"] = True
        entry["release"].set()


async def run_async(request: Request, body: dict[str, Any], fault: dict[str, Any] | None, query_id: str) -> None:
    entry = async_queries[query_id]
    try:
        if fault and fault.get("hold"):
            stats["held"] += 1
            try:
                await asyncio.wait_for(entry["release"].wait(), timeout=float(fault.get("seconds", 60)))
            except TimeoutError:
                entry["answer"], entry["status"] = failure_body("000630", query_id), "FAILED_WITH_ERROR"
                return
            if entry["cancelled"] or not fault.get("release"):
                entry["answer"], entry["status"] = failure_body("000604", query_id), "ABORTED"
                return
        elif fault:
            entry["answer"], entry["status"] = failure_body(str(fault["code"]), query_id), "FAILED_WITH_ERROR"
            return
        answer, _ = await run_query(request, {k: v for k, v in body.items() if k != "asyncExec"})
        if isinstance(answer.get("data"), dict):
            answer["data"]["queryId"] = query_id
        entry["answer"] = answer
        entry["status"] = "SUCCESS" if answer.get("success") else "FAILED_WITH_ERROR"
    finally:
        entry["done"].set()


async def query_request(request: Request) -> Response:
    stats["queries"] += 1
    raw = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    body = json.loads(raw or b"{}")
    sql_text = str(body.get("sqlText", ""))
    if "SYSTEM$CANCEL_QUERY" in sql_text.upper():
        target = ((body.get("bindings") or {}).get("1") or {}).get("value")
        cancel(str(target))
        body = {**body, "sqlText": "SELECT 'query terminated.' AS cancelled", "bindings": None}
        answer, status = await run_query(request, body)
        return JSONResponse(answer, status_code=status)
    fault = next_fault("query", asynchronous=bool(body.get("asyncExec")))
    if body.get("asyncExec"):
        stats["asyncSubmitted"] += 1
        query_id = str(uuid.uuid4())
        async_queries[query_id] = {
            "status": "RUNNING",
            "done": asyncio.Event(),
            "release": asyncio.Event(),
            "cancelled": False,
            "answer": None,
        }
        asyncio.get_running_loop().create_task(run_async(request, body, fault, query_id))
        return JSONResponse(in_progress(query_id, "333334"))
    if fault and fault.get("hold"):
        stats["held"] += 1
        request_id = request.query_params.get("requestId", "")
        event = held.setdefault(request_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout=float(fault.get("seconds", 60)))
        except TimeoutError:
            return failure("000630", f"held-{request_id}")
        finally:
            held.pop(request_id, None)
        return failure("000604", f"held-{request_id}")
    if fault:
        return failure(str(fault["code"]), f"fault-{stats['queries']}")
    answer, status = await run_query(request, body)
    return JSONResponse(answer, status_code=status)


def in_progress(query_id: str, code: str) -> dict[str, Any]:
    return {
        "success": True,
        "code": code,
        "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
        "data": {"queryId": query_id, "getResultUrl": f"/queries/{query_id}/result"},
    }


async def query_result(request: Request) -> Response:
    stats["resultFetches"] += 1
    query_id = request.path_params["query_id"]
    entry = async_queries.get(query_id)
    if entry is None:
        return JSONResponse(
            {"success": False, "code": "000709", "message": f"Statement {query_id} not found", "data": None}
        )
    try:
        await asyncio.wait_for(entry["done"].wait(), timeout=2)
    except TimeoutError:
        return JSONResponse(in_progress(query_id, "333333"))
    return JSONResponse(entry["answer"])


async def monitoring_query(request: Request) -> Response:
    entry = async_queries.get(request.path_params["sfqid"])
    if entry is None:
        return fakesnow_server.monitoring_query(request)
    return JSONResponse(
        {"success": True, "data": {"queries": [{"id": request.path_params["sfqid"], "status": entry["status"]}]}}
    )


async def release(_: Request) -> Response:
    """Lets every held asynchronous statement that was held with `release` finish normally."""
    for entry in async_queries.values():
        if entry["status"] == "RUNNING":
            entry["release"].set()
    return JSONResponse({"ok": True})


async def health(_: Request) -> Response:
    return PlainTextResponse("ok")


WRAPPED = {
    "/queries/v1/query-request": query_request,
    "/session/v1/login-request": login_request,
    "/queries/v1/abort-request": abort_request,
    "/monitoring/queries/{sfqid}": monitoring_query,
}
routes = [
    Route(r.path, WRAPPED[r.path], methods=list(r.methods or [])) if r.path in WRAPPED else r
    for r in fakesnow_server.routes
]
routes.append(Route("/queries/{query_id}/result", query_result, methods=["GET"]))
routes.append(Route("/fakesnow/health", health, methods=["GET"]))
routes.append(Route("/fakesnow/release", release, methods=["POST"]))
routes.append(Route("/fakesnow/faults", set_faults, methods=["POST"]))
routes.append(Route("/fakesnow/reset", reset, methods=["POST"]))
routes.append(Route("/fakesnow/stats", get_stats, methods=["GET"]))
app = Starlette(routes=routes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level=os.environ.get("FAKESNOW_LOG_LEVEL", "warning"))


if __name__ == "__main__":
    main()
