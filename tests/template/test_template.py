"""Checks of template.yaml that cfn-lint cannot make: that it agrees with the
workspace (binaries, the table of shared/src/store/schema.rs), with
events/filters.json (the stream filters the local stack also applies), and
with the IAM boundaries of docs/deploy.md.

Run with the SAM venv's Python (`make template-check`):

    .venv-sam/bin/python -m unittest discover -s tests/template -t .
"""

import fnmatch
import json
import re
import tomllib
import unittest
from pathlib import Path

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
FILTERS = ROOT / "events" / "filters.json"

PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}

# Which stream consumer reads which key of events/filters.json.
CONSUMERS = {"ResolverFunction": "resolver", "ProfileFunction": "profile"}

# A sample value for each pseudo parameter, to read ARNs as IAM will.
SAMPLE = {
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
}
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-AbC123"

# The secrets each function may read (docs/deploy.md), and the names tried.
SECRET_NAMES = {
    "push": "whosent/acct-1/push",
    "console": "whosent/acct-1/console",
    "api-keys": None,  # the ApiKeysSecretName parameter's default
    "other": "someone-else/secret",
}
SECRET_ACCESS = {
    "WebhookFunction": {"push"},
    "ResolverFunction": {"push", "console"},
    "ProfileFunction": {"console"},
    "LookupFunction": {"api-keys"},
}

HTTP_ROUTES = {
    ("GET", "/wechat/{account}"): "WebhookFunction",
    ("POST", "/wechat/{account}"): "WebhookFunction",
    ("GET", "/accounts/{account}/senders/{openid}"): "LookupFunction",
    ("GET", "/accounts/{account}/senders/{openid}/avatar"): "LookupFunction",
    ("GET", "/accounts/{account}/messages"): "LookupFunction",
    ("GET", "/people/{fakeid}"): "LookupFunction",
}

READ_ONLY_DYNAMODB = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
}


def load_template():
    return cfn_yaml.load(str(TEMPLATE))


def functions(template):
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def prop(template, resource, name):
    """A function property, from the function or else from Globals."""
    value = resource.get("Properties", {}).get(name)
    if value is None:
        value = template.get("Globals", {}).get("Function", {}).get(name)
    return value


def events(resource, kind):
    return {
        name: event["Properties"]
        for name, event in resource.get("Properties", {}).get("Events", {}).items()
        if event["Type"] == kind
    }


def sam_generated(template):
    """Names SAM creates that a template may refer to: the implicit APIs and
    each function's role, version and alias."""
    names = {"ServerlessHttpApi", "ServerlessRestApi"}
    for name in functions(template):
        names |= {f"{name}Role", f"{name}.Version", f"{name}.Alias"}
    return names


def walk(node, path=()):
    """Every (path, node) of a template, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, path + (i,))


def sub_names(text):
    """The `${Name}` and `${Name.Attr}` of a Sub string (`${!Literal}` excluded)."""
    return [m for m in re.findall(r"\$\{([^}]+)\}", text) if not m.startswith("!")]


# ------------------------------------------------------------------ IAM reading


def resolve(node, template):
    """The strings a policy value can take once deployed (with the sample pseudo
    parameters and each parameter's default)."""
    params = template.get("Parameters", {})

    def ref(name):
        if name in SAMPLE:
            return SAMPLE[name]
        if name in params:
            return str(params[name].get("Default", f"<{name}>"))
        return f"<{name}>"

    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in resolve(item, template)]
    if isinstance(node, dict) and len(node) == 1:
        (fn, arg), = node.items()
        if fn == "Ref":
            return [ref(arg)]
        if fn == "Fn::GetAtt":
            target = arg if isinstance(arg, str) else ".".join(arg)
            return [f"<{target}>"]
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

            def one(m):
                name = m.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                if name in variables:
                    return resolve(variables[name], template)[0]
                if "." in name:
                    return f"<{name}>"
                return ref(name)

            return [re.sub(r"\$\{([^}]+)\}", one, text)]
    raise AssertionError(f"cannot read the policy value {node!r}")


def iam_match(pattern, value):
    """IAM's wildcards: `*` any run of characters (also `/`), `?` one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def action_match(pattern, action):
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def statements(resource, testcase):
    """The Allow statements of a function's inline policies. Anything else in
    `Policies` (a managed policy, a SAM policy template) cannot be checked
    here and fails."""
    policies = resource["Properties"].get("Policies", [])
    if isinstance(policies, (str, dict)):
        policies = [policies]
    found = []
    for policy in policies:
        testcase.assertIsInstance(policy, dict, f"{policy!r}: only inline statements can be checked")
        testcase.assertEqual(set(policy), {"Statement"}, f"{policy!r}: only inline statements can be checked")
        body = policy["Statement"]
        for statement in body if isinstance(body, list) else [body]:
            testcase.assertNotIn("NotAction", statement)
            testcase.assertNotIn("NotResource", statement)
            if statement.get("Effect") == "Allow":
                found.append(statement)
    return found


def allowed(resource, template, action, arn, testcase):
    """Whether the function's policies allow `action` on `arn`."""
    for statement in statements(resource, testcase):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if not any(action_match(a, action) for a in actions):
            continue
        if any(iam_match(r, arn) for r in resolve(statement["Resource"], template)):
            return True
    return False


def actions_on(resource, prefix, testcase):
    found = set()
    for statement in statements(resource, testcase):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        found |= {a for a in actions if a.lower().startswith(prefix)}
    return found


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

    def test_secrets_each_function_can_read(self):
        names = dict(SECRET_NAMES, **{"api-keys": self.t["Parameters"]["ApiKeysSecretName"]["Default"]})
        for function, expected in SECRET_ACCESS.items():
            resource = self.functions[function]
            for secret, name in names.items():
                with self.subTest(function=function, secret=secret):
                    arn = SECRET_ARN.format(name=name)
                    can = allowed(resource, self.t, "secretsmanager:GetSecretValue", arn, self)
                    self.assertEqual(can, secret in expected, f"{function} reading {arn}")

    def test_webhook_cannot_read_console_secrets(self):
        webhook = self.functions["WebhookFunction"]
        for name in ("whosent/acct-1/console", "whosent/a/console", "whosent/acct-1/console-old"):
            arn = SECRET_ARN.format(name=name)
            for action in ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"):
                with self.subTest(arn=arn, action=action):
                    self.assertFalse(allowed(webhook, self.t, action, arn, self))

    def test_lookup_is_read_only(self):
        actions = actions_on(self.functions["LookupFunction"], "dynamodb:", self)
        self.assertTrue(actions)
        self.assertLessEqual(actions, READ_ONLY_DYNAMODB)

    def test_table_is_the_one_schema_rs_creates(self):
        keys_rs = (ROOT / "shared" / "src" / "store" / "keys.rs").read_text()
        schema_rs = (ROOT / "shared" / "src" / "store" / "schema.rs").read_text()
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
        self.assertIn("ScalarAttributeType::S", schema_rs)
        self.assertEqual(
            sorted((a["AttributeName"], a["AttributeType"]) for a in p["AttributeDefinitions"]),
            sorted((const[name], "S") for name in defined),
        )

        self.assertIn("BillingMode::PayPerRequest", schema_rs)
        self.assertEqual(p["BillingMode"], "PAY_PER_REQUEST")
        self.assertIn("StreamViewType::NewAndOldImages", schema_rs)
        self.assertEqual(p["StreamSpecification"], {"StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.assertIn("attribute_name(EXPIRES_AT)", schema_rs)
        self.assertEqual(p["TimeToLiveSpecification"], {"AttributeName": const["EXPIRES_AT"], "Enabled": True})
        self.assertEqual(p["PointInTimeRecoverySpecification"], {"PointInTimeRecoveryEnabled": True})

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

    def test_outputs(self):
        outputs = self.t["Outputs"]
        for name in ("ApiUrl", "CallbackUrlPattern", "TableName", "ResolverDeadLetterQueueUrl",
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
