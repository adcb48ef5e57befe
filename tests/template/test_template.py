"""Checks of template.yaml that cfn-lint cannot make: that it agrees with the
workspace (binaries, the tables of shared/src/store/dynamo/schema.rs), and with
events/filters.json (the stream filters the local stack also applies). The
IAM boundaries of docs/deploy.md are checked by test_iam.py.

Run with the SAM venv's Python (`make template-check`):

    .venv-sam/bin/python -m unittest discover -s tests/template
"""

import json
import re
import tomllib
import unittest

from cfn import PSEUDO_PARAMETERS, ROOT, events, functions, load_template, prop, resolve, sam_generated, sub_names, walk

FILTERS = ROOT / "events" / "filters.json"

# Which stream consumer reads which key of events/filters.json.
CONSUMERS = {"ResolverFunction": "resolver", "ProfileFunction": "profile"}

HTTP_ROUTES = {
    ("GET", "/wechat/{account}"): "WebhookFunction",
    ("POST", "/wechat/{account}"): "WebhookFunction",
    ("GET", "/accounts/{account}/senders/{openid}"): "LookupFunction",
    ("GET", "/accounts/{account}/senders/{openid}/avatar"): "LookupFunction",
    ("GET", "/accounts/{account}/messages"): "LookupFunction",
    ("GET", "/people/{fakeid}"): "LookupFunction",
    ("GET", "/accounts"): "LookupFunction",
    ("GET", "/accounts/{account}"): "LookupFunction",
    ("GET", "/"): "LookupFunction",
    ("GET", "/index.html"): "LookupFunction",
    ("GET", "/app.js"): "LookupFunction",
    ("GET", "/app.css"): "LookupFunction",
}

# ------------------------------------------------------------------ event filters


class Absent:
    """A path the record does not have, or whose value is not a leaf."""


ABSENT = Absent()


def pattern_matches(pattern, record):
    """Lambda's event filtering (EventBridge patterns) over a stream record, for
    the operators this project uses: values, `anything-but`, `exists` and
    `prefix`. Every key must match (AND); the values in a list are
    alternatives (OR). Matching only looks at leaves: an object where the
    pattern expects a value counts as absent, so `exists` only sees leaves."""
    for key, want in pattern.items():
        value = record.get(key, ABSENT) if isinstance(record, dict) else ABSENT
        if isinstance(want, dict):
            if not pattern_matches(want, value if isinstance(value, dict) else {}):
                return False
            continue
        assert isinstance(want, list), f"pattern values are objects or lists, not {want!r}"
        if isinstance(value, dict):
            value = ABSENT
        values = value if isinstance(value, list) else [value]
        if not any(rule_matches(rule, v) for rule in want for v in values):
            return False
    return True


def rule_matches(rule, value):
    if isinstance(rule, dict):
        (op, arg), = rule.items()
        if op == "exists":
            return (value is not ABSENT) == arg
        if value is ABSENT:
            return False
        if op == "anything-but":
            return value not in (arg if isinstance(arg, list) else [arg])
        if op == "prefix":
            return isinstance(value, str) and value.startswith(arg)
        raise AssertionError(f"operator {op} is not modelled here")
    return value is not ABSENT and value == rule


def rust_fn(source, name):
    """The text of the Rust function `name`, up to the next top-level item."""
    start = re.search(rf"^(pub )?(async )?fn {name}\b", source, re.M)
    assert start, f"no fn {name}"
    end = re.compile(r"^\S", re.M).search(source, source.index("\n}", start.end()) + 2)
    return source[start.start():end.start() if end else len(source)]


def delivered(patterns, record):
    return any(pattern_matches(p, record) for p in patterns)


def stream_record(event_name, new=None, old=None):
    def image(attrs):
        return {k: {"S": v} for k, v in attrs.items()}

    body = {"Keys": {"pk": {"S": "ACCT#acct-1"}, "sk": {"S": "X"}}, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if new is not None:
        body["NewImage"] = image(new)
    if old is not None:
        body["OldImage"] = image(old)
    return {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": body}


# ------------------------------------------------------------------ tests


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = load_template()
        cls.resources = cls.t["Resources"]
        cls.functions = functions(cls.t)

    def test_references_resolve(self):
        known = set(self.t.get("Parameters", {})) | set(self.resources) | PSEUDO_PARAMETERS
        known |= sam_generated(self.t)
        conditions = set(self.t.get("Conditions", {}))
        mappings = self.t.get("Mappings", {})
        for path, node in walk(self.t):
            if not isinstance(node, dict) or len(node) != 1:
                continue
            (fn, arg), = node.items()
            where = "/".join(map(str, path))
            if fn == "Ref":
                self.assertIn(arg, known, f"{where}: Ref {arg}")
            elif fn == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]
                self.assertIn(target, set(self.resources) | sam_generated(self.t), f"{where}: GetAtt {arg}")
            elif fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                self.assertIsInstance(text, str, f"{where}: Sub")
                for name in sub_names(text):
                    if name in variables:
                        continue
                    base = name.split(".", 1)[0] if "." in name else name
                    pool = (set(self.resources) | sam_generated(self.t)) if "." in name else known
                    self.assertIn(base, pool, f"{where}: Sub ${{{name}}}")
            elif fn == "Fn::If":
                self.assertIn(arg[0], conditions, f"{where}: If {arg[0]}")
            elif fn == "Fn::FindInMap":
                self.assertIn(arg[0], mappings, f"{where}: FindInMap {arg[0]}")
                if isinstance(arg[1], dict) and "Ref" in arg[1]:
                    param = self.t["Parameters"][arg[1]["Ref"]]
                    for value in param.get("AllowedValues", [param.get("Default")]):
                        self.assertIn(arg[2], mappings[arg[0]].get(value, {}), f"{where}: {arg[0]}[{value}]")
        for name, resource in self.resources.items():
            if "Condition" in resource:
                self.assertIn(resource["Condition"], conditions, f"{name}: Condition")

    def test_every_binary_exists_in_the_workspace(self):
        workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["members"]
        binaries = {}
        for manifest in sorted((ROOT / "functions").glob("*/Cargo.toml")):
            crate = manifest.parent
            data = tomllib.loads(manifest.read_text())
            member = str(crate.relative_to(ROOT))
            package = data.get("package", {}).get("name")
            if package and (crate / "src" / "main.rs").exists():
                binaries[package] = member
            for binary in data.get("bin", []):
                binaries[binary["name"]] = member
        for name, resource in self.functions.items():
            with self.subTest(function=name):
                metadata = resource.get("Metadata", {})
                self.assertEqual(metadata.get("BuildMethod"), "rust-cargolambda")
                self.assertEqual(resource["Properties"].get("CodeUri"), ".", "built from the workspace root")
                binary = metadata.get("BuildProperties", {}).get("Binary")
                self.assertIn(binary, binaries, f"no binary {binary!r} under functions/ (found {sorted(binaries)})")
                self.assertIn(binaries[binary], workspace, f"{binaries[binary]} is not a workspace member")

    def test_runtime(self):
        for name, resource in self.functions.items():
            with self.subTest(function=name):
                self.assertEqual(prop(self.t, resource, "Runtime"), "provided.al2023")
                self.assertEqual(prop(self.t, resource, "Handler"), "bootstrap")
                self.assertEqual(prop(self.t, resource, "Architectures"), [{"Ref": "Architecture"}])
        self.assertEqual(self.t["Parameters"]["Architecture"]["AllowedValues"], ["arm64", "x86_64"])

    def test_timeouts(self):
        for name, resource in self.functions.items():
            with self.subTest(function=name):
                timeout = prop(self.t, resource, "Timeout")
                self.assertIsInstance(timeout, int, "every function sets its timeout")
                self.assertTrue(1 <= timeout <= 900)
        # The platform waits 5 s for the webhook's answer.
        self.assertLess(self.functions["WebhookFunction"]["Properties"]["Timeout"], 5)

    def test_http_routes(self):
        routes = {}
        for name, resource in self.functions.items():
            for event in events(resource, "HttpApi").values():
                self.assertEqual(event.get("ApiId"), {"Ref": "HttpApi"})
                self.assertEqual(str(event.get("PayloadFormatVersion")), "2.0")
                routes[(event["Method"].upper(), event["Path"])] = name
        self.assertEqual(routes, HTTP_ROUTES)
        self.assertEqual(self.resources["HttpApi"]["Type"], "AWS::Serverless::HttpApi")

    def test_stream_filters_are_those_of_events_filters_json(self):
        expected = json.loads(FILTERS.read_text())
        self.assertEqual(set(expected), set(CONSUMERS.values()))
        found = {}
        for name, resource in self.functions.items():
            for event in events(resource, "DynamoDB").values():
                self.assertIn(name, CONSUMERS, f"{name} reads the stream but has no key in events/filters.json")
                filters = event["FilterCriteria"]["Filters"]
                found[CONSUMERS[name]] = [json.loads(f["Pattern"]) for f in filters]
        self.assertEqual(found, expected)

    def test_stream_filters_deliver_what_each_consumer_needs(self):
        filters = json.loads(FILTERS.read_text())
        resolver, profile = filters["resolver"], filters["profile"]
        request = {"kind": "resolve_request"}
        cases = [
            (resolver, stream_record("INSERT", {**request, "state": "pending"}), True, "new request"),
            (resolver, stream_record("MODIFY", {**request, "state": "pending"}, {**request, "state": "unresolved"}),
             True, "reopened after unresolved"),
            (resolver, stream_record("MODIFY", {**request, "state": "pending"}, {**request, "state": "waiting"}),
             True, "set pending again after waiting"),
            (resolver, stream_record("MODIFY", {**request, "state": "pending"}, {**request, "state": "pending"}),
             False, "another push of a pending request"),
            (resolver, stream_record("MODIFY", {**request, "state": "resolved"}, {**request, "state": "pending"}),
             False, "resolved by the resolver"),
            (resolver, stream_record("MODIFY", {**request, "state": "waiting"}, {**request, "state": "pending"}),
             False, "set waiting by the resolver"),
            (resolver, stream_record("INSERT", {"kind": "sender", "profile_state": "wanted"}), False, "a sender"),
            (resolver, stream_record("REMOVE", old={**request, "state": "pending"}), False, "a removal"),
            (profile, stream_record("INSERT", {"kind": "sender", "profile_state": "wanted"}), True,
             "a sender mapped before any follow event"),
            (profile, stream_record("MODIFY", {"kind": "sender", "profile_state": "wanted"}, {"kind": "sender"}),
             True, "a follower mapped"),
            (profile, stream_record("MODIFY", {"kind": "sender", "profile_state": "wanted"},
                                    {"kind": "sender", "profile_state": "fetched"}), True, "a profile wanted again"),
            (profile, stream_record("MODIFY", {"kind": "sender", "profile_state": "wanted"},
                                    {"kind": "sender", "profile_state": "wanted"}), False, "still wanted"),
            (profile, stream_record("MODIFY", {"kind": "sender", "profile_state": "fetched"},
                                    {"kind": "sender", "profile_state": "wanted"}), False, "fetched"),
            (profile, stream_record("MODIFY", {"kind": "sender"}, {"kind": "sender"}), False, "a follow event"),
            (profile, stream_record("INSERT", {**request, "state": "pending"}), False, "a resolve request"),
            (profile, stream_record("INSERT", {"kind": "message", "profile_state": "wanted"}), False, "a message"),
        ]
        for patterns, record, want, what in cases:
            with self.subTest(what):
                self.assertEqual(delivered(patterns, record), want)
        for record in json.loads((ROOT / "events" / "resolver-stream-batch.json").read_text())["Records"]:
            with self.subTest(sample=record["eventID"]):
                self.assertTrue(delivered(resolver, record), "events/resolver-stream-batch.json passes the filter")

    def test_stream_consumers_report_failures_and_keep_what_they_give_up(self):
        for name in CONSUMERS:
            streams = events(self.functions[name], "DynamoDB")
            self.assertEqual(len(streams), 1, name)
            (event,) = streams.values()
            with self.subTest(function=name):
                self.assertEqual(event["Stream"], {"Fn::GetAtt": ["Table", "StreamArn"]})
                # The handlers answer with batch item failures, which Lambda
                # ignores unless told to read them.
                self.assertEqual(event["FunctionResponseTypes"], ["ReportBatchItemFailures"])
                self.assertIs(event["BisectBatchOnFunctionError"], True)
                self.assertGreater(event["MaximumRetryAttempts"], 0)
                self.assertGreater(event["MaximumRecordAgeInSeconds"], 0)
                destination = event["DestinationConfig"]["OnFailure"]
                self.assertEqual(destination["Type"], "SQS")
                queue = destination["Destination"]["Fn::GetAtt"][0]
                self.assertEqual(self.resources[queue]["Type"], "AWS::SQS::Queue")
                self.assertEqual(self.resources[queue]["Properties"]["MessageRetentionPeriod"], 1209600)
        self.assertEqual(events(self.functions["ResolverFunction"], "DynamoDB")["ResolveRequests"]["BatchSize"], 100)
        self.assertEqual(events(self.functions["ProfileFunction"], "DynamoDB")["WantedProfiles"]["BatchSize"], 25)

    def test_table_is_the_one_schema_rs_creates(self):
        keys_rs = (ROOT / "shared" / "src" / "store" / "keys.rs").read_text()
        schema = (ROOT / "shared" / "src" / "store" / "dynamo" / "schema.rs").read_text()
        schema_rs = rust_fn(schema, "create_main_table")
        const = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', keys_rs))
        table = self.resources["Table"]
        self.assertEqual(table["DeletionPolicy"], "Retain")
        self.assertEqual(table["UpdateReplacePolicy"], "Retain")
        p = table["Properties"]

        key = lambda schema: [(k["AttributeName"], k["KeyType"]) for k in schema]  # noqa: E731
        self.assertIn("key_schema(key(PK, KeyType::Hash)?)", schema_rs)
        self.assertIn("key_schema(key(SK, KeyType::Range)?)", schema_rs)
        self.assertEqual(key(p["KeySchema"]), [(const["PK"], "HASH"), (const["SK"], "RANGE")])

        indexes = re.findall(r"global_secondary_indexes\(index\((\w+), (\w+), (\w+)\)\?\)", schema_rs)
        self.assertTrue(indexes, "schema.rs creates its indexes with index(NAME, PK, SK)")
        self.assertEqual(
            [(g["IndexName"], key(g["KeySchema"]), g["Projection"]) for g in p["GlobalSecondaryIndexes"]],
            [(const[n], [(const[h], "HASH"), (const[r], "RANGE")], {"ProjectionType": "ALL"}) for n, h, r in indexes],
        )
        self.assertIn("ProjectionType::All", schema_rs)

        defined = re.findall(r"attribute_definitions\(attr\((\w+)\)\?\)", schema_rs)
        self.assertIn("attribute_type(ScalarAttributeType::S)", rust_fn(schema, "attr"))
        self.assertEqual(
            sorted((a["AttributeName"], a["AttributeType"]) for a in p["AttributeDefinitions"]),
            sorted((const[name], "S") for name in defined),
        )

        self.assertIn("BillingMode::PayPerRequest", schema_rs)
        self.assertEqual(p["BillingMode"], "PAY_PER_REQUEST")
        self.assertIn("StreamViewType::NewAndOldImages", schema_rs)
        self.assertEqual(p["StreamSpecification"], {"StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.assertIn("finish(client, table, created)", schema_rs)
        self.assertIn("attribute_name(EXPIRES_AT)", rust_fn(schema, "finish"))
        self.assertEqual(p["TimeToLiveSpecification"], {"AttributeName": const["EXPIRES_AT"], "Enabled": True})
        self.assertEqual(p["PointInTimeRecoverySpecification"], {"PointInTimeRecoveryEnabled": True})

    def test_session_table_is_the_one_schema_rs_creates(self):
        keys_rs = (ROOT / "shared" / "src" / "store" / "keys.rs").read_text()
        schema = (ROOT / "shared" / "src" / "store" / "dynamo" / "schema.rs").read_text()
        body = rust_fn(schema, "create_session_table")
        const = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', keys_rs))
        table = self.resources["SessionTable"]
        self.assertEqual(table["Type"], "AWS::DynamoDB::Table")
        # Sessions expire on their own; a stack deletion keeps them like the data.
        self.assertEqual(table["DeletionPolicy"], "Retain")
        self.assertEqual(table["UpdateReplacePolicy"], "Retain")
        p = table["Properties"]
        self.assertEqual(re.findall(r"attribute_definitions\(attr\((\w+)\)\?\)", body), ["PK"])
        self.assertEqual(re.findall(r"key_schema\(key\((\w+), KeyType::(\w+)\)\?\)", body), [("PK", "Hash")])
        self.assertEqual(p["AttributeDefinitions"], [{"AttributeName": const["PK"], "AttributeType": "S"}])
        self.assertEqual(p["KeySchema"], [{"AttributeName": const["PK"], "KeyType": "HASH"}])
        self.assertIn("BillingMode::PayPerRequest", body)
        self.assertEqual(p["BillingMode"], "PAY_PER_REQUEST")
        self.assertIn("SseSpecification::builder().enabled(true)", body)
        self.assertEqual(p["SSESpecification"], {"SSEEnabled": True})
        self.assertIn("finish(client, table, created)", body)
        self.assertEqual(p["TimeToLiveSpecification"], {"AttributeName": const["EXPIRES_AT"], "Enabled": True})
        # No stream: nothing that reads a stream ever sees a session.
        self.assertNotIn("stream", body.lower())
        self.assertNotIn("StreamSpecification", p)
        self.assertNotIn("GlobalSecondaryIndexes", p)
        # Named as schema.rs names it, so that the admin CLI (which knows only
        # the main table) finds it.
        self.assertIn('format!("{table}-sessions")', rust_fn(schema, "session_table_name"))
        self.assertEqual(p["TableName"], {"Fn::Sub": "${TableName}-sessions"})
        pattern = self.t["Parameters"]["TableName"]["AllowedPattern"]
        longest = int(re.search(r"\{3,(\d+)\}$", pattern).group(1))
        self.assertLessEqual(longest + len("-sessions"), 255, "room for the sessions table's name")

    def test_every_function_gets_the_table(self):
        env = self.t["Globals"]["Function"]["Environment"]["Variables"]
        self.assertEqual(env["TABLE_NAME"], {"Ref": "Table"})
        self.assertEqual(env["RUST_LOG"], {"Ref": "LogLevel"})
        for name, resource in self.functions.items():
            own = resource["Properties"].get("Environment", {}).get("Variables", {})
            with self.subTest(function=name):
                self.assertNotIn("TABLE_NAME", own)
        self.assertEqual(
            self.functions["LookupFunction"]["Properties"]["Environment"]["Variables"]["API_KEYS_SECRET"],
            {"Ref": "ApiKeysSecretName"},
        )
        for name in ("ResolverFunction", "ProfileFunction"):
            variables = self.functions[name]["Properties"]["Environment"]["Variables"]
            self.assertEqual(variables["CONSOLE_URL"], {"Ref": "ConsoleUrl"}, name)
        # Only the functions that log in are told where the sessions are.
        for name, resource in self.functions.items():
            own = resource["Properties"].get("Environment", {}).get("Variables", {})
            with self.subTest(function=name):
                if name in ("ResolverFunction", "ProfileFunction"):
                    self.assertEqual(own.get("SESSION_TABLE_NAME"), {"Ref": "SessionTable"})
                else:
                    self.assertNotIn("SESSION_TABLE_NAME", own)
        self.assertNotIn("SESSION_TABLE_NAME", self.t["Globals"]["Function"]["Environment"]["Variables"])

    def test_outputs(self):
        outputs = self.t["Outputs"]
        for name in ("ApiUrl", "CallbackUrlPattern", "TableName", "SessionTableName", "ResolverDeadLetterQueueUrl",
                     "ProfileDeadLetterQueueUrl"):
            self.assertIn(name, outputs)
        callback = resolve(outputs["CallbackUrlPattern"]["Value"], self.t)[0]
        self.assertTrue(callback.startswith("https://") and callback.endswith("/wechat/{account}"), callback)


class MatcherTest(unittest.TestCase):
    """The filter model above, on the cases the Lambda documentation spells out."""

    def test_exists_only_sees_leaves(self):
        record = stream_record("MODIFY", {"a": "x"}, {"a": "y"})
        self.assertTrue(pattern_matches({"dynamodb": {"NewImage": {"a": {"S": [{"exists": True}]}}}}, record))
        # `a` is an object ({"S": ...}), not a leaf.
        self.assertFalse(pattern_matches({"dynamodb": {"NewImage": {"a": [{"exists": True}]}}}, record))
        self.assertTrue(pattern_matches({"dynamodb": {"NewImage": {"a": [{"exists": False}]}}}, record))
        # A missing parent (an INSERT has no OldImage) leaves the leaf absent.
        insert = stream_record("INSERT", {"a": "x"})
        self.assertTrue(pattern_matches({"dynamodb": {"OldImage": {"a": {"S": [{"exists": False}]}}}}, insert))

    def test_anything_but_needs_the_field(self):
        self.assertFalse(rule_matches({"anything-but": ["wanted"]}, ABSENT))
        self.assertTrue(rule_matches({"anything-but": ["wanted"]}, "fetched"))
        self.assertFalse(rule_matches({"anything-but": ["wanted"]}, "wanted"))

    def test_fields_and_alternatives(self):
        pattern = {"eventName": ["INSERT", "MODIFY"], "dynamodb": {"NewImage": {"k": {"S": ["v"]}}}}
        self.assertTrue(pattern_matches(pattern, stream_record("MODIFY", {"k": "v"})))
        self.assertFalse(pattern_matches(pattern, stream_record("REMOVE", {"k": "v"})))
        self.assertFalse(pattern_matches(pattern, stream_record("INSERT", {"k": "w"})))


if __name__ == "__main__":
    unittest.main()
