"""The functions, the folders watch reloads on, its ignore file, the builds."""

import unittest

from stack import workspace

ROOT = "/ws"


def package(name, folder, bins=(), deps=()):
    """A package of `cargo metadata`: deps are (name, kind, by path)."""
    return {
        "name": name,
        "manifest_path": f"{ROOT}/{folder}/Cargo.toml",
        "targets": [{"name": b, "kind": ["bin"]} for b in bins] + [{"name": name, "kind": ["lib"]}],
        "dependencies": [
            {"name": d, "kind": kind, **({"path": f"{ROOT}/x"} if by_path else {})} for d, kind, by_path in deps
        ],
    }


META = {
    "workspace_root": ROOT,
    "target_directory": f"{ROOT}/target",
    "packages": [
        package("whosent-webhook", "functions/webhook", ["webhook"], [("whosent-shared", None, True)]),
        package(
            "whosent-resolver",
            "functions/resolver",
            ["resolver"],
            [("whosent-shared", "normal", True), ("whosent-integration", "dev", True), ("serde", None, False)],
        ),
        package("whosent-shared", "shared", deps=[("workspace-hack", None, True)]),
        package("workspace-hack", "workspace-hack"),
        package("whosent-integration", "tests/integration", ["demo"]),
        package("whosent-platform", "tests/platform", ["platform"]),
        package("whosent-admin", "admin", ["whosent"], [("whosent-shared", None, True)]),
    ],
}
WATCHED = {".cargo", "functions/webhook", "functions/resolver", "shared", "workspace-hack"}


class FunctionsTest(unittest.TestCase):
    def test_the_binaries_of_the_functions_folder_sorted(self):
        self.assertEqual(workspace.function_names(META, ROOT), ["resolver", "webhook"])

    def test_watched_folders_follow_path_dependencies_but_not_dev_ones(self):
        self.assertEqual(workspace.watched_folders(META), WATCHED)


class IgnoreFileTest(unittest.TestCase):
    def test_everything_is_ignored_but_the_way_down_to_the_sources(self):
        self.assertEqual(
            workspace.ignore_file(workspace.ignore_rules(WATCHED)),
            "# Written by scripts/stack.sh: cargo lambda watch reacts to these paths only.\n"
            "/*\n!/Cargo.toml\n!/Cargo.lock\n!/rust-toolchain\n!/rust-toolchain.toml\n"
            "!/.cargo/\n!/functions/\n/functions/*\n!/shared/\n!/workspace-hack/\n"
            "!/functions/resolver/\n!/functions/webhook/\n",
        )

    def test_a_folder_inside_a_watched_one_adds_nothing(self):
        rules = workspace.ignore_rules({"a", "a/b", "c/d/e"})
        self.assertEqual(rules[5:], ["!/a/", "!/c/", "/c/*", "!/c/d/", "/c/d/*", "!/c/d/e/"])

    def test_a_stack_folder_among_the_sources_is_refused(self):
        for inside in ["functions/webhook/stack", "shared", ".cargo/x"]:
            with self.assertRaises(workspace.Refused) as refused:
                workspace.check_stack_dir(META, WATCHED, f"{ROOT}/{inside}")
            self.assertIn("choose a folder elsewhere", str(refused.exception))

    def test_a_stack_folder_elsewhere_is_accepted(self):
        for elsewhere in [".local", ".local/test", "functions", "sharedx"]:
            workspace.check_stack_dir(META, WATCHED, f"{ROOT}/{elsewhere}")
        workspace.check_stack_dir(META, WATCHED, "/tmp/s")


class BuildTest(unittest.TestCase):
    def test_minimal_builds_the_functions_only(self):
        self.assertEqual(
            workspace.build_commands(["webhook"], False), [["cargo", "build", "--quiet", "--bin", "webhook"]]
        )

    def test_full_builds_the_tools_too(self):
        commands = workspace.build_commands(["lookup", "webhook"], True)
        self.assertEqual(
            [c[3:] for c in commands],
            [
                ["--bin", "lookup"],
                ["--bin", "webhook"],
                ["-p", "whosent-platform", "--bin", "platform"],
                ["-p", "whosent-admin", "--bin", "whosent"],
                ["-p", "whosent-local-stack", "--bin", "event-source"],
            ],
        )

    def test_bin_dir_and_runner_variable(self):
        self.assertEqual(workspace.bin_dir(META), "/ws/target/debug")
        self.assertEqual(
            workspace.host_runner_variable("x86_64-unknown-linux-gnu"),
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER",
        )


if __name__ == "__main__":
    unittest.main()
