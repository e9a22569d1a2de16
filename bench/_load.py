"""Load generators for requests per second over real HTTP: ``wrk``, or a Python asyncio client when it is missing.

``wrk`` (Debian: ``apt-get install -y wrk``) is the measuring instrument: written in C, it costs the machine
little. The fallback is a plain asyncio client (keep-alive, a fixed number of connections, each sending its
next request when the last reply is read in full). It is much slower than wrk and shares the CPU with the
server, so its figures are lower; ratios between targets measured with the same client still compare.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

from _server import HOST, die_with_parent

INSTALL_WRK = "apt-get install -y wrk   (Debian/Ubuntu; as root, after apt-get update)"


@dataclass(frozen=True)
class Target:
    """What a round requests: one path with fixed headers, again and again."""

    name: str
    port: int
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Round:
    """One timed round against one target."""

    rps: float
    requests: int
    seconds: float
    bytes_read: int  # everything read off the sockets: headers and bodies as sent
    p50_ms: float | None
    p99_ms: float | None

    @property
    def bytes_per_response(self) -> float:
        return self.bytes_read / self.requests if self.requests else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


class Wrk:
    """``wrk -t<threads> -c<connections> -d<seconds>s --latency`` against one URL, its summary parsed."""

    label = "wrk"

    def __init__(self, connections: int, threads: int = 1) -> None:
        path = wrk_path()
        if path is None:
            raise RuntimeError(f"wrk is not installed: {INSTALL_WRK}")
        self.path, self.connections, self.threads = path, connections, threads

    def describe(self) -> str:
        version = subprocess.run([self.path, "-v"], capture_output=True, text=True, check=False)
        first = (version.stdout or version.stderr).strip().splitlines()
        name = first[0].split(" [")[0] if first else "wrk"
        return f"{name}, -t{self.threads} -c{self.connections}"

    def run(self, target: Target, seconds: float) -> Round:
        duration = max(1, round(seconds))
        command = [
            self.path,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{duration}s",
            "--latency",
        ]
        for key, value in target.headers.items():
            command += ["-H", f"{key}: {value}"]
        command.append(f"http://{HOST}:{target.port}{target.path}")
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 30, preexec_fn=die_with_parent
        )
        if result.returncode != 0:
            raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
        return parse_wrk(result.stdout, target.name)


_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_TIME = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _size(text: str) -> int:
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]?B)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * _SIZE[unit])


def _millis(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()  # type: ignore[union-attr]
    return float(number) * _TIME[unit]


def parse_wrk(output: str, name: str) -> Round:
    """Requests per second, totals and latency percentiles from wrk's summary; errors are refused."""
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise RuntimeError(f"{name}: {match.group(1)} responses were not 2xx/3xx:\n{output}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors and any(int(count) for count in errors.groups()):
        raise RuntimeError(f"{name}: socket errors:\n{output}")
    totals = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+[KMGT]?B) read", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if totals is None or rps is None:
        raise RuntimeError(f"{name}: cannot read wrk's output:\n{output}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", output, re.M))
    return Round(
        rps=float(rps.group(1)),
        requests=int(totals.group(1)),
        seconds=_millis(totals.group(2)) / 1e3,
        bytes_read=_size(totals.group(3)),
        p50_ms=_millis(latency["50"]) if "50" in latency else None,
        p99_ms=_millis(latency["99"]) if "99" in latency else None,
    )


class AsyncioClient:
    """The fallback: ``connections`` keep-alive connections in one asyncio loop, each one request at a time."""

    def __init__(self, connections: int, reason: str = "wrk not installed") -> None:
        self.connections = connections
        self.label = f"Python asyncio client: FALLBACK, {reason}"

    def describe(self) -> str:
        return f"{self.label}, {self.connections} keep-alive connections"

    def run(self, target: Target, seconds: float) -> Round:
        return asyncio.run(self._run(target, seconds))

    async def _run(self, target: Target, seconds: float) -> Round:
        lines = [f"GET {target.path} HTTP/1.1", f"Host: {HOST}:{target.port}"]
        lines += [f"{key}: {value}" for key, value in target.headers.items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        begin = time.perf_counter()
        deadline = begin + seconds
        results = await asyncio.gather(
            *(self._connection(target, raw, deadline) for _ in range(self.connections))
        )
        elapsed = time.perf_counter() - begin
        latencies = sorted(latency for _, _, each in results for latency in each)
        count = len(latencies)
        return Round(
            rps=count / elapsed,
            requests=count,
            seconds=elapsed,
            bytes_read=sum(size for _, size, _ in results),
            p50_ms=latencies[count // 2] * 1e3 if count else None,
            p99_ms=latencies[min(count - 1, int(count * 0.99))] * 1e3 if count else None,
        )

    async def _connection(self, target: Target, raw: bytes, deadline: float) -> tuple[int, int, list[float]]:
        reader, writer = await asyncio.open_connection(HOST, target.port)
        count, size, latencies = 0, 0, []
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                if status >= 400:
                    raise RuntimeError(f"{target.name}: status {status}")
                body = await _read_body(reader, head)
                latencies.append(time.perf_counter() - sent)
                count += 1
                size += len(head) + body
        finally:
            writer.close()
            await writer.wait_closed()
        return count, size, latencies


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> int:
    """Read one response body (Content-Length or chunked); its size on the wire."""
    headers = {
        key.strip().lower(): value.strip()
        for key, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
    }
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        await reader.readexactly(length)
        return length
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        size = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            chunk = int(line.split(b";")[0], 16)
            await reader.readexactly(chunk + 2)
            size += len(line) + chunk + 2
            if chunk == 0:
                return size
    raise RuntimeError("a response with neither Content-Length nor chunked encoding")


LoadGenerator = Wrk | AsyncioClient


def load_generator(connections: int, choice: str = "auto") -> LoadGenerator:
    """wrk when it is installed (or asked for), else the asyncio fallback (saying how to install wrk)."""
    if choice == "python":
        return AsyncioClient(connections, "asked for with --client python")
    if wrk_path() is None:
        if choice == "wrk":
            raise RuntimeError(f"wrk is not installed: {INSTALL_WRK}")
        print(
            f"wrk is not installed, so requests per second come from a slower Python client.\n"
            f"For the real figures install it: {INSTALL_WRK}",
            flush=True,
        )
        return AsyncioClient(connections)
    return Wrk(connections)
