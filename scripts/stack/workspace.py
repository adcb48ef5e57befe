"""What cargo says about the workspace: the functions, watch's ignore file, the builds.

Watch restarts every function on any change under the checkout that no ignore
file excludes, and reads its ignore files once, at start: a nested .gitignore
in a stack folder made later (another stack's) is not seen. So the ignore
file (CARGO_LAMBDA_IGNORE_FILE) ignores everything but what the functions are
built from: the root manifests, .cargo, the functions' packages and the
workspace packages they depend on, whichever folders appear later. A stack
folder among those is refused.
"""

import json
import os
import subprocess

ROOT_FILES = ("Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml")
IGNORE_HEADER = "# Written by scripts/stack.sh: cargo lambda watch reacts to these paths only.\n"
FUNCTIONS = "functions" + os.sep
# The full stack's tools, built beside the functions: (package, binary).
TOOLS = (
    ("whosent-platform", "platform"),
    ("whosent-admin", "whosent"),
    ("whosent-local-stack", "event-source"),
)


class Refused(Exception):
    """A stack that may not start as asked; nothing was started."""


def metadata(root):
    """The workspace's `cargo metadata --no-deps`, as a document."""
    out = subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1"],
        cwd=root,
        stdout=subprocess.PIPE,
        check=True,
    ).stdout
    return json.loads(out)


def function_names(meta, root):
    """The binaries of the functions/* crates, sorted: the functions watch serves."""
    names = []
    for package in meta["packages"]:
        if os.path.relpath(package["manifest_path"], root).startswith(FUNCTIONS):
            names += [t["name"] for t in package["targets"] if "bin" in t["kind"]]
    return sorted(names)


def _folder(package, root):
    manifest = os.path.realpath(package["manifest_path"])
    return os.path.relpath(os.path.dirname(manifest), root)


def watched_folders(meta):
    """The folders, relative to the workspace root, that the functions are built from."""
    root = os.path.realpath(meta["workspace_root"])
    packages = {p["name"]: p for p in meta["packages"]}
    todo = [p for p in meta["packages"] if _folder(p, root).startswith(FUNCTIONS)]
    watched = {".cargo"}
    while todo:
        package = todo.pop()
        if _folder(package, root) in watched:
            continue
        watched.add(_folder(package, root))
        todo += [
            packages[d["name"]]
            for d in package["dependencies"]
            if d.get("path") and d["kind"] != "dev" and d["name"] in packages
        ]
    return watched


def check_stack_dir(meta, watched, stack_dir):
    """Raises Refused when the stack folder lies among the watched folders."""
    root = os.path.realpath(meta["workspace_root"])
    real = os.path.realpath(stack_dir)
    for folder in sorted(watched):
        path = os.path.join(root, folder)
        if os.path.commonpath([real, path]) == path:
            raise Refused(
                f"STACK_DIR={stack_dir!r} is inside {folder}, which cargo lambda watch "
                "reloads the functions on; choose a folder elsewhere"
            )


def _within(folder, other):
    return folder == other or folder.startswith(other + "/")


def ignore_rules(watched):
    """Gitignore rules, outermost first: each level ignores all but the way down."""
    leaves = sorted(f for f in watched if not any(_within(f, g) for g in watched if g != f))
    rules = ["/*"] + [f"!/{name}" for name in ROOT_FILES]
    by_depth = {}
    for leaf in leaves:
        parts = leaf.split("/")
        for depth in range(1, len(parts)):
            way = "/".join(parts[:depth])
            by_depth.setdefault(depth, []).extend([f"!/{way}/", f"/{way}/*"])
        by_depth.setdefault(len(parts), []).append(f"!/{leaf}/")
    for depth in sorted(by_depth):
        for rule in by_depth[depth]:
            if rule not in rules:
                rules.append(rule)
    return rules


def ignore_file(rules):
    """The text of watch's ignore file."""
    return IGNORE_HEADER + "\n".join(rules) + "\n"


def host_runner_variable(host):
    """The cargo variable naming the runner of binaries built for `host`."""
    return "CARGO_TARGET_" + host.upper().replace("-", "_") + "_RUNNER"


def host_triple():
    """The host's target triple, as rustc reports it."""
    out = subprocess.run(["rustc", "-vV"], stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("host: "):
            return line[len("host: ") :]
    raise RuntimeError("rustc -vV names no host")


def build_commands(functions, full):
    """The builds before watch starts, one binary at a time (as `cargo run --bin NAME` builds it)."""
    commands = [["cargo", "build", "--quiet", "--bin", name] for name in functions]
    if full:
        commands += [["cargo", "build", "--quiet", "-p", p, "--bin", b] for p, b in TOOLS]
    return commands


def build(root, functions, full):
    for command in build_commands(functions, full):
        subprocess.run(command, cwd=root, check=True)


def bin_dir(meta):
    """Where the debug binaries are."""
    return os.path.join(meta["target_directory"], "debug")
