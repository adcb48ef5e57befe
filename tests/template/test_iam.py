"""The IAM boundaries of docs/deploy.md, checked on the template as SAM
deploys it: every function runs under its own role, written out in the
template (a role SAM generates brings managed policies on "*": the logs of
every group, X-Ray, and for a stream consumer every stream of the account);
each role may do exactly what EXPECTED says, no more and no less; a wildcard
appears only where AWS has no narrower resource (WILDCARDS); and only the
functions that log in reach the console sessions.

Run with the SAM venv's Python (`make template-check`).
"""

import re
import unittest

from cfn import ROOT, action_match, as_list, deployed, functions, iam_match, load_template, resolve

ARN = "arn:aws:{service}:eu-west-1:123456789012:{resource}"
TABLE = "<Table.Arn>"
SESSIONS = "<SessionTable.Arn>"
STREAM = "<Table.StreamArn>"


def index(name):
    return f"{TABLE}/index/{name}"


def secret(name):
    return ARN.format(service="secretsmanager", resource=f"secret:{name}")


def grants(actions, *resources):
    return {(action, resource) for action in as_list(actions) for resource in resources}


# A log group's Arn attribute ends in ":*" (its streams): that group only.
LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"]
XRAY = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
GET_SECRET = "secretsmanager:GetSecretValue"
# `??????`: the six random characters Secrets Manager appends to a secret's
# ARN; `-*` would also match another secret named `push-old`.
PUSH, MARKER, CONSOLE = (secret(f"whosent/*/{kind}-??????") for kind in ("push", "marker", "console"))
API_KEYS = secret("whosent/api-keys-??????")


def basics(log_group):
    return grants(LOGS, f"<{log_group}.Arn>") | grants(XRAY, "*")


def stream_consumer(queue):
    return (
        grants(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], STREAM)
        | grants("dynamodb:ListStreams", "*")
        | grants("sqs:SendMessage", f"<{queue}.Arn>")
    )


# What each function may do: (action, resource). docs/deploy.md says why.
EXPECTED = {
    "WebhookFunction": basics("WebhookLogGroup")
    | grants(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"], TABLE)
    | grants(GET_SECRET, PUSH, MARKER),
    "ResolverFunction": basics("ResolverLogGroup")
    | stream_consumer("ResolverDeadLetterQueue")
    | grants(
        ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        TABLE,
    )
    | grants("dynamodb:Query", index("gsi2"))
    | grants(["dynamodb:GetItem", "dynamodb:UpdateItem"], SESSIONS)
    | grants(GET_SECRET, CONSOLE, MARKER),
    "ProfileFunction": basics("ProfileLogGroup")
    | stream_consumer("ProfileDeadLetterQueue")
    | grants(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], TABLE)
    | grants(["dynamodb:GetItem", "dynamodb:UpdateItem"], SESSIONS)
    | grants(GET_SECRET, CONSOLE),
    "LookupFunction": basics("LookupLogGroup")
    | grants(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"], TABLE)
    | grants("dynamodb:Query", index("gsi2"))
    | grants(GET_SECRET, API_KEYS),
}

# Every wildcard a role may hold, and why nothing narrower exists.
WILDCARDS = {
    ("xray:PutTraceSegments", "*"): "X-Ray's actions have no resource type",
    ("xray:PutTelemetryRecords", "*"): "X-Ray's actions have no resource type",
    ("dynamodb:ListStreams", "*"): "no resource type; it lists stream ARNs, never records",
    (GET_SECRET, PUSH): "one secret per account, added by operators after deployment",
    (GET_SECRET, MARKER): "one secret per account, added by operators after deployment",
    (GET_SECRET, CONSOLE): "one secret per account, added by operators after deployment",
    (GET_SECRET, API_KEYS): "the random suffix of the secret's ARN",
}

LOG_IN = {"ResolverFunction", "ProfileFunction"}

# The webhook may touch these partitions only (dynamodb:LeadingKeys); every
# partition kind of keys.rs is either here or in WEBHOOK_NEVER, so that a new
# kind is a decision, not an accident.
WEBHOOK_PARTITIONS = {"ACCT", "MSG", "NONCE"}
WEBHOOK_NEVER = {"PERSON"}
# Actions whose requests always name a partition key: a ForAllValues
# condition on dynamodb:LeadingKeys passes a request that names none.
KEYED_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}

# The secrets each function may read, and the names tried.
SECRET_NAMES = {
    "push": "whosent/acct-1/push",
    "marker": "whosent/acct-1/marker",
    "console": "whosent/acct-1/console",
    "api-keys": "whosent/api-keys",
    "other": "someone-else/secret",
    "look-alike": "whosent/acct-1/push-old",
}
SECRET_ACCESS = {
    "WebhookFunction": {"push", "marker"},
    "ResolverFunction": {"console", "marker"},
    "ProfileFunction": {"console"},
    "LookupFunction": {"api-keys"},
}
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-AbC123"


def policy_statements(role):
    """Every statement of a role's inline policies."""
    found = []
    for policy in role["Properties"].get("Policies", []):
        found += as_list(policy["PolicyDocument"]["Statement"])
    return found


class IamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = load_template()
        cls.functions = functions(cls.t)
        cls.out = deployed(cls.t)
        cls.roles = {name: r for name, r in cls.out["Resources"].items() if r["Type"] == "AWS::IAM::Role"}

    def role_of(self, function):
        """The role the deployed function runs under."""
        role = self.out["Resources"][function]["Properties"]["Role"]
        self.assertIsInstance(role, dict, f"{function}: its role is not one of the template's")
        (fn, arg), = role.items()
        self.assertEqual(fn, "Fn::GetAtt")
        name = arg[0] if isinstance(arg, list) else arg.split(".")[0]
        return name, self.roles[name]

    def statements(self, function):
        return policy_statements(self.role_of(function)[1])

    def grants(self, function):
        found = set()
        for statement in self.statements(function):
            self.assertEqual(statement["Effect"], "Allow", f"{function}: {statement}")
            for action in as_list(statement["Action"]):
                found |= grants(action, *resolve(statement["Resource"], self.out))
        return found

    def allowed(self, function, action, arn):
        for statement in self.statements(function):
            if any(action_match(a, action) for a in as_list(statement["Action"])) and any(
                iam_match(r, arn) for r in resolve(statement["Resource"], self.out)
            ):
                return True
        return False

    def test_every_function_runs_under_its_own_written_out_role(self):
        self.assertEqual(set(self.functions), set(EXPECTED))
        written = set()
        for function, resource in self.functions.items():
            with self.subTest(function=function):
                properties = resource["Properties"]
                self.assertIn("Role", properties, "without Role, SAM generates one with managed policies on '*'")
                self.assertNotIn("Policies", properties)
                role = properties["Role"]["Fn::GetAtt"][0]
                self.assertEqual(self.t["Resources"][role]["Type"], "AWS::IAM::Role")
                self.assertNotIn(role, written, "one role per function")
                written.add(role)
                self.assertEqual(self.role_of(function)[0], role)
        # No role has a managed policy, and SAM added no role of its own.
        for name, role in self.roles.items():
            with self.subTest(role=name):
                managed = role["Properties"].get("ManagedPolicyArns")
                self.assertFalse(managed, f"{name}: managed policies, which grant on '*': {managed}")
                trust = as_list(role["Properties"]["AssumeRolePolicyDocument"]["Statement"])
                self.assertEqual(
                    [(s["Effect"], s["Principal"], s["Action"]) for s in trust],
                    [("Allow", {"Service": "lambda.amazonaws.com"}, "sts:AssumeRole")],
                )
        self.assertEqual(set(self.roles), written)

    def test_each_role_may_do_exactly_what_is_expected(self):
        for function, expected in EXPECTED.items():
            with self.subTest(function=function):
                found = self.grants(function)
                extra, missing = sorted(found - expected), sorted(expected - found)
                self.assertFalse(extra or missing, f"{function}: more than expected {extra}, missing {missing}")

    def test_wildcards_only_where_aws_has_no_narrower_resource(self):
        for name, role in self.roles.items():
            for statement in policy_statements(role):
                self.assertNotIn("NotAction", statement, name)
                self.assertNotIn("NotResource", statement, name)
                for action in as_list(statement["Action"]):
                    self.assertNotRegex(action, r"[*?]", f"{name}: a wildcard action")
                    for resource in resolve(statement["Resource"], self.out):
                        if re.search(r"[*?]", resource):
                            with self.subTest(role=name, action=action, resource=resource):
                                self.assertIn((action, resource), WILDCARDS)

    def test_only_the_functions_that_log_in_reach_the_sessions(self):
        sample = ARN.format(service="dynamodb", resource="table/whosent-sessions")
        for function in EXPECTED:
            reach = {
                action
                for action, resource in self.grants(function)
                if action.startswith("dynamodb:")
                # Stream ARNs only (and the sessions table has no stream).
                and action != "dynamodb:ListStreams"
                and (resource == SESSIONS or iam_match(resource, sample))
            }
            with self.subTest(function=function):
                if function in LOG_IN:
                    self.assertEqual(reach, {"dynamodb:GetItem", "dynamodb:UpdateItem"})
                else:
                    self.assertEqual(reach, set(), f"{function} reaches the console sessions")

    def test_webhook_touches_only_the_partitions_of_its_item_kinds(self):
        keys_rs = (ROOT / "shared" / "src" / "store" / "keys.rs").read_text()
        kinds = set(re.findall(r'pub fn \w+_pk\([^)]*\) -> String \{\s*format!\("([A-Z]+)#', keys_rs))
        self.assertTrue(kinds, "keys.rs builds partition keys with format!(\"KIND#…\")")
        undecided = kinds - WEBHOOK_PARTITIONS - WEBHOOK_NEVER
        self.assertFalse(undecided, f"partitions of keys.rs not decided for the webhook: {undecided}")
        for statement in self.statements("WebhookFunction"):
            actions = {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
            if not actions:
                continue
            self.assertLessEqual(actions, KEYED_ACTIONS)
            condition = statement.get("Condition", {})
            self.assertEqual(set(condition), {"ForAllValues:StringLike"})
            prefixes = as_list(condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
            self.assertEqual(set(prefixes), {f"{kind}#*" for kind in WEBHOOK_PARTITIONS})

    def test_secrets_each_function_can_read(self):
        for function, expected in SECRET_ACCESS.items():
            for secret_kind, name in SECRET_NAMES.items():
                with self.subTest(function=function, secret=secret_kind):
                    arn = SECRET_ARN.format(name=name)
                    can = self.allowed(function, GET_SECRET, arn)
                    self.assertEqual(can, secret_kind in expected, f"{function} reading {arn}")

    def test_webhook_cannot_read_console_secrets(self):
        for name in ("whosent/acct-1/console", "whosent/a/console", "whosent/acct-1/console-old"):
            arn = SECRET_ARN.format(name=name)
            for action in (GET_SECRET, "secretsmanager:DescribeSecret"):
                with self.subTest(arn=arn, action=action):
                    self.assertFalse(self.allowed("WebhookFunction", action, arn))

    def test_lookup_is_read_only(self):
        actions = {a for a, _ in self.grants("LookupFunction") if a.startswith("dynamodb:")}
        self.assertEqual(actions, {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"})


if __name__ == "__main__":
    unittest.main()
