#!/usr/bin/env python3
"""Capture the S3 fixtures of tests/unit/fixtures/s3/ from a real S3 server (SeaweedFS).

    python3 tests/integration/capture_s3_fixtures.py [OUT_DIR] [--only put]

Starts `weed server -s3` (s3_env.S3Server), writes a small tree of objects with boto3, then
sends each request with botocore/boto3 (their SigV4 signing, never flinkha's) and stores the
server's answer byte for byte: <name>.xml (the body) and, for each one, a line of
manifest.json with the request (operation, method, path and query, parameters) and the answer's
status and headers (Date, x-amz-request-id and the like as they came). Authorization headers
are not recorded. OUT_DIR defaults to tests/unit/fixtures/s3 (sigv4/ there is not touched).
`--only put` captures only the PutObject answers (what HaStorage::write_file sees: a new key,
and an existing key refused by If-None-Match: *) and merges them into the existing manifest.json,
leaving every other fixture as it is.
"""

import json
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import s3_env  # noqa: E402

# Names as the keys of a Flink HA storageDir under s3://bucket/flink/ha (cluster-id "c1"); one
# key with characters that need URL encoding (space, '+', '%', non-ASCII) for encoding-type=url.
PREFIX = "flink/ha/c1/"
OBJECTS = {
    "flink/ha/c1/submittedExecutionPlan0123456789ab": b"p" * 300,
    "flink/ha/c1/completedCheckpoint00000000000a": b"c" * 1200,
    "flink/ha/c1/completedCheckpoint00000000000b": b"c" * 1201,
    "flink/ha/c1/blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-01": b"b" * 42,
    "flink/ha/c1/blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-02": b"b" * 43,
    "flink/ha/c1/odd name+%/\u00e9t\u00e9.bin": b"o" * 7,
    "flink/ha/job-result-store/c1/0123456789abcdef0123456789abcdef_DIRTY.json":
        b'{"result":{"id":"0123456789abcdef0123456789abcdef","application-status":"CANCELED",'
        b'"accumulator-results":{},"net-runtime":1},"version":1}',
}


class Recorder:
    """botocore's after-call event: the raw HTTP answer of the last operation."""

    def __init__(self):
        self.last = None
        self.request = None

    def before_send(self, request, **_):
        self.request = request

    def after_call(self, http_response, model, **_):
        self.last = (model.name, http_response)


def make_client(s3, recorder, identity=s3_env.ADMIN, url_encoding=True, **kw):
    client = s3.client(identity, retries=0, **kw)
    if not url_encoding:
        # botocore adds encoding-type=url to every listing (and decodes the answer itself);
        # without this handler the request is the plain one.
        from botocore.handlers import set_list_objects_encoding_type_url
        client.meta.events.unregister("before-parameter-build.s3.ListObjectsV2",
                                      set_list_objects_encoding_type_url)
    client.meta.events.register("before-send.s3", recorder.before_send)
    client.meta.events.register("after-call.s3", recorder.after_call)
    return client


def call(client, recorder, operation, **params):
    recorder.last = None
    try:
        getattr(client, operation)(**params)
    except Exception as e:  # an error answer is what some captures want
        if getattr(e, "response", None) is None:
            raise
    if recorder.last is None:
        raise harness.HarnessError(f"{operation}: no HTTP answer recorded")
    return recorder.last[1]


def store(out, manifest, name, recorder, http_response, params, ext="xml", note=""):
    from urllib.parse import urlsplit
    req = recorder.request
    url = urlsplit(req.url)
    body = http_response.content or b""
    if body:
        (out / f"{name}.{ext}").write_bytes(body)
    else:
        # No body (HEAD): the status line and headers as they came, one "Name: value" a line.
        head = [f"HTTP/1.1 {http_response.status_code}"]
        head += [f"{k}: {v}" for k, v in http_response.headers.items()]
        (out / f"{name}.headers").write_text("\r\n".join(head) + "\r\n")
    manifest.append({
        "fixture": f"{name}.{ext}" if body else f"{name}.headers", "name": name, "note": note,
        "request": {"operation": recorder.last[0], "method": req.method,
                    "path": url.path, "query": url.query, "params": _jsonable(params)},
        "response": {"status": http_response.status_code,
                     "headers": {k: v for k, v in http_response.headers.items()}},
    })
    print(f"captured {name}: HTTP {http_response.status_code}, {len(body)} bytes", flush=True)


def _jsonable(params):
    return json.loads(json.dumps(params, default=lambda o: f"<{type(o).__name__}>"))


def capture(s3, out):
    manifest = []
    rec = Recorder()
    admin = make_client(s3, rec)
    b = s3.bucket
    s3.put_many(OBJECTS, threads=8)

    plain = make_client(s3, rec, url_encoding=False)

    def one(name, operation, client=admin, note="", ext="xml", **params):
        params = {"Bucket": b, **params}
        store(out, manifest, name, rec, call(client, rec, operation, **params), params, ext,
              note)

    # ListObjectsV2: the whole prefix (no delimiter), one level (delimiter "/"), pages of 2.
    one("list-objects-v2", "list_objects_v2", client=plain, Prefix=PREFIX,
        note="recursive listing: no delimiter, every key under the prefix, keys as they are")
    one("list-objects-v2-delimiter", "list_objects_v2", client=plain, Prefix=PREFIX,
        Delimiter="/", note="one level: CommonPrefixes for blob/ and 'odd name+%/'")
    one("list-objects-v2-encoding-url", "list_objects_v2", Prefix=PREFIX,
        note="encoding-type=url: Key URL-encoded in the answer (botocore asks for it)")
    one("list-objects-v2-delimiter-encoding-url", "list_objects_v2", Prefix=PREFIX,
        Delimiter="/", note="encoding-type=url with delimiter: CommonPrefixes URL-encoded")
    page = call(plain, rec, "list_objects_v2", Bucket=b, Prefix=PREFIX, MaxKeys=2)
    store(out, manifest, "list-objects-v2-page1", rec, page,
          {"Bucket": b, "Prefix": PREFIX, "MaxKeys": 2}, "xml",
          "max-keys=2: IsTruncated true and a NextContinuationToken")
    token = plain.list_objects_v2(Bucket=b, Prefix=PREFIX, MaxKeys=2)["NextContinuationToken"]
    one("list-objects-v2-page2", "list_objects_v2", client=plain, Prefix=PREFIX, MaxKeys=2,
        ContinuationToken=token, note="the second page, with page1's NextContinuationToken")
    pages, token = 2, None
    while True:  # the last page: IsTruncated false, no NextContinuationToken
        params = {"Bucket": b, "Prefix": PREFIX, "MaxKeys": 2}
        if token:
            params["ContinuationToken"] = token
        answer = plain.list_objects_v2(**params)
        if not answer.get("IsTruncated"):
            break
        token = answer["NextContinuationToken"]
        pages += 1
    one("list-objects-v2-page-last", "list_objects_v2", client=plain, Prefix=PREFIX,
        MaxKeys=2, ContinuationToken=token, note="the last page of max-keys=2: not truncated")
    one("list-objects-v2-empty", "list_objects_v2", client=plain, Prefix="flink/ha/none/",
        note="a prefix with no key under it: KeyCount 0, no Contents")
    key = "flink/ha/c1/completedCheckpoint00000000000a"
    one("head-object", "head_object", Key=key, note="HeadObject: headers only")
    one("head-object-missing", "head_object", Key=key + "-missing",
        note="HeadObject of a missing key: 404, no body")
    one("get-object-job-result", "get_object", ext="json",
        Key="flink/ha/job-result-store/c1/0123456789abcdef0123456789abcdef_DIRTY.json",
        note="GetObject of a small JobResultStore entry")
    one("copy-object", "copy_object",
        Key="flink/ha/job-result-store/c1/0123456789abcdef0123456789abcdef.json",
        CopySource={"Bucket": b, "Key":
                    "flink/ha/job-result-store/c1/0123456789abcdef0123456789abcdef_DIRTY.json"},
        note="CopyObject: the JobResultStore mark (_DIRTY.json -> .json)")

    # DeleteObjects: two existing keys, one missing key (S3 reports it deleted), and one
    # conditional delete (ETag) of a missing key: the per-key <Error> of the result.
    one("delete-objects", "delete_objects", Delete={"Objects": [
        {"Key": "flink/ha/c1/completedCheckpoint00000000000b"},
        {"Key": "flink/ha/c1/blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-02"},
        {"Key": "flink/ha/c1/completedCheckpoint0000000000ff"},
        {"Key": "flink/ha/c1/completedCheckpoint0000000000fe", "ETag": '"0123456789abcdef"'},
    ]}, note="not quiet: Deleted entries and one per-key Error (conditional delete, no key)")
    one("delete-objects-quiet", "delete_objects", Delete={"Quiet": True, "Objects": [
        {"Key": "flink/ha/c1/completedCheckpoint0000000000fd"}]},
        note="Quiet: only errors are listed (none here)")
    reader = make_client(s3, rec, s3_env.READER)
    one("delete-objects-access-denied", "delete_objects", client=reader,
        Delete={"Objects": [{"Key": key}, {"Key": "flink/ha/c1/completedCheckpoint0000000000ff"}]},
        note="the read-only identity: per-key AccessDenied (or a whole-request error)")

    # Error XML.
    one("error-no-such-bucket", "list_objects_v2", Bucket="flinkha-no-such-bucket",
        Prefix=PREFIX, note="ListObjectsV2 on a bucket that does not exist")
    one("error-no-such-key", "get_object", Key=key + "-missing",
        note="GetObject of a missing key")
    bad_id = make_client(s3, rec, access_key="AKIAFLINKHAUNKNOWN01")
    one("error-invalid-access-key-id", "list_objects_v2", client=bad_id, Prefix=PREFIX,
        note="an access key the server does not know")
    bad_secret = make_client(s3, rec, secret_key="not-the-secret")
    one("error-signature-does-not-match", "list_objects_v2", client=bad_secret, Prefix=PREFIX,
        note="the admin access key with a wrong secret key")
    one("error-access-denied", "delete_object", client=reader, Key=key,
        note="DeleteObject by the read-only identity")
    one("error-access-denied-put", "put_object", client=reader, Key=PREFIX + "x", Body=b"x",
        note="PutObject by the read-only identity")
    one("error-no-such-bucket-head", "head_bucket", Bucket="flinkha-no-such-bucket",
        note="HeadBucket on a bucket that does not exist: 404, no body")

    capture_put(s3, out, manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    version = harness.run([s3.weed, "version"], timeout=30).stdout.strip().splitlines()
    return version[0] if version else "?"


def capture_put(s3, out, manifest):
    """PutObject as HaStorage::write_file sends it (If-None-Match: *, S3 conditional writes):
    a new key (200), the same key again (412 PreconditionFailed where the server honours the
    header; 200, replaced, where it ignores it), and the stored bytes after both."""
    rec = Recorder()
    admin = make_client(s3, rec)
    b = s3.bucket
    key = "flink/ha/c1/restored/completedCheckpoint00000000002a"

    def one(name, operation, note="", ext="xml", **params):
        params = {"Bucket": b, **params}
        store(out, manifest, name, rec, call(admin, rec, operation, **params), params, ext, note)

    one("put-object-if-none-match", "put_object", Key=key, Body=b"restored bytes",
        IfNoneMatch="*", note="PutObject If-None-Match: * of a new key")
    one("put-object-if-none-match-exists", "put_object", Key=key, Body=b"other bytes",
        IfNoneMatch="*", note="PutObject If-None-Match: * of an existing key")
    stored = admin.get_object(Bucket=b, Key=key)["Body"].read()
    manifest[-1]["stored_after"] = stored.decode()
    print(f"stored after the second put: {stored!r}", flush=True)


def main():
    args = [a for i, a in enumerate(sys.argv[1:], 1)
            if a != "--only" and sys.argv[i - 1] != "--only"]
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    out = Path(args[0]) if args else harness.SOURCE_DIR / "tests" / "unit" / "fixtures" / "s3"
    out.mkdir(parents=True, exist_ok=True)
    with harness.TestDir("s3-capture") as td, harness.ProcessRegistry() as procs:
        try:
            s3 = s3_env.S3Server(td.path / "s3", procs, bucket="flinkha-fixtures").start()
            if only == "put":
                manifest = json.loads((out / "manifest.json").read_text())
                manifest = [m for m in manifest if not m["name"].startswith("put-object")]
                capture_put(s3, out, manifest)
                (out / "manifest.json").write_text(
                    json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
                version = "?"
            else:
                version = capture(s3, out)
            print(f"server: SeaweedFS {version}; fixtures in {out}")
        except Exception:
            td.failed = True
            traceback.print_exc()
            return 1
        finally:
            procs.kill_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
