#!/usr/bin/python3
"""Independent Avro IPC peer for FlumeNet interop tests.

Uses Debian's python3-avro (avro.ipc Requestor / Responder, an Avro IPC implementation
independent of Java's and FlumeNet's) and adds what it lacks: the Netty frame transport
(serial, buffer count, length-prefixed buffers) and the per-connection handshake state that
Java's NettyTransceiver/NettyServer keep (python's Requestor/Responder are stateless and put a
handshake on every call, so the transport strips/adds it once the connection is established).

  avro_netty_peer.py client PROTOCOL_FILE HOST PORT N   -> appendBatch of N events, then append;
                                                           prints "STATUS <batch> <single>"
  avro_netty_peer.py server PROTOCOL_FILE N             -> prints "PORT <p>", serves until N events
                                                           arrived, prints one "EVENT <json>" per
                                                           event, then "DONE"
"""
import io
import json
import socket
import struct
import sys

import avro.io
import avro.ipc
import avro.protocol

BOTH_RESPONSE = b"\x00\x00\x00\x00"  # HandshakeResponse{BOTH, null, null, null}


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed the connection")
        data += chunk
    return data


def read_frame(sock):
    serial, count = struct.unpack(">ii", read_exact(sock, 8))
    parts = []
    for _ in range(count):
        (length,) = struct.unpack(">i", read_exact(sock, 4))
        parts.append(read_exact(sock, length))
    return serial, b"".join(parts)


def write_frame(sock, serial, message):
    buffers = [message[i:i + 8192] for i in range(0, len(message), 8192)] or [b""]
    out = struct.pack(">ii", serial, len(buffers))
    for b in buffers:
        out += struct.pack(">i", len(b)) + b
    sock.sendall(out)


def skip_handshake_request(message):
    """Returns the bytes after the HandshakeRequest at the start of message."""
    reader = io.BytesIO(message)
    avro.ipc.HANDSHAKE_RESPONDER_READER.read(avro.io.BinaryDecoder(reader))
    return message[reader.tell():]


def read_handshake_response(message):
    reader = io.BytesIO(message)
    response = avro.ipc.HANDSHAKE_REQUESTOR_READER.read(avro.io.BinaryDecoder(reader))
    return response, message[reader.tell():]


class NettyTransceiver:
    """Client transport: Netty frames, serials from 1, handshake only until established."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.remote_name = "%s:%d" % (host, port)
        self.serial = 0
        self.established = False

    def transceive(self, request):
        if self.established:
            request = skip_handshake_request(request)
        self.serial += 1
        write_frame(self.sock, self.serial, request)
        serial, response = read_frame(self.sock)
        if serial != self.serial:
            raise RuntimeError("serial mismatch %d != %d" % (serial, self.serial))
        if self.established:
            return BOTH_RESPONSE + response
        handshake, _ = read_handshake_response(response)
        if handshake["match"] in ("BOTH", "CLIENT"):
            self.established = True
        return response


def load_protocol(path):
    with open(path, encoding="utf-8") as f:
        return avro.protocol.parse(f.read())


def run_client(protocol_file, host, port, n):
    protocol = load_protocol(protocol_file)
    requestor = avro.ipc.Requestor(protocol, NettyTransceiver(host, int(port)))
    events = [{"headers": {"n": str(i), "from": "python"}, "body": ("py-%d" % i).encode()} for i in range(int(n))]
    batch = requestor.request("appendBatch", {"events": events})
    single = requestor.request("append", {"event": {"headers": {}, "body": b"single"}})
    print("STATUS %s %s" % (batch, single), flush=True)


class RecordingResponder(avro.ipc.Responder):
    def __init__(self, protocol):
        super().__init__(protocol)
        self.events = []

    def invoke(self, message, request):
        if message.name == "appendBatch":
            self.events.extend(request["events"])
        else:
            self.events.append(request["event"])
        return "OK"


def run_server(protocol_file, n):
    responder = RecordingResponder(load_protocol(protocol_file))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(60)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    while len(responder.events) < int(n):
        conn, _ = listener.accept()
        conn.settimeout(60)
        client_hash = None
        try:
            while len(responder.events) < int(n):
                serial, request = read_frame(conn)
                if client_hash is not None:
                    # established: give the stateless responder the handshake it expects
                    writer = io.BytesIO()
                    avro.ipc.HANDSHAKE_REQUESTOR_WRITER.write(
                        {"clientHash": client_hash, "serverHash": responder.local_hash}, avro.io.BinaryEncoder(writer))
                    response = responder.respond(writer.getvalue() + request)
                    _, response = read_handshake_response(response)
                else:
                    reader = io.BytesIO(request)
                    handshake = avro.ipc.HANDSHAKE_RESPONDER_READER.read(avro.io.BinaryDecoder(reader))
                    response = responder.respond(request)
                    match, _ = read_handshake_response(response)
                    if match["match"] in ("BOTH", "CLIENT"):
                        client_hash = handshake["clientHash"]
                write_frame(conn, serial, response)
        except EOFError:
            pass
        finally:
            conn.close()
    for e in responder.events:
        print("EVENT " + json.dumps({"headers": e["headers"], "body": e["body"].decode("utf-8", "replace")}), flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        run_client(*sys.argv[2:6])
    else:
        run_server(*sys.argv[2:4])
