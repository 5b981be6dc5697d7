#!/usr/bin/env bash
# Where a short run's time goes: from exec to the first connection to the target (a client
# connects to send its first request), and from the last byte the target sends to the exit, for
# `run --tags @sample` (and hurl's seven samples, scripts/hurl/samples.hurl, when hurl is
# installed) against the release binary's reference target, over http and over https (a throwaway
# certificate; the run trusts it with --ca-cert, hurl with --cacert); medians of RUNS runs (default
# 21) of each, taken in turn, with the whole wall time. BASELINE=path adds the rows of another
# build of the suite (an earlier commit's), for a before and after.
# A loopback relay in the measuring process stands before `serve` and timestamps the connections
# and the bytes it relays (it adds under a millisecond to a run, more to one that opens many
# connections at once). Needs python3 and openssl; hurl on the PATH (or HURL=path) for its rows.
# Usage: scripts/bench-start.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
bin=${BIN:-target/release/vpp-conformance}
hurl=${HURL:-hurl}
[ -x "$bin" ] || { echo "missing $bin: build it with cargo build --release --locked" >&2; exit 2; }
command -v "$hurl" >/dev/null || { echo "hurl not found (set HURL=path): measuring the suite alone" >&2; hurl=; }
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
work=target/bench/start
mkdir -p "$work"
# A CA and a server certificate it signs (rustls refuses a self-signed certificate as a server's).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$work/key.pem" -out "$work/cert.csr" 2>/dev/null
openssl x509 -req -in "$work/cert.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -copy_extensions copy -out "$work/cert.pem" 2>/dev/null
http_port=$(free_port); https_port=$(free_port)
"$bin" serve --port "$http_port" >"$work/serve-http.log" 2>&1 & pids+=("$!")
"$bin" serve --port "$https_port" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" \
  >"$work/serve-https.log" 2>&1 & pids+=("$!")
wait_listening "$work/serve-http.log"
wait_listening "$work/serve-https.log"
python3 - "$runs" "$bin" "$hurl" "$http_port" "$https_port" "$work/ca.pem" "${BASELINE:-}" <<'PY'
import asyncio, socket, statistics, sys, time
runs, bin, hurl, http_port, https_port, ca, baseline = int(sys.argv[1]), *sys.argv[2:4], int(sys.argv[4]), int(sys.argv[5]), *sys.argv[6:8]
bins = [("", bin)] + ([(" (BASELINE)", baseline)] if baseline else [])

class Stamps:
    first = last = None

async def relay(upstream_port, stamps):
    async def pump(reader, writer, inbound):
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
                if not inbound:
                    stamps.last = time.monotonic()
        except ConnectionError:
            pass
        finally:
            writer.close()
    async def serve(client_reader, client_writer):
        # The first connection stands for the first request: a client connects to send one, and
        # a burst of connections would hold the relay before it reads the first bytes.
        if stamps.first is None:
            stamps.first = time.monotonic()
        client_writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        up_writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pump(client_reader, up_writer, True), pump(up_reader, client_writer, False))
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]

async def once(cmd, stamps):
    stamps.first = stamps.last = None
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    code = await proc.wait()
    end = time.monotonic()
    if code != 0 or stamps.first is None:
        sys.exit(f"{cmd} exited {code}")
    return ((stamps.first - start) * 1000, (end - stamps.last) * 1000, (end - start) * 1000)

async def main():
    print("| command | scheme | exec to first connection | last byte to exit | wall |")
    print("|---|---|---:|---:|---:|")
    for scheme, port in [("http", http_port), ("https", https_port)]:
        stamps = Stamps()
        server, relay_port = await relay(port, stamps)
        base = f"{scheme}://127.0.0.1:{relay_port}"
        tls = ["--ca-cert", ca] if scheme == "https" else []
        commands = [(f"run --tags @sample{label}", [b, "run", "--base-url", base, "--tags", "@sample"] + tls) for label, b in bins]
        if hurl:
            tls = ["--cacert", ca] if scheme == "https" else []
            commands.append(("hurl, 7 samples", [hurl, "--test", "--variable", f"base={base}", "scripts/hurl/samples.hurl"] + tls))
        # In turn (A B A B ...), so that a change in the machine's load falls on every command alike.
        rows = {name: [] for name, _ in commands}
        for _ in range(runs):
            for name, cmd in commands:
                rows[name].append(await once(cmd, stamps))
        for name, _ in commands:
            first, last, wall = (statistics.median(column) for column in zip(*rows[name]))
            print(f"| {name} | {scheme} | {first:.1f} ms | {last:.1f} ms | {wall:.1f} ms |")
        server.close()

asyncio.run(main())
PY
