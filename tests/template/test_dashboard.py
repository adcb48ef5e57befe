"""Checks of the metrics dashboard in template.yaml: its body is the JSON
CloudWatch takes once CloudFormation substitutes it, each graph searches the
functions' own metrics (namespace whosent, each function by its name), and
it shows exactly the metrics docs/metrics.md describes. That the code emits
no metric outside it is checked by the Rust tests of shared/src/metrics.
Also: Lambda's log level never drops the metric lines."""

import json
import re
import unittest

from cfn import ROOT, functions, load_template, resolve, sub_names

DOCS = ROOT / "docs" / "metrics.md"
LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


def dashboards(template):
    return {n: r for n, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Dashboard"}


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = load_template()
        found = dashboards(cls.t)
        cls.name, cls.dashboard = next(iter(found.items()))
        cls.body_sub = cls.dashboard["Properties"]["DashboardBody"]
        cls.body = json.loads(resolve(cls.body_sub, cls.t)[0])
        cls.expressions = [
            entry["expression"]
            for widget in cls.body["widgets"]
            for row in widget["properties"]["metrics"]
            for entry in row
            if isinstance(entry, dict) and "expression" in entry
        ]

    def test_one_dashboard_named_by_stage(self):
        self.assertEqual(len(dashboards(self.t)), 1)
        self.assertEqual(self.dashboard["Properties"]["DashboardName"], {"Fn::Sub": "whosent-${Stage}"})

    def test_widgets_fit_the_grid_and_name_their_region(self):
        self.assertTrue(self.body["widgets"])
        for widget in self.body["widgets"]:
            with self.subTest(widget=widget["properties"].get("title")):
                self.assertEqual(widget["type"], "metric")
                self.assertLessEqual(widget["x"] + widget["width"], 24)
                self.assertTrue(widget["properties"]["title"])
                self.assertEqual(widget["properties"]["region"], "eu-west-1", "the stack's own region")
                self.assertTrue(widget["properties"]["metrics"])

    def test_every_graph_searches_the_functions_own_metrics(self):
        function_names = set(functions(self.t))
        for name in sub_names(self.body_sub["Fn::Sub"]):
            self.assertIn(name, function_names | {"AWS::Region"}, name)
        self.assertTrue(self.expressions)
        for expression in self.expressions:
            with self.subTest(expression=expression):
                m = re.fullmatch(r"SEARCH\('\{whosent,Function(,\w+)*\} MetricName=\"(\w+)\" (.+)', '(\w+)', (\d+)\)",
                                 expression)
                self.assertIsNotNone(m, "SEARCH('{whosent,Function,...} MetricName=\"...\" Function=...', stat, period)")
                self.assertIn("Function=\"<", m.group(3), "scoped to this stack's functions")
                self.assertIn(m.group(4), {"Sum", "p50", "p90", "p99"})

    def test_it_shows_exactly_the_documented_metrics(self):
        shown = {re.search(r'MetricName="(\w+)"', e).group(1) for e in self.expressions}
        documented = set(re.findall(r"^\| `(\w+)` \|", DOCS.read_text(), re.MULTILINE))
        self.assertEqual(shown, documented)

    def test_lambda_never_drops_the_metric_lines(self):
        # The lines carry no level: Lambda reads them as INFO.
        for level, mapping in self.t["Mappings"]["LogLevels"].items():
            with self.subTest(level=level):
                self.assertLessEqual(LEVELS.index(mapping["Application"]), LEVELS.index("INFO"))


if __name__ == "__main__":
    unittest.main()
