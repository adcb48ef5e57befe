"""Reading template.yaml for the checks of tests/template: the template as
written, the template as SAM deploys it, and policy values as IAM reads them."""

import fnmatch
import json
import re
from pathlib import Path

import boto3
from cfnlint.decode import cfn_yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

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

# A sample value for each pseudo parameter, to read ARNs as IAM will.
SAMPLE = {
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "whosent-dev",
}


def load_template():
    return cfn_yaml.load(str(TEMPLATE))


def deployed(template):
    """The template as SAM transforms it before CloudFormation sees it: the
    roles, policies and mappings SAM would add are there (code locations
    stand in for the build's)."""
    plain = json.loads(json.dumps(template))
    for resource in plain["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/code.zip"
    session = boto3.session.Session(region_name=SAMPLE["AWS::Region"])
    translator = Translator({}, Parser(), boto_session=session)
    return translator.translate(
        plain, {"AWS::AccountId": SAMPLE["AWS::AccountId"]}, get_managed_policy_map=lambda: {}
    )


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


def resolve(node, template):
    """The strings a policy value can take once deployed (with the sample pseudo
    parameters and each parameter's default); an attribute of a resource
    reads `<Resource.Attribute>`."""
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


def as_list(value):
    return value if isinstance(value, list) else [value]
