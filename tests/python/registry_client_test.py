#!/usr/bin/env python3
"""A client generated from proto/ in another language (Python grpcio) drives
the real samenspel-registry over a real redis-server: create, get, list page by
page, update with an etag, delete and watch, with exactly the DESIGN.md names.

Usage: registry_client_test.py REGISTRY_BINARY PROTO_DIR
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, deadline_s=20.0):
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


REGISTRY, PROTO_DIR = sys.argv[1], sys.argv[2]
del sys.argv[1:3]
GEN = tempfile.mkdtemp(prefix="samenspel-py-")
atexit.register(shutil.rmtree, GEN, ignore_errors=True)
subprocess.run(
    ["protoc", f"-I{PROTO_DIR}", f"--python_out={GEN}", f"--grpc_python_out={GEN}",
     "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"]
    + [os.path.join(root, f)[len(PROTO_DIR) + 1:]
       for root, _, files in os.walk(PROTO_DIR) for f in files if f.endswith(".proto")],
    cwd=PROTO_DIR, check=True)
sys.path.insert(0, GEN)

import grpc  # noqa: E402
from google.protobuf import field_mask_pb2  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from samenspel.registry.v1 import registry_service_pb2 as rs  # noqa: E402
from samenspel.registry.v1 import registry_service_pb2_grpc as rs_grpc  # noqa: E402
from samenspel.registry.v1 import resources_pb2 as res  # noqa: E402
from samenspel.type.v1 import types_pb2 as types  # noqa: E402


class RegistryClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="samenspel-redis-")
        redis_port, cls.port = free_port(), free_port()
        cls.redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
             "--dir", cls.dir, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL)
        wait_for_port(redis_port)
        cls.registry = subprocess.Popen(
            [REGISTRY, "--insecure", f"--listen=127.0.0.1:{cls.port}",
             f"--redis=127.0.0.1:{redis_port}"], stderr=subprocess.DEVNULL)
        wait_for_port(cls.port)
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.port}")
        cls.stub = rs_grpc.RegistryServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        for p in (cls.registry, cls.redis):
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=20)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_round_trip(self):
        s = self.stub
        org = s.CreateOrganisation(rs.CreateOrganisationRequest(
            organisation_id="gm0599",
            organisation=res.Organisation(
                display_name="Gemeente Rotterdam",
                layer=types.GOVERNMENT_LAYER_MUNICIPAL, region_codes=["GM0599"])))
        self.assertEqual(org.name, "organisations/gm0599")
        start = org.revision

        watched = []
        def watch():
            for change in s.WatchChanges(rs.WatchChangesRequest(after_revision=start - 1),
                                         timeout=30):
                watched.append(change)
                if change.type == res.Change.DELETED:
                    return
        watcher = threading.Thread(target=watch)
        watcher.start()

        for i in range(7):
            e = s.CreateExpert(rs.CreateExpertRequest(
                expert_id=f"py-{i}", request_id=f"req-{i}",
                expert=res.Expert(display_name=f"Expert {i}", organisation=org.name,
                                  skills=[types.Skill(name="woningbouw", level=3)])))
            self.assertEqual(e.layer, types.GOVERNMENT_LAYER_MUNICIPAL)
        got = s.GetExpert(rs.GetExpertRequest(name="experts/py-3"))
        self.assertEqual(got.display_name, "Expert 3")

        names, token, pages = [], "", 0
        while True:
            page = s.ListExperts(rs.ListExpertsRequest(page_size=3, page_token=token,
                                                       skill="woningbouw"))
            names += [e.name for e in page.experts]
            pages += 1
            token = page.next_page_token
            if not token:
                break
        self.assertEqual(len(names), 7)
        self.assertEqual(pages, 3)

        got.job_title = "Beleidsadviseur wonen"
        updated = s.UpdateExpert(rs.UpdateExpertRequest(
            expert=got, update_mask=field_mask_pb2.FieldMask(paths=["job_title"])))
        self.assertEqual(updated.job_title, "Beleidsadviseur wonen")
        with self.assertRaises(grpc.RpcError) as stale:
            s.UpdateExpert(rs.UpdateExpertRequest(
                expert=got, update_mask=field_mask_pb2.FieldMask(paths=["job_title"])))
        self.assertEqual(stale.exception.code(), grpc.StatusCode.ABORTED)

        with self.assertRaises(grpc.RpcError) as bad:
            s.CreateExpert(rs.CreateExpertRequest(expert=res.Expert(
                display_name="x", organisation=org.name, email="nope")))
        self.assertEqual(bad.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        details = [v for k, v in bad.exception.trailing_metadata()
                   if k == "grpc-status-details-bin"]
        status = status_pb2.Status.FromString(details[0])
        fields = []
        for any_detail in status.details:
            if any_detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                br = error_details_pb2.BadRequest()
                any_detail.Unpack(br)
                fields += [v.field for v in br.field_violations]
        self.assertEqual(fields, ["expert.email"])

        s.DeleteExpert(rs.DeleteExpertRequest(name="experts/py-3", etag=updated.etag))
        with self.assertRaises(grpc.RpcError) as gone:
            s.GetExpert(rs.GetExpertRequest(name="experts/py-3"))
        self.assertEqual(gone.exception.code(), grpc.StatusCode.NOT_FOUND)

        watcher.join(timeout=30)
        revisions = [c.revision for c in watched]
        self.assertEqual(revisions, list(range(start, start + len(revisions))))
        self.assertEqual(watched[0].organisation.name, "organisations/gm0599")
        self.assertEqual(watched[-1].type, res.Change.DELETED)
        self.assertEqual(watched[-1].name, "experts/py-3")


if __name__ == "__main__":
    unittest.main()
