#!/usr/bin/python3
"""Runs librdkafka's built-in mock Kafka cluster until stdin closes or a signal arrives.

Prints the cluster's bootstrap servers (127.0.0.1:PORT,...) on the first line of stdout, so that flume-ng agents and
other clients can connect to it. Uses Debian's librdkafka (librdkafka1, installed with kcat); no broker needed.

    scripts/kafka-mock-cluster.py [brokers] [topic:partitions ...]
"""
import ctypes
import signal
import sys

lib = ctypes.CDLL("librdkafka.so.1")
lib.rd_kafka_conf_new.restype = ctypes.c_void_p
lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_new.restype = ctypes.c_void_p
lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_handle_mock_cluster.restype = ctypes.c_void_p
lib.rd_kafka_handle_mock_cluster.argtypes = [ctypes.c_void_p]
lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]

brokers = sys.argv[1] if len(sys.argv) > 1 else "1"
err = ctypes.create_string_buffer(512)
conf = lib.rd_kafka_conf_new()
if lib.rd_kafka_conf_set(conf, b"test.mock.num.brokers", brokers.encode(), err, 512) != 0:
    sys.exit("test.mock.num.brokers: " + err.value.decode())
rk = lib.rd_kafka_new(0, conf, err, 512)
if not rk:
    sys.exit("rd_kafka_new: " + err.value.decode())
cluster = lib.rd_kafka_handle_mock_cluster(rk)
for spec in sys.argv[2:]:
    name, _, parts = spec.partition(":")
    lib.rd_kafka_mock_topic_create(cluster, name.encode(), int(parts or "1"), 1)
print(lib.rd_kafka_mock_cluster_bootstraps(cluster).decode(), flush=True)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    sys.stdin.read()
except KeyboardInterrupt:
    pass
lib.rd_kafka_destroy(rk)
